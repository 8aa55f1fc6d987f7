import { describe, expect, it } from 'vitest';
import { ROLE_LABEL } from '../../../src/api/names.js';
import type { KubeObject } from '../../../src/client/objects.js';
import { Resources } from '../../../src/client/resources.js';
import type { DialGuard } from '../../../src/redis/redis-admin.js';
import { freshNamespace } from '../../cluster/namespace.js';
import { pollResult, waitFor } from '../../cluster/wait.js';
import { FakeRedis, type FakeRedisNode } from '../../support/fake-redis.js';
import { createInstance, getInstance, listEvents, listPods, testClient, waitForInstance } from '../../support/kube.js';
import { operatorFor } from '../../support/operator-per-test.js';

interface PodLike extends KubeObject {
  status?: { podIP?: string };
}

/** kwok's pods run no Redis; the fake stands in for it at their addresses, so nothing is dialed. */
const anyAddress: DialGuard = () => ({ allowed: true });
/** Keeps a deleted pod terminating, as a preStop hook that is still waiting does on a real node. */
const HOLD = 'test.redis.github.com/hold';

function condition(instance: { status?: { conditions?: ReadonlyArray<{ type: string; status: string }> } }, type: string): string | undefined {
  return instance.status?.conditions?.find((c) => c.type === type)?.status;
}

/** A 3-pod instance with a fake Redis at every pod's address, at rest, in a namespace of its own. */
async function instanceAtRest(name: string) {
  const { name: ns } = await freshNamespace();
  const fake = new FakeRedis();
  const client = testClient();
  const operator = await operatorFor({ namespace: ns, redisAdmin: () => fake, dialGuard: anyAddress });
  // A pod that is merely not Ready must not be what moves the primary here: only its deletion.
  await createInstance(client, ns, name, { replicas: 3, image: 'redis:7.0', failover: { afterSeconds: 300 } });
  const seen = new Set<string>();
  const settled = await waitFor(async () => {
    for (const pod of (await listPods(client, ns, name)) as PodLike[]) {
      const ip = pod.status?.podIP;
      if (ip !== undefined && !seen.has(ip)) {
        seen.add(ip);
        fake.addNode({ host: ip, port: 6379 }, { role: 'replica', primary: { host: `${name}.${ns}.svc`, port: 6379 } });
      }
    }
    const instance = await getInstance(client, ns, name);
    // Both replicas in sync, not "a single pod has no replica" while the others are still created.
    const ok = instance !== undefined && seen.size === 3 && condition(instance, 'Writable') === 'True'
      && instance.status?.conditions?.some((c) => c.type === 'ReplicasInSync' && c.reason === 'AllReplicasInSync');
    return pollResult(ok ? instance : undefined, JSON.stringify(instance?.status?.conditions));
  }, { description: 'a primary elected with both replicas following it', timeoutMs: 90_000, intervalMs: 200 });
  await operator.idle();
  const pods = (await listPods(client, ns, name)) as PodLike[];
  const ipOf = (pod: string) => pods.find((p) => p.metadata.name === pod)!.status!.podIP!;
  const primary = settled.status!.primary!;
  return { ns, fake, client, operator, primary, ipOf, node: (pod: string): FakeRedisNode => fake.node({ host: ipOf(pod), port: 6379 }) };
}

