import { request } from 'node:https';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { describe, expect, it, onTestFinished } from 'vitest';
import { Resources, type ResourceType } from '../../../src/client/resources.js';
import type { KubeObject } from '../../../src/client/objects.js';
import { ApiError } from '../../../src/client/api-error.js';
import { KubeClient } from '../../../src/client/kube-client.js';
import { issueClientCertificate, type CertificateFiles } from '../../cluster/certificates.js';
import { runCommand } from '../../cluster/host-changes.js';
import { freshNamespace, testKubeConfig } from '../../cluster/namespace.js';
import { IMAGES, KUBELET_PORT, NODE_IP, NO_REGISTRY, nodePaths, REAL_NODE_NAME } from '../../cluster/real-node/node-config.js';
import { pollResult, waitFor } from '../../cluster/wait.js';
import { testClient } from '../../support/kube.js';
import { clusterDir, getPod, isReady } from '../support/real-node.js';

const NODES: ResourceType = { group: '', version: 'v1', plural: 'nodes', kind: 'Node', namespaced: false };

interface Node extends KubeObject {
  spec: { unschedulable?: boolean; taints?: unknown[] };
  status: { addresses: Array<{ type: string; address: string }>; conditions: Array<{ type: string; status: string }> };
}

/** GET on the kubelet's own HTTPS port, as a client with `identity` (or none). */
async function kubeletGet(path: string, identity?: CertificateFiles): Promise<number> {
  const ca = await readFile(join(clusterDir(), 'pki', 'ca.crt'));
  const [cert, key] = identity ? await Promise.all([readFile(identity.certFile), readFile(identity.keyFile)]) : [];
  return new Promise((resolve, reject) => {
    const req = request({ host: NODE_IP, port: KUBELET_PORT, path, ca, cert, key, servername: REAL_NODE_NAME, timeout: 5_000 }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

async function createPod(namespace: string, name: string, image: string, imagePullPolicy: 'Never' | 'IfNotPresent'): Promise<void> {
  await testClient().create(Resources.pod, {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace },
    spec: { containers: [{ name: 'main', image, imagePullPolicy }], terminationGracePeriodSeconds: 0 },
  } as KubeObject);
}

async function waitingReason(namespace: string, name: string, reasons: readonly string[]): Promise<{ reason: string; message: string }> {
  return waitFor(async () => {
    const waiting = (await getPod(testClient(), namespace, name)).status?.containerStatuses?.[0]?.state?.waiting;
    return pollResult(waiting?.reason !== undefined && reasons.includes(waiting.reason) ? { reason: waiting.reason, message: waiting.message ?? '' } : undefined, JSON.stringify(waiting));
  }, { description: `pod ${namespace}/${name} to wait with ${reasons.join(' or ')}`, timeoutMs: 30_000, intervalMs: 200 });
}

describe('the real node', () => {
  it("is the cluster's only node: Ready, schedulable, reached at its InternalIP", async () => {
    const nodes = await testClient().list<Node>(NODES);
    expect(nodes.items.map((node) => node.metadata.name)).toEqual([REAL_NODE_NAME]);
    const [node] = nodes.items;
    expect(node!.spec.unschedulable ?? false).toBe(false);
    expect(node!.spec.taints ?? []).toEqual([]);
    expect(node!.status.conditions.find((condition) => condition.type === 'Ready')?.status).toBe('True');
    expect(node!.status.addresses).toContainEqual({ type: 'InternalIP', address: NODE_IP });
  });

  it('has the local images, runs a pod of one at once, and fails a pod whose image is missing with a clear reason instead of pulling', async () => {
    const images = (await runCommand(['ctr', '--address', nodePaths(clusterDir()).containerdSocket, '-n', 'k8s.io', 'images', 'list', '--quiet'])).split('\n');
    expect(images).toEqual(expect.arrayContaining([IMAGES.redis, IMAGES.redisAlternate, IMAGES.localPathHelper]));
    const { name: ns } = await freshNamespace({ prefix: 'img' });

    await createPod(ns, 'never', 'localhost/redis:no-such-tag', 'Never');
    const never = await waitingReason(ns, 'never', ['ErrImageNeverPull']);
    expect(never.message).toContain('localhost/redis:no-such-tag');

    // A pull is attempted, and every registry resolves to an address that refuses at once.
    await createPod(ns, 'pull', 'redis:7.2', 'IfNotPresent');
    const pull = await waitingReason(ns, 'pull', ['ErrImagePull', 'ImagePullBackOff']);
    expect(pull.message).toContain(new URL(NO_REGISTRY).host);
  });

  it('authenticates and authorizes every request to the kubelet: anonymous is refused, a user without rights is forbidden, the API server may read logs', async () => {
    expect(await kubeletGet('/pods')).toBe(401);
    const stranger = await issueClientCertificate(join(clusterDir(), 'pki', 'test'), { certFile: join(clusterDir(), 'pki', 'ca.crt'), keyFile: join(clusterDir(), 'pki', 'ca.key') }, 'stranger', '/CN=stranger');
    expect(await kubeletGet('/pods', stranger)).toBe(403);

    const { name: ns } = await freshNamespace({ prefix: 'logs' });
    await testClient().create(Resources.pod, {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'talker', namespace: ns },
      spec: { containers: [{ name: 'main', image: IMAGES.redis, imagePullPolicy: 'Never', command: ['sh', '-c', 'echo hello from the real node; exec sleep 3600'] }], terminationGracePeriodSeconds: 0 },
    } as KubeObject);
    await waitFor(async () => pollResult(isReady(await getPod(testClient(), ns, 'talker')) || undefined), { description: 'talker to run', timeoutMs: 60_000 });
    const logs = await testKubeConfig().makeApiClient(CoreV1Api).readNamespacedPodLog({ name: 'talker', namespace: ns });
    expect(logs).toBe('hello from the real node\n');
  });

  it('acts as system:node:NAME under NodeRestriction: it may change its own Node, not another, nor read a Secret none of its pods uses', async () => {
    const admin = testClient();
    const kubelet = KubeClient.load(nodePaths(clusterDir()).kubeletKubeconfig);
    const other = `other-node-${Date.now()}`;
    await admin.create(NODES, { apiVersion: 'v1', kind: 'Node', metadata: { name: other } } as KubeObject);
    onTestFinished(async () => {
      await admin.delete(NODES, other, undefined).catch(() => undefined);
    });
    const { name: ns } = await freshNamespace({ prefix: 'noderestriction' });
    await admin.create(Resources.secret, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'unused', namespace: ns }, stringData: { password: 'x' } } as KubeObject);

    await kubelet.patch(NODES, undefined, REAL_NODE_NAME, { metadata: { annotations: { 'test.redis.github.com/touched': 'yes' } } }, 'merge');
    const refusals = await Promise.all([
      kubelet.patch(NODES, undefined, other, { metadata: { annotations: { 'test.redis.github.com/touched': 'yes' } } }, 'merge').then(() => undefined, (error: unknown) => error),
      kubelet.get(Resources.secret, 'unused', ns).then(() => undefined, (error: unknown) => error),
    ]);
    for (const refusal of refusals) {
      expect(refusal).toBeInstanceOf(ApiError);
      expect((refusal as ApiError).status).toBe(403);
    }
  });
});

