/**
 * How the operator starts: a standby warms its caches before it wins the Lease; caches that
 * cannot sync (RBAC forbids a resource) fail the start after a deadline, saying which; the
 * endpoints are named for what they serve.
 */
import { Writable } from 'node:stream';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import winston from 'winston';
import { KubeClient } from '../../../src/client/kube-client.js';
import type { KubeObject } from '../../../src/client/objects.js';
import { Resources, type ResourceType } from '../../../src/client/resources.js';
import { CacheSyncTimeoutError } from '../../../src/controller/controller.js';
import type { Lease } from '../../../src/controller/leader-election.js';
import { OperatorManager, type OperatorManagerOptions } from '../../../src/manager/operator-manager.js';
import { freshNamespace, testKubeConfig } from '../../cluster/namespace.js';
import { pollResult, waitFor } from '../../cluster/wait.js';
import { installRedisInstanceCrd } from '../../support/crd.js';
import { impersonating } from '../../support/impersonation.js';
import { createInstance, getStatefulSet, testClient, waitForReady } from '../../support/kube.js';

const cleanups: Array<() => Promise<void>> = [];
const RBAC = { group: 'rbac.authorization.k8s.io', version: 'v1', namespaced: true };
const ROLE: ResourceType = { ...RBAC, plural: 'roles', kind: 'Role' };
const ROLE_BINDING: ResourceType = { ...RBAC, plural: 'rolebindings', kind: 'RoleBinding' };
const CLUSTER_ROLE: ResourceType = { ...RBAC, namespaced: false, plural: 'clusterroles', kind: 'ClusterRole' };
const CLUSTER_ROLE_BINDING: ResourceType = { ...RBAC, namespaced: false, plural: 'clusterrolebindings', kind: 'ClusterRoleBinding' };

