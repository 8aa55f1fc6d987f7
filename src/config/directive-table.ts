/**
 * Which redis.conf directives each supported Redis version knows, and which of them `CONFIG SET`
 * can change while the server runs.
 *
 * Read from Redis's own configuration source (`src/config.c`) at the releases 6.2.16, 7.0.15,
 * 7.2.6 and 7.4.1: the standard config table with its IMMUTABLE_CONFIG, PROTECTED_CONFIG and
 * MULTI_ARG_CONFIG flags, the directives the file parser handles itself (`include`,
 * `rename-command`, `user`, `loadmodule`, deprecated no-ops and, in 6.2, `bind`, `save`, `dir`,
 * `replicaof` and others), and, in 6.2, the special cases of `CONFIG SET`. Left out: `sentinel`
 * (sentinel mode only), module configs (names with a dot), `req-res-logfile` and
 * `client-default-resp` (only in builds made with LOG_REQ_RES), and 6.2's `watchdog-period`,
 * which 6.2 accepts from CONFIG SET but not in a file.
 *
 * Within a release line the set barely moves; where it does, the table holds the newest patch:
 * - 6.2.0 and 6.2.1 lack `cluster-allow-replica-migration`, `cluster-announce-tls-port`,
 *   `replica-announced`, `tls-key-file-pass` and `tls-client-key-file-pass` (added in 6.2.2);
 *   `port` and `tls-port` became settable at run time later in 6.2.
 * - The TLS directives exist only in builds with TLS, which the official images and Debian's
 *   package are.
 */
import type { RedisVersion } from './redis-version.js';
import { REDIS_VERSIONS } from './redis-version.js';

/**
 * How a version accepts a directive:
 * - `live`: in redis.conf and with `CONFIG SET` while it runs;
 * - `restart`: in redis.conf only; `CONFIG SET` refuses it as immutable;
 * - `protected`: `CONFIG SET` refuses it unless `enable-protected-configs` allows it, which the
 *   operator never does, so for the operator it needs a restart too;
 * - `file-only`: read from redis.conf but not a run-time setting at all (`CONFIG GET` does not
 *   know it), such as `include` or a deprecated directive the server ignores.
 */
export type DirectiveMutability = 'live' | 'restart' | 'protected' | 'file-only';

export interface DirectiveFacts {
  /** The name the version itself uses; an alias resolves to it. */
  readonly name: string;
  readonly mutability: DirectiveMutability;
  /** Takes several words (`save 900 1 300 10`, `bind a b`) rather than one value. */
  readonly multiArgument: boolean;
}

const MUTABILITY: Readonly<Record<string, DirectiveMutability>> = {
  L: 'live',
  R: 'restart',
  P: 'protected',
  F: 'file-only',
};

/**
 * One row per directive name: one letter per version in REDIS_VERSIONS order (6.2, 7.0, 7.2,
 * 7.4): L live, R restart, P protected, F file-only, - unknown to that version.
 */
