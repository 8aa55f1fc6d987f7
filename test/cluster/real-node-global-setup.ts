/**
 * vitest globalSetup of the `redis` project: one local control plane with a real node per test
 * run, in a temporary directory, stopped in teardown. The host is read once `up` holds the
 * machine's real-node lock and again after `down`: any route, rule, link, sysctl, mount,
 * cgroup, path or process the node left behind is listed and fails the run (exit code 1). If the run dies before teardown, the watchdog runs
 * `down`.
 */
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startCluster } from './cluster.js';
import { loadKubeConfig } from './kubeconfig.js';
import { hostSnapshotDifferences, processesNaming, takeHostSnapshot, type HostSnapshot } from './real-node/host-snapshot.js';
import { installRedisInstanceCrd } from '../support/crd.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The directory of the run's cluster (its state, logs and the node's files). */
    clusterDir: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'redis-operator-real-node-'));
  const started = Date.now();
  // Read once the lock is held: a real node of another run may be up until then.
  let before: HostSnapshot | undefined;
  const cluster = await startCluster({
    dir, realNode: true, log: (message) => console.log(message),
    onRealNodeLockHeld: async () => { before = await takeHostSnapshot(); },
  });
  const hostBefore = before;
  if (hostBefore === undefined) throw new Error('startCluster returned without taking the real-node lock');
  await installRedisInstanceCrd(loadKubeConfig(cluster.kubeconfigPath));
  console.log(`Local control plane with a real node up in ${((Date.now() - started) / 1000).toFixed(1)} s at ${cluster.server} (state in ${dir})`);
  project.provide('kubeconfigPath', cluster.kubeconfigPath);
  project.provide('apiServerUrl', cluster.server);
  project.provide('clusterDir', dir);
  return async () => {
    const problems: string[] = [];
    await cluster.stop().catch((error: unknown) => problems.push(`down: ${error instanceof Error ? error.message : String(error)}`));
    const leftovers = [
      ...problems,
      ...hostSnapshotDifferences(hostBefore, await takeHostSnapshot()),
      ...(await processesNaming(dir)).map((process) => `process: ${process}`),
      ...(existsSync(dir) ? [`directory: ${dir}`] : []),
    ];
    if (leftovers.length > 0) {
      // vitest reports an error thrown here but still exits 0; the run must fail.
      console.error(`FAIL: the real node's down left this behind:\n  ${leftovers.join('\n  ')}`);
      process.exitCode = 1;
    }
  };
}