beforeAll(async () => {
  await installRedisInstanceCrd(testKubeConfig());
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A manager whose log lines are kept; stopped when the test ends. */
function manager(options: Omit<OperatorManagerOptions, 'logger'>): { manager: OperatorManager; logs: string[] } {
  const logs: string[] = [];
  const sink = new Writable({ write(chunk: Buffer, _encoding, callback) { logs.push(...chunk.toString().split('\n').filter(Boolean)); callback(); } });
  const created = new OperatorManager({ ...options, logger: winston.createLogger({ format: winston.format.json(), transports: [new winston.transports.Stream({ stream: sink })] }) });
  cleanups.push(() => created.stop());
  return { manager: created, logs };
}

async function readyz(operator: OperatorManager): Promise<number> {
  const probes = operator.endpoints.find((endpoint) => endpoint.name === 'probes')!;
  return (await fetch(`${probes.url}/readyz`)).status;
}

describe('OperatorManager start', () => {
  it('fails after the cache sync timeout when RBAC forbids one resource, naming it; not ready meanwhile', async () => {
    const { name: ns } = await freshNamespace();
    const client = testClient();
    const user = `limited-${ns}`;
    await client.create(ROLE, {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'no-pdbs', namespace: ns },
      rules: [
        { apiGroups: ['redis.github.com'], resources: ['redisinstances'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['apps'], resources: ['statefulsets'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: [''], resources: ['configmaps', 'services', 'pods', 'persistentvolumeclaims'], verbs: ['get', 'list', 'watch'] },
      ],
    } as KubeObject);
    // Nodes are cluster-scoped: the dial guard reads them whatever namespace the operator manages.
    await client.create(CLUSTER_ROLE, {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: `nodes-${ns}` },
      rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] }],
    } as KubeObject);
    await client.create(CLUSTER_ROLE_BINDING, {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: `nodes-${ns}` },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `nodes-${ns}` },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
    } as KubeObject);
    cleanups.push(async () => {
      await client.delete(CLUSTER_ROLE_BINDING, `nodes-${ns}`, undefined);
      await client.delete(CLUSTER_ROLE, `nodes-${ns}`, undefined);
    });
    await client.create(ROLE_BINDING, {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'no-pdbs', namespace: ns },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'no-pdbs' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
    } as KubeObject);
    // StorageClasses are cluster-scoped: a Role cannot grant them.
    await client.create(CLUSTER_ROLE, {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: user },
      rules: [{ apiGroups: ['storage.k8s.io'], resources: ['storageclasses'], verbs: ['get', 'list', 'watch'] }],
    } as KubeObject);
    await client.create(CLUSTER_ROLE_BINDING, {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: user },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: user },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
    } as KubeObject);
    cleanups.push(async () => {
      await client.delete(CLUSTER_ROLE_BINDING, user, undefined);
      await client.delete(CLUSTER_ROLE, user, undefined);
    });
    const { manager: operator, logs } = manager({
      client: new KubeClient(impersonating(user)), namespace: ns, cacheSyncTimeoutMs: 3_000,
      healthProbeBindAddress: '127.0.0.1:0', metricsBindAddress: '0',
    });

    let outcome: { error: unknown } | undefined;
    operator.start().then(() => { outcome = { error: undefined }; }, (error: unknown) => { outcome = { error }; });
    expect(await waitFor(async () => pollResult(await readyz(operator)), { description: 'the probes to answer' })).toBe(503);
    const { error } = await waitFor(async () => pollResult(outcome), { description: 'the start to fail', timeoutMs: 20_000 });
    expect(error).toBeInstanceOf(CacheSyncTimeoutError);
    const unsynced = (error as CacheSyncTimeoutError).unsynced;
    expect(unsynced.map((entry) => entry.resource)).toEqual(['policy/v1/poddisruptionbudgets']);
    expect(unsynced[0]!.lastError).toMatch(/403 Forbidden.*cannot list resource "poddisruptionbudgets"/);
    expect((error as Error).message).toMatch(/^caches did not sync within 3 s: policy\/v1\/poddisruptionbudgets \(.*403 Forbidden/);
    const logged = logs.map((line) => JSON.parse(line) as { message: string; resource?: string }).filter((line) => line.message === 'Cache did not sync');
    expect(logged.map((line) => line.resource)).toEqual(['policy/v1/poddisruptionbudgets']);
    expect(await readyz(operator)).toBe(503);
  });

  it('warms the caches of a standby before it wins the Lease, and takes over from them', async () => {
    const { name: ns, kubeConfig } = await freshNamespace();
    const client = testClient();
    await createInstance(client, ns, 'warm', { replicas: 1 });
    const now = new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
    const held = await client.create<Lease>(Resources.lease, {
      apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'redis-operator', namespace: ns },
      spec: { holderIdentity: 'another-replica', leaseDurationSeconds: 3_600, acquireTime: now, renewTime: now, leaseTransitions: 0 },
    });
    const { manager: standby } = manager({
      client: new KubeClient(kubeConfig), namespace: ns, healthProbeBindAddress: '127.0.0.1:0',
      leaderElection: { namespace: ns, name: 'redis-operator', identity: 'standby', leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 250 },
    });
    cleanups.push(async () => { await client.patch(Resources.redisInstance, ns, 'warm', { metadata: { finalizers: null } }, 'merge').catch(() => undefined); });

    await standby.start();
    expect(standby.isLeader).toBe(false);
    expect(standby.controller.informers.every((informer) => informer.hasSynced)).toBe(true);
    expect(standby.controller.store(Resources.redisInstance).get(`${ns}/warm`)).toBeDefined();
    expect(await readyz(standby)).toBe(200);
    // Warm, but acting on nothing.
    expect(await getStatefulSet(client, ns, 'warm')).toBeUndefined();

    await client.replace(Resources.lease, { ...held, spec: { ...held.spec, holderIdentity: null, leaseDurationSeconds: 1 } });
    await waitFor(async () => pollResult(standby.isLeader || undefined), { description: 'the standby to take over', timeoutMs: 10_000, intervalMs: 20 });
    await waitForReady(client, ns, 'warm');
  });

  it('names each endpoint for what it serves', async () => {
    const { name: ns, kubeConfig } = await freshNamespace();
    const { manager: metricsOnly, logs } = manager({
      client: new KubeClient(kubeConfig), namespace: ns, healthProbeBindAddress: '0', metricsBindAddress: '127.0.0.1:0',
    });
    await metricsOnly.start();
    expect(metricsOnly.endpoints.map((endpoint) => endpoint.name)).toEqual(['metrics']);
    expect((await fetch(`${metricsOnly.endpoints[0]!.url}/metrics`)).status).toBe(200);
    const serving = logs.map((line) => JSON.parse(line) as { message: string; server?: string }).filter((line) => line.message === 'Serving HTTP endpoint');
    expect(serving.map((line) => line.server)).toEqual(['metrics']);
  });
});
