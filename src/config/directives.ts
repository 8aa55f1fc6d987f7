/**
 * Which redis.conf directives a user may set through `spec.config`, and why the rest are refused.
 */

/**
 * Directives the operator owns, or that load code or touch files. Each maps to the reason shown
 * to the user. `spec.config` is rendered into a file Redis trusts completely, so anything that
 * could read or write arbitrary paths, load a module or re-point replication is refused.
 */
export const REFUSED_DIRECTIVES: ReadonlyMap<string, string> = new Map([
  ['include', 'would load another file'],
  ['loadmodule', 'would load code into Redis'],
  ['enable-module-command', 'would allow loading code at run time'],
  ['enable-protected-configs', 'would allow changing dir and other protected settings at run time'],
  ['enable-debug-command', 'would allow the DEBUG command, which can crash or alter the server'],
  ['rename-command', 'would hide commands the operator and probes rely on'],
  ['user', 'ACL users carry secrets; use spec.auth.secretName'],
  ['aclfile', 'would read a file'],
  ['dir', 'is owned by the operator (the data volume)'],
  ['dbfilename', 'is owned by the operator'],
  ['appenddirname', 'is owned by the operator'],
  ['appendfilename', 'is owned by the operator'],
  ['port', 'is owned by the operator (6379, used by the Services and probes)'],
  ['bind', 'is owned by the operator (Redis listens on all pod interfaces)'],
  ['bind-source-addr', 'is owned by the operator'],
  ['daemonize', 'is owned by the operator (Redis runs in the foreground)'],
  ['supervised', 'is owned by the operator'],
  ['pidfile', 'would write a file'],
  ['logfile', 'is owned by the operator (logs go to stdout)'],
  ['unixsocket', 'would create a file'],
  ['unixsocketperm', 'is owned by the operator'],
  ['replicaof', 'is owned by the operator (replicas follow ordinal 0)'],
  ['slaveof', 'is owned by the operator (replicas follow ordinal 0)'],
  ['requirepass', 'carries a secret; use spec.auth.secretName'],
  ['masterauth', 'carries a secret; use spec.auth.secretName'],
  ['masteruser', 'is owned by the operator'],
  ['cluster-enabled', 'Redis Cluster is not managed by this operator'],
  ['cluster-config-file', 'would write a file'],
  ['tls-cert-file', 'would read a file'],
  ['tls-key-file', 'would read a file'],
  ['tls-key-file-pass', 'carries a secret'],
  ['tls-client-cert-file', 'would read a file'],
  ['tls-client-key-file', 'would read a file'],
  ['tls-client-key-file-pass', 'carries a secret'],
  ['tls-ca-cert-file', 'would read a file'],
  ['tls-ca-cert-dir', 'would read a directory'],
  ['tls-dh-params-file', 'would read a file'],
]);

/** Directive names: lower-case, as Redis prints them. Redis itself ignores case, so mixed case
 * is refused rather than letting `Include` slip past the list above. */
export const DIRECTIVE_NAME = /^[a-z][a-z0-9_-]*$/;

/** Directives that take several arguments; their values are written as separate words so that
 * older servers (6.2), which do not split a quoted argument, read them too. */
export const MULTI_ARGUMENT_DIRECTIVES: ReadonlySet<string> = new Set([
  'save',
  'client-output-buffer-limit',
  'oom-score-adj-values',
  'latency-tracking-info-percentiles',
  'shutdown-on-sigint',
  'shutdown-on-sigterm',
]);

/** Directives redis-server 7 knows (from `CONFIG GET *`, plus file-only ones). Names outside it
 * are allowed, since newer servers add directives, but reported as a warning. */
