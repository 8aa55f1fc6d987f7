/**
 * Which replica takes over from the primary, and whether a replica has caught up. Pure: the
 * caller gathers the state (pods from the cache, INFO replication through RedisAdmin) and
 * carries out the answer.
 */
import type { RedisNodeAddress } from './redis-admin.js';
import type { ReplicationInfo } from './replication-info.js';

/** What the operator knows about one pod of an instance at one moment. */
export interface PodReplicationState {
  readonly name: string;
  readonly ordinal: number;
  /** The pod IP and Redis port; undefined while the pod has no IP. */
  readonly address: RedisNodeAddress | undefined;
  /** The pod's Ready condition. */
  readonly ready: boolean;
  /** The pod is being deleted or replaced right now. */
  readonly terminating: boolean;
  /** The pod runs an older revision than the StatefulSet wants: it will be replaced. */
  readonly outdated: boolean;
  /** INFO replication; undefined when Redis on the pod did not answer. */
  readonly replication: ReplicationInfo | undefined;
}

/** Whether a replica at `replicaOffset` is within `bound` bytes of the primary's stream. */
export function replicaInSync(primaryOffset: number, replicaOffset: number, bound: number): boolean {
  // The two offsets are read one after the other; the replica may already be past the value
  // read from the primary.
  return replicaOffset >= 0 && primaryOffset - replicaOffset <= Math.max(0, bound);
}

export type ReplicaSync =
  | { readonly kind: 'in-sync' }
  | { readonly kind: 'not-in-sync'; readonly reason: 'unreachable' | 'not-a-replica' | 'follows-another-primary' | 'link-down' | 'loading' }
  | { readonly kind: 'not-in-sync'; readonly reason: 'behind'; readonly behindBytes: number };

/**
 * Whether `replica` streams from the primary at `primaryAddress` and has caught up with
 * `primaryOffset` (master_repl_offset read from the primary) within `bound` bytes.
 */
export function replicaSync(
  replica: ReplicationInfo | undefined,
  primaryAddress: RedisNodeAddress,
  primaryOffset: number,
  bound: number,
): ReplicaSync {
  if (replica === undefined) return { kind: 'not-in-sync', reason: 'unreachable' };
  if (replica.role !== 'replica') return { kind: 'not-in-sync', reason: 'not-a-replica' };
  if (replica.primaryHost !== primaryAddress.host || replica.primaryPort !== primaryAddress.port) {
    return { kind: 'not-in-sync', reason: 'follows-another-primary' };
  }
  if (!replica.linkUp) return { kind: 'not-in-sync', reason: 'link-down' };
  if (replica.syncInProgress) return { kind: 'not-in-sync', reason: 'loading' };
  if (!replicaInSync(primaryOffset, replica.replicaOffset, bound)) {
    return { kind: 'not-in-sync', reason: 'behind', behindBytes: primaryOffset - replica.replicaOffset };
  }
  return { kind: 'in-sync' };
}

/**
 * - `hand-over`: the primary is up and will be replaced; FAILOVER moves writes to a replica that
 *   is linked to it, in sync, and already runs the new revision (else it would be replaced next
 *   and need a second hand-over).
 * - `failover`: the primary is lost; the links are down, so the replica with the most of the
 *   stream is chosen, preferring an updated one only among equals.
 */
export type TakeOverPurpose = 'hand-over' | 'failover';

export interface TakeOverOptions {
  readonly purpose: TakeOverPurpose;
  /** The primary being replaced, or the one that was lost (its pod may be gone). */
  readonly primary: { readonly name: string; readonly address: RedisNodeAddress | undefined; readonly offset: number | undefined };
  /** Bytes a hand-over target may be behind the primary. */
  readonly syncBound: number;
}

/** Why a pod was passed over. */
export type Exclusion =
  | 'not-ready'
  | 'terminating'
  | 'outdated'
  | 'no-address'
  | 'never-promote'
  | 'no-offset'
  | Extract<ReplicaSync, { kind: 'not-in-sync' }>['reason'];

export interface Excluded {
  readonly pod: string;
  readonly reason: Exclusion;
}

export type TakeOverChoice =
  | { readonly kind: 'chosen'; readonly pod: PodReplicationState; readonly offset: number; readonly excluded: readonly Excluded[] }
  | { readonly kind: 'none'; readonly excluded: readonly Excluded[] };

interface Eligible {
  readonly pod: PodReplicationState;
  readonly offset: number;
}

function exclusion(pod: PodReplicationState, options: TakeOverOptions): Exclusion | Eligible {
  const replication = pod.replication;
  if (pod.terminating) return 'terminating';
  if (!pod.ready) return 'not-ready';
  if (pod.address === undefined) return 'no-address';
  if (replication === undefined) return 'unreachable';
  if (replication.role !== 'replica') return 'not-a-replica';
  // replica-priority 0 is Redis's own "never promote this one", which Sentinel honours too.
  if (replication.priority === 0) return 'never-promote';
  if (replication.syncInProgress) return 'loading';
  if (options.purpose === 'hand-over') {
    if (pod.outdated) return 'outdated';
    if (options.primary.address === undefined || options.primary.offset === undefined) return 'no-offset';
    const sync = replicaSync(replication, options.primary.address, options.primary.offset, options.syncBound);
    if (sync.kind === 'not-in-sync') return sync.reason;
  } else if (options.primary.address !== undefined &&
    (replication.primaryHost !== options.primary.address.host || replication.primaryPort !== options.primary.address.port)) {
    // Another replica's stream may be a different history; only the lost primary's followers
    // are comparable by offset.
    return 'follows-another-primary';
  }
  return { pod, offset: replication.replicaOffset };
}

function compareForHandOver(a: Eligible, b: Eligible): number {
  return b.offset - a.offset || a.pod.ordinal - b.pod.ordinal;
}

function compareForFailover(a: Eligible, b: Eligible): number {
  return b.offset - a.offset || Number(a.pod.outdated) - Number(b.pod.outdated) || a.pod.ordinal - b.pod.ordinal;
}

/**
 * The replica to take over from the primary: the most advanced eligible one (highest offset),
 * ties going to the lowest ordinal so that two operators, or two reconciles, pick the same pod.
 * Says why every other pod was passed over, for Events and status.
 */
export function chooseTakeOverTarget(pods: readonly PodReplicationState[], options: TakeOverOptions): TakeOverChoice {
  const eligible: Eligible[] = [];
  const excluded: Excluded[] = [];
  for (const pod of pods) {
    if (pod.name === options.primary.name) continue;
    const verdict = exclusion(pod, options);
    if (typeof verdict === 'string') excluded.push({ pod: pod.name, reason: verdict });
    else eligible.push(verdict);
  }
  eligible.sort(options.purpose === 'hand-over' ? compareForHandOver : compareForFailover);
  const best = eligible[0];
  if (best === undefined) return { kind: 'none', excluded };
  return { kind: 'chosen', pod: best.pod, offset: best.offset, excluded };
}
