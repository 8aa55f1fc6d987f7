import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../../src/client/kube-client.js';
import type { KubeObject } from '../../../src/client/objects.js';
import { Resources, apiVersionOf } from '../../../src/client/resources.js';
import type { Controller } from '../../../src/controller/controller.js';
import { ControllerBuilder, type BuildOptions } from '../../../src/controller/controller-builder.js';
import { TerminalError, type ReconcileFunction } from '../../../src/controller/reconcile-result.js';
import { createLogger } from '../../../src/observability/logger.js';
import { Metrics } from '../../../src/observability/metrics.js';
import { freshNamespace, testKubeConfig } from '../../cluster/namespace.js';
import { pollResult, waitFor } from '../../cluster/wait.js';
import { installRedisInstanceCrd } from '../../support/crd.js';
import { gate } from '../../support/gate.js';

const logger = createLogger({ silent: true });
const MANAGED = 'app.kubernetes.io/managed-by=redis-operator';
const controllers: Controller[] = [];

beforeAll(async () => {
  await installRedisInstanceCrd(testKubeConfig());
});

afterEach(async () => {
  await Promise.all(controllers.splice(0).map((controller) => controller.stop()));
});

function instance(namespace: string, name: string): KubeObject {
  return { apiVersion: apiVersionOf(Resources.redisInstance), kind: 'RedisInstance', metadata: { name, namespace }, spec: {} };
}

async function startController(client: KubeClient, namespace: string, reconcile: ReconcileFunction, options: BuildOptions = {}): Promise<Controller> {
  const controller = new ControllerBuilder(client, logger)
    .watchesPrimary(Resources.redisInstance, { namespace })
    .owns(Resources.configMap, { namespace, labelSelector: MANAGED })
    .build(reconcile, options);
  controllers.push(controller);
  expect(controller.synced).toBe(false);
  await controller.start();
  expect(controller.synced).toBe(true);
  return controller;
}

function count(list: string[], key: string): number {
  return list.filter((item) => item === key).length;
}

function waitUntil(condition: () => boolean, description: string, timeoutMs = 15_000): Promise<true> {
  return waitFor(async () => pollResult(condition() || undefined), { description, timeoutMs, intervalMs: 20 });
}