describe('a primary whose pod is deleted while Redis on it still answers', () => {
  it('hands over with FAILOVER, not REPLICAOF NO ONE, and labels the new primary while the old pod keeps its label until it is gone; also when Redis stops the moment it is a replica', async () => {
    const { ns, fake, client, operator, primary, ipOf, node } = await instanceAtRest('drain');
    await client.patch(Resources.pod, ns, primary, { metadata: { finalizers: [HOLD] } }, 'merge');
    try {
      // The preStop hook returns as soon as Redis is a replica, and Redis stops: the operator's
      // FAILOVER loses its connection before it sees the outcome.
      node(primary).stopsOnceReplica = true;
      const callsBefore = fake.calls.length;
      const writesBefore = operator.writeLog().length;
      await client.delete(Resources.pod, primary, ns);

      const after = await waitForInstance(client, ns, 'drain', 'a replica took over', (i) => i.status?.primary !== undefined && i.status.primary !== primary
        && condition(i, 'Writable') === 'True', 60_000);
      const taker = after.status!.primary!;
      const other = ['drain-0', 'drain-1', 'drain-2'].find((p) => p !== primary && p !== taker)!;
      await waitFor(async () => pollResult(node(other).primary?.host === ipOf(taker) || undefined, JSON.stringify(node(other).primary)),
        { description: 'the other replica to follow the new primary', timeoutMs: 30_000 });
      await operator.idle();

      const calls = fake.calls.slice(callsBefore).filter((c) => c.command !== 'INFO replication');
      expect(calls).toContainEqual({ address: `${ipOf(primary)}:6379`, command: `FAILOVER TO ${ipOf(taker)} 6379 TIMEOUT 5000` });
      expect(calls.filter((c) => c.command === 'REPLICAOF NO ONE')).toEqual([]);
      expect(calls).toContainEqual({ address: `${ipOf(other)}:6379`, command: `REPLICAOF ${ipOf(taker)} 6379` });
      expect([node(taker).role, node(primary).role]).toEqual(['primary', 'replica']);
      expect(after.status?.lastFailover).toMatchObject({ from: primary, to: taker, reason: `pod ${primary} is being deleted` });

      // The new primary got its label; the old pod kept its own (the client Service's traffic
      // stays on it, terminating and serving, until the new one is ready).
      const podWrites = operator.writeLog().slice(writesBefore).filter((w) => w.startsWith(`PATCH /api/v1/namespaces/${ns}/pods/`));
      expect(podWrites.filter((w) => w.includes(`/pods/${primary} `))).toEqual([]);
      expect(podWrites.find((w) => w.includes(ROLE_LABEL.replace('/', '~1')))).toContain(`/pods/${taker} `);
      const labels = Object.fromEntries(((await listPods(client, ns, 'drain')) as PodLike[]).map((p) => [p.metadata.name, p.metadata.labels?.[ROLE_LABEL]]));
      expect(labels).toEqual({ [primary]: 'primary', [taker]: 'primary', [other]: 'replica' });

      const failovers = (await listEvents(client, ns, 'drain')).filter((e) => e.reason === 'FailedOver').map((e) => e.message);
      expect(failovers).toEqual([`Pod ${taker} took over from ${primary} with FAILOVER: pod ${primary} is being deleted`]);
    } finally {
      await client.patch(Resources.pod, ns, primary, { metadata: { finalizers: null } }, 'merge').catch(() => undefined);
    }
  });

  it('when FAILOVER is aborted (no replica caught up in time), makes the old primary follow the one taking over before promoting it, so it acknowledges no more writes', async () => {
    const { ns, fake, client, operator, primary, ipOf, node } = await instanceAtRest('stuck');
    await client.patch(Resources.pod, ns, primary, { metadata: { finalizers: [HOLD] } }, 'merge');
    try {
      // Both replicas stop applying the stream and fall behind: FAILOVER cannot complete.
      for (const pod of ['stuck-0', 'stuck-1', 'stuck-2'].filter((p) => p !== primary)) node(pod).stalled = true;
      fake.write({ host: ipOf(primary), port: 6379 }, 1_000);
      const callsBefore = fake.calls.length;
      await client.delete(Resources.pod, primary, ns);

      const after = await waitForInstance(client, ns, 'stuck', 'a replica took over', (i) => i.status?.primary !== undefined && i.status.primary !== primary
        && condition(i, 'Writable') === 'True', 60_000);
      await operator.idle();
      const taker = after.status!.primary!;
      const calls = fake.calls.slice(callsBefore).filter((c) => c.command !== 'INFO replication');
      const order = [
        { address: `${ipOf(primary)}:6379`, command: `FAILOVER TO ${ipOf(taker)} 6379 TIMEOUT 5000` },
        { address: `${ipOf(primary)}:6379`, command: `REPLICAOF ${ipOf(taker)} 6379` },
        { address: `${ipOf(taker)}:6379`, command: 'REPLICAOF NO ONE' },
      ];
      expect(calls.filter((c) => order.some((o) => o.address === c.address && o.command === c.command))).toEqual(order);
      expect([node(taker).role, node(primary).role, node(primary).primary?.host]).toEqual(['primary', 'replica', ipOf(taker)]);
      const failovers = (await listEvents(client, ns, 'stuck')).filter((e) => e.reason === 'FailedOver').map((e) => e.message);
      expect(failovers).toEqual([`Pod ${taker} took over from ${primary}: pod ${primary} is being deleted`]);
    } finally {
      await client.patch(Resources.pod, ns, primary, { metadata: { finalizers: null } }, 'merge').catch(() => undefined);
    }
  });
});
