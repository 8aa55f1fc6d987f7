import { describe, expect, it } from 'vitest';
import winston from 'winston';
import { withDefaults } from '../../../src/api/defaults.js';
import type { KubeObject } from '../../../src/client/objects.js';
import { Resources } from '../../../src/client/resources.js';
import { EventRecorder } from '../../../src/observability/event-recorder.js';
import { RecreateStrategy } from '../../../src/strategies/recreate-strategy.js';
import { synthesizeInstance } from '../../../src/synth/synthesize-instance.js';
import { freshNamespace } from '../../cluster/namespace.js';
import { pollResult, waitFor } from '../../cluster/wait.js';
import {
  createInstance, getStatefulSet, patchSpec, testClient, waitForInstance, waitForReady,
} from '../../support/kube.js';
import { operatorFor } from '../../support/operator-per-test.js';

const HOLD = 'test.redis.github.com/hold';

describe('Recreate', () => {
  it('holds no worker while the old StatefulSet is being deleted: with one worker, another instance is reconciled meanwhile', async () => {
    const { name: ns } = await freshNamespace();
    const operator = await operatorFor({ namespace: ns, maxConcurrentReconciles: 1 });
    const client = testClient();
    await createInstance(client, ns, 'slow', { config: { hz: '10' } });
    await waitForReady(client, ns, 'slow');
    const old = (await getStatefulSet(client, ns, 'slow'))!;
    // A finalizer of someone else's keeps the orphaning delete from finishing until we say so.
    await client.patch(Resources.statefulSet, ns, 'slow', { metadata: { finalizers: [HOLD] } }, 'merge');

    await patchSpec(client, ns, 'slow', { config: { hz: '20' } });
    await waitFor(async () => pollResult((await getStatefulSet(client, ns, 'slow'))?.metadata.deletionTimestamp, 'not being deleted yet'), {
      description: 'the orphaning delete of the old StatefulSet', timeoutMs: 30_000, intervalMs: 100,
    });
    await createInstance(client, ns, 'other', {});
    await waitForReady(client, ns, 'other');
    // The recreate was pending all along, and no reconcile gave up waiting for it.
    expect((await getStatefulSet(client, ns, 'slow'))?.metadata).toMatchObject({ uid: old.metadata.uid, deletionTimestamp: expect.any(String) });
    expect(operator.logs().filter((line) => line.includes('Reconcile failed'))).toEqual([]);

    await client.patch(Resources.statefulSet, ns, 'slow', { metadata: { finalizers: null } }, 'merge');
    const done = await waitForInstance(client, ns, 'slow', 'recreated', (i) =>
      i.status?.phase === 'Ready' && i.status.observedGeneration === i.metadata.generation && i.status.lastUpdate?.strategy === 'Recreate');
    expect(done.status?.lastUpdate?.changes).toEqual([{ path: 'spec.config.hz', from: '10', to: '20' }]);
    const recreated = (await getStatefulSet(client, ns, 'slow'))!;
    expect(recreated.metadata.uid).not.toBe(old.metadata.uid);
    expect(recreated.metadata.deletionTimestamp).toBeUndefined();
  });

  it('does nothing when the StatefulSet it compared is already gone (404 on the orphaning delete)', async () => {
    const { name: ns } = await freshNamespace();
    const client = testClient();
    const instance = withDefaults({
      apiVersion: 'redis.github.com/v1', kind: 'RedisInstance',
      metadata: { name: 'vanished', namespace: ns, uid: '00000000-0000-0000-0000-000000000001' }, spec: { config: { hz: '20' } },
    });
    const desired = synthesizeInstance(instance).objects.find((o) => o.kind === 'StatefulSet') as KubeObject;
    const live = { ...desired, metadata: { ...desired.metadata, uid: '00000000-0000-0000-0000-000000000002', resourceVersion: '1' } };
    const logger = winston.createLogger({ silent: true });
    const outcome = await new RecreateStrategy().execute({
      instance, desired, live, client, logger, events: new EventRecorder(client, logger),
      changes: [{ kind: 'config', path: 'spec.config.hz', from: '10', to: '20' }],
    });
    expect(outcome.kind).toBe('stale');
    expect(await getStatefulSet(client, ns, 'vanished')).toBeUndefined();
  });
});
