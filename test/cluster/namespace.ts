/**
 * What an integration test needs from the run's control plane: its kubeconfig and a namespace of
 * its own, so tests never see each other's objects.
 */
import { randomBytes } from 'node:crypto';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { inject, onTestFinished } from 'vitest';
import { loadKubeConfig } from './kubeconfig.js';

/** Path of the cluster-admin kubeconfig that the global setup provided. */
export function testKubeconfigPath(): string {
  return inject('kubeconfigPath');
}

/** A client configuration for the run's cluster, as cluster admin. */
export function testKubeConfig(): KubeConfig {
  return loadKubeConfig(testKubeconfigPath());
}

export interface TestNamespace {
  readonly name: string;
  readonly kubeConfig: KubeConfig;
}

export interface FreshNamespaceOptions {
  /** Labels of the namespace, e.g. `pod-security.kubernetes.io/enforce`. @default none */
  readonly labels?: Readonly<Record<string, string>>;
  /** Start of the generated name. @default 'test' */
  readonly prefix?: string;
}

/**
 * Creates a namespace with a random name for the current test and deletes it when the test
 * finishes, pass or fail. Call it inside a test (or a beforeEach hook). Deletion is not awaited
 * to completion: the namespace controller finishes it in the background.
 */
export async function freshNamespace(options: FreshNamespaceOptions = {}): Promise<TestNamespace> {
  const kubeConfig = testKubeConfig();
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const name = `${options.prefix ?? 'test'}-${randomBytes(4).toString('hex')}`;
  await core.createNamespace({ body: { metadata: { name, labels: { ...options.labels } } } });
  onTestFinished(async () => {
    await core.deleteNamespace({ name }).catch(() => undefined);
  });
  return { name, kubeConfig };
}