const DIRECTIVES: ReadonlyArray<readonly [name: string, versions: string, arguments?: 'multi']> = [
  ['acl-pubsub-default',                    'LLLL'],
  ['aclfile',                               'RRRR'],
  ['acllog-max-len',                        'LLLL'],
  ['active-defrag-cycle-max',               'LLLL'],
  ['active-defrag-cycle-min',               'LLLL'],
  ['active-defrag-ignore-bytes',            'LLLL'],
  ['active-defrag-max-scan-fields',         'LLLL'],
  ['active-defrag-threshold-lower',         'LLLL'],
  ['active-defrag-threshold-upper',         'LLLL'],
  ['active-expire-effort',                  'LLLL'],
  ['activedefrag',                          'LLLL'],
  ['activerehashing',                       'LLLL'],
  ['always-show-logo',                      'RRRR'],
  ['aof-disable-auto-gc',                   '-LLL'],
  ['aof-load-truncated',                    'LLLL'],
  ['aof-rewrite-cpulist',                   '---R'],
  ['aof-rewrite-incremental-fsync',         'LLLL'],
  ['aof-timestamp-enabled',                 '-LLL'],
  ['aof-use-rdb-preamble',                  'LLLL'],
  ['aof_rewrite_cpulist',                   'RRR-'],
  ['appenddirname',                         '-RRR'],
  ['appendfilename',                        'RRRR'],
  ['appendfsync',                           'LLLL'],
  ['appendonly',                            'LLLL'],
  ['auto-aof-rewrite-min-size',             'LLLL'],
  ['auto-aof-rewrite-percentage',           'LLLL'],
  ['bgsave-cpulist',                        '---R'],
  ['bgsave_cpulist',                        'RRR-'],
  ['bind',                                  'LLLL', 'multi'],
  ['bind-source-addr',                      '-LLL'],
  ['bio-cpulist',                           '---R'],
  ['bio_cpulist',                           'RRR-'],
  ['busy-reply-threshold',                  '-LLL'],
  ['client-output-buffer-limit',            'LLLL', 'multi'],
  ['client-query-buffer-limit',             'LLLL'],
  ['cluster-allow-pubsubshard-when-down',   '-LLL'],
  ['cluster-allow-reads-when-down',         'LLLL'],
  ['cluster-allow-replica-migration',       'LLLL'],
  ['cluster-announce-bus-port',             'LLLL'],
  ['cluster-announce-hostname',             '-LLL'],
  ['cluster-announce-human-nodename',       '--LL'],
  ['cluster-announce-ip',                   'LLLL'],
  ['cluster-announce-port',                 'LLLL'],
  ['cluster-announce-tls-port',             'LLLL'],
  ['cluster-config-file',                   'FRRR'],
  ['cluster-enabled',                       'RRRR'],
  ['cluster-link-sendbuf-limit',            '-LLL'],
  ['cluster-migration-barrier',             'LLLL'],
  ['cluster-node-timeout',                  'LLLL'],
  ['cluster-ping-interval',                 '--LL'],
  ['cluster-port',                          '-RRR'],
  ['cluster-preferred-endpoint-type',       '-LLL'],
  ['cluster-replica-no-failover',           'LLLL'],
  ['cluster-replica-validity-factor',       'LLLL'],
  ['cluster-require-full-coverage',         'LLLL'],
  ['crash-log-enabled',                     'LLLL'],
  ['crash-memcheck-enabled',                'LLLL'],
  ['daemonize',                             'RRRR'],
  ['databases',                             'RRRR'],
  ['dbfilename',                            'LPPP'],
  ['dir',                                   'LPPP'],
  ['disable-thp',                           'LRRR'],
  ['dynamic-hz',                            'LLLL'],
  ['enable-debug-command',                  '-RRR'],
  ['enable-module-command',                 '-RRR'],
  ['enable-protected-configs',              '-RRR'],
  ['gopher-enabled',                        'L---'],
  ['hash-max-listpack-entries',             '-LLL'],
  ['hash-max-listpack-value',               '-LLL'],
  ['hash-max-ziplist-entries',              'L---'],
  ['hash-max-ziplist-value',                'L---'],
  ['hide-user-data-from-log',               '---L'],
  ['hll-sparse-max-bytes',                  'LLLL'],
  ['hz',                                    'LLLL'],
  ['ignore-warnings',                       'LLLL'],
  ['include',                               'FFFF'],
  ['io-threads',                            'RRRR'],
  ['io-threads-do-reads',                   'RRRR'],
  ['jemalloc-bg-thread',                    'LLLL'],
  ['key-load-delay',                        'LLLL'],
  ['latency-monitor-threshold',             'LLLL'],
  ['latency-tracking',                      '-LLL'],
  ['latency-tracking-info-percentiles',     '-LLL', 'multi'],
  ['lazyfree-lazy-eviction',                'LLLL'],
  ['lazyfree-lazy-expire',                  'LLLL'],
  ['lazyfree-lazy-server-del',              'LLLL'],
  ['lazyfree-lazy-user-del',                'LLLL'],
  ['lazyfree-lazy-user-flush',              'LLLL'],
  ['lfu-decay-time',                        'LLLL'],
  ['lfu-log-factor',                        'LLLL'],
  ['list-compress-depth',                   'LLLL'],
  ['list-max-listpack-size',                '-LLL'],
  ['list-max-ziplist-entries',              'FFFF'],
  ['list-max-ziplist-size',                 'L---'],
  ['list-max-ziplist-value',                'FFFF'],
  ['loading-process-events-interval-bytes', '-LLL'],
  ['loadmodule',                            'FFFF', 'multi'],
  ['locale-collate',                        '--LL'],
  ['logfile',                               'RRRR'],
  ['loglevel',                              'LLLL'],
  ['lua-replicate-commands',                'LFFF'],
  ['lua-time-limit',                        'L---'],
  ['masterauth',                            'LLLL'],
  ['masteruser',                            'LLLL'],
  ['max-new-connections-per-cycle',         '---L'],
  ['max-new-tls-connections-per-cycle',     '---L'],
  ['maxclients',                            'LLLL'],
  ['maxmemory',                             'LLLL'],
  ['maxmemory-clients',                     '-LLL'],
  ['maxmemory-eviction-tenacity',           'LLLL'],
  ['maxmemory-policy',                      'LLLL'],
  ['maxmemory-samples',                     'LLLL'],
  ['min-replicas-max-lag',                  'LLLL'],
  ['min-replicas-to-write',                 'LLLL'],
  ['no-appendfsync-on-rewrite',             'LLLL'],
  ['notify-keyspace-events',                'LLLL'],
  ['oom-score-adj',                         'LLLL'],
  ['oom-score-adj-values',                  'LLLL', 'multi'],
  ['pidfile',                               'RRRR'],
  ['port',                                  'LLLL'],
  ['proc-title-template',                   'LLLL'],
  ['propagation-error-behavior',            '-LLL'],
  ['protected-mode',                        'LLLL'],
  ['proto-max-bulk-len',                    'LLLL'],
  ['rdb-del-sync-files',                    'LLLL'],
  ['rdb-key-save-delay',                    'LLLL'],
  ['rdb-save-incremental-fsync',            'LLLL'],
  ['rdbchecksum',                           'RRRR'],
  ['rdbcompression',                        'LLLL'],
  ['rename-command',                        'FFFF', 'multi'],
  ['repl-backlog-size',                     'LLLL'],
  ['repl-backlog-ttl',                      'LLLL'],
  ['repl-disable-tcp-nodelay',              'LLLL'],
  ['repl-diskless-load',                    'LLLL'],
  ['repl-diskless-sync',                    'LLLL'],
  ['repl-diskless-sync-delay',              'LLLL'],
  ['repl-diskless-sync-max-replicas',       '-LLL'],
  ['repl-ping-replica-period',              'LLLL'],
  ['repl-timeout',                          'LLLL'],
  ['replica-announce-ip',                   'LLLL'],
  ['replica-announce-port',                 'LLLL'],
  ['replica-announced',                     'LLLL'],
  ['replica-ignore-disk-write-errors',      '-LLL'],
  ['replica-ignore-maxmemory',              'LLLL'],
  ['replica-lazy-flush',                    'LLLL'],
  ['replica-priority',                      'LLLL'],
  ['replica-read-only',                     'LLLL'],
  ['replica-serve-stale-data',              'LLLL'],
  ['replicaof',                             'RRRR', 'multi'],
  ['requirepass',                           'LLLL'],
  ['sanitize-dump-payload',                 'LLLL'],
  ['save',                                  'LLLL', 'multi'],
  ['server-cpulist',                        '---R'],
  ['server_cpulist',                        'RRR-'],
  ['set-max-intset-entries',                'LLLL'],
  ['set-max-listpack-entries',              '--LL'],
  ['set-max-listpack-value',                '--LL'],
  ['set-proc-title',                        'RRRR'],
  ['shutdown-on-sigint',                    '-LLL', 'multi'],
  ['shutdown-on-sigterm',                   '-LLL', 'multi'],
  ['shutdown-timeout',                      '-LLL'],
  ['slowlog-log-slower-than',               'LLLL'],
  ['slowlog-max-len',                       'LLLL'],
  ['socket-mark-id',                        '-RRR'],
  ['stop-writes-on-bgsave-error',           'LLLL'],
  ['stream-node-max-bytes',                 'LLLL'],
  ['stream-node-max-entries',               'LLLL'],
  ['supervised',                            'RRRR'],
  ['syslog-enabled',                        'RRRR'],
  ['syslog-facility',                       'RRRR'],
  ['syslog-ident',                          'RRRR'],
  ['tcp-backlog',                           'RRRR'],
  ['tcp-keepalive',                         'LLLL'],
  ['timeout',                               'LLLL'],
  ['tls-auth-clients',                      'LLLL'],
  ['tls-ca-cert-dir',                       'LLLL'],
  ['tls-ca-cert-file',                      'LLLL'],
  ['tls-cert-file',                         'LLLL'],
  ['tls-ciphers',                           'LLLL'],
  ['tls-ciphersuites',                      'LLLL'],
  ['tls-client-cert-file',                  'LLLL'],
  ['tls-client-key-file',                   'LLLL'],
  ['tls-client-key-file-pass',              'LLLL'],
  ['tls-cluster',                           'LLLL'],
  ['tls-dh-params-file',                    'LLLL'],
  ['tls-key-file',                          'LLLL'],
  ['tls-key-file-pass',                     'LLLL'],
  ['tls-port',                              'LLLL'],
  ['tls-prefer-server-ciphers',             'LLLL'],
  ['tls-protocols',                         'LLLL'],
  ['tls-replication',                       'LLLL'],
  ['tls-session-cache-size',                'LLLL'],
  ['tls-session-cache-timeout',             'LLLL'],
  ['tls-session-caching',                   'LLLL'],
  ['tracking-table-max-keys',               'LLLL'],
  ['unixsocket',                            'RRRR'],
  ['unixsocketperm',                        'RRRR'],
  ['use-exit-on-panic',                     'LLLL'],
  ['user',                                  'FFFF', 'multi'],
  ['watchdog-period',                       '-LLL'],
  ['zset-max-listpack-entries',             '-LLL'],
  ['zset-max-listpack-value',               '-LLL'],
  ['zset-max-ziplist-entries',              'L---'],
  ['zset-max-ziplist-value',                'L---'],
];

