/**
 * The RedisInstance API (`redis.github.com/v1`) as plain TypeScript types.
 *
 * These describe the objects the API server stores. The typed cdk8s classes that `cdk8s import`
 * generates from the CRD live in `imports/` and are for authoring instances in a cdk8s app.
 */

export const GROUP = 'redis.github.com';
export const VERSION = 'v1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'RedisInstance';
export const PLURAL = 'redisinstances';
export const SHORT_NAME = 'ri';

/**
 * Which strategy carries a change to `spec.config`. Spelled as Kubernetes spells policies.
 * `Live`: what the image's Redis version can change at run time is set with CONFIG SET on every
 * pod (no pod restarts); the rest of a change rolls the pods as `Rolling` does.
 */
export type ConfigUpdatePolicy = 'Recreate' | 'Rolling' | 'Live';
export const CONFIG_UPDATE_POLICIES: readonly ConfigUpdatePolicy[] = ['Recreate', 'Rolling', 'Live'];

/** Retain keeps the data volumes when the instance is deleted; Delete lets Kubernetes delete
 * them with the StatefulSet. Scaling down always keeps them. */
export type ReclaimPolicy = 'Retain' | 'Delete';
export const RECLAIM_POLICIES: readonly ReclaimPolicy[] = ['Retain', 'Delete'];

export interface ResourceRequirements {
  readonly limits?: Readonly<Record<string, string>>;
  readonly requests?: Readonly<Record<string, string>>;
}

export interface RedisInstanceSpec {
  /** @default 1 */
  readonly replicas?: number;
  /** @default DEFAULT_IMAGE */
  readonly image?: string;
  readonly resources?: ResourceRequirements;
  /** redis.conf directives and their values, e.g. `{ maxmemory: '200mb' }`. */
  readonly config?: Readonly<Record<string, string>>;
  readonly storage?: {
    /** @default DEFAULT_STORAGE_SIZE */
    readonly size?: string;
    /** @default the cluster's default StorageClass */
    readonly storageClassName?: string;
    /** What happens to the PersistentVolumeClaims when the instance is deleted. @default 'Retain' */
    readonly reclaimPolicy?: ReclaimPolicy;
  };
  readonly updatePolicy?: {
    /** @default 'Recreate' (the seed's table) */
    readonly config?: ConfigUpdatePolicy;
  };
  readonly auth?: {
    /** A Secret in the instance's namespace whose `password` key becomes requirepass/masterauth. */
    readonly secretName?: string;
  };
  readonly failover?: {
    /**
     * How long the primary's pod may be not Ready, or Redis on it silent, before the most
     * advanced replica is promoted. @default DEFAULT_FAILOVER_AFTER_SECONDS
     */
    readonly afterSeconds?: number;
  };
  /**
   * How long the instance may be without progress (a pod updated or turned ready) while not
   * every replica is ready, before it is reported Degraded. @default DEFAULT_PROGRESS_DEADLINE_SECONDS
   */
  readonly progressDeadlineSeconds?: number;
}

export interface ObjectMeta {
  readonly name: string;
  readonly namespace?: string;
  readonly uid?: string;
  readonly generation?: number;
  readonly resourceVersion?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly finalizers?: readonly string[];
  readonly deletionTimestamp?: string | Date;
  readonly creationTimestamp?: string | Date;
}

export interface StatusCondition {
  readonly type: 'Ready' | 'Progressing' | 'Degraded' | string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
  readonly message: string;
  readonly lastTransitionTime: string;
  readonly observedGeneration?: number;
}

export interface FieldChange {
  readonly path: string;
  readonly from: unknown;
  readonly to: unknown;
}

export type Phase = 'Pending' | 'Creating' | 'Updating' | 'Ready' | 'Degraded' | 'Terminating';

/** One pod as status reports it. */
export interface PodStatus {
  readonly name: string;
  /** What Redis on the pod says it is; `unknown` while it does not answer. */
  readonly role: 'primary' | 'replica' | 'unknown';
  readonly ready: boolean;
  /** A replica's link to the primary. */
  readonly link?: 'up' | 'down';
  /**
   * How far a replica is behind the primary, in bytes of the replication stream, when it is
   * more than the in-sync bound; absent while it is in sync, so that steady writes do not turn
   * into status writes.
   */
  readonly lagBytes?: number;
}

/** The last time the operator promoted a replica because the primary was lost. */
export interface FailoverRecord {
  readonly time: string;
  readonly from: string;
  readonly to: string;
  /** Why the old primary counted as lost, as a sentence. */
  readonly reason: string;
}

export interface RedisInstanceStatus {
  readonly observedGeneration?: number;
  readonly phase?: Phase;
  readonly replicas?: number;
  readonly readyReplicas?: number;
  /** Pods that run the StatefulSet's current template. */
  readonly updatedReplicas?: number;
  /**
   * While not every replica is ready: when the instance last made progress (a change carried
   * out, a pod updated or turned ready). spec.progressDeadlineSeconds counts from it.
   */
  readonly lastProgressTime?: string;
  /** Label selector of the pods, for the scale subresource (`kubectl scale`, HPA). */
  readonly selector?: string;
  readonly lastUpdate?: {
    readonly strategy: string;
    readonly changes: readonly FieldChange[];
    readonly time: string;
  };
  readonly conditions?: readonly StatusCondition[];
  /**
   * The pod the operator made primary: the record the client Service's role label follows.
   * Written before Redis is told (guarded by the resourceVersion that was read), so that two
   * operators can never promote two pods.
   */
  readonly primary?: string;
  /** The UID of that pod when it was made primary: a pod of the same name created later is a
   * new pod that lost its role (it starts as a replica). */
  readonly primaryUID?: string;
  readonly pods?: readonly PodStatus[];
  readonly lastFailover?: FailoverRecord;
  /**
   * What the instance's PersistentVolumeClaims request, as the operator last saw them: the
   * CRD's rule refuses a spec.storage.size below `size`, and only below it, so a growth that was
   * never carried out can be set back.
   */
  readonly storage?: StorageStatus;
}

export interface StorageStatus {
  /** How many claims carry the instance's labels. */
  readonly claims: number;
  /** The largest storage request among them; absent while there are none. */
  readonly size?: string;
}

export interface RedisInstance {
  readonly apiVersion: typeof API_VERSION;
  readonly kind: typeof KIND;
  readonly metadata: ObjectMeta;
  readonly spec: RedisInstanceSpec;
  readonly status?: RedisInstanceStatus;
}

/** A RedisInstance whose spec has every default applied: what the constructs consume. */
export interface DefaultedSpec {
  readonly replicas: number;
  readonly image: string;
  readonly resources: ResourceRequirements;
  readonly config: Readonly<Record<string, string>>;
  readonly storage: { readonly size: string; readonly storageClassName?: string; readonly reclaimPolicy: ReclaimPolicy };
  readonly updatePolicy: { readonly config: ConfigUpdatePolicy };
  readonly auth: { readonly secretName?: string };
  readonly failover: { readonly afterSeconds: number };
  readonly progressDeadlineSeconds: number;
}

export interface DefaultedRedisInstance extends Omit<RedisInstance, 'spec' | 'metadata'> {
  readonly metadata: ObjectMeta & { readonly namespace: string };
  readonly spec: DefaultedSpec;
}
