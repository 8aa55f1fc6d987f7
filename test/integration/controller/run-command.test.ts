/**
 * `redis-operator run` as a process: how it stops. A lost Lease exits at once whatever is in
 * flight; a signal always stops it gracefully and quickly, synced or not; without a kubeconfig
 * it says so.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { Resources } from '../../../src/client/resources.js';
import { freshNamespace, testKubeConfig, testKubeconfigPath } from '../../cluster/namespace.js';
import { pollResult, waitFor } from '../../cluster/wait.js';
import { buildCli, spawnCli } from '../../support/built-cli.js';
import { installRedisInstanceCrd } from '../../support/crd.js';
import { instanceYaml } from '../../support/bad-instances.js';
import { createInstance, patchSpec, testClient, waitForReady } from '../../support/kube.js';
import { takeLease } from '../../support/operator.js';

beforeAll(async () => {
  await Promise.all([installRedisInstanceCrd(testKubeConfig()), buildCli()]);
});

/** A strategy module whose strategy takes replica changes and never finishes carrying them. */
async function stuckStrategyModule(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'stuck-strategy-'));
  const path = join(dir, 'stuck.mjs');
  await writeFile(path, `export const stuck = {
  name: 'Stuck',
  accepts: (changes) => changes.some((change) => change.path === 'spec.replicas'),
  execute: ({ logger }) => {
    logger.info('Stuck strategy holds the reconcile');
    return new Promise(() => {});
  },
};
`);
  return path;
}

/**
 * A server on 127.0.0.1 that accepts connections and never answers (not even the TLS
 * handshake): an API server behind a stuck load balancer. Every request to it hangs.
 */
async function silentServer(): Promise<{ port: number; connections: () => number }> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  onTestFinished(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { port: (server.address() as AddressInfo).port, connections: () => accepted };
}

/** The test cluster's kubeconfig with its server moved to `server`. */
async function kubeconfigPointingAt(server: string): Promise<string> {
  const kubeConfig = testKubeConfig();
  const exported = JSON.parse(kubeConfig.exportConfig()) as { clusters: Array<{ cluster: { server: string } }> };
  for (const cluster of exported.clusters) cluster.cluster.server = server;
  const moved = new KubeConfig();
  moved.loadFromString(JSON.stringify(exported));
  const path = join(await mkdtemp(join(tmpdir(), 'kubeconfig-')), 'kubeconfig');
  await writeFile(path, moved.exportConfig());
  return path;
}

describe('redis-operator run as a process', () => {
  it.each([
    ['SIGTERM', []],
    ['SIGINT', ['--leader-elect', '--leader-election-namespace', 'default']],
  ] as const)('stops gracefully on %s while the API server does not answer (flags: %j)', async (signal, flags) => {
    const silent = await silentServer();
    const run = await spawnCli(['run', '--kubeconfig', await kubeconfigPointingAt(`https://127.0.0.1:${silent.port}`),
      '--metrics-bind-address', '0', '--health-probe-bind-address', '0', ...flags]);
    await run.waitForOutput(/Starting redis-operator/, 'the operator to start');
    await waitFor(async () => pollResult(silent.connections() > 0 || undefined), { description: 'a request to hang on the silent server', intervalMs: 20 });

    run.child.kill(signal);
    expect(await run.waitForExit(5_000)).toBe(0);
    expect(run.output()).toMatch(/"message":"Received signal, shutting down"/);
    expect(run.output()).toMatch(/"message":"redis-operator stopped"/);
  });

  it('exits 1 at once when its Lease is taken, without waiting for the reconcile in flight', async () => {
    const { name: ns } = await freshNamespace();
    const client = testClient();
    const run = await spawnCli(['run', '--kubeconfig', testKubeconfigPath(), '--namespace', ns,
      '--leader-elect', '--leader-election-namespace', ns, '--metrics-bind-address', '0', '--health-probe-bind-address', '0',
      '--strategy-module', await stuckStrategyModule()]);
    onTestFinished(() => client.patch(Resources.redisInstance, ns, 'stuck', { metadata: { finalizers: null } }, 'merge').then(() => undefined, () => undefined));
    await run.waitForOutput(/Became leader/, 'the operator to lead');
    await createInstance(client, ns, 'stuck', { replicas: 1 });
    await waitForReady(client, ns, 'stuck');
    await patchSpec(client, ns, 'stuck', { replicas: 2 });
    await run.waitForOutput(/Stuck strategy holds the reconcile/, 'a reconcile to be held in flight');

    await takeLease(ns, 'redis-operator', 'intruder');
    // The Lease is renewed every 2 s; the loss is seen at the next renew and acted on at once.
    expect(await run.waitForExit(10_000)).toBe(1);
    expect(run.output()).toMatch(/"message":"Leadership lost; exiting at once/);
    expect(run.output()).not.toMatch(/Released leadership/);
    const lease = await waitFor(async () => pollResult(await client.get(Resources.lease, 'redis-operator', ns)), { description: 'the Lease' });
    expect((lease.spec as { holderIdentity?: string }).holderIdentity).toBe('intruder');
  });
});

describe('the CLI without a usable kubeconfig', () => {
  /** No KUBECONFIG, an empty home and no service account: nowhere to find credentials. */
  async function bareEnvironment(): Promise<NodeJS.ProcessEnv> {
    return { PATH: process.env.PATH, HOME: await mkdtemp(join(tmpdir(), 'home-')) };
  }

  it('run and plan -f exit 2 and say how to give one', async () => {
    const env = await bareEnvironment();
    const instance = join(await mkdtemp(join(tmpdir(), 'instance-')), 'cache.yaml');
    await writeFile(instance, instanceYaml('  replicas: 1'));
    for (const args of [['run'], ['plan', '-f', instance]]) {
      const cli = await spawnCli(args, env);
      expect(await cli.waitForExit(10_000), args.join(' ')).toBe(2);
      expect(cli.output()).toBe('error: no kubeconfig found: pass --kubeconfig or set KUBECONFIG (in a cluster, the pod\'s service account is used)\n');
    }
  });

  it('names a kubeconfig that cannot be read or is not one, with exit 2', async () => {
    const env = await bareEnvironment();
    const missing = await spawnCli(['run', '--kubeconfig', '/nonexistent/kubeconfig'], env);
    expect(await missing.waitForExit(10_000)).toBe(2);
    expect(missing.output()).toMatch(/^error: cannot read kubeconfig \/nonexistent\/kubeconfig \(--kubeconfig \/nonexistent\/kubeconfig\): ENOENT\n$/);

    const dir = await mkdtemp(join(tmpdir(), 'kubeconfig-'));
    const garbage = join(dir, 'kubeconfig');
    await writeFile(garbage, 'clusters: [oops\n');
    await writeFile(join(dir, 'cache.yaml'), instanceYaml('  replicas: 1'));
    const invalid = await spawnCli(['plan', '-f', join(dir, 'cache.yaml'), '--kubeconfig', garbage], { ...env, KUBECONFIG: '/also/ignored' });
    expect(await invalid.waitForExit(10_000)).toBe(2);
    expect(invalid.output()).toContain(`error: kubeconfig ${garbage} is not valid:`);

    const fromEnvironment = await spawnCli(['run'], { ...env, KUBECONFIG: '/nonexistent/a:/nonexistent/b' });
    expect(await fromEnvironment.waitForExit(10_000)).toBe(2);
    expect(fromEnvironment.output()).toMatch(/^error: cannot read kubeconfig \/nonexistent\/a \(KUBECONFIG=\/nonexistent\/a:\/nonexistent\/b\): ENOENT\n$/);
  });
});