/**
 * Other names for a directive: [alias, the name it stands for, x where the version knows the
 * alias]. 7.0 renamed the ziplist directives to listpack and 7.4 the `*_cpulist` ones to dashes,
 * keeping the old names working; `slaveof` and the `slave-*` names predate `replica`.
 */
const ALIASES: ReadonlyArray<readonly [alias: string, name: string, versions: string]> = [
  ['aof_rewrite_cpulist',            'aof-rewrite-cpulist',            '---x'],
  ['bgsave_cpulist',                 'bgsave-cpulist',                 '---x'],
  ['bio_cpulist',                    'bio-cpulist',                    '---x'],
  ['cluster-slave-no-failover',      'cluster-replica-no-failover',    'xxxx'],
  ['cluster-slave-validity-factor',  'cluster-replica-validity-factor','xxxx'],
  ['hash-max-ziplist-entries',       'hash-max-listpack-entries',      '-xxx'],
  ['hash-max-ziplist-value',         'hash-max-listpack-value',        '-xxx'],
  ['list-max-ziplist-size',          'list-max-listpack-size',         '-xxx'],
  ['lua-time-limit',                 'busy-reply-threshold',           '-xxx'],
  ['min-slaves-max-lag',             'min-replicas-max-lag',           'xxxx'],
  ['min-slaves-to-write',            'min-replicas-to-write',          'xxxx'],
  ['repl-ping-slave-period',         'repl-ping-replica-period',       'xxxx'],
  ['server_cpulist',                 'server-cpulist',                 '---x'],
  ['slave-announce-ip',              'replica-announce-ip',            'xxxx'],
  ['slave-announce-port',            'replica-announce-port',          'xxxx'],
  ['slave-ignore-maxmemory',         'replica-ignore-maxmemory',       'xxxx'],
  ['slave-lazy-flush',               'replica-lazy-flush',             'xxxx'],
  ['slave-priority',                 'replica-priority',               'xxxx'],
  ['slave-read-only',                'replica-read-only',              'xxxx'],
  ['slave-serve-stale-data',         'replica-serve-stale-data',       'xxxx'],
  ['slaveof',                        'replicaof',                      'xxxx'],
  ['zset-max-ziplist-entries',       'zset-max-listpack-entries',      '-xxx'],
  ['zset-max-ziplist-value',         'zset-max-listpack-value',        '-xxx'],
];

