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
 */
import type { KubeObject } from '../client/objects.js';
import { Resources, type ResourceType } from '../client/resources.js';
import { withoutServerBookkeeping, type ObjectTransform } from '../controller/informer.js';

/** The StatefulSet status fields the operator reads (readiness and rollout progress). */
export const STATEFUL_SET_STATUS_FIELDS = [
  'observedGeneration', 'replicas', 'readyReplicas', 'updatedReplicas', 'currentRevision', 'updateRevision',
] as const;

function withoutStatus(object: KubeObject): KubeObject {
  const { status: _status, ...rest } = withoutServerBookkeeping(object);
  return rest as KubeObject;
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
]);

/** The cache transform of a kind the operator watches (bookkeeping dropped for any other). */
export function cacheTransformOf(resource: ResourceType): ObjectTransform {
  return TRANSFORMS.get(resource) ?? withoutServerBookkeeping;
}
