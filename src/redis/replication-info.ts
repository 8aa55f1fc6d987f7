/**
 * `INFO replication` as a typed value. Redis says master/slave; the operator says
 * primary/replica, and so do these types.
 *
 * Offsets are bytes of the replication stream. They are JavaScript numbers: exact up to 2^53,
 * which a stream reaches after 9 PB of writes.
 */

/** A replica as its primary lists it (`slaveN:ip=...,port=...,state=...,offset=...,lag=...`). */
export interface ConnectedReplica {
  /** The address the replica announced (its pod IP unless `replica-announce-ip` says otherwise). */
  readonly host: string;
  readonly port: number;
  /** `online` once it streams; `wait_bgsave`, `send_bulk` while it loads a full copy. */
  readonly state: string;
  /** How much of the primary's stream the replica has acknowledged. */
  readonly offset: number;
  /** Seconds since its last acknowledgement. */
  readonly lag: number;
}

interface CommonReplicationInfo {
  /** `master_repl_offset`: the end of this node's replication stream. */
  readonly replicationOffset: number;
  /** `master_replid`: the history this node's stream belongs to. */
  readonly replicationId: string;
  /** `master_failover_state`: `no-failover`, `waiting-for-sync` or `failover-in-progress`. */
  readonly failoverState: string;
  /** Replicas streaming from this node (a replica may have its own, chained). */
  readonly connectedReplicas: readonly ConnectedReplica[];
}

export interface PrimaryReplicationInfo extends CommonReplicationInfo {
  readonly role: 'primary';
}

export interface ReplicaReplicationInfo extends CommonReplicationInfo {
  readonly role: 'replica';
  readonly primaryHost: string;
  readonly primaryPort: number;
  /** `master_link_status`: up when the replica streams from its primary. */
  readonly linkUp: boolean;
  /** `master_sync_in_progress`: loading a full copy. */
  readonly syncInProgress: boolean;
  /** `slave_repl_offset`: how much of the primary's stream this replica has applied. */
  readonly replicaOffset: number;
  /** `master_last_io_seconds_ago`; undefined while the link is down (Redis says -1). */
  readonly lastIoSecondsAgo: number | undefined;
  /** `slave_priority`: 0 means never promote. */
  readonly priority: number;
}

export type ReplicationInfo = PrimaryReplicationInfo | ReplicaReplicationInfo;

export class ReplicationInfoParseError extends Error {
  constructor(message: string) {
    super(`INFO replication: ${message}`);
    this.name = 'ReplicationInfoParseError';
  }
}

function fieldsOf(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

function required(fields: Map<string, string>, name: string): string {
  const value = fields.get(name);
  if (value === undefined) throw new ReplicationInfoParseError(`no ${name}`);
  return value;
}

function integer(value: string, name: string): number {
  if (!/^-?\d+$/.test(value)) throw new ReplicationInfoParseError(`${name} is not an integer: ${value}`);
  return Number(value);
}

function connectedReplica(value: string, name: string): ConnectedReplica {
  const parts = new Map<string, string>();
  for (const pair of value.split(',')) {
    const eq = pair.indexOf('=');
    if (eq > 0) parts.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  const host = parts.get('ip');
  if (host === undefined) throw new ReplicationInfoParseError(`${name} has no ip`);
  return {
    host,
    port: integer(parts.get('port') ?? '', `${name} port`),
    state: parts.get('state') ?? '',
    offset: integer(parts.get('offset') ?? '', `${name} offset`),
    lag: integer(parts.get('lag') ?? '0', `${name} lag`),
  };
}

/** Parses the reply of `INFO replication` (6.2 and later). */
export function parseReplicationInfo(text: string): ReplicationInfo {
  const fields = fieldsOf(text);
  const count = integer(fields.get('connected_slaves') ?? '0', 'connected_slaves');
  const connectedReplicas: ConnectedReplica[] = [];
  for (let i = 0; i < count; i++) {
    const name = `slave${i}`;
    const value = fields.get(name);
    // A replica can drop between the count and the list; Redis builds both in one pass, but a
    // missing line must not make the whole reply unreadable.
    if (value !== undefined) connectedReplicas.push(connectedReplica(value, name));
  }
  const common: CommonReplicationInfo = {
    replicationOffset: integer(required(fields, 'master_repl_offset'), 'master_repl_offset'),
    replicationId: required(fields, 'master_replid'),
    failoverState: fields.get('master_failover_state') ?? 'no-failover',
    connectedReplicas,
  };
  const role = required(fields, 'role');
  if (role === 'master') return { role: 'primary', ...common };
  if (role !== 'slave') throw new ReplicationInfoParseError(`unknown role ${role}`);
  const lastIo = integer(fields.get('master_last_io_seconds_ago') ?? '-1', 'master_last_io_seconds_ago');
  return {
    role: 'replica',
    ...common,
    primaryHost: required(fields, 'master_host'),
    primaryPort: integer(required(fields, 'master_port'), 'master_port'),
    linkUp: required(fields, 'master_link_status') === 'up',
    syncInProgress: fields.get('master_sync_in_progress') === '1',
    replicaOffset: integer(required(fields, 'slave_repl_offset'), 'slave_repl_offset'),
    lastIoSecondsAgo: lastIo < 0 ? undefined : lastIo,
    priority: integer(fields.get('slave_priority') ?? '100', 'slave_priority'),
  };
}
