import { describe, expect, it } from 'vitest';
import { Resources } from '../../../src/client/resources.js';
import { freshNamespace, testKubeconfigPath } from '../../cluster/namespace.js';
import { apiServerWrites, OPERATOR_RESOURCES } from '../../support/api-server-metrics.js';
import { pollResult, waitFor } from '../../cluster/wait.js';
import {
  createInstance, getInstance, getStatefulSet, listEvents, patchSpec, testClient, waitForInstance, waitForReady,
} from '../../support/kube.js';
import { operatorFor } from '../../support/operator-per-test.js';

describe('the operator at work', () => {
  it('writes status a person can read, and Events for what it did', async () => {
    const { name: ns } = await freshNamespace();
    await operatorFor({ namespace: ns });
    const client = testClient();
    await createInstance(client, ns, 'web', { replicas: 2, image: 'redis:7.0' });
    const ready = await waitForReady(client, ns, 'web');
    expect(ready.status).toMatchObject({ observedGeneration: ready.metadata.generation, phase: 'Ready', replicas: 2, readyReplicas: 2 });
    expect(ready.status?.selector).toContain('app.kubernetes.io/instance=web');
    expect(ready.status?.conditions?.map((c) => [c.type, c.status])).toEqual([['Ready', 'True'], ['Progressing', 'False'], ['Degraded', 'False']]);

    await patchSpec(client, ns, 'web', { image: 'redis:7.2' });
    const updated = await waitForInstance(client, ns, 'web', 'image rolled', (i) =>
      i.status?.phase === 'Ready' && i.status.observedGeneration === i.metadata.generation && i.status.lastUpdate !== undefined);
    expect(updated.status?.lastUpdate).toMatchObject({ strategy: 'Rolling', changes: [{ path: 'spec.image', from: 'redis:7.0', to: 'redis:7.2' }] });
    expect(Date.parse(updated.status!.lastUpdate!.time)).toBeGreaterThan(Date.now() - 120_000);
    const events = await listEvents(client, ns, 'web');
    expect(events.find((e) => e.reason === 'Created')?.message).toMatch(/StatefulSet web/);
    expect(events.find((e) => e.reason === 'RollingUpdate')?.message).toMatch(/spec\.image redis:7\.0 -> redis:7\.2/);
  });

  it('finds a freshly created instance at rest on its very next reconcile: no write at all', async () => {
    const { name: ns } = await freshNamespace();
    const operator = await operatorFor({ namespace: ns });
    const client = testClient();
    await createInstance(client, ns, 'calm', { replicas: 3, resources: { limits: { memory: '1024Mi', cpu: '1000m' } }, config: { save: '900 1' } });
    await waitForReady(client, ns, 'calm');
    await operator.idle();
    const writes = operator.writes();
    await operator.reconcile(`${ns}/calm`);
    await operator.reconcile(`${ns}/calm`);
    expect(operator.writeLog().slice(writes)).toEqual([]);
  });

  it('makes no write request for 20 idle instances through two resync periods', async () => {
    const { name: ns } = await freshNamespace();
    const operator = await operatorFor({ namespace: ns, resyncPeriodMs: 2_000 });
    const client = testClient();
    const names = Array.from({ length: 20 }, (_, i) => `idle-${i}`);
    await Promise.all(names.map((n) => createInstance(client, ns, n, { replicas: 1 })));
    for (const n of names) await waitForReady(client, ns, n, 120_000);
    await operator.idle();
    // The API server counts every client's writes: let earlier tests' namespaces finish
    // deleting (the namespace controller's deletes would count) before taking the baseline.
    await waitFor(async () => {
      const terminating = (await client.list(Resources.namespace)).items.filter((n) => (n as { status?: { phase?: string } }).status?.phase === 'Terminating');
      return pollResult(terminating.length === 0 || undefined, terminating.map((n) => n.metadata.name).join(', '));
    }, { description: 'no namespace to be terminating', timeoutMs: 60_000 });
    const ownWrites = operator.writes();
    const serverWrites = await apiServerWrites(testKubeconfigPath(), OPERATOR_RESOURCES);
    const reconciles = operator.reconciles();
    await waitFor(async () => pollResult(operator.reconciles() >= reconciles + 2 * names.length || undefined, `${operator.reconciles() - reconciles} reconciles`), {
      description: 'two resync periods over 20 instances', timeoutMs: 30_000, intervalMs: 100,
    });
    expect(operator.writeLog().slice(ownWrites)).toEqual([]);
    expect(await apiServerWrites(testKubeconfigPath(), OPERATOR_RESOURCES) - serverWrites).toBe(0);
  });

  it('uses a custom strategy module: GuardedScaleDown refuses until approved, then carries the change', async () => {
    const { name: ns } = await freshNamespace();
    await operatorFor({ namespace: ns, strategyModules: ['examples/strategies/guarded-scale-down.mjs'] });
    const client = testClient();
    await createInstance(client, ns, 'guarded', { replicas: 3 });
    await waitForReady(client, ns, 'guarded');
    const pdb = (await client.get(Resources.podDisruptionBudget, 'guarded', ns))!;
    await patchSpec(client, ns, 'guarded', { replicas: 1 });
    const refused = await waitForInstance(client, ns, 'guarded', 'Degraded', (i) => i.status?.phase === 'Degraded');
    expect(refused.status?.conditions?.find((c) => c.type === 'Degraded')).toMatchObject({ reason: 'ScaleDownNotApproved' });
    expect((await getStatefulSet(client, ns, 'guarded'))!.spec.replicas).toBe(3);
    // A refused change writes nothing: the PDB that one replica would not need is still there.
    expect((await client.get(Resources.podDisruptionBudget, 'guarded', ns))?.metadata).toMatchObject({ uid: pdb.metadata.uid, resourceVersion: pdb.metadata.resourceVersion });

    await client.patch(Resources.redisInstance, ns, 'guarded', { metadata: { annotations: { 'redis.example.com/allow-scale-down': 'true' } } }, 'merge');
    const done = await waitForInstance(client, ns, 'guarded', 'scaled down by the custom strategy', (i) =>
      i.status?.lastUpdate?.strategy === 'GuardedScaleDown' && i.status.phase === 'Ready');
    expect(done.status?.lastUpdate?.changes).toEqual([{ path: 'spec.replicas', from: '3', to: '1' }]);
    expect((await getStatefulSet(client, ns, 'guarded'))!.spec.replicas).toBe(1);
    expect((await listEvents(client, ns, 'guarded')).some((e) => e.reason === 'GuardedScaleDown')).toBe(true);
  });

  it('with leader election only one operator acts, and a crashed leader hands over within the lease', async () => {
    const { name: ns } = await freshNamespace();
    const lease = { namespace: ns, name: 'redis-operator-test', leaseDurationMs: 4_000, renewDeadlineMs: 3_000, retryPeriodMs: 500 };
    const first = await operatorFor({ namespace: ns, leaderElection: { ...lease, identity: 'first' } });
    await waitFor(async () => pollResult(first.isLeader() || undefined), { description: 'the first operator to lead', timeoutMs: 20_000 });
    const second = await operatorFor({ namespace: ns, leaderElection: { ...lease, identity: 'second' } });
    const client = testClient();
    await createInstance(client, ns, 'led', {});
    await waitForReady(client, ns, 'led');
    expect(second.isLeader()).toBe(false);
    expect(second.reconciles()).toBe(0);
    expect(first.reconciles()).toBeGreaterThan(0);

    const crashedAt = Date.now();
    await first.crash();
    await waitFor(async () => pollResult(second.isLeader() || undefined), { description: 'the second operator to take over', timeoutMs: 20_000, intervalMs: 50 });
    expect(Date.now() - crashedAt).toBeLessThan(lease.leaseDurationMs + 2 * lease.retryPeriodMs + 1_000);
    await patchSpec(client, ns, 'led', { replicas: 2 });
    const scaled = await waitForInstance(client, ns, 'led', 'scaled by the new leader', (i) => i.status?.phase === 'Ready' && i.status.replicas === 2);
    expect(scaled.status?.lastUpdate?.strategy).toBe('Rolling');
    expect((await getInstance(client, ns, 'led'))?.status?.readyReplicas).toBe(2);
  });
});
