/**
 * The order in which an instance's pods are replaced so that writes never stop for longer than
 * a hand-over: replicas first, from the highest ordinal down, each back and caught up before
 * the next; then the primary hands over with FAILOVER and is replaced as a replica. Pure and
 * level-based: `nextReplacementStep` looks only at the state it is given, so a reconcile that
 * was interrupted simply asks again.
 */
import { chooseTakeOverTarget, replicaSync, type Excluded, type PodReplicationState } from './replica-choice.js';

export type ReplacementStep =
  /** Every pod runs the wanted revision. */
  | { readonly kind: 'done' }
  /** Nothing may be replaced yet; `pod` names the one holding it up. */
  | { readonly kind: 'wait'; readonly reason: WaitReason; readonly pod?: string; readonly ordinal?: number; readonly excluded?: readonly Excluded[] }
  /**
   * REPLICAOF the primary on this pod: it is a second primary (a pod that came back on its own)
   * or follows another node, as the other replicas do after FAILOVER, which leaves them chained
   * to the old primary; replacing that pod would cut them off.
   */
  | { readonly kind: 'follow-primary'; readonly pod: string; readonly reason: 'second-primary' | 'follows-another-node' }
  /** Delete this replica's pod; the StatefulSet recreates it at the new revision. */
  | { readonly kind: 'replace-replica'; readonly pod: string }
  /** FAILOVER from the primary to `to`; the old primary then is an outdated replica. */
  | { readonly kind: 'hand-over'; readonly from: string; readonly to: PodReplicationState }
  /** The primary has no replica to hand over to (`replicas: 1`): replacing it is an outage. */
  | { readonly kind: 'replace-primary-with-outage'; readonly pod: string };

export type WaitReason =
  /** A pod is being replaced: one at a time. */
  | 'terminating'
  /** A pod that was deleted has not been recreated yet. */
  | 'pod-missing'
  /** An already replaced pod is not Ready yet. */
  | 'not-ready'
  /** An already replaced replica has not rejoined or caught up yet. */
  | 'replica-not-in-sync'
  /** The recorded primary does not answer as a primary: that is for failover, not replacement. */
  | 'primary-unavailable'
  /** No replica can take over now (`excluded` says why each was passed over). */
  | 'no-replica-can-take-over';

export interface ReplacementOptions {
  /** How many pods the instance has (`spec.replicas`): ordinals 0 to replicas - 1. */
  readonly replicas: number;
  /** The pod the operator made primary (recorded in status). */
  readonly primary: string;
  /** Bytes a replica may be behind the primary and still count as caught up. */
  readonly syncBound: number;
}

/**
 * The one next step towards every pod running the wanted revision. `pods` are the instance's
 * pods of ordinals 0 to replicas - 1 (a scale-down's surplus pods are the StatefulSet's to remove).
 */
export function nextReplacementStep(pods: readonly PodReplicationState[], options: ReplacementOptions): ReplacementStep {
  const terminating = pods.find((p) => p.terminating);
  if (terminating !== undefined) return { kind: 'wait', reason: 'terminating', pod: terminating.name };
  for (let ordinal = 0; ordinal < options.replicas; ordinal++) {
    if (!pods.some((p) => p.ordinal === ordinal)) return { kind: 'wait', reason: 'pod-missing', ordinal };
  }

  const primary = pods.find((p) => p.name === options.primary);
  if (primary === undefined || primary.address === undefined || primary.replication?.role !== 'primary') {
    return { kind: 'wait', reason: 'primary-unavailable', pod: options.primary };
  }
  const primaryAddress = primary.address;
  const primaryOffset = primary.replication.replicationOffset;
  const replicas = pods.filter((p) => p.name !== primary.name);

  for (const replica of replicas) {
    const replication = replica.replication;
    if (replication === undefined || replica.address === undefined) continue;
    if (replication.role === 'primary') return { kind: 'follow-primary', pod: replica.name, reason: 'second-primary' };
    if (replication.primaryHost !== primaryAddress.host || replication.primaryPort !== primaryAddress.port) {
      return { kind: 'follow-primary', pod: replica.name, reason: 'follows-another-node' };
    }
  }

  // The replicas already replaced must be back before the next goes: otherwise two could be
  // down at once, or a hand-over could find no replica in sync.
  for (const replica of replicas.filter((p) => !p.outdated)) {
    if (!replica.ready) return { kind: 'wait', reason: 'not-ready', pod: replica.name };
    if (replicaSync(replica.replication, primaryAddress, primaryOffset, options.syncBound).kind !== 'in-sync') {
      return { kind: 'wait', reason: 'replica-not-in-sync', pod: replica.name };
    }
  }

  const outdated = replicas.filter((p) => p.outdated).sort((a, b) => b.ordinal - a.ordinal);
  if (outdated[0] !== undefined) return { kind: 'replace-replica', pod: outdated[0].name };
  if (!primary.outdated) return { kind: 'done' };
  if (replicas.length === 0) return { kind: 'replace-primary-with-outage', pod: primary.name };

  const target = chooseTakeOverTarget(pods, {
    purpose: 'hand-over',
    primary: { name: primary.name, address: primaryAddress, offset: primaryOffset },
    syncBound: options.syncBound,
  });
  if (target.kind === 'none') return { kind: 'wait', reason: 'no-replica-can-take-over', excluded: target.excluded };
  return { kind: 'hand-over', from: primary.name, to: target.pod };
}

/**
 * The whole order at a glance, for `plan` and Events: the outdated replicas from the highest
 * ordinal down, then the primary, after a hand-over when it has a replica.
 */
export function replacementOrder(
  pods: ReadonlyArray<Pick<PodReplicationState, 'name' | 'ordinal' | 'outdated'>>,
  primary: string,
): { readonly replicas: readonly string[]; readonly primary?: { readonly pod: string; readonly handOver: boolean } } {
  const replicas = pods.filter((p) => p.name !== primary && p.outdated).sort((a, b) => b.ordinal - a.ordinal).map((p) => p.name);
  const primaryPod = pods.find((p) => p.name === primary);
  if (primaryPod === undefined || !primaryPod.outdated) return { replicas };
  return { replicas, primary: { pod: primary, handOver: pods.length > 1 } };
}
