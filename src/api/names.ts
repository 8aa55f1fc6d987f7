/** Names, labels and annotations that users, scripts and tests depend on (brief, section 4). */

export const FINALIZER = 'redis.github.com/finalizer';
/** The seed's legacy finalizer; StatefulSets found carrying it have it removed. */
export const LEGACY_FINALIZER = 'RedisInstanceFinalizer';
export const CONFIG_HASH_ANNOTATION = 'redis.github.com/config-hash';
export const MANAGED_BY = 'redis-operator';
export const REDIS_PORT = 6379;
export const CONFIG_FILE_KEY = 'redis.conf';
export const DATA_VOLUME = 'data';

export const LABEL_NAME = 'app.kubernetes.io/name';
export const LABEL_INSTANCE = 'app.kubernetes.io/instance';
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
/** Set by the StatefulSet controller on every pod it creates. */
export const LABEL_POD_NAME = 'statefulset.kubernetes.io/pod-name';

/** Names of the objects owned by instance `name`. */
export function ownedNames(name: string) {
  return {
    statefulSet: name,
    configMap: `${name}-config`,
    headlessService: `${name}-headless`,
    clientService: name,
    podDisruptionBudget: name,
    primaryPod: `${name}-0`,
  } as const;
}

/** The labels every owned object carries; also the StatefulSet's selector. */
export function instanceLabels(name: string): Record<string, string> {
  return {
    [LABEL_NAME]: 'redis',
    [LABEL_INSTANCE]: name,
    [LABEL_MANAGED_BY]: MANAGED_BY,
  };
}

/** The same labels as a label selector (`name=redis,instance=NAME,managed-by=...`). */
export function instanceSelector(name: string): string {
  return Object.entries(instanceLabels(name)).map(([k, v]) => `${k}=${v}`).join(',');
}
