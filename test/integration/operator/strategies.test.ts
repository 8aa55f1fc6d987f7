import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import winston from 'winston';
import { withDefaults } from '../../../src/api/defaults.js';
import { Resources } from '../../../src/client/resources.js';
import { EventRecorder } from '../../../src/observability/event-recorder.js';
import type { Change } from '../../../src/reconcile/change-set.js';
import { RecreateStrategy } from '../../../src/strategies/recreate-strategy.js';
import { RollingStrategy } from '../../../src/strategies/rolling-strategy.js';
import type { StrategyContext } from '../../../src/strategies/update-strategy.js';
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
    const { context, lines } = strategyContext(ns, 'vanished', [config]);
    const live = { ...context.desired, metadata: { ...context.desired.metadata, uid: '00000000-0000-0000-0000-000000000002', resourceVersion: '1' } };
    const outcome = await new RecreateStrategy().execute({ ...context, live });
    expect(outcome.kind).toBe('stale');
    expect(await getStatefulSet(testClient(), ns, 'vanished')).toBeUndefined();
    expect(lines.filter((l) => l.includes('StatefulSet restart required'))).toEqual([]);
  });

  it('claims no restart when its guarded delete is refused (another StatefulSet of that name)', async () => {
    const { name: ns } = await freshNamespace();
    const { context, lines } = strategyContext(ns, 'newer', [config]);
    const stored = await testClient().apply(Resources.statefulSet, context.desired);
    const live = { ...stored, metadata: { ...stored.metadata, uid: '00000000-0000-0000-0000-000000000003' } };
    const error = await new RecreateStrategy().execute({ ...context, live }).then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ status: 409 });
    expect((await getStatefulSet(testClient(), ns, 'newer'))?.metadata.uid).toBe(stored.metadata.uid);
    expect(lines).toEqual([]);
  });
});

describe('Rolling', () => {
  it('claims no update when its write is refused as stale (409)', async () => {
    const { name: ns } = await freshNamespace();
    const { context, lines } = strategyContext(ns, 'stale', [{ kind: 'image', path: 'spec.image', from: 'redis:7.0', to: 'redis:7.2' }]);
    const stored = await testClient().apply(Resources.statefulSet, context.desired);
    await testClient().patch(Resources.statefulSet, ns, 'stale', { metadata: { annotations: { touched: 'yes' } } }, 'merge');
    const error = await new RollingStrategy().execute({ ...context, live: stored }).then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ status: 409 });
    expect(lines).toEqual([]);

    // The StatefulSet controller writes its status meanwhile: a conflict counts as "not yet",
    // and each refused attempt must log nothing either.
    await waitFor(async () => {
      const fresh = (await getStatefulSet(testClient(), ns, 'stale'))!;
      return pollResult(await new RollingStrategy().execute({ ...context, live: fresh }));
    }, { description: 'a rolling write with a fresh resourceVersion', timeoutMs: 30_000, intervalMs: 100 });
    expect(lines.map((l) => (JSON.parse(l) as { message: string }).message)).toEqual([
      'StatefulSet spec needs update, performing rolling update', 'Image change detected',
    ]);
  });
});

const config: Change = { kind: 'config', path: 'spec.config.hz', from: '10', to: '20' };

/** A strategy's context against the real API server, for an instance that need not exist, with
 * every log line kept. */
function strategyContext(namespace: string, name: string, changes: Change[]): { context: StrategyContext; lines: string[] } {
  const client = testClient();
  const instance = withDefaults({
    apiVersion: 'redis.github.com/v1', kind: 'RedisInstance',
    metadata: { name, namespace, uid: '00000000-0000-0000-0000-000000000001' }, spec: { config: { hz: '20' } },
  });
  const desired = synthesizeInstance(instance).objects.find((o) => o.kind === 'StatefulSet')!;
  const lines: string[] = [];
  const sink = new Writable({ write(chunk: Buffer, _encoding, callback) { lines.push(...chunk.toString().split('\n').filter(Boolean)); callback(); } });
  const logger = winston.createLogger({ format: winston.format.json(), transports: [new winston.transports.Stream({ stream: sink })] });
  return { context: { instance, desired, live: desired, changes, client, logger, events: new EventRecorder(client, logger) }, lines };
}
