import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import type https from 'node:https';
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

/** The options a request would carry with this configuration's credentials. */
async function requestOptions(config: { applyToHTTPSOptions(options: https.RequestOptions): Promise<void> }): Promise<https.RequestOptions> {
  const options: https.RequestOptions = { headers: {} };
  await config.applyToHTTPSOptions(options);
  return options;
}

describe('the credentials a request carries', () => {
  it('reads client certificate, key and CA files relative to the kubeconfig, afresh for every request', async () => {
    const dir = await files({ 'ca.crt': 'CA one', 'conf/pki/client.crt': 'CERT one', 'conf/pki/client.key': 'KEY one' });
    await writeFile(join(dir, 'conf/kubeconfig'), JSON.stringify({
      clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:6443', 'certificate-authority': join(dir, 'ca.crt'), 'tls-server-name': 'api.internal' } }],
      users: [{ name: 'u', user: { 'client-certificate': 'pki/client.crt', 'client-key': 'pki/client.key' } }],
      contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'c',
    }));
    const config = loadKubeConfig(join(dir, 'conf/kubeconfig'), nowhere);
    const first = await requestOptions(config);
    expect([String(first.ca), String(first.cert), String(first.key), first.servername]).toEqual(['CA one', 'CERT one', 'KEY one', 'api.internal']);
    // Rotated on disk: the next request presents the new certificate.
    await writeFile(join(dir, 'conf/pki/client.crt'), 'CERT two');
    expect(String((await requestOptions(config)).cert)).toBe('CERT two');
  });

  it('sends the token, impersonation or basic auth a user names; embedded data is base64', async () => {
    const document = (current: string) => JSON.stringify({
      clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:6443', 'certificate-authority-data': Buffer.from('CA data').toString('base64'), 'insecure-skip-tls-verify': true } }],
      users: [
        { name: 'token', user: { token: 'tok', as: 'someone' } },
        { name: 'basic', user: { username: 'admin', password: 'pw' } },
      ],
      contexts: [{ name: 'token', context: { cluster: 'c', user: 'token' } }, { name: 'basic', context: { cluster: 'c', user: 'basic' } }],
      'current-context': current,
    });
    const dir = await files({ token: document('token'), basic: document('basic') });
    const options = await requestOptions(loadKubeConfig(join(dir, 'token'), nowhere));
    expect(options.headers).toEqual({ Authorization: 'Bearer tok', 'Impersonate-User': 'someone' });
    expect([String(options.ca), options.rejectUnauthorized]).toEqual(['CA data', false]);
    const basic = await requestOptions(loadKubeConfig(join(dir, 'basic'), nowhere));
    expect([basic.auth, basic.headers]).toEqual(['admin:pw', {}]);
  });

  it('runs an exec plugin (client-node\'s ExecAuth) and sends the token it prints', async () => {
    const credential = { apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: 'from-exec' } };
    const dir = await files({
      kubeconfig: JSON.stringify({
        clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:6443' } }],
        users: [{ name: 'u', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: process.execPath, args: ['-e', `console.log(${JSON.stringify(JSON.stringify(credential))})`] } } }],
        contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'c',
      }),
    });
    expect((await requestOptions(loadKubeConfig(join(dir, 'kubeconfig'), nowhere))).headers).toEqual({ Authorization: 'Bearer from-exec' });
  });

  it('in a pod, reads the service account\'s CA and token, bracketing an IPv6 service address', async () => {
    const dir = await files({ 'sa/token': 'sa-token', 'sa/ca.crt': 'cluster CA' });
    const config = loadKubeConfig(undefined, {
      env: { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' }, home: '/nonexistent-home', serviceAccountToken: join(dir, 'sa/token'),
    });
    expect(config.getCurrentCluster()?.server).toBe('https://[fd00::1]:443');
    const options = await requestOptions(config);
    expect([String(options.ca), options.headers]).toEqual(['cluster CA', { Authorization: 'Bearer sa-token' }]);
  });
});

describe('merging the files KUBECONFIG names', () => {
  it('keeps the first file\'s entry of a name, as client-go does', async () => {
    const dir = await files({ a: kubeconfig('same', 'https://127.0.0.1:1'), b: kubeconfig('same', 'https://127.0.0.1:2') });
    const loaded = loadKubeConfig(undefined, { ...nowhere, env: { KUBECONFIG: [join(dir, 'a'), join(dir, 'b')].join(delimiter) } });
    expect(loaded.getClusters().map((cluster) => cluster.server)).toEqual(['https://127.0.0.1:1']);
  });
});
