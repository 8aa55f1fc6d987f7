import { describe, expect, it } from 'vitest';
import { ROLE_LABEL } from '../../../src/api/names.js';
import type { RedisInstanceSpec, RedisInstanceStatus } from '../../../src/api/redis-instance.js';
import { Resources } from '../../../src/client/resources.js';
import { freshNamespace } from '../../cluster/namespace.js';
import { IMAGES } from '../../cluster/real-node/node-config.js';
import { pollResult, waitFor } from '../../cluster/wait.js';
import { createInstance, getInstance, getStatefulSet, listEvents, patchSpec, testClient, waitForInstance, type StoredInstance } from '../../support/kube.js';
import type { RunningOperator } from '../../support/operator.js';
import { PodTracker } from '../../support/pod-tracker.js';
import {
  clientServiceAddress, connectRedis, createPasswordSecret, getPod, instancePods, isReady, operatorForTheseTests, replicationInfo, waitForSteadyState, type Pod,
} from '../support/real-node.js';
import { failureBursts, startWriter, type RunningWriter } from '../support/writer.js';

const PASSWORD = 'real-node-ha-secret';

function condition(status: RedisInstanceStatus | undefined, type: string) {
  return status?.conditions?.find((c) => c.type === type);
}

/** The time of each log line with this message, oldest first. */
function logTimes(operator: RunningOperator, message: string, fields: Record<string, string> = {}): number[] {
  return operator.logs()
    .map((line) => JSON.parse(line) as Record<string, string>)
    .filter((entry) => entry.message === message && Object.entries(fields).every(([k, v]) => entry[k] === v))
    .map((entry) => Date.parse(entry.timestamp!));
}

/** A password-protected instance in a fresh namespace, at rest. */
async function replicatedInstance(prefix: string, name: string, spec: RedisInstanceSpec): Promise<{ ns: string; instance: StoredInstance }> {
  const client = testClient();
  const { name: ns } = await freshNamespace({ prefix });
  await createPasswordSecret(client, ns, `${name}-auth`, PASSWORD);
  await createInstance(client, ns, name, { image: IMAGES.redis, auth: { secretName: `${name}-auth` }, ...spec });
  return { ns, instance: await waitForSteadyState(ns, name, spec.replicas ?? 1, 'created') };
}

/** Waits until the writer has `count` more acknowledged writes than it had when called. */
async function moreWrites(writer: RunningWriter, count = 50): Promise<void> {
  const from = writer.records.length;
  await waitFor(async () => pollResult(writer.records.slice(from).filter((r) => r.failure === undefined).length >= count || undefined),
    { description: `${count} more acknowledged writes`, timeoutMs: 30_000, intervalMs: 100 });
}