function tableOf(index: number): ReadonlyMap<string, DirectiveFacts> {
  const table = new Map<string, DirectiveFacts>();
  for (const [name, versions, args] of DIRECTIVES) {
    const letter = versions[index] ?? '-';
    if (letter === '-') continue;
    const mutability = MUTABILITY[letter];
    if (mutability === undefined || table.has(name)) throw new Error(`directive table: bad row for ${name}`);
    table.set(name, { name, mutability, multiArgument: args === 'multi' });
  }
  for (const [alias, name, versions] of ALIASES) {
    if (versions[index] !== 'x') continue;
    const facts = table.get(name);
    if (facts === undefined || table.has(alias)) throw new Error(`directive table: bad alias ${alias}`);
    table.set(alias, facts);
  }
  return table;
}

const TABLES = new Map<RedisVersion, ReadonlyMap<string, DirectiveFacts>>(
  REDIS_VERSIONS.map((version, index) => [version, tableOf(index)]),
);

function tableFor(version: RedisVersion): ReadonlyMap<string, DirectiveFacts> {
  const table = TABLES.get(version);
  if (table === undefined) throw new Error(`no directive table for Redis ${version}`);
  return table;
}

/** What `version` knows about a directive, by its name or an alias; Redis ignores case. */
export function directiveFacts(version: RedisVersion, name: string): DirectiveFacts | undefined {
  return tableFor(version).get(name.toLowerCase());
}

/** Whether redis-server of `version` accepts the directive in redis.conf (else it will not start). */
export function knownDirective(version: RedisVersion, name: string): boolean {
  return directiveFacts(version, name) !== undefined;
}

/** Whether the operator can change the directive on a running server of `version` with CONFIG SET. */
export function isLiveMutable(version: RedisVersion, name: string): boolean {
  return directiveFacts(version, name)?.mutability === 'live';
}

/** Every name `version` accepts in redis.conf, aliases included, sorted. */
export function knownDirectiveNames(version: RedisVersion): readonly string[] {
  return [...tableFor(version).keys()].sort();
}
