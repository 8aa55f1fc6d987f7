/**
 * `redis-operator run` as a process: how it stops. A lost Lease exits at once whatever is in
 * flight; a signal always stops it gracefully and quickly, synced or not.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { Resources } from '../../../src/client/resources.js';
import { freshNamespace, testKubeConfig, testKubeconfigPath } from '../../cluster/namespace.js';
import { pollResult, waitFor } from '../../cluster/wait.js';
import { buildCli, spawnCli } from '../../support/built-cli.js';
import { installRedisInstanceCrd } from '../../support/crd.js';
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

describe('redis-operator run as a process', () => {
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
