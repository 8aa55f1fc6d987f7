import { describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';
import { instanceYaml } from '../../support/bad-instances.js';

const OLD = instanceYaml('  replicas: 3\n  image: "redis:6.2"\n  config: {maxmemory: 1mb}\n  resources: {limits: {memory: 256Mi}}\n  storage: {size: 1Gi}');

function planJson(from: string, to: string, extra: string[] = []) {
  return runCli(['plan', '--from', 'old.yaml', '--to', 'new.yaml', '-o', 'json', ...extra], { 'old.yaml': from, 'new.yaml': to });
}

describe('redis-operator plan', () => {
  it.each([
    ['replicas', 'replicas: 3', 'replicas: 5', 'Rolling', { path: 'spec.replicas', from: 3, to: 5 }],
    ['image', 'redis:6.2', 'redis:7.0', 'Rolling', { path: 'spec.image', from: 'redis:6.2', to: 'redis:7.0' }],
    ['memory limit', 'memory: 256Mi', 'memory: 512Mi', 'Rolling', { path: 'spec.resources.limits.memory', from: '256Mi', to: '512Mi' }],
    ['config', 'maxmemory: 1mb', 'maxmemory: 2mb', 'Recreate', { path: 'spec.config.maxmemory', from: '1mb', to: '2mb' }],
    ['storage size', 'size: 1Gi', 'size: 2Gi', 'Recreate', { path: 'spec.storage.size', from: '1Gi', to: '2Gi' }],
  ])('says a %s change takes %s, with the path and both values', async (_, a, b, strategy, change) => {
    const result = await planJson(OLD, OLD.replace(a, b));
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.strategy).toBe(strategy);
    expect(report.changes).toEqual([change]);
    expect(report.persistentVolumeClaims).toMatch(/kept/);
  });

  it('says None when nothing changed', async () => {
    const report = JSON.parse((await planJson(OLD, OLD)).stdout);
    expect(report).toMatchObject({ strategy: 'None', changes: [], objects: [] });
  });

  it('says what happens to pods under Recreate: kept and adopted, not deleted', async () => {
    const report = JSON.parse((await planJson(OLD, OLD.replace('maxmemory: 1mb', 'maxmemory: 2mb'))).stdout);
    expect(report.pods).toMatch(/Orphan/);
    expect(report.objects).toEqual([{ kind: 'ConfigMap', name: 'cache-config', action: 'update' }]);
  });

  it('says the operator replaces pods replicas first and hands the primary over, and warns only when the only pod restarts', async () => {
    const replicated = JSON.parse((await planJson(OLD, OLD.replace('redis:6.2', 'redis:7.0'))).stdout);
    expect(replicated.pods).toMatch(/replicas first, from the highest ordinal down.*hands over to an updated replica with FAILOVER/);
    expect(replicated.warnings).toEqual([]);
    const single = OLD.replace('replicas: 3', 'replicas: 1');
    const restart = JSON.parse((await planJson(single, single.replace('redis:6.2', 'redis:7.0'))).stdout);
    expect(restart.warnings).toEqual([expect.stringMatching(/^replicas: 1: the only pod is replaced, and Redis takes no writes/)]);
    const scaleOnly = JSON.parse((await planJson(single, single.replace('replicas: 1', 'replicas: 2'))).stdout);
    expect(scaleOnly.warnings).toEqual([]);
    const text = await runCli(['plan', '--from', 'old.yaml', '--to', 'new.yaml'], { 'old.yaml': single, 'new.yaml': single.replace('redis:6.2', 'redis:7.0') });
    expect(text.stdout).toMatch(/\n {2}warning: replicas: 1: the only pod is replaced/);
  });

  it('under updatePolicy.config: Live says which directives go live and which restart, and why', async () => {
    const live = instanceYaml('  replicas: 3\n  image: "redis:7.0"\n  updatePolicy: {config: Live}\n  config: {maxmemory: 100mb, databases: "16"}');
    const valueOnly = JSON.parse((await planJson(live, live.replace('100mb', '200mb'))).stdout);
    expect(valueOnly).toMatchObject({ strategy: 'Live', changes: [{ path: 'spec.config.maxmemory', from: '100mb', to: '200mb', apply: 'live' }], warnings: [] });
    expect(valueOnly.pods).toMatch(/^untouched: CONFIG SET on every pod/);
    const restart = JSON.parse((await planJson(live, live.replace('"16"', '"32"'))).stdout);
    expect(restart).toMatchObject({ strategy: 'Rolling', changes: [{ path: 'spec.config.databases', from: '16', to: '32', apply: 'restart', why: 'Redis 7.0 reads databases at start only' }] });
    const text = await runCli(['plan', '--from', 'old.yaml', '--to', 'new.yaml'], { 'old.yaml': live, 'new.yaml': live.replace('100mb', '200mb') });
    expect(text.stdout).toMatch(/^default\/cache: Live\n {2}spec\.config\.maxmemory: 100mb -> 200mb \(live: CONFIG SET, no restart\)\n/);
  });

  it('prints a readable text form by default', async () => {
    const result = await runCli(['plan', '--from', 'old.yaml', '--to', 'new.yaml'], { 'old.yaml': OLD, 'new.yaml': OLD.replace('redis:6.2', 'redis:7.0') });
    expect(result.stdout).toMatch(/^default\/cache: Rolling\n {2}spec\.image: redis:6\.2 -> redis:7\.0\n/);
  });

  it('asks a custom strategy module first', async () => {
    const result = await planJson(OLD, OLD.replace('replicas: 3', 'replicas: 1'), ['--strategy-module', 'examples/strategies/guarded-scale-down.mjs']);
    expect(JSON.parse(result.stdout).strategy).toBe('GuardedScaleDown');
  });

  it('exits 2 for a module that exports no strategy', async () => {
    const result = await planJson(OLD, OLD, ['--strategy-module', 'examples/redis.yaml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--strategy-module examples\/redis\.yaml/);
  });

  it('exits 2 on invalid input, naming the field', async () => {
    const result = await planJson(OLD, OLD.replace('replicas: 3', 'replicas: -3'));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/new\.yaml: document 1 RedisInstance "cache": spec\.replicas: /);
  });

  it('exits 2 for a shrink, with the API server\'s own sentence, instead of planning an expansion', async () => {
    const result = await planJson(OLD, OLD.replace('size: 1Gi', 'size: 512Mi'));
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('default/cache: the API server would refuse this update: spec.storage.size: '
      + 'may not be smaller than 1Gi, its previous value (the operator has not recorded what the claims request yet): a volume can grow but never shrink');
  });

  it('judges a shrink by what the claims request when the old version carries status.storage, as the API server does', async () => {
    const grownButNotCarriedOut = `${OLD.replace('size: 1Gi', 'size: 4Gi')}status: {storage: {claims: 3, size: 1Gi}}\n`;
    const back = await planJson(grownButNotCarriedOut, OLD);
    expect(back.code).toBe(0);
    expect(JSON.parse(back.stdout).changes).toEqual([{ path: 'spec.storage.size', from: '4Gi', to: '1Gi' }]);
    const below = await planJson(grownButNotCarriedOut, OLD.replace('size: 1Gi', 'size: 1000Mi'));
    expect(below.code).toBe(2);
    expect(below.stderr).toContain('spec.storage.size: may not be smaller than 1Gi, what the PersistentVolumeClaims request (status.storage.size)');
  });

  it('exits 2 for a directive the new image\'s Redis version does not know, as synth does', async () => {
    const result = await planJson(OLD, OLD.replace('maxmemory: 1mb', 'maxmemory: 1mb, not-a-redis-directive: "1"'));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/new\.yaml: document 1 RedisInstance "cache": spec\.config\.not-a-redis-directive: directive "not-a-redis-directive" is not known to Redis 6\.2/);
  });

  it('exits 2 when neither --from/--to nor -f is given', async () => {
    const result = await runCli(['plan', '--from', 'old.yaml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--from OLD --to NEW/);
  });
});
