/**
 * What an operator does once its Lease is gone: nothing. A reconcile caught mid-way (here a
 * strategy held on a gate, as a Recreate polling for the old StatefulSet would be) must not send
 * a single write afterwards, since another replica may already be acting on the same objects.
 * The proof is read back from the API server.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Resources } from '../../../src/client/resources.js';
import type { UpdateStrategy } from '../../../src/strategies/update-strategy.js';
import { freshNamespace, testKubeConfig } from '../../cluster/namespace.js';
import { pollResult, waitFor } from '../../cluster/wait.js';
import { installRedisInstanceCrd } from '../../support/crd.js';
import { gate } from '../../support/gate.js';
import { createInstance, getInstance, getStatefulSet, listEvents, patchSpec, testClient, waitForReady } from '../../support/kube.js';
import { startOperator, takeLease, type RunningOperator } from '../../support/operator.js';

const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  await installRedisInstanceCrd(testKubeConfig());
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('an operator that loses its Lease', () => {
  it('sends no write from a reconcile that was in flight when the Lease was lost', async () => {
    const { name: ns } = await freshNamespace();
    const client = testClient();
    const entered = gate();
    const held = gate();
    let afterLoss: { error?: string } | undefined;
    const annotation = 'test.redis.github.com/written-after-loss';
    const holding: UpdateStrategy = {
      name: 'Holding',
      accepts: (changes) => changes.some((change) => change.path === 'spec.replicas'),
      async execute({ client: operatorClient, live }) {
        entered.open();
        await held.promise;
        try {
          await operatorClient.patch(Resources.statefulSet, live.metadata.namespace, live.metadata.name,
            { metadata: { annotations: { [annotation]: 'yes' } } }, 'merge');
          afterLoss = {};
        } catch (error) {
          afterLoss = { error: (error as Error).message };
          throw error;
        }
        return { kind: 'applied', message: 'annotated' };
      },
    };
    const operator: RunningOperator = await startOperator({
      namespace: ns,
      strategies: [holding],
      leaderElection: { namespace: ns, name: 'redis-operator', identity: 'leader', leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 250 },
    });
    cleanups.push(async () => {
      held.open();
      await operator.crash();
      await client.patch(Resources.redisInstance, ns, 'held', { metadata: { finalizers: null } }, 'merge').catch(() => undefined);
    });
    await waitFor(async () => pollResult(operator.isLeader() || undefined), { description: 'the operator to lead', timeoutMs: 20_000 });
    await createInstance(client, ns, 'held', { replicas: 1 });
    await waitForReady(client, ns, 'held');

    await patchSpec(client, ns, 'held', { replicas: 2 });
    await entered.promise;
    await takeLease(ns, 'redis-operator', 'intruder');
    await waitFor(async () => pollResult(!operator.isLeader() || undefined), { description: 'the operator to notice the loss', timeoutMs: 10_000, intervalMs: 20 });
    const instanceAtLoss = await getInstance(client, ns, 'held');
    const statefulSetAtLoss = await getStatefulSet(client, ns, 'held');
    const eventsAtLoss = (await listEvents(client, ns, 'held')).length;

    // The reconcile goes on after the loss and tries to write.
    held.open();
    const attempt = await waitFor(async () => pollResult(afterLoss), { description: 'the held reconcile to try its write', timeoutMs: 10_000, intervalMs: 20 });
    expect(attempt.error).toMatch(/PATCH .*statefulsets\/held cancelled: leadership lost/);

    // Nothing the operator owns or reports on changed after the loss.
    await waitFor(async () => pollResult(operator.logs().some((line) => line.includes('Reconcile cancelled')) || undefined),
      { description: 'the reconcile to end', timeoutMs: 10_000, intervalMs: 20 });
    const statefulSet = await getStatefulSet(client, ns, 'held');
    expect(statefulSet?.metadata.annotations?.[annotation]).toBeUndefined();
    expect(statefulSet?.metadata.resourceVersion).toBe(statefulSetAtLoss?.metadata.resourceVersion);
    expect((await getInstance(client, ns, 'held'))?.metadata.resourceVersion).toBe(instanceAtLoss?.metadata.resourceVersion);
    expect(await listEvents(client, ns, 'held')).toHaveLength(eventsAtLoss);
    expect(statefulSet?.spec.replicas).toBe(1);
  });
});
