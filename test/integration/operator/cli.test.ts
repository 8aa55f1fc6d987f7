import { spawn } from 'node:child_process';
import { describe, expect, it, onTestFinished } from 'vitest';
import { Resources } from '../../../src/client/resources.js';
import { freshNamespace, testKubeConfig, testKubeconfigPath } from '../../cluster/namespace.js';
import { freeLoopbackPorts } from '../../cluster/ports.js';
import { pollResult, waitFor } from '../../cluster/wait.js';
import { runCli } from '../../support/cli.js';
import { installRedisInstanceCrd } from '../../support/crd.js';
import { instanceYaml } from '../../support/bad-instances.js';
import { createInstance, patchSpec, testClient, waitForInstance, waitForReady } from '../../support/kube.js';
import { startOperator } from '../../support/operator.js';

describe('the CLI against the cluster', () => {
  it('plan -f compares a new version with what runs', async () => {
    await installRedisInstanceCrd(testKubeConfig());
    const { name: ns } = await freshNamespace();
    const operator = await startOperator({ namespace: ns });
    onTestFinished(async () => {
      await testClient().delete(Resources.redisInstance, 'cache', ns);
      await waitFor(async () => pollResult((await testClient().get(Resources.redisInstance, 'cache', ns)) === undefined || undefined), { description: 'cleanup', timeoutMs: 30_000 }).catch(() => undefined);
      await operator.stop();
    });
    const client = testClient();
    await createInstance(client, ns, 'cache', { replicas: 2, image: 'redis:7.0' });
    await waitForReady(client, ns, 'cache');
    const next = instanceYaml('  replicas: 2\n  image: "redis:7.2"', `name: cache, namespace: ${ns}`);
    const result = await runCli(['plan', '-f', 'next.yaml', '--kubeconfig', testKubeconfigPath(), '-o', 'json'], { 'next.yaml': next });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toMatchObject({
      instance: `${ns}/cache`, strategy: 'Rolling', changes: [{ path: 'spec.image', from: 'redis:7.0', to: 'redis:7.2' }], objects: [],
    });
    const same = instanceYaml('  replicas: 2\n  image: "redis:7.0"', `name: cache, namespace: ${ns}`);
    const unchanged = await runCli(['plan', '-f', 'same.yaml', '--kubeconfig', testKubeconfigPath(), '-o', 'json'], { 'same.yaml': same });
    expect(JSON.parse(unchanged.stdout)).toMatchObject({ strategy: 'None', changes: [] });
  });

  it('plan -f refuses a shrink exactly as the API server does, judged by what the claims request', async () => {
    await installRedisInstanceCrd(testKubeConfig());
    const { name: ns } = await freshNamespace();
    const operator = await startOperator({ namespace: ns });
    onTestFinished(() => operator.stop());
    const client = testClient();
    await createInstance(client, ns, 'store', { storage: { size: '2Gi' } });
    await waitForInstance(client, ns, 'store', 'the claim recorded', (i) => i.status?.storage?.size === '2Gi');
    const smaller = instanceYaml('  storage: {size: 1Gi}', `name: store, namespace: ${ns}`);
    const planned = await runCli(['plan', '-f', 'smaller.yaml', '--kubeconfig', testKubeconfigPath()], { 'smaller.yaml': smaller });
    const refused = await patchSpec(client, ns, 'store', { storage: { size: '1Gi' } }).then(() => 'admitted', (e: unknown) => (e as Error).message);
    const sentence = /spec\.storage\.size: (may not be smaller [^\n]*)/.exec(planned.stderr)?.[1];
    expect(planned.code, planned.stderr).toBe(2);
    expect(planned.stdout).toBe('');
    expect(planned.stderr).toContain(`${ns}/store: the API server would refuse this update: spec.storage.size: `);
    expect(sentence).toMatch(/^may not be smaller than 2Gi, what the PersistentVolumeClaims request/);
    expect(refused).toContain(sentence!);
  });

  it('run serves probes and metrics, and on SIGTERM releases its Lease and exits 0', async () => {
    await installRedisInstanceCrd(testKubeConfig());
    const { name: ns } = await freshNamespace();
    const [metricsPort, probePort] = await freeLoopbackPorts(2);
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/cli.ts', 'run',
      '--kubeconfig', testKubeconfigPath(), '--namespace', ns, '--leader-elect', '--leader-election-namespace', ns,
      '--metrics-bind-address', `127.0.0.1:${metricsPort}`, '--health-probe-bind-address', `127.0.0.1:${probePort}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    onTestFinished(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
    let output = '';
    child.stderr.on('data', (d: Buffer) => { output += d.toString(); });
    await waitFor(async () => pollResult((await fetch(`http://127.0.0.1:${probePort}/readyz`)).ok || undefined), { description: 'readyz', timeoutMs: 30_000 });
    expect(await (await fetch(`http://127.0.0.1:${probePort}/healthz`)).text()).toBe('ok\n');
    const client = testClient();
    const lease = await waitFor(async () => {
      const found = await client.get(Resources.lease, 'redis-operator', ns) as { spec?: { holderIdentity?: string } } | undefined;
      return pollResult(found?.spec?.holderIdentity ? found : undefined);
    }, { description: 'the Lease to be held', timeoutMs: 30_000 });
    expect(lease.spec?.holderIdentity).toBeTruthy();
    await createInstance(client, ns, 'cache', {});
    await waitForReady(client, ns, 'cache');
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/^redis_operator_reconcile_total\{result="success"\} [1-9]/m);
    expect(metrics).toMatch(/^redis_operator_work_queue_depth /m);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const released = await client.get(Resources.lease, 'redis-operator', ns) as { spec?: { holderIdentity?: string | null } } | undefined;
    expect(released?.spec?.holderIdentity ?? null).toBeNull();
    expect(output).toMatch(/Received signal, shutting down/);
    await client.delete(Resources.redisInstance, 'cache', ns);
    // With the operator gone the finalizer stays; remove it so the namespace can go.
    await client.patch(Resources.redisInstance, ns, 'cache', { metadata: { finalizers: null } }, 'merge').catch(() => undefined);
  });

  it('run refuses bad flags with exit 2, naming them', async () => {
    const result = await runCli(['run', '--max-concurrent-reconciles', '0', '--metrics-bind-address', 'nowhere']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--max-concurrent-reconciles: must be a positive integer/);
    expect(result.stderr).toMatch(/--metrics-bind-address: must be HOST:PORT/);
  });
});
