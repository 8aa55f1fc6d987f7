/** Names, labels and annotations that users, scripts and tests depend on (brief, section 4). */

export const FINALIZER = 'redis.github.com/finalizer';
/** The seed's legacy finalizer; StatefulSets found carrying it have it removed. */
export const LEGACY_FINALIZER = 'RedisInstanceFinalizer';
export const CONFIG_HASH_ANNOTATION = 'redis.github.com/config-hash';
/** On a pod, set by the operator: the live settings (`liveConfigHash`) CONFIG SET gave it and
 * CONFIG GET confirmed, under `updatePolicy.config: Live`. */
export const LIVE_CONFIG_ANNOTATION = 'redis.github.com/live-config-hash';
export const MANAGED_BY = 'redis-operator';
export const REDIS_PORT = 6379;
export const CONFIG_FILE_KEY = 'redis.conf';
export const DATA_VOLUME = 'data';

export const LABEL_NAME = 'app.kubernetes.io/name';
export const LABEL_INSTANCE = 'app.kubernetes.io/instance';
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
/** Set by the StatefulSet controller on every pod it creates. */
export const LABEL_POD_NAME = 'statefulset.kubernetes.io/pod-name';
/** Set by the StatefulSet controller: the revision (`NAME-<hash>`) the pod was created from. */
export const LABEL_REVISION = 'controller-revision-hash';

/**
 * The role the operator gave a pod: `primary` or `replica`. Set only by the operator, on the pod
 * itself, once Redis on it has been seen in that role; never in the pod template or a selector
 * of the StatefulSet, so a new pod has none until the operator has looked at it.
 */
export const ROLE_LABEL = 'redis.github.com/role';
export type PodRole = 'primary' | 'replica';

/** Names of the objects owned by instance `name`. */
export function ownedNames(name: string) {
  return {
    statefulSet: name,
    configMap: `${name}-config`,
    headlessService: `${name}-headless`,
    clientService: name,
    replicasService: `${name}-replicas`,
    podDisruptionBudget: name,
  } as const;
}

/** The name of the pod at `ordinal`, and the ordinal of a pod's name (undefined if it has none). */
export function podName(instance: string, ordinal: number): string {
  return `${instance}-${ordinal}`;
}

export function ordinalOf(instance: string, pod: string): number | undefined {
  if (!pod.startsWith(`${instance}-`)) return undefined;
  const rest = pod.slice(instance.length + 1);
  return /^(0|[1-9]\d*)$/.test(rest) ? Number(rest) : undefined;
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
