/**
 * The client against the real API server where its connection handling and credentials matter:
 * a client certificate rotated on disk is the one the next request presents; the operator's own
 * kubeconfig loader authenticates through an exec plugin and as a pod's service account.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it, onTestFinished } from 'vitest';
import { KubeClient } from '../../../src/client/kube-client.js';
import type { KubeObject } from '../../../src/client/objects.js';
import type { ResourceType } from '../../../src/client/resources.js';
import { loadKubeConfig } from '../../../src/client/kubeconfig.js';
import { freshNamespace, testKubeConfig } from '../../cluster/namespace.js';
import { pollResult, waitFor } from '../../cluster/wait.js';
import { impersonating } from '../../support/impersonation.js';

const run = promisify(execFile);
const PRIORITY_LEVEL: ResourceType = { group: 'flowcontrol.apiserver.k8s.io', version: 'v1', plural: 'prioritylevelconfigurations', kind: 'PriorityLevelConfiguration', namespaced: false };
const FLOW_SCHEMA: ResourceType = { group: 'flowcontrol.apiserver.k8s.io', version: 'v1', plural: 'flowschemas', kind: 'FlowSchema', namespaced: false };
const SERVICE_ACCOUNT: ResourceType = { group: '', version: 'v1', plural: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true };
const CSR: ResourceType = { group: 'certificates.k8s.io', version: 'v1', plural: 'certificatesigningrequests', kind: 'CertificateSigningRequest', namespaced: false };

interface SigningRequest extends KubeObject {
  readonly status?: { readonly certificate?: string };
}

/**
 * A client certificate for `user`, signed by the cluster's own CA through the
 * CertificateSigningRequest API (approved here, signed by kube-controller-manager).
 */
async function clientCertificate(admin: KubeClient, dir: string, user: string): Promise<{ cert: string; key: string }> {
  const config = join(dir, 'openssl.cnf');
  await writeFile(config, '[req]\ndistinguished_name = dn\n[dn]\n');
  const keyFile = join(dir, `${user}.key`);
  const csrFile = join(dir, `${user}.csr`);
  await run('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-config', config,
    '-subj', `/CN=${user}`, '-keyout', keyFile, '-out', csrFile]);
  const name = `${user}-${Date.now()}`;
  const created = await admin.create<SigningRequest>(CSR, {
    apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name },
    spec: {
      request: (await readFile(csrFile)).toString('base64'),
      signerName: 'kubernetes.io/kube-apiserver-client', expirationSeconds: 3_600, usages: ['client auth'],
    },
  });
  onTestFinished(async () => { await admin.delete(CSR, name, undefined); });
  await admin.replace(CSR, {
    ...created,
    status: { conditions: [{ type: 'Approved', status: 'True', reason: 'RotationTest', message: 'approved by the test' }] },
  }, 'approval');
  const signed = await waitFor(async () => pollResult((await admin.get<SigningRequest>(CSR, name))?.status?.certificate), {
    description: `the certificate of ${user} to be signed`, timeoutMs: 30_000, intervalMs: 100,
  });
  return { cert: Buffer.from(signed, 'base64').toString('utf8'), key: await readFile(keyFile, 'utf8') };
}

/** Who the API server says the client is. */
async function whoAmI(client: KubeClient): Promise<string | undefined> {
  const review = await client.request<{ status?: { userInfo?: { username?: string } } }>('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
  });
  return review.status?.userInfo?.username;
}

describe('KubeClient against a real API server', () => {
  it('presents a client certificate rotated on disk from the next request on', async () => {
    const admin = new KubeClient(testKubeConfig());
    const dir = await mkdtemp(join(tmpdir(), 'rotation-'));
    const [first, second] = [await clientCertificate(admin, dir, 'rotation-first'), await clientCertificate(admin, dir, 'rotation-second')];
    const certFile = join(dir, 'client.crt');
    const keyFile = join(dir, 'client.key');
    await writeFile(certFile, first.cert);
    await writeFile(keyFile, first.key);
    const cluster = testKubeConfig().getCurrentCluster()!;
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: 'local', server: cluster.server, caData: cluster.caData, skipTLSVerify: false }],
      users: [{ name: 'rotating', certFile, keyFile }],
      contexts: [{ name: 'local', cluster: 'local', user: 'rotating' }],
      currentContext: 'local',
    });
    const client = new KubeClient(kubeConfig);
    expect(await whoAmI(client)).toBe('rotation-first');
    expect(await whoAmI(client)).toBe('rotation-first');

    // Rotated as cert-manager or a kubelet would: both files replaced, the process untouched.
    await writeFile(certFile, second.cert);
    await writeFile(keyFile, second.key);
    expect(await whoAmI(client)).toBe('rotation-second');
  });
});

/** A token of a new ServiceAccount `name` in `namespace`, from the TokenRequest API. */
async function serviceAccountToken(admin: KubeClient, namespace: string, name: string): Promise<string> {
  await admin.create(SERVICE_ACCOUNT, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } });
  const request = await admin.request<{ status: { token: string } }>('POST', `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`, {
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 600 } },
  });
  return request.status.token;
}

