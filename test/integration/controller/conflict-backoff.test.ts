/**
 * A write conflict that does not go away (the cache stays behind the API server) must be
 * retried with the instance's backoff, not at a fixed pace: the conflicts the API server answers
 * are counted and their spacing must grow.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import winston from 'winston';
import { KubeClient, type WatchOptions } from '../../../src/client/kube-client.js';
import type { KubeObject, WatchEvent } from '../../../src/client/objects.js';
import { Resources, type ResourceType } from '../../../src/client/resources.js';
import { OperatorManager } from '../../../src/manager/operator-manager.js';
import { freshNamespace, testKubeConfig } from '../../cluster/namespace.js';
import { pollResult, waitFor } from '../../cluster/wait.js';
import { installRedisInstanceCrd } from '../../support/crd.js';
import { createInstance, getStatefulSet, testClient } from '../../support/kube.js';

const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  await installRedisInstanceCrd(testKubeConfig());
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A client whose RedisInstance watches deliver nothing: the instance cache keeps its first list. */
class LaggingClient extends KubeClient {
  override watch<T extends KubeObject>(resource: ResourceType, options: WatchOptions, onEvent: (event: WatchEvent<T>) => void): Promise<void> {
    return super.watch<T>(resource, options, resource.plural === Resources.redisInstance.plural ? () => undefined : onEvent);
  }
}

describe('a persistent write conflict', () => {
  it('is retried with growing delays, not at a fixed pace', async () => {
    const { name: ns, kubeConfig } = await freshNamespace();
    const client = testClient();
    // Listed once as created; every later change (the operator's own finalizer and status
    // writes first) is invisible to it, so each reconcile writes with a stale resourceVersion.
    await createInstance(client, ns, 'stale', { replicas: 1 });
    const lagging = new LaggingClient(kubeConfig);
    const conflicts: number[] = [];
    lagging.onRequest((_method, status) => { if (status === 409) conflicts.push(performance.now()); });
    const manager = new OperatorManager({
      client: lagging,
      logger: winston.createLogger({ silent: true }),
      namespace: ns,
      backoff: { baseDelayMs: 2, maxDelayMs: 60_000 },
    });
    cleanups.push(async () => {
      await manager.stop();
      await client.patch(Resources.redisInstance, ns, 'stale', { metadata: { finalizers: null } }, 'merge').catch(() => undefined);
    });
    await manager.start();

    // Once the StatefulSet is at rest nothing but the retries wakes the instance.
    await waitFor(async () => pollResult((await getStatefulSet(client, ns, 'stale'))?.status?.readyReplicas === 1 || undefined),
      { description: 'the StatefulSet to be ready', timeoutMs: 30_000 });
    const from = conflicts.length;
    await waitFor(async () => pollResult(conflicts.length - from >= 4 || undefined, `${conflicts.length - from} conflicts`),
      { description: 'four more conflicts', timeoutMs: 60_000, intervalMs: 50 });
    const times = conflicts.slice(from, from + 4);
    const gaps = times.slice(1).map((time, i) => time - times[i]!);
    // Each delay is twice the last, less up to 20 % jitter, so the third is at least 3.2 times
    // the first. Each gap also holds the reconcile's own requests, which a loaded machine
    // stretches by tens of milliseconds in either gap: at least twice the first is asked. A
    // fixed pace keeps the gaps equal; a hot loop keeps them at a reconcile's length.
    expect(gaps[2]!, `gaps ${gaps.map(Math.round).join(', ')} ms`).toBeGreaterThan(2 * gaps[0]!);
    expect(gaps[1]!, `gaps ${gaps.map(Math.round).join(', ')} ms`).toBeGreaterThan(gaps[0]! * 0.9);
  });
});