describe('Redis-aware high availability on the real node', () => {
  const running = operatorForTheseTests();

  it('replaces replicas first and hands over with FAILOVER before the primary restarts: a plain client writing through NAME loses no acknowledged write and fails only inside the hand-over', async () => {
    const client = testClient();
    const { ns, instance: before } = await replicatedInstance('handover', 'orders', { replicas: 3 });
    const oldPrimary = before.status!.primary!;
    expect(oldPrimary).toMatch(/^orders-[0-2]$/);
    // The replicas follow the primary's pod IP, as the operator told them.
    const primaryPod = await getPod(client, ns, oldPrimary);
    for (const pod of (await instancePods(client, ns, 'orders')).filter((p) => p.metadata.name !== oldPrimary)) {
      const info = await replicationInfo(await connectRedis(pod.status!.podIP!, PASSWORD));
      expect([info.role, info.master_host, info.master_link_status]).toEqual(['slave', primaryPod.status!.podIP, 'up']);
    }

    const tracker = await PodTracker.start(client, ns, 'orders');
    const writer = await startWriter({ host: await clientServiceAddress(client, ns, 'orders'), password: PASSWORD, prefix: 'rolling' });
    let records;
    try {
      await moreWrites(writer);
      await patchSpec(client, ns, 'orders', { image: IMAGES.redisAlternate });
      await waitFor(async () => {
        const sts = await getStatefulSet(client, ns, 'orders');
        const pods = await instancePods(client, ns, 'orders');
        const rolled = pods.length === 3 && pods.every((p) => p.spec.containers[0]!.image === IMAGES.redisAlternate && isReady(p) && !p.metadata.deletionTimestamp)
          && sts?.status?.updatedReplicas === 3;
        return pollResult(rolled || undefined, pods.map((p) => `${p.metadata.name}:${p.spec.containers[0]!.image}:${isReady(p)}`).join(' '));
      }, { description: 'every pod replaced with the new image', timeoutMs: 300_000, intervalMs: 500 });
      const after = await waitForSteadyState(ns, 'orders', 3, 'rolled');
      expect(after.status!.primary).not.toBe(oldPrimary);
      // A few more writes on the new primary, then stop.
      await moreWrites(writer);
    } finally {
      records = await writer.stop();
      await tracker.stop();
    }

    // Every acknowledged key is on the new primary.
    const acknowledged = records.filter((r) => r.failure === undefined).map((r) => r.key);
    const reader = await connectRedis(await clientServiceAddress(client, ns, 'orders'), PASSWORD);
    const missing: string[] = [];
    for (let i = 0; i < acknowledged.length; i += 1_000) {
      const keys = acknowledged.slice(i, i + 1_000);
      const values = await reader.mGet(keys);
      values.forEach((value, index) => { if (value === null) missing.push(keys[index]!); });
    }
    expect(missing).toEqual([]);

    // The order: both replicas, then the hand-over, then the old primary's pod.
    const replaced = running().logs().map((l) => JSON.parse(l) as Record<string, string>)
      .filter((e) => e.message === 'Replacing outdated pod' && e.namespace === ns).map((e) => e.pod);
    expect(replaced).toHaveLength(3);
    expect(replaced[2]).toBe(oldPrimary);
    const [handOverStart] = logTimes(running(), 'Handing over with FAILOVER', { namespace: ns, from: oldPrimary });
    const [oldPrimaryReplaced] = logTimes(running(), 'Replacing outdated pod', { namespace: ns, pod: oldPrimary });
    expect(handOverStart).toBeDefined();
    // Writes failed in one burst at most, all of it after the hand-over began and before the
    // old primary's pod went (its clients were closed and came back through NAME), and only
    // with what a hand-over answers: READONLY from the demoted node, or a closed connection.
    const bursts = failureBursts(records);
    expect(bursts.length).toBeLessThanOrEqual(1);
    for (const burst of bursts) {
      expect(burst.first.at).toBeGreaterThanOrEqual(handOverStart!);
      expect(burst.last.at).toBeLessThan(oldPrimaryReplaced!);
      for (const kind of burst.kinds) expect(['READONLY', 'disconnected', 'timeout']).toContain(kind);
    }
    // Writes succeeded before the first replica was replaced and after the old primary was.
    expect(records.some((r) => r.failure === undefined && r.at > oldPrimaryReplaced!)).toBe(true);
    // The client Service always had a Ready pod while pods were replaced one at a time.
    expect(tracker.minimumServing).toBeGreaterThanOrEqual(2);
    const events = (await listEvents(client, ns, 'orders')).map((e) => `${e.reason}: ${e.message}`);
    expect(events).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^HandedOver: Pod ${oldPrimary} handed over to orders-\\d with FAILOVER before its pod is replaced`))]));
  });

  it('writes nothing for a replicated instance at rest, though it speaks to its Redis on every reconcile and looks at its primary every few seconds', async () => {
    const { ns } = await replicatedInstance('idle', 'calm', { replicas: 2 });
    const operator = running();
    await operator.idle();
    const writes = operator.writeLog().length;
    for (let i = 0; i < 3; i++) await operator.reconcile(`${ns}/calm`);
    // Absence cannot be waited for: three periods of the look at the primary (every 2 s) must
    // pass without a change in Redis waking the instance into a write.
    await new Promise((resolve) => setTimeout(resolve, 6_500));
    expect(operator.writeLog().slice(writes).filter((w) => w.includes(`/namespaces/${ns}/`))).toEqual([]);
  });

  it('hands over with FAILOVER when the primary\'s pod is deleted: its preStop hook holds it until it is a replica, a plain client writing through NAME loses no acknowledged write, and the old primary comes back as a replica of the new one and never serves writes', async () => {
    const client = testClient();
    const { ns, instance: before } = await replicatedInstance('failover', 'carts', { replicas: 3, failover: { afterSeconds: 2 } });
    const lost = before.status!.primary!;
    const primary = await connectRedis(await clientServiceAddress(client, ns, 'carts'), PASSWORD);
    for (let i = 0; i < 500; i++) await primary.set(`cart:${i}`, String(i));
    // Acknowledged by both replicas before the primary goes.
    expect(await primary.sendCommand(['WAIT', '2', '10000'])).toBe(2);
    await primary.close();

    const lostUid = (await getPod(client, ns, lost)).metadata.uid;
    const rolesOfLost: string[] = [];
    const watch = new AbortController();
    const watching = client.watch<Pod>(Resources.pod, { namespace: ns, fieldSelector: `metadata.name=${lost}`, signal: watch.signal }, (event) => {
      if (event.type !== 'BOOKMARK' && event.object.metadata.uid !== lostUid) rolesOfLost.push(event.object.metadata.labels?.[ROLE_LABEL] ?? '-');
    });
    const writer = await startWriter({ host: await clientServiceAddress(client, ns, 'carts'), password: PASSWORD, prefix: 'deleted' });
    let records;
    let deletedAt = 0;
    try {
      await moreWrites(writer);
      deletedAt = Date.now();
      await client.delete(Resources.pod, lost, ns);
      const failedOver = await waitForInstance(client, ns, 'carts', 'a replica took over', (i) =>
        i.status?.primary !== undefined && i.status.primary !== lost && condition(i.status, 'Writable')?.status === 'True', 120_000);
      expect(failedOver.status?.lastFailover).toMatchObject({ from: lost, to: failedOver.status!.primary, reason: `pod ${lost} is being deleted` });
      const steady = await waitForSteadyState(ns, 'carts', 3, 'after the failover');
      expect(steady.status!.primary).toBe(failedOver.status!.primary);
      await moreWrites(writer);
      records = await writer.stop();

      const reader = await connectRedis(await clientServiceAddress(client, ns, 'carts'), PASSWORD);
      expect((await replicationInfo(reader)).role).toBe('master');
      expect(await reader.mGet(Array.from({ length: 500 }, (_, i) => `cart:${i}`))).toEqual(Array.from({ length: 500 }, (_, i) => String(i)));
      // Every write the old primary acknowledged while its pod was terminating is on the new one.
      const acknowledged = records.filter((r) => r.failure === undefined).map((r) => r.key);
      const values = await reader.mGet(acknowledged);
      expect(acknowledged.filter((_, i) => values[i] === null)).toEqual([]);
      expect(records.some((r) => r.failure === undefined && r.at > deletedAt)).toBe(true);
      // Writes failed in one burst at most, with what a hand-over answers: READONLY from the
      // demoted node, or its connection closed as Redis stopped.
      const bursts = failureBursts(records);
      expect(bursts.length).toBeLessThanOrEqual(1);
      for (const burst of bursts) {
        expect(burst.first.at).toBeGreaterThanOrEqual(deletedAt);
        for (const kind of burst.kinds) expect(['READONLY', 'disconnected', 'timeout']).toContain(kind);
      }

      // The recreated pod follows the new primary, is labelled replica, and refuses writes.
      const returned = await getPod(client, ns, lost);
      expect(returned.metadata.uid).not.toBe(lostUid);
      expect(returned.metadata.labels?.[ROLE_LABEL]).toBe('replica');
      const newPrimaryIp = (await getPod(client, ns, steady.status!.primary!)).status!.podIP;
      const direct = await connectRedis(returned.status!.podIP!, PASSWORD);
      const info = await replicationInfo(direct);
      expect([info.role, info.master_host, info.master_link_status]).toEqual(['slave', newPrimaryIp, 'up']);
      await expect(direct.set('k', 'v')).rejects.toThrow(/READONLY/);
      const events = (await listEvents(client, ns, 'carts')).map((e) => `${e.type} ${e.reason}: ${e.message}`);
      expect(events).toEqual(expect.arrayContaining([`Warning FailedOver: Pod ${steady.status!.primary} took over from ${lost} with FAILOVER: pod ${lost} is being deleted`]));
    } finally {
      if (records === undefined) await writer.stop();
      watch.abort();
      await watching.catch(() => undefined);
    }
    // It never carried the primary label after it was recreated.
    expect(rolesOfLost.length).toBeGreaterThan(0);
    expect(rolesOfLost).not.toContain('primary');
  });

  it('hands over before a scale-down removes the primary\'s ordinal, with a plain client writing throughout', async () => {
    const client = testClient();
    const { ns, instance: created } = await replicatedInstance('scaledown', 'queue', { replicas: 3, failover: { afterSeconds: 1 } });
    // Move the primary off ordinal 0: its pod is deleted, a replica takes over.
    await client.delete(Resources.pod, created.status!.primary!, ns);
    const moved = await waitForInstance(client, ns, 'queue', 'the primary moved off ordinal 0', (i) => i.status?.primary !== created.status!.primary
      && condition(i.status, 'Writable')?.status === 'True', 120_000);
    const high = moved.status!.primary!;
    expect(high).not.toBe('queue-0');
    await waitForSteadyState(ns, 'queue', 3, 'after moving the primary');

    const writer = await startWriter({ host: await clientServiceAddress(client, ns, 'queue'), password: PASSWORD, prefix: 'scale' });
    let records;
    try {
      await moreWrites(writer);
      await patchSpec(client, ns, 'queue', { replicas: 1 });
      const after = await waitFor(async () => {
        const instance = await getInstance(client, ns, 'queue');
        const pods = await instancePods(client, ns, 'queue');
        const done = instance?.status?.primary === 'queue-0' && condition(instance.status, 'Writable')?.status === 'True' && pods.length === 1 && isReady(pods[0]!);
        return pollResult(done ? instance : undefined, JSON.stringify({ primary: instance?.status?.primary, pods: pods.map((p) => p.metadata.name) }));
      }, { description: 'scaled to one pod, primary on queue-0', timeoutMs: 180_000, intervalMs: 500 });
      expect(after.status?.primary).toBe('queue-0');
      await moreWrites(writer);
    } finally {
      records = await writer.stop();
    }
    const acknowledged = records.filter((r) => r.failure === undefined).map((r) => r.key);
    const reader = await connectRedis(await clientServiceAddress(client, ns, 'queue'), PASSWORD);
    const values = await reader.mGet(acknowledged);
    expect(acknowledged.filter((_, i) => values[i] === null)).toEqual([]);
    const [handOverStart] = logTimes(running(), 'Handing over with FAILOVER', { namespace: ns, from: high, reason: 'scale-down' });
    expect(handOverStart).toBeDefined();
    const bursts = failureBursts(records);
    expect(bursts.length).toBeLessThanOrEqual(1);
    for (const burst of bursts) expect(burst.first.at).toBeGreaterThanOrEqual(handOverStart!);
  });
});
