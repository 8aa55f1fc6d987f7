import { LABEL_INSTANCE, instanceLabels } from '../api/names.js';
import { compareQuantities, isQuantity } from '../api/quantity.js';
import type { DefaultedRedisInstance, StorageStatus } from '../api/redis-instance.js';
import { objectKey, type KubeObject } from '../client/objects.js';

/** The fields of a PersistentVolumeClaim that storage decisions read. */
export interface Claim extends KubeObject {
  readonly spec?: { readonly storageClassName?: string; readonly resources?: { readonly requests?: { readonly storage?: string } } };
}

interface StorageClass extends KubeObject {
  readonly allowVolumeExpansion?: boolean;
}

/** The claims among `objects` that carry every label of instance `name` in `namespace`. */
export function claimsOf(name: string, namespace: string, objects: readonly KubeObject[]): Claim[] {
  const labels = Object.entries(instanceLabels(name));
  return objects.filter((o) => o.metadata.namespace === namespace && labels.every(([k, v]) => o.metadata.labels?.[k] === v))
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

function requested(claim: Claim): string | undefined {
  const size = claim.spec?.resources?.requests?.storage;
  return size !== undefined && isQuantity(size) ? size : undefined;
}

function largest(claims: readonly Claim[]): { claim: Claim; size: string } | undefined {
  let found: { claim: Claim; size: string } | undefined;
  for (const claim of claims) {
    const size = requested(claim);
    if (size !== undefined && (found === undefined || compareQuantities(size, found.size) > 0)) found = { claim, size };
  }
  return found;
}

/** status.storage: what the claims request, the floor the CRD's rule puts under spec.storage.size. */
export function storageStatus(claims: readonly Claim[]): StorageStatus {
  const size = largest(claims)?.size;
  return { claims: claims.length, ...(size !== undefined ? { size } : {}) };
}

/** The storage request of a StatefulSet's data volume claim template. */
export function templateSize(statefulSet: KubeObject): string | undefined {
  const templates = (statefulSet.spec as { volumeClaimTemplates?: Claim[] } | undefined)?.volumeClaimTemplates;
  const size = templates?.[0]?.spec?.resources?.requests?.storage;
  return size !== undefined && isQuantity(size) ? size : undefined;
}

/**
 * A spec.storage.size the claims cannot follow, held back so that every other change can still
 * be carried out: `size` is what the StatefulSet keeps until the hold lifts.
 */
export interface StorageHold {
  readonly reason: 'VolumeExpansionNotAllowed' | 'StorageShrinkRefused';
  readonly message: string;
  readonly size: string;
}

export interface StorageFacts {
  readonly claims: readonly Claim[];
  /** The size the objects have now: the live StatefulSet's claim template, else what the claims request. */
  readonly current: string | undefined;
  /** The StorageClass of that name, undefined when there is none. */
  readonly storageClass: (name: string) => KubeObject | undefined;
}

/**
 * Whether the instance's spec.storage.size must wait. Volumes cannot shrink, and a claim grows
 * only when its StorageClass allows expansion; a size they cannot follow would otherwise stop
 * every change that comes with it (or, before, any change at all), and a user could not even
 * set it back, since nothing ever grew.
 */
export function storageHold(instance: DefaultedRedisInstance, facts: StorageFacts): StorageHold | undefined {
  const wanted = instance.spec.storage.size;
  const current = facts.current;
  if (current === undefined || compareQuantities(wanted, current) === 0) return undefined;
  const keeps = `the StatefulSet keeps ${current}, and the other changes are carried out`;
  const biggest = largest(facts.claims);
  if (biggest && compareQuantities(wanted, biggest.size) < 0) {
    return {
      reason: 'StorageShrinkRefused', size: current,
      message: `spec.storage.size ${wanted} is smaller than PersistentVolumeClaim ${biggest.claim.metadata.name} (${biggest.size}) and volumes cannot shrink: set it to at least ${biggest.size}; ${keeps}`,
    };
  }
  for (const claim of facts.claims) {
    const size = requested(claim);
    if (size !== undefined && compareQuantities(size, wanted) >= 0) continue;
    const className = claim.spec?.storageClassName ?? '';
    const storageClass = className === '' ? undefined : facts.storageClass(className) as StorageClass | undefined;
    if (storageClass?.allowVolumeExpansion === true) continue;
    const why = className === '' ? 'it has no StorageClass'
      : storageClass ? `its StorageClass ${className} does not set allowVolumeExpansion`
        : `its StorageClass ${className} does not exist`;
    return {
      reason: 'VolumeExpansionNotAllowed', size: current,
      message: `PersistentVolumeClaim ${claim.metadata.name} cannot grow to ${wanted}: ${why}. `
        + `spec.storage.size waits until the StorageClass allows expansion, or set it back to ${current}; ${keeps}`,
    };
  }
  return undefined;
}

/** The instance as it can be carried out now: its spec.storage.size held at the hold's size. */
export function withHeldStorage(instance: DefaultedRedisInstance, hold: StorageHold): DefaultedRedisInstance {
  return { ...instance, spec: { ...instance.spec, storage: { ...instance.spec.storage, size: hold.size } } };
}

/**
 * The instances a change to StorageClass `className` concerns: those with a claim of that class
 * and those whose spec names it. Allowing expansion must wake them at once: a growth they hold
 * back can go ahead now.
 */
export function instancesUsingStorageClass(className: string, claims: readonly KubeObject[], instances: readonly KubeObject[]): string[] {
  const keys = new Set<string>();
  for (const claim of claims as readonly Claim[]) {
    const instance = claim.metadata.labels?.[LABEL_INSTANCE];
    if (claim.spec?.storageClassName === className && instance && claim.metadata.namespace) keys.add(`${claim.metadata.namespace}/${instance}`);
  }
  for (const instance of instances as ReadonlyArray<KubeObject & { spec?: { storage?: { storageClassName?: string } } }>) {
    if (instance.spec?.storage?.storageClassName === className) keys.add(objectKey(instance));
  }
  return [...keys].sort();
}
