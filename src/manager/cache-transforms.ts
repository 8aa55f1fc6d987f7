/**
 * What the operator's caches keep of each kind: what the reconciler, the planner, the lifecycle
 * service and the status computation read, and nothing else. Every cached object lives for the
 * life of the process, once per instance, so a field kept for nobody costs memory per instance.
 *
 * - Everything: no managedFields, no kubectl last-applied-configuration annotation.
 * - RedisInstance: all else (spec, status, metadata: strategies may read annotations, and the
 *   stored status is compared with the computed one so that an instance at rest writes nothing).
 * - StatefulSet: all but the status fields the status computation does not read
 *   (src/reconcile/status.ts reads the ones in STATEFUL_SET_STATUS_FIELDS).
 * - ConfigMap: all (its data is compared and its redis.conf names the changed directives).
 * - Service, PodDisruptionBudget: no status (load balancer ingress; disruption counters and
 *   the pods they track), which nothing reads.
 * - Pod: what readiness, the replication step and the dial guard read (podState).
 * - Node: its metadata only (the dial guard reads whether kwok simulates it); never its status,
 *   whose image list and conditions are most of a node's size.
 * - PersistentVolumeClaim, StorageClass: all (small; storage status and growth read them).
 */
import type { KubeObject } from '../client/objects.js';
import { Resources, type ResourceType } from '../client/resources.js';
import { withoutServerBookkeeping, type ObjectTransform } from '../controller/informer.js';
import { podState } from '../reconcile/pods.js';

/** The StatefulSet status fields the operator reads (readiness and rollout progress). */
export const STATEFUL_SET_STATUS_FIELDS = [
  'observedGeneration', 'replicas', 'readyReplicas', 'updatedReplicas', 'currentRevision', 'updateRevision',
] as const;

function withoutStatus(object: KubeObject): KubeObject {
  const { status: _status, ...rest } = withoutServerBookkeeping(object);
  return rest as KubeObject;
}

function metadataOnly(object: KubeObject): KubeObject {
  const { apiVersion, kind, metadata } = withoutServerBookkeeping(object);
  return { apiVersion, kind, metadata } as KubeObject;
}

function withStatusFields(fields: readonly string[]): ObjectTransform {
  return (object) => {
    const { status, ...rest } = withoutServerBookkeeping(object);
    if (typeof status !== 'object' || status === null) return rest as KubeObject;
    const kept: Record<string, unknown> = {};
    for (const field of fields) {
      const value = (status as Record<string, unknown>)[field];
      if (value !== undefined) kept[field] = value;
    }
    return { ...rest, status: kept } as KubeObject;
  };
}

const TRANSFORMS: ReadonlyMap<ResourceType, ObjectTransform> = new Map<ResourceType, ObjectTransform>([
  [Resources.redisInstance, withoutServerBookkeeping],
  [Resources.statefulSet, withStatusFields(STATEFUL_SET_STATUS_FIELDS)],
  [Resources.configMap, withoutServerBookkeeping],
  [Resources.service, withoutStatus],
  [Resources.podDisruptionBudget, withoutStatus],
  [Resources.pod, podState],
  [Resources.node, metadataOnly],
]);

/** The cache transform of a kind the operator watches (bookkeeping dropped for any other). */
export function cacheTransformOf(resource: ResourceType): ObjectTransform {
  return TRANSFORMS.get(resource) ?? withoutServerBookkeeping;
}