describe('Controller against a real API server', () => {
  it('reconciles each instance and wakes the owner of an owned object', async () => {
    const { name: namespace, kubeConfig } = await freshNamespace();
    const client = new KubeClient(kubeConfig);
    const owner = await client.create<KubeObject>(Resources.redisInstance, instance(namespace, 'cache'));
    const reconciled: string[] = [];
    const controller = await startController(client, namespace, async (key) => { reconciled.push(key); });
    const key = `${namespace}/cache`;
    await waitUntil(() => count(reconciled, key) === 1, 'the existing instance to be reconciled');
    expect(controller.store(Resources.redisInstance).get(key)?.metadata.uid).toBe(owner.metadata.uid);

    // Owned through a controller ownerReference (named differently from the instance on purpose).
    await client.create(Resources.configMap, {
      apiVersion: 'v1', kind: 'ConfigMap',
      metadata: {
        name: 'some-config', namespace,
        labels: { 'app.kubernetes.io/managed-by': 'redis-operator' },
        ownerReferences: [{ apiVersion: owner.apiVersion, kind: 'RedisInstance', name: 'cache', uid: owner.metadata.uid!, controller: true }],
      },
    });
    await waitUntil(() => count(reconciled, key) === 2, 'the owner to be woken by its ConfigMap');
    expect(controller.store(Resources.configMap).get(`${namespace}/some-config`)).toBeDefined();

    // Owned through the instance label only.
    await client.create(Resources.configMap, {
      apiVersion: 'v1', kind: 'ConfigMap',
      metadata: { name: 'other-config', namespace, labels: { 'app.kubernetes.io/managed-by': 'redis-operator', 'app.kubernetes.io/instance': 'other' } },
    });
    await waitUntil(() => reconciled.includes(`${namespace}/other`), 'the labelled owner to be woken');

    // Outside the label selector: not watched, wakes nobody.
    const before = reconciled.length;
    await client.create(Resources.configMap, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'unmanaged', namespace } });
    await client.delete(Resources.configMap, 'some-config', namespace);
    await waitUntil(() => count(reconciled, key) === 3, 'the owner to be woken by the deletion');
    expect(reconciled.slice(before)).toEqual([key]);
    expect(controller.store(Resources.configMap).get(`${namespace}/unmanaged`)).toBeUndefined();
  });

  it('never reconciles one key twice at once and honours maxConcurrentReconciles', async () => {
    const { name: namespace, kubeConfig } = await freshNamespace();
    const client = new KubeClient(kubeConfig);
    const names = Array.from({ length: 8 }, (_, i) => `cache-${i}`);
    for (const name of names) await client.create(Resources.redisInstance, instance(namespace, name));

    const inFlight = new Set<string>();
    let maxConcurrent = 0;
    const overlaps: string[] = [];
    const startedAt = new Map<string, number[]>();
    const reconcile: ReconcileFunction = async (key) => {
      startedAt.set(key, [...(startedAt.get(key) ?? []), Date.now()]);
      if (inFlight.has(key)) overlaps.push(key);
      inFlight.add(key);
      maxConcurrent = Math.max(maxConcurrent, inFlight.size);
      // Changes made while this key is in flight must wait for it, then be reconciled once more.
      await new Promise((resolve) => setTimeout(resolve, 150));
      inFlight.delete(key);
    };
    await startController(client, namespace, reconcile, { maxConcurrentReconciles: 3 });

    // Touch every instance while the first reconciles run: keys in flight are re-added then
    // (and must wait), keys still queued fold the change into their pending reconcile.
    await waitUntil(() => inFlight.size > 0, 'reconciles to start');
    const touchedAt = new Map<string, number>();
    let touchedInFlight = 0;
    for (const name of names) {
      const key = `${namespace}/${name}`;
      if (inFlight.has(key)) touchedInFlight++;
      await client.patch(Resources.redisInstance, namespace, name, { metadata: { annotations: { touched: 'yes' } } }, 'merge');
      touchedAt.set(key, Date.now());
    }
    // Level-based: every change is seen by a reconcile that started after it was made.
    await waitUntil(
      () => [...touchedAt].every(([key, at]) => (startedAt.get(key) ?? []).some((start) => start >= at)),
      'every instance reconciled after its change', 20_000,
    );
    expect(touchedInFlight).toBeGreaterThan(0);
    expect(overlaps).toEqual([]);
    expect(maxConcurrent).toBe(3);
  });

  it('retries errors with backoff, gives up on a TerminalError and honours requeueAfterMs', async () => {
    const { name: namespace, kubeConfig } = await freshNamespace();
    const client = new KubeClient(kubeConfig);
    for (const name of ['flaky', 'broken', 'polling']) await client.create(Resources.redisInstance, instance(namespace, name));
    const attempts = new Map<string, number[]>();
    const reconcile: ReconcileFunction = async (key) => {
      const times = attempts.get(key) ?? [];
      times.push(Date.now());
      attempts.set(key, times);
      if (key.endsWith('/flaky') && times.length < 4) throw new Error('the API server said no');
      if (key.endsWith('/broken')) throw new TerminalError('spec.config.include is not allowed');
      if (key.endsWith('/polling') && times.length < 3) return { requeueAfterMs: 200 };
      return {};
    };
    const metrics = new Metrics({ processMetrics: false });
    await startController(client, namespace, reconcile, { metrics, backoff: { baseDelayMs: 100, maxDelayMs: 1_000 } });

    const flaky = `${namespace}/flaky`;
    const polling = `${namespace}/polling`;
    await waitUntil(() => (attempts.get(flaky)?.length ?? 0) === 4, 'the flaky instance to succeed on its fourth try');
    await waitUntil(() => (attempts.get(polling)?.length ?? 0) === 3, 'the polling instance to be requeued twice');
    const gaps = attempts.get(flaky)!.slice(1).map((time, i) => time - attempts.get(flaky)![i]!);
    // 100, 200, 400 ms less up to 20 % jitter: each in its band (neither a hot loop nor a
    // constant delay) and each longer than the last by half at least.
    [100, 200, 400].forEach((expected, i) => {
      expect(gaps[i]!, `gaps ${gaps.join(', ')} ms`).toBeGreaterThanOrEqual(0.8 * expected - 5);
      expect(gaps[i]!, `gaps ${gaps.join(', ')} ms`).toBeLessThan(expected + 100);
      if (i > 0) expect(gaps[i]!, `gaps ${gaps.join(', ')} ms`).toBeGreaterThan(1.5 * gaps[i - 1]!);
    });

    // The terminal error was tried once; give a retry every chance to happen before checking.
    const text = await waitFor(async () => {
      const exposed = await metrics.expose();
      return pollResult(exposed.includes('redis_operator_reconcile_total{result="requeue"} 2') ? exposed : undefined);
    }, { description: 'the requeue results to be counted' });
    await waitUntil(() => Date.now() - attempts.get(`${namespace}/broken`)![0]! > 1_000, 'a second past the terminal error');
    expect(attempts.get(`${namespace}/broken`)).toHaveLength(1);
    expect(text).toContain('redis_operator_reconcile_total{result="error"} 4');
    expect(text).toContain('redis_operator_reconcile_total{result="success"} 2');
  });

  it('re-enqueues every instance on each resync period without any change', async () => {
    const { name: namespace, kubeConfig } = await freshNamespace();
    const client = new KubeClient(kubeConfig);
    for (const name of ['a', 'b']) await client.create(Resources.redisInstance, instance(namespace, name));
    const times = new Map<string, number[]>();
    await startController(client, namespace, async (key) => { times.set(key, [...(times.get(key) ?? []), performance.now()]); }, { resyncPeriodMs: 300 });
    const keys = [`${namespace}/a`, `${namespace}/b`];
    await waitUntil(() => keys.every((key) => (times.get(key)?.length ?? 0) >= 4), 'three resyncs of both instances');
    for (const key of keys) {
      // After the first reconcile, one per period: not more often (a hot loop), not less.
      const gaps = times.get(key)!.slice(1, 4).map((time, i) => time - times.get(key)![i]!);
      for (const gap of gaps.slice(1)) {
        expect(gap, `${key}: gaps ${gaps.map(Math.round).join(', ')} ms`).toBeGreaterThan(250);
        expect(gap, `${key}: gaps ${gaps.map(Math.round).join(', ')} ms`).toBeLessThan(600);
      }
    }
  });

  it('stops taking work on stop() but lets the reconcile in flight finish', async () => {
    const { name: namespace, kubeConfig } = await freshNamespace();
    const client = new KubeClient(kubeConfig);
    await client.create(Resources.redisInstance, instance(namespace, 'slow'));
    const held = gate();
    const started: string[] = [];
    const finished: string[] = [];
    const controller = await startController(client, namespace, async (key) => {
      started.push(key);
      await held.promise;
      finished.push(key);
    }, { maxConcurrentReconciles: 2 });
    await waitUntil(() => started.length === 1, 'the reconcile to start');

    let stopped = false;
    const stopping = controller.stop().then(() => { stopped = true; });
    expect(controller.synced).toBe(false);
    await client.create(Resources.redisInstance, instance(namespace, 'late'));
    // The stop waits for the reconcile in flight: hold it until the new instance had every
    // chance to be picked up by the free worker.
    await waitUntil(() => controller.informers[0]!.get(`${namespace}/late`) !== undefined || stopped, 'the late instance to reach the cache');
    expect(stopped).toBe(false);
    held.open();
    await stopping;
    expect(finished).toEqual([`${namespace}/slow`]);
    expect(started).toEqual([`${namespace}/slow`]);
  });
});

