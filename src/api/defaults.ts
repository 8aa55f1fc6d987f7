import type { DefaultedRedisInstance, RedisInstance } from './redis-instance.js';

/** Used when `spec.replicas` is omitted: a standalone Redis. */
export const DEFAULT_REPLICAS = 1;
/** Used when `spec.image` is omitted: the official image, pinned to a minor release. */
export const DEFAULT_IMAGE = 'redis:7.2';
/** Used when `spec.storage.size` is omitted. */
export const DEFAULT_STORAGE_SIZE = '1Gi';
/** Used when `spec.failover.afterSeconds` is omitted: long enough that a slow probe or a short
 * network blip does not move the primary, short enough that writes come back within seconds. */
export const DEFAULT_FAILOVER_AFTER_SECONDS = 5;
/** Used when `spec.progressDeadlineSeconds` is omitted: time enough for a pod to be scheduled,
 * pull its image and load a modest dataset, short enough that a stuck rollout is noticed. */
export const DEFAULT_PROGRESS_DEADLINE_SECONDS = 300;
/** Used when `metadata.namespace` is omitted (synth-only mode; the API server always sets it). */
export const DEFAULT_NAMESPACE = 'default';

/**
 * Applies the same defaults the CRD schema declares, so synth-only output matches what the
 * controller would create for the stored object.
 */
export function withDefaults(instance: RedisInstance): DefaultedRedisInstance {
  const spec = instance.spec ?? {};
  const storageClassName = spec.storage?.storageClassName;
  const secretName = spec.auth?.secretName;
  return {
    ...instance,
    metadata: { ...instance.metadata, namespace: instance.metadata.namespace ?? DEFAULT_NAMESPACE },
    spec: {
      replicas: spec.replicas ?? DEFAULT_REPLICAS,
      image: spec.image ?? DEFAULT_IMAGE,
      resources: spec.resources ?? {},
      config: spec.config ?? {},
      storage: {
        size: spec.storage?.size ?? DEFAULT_STORAGE_SIZE,
        reclaimPolicy: spec.storage?.reclaimPolicy ?? 'Retain',
        ...(storageClassName !== undefined ? { storageClassName } : {}),
      },
      updatePolicy: { config: spec.updatePolicy?.config ?? 'Recreate' },
      auth: secretName !== undefined ? { secretName } : {},
      failover: { afterSeconds: spec.failover?.afterSeconds ?? DEFAULT_FAILOVER_AFTER_SECONDS },
      progressDeadlineSeconds: spec.progressDeadlineSeconds ?? DEFAULT_PROGRESS_DEADLINE_SECONDS,
    },
  };
}
