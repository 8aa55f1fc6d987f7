/**
 * Bad and hostile RedisInstances shared by the synth CLI's tests and the API server's: the
 * CRD's schema and CEL rules must refuse exactly what synth-only mode refuses, and admit what it
 * admits (VALID_INSTANCES), with the YAML read as kubectl reads it.
 */
export interface BadInstance {
  readonly what: string;
  readonly yaml: string;
  /** The field path the CLI names. */
  readonly path: string;
  /**
   * What the API server's message names, when it differs from `path` (CEL rules on a map report
   * the map), or `null` when the request cannot reach the RedisInstance schema at all.
   * @default path
   */
  readonly serverPath?: string | null;
  /** What both messages must say, beyond the path. @default nothing more */
  readonly message?: RegExp;
}

export function instanceYaml(spec: string, metadata = 'name: cache'): string {
  return `apiVersion: redis.github.com/v1\nkind: RedisInstance\nmetadata: {${metadata}}\nspec:\n${spec}\n`;
}

const i = instanceYaml;

export const BAD_INSTANCES: readonly BadInstance[] = [
  { what: 'negative replicas', yaml: i('  replicas: -1'), path: 'spec.replicas' },
  { what: 'fractional replicas', yaml: i('  replicas: 1.5'), path: 'spec.replicas' },
  { what: 'replicas as a string', yaml: i('  replicas: "3"'), path: 'spec.replicas' },
  { what: 'an empty image', yaml: i('  image: ""'), path: 'spec.image' },
  { what: 'an image with a space', yaml: i('  image: "redis 7"'), path: 'spec.image' },
  { what: 'a storage size that is not a quantity', yaml: i('  storage: {size: 10GB}'), path: 'spec.storage.size', message: /^(?![\s\S]*spec\.storage: )/ },
  { what: 'a zero storage size', yaml: i('  storage: {size: "0"}'), path: 'spec.storage.size' },
  { what: 'an invalid storage class', yaml: i('  storage: {storageClassName: Fast_SSD}'), path: 'spec.storage.storageClassName' },
  { what: 'an image with a tab', yaml: i('  image: "redis\\t7"'), path: 'spec.image', message: /U\+0009 \(tab\) at character 6/ },
  { what: 'an image with a no-break space', yaml: i('  image: "redis:7.2\\u00a0"'), path: 'spec.image', message: /U\+00A0 \(no-break space\) at character 10/ },
  { what: 'an image with an ideographic space', yaml: i('  image: "redis\\u30007"'), path: 'spec.image', message: /U\+3000 \(ideographic space\) at character 6/ },
  { what: 'an image with a next-line character', yaml: i('  image: "redis:7.2\\u0085evil:1"'), path: 'spec.image', message: /U\+0085 \(next line\) at character 10/ },
  { what: 'an image with a non-ASCII letter', yaml: i('  image: "rédis:7"'), path: 'spec.image', message: /at character 2/ },
  { what: 'a config value with a newline', yaml: i('  config: {maxmemory: "1mb\\nloadmodule /x.so"}'), path: 'spec.config.maxmemory', serverPath: 'spec.config[maxmemory]', message: /U\+000A \(line feed\) at character 4/ },
  { what: 'a config value with a carriage return', yaml: i('  config: {maxmemory: "1mb\\rslaveof x 1"}'), path: 'spec.config.maxmemory', serverPath: 'spec.config[maxmemory]', message: /U\+000D \(carriage return\) at character 4/ },
  { what: 'a config value with a NUL', yaml: i('  config: {maxmemory: "1mb\\u0000"}'), path: 'spec.config.maxmemory', serverPath: 'spec.config[maxmemory]', message: /U\+0000 \(NUL\) at character 4/ },
  {
    what: 'a config value with line separators that end the block scalar for kubectl',
    yaml: i('  config: {proc-title-template: "x\\u2028  redis.conf: |-\\u2028    loadmodule /tmp/evil.so\\u2028  zz: z"}'),
    path: 'spec.config.proc-title-template', serverPath: 'spec.config[proc-title-template]', message: /U\+2028 \(line separator\) at character 2/,
  },
  { what: 'a config value with a paragraph separator', yaml: i('  config: {save: "900 1\\u2029"}'), path: 'spec.config.save', serverPath: 'spec.config[save]', message: /U\+2029 \(paragraph separator\) at character 6/ },
  { what: 'a config value with a next-line character', yaml: i('  config: {save: "\\u0085"}'), path: 'spec.config.save', serverPath: 'spec.config[save]', message: /U\+0085 \(next line\) at character 1/ },
  { what: 'a config value with a C1 control', yaml: i('  config: {hz: "1\\u009b"}'), path: 'spec.config.hz', serverPath: 'spec.config[hz]', message: /U\+009B \(a C1 control character\) at character 2/ },
  { what: 'a config value with DEL after emoji', yaml: i('  config: {hz: "😀😀\\u007f"}'), path: 'spec.config.hz', serverPath: 'spec.config[hz]', message: /U\+007F \(delete\) at character 3/ },
  { what: 'include', yaml: i('  config: {include: /etc/passwd}'), path: 'spec.config.include', serverPath: 'spec.config', message: /directive "include" cannot be set: it would load another file/ },
  { what: 'loadmodule', yaml: i('  config: {loadmodule: /tmp/evil.so}'), path: 'spec.config.loadmodule', serverPath: 'spec.config', message: /directive "loadmodule" cannot be set: it would load code into Redis/ },
  { what: 'dir', yaml: i('  config: {dir: /tmp}'), path: 'spec.config.dir', serverPath: 'spec.config', message: /directive "dir" cannot be set: it is owned by the operator/ },
  { what: 'port', yaml: i('  config: {port: "6380"}'), path: 'spec.config.port', serverPath: 'spec.config', message: /directive "port" cannot be set/ },
  { what: 'replicaof', yaml: i('  config: {replicaof: "evil 6379"}'), path: 'spec.config.replicaof', serverPath: 'spec.config', message: /directive "replicaof" cannot be set/ },
  { what: 'requirepass', yaml: i('  config: {requirepass: hunter2}'), path: 'spec.config.requirepass', serverPath: 'spec.config', message: /directive "requirepass" cannot be set: it carries a secret; use spec.auth.secretName/ },
  { what: 'a mixed-case directive', yaml: i('  config: {Include: /etc/passwd}'), path: 'spec.config.Include', serverPath: 'spec.config', message: /directive "Include" is not a lower-case name/ },
  { what: 'an unquoted YAML boolean', yaml: i('  config: {appendonly: yes}'), path: 'spec.config.appendonly' },
  { what: 'a YAML 1.1 boolean y', yaml: i('  config: {appendonly: y}'), path: 'spec.config.appendonly' },
  { what: 'an octal number 0o17 (a number to kubectl)', yaml: i('  config: {hz: 0o17}'), path: 'spec.config.hz' },
  { what: 'a number with a leading zero (a number to kubectl)', yaml: i('  config: {hz: 08}'), path: 'spec.config.hz' },
  { what: 'a config as an ordered map (!!omap)', yaml: i('  config: !!omap [{maxmemory: 1mb}]'), path: 'spec.config' },
  { what: 'a config as a set (!!set)', yaml: i('  config: !!set {maxmemory}'), path: 'spec.config.maxmemory', serverPath: 'spec.config', message: /directive "maxmemory" has no value: a null value/ },
  { what: 'a null config value (~)', yaml: i('  config: {maxmemory: ~}'), path: 'spec.config.maxmemory', serverPath: 'spec.config', message: /directive "maxmemory" has no value: a null value/ },
  { what: 'an empty config value', yaml: i('  config:\n    maxmemory:'), path: 'spec.config.maxmemory', serverPath: 'spec.config', message: /has no value: a null value/ },
  { what: 'a config value of 4097 emoji', yaml: i(`  config: {proc-title-template: "${'😀'.repeat(4097)}"}`), path: 'spec.config.proc-title-template' },
  { what: 'a config value of 4097 characters', yaml: i(`  config: {proc-title-template: "${'x'.repeat(4097)}"}`), path: 'spec.config.proc-title-template' },
  { what: 'an unknown update policy', yaml: i('  updatePolicy: {config: Sometimes}'), path: 'spec.updatePolicy.config' },
  { what: 'an unknown reclaim policy', yaml: i('  storage: {reclaimPolicy: Recycle}'), path: 'spec.storage.reclaimPolicy' },
  { what: 'a request above its limit', yaml: i('  resources: {requests: {memory: 1Gi}, limits: {memory: 512Mi}}'), path: 'spec.resources.requests.memory', serverPath: 'spec.resources', message: /the memory request must be less than or equal to the memory limit/ },
  { what: 'a malformed limit beside a request', yaml: i('  resources: {requests: {cpu: "1"}, limits: {cpu: lots}}'), path: 'spec.resources.limits.cpu', message: /^(?![\s\S]*spec\.resources: )/ },
  { what: 'a resource that is not a quantity', yaml: i('  resources: {limits: {cpu: lots}}'), path: 'spec.resources.limits.cpu' },
  { what: 'an invalid Secret name', yaml: i('  auth: {secretName: "My Secret"}'), path: 'spec.auth.secretName' },
  { what: 'an unknown spec field', yaml: i('  replica: 3'), path: 'spec.replica' },
  { what: 'a name that is not a DNS-1035 label', yaml: i('  {}', 'name: 1cache'), path: 'metadata.name', message: /must be a DNS-1035 label/ },
  { what: 'a name too long for the StatefulSet', yaml: i('  {}', `name: ${'a'.repeat(53)}`), path: 'metadata.name', message: /must be at most 52 characters.*got 53/ },
  { what: 'a missing name', yaml: i('  {}', 'labels: {app: cache}'), path: 'metadata.name' },
  { what: 'a missing spec', yaml: 'apiVersion: redis.github.com/v1\nkind: RedisInstance\nmetadata: {name: x}\n', path: 'spec' },
  { what: 'the wrong apiVersion', yaml: i('  {}').replace('redis.github.com/v1', 'redis.github.com/v2'), path: 'apiVersion', serverPath: null },
  { what: 'the wrong kind', yaml: i('  {}').replace('kind: RedisInstance', 'kind: Redis'), path: 'kind', serverPath: null },
];

