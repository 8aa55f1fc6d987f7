import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CoreV1Api } from '@kubernetes/client-node';
import { describe, expect, inject, it, onTestFinished } from 'vitest';
import { readClusterState, stopCluster } from '../../cluster/cluster.js';
import { apiServerGet, loadKubeConfig } from '../../cluster/kubeconfig.js';
import { testKubeConfig } from '../../cluster/namespace.js';
import { isLoopbackPortListening } from '../../cluster/ports.js';
import { isRunning } from '../../cluster/processes.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Runs `npm run cluster -- <args>` the way a person would, minus npm's own start-up. */
async function clusterCommand(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(join(REPO, 'node_modules/.bin/tsx'), ['test/cluster/cli.ts', ...args], {
    cwd: REPO,
    timeout: 120_000,
  });
  return stdout;
}

describe('cluster up and down', () => {
  it('starts a second cluster in another directory while one runs, and down leaves no process or port behind', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'redis-operator-second-'));
    onTestFinished(async () => {
      await stopCluster(dir);
      await rm(dir, { recursive: true, force: true });
    });

    // Tied to this test process, so a run killed half-way does not leave this cluster behind.
    const output = await clusterCommand('up', '--dir', dir, '--stop-with-pid', String(process.pid));
    expect(output).toContain('Local control plane up');

    // `up` has returned, and its components keep running without it.
    const state = await readClusterState(dir);
    expect(state).toBeDefined();
    expect(state!.components.map((component) => component.name)).toEqual([
      'etcd',
      'kube-apiserver',
      'kube-controller-manager',
      'kube-scheduler',
      'kwok',
    ]);
    expect(state!.components.filter((component) => !isRunning(component))).toEqual([]);
    expect(state!.server).not.toBe(inject('apiServerUrl'));

    const kubeconfigPath = join(dir, 'kubeconfig');
    expect((await apiServerGet(kubeconfigPath, '/readyz')).statusCode).toBe(200);
    // Two clusters, two etcds: a namespace made in the second is unknown to the first.
    const name = `only-in-second-${process.pid}`;
    await loadKubeConfig(kubeconfigPath).makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
    const inFirst = await testKubeConfig()
      .makeApiClient(CoreV1Api)
      .readNamespace({ name })
      .then(() => true, () => false);
    expect(inFirst).toBe(false);

    await clusterCommand('down', '--dir', dir);
    expect(state!.components.filter(isRunning).map((component) => component.name)).toEqual([]);
    const listening: number[] = [];
    for (const port of Object.values(state!.ports)) if (await isLoopbackPortListening(port)) listening.push(port);
    expect(listening).toEqual([]);
    expect(existsSync(dir)).toBe(false);
  });
});
