/**
 * vitest globalSetup of the `integration` project: one local control plane per test run, in a
 * temporary directory, stopped in teardown. If the run dies before teardown (killed, or
 * interrupted), the cluster's watchdog stops the components within a second or so.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startCluster } from './cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Cluster-admin kubeconfig of the run's control plane. */
    kubeconfigPath: string;
    /** The API server's URL, `https://127.0.0.1:<port>`. */
    apiServerUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'redis-operator-cluster-'));
  const started = Date.now();
  const cluster = await startCluster({ dir });
  console.log(`Local control plane up in ${((Date.now() - started) / 1000).toFixed(1)} s at ${cluster.server} (state in ${dir})`);
  project.provide('kubeconfigPath', cluster.kubeconfigPath);
  project.provide('apiServerUrl', cluster.server);
  return async () => {
    await cluster.stop();
  };
}