describe('the operator\'s own kubeconfig loader against a real API server', () => {
  it('authenticates with the token an exec plugin prints', async () => {
    const { name: namespace } = await freshNamespace();
    const admin = new KubeClient(testKubeConfig());
    const token = await serviceAccountToken(admin, namespace, 'exec-user');
    const cluster = testKubeConfig().getCurrentCluster()!;
    const dir = await mkdtemp(join(tmpdir(), 'exec-'));
    const credential = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token } });
    const kubeconfig = join(dir, 'kubeconfig');
    await writeFile(kubeconfig, JSON.stringify({
      clusters: [{ name: 'local', cluster: { server: cluster.server, 'certificate-authority-data': cluster.caData } }],
      users: [{ name: 'exec', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: process.execPath, args: ['-e', `process.stdout.write(${JSON.stringify(credential)})`] } } }],
      contexts: [{ name: 'local', context: { cluster: 'local', user: 'exec' } }],
      'current-context': 'local',
    }));
    expect(await whoAmI(KubeClient.load(kubeconfig))).toBe(`system:serviceaccount:${namespace}:exec-user`);
  });

  it('in a pod, uses the mounted service account token and CA', async () => {
    const { name: namespace } = await freshNamespace();
    const admin = new KubeClient(testKubeConfig());
    const cluster = testKubeConfig().getCurrentCluster()!;
    const dir = await mkdtemp(join(tmpdir(), 'serviceaccount-'));
    await mkdir(join(dir, 'sa'));
    await writeFile(join(dir, 'sa/token'), await serviceAccountToken(admin, namespace, 'in-pod'));
    await writeFile(join(dir, 'sa/ca.crt'), Buffer.from(cluster.caData!, 'base64'));
    const server = new URL(cluster.server);
    const config = loadKubeConfig(undefined, {
      env: { KUBERNETES_SERVICE_HOST: server.hostname, KUBERNETES_SERVICE_PORT: server.port },
      home: join(dir, 'no-home'),
      serviceAccountToken: join(dir, 'sa/token'),
    });
    expect(await whoAmI(new KubeClient(config))).toBe(`system:serviceaccount:${namespace}:in-pod`);
  });
});


/**
 * API Priority and Fairness set up to refuse `user` whatever does not fit in one seat: its
 * requests beyond that are answered 429 with Retry-After, as a busy API server answers them.
 */
async function throttledUser(admin: KubeClient): Promise<string> {
  const name = `throttled-${Date.now()}`;
  await admin.create(PRIORITY_LEVEL, {
    apiVersion: 'flowcontrol.apiserver.k8s.io/v1', kind: 'PriorityLevelConfiguration', metadata: { name },
    spec: { type: 'Limited', limited: { nominalConcurrencyShares: 1, lendablePercent: 0, limitResponse: { type: 'Reject' } } },
  });
  onTestFinished(async () => { await admin.delete(PRIORITY_LEVEL, name, undefined); });
  await admin.create(FLOW_SCHEMA, {
    apiVersion: 'flowcontrol.apiserver.k8s.io/v1', kind: 'FlowSchema', metadata: { name },
    spec: {
      priorityLevelConfiguration: { name }, matchingPrecedence: 100,
      rules: [{
        subjects: [{ kind: 'User', user: { name } }],
        resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], clusterScope: true, namespaces: ['*'] }],
        nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
      }],
    },
  });
  onTestFinished(async () => { await admin.delete(FLOW_SCHEMA, name, undefined); });
  return name;
}

/**
 * Fires `count` requests at once as `client`, each for the API server's OpenAPI document (slow
 * enough to its server that they overlap); each answer's status is collected.
 */
async function burst(client: KubeClient, count: number): Promise<{ statuses: number[]; failures: unknown[] }> {
  const statuses: number[] = [];
  client.onRequest((_method, status) => statuses.push(status));
  const results = await Promise.allSettled(Array.from({ length: count }, () => client.getText('/openapi/v2')));
  return { statuses, failures: results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason) };
}

describe('the client when the API server refuses requests with 429 Too Many Requests', () => {
  it('sends them again after the Retry-After the server names, until they succeed', async () => {
    const admin = new KubeClient(testKubeConfig());
    const user = await throttledUser(admin);
    // Once without retries, to see the server really refuses (the new schema is in force within a moment).
    const refused = await waitFor(async () => {
      const outcome = await burst(new KubeClient(impersonating(user), { maxRetries: 0 }), 40);
      return pollResult(outcome.statuses.includes(429) && outcome, `statuses ${[...new Set(outcome.statuses)].join(', ')}`);
    }, { description: 'API Priority and Fairness to refuse some of a burst', timeoutMs: 30_000, intervalMs: 500 });
    expect(refused.failures.length).toBeGreaterThan(0);
    expect(refused.failures.every((error) => error instanceof Error && /: 429\b/.test(error.message))).toBe(true);

    const retried = await waitFor(async () => {
      const outcome = await burst(new KubeClient(impersonating(user)), 40);
      return pollResult(outcome.statuses.includes(429) && outcome);
    }, { description: 'a burst that meets 429s', timeoutMs: 30_000, intervalMs: 500 });
    expect(retried.failures).toEqual([]);
    expect(retried.statuses.filter((status) => status === 200)).toHaveLength(40);
  });
});
