import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KubeconfigError, loadKubeConfig } from '../../../src/client/kubeconfig.js';

function kubeconfig(name: string, server: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    apiVersion: 'v1', kind: 'Config',
    clusters: [{ name, cluster: { server, ...extra } }],
    users: [{ name, user: { token: 'not-a-secret' } }],
    contexts: [{ name, context: { cluster: name, user: name } }],
    'current-context': name,
  });
}

async function files(contents: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kubeconfig-test-'));
  for (const [name, text] of Object.entries(contents)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  return dir;
}

const nowhere = { env: {}, home: '/nonexistent-home', serviceAccountToken: '/nonexistent-token' };

describe('loadKubeConfig', () => {
  it('says where to put a kubeconfig when there is none anywhere', () => {
    expect(() => loadKubeConfig(undefined, nowhere)).toThrow(new KubeconfigError(
      'no kubeconfig found: pass --kubeconfig or set KUBECONFIG (in a cluster, the pod\'s service account is used)'));
  });

  it('reads ~/.kube/config when neither --kubeconfig nor KUBECONFIG is given', async () => {
    const home = await files({ '.kube/config': kubeconfig('home', 'https://127.0.0.1:6443') });
    expect(loadKubeConfig(undefined, { ...nowhere, home }).getCurrentCluster()?.name).toBe('home');
  });

  it('merges the files KUBECONFIG names, the first current context winning', async () => {
    const dir = await files({ a: kubeconfig('a', 'https://127.0.0.1:1'), b: kubeconfig('b', 'https://127.0.0.1:2') });
    const loaded = loadKubeConfig(undefined, { ...nowhere, env: { KUBECONFIG: [join(dir, 'a'), join(dir, 'b')].join(delimiter) } });
    expect(loaded.getCurrentCluster()?.server).toBe('https://127.0.0.1:1');
    expect(loaded.getClusters().map((cluster) => cluster.name)).toEqual(['a', 'b']);
  });

  it('prefers --kubeconfig to KUBECONFIG and names the file it cannot read', async () => {
    const dir = await files({ a: kubeconfig('a', 'https://127.0.0.1:1') });
    expect(loadKubeConfig(join(dir, 'a'), { ...nowhere, env: { KUBECONFIG: '/nonexistent' } }).getCurrentCluster()?.name).toBe('a');
    expect(() => loadKubeConfig(join(dir, 'missing'), nowhere)).toThrow(/^cannot read kubeconfig .*missing \(--kubeconfig .*missing\): ENOENT$/);
  });

  it('refuses a kubeconfig without a current cluster, or with a plain-HTTP server', async () => {
    const dir = await files({
      empty: JSON.stringify({ apiVersion: 'v1', kind: 'Config', clusters: [], users: [], contexts: [] }),
      http: kubeconfig('local', 'http://127.0.0.1:8080'),
    });
    expect(() => loadKubeConfig(join(dir, 'empty'), nowhere)).toThrow(/has no current context with a cluster server/);
    expect(() => loadKubeConfig(join(dir, 'http'), nowhere)).toThrow(/cluster local is plain HTTP \(http:\/\/127\.0\.0\.1:8080\); use its https:\/\/ address/);
  });
});
