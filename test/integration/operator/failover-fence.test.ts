import { describe, expect, it } from 'vitest';
import { ROLE_LABEL } from '../../../src/api/names.js';
import type { KubeObject } from '../../../src/client/objects.js';
import type { DialGuard } from '../../../src/redis/redis-admin.js';
import { freshNamespace } from '../../cluster/namespace.js';
import { pollResult, waitFor } from '../../cluster/wait.js';
import { FakeRedis } from '../../support/fake-redis.js';
import { gate } from '../../support/gate.js';
import { createInstance, getInstance, listEvents, listPods, testClient, waitForInstance } from '../../support/kube.js';
import { operatorFor } from '../../support/operator-per-test.js';

interface PodLike extends KubeObject {
  status?: { podIP?: string };
}

/** kwok's pods run no Redis; the fake stands in for it at their addresses, so nothing is dialed. */
const anyAddress: DialGuard = () => ({ allowed: true });

function writable(instance: { status?: { conditions?: ReadonlyArray<{ type: string; status: string }> } }): boolean {
  return instance.status?.conditions?.some((c) => c.type === 'Writable' && c.status === 'True') === true;
}

describe('two operators acting on one instance at once', () => {
  it('never promote twice: both decide to fail over, the status write is the fence, and only the one whose write landed promotes', async () => {
    const { name: ns } = await freshNamespace();
    const fake = new FakeRedis();
    const client = testClient();
    // Pods appear at addresses kwok picks; each gets a fake Redis that started as a new pod does:
    // a replica of the client Service's name, never linked.
    const seen = new Set<string>();
    const adopt = async () => {
      for (const pod of (await listPods(client, ns, 'fence')) as PodLike[]) {
        const ip = pod.status?.podIP;
        if (ip !== undefined && !seen.has(ip)) {
          seen.add(ip);
          fake.addNode({ host: ip, port: 6379 }, { role: 'replica', primary: { host: `fence.${ns}.svc`, port: 6379 } });
        }
      }
    };

    // Both operators reach the fence before either write goes out: the race is real.
    let arrived = 0;
    const bothThere = gate();
    const beforeWrite = async (method: string, path: string, body: unknown): Promise<void> => {
      const status = (body as { status?: { lastFailover?: unknown } } | null)?.status;
      if (method !== 'PATCH' || !path.endsWith('/fence/status') || status?.lastFailover === undefined) return;
      arrived++;
      if (arrived === 2) bothThere.open();
      await Promise.race([bothThere.promise, new Promise((resolve) => setTimeout(resolve, 15_000))]);
    };
    const first = await operatorFor({ namespace: ns, redisAdmin: () => fake, dialGuard: anyAddress, beforeWrite });

    await createInstance(client, ns, 'fence', { replicas: 3, image: 'redis:7.0', failover: { afterSeconds: 1 } });
    const settled = await waitFor(async () => {
      await adopt();
      const instance = await getInstance(client, ns, 'fence');
      // ReplicasInSync alone holds as well while the first pod is the only one.
      const linked = (instance?.status?.pods ?? []).filter((p) => p.role === 'replica' && p.link === 'up').length;
      const ok = instance !== undefined && writable(instance) && linked === 2
        && instance.status?.conditions?.some((c) => c.type === 'ReplicasInSync' && c.status === 'True');
      return pollResult(ok ? instance : undefined, JSON.stringify({ conditions: instance?.status?.conditions, pods: instance?.status?.pods }));
    }, { description: 'the first operator to elect a primary with both replicas following it', timeoutMs: 90_000, intervalMs: 200 });
    const lost = settled.status!.primary!;
    const second = await operatorFor({ namespace: ns, redisAdmin: () => fake, dialGuard: anyAddress, beforeWrite });
    await second.idle();
    const promotionsBefore = fake.calls.filter((c) => c.command === 'REPLICAOF NO ONE').length;

    const lostIp = ((await listPods(client, ns, 'fence')) as PodLike[]).find((p) => p.metadata.name === lost)!.status!.podIP!;
    fake.node({ host: lostIp, port: 6379 }).reachable = false;
    const failedOver = await waitForInstance(client, ns, 'fence', 'a replica took over', (i) => i.status?.primary !== lost && writable(i), 60_000);
    await first.idle();
    await second.idle();

    // Both wrote the fence at least once (the loser may try again while its cache catches up).
    expect(arrived).toBeGreaterThanOrEqual(2);
    const promotions = fake.calls.filter((c) => c.command === 'REPLICAOF NO ONE').slice(promotionsBefore);
    expect(promotions).toEqual([{ address: `${((await listPods(client, ns, 'fence')) as PodLike[]).find((p) => p.metadata.name === failedOver.status!.primary)!.status!.podIP}:6379`, command: 'REPLICAOF NO ONE' }]);
    expect(failedOver.status?.lastFailover).toMatchObject({ from: lost, to: failedOver.status!.primary });
    const failovers = (await listEvents(client, ns, 'fence')).filter((e) => e.reason === 'FailedOver');
    expect(failovers).toHaveLength(1);
    const labels = ((await listPods(client, ns, 'fence')).map((p) => p.metadata.labels?.[ROLE_LABEL] ?? '-')).filter((l) => l === 'primary');
    expect(labels).toEqual(['primary']);
    // The loser met the fence (409) and looked again, rather than acting on what it had decided.
    const conflicts = [...first.logs(), ...second.logs()].filter((line) => line.includes('Conflict; reconciling again from fresh state'));
    expect(conflicts.length).toBeGreaterThanOrEqual(1);

    // The old primary was cut off, not restarted: it comes back believing it is primary. It is
    // made to follow the new one, its clients are closed, and only then is it a replica (one
    // operator from here on, so that each command is sent once).
    await second.stop();
    const newIp = `${((await listPods(client, ns, 'fence')) as PodLike[]).find((p) => p.metadata.name === failedOver.status!.primary)!.status!.podIP}`;
    const callsBefore = fake.calls.length;
    const stale = fake.node({ host: lostIp, port: 6379 });
    stale.clients = 3;
    stale.reachable = true;
    await waitFor(async () => {
      const pod = ((await listPods(client, ns, 'fence')) as PodLike[]).find((p) => p.metadata.name === lost)!;
      return pollResult(pod.metadata.labels?.[ROLE_LABEL] === 'replica' || undefined, JSON.stringify(pod.metadata.labels));
    }, { description: `${lost} to be admitted as a replica`, timeoutMs: 30_000, intervalMs: 200 });
    const onStale = fake.calls.slice(callsBefore).filter((c) => c.address === `${lostIp}:6379` && c.command !== 'INFO replication').map((c) => c.command);
    expect(onStale).toEqual([`REPLICAOF ${newIp} 6379`, 'CLIENT KILL TYPE normal']);
    expect([stale.role, stale.primary?.host, stale.clients]).toEqual(['replica', newIp, 0]);
  });
});
