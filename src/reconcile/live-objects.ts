import { ownedNames } from '../api/names.js';
import type { KubeObject } from '../client/objects.js';
import { Resources, type ResourceType } from '../client/resources.js';

/** Read access to live objects; the controller's informer caches implement it. */
export interface ObjectCache {
  /** One object; `namespace` is ignored for cluster-scoped kinds. */
  get(resource: ResourceType, namespace: string, name: string): KubeObject | undefined;
  /** Every cached object of a kind, in `namespace` or (undefined) in all of them. */
  list(resource: ResourceType, namespace?: string): KubeObject[];
}

/** The live counterparts of one instance's desired objects. */
export interface LiveObjects {
  readonly statefulSet?: KubeObject;
  readonly configMap?: KubeObject;
  readonly headlessService?: KubeObject;
  readonly clientService?: KubeObject;
  readonly replicasService?: KubeObject;
  readonly podDisruptionBudget?: KubeObject;
}

type Names = ReturnType<typeof ownedNames>;

/** Each owned object: where it goes in LiveObjects, its kind, and its name. */
const OWNED: ReadonlyArray<readonly [keyof LiveObjects, ResourceType, (names: Names) => string]> = [
  ['statefulSet', Resources.statefulSet, (n) => n.statefulSet],
  ['configMap', Resources.configMap, (n) => n.configMap],
  ['headlessService', Resources.service, (n) => n.headlessService],
  ['clientService', Resources.service, (n) => n.clientService],
  ['replicasService', Resources.service, (n) => n.replicasService],
  ['podDisruptionBudget', Resources.podDisruptionBudget, (n) => n.podDisruptionBudget],
];

/** The kinds an instance owns, each once. */
export const OWNED_RESOURCES: readonly ResourceType[] = [...new Set(OWNED.map(([, resource]) => resource))];

export type ObjectLookup<R> = (resource: ResourceType, objectName: string) => R;

/** Where objects of an owned kind live in the API. */
export function resourceOf(object: KubeObject): ResourceType {
  const entry = OWNED.find(([, resource]) => resource.kind === object.kind);
  if (!entry) throw new Error(`${object.kind} is not a kind an instance owns`);
  return entry[1];
}

function assemble(found: ReadonlyArray<readonly [keyof LiveObjects, KubeObject | undefined]>): LiveObjects {
  return Object.fromEntries(found.filter(([, object]) => object !== undefined)) as LiveObjects;
}

/** Instance `name`'s owned objects, found with `lookup` (a cache, or a list of synthesized objects). */
export function liveObjectsOf(name: string, lookup: ObjectLookup<KubeObject | undefined>): LiveObjects {
  const names = ownedNames(name);
  return assemble(OWNED.map(([field, resource, nameOf]) => [field, lookup(resource, nameOf(names))] as const));
}

/** The same, read with one request per object, all at once (`plan -f` against the cluster). */
export async function fetchLiveObjects(name: string, lookup: ObjectLookup<Promise<KubeObject | undefined>>): Promise<LiveObjects> {
  const names = ownedNames(name);
  const found = await Promise.all(OWNED.map(async ([field, resource, nameOf]) => [field, await lookup(resource, nameOf(names))] as const));
  return assemble(found);
}

/** A lookup among synthesized objects, as if they had been stored as sent (offline `plan`). */
export function findIn(objects: readonly KubeObject[]): ObjectLookup<KubeObject | undefined> {
  return (resource, objectName) => objects.find((o) => o.kind === resource.kind && o.metadata.name === objectName);
}