export const KNOWN_DIRECTIVES: ReadonlySet<string> = new Set(
  `acl-pubsub-default aclfile acllog-max-len active-defrag-cycle-max active-defrag-cycle-min
  active-defrag-ignore-bytes active-defrag-max-scan-fields active-defrag-threshold-lower
  active-defrag-threshold-upper active-expire-effort activedefrag activerehashing always-show-logo
  aof-disable-auto-gc aof-load-truncated aof-rewrite-incremental-fsync aof-timestamp-enabled
  aof-use-rdb-preamble aof_rewrite_cpulist appenddirname appendfilename appendfsync appendonly
  auto-aof-rewrite-min-size auto-aof-rewrite-percentage bgsave_cpulist bind bind-source-addr
  bio_cpulist busy-reply-threshold client-output-buffer-limit client-query-buffer-limit
  cluster-allow-pubsubshard-when-down cluster-allow-reads-when-down cluster-allow-replica-migration
  cluster-announce-bus-port cluster-announce-hostname cluster-announce-ip cluster-announce-port
  cluster-announce-tls-port cluster-config-file cluster-enabled cluster-link-sendbuf-limit
  cluster-migration-barrier cluster-node-timeout cluster-port cluster-preferred-endpoint-type
  cluster-replica-no-failover cluster-replica-validity-factor cluster-require-full-coverage
  crash-log-enabled crash-memcheck-enabled daemonize databases dbfilename dir disable-thp
  dynamic-hz enable-debug-command enable-module-command enable-protected-configs
  hash-max-listpack-entries hash-max-listpack-value hash-max-ziplist-entries
  hash-max-ziplist-value hll-sparse-max-bytes hz ignore-warnings include io-threads
  io-threads-do-reads jemalloc-bg-thread latency-monitor-threshold latency-tracking
  latency-tracking-info-percentiles lazyfree-lazy-eviction lazyfree-lazy-expire
  lazyfree-lazy-server-del lazyfree-lazy-user-del lazyfree-lazy-user-flush lfu-decay-time
  lfu-log-factor list-compress-depth list-max-listpack-size list-max-ziplist-size loadmodule
  locale-collate logfile loglevel lua-time-limit masterauth masteruser maxclients maxmemory
  maxmemory-clients maxmemory-eviction-tenacity maxmemory-policy maxmemory-samples
  min-replicas-max-lag min-replicas-to-write no-appendfsync-on-rewrite notify-keyspace-events
  oom-score-adj oom-score-adj-values pidfile port proc-title-template
  propagation-error-behavior protected-mode proto-max-bulk-len rdb-del-sync-files
  rdb-save-incremental-fsync rdbchecksum rdbcompression rename-command repl-backlog-size
  repl-backlog-ttl repl-disable-tcp-nodelay repl-diskless-load repl-diskless-sync
  repl-diskless-sync-delay repl-diskless-sync-max-replicas repl-ping-replica-period repl-timeout
  replica-announce-ip replica-announce-port replica-announced replica-ignore-disk-write-errors
  replica-ignore-maxmemory replica-lazy-flush replica-priority replica-read-only
  replica-serve-stale-data replicaof requirepass sanitize-dump-payload save server_cpulist
  set-max-intset-entries set-max-listpack-entries set-max-listpack-value set-proc-title
  shutdown-on-sigint shutdown-on-sigterm shutdown-timeout slave-announce-ip slave-announce-port
  slave-ignore-maxmemory slave-lazy-flush slave-priority slave-read-only slave-serve-stale-data
  slaveof slowlog-log-slower-than slowlog-max-len socket-mark-id stop-writes-on-bgsave-error
  stream-node-max-bytes stream-node-max-entries supervised syslog-enabled syslog-facility
  syslog-ident tcp-backlog tcp-keepalive timeout tls-auth-clients tls-ca-cert-dir
  tls-ca-cert-file tls-cert-file tls-ciphers tls-ciphersuites tls-client-cert-file
  tls-client-key-file tls-client-key-file-pass tls-cluster tls-dh-params-file tls-key-file
  tls-key-file-pass tls-port tls-prefer-server-ciphers tls-protocols tls-replication
  tls-session-cache-size tls-session-cache-timeout tls-session-caching tracking-table-max-keys
  unixsocket unixsocketperm user zset-max-listpack-entries zset-max-listpack-value
  zset-max-ziplist-entries zset-max-ziplist-value`.split(/\s+/),
);