describe('Controller stopping at once', () => {
  it('abort() aborts the signal of the reconcile in flight and resolves without waiting for it', async () => {
    const { name: namespace, kubeConfig } = await freshNamespace();
    const client = new KubeClient(kubeConfig);
    await client.create(Resources.redisInstance, instance(namespace, 'held'));
    const held = gate();
    let signal: AbortSignal | undefined;
    let write: Promise<unknown> | undefined;
    const controller = await startController(client, namespace, async (_key, context) => {
      signal = context.signal;
      await held.promise;
      write = client.create(Resources.configMap, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after-abort', namespace } });
      await write;
    });
    await waitUntil(() => signal !== undefined, 'the reconcile to start');

    await controller.abort('leadership lost');
    expect(signal!.aborted).toBe(true);
    expect(controller.synced).toBe(false);
    // The reconcile is still held; its late write is refused by the client, not sent.
    held.open();
    await waitUntil(() => write !== undefined, 'the late write');
    await expect(write).rejects.toThrow(/POST .*configmaps cancelled: leadership lost/);
    expect(await client.get(Resources.configMap, 'after-abort', namespace)).toBeUndefined();
  });

  it('stop() stops acting once reconciles outlast its timeout', async () => {
    const { name: namespace, kubeConfig } = await freshNamespace();
    const client = new KubeClient(kubeConfig);
    await client.create(Resources.redisInstance, instance(namespace, 'endless'));
    let signal: AbortSignal | undefined;
    const controller = await startController(client, namespace, async (_key, context) => {
      signal = context.signal;
      await new Promise<void>((resolve) => context.signal.addEventListener('abort', () => resolve()));
    });
    await waitUntil(() => signal !== undefined, 'the reconcile to start');
    const stopping = controller.stop({ timeoutMs: 300 });
    expect(signal!.aborted).toBe(false);
    await stopping;
    expect(signal!.aborted).toBe(true);
  });

  it('lets every reconcile have many requests in flight without a listener-leak warning', async () => {
    const { name: namespace, kubeConfig } = await freshNamespace();
    const client = new KubeClient(kubeConfig);
    await client.create(Resources.redisInstance, instance(namespace, 'busy'));
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => { warnings.push(`${warning.name}: ${warning.message}`); };
    process.on('warning', onWarning);
    try {
      let done = false;
      // Each request in flight listens to the signal every reconcile runs under.
      await startController(client, namespace, async () => {
        await Promise.all(Array.from({ length: 24 }, (_, i) => client.get(Resources.configMap, `absent-${i}`, namespace)));
        done = true;
      }, { maxConcurrentReconciles: 2 });
      await waitUntil(() => done, 'the reconcile with its requests');
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((w) => w.startsWith('MaxListenersExceededWarning'))).toEqual([]);
  });
});
