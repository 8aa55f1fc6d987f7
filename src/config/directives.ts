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
