import { readFile, writeFile } from 'node:fs/promises';
import { request, type RequestOptions } from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';
import type { CertificateFiles } from './certificates.js';

export interface KubeconfigSpec {
  readonly server: string;
  readonly caCertFile: string;
  readonly client: CertificateFiles;
  /** Names the cluster, user and context inside the file. */
  readonly name: string;
}

/**
 * Writes a kubeconfig with the certificates embedded, so the file alone is enough to reach the
 * cluster (kubectl, client libraries, a copy in another directory).
 */
export async function writeKubeconfig(path: string, spec: KubeconfigSpec): Promise<void> {
  const [ca, cert, key] = await Promise.all(
    [spec.caCertFile, spec.client.certFile, spec.client.keyFile].map(async (file) =>
      (await readFile(file)).toString('base64'),
    ),
  );
  const kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: spec.name, cluster: { server: spec.server, 'certificate-authority-data': ca } }],
    users: [{ name: spec.name, user: { 'client-certificate-data': cert, 'client-key-data': key } }],
    contexts: [{ name: spec.name, context: { cluster: spec.name, user: spec.name } }],
    'current-context': spec.name,
  };
  // JSON is YAML, and every kubeconfig reader accepts it.
  await writeFile(path, JSON.stringify(kubeconfig, null, 2) + '\n', { mode: 0o600 });
}

export function loadKubeConfig(kubeconfigPath: string): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  return kubeConfig;
}

export interface RawResponse {
  readonly statusCode: number;
  readonly body: string;
}

/**
 * GET on any path of the API server with the kubeconfig's credentials: for the endpoints the
 * typed clients do not cover (`/readyz`, `/metrics`, `/version`). Non-2xx answers are returned,
 * not thrown, so callers can poll on them.
 */
export async function apiServerGet(kubeconfigPath: string, path: string, timeoutMs = 5_000): Promise<RawResponse> {
  const kubeConfig = loadKubeConfig(kubeconfigPath);
  const cluster = kubeConfig.getCurrentCluster();
  if (cluster === null) throw new Error(`${kubeconfigPath} has no current cluster`);
  const url = new URL(path, cluster.server);
  const options: RequestOptions = { method: 'GET', timeout: timeoutMs };
  await kubeConfig.applyToHTTPSOptions(options);
  return new Promise((resolve, reject) => {
    const req = request(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ statusCode: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url.href} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}