/** Instances that look hostile or odd but that both synth and the API server admit. */
export const VALID_INSTANCES: ReadonlyArray<{ readonly what: string; readonly yaml: string }> = [
  { what: 'a config value of 4096 emoji (8192 UTF-16 units)', yaml: i(`  config: {proc-title-template: "${'😀'.repeat(4096)}"}`) },
  { what: 'a config value of 2049 emoji', yaml: i(`  config: {proc-title-template: "${'😀'.repeat(2049)}"}`) },
  { what: 'a config value of 4096 characters', yaml: i(`  config: {proc-title-template: "${'x'.repeat(4096)}"}`) },
  { what: 'an image of 512 characters', yaml: i(`  image: "${'r'.repeat(506)}:7.2.4"`) },
  { what: 'non-ASCII config values', yaml: i('  config: {replica-announce-ip: "héllo wörld", proc-title-template: "{title} \\u00a0\\U0001F600"}') },
  { what: 'a no-break space in a multi-argument directive', yaml: i('  config: {save: "900\\u00a01"}') },
  { what: 'a value that looks like a timestamp (a string to kubectl)', yaml: i('  config: {notify-keyspace-events: 2001-12-14}') },
  { what: 'a value that looks like base 60 (a string to kubectl)', yaml: i('  config: {timeout: 1:20}') },
  { what: 'a null image, replicas and storage (the API server drops them: defaults apply)', yaml: i('  image: ~\n  replicas: ~\n  storage: ~\n  resources: {limits: {cpu: ~}}') },
  { what: 'a merge key', yaml: i('  config:\n    <<: {maxmemory: 1mb}\n    hz: "10"') },
  { what: 'a null status', yaml: i('  {}\nstatus: ~') },
];
