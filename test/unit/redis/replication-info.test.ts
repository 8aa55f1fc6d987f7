import { describe, expect, it } from 'vitest';
import { parseReplicationInfo, ReplicationInfoParseError } from '../../../src/redis/replication-info.js';

// Replies as redis-server 7.0.15 printed them.
const PRIMARY = `# Replication\r
role:master\r
connected_slaves:2\r
slave0:ip=10.0.0.12,port=6379,state=online,offset=5120,lag=0\r
slave1:ip=10.0.0.13,port=6379,state=wait_bgsave,offset=0,lag=1\r
master_failover_state:no-failover\r
master_replid:eb2aaffa6dc4f9d339d7cefe6f3a551aef00bd96\r
master_replid2:0000000000000000000000000000000000000000\r
master_repl_offset:5184\r
second_repl_offset:-1\r
repl_backlog_active:1\r
`;

const REPLICA_DOWN = `# Replication
role:slave
master_host:10.0.0.11
master_port:6379
master_link_status:down
master_last_io_seconds_ago:-1
master_sync_in_progress:0
slave_read_repl_offset:0
slave_repl_offset:0
master_link_down_since_seconds:-1
slave_priority:100
slave_read_only:1
replica_announced:1
connected_slaves:0
master_failover_state:no-failover
master_replid:bf79ddf9f09bc9eaad56792d31db5589cdab114a
master_replid2:0000000000000000000000000000000000000000
master_repl_offset:0
second_repl_offset:-1
`;

describe('parseReplicationInfo', () => {
  it('reads a primary with its replicas and their offsets', () => {
    expect(parseReplicationInfo(PRIMARY)).toEqual({
      role: 'primary',
      replicationOffset: 5184,
      replicationId: 'eb2aaffa6dc4f9d339d7cefe6f3a551aef00bd96',
      failoverState: 'no-failover',
      connectedReplicas: [
        { host: '10.0.0.12', port: 6379, state: 'online', offset: 5120, lag: 0 },
        { host: '10.0.0.13', port: 6379, state: 'wait_bgsave', offset: 0, lag: 1 },
      ],
    });
  });

  it('reads a replica whose link is down', () => {
    expect(parseReplicationInfo(REPLICA_DOWN)).toEqual({
      role: 'replica',
      replicationOffset: 0,
      replicationId: 'bf79ddf9f09bc9eaad56792d31db5589cdab114a',
      failoverState: 'no-failover',
      connectedReplicas: [],
      primaryHost: '10.0.0.11',
      primaryPort: 6379,
      linkUp: false,
      syncInProgress: false,
      replicaOffset: 0,
      lastIoSecondsAgo: undefined,
      priority: 100,
    });
  });

  it('reads a replica in sync', () => {
    const info = parseReplicationInfo(
      REPLICA_DOWN.replace('master_link_status:down', 'master_link_status:up')
        .replace('master_last_io_seconds_ago:-1', 'master_last_io_seconds_ago:2')
        .replace('slave_repl_offset:0', 'slave_repl_offset:5184')
        .replace('slave_priority:100', 'slave_priority:0'),
    );
    expect(info).toMatchObject({ role: 'replica', linkUp: true, replicaOffset: 5184, lastIoSecondsAgo: 2, priority: 0 });
  });

  it('reads the failover state while a hand-over runs', () => {
    expect(parseReplicationInfo(PRIMARY.replace('no-failover', 'waiting-for-sync')).failoverState).toBe('waiting-for-sync');
  });

  it('refuses a reply without a role or with a broken number', () => {
    expect(() => parseReplicationInfo('# Replication\nmaster_repl_offset:1\nmaster_replid:x\n')).toThrow(ReplicationInfoParseError);
    expect(() => parseReplicationInfo(PRIMARY.replace('master_repl_offset:5184', 'master_repl_offset:lots'))).toThrow(/master_repl_offset/);
    expect(() => parseReplicationInfo(PRIMARY.replace('role:master', 'role:sentinel'))).toThrow(/unknown role/);
  });
});
