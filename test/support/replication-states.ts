import type { PodReplicationState } from '../../src/redis/replica-choice.js';
import type { PrimaryReplicationInfo, ReplicaReplicationInfo } from '../../src/redis/replication-info.js';

/** Pod IPs for pure tests of decisions: nothing dials them. */
export function podAddress(ordinal: number): { host: string; port: number } {
  return { host: `10.1.0.${10 + ordinal}`, port: 6379 };
}

export function primaryInfo(offset: number, overrides: Partial<PrimaryReplicationInfo> = {}): PrimaryReplicationInfo {
  return { role: 'primary', replicationOffset: offset, replicationId: 'history-a', failoverState: 'no-failover', connectedReplicas: [], ...overrides };
}

/** A replica of the pod at `primaryOrdinal`, linked and idle unless told otherwise. */
export function replicaInfo(primaryOrdinal: number, offset: number, overrides: Partial<ReplicaReplicationInfo> = {}): ReplicaReplicationInfo {
  const primary = podAddress(primaryOrdinal);
  return {
    role: 'replica',
    replicationOffset: offset,
    replicationId: 'history-a',
    failoverState: 'no-failover',
    connectedReplicas: [],
    primaryHost: primary.host,
    primaryPort: primary.port,
    linkUp: true,
    syncInProgress: false,
    replicaOffset: offset,
    lastIoSecondsAgo: 0,
    priority: 100,
    ...overrides,
  };
}

/** Pod `cache-N`, Ready, current and reachable unless told otherwise. */
export function podState(ordinal: number, replication: PodReplicationState['replication'], overrides: Partial<PodReplicationState> = {}): PodReplicationState {
  return { name: `cache-${ordinal}`, ordinal, address: podAddress(ordinal), ready: true, terminating: false, outdated: false, replication, ...overrides };
}
