/**
 * Which primary object an owned object belongs to: the events of StatefulSets, ConfigMaps,
 * Services and PDBs must wake the RedisInstance that owns them, since the reconciler repairs
 * drift (a StatefulSet scaled by hand, a ConfigMap deleted) only when woken.
 */
import { objectKey, type KubeObject } from '../client/objects.js';
import type { ResourceType } from '../client/resources.js';

/** The label that names the instance an object belongs to. */
export const INSTANCE_LABEL = 'app.kubernetes.io/instance';

/** Maps an object to the keys of the primary objects to reconcile (usually zero or one). */
export type KeyMapper = (object: KubeObject) => string[];

/** The primary object's own key. */
export const primaryKey: KeyMapper = (object) => [objectKey(object)];

/**
 * The owner's key from the controller ownerReference of the primary kind; failing that, from the
 * instance label in the same namespace (objects whose owner reference was stripped, or created
 * before the owner had a UID, still wake their instance).
 */
export function ownerKeyMapper(primary: ResourceType): KeyMapper {
  const group = primary.group;
  return (object) => {
    const namespace = object.metadata.namespace;
    const owner = object.metadata.ownerReferences?.find(
      (reference) => reference.controller === true && reference.kind === primary.kind && groupOf(reference.apiVersion) === group,
    );
    if (owner) return [namespace ? `${namespace}/${owner.name}` : owner.name];
    const instance = object.metadata.labels?.[INSTANCE_LABEL];
    if (instance) return [namespace ? `${namespace}/${instance}` : instance];
    return [];
  };
}

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}
