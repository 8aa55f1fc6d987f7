import { describe, expect, it } from 'vitest';
import winston from 'winston';
import type { RedisInstance } from '../../../src/api/redis-instance.js';
import type { KubeClient } from '../../../src/client/kube-client.js';
import type { KubeObject } from '../../../src/client/objects.js';
import type { EventRecorder } from '../../../src/observability/event-recorder.js';
import { LifecycleService } from '../../../src/lifecycle/lifecycle-service.js';

// Which requests the lifecycle service sends, and when it lets the reconciler run. The API
// server's side of finalizers (deletion waits for them) is proven in the integration tests; a
// StatefulSet carrying the seed's legacy finalizer can only be set up here, because current API
// servers refuse to add that unqualified name (objects stored by older ones still carry it).

interface Patch { path: string; body: unknown }

function harness(statefulSet?: KubeObject) {
  const patches: Patch[] = [];
  const events: string[] = [];
  const client = {
    patch: async (resource: { plural: string }, namespace: string, name: string, body: unknown) => {
      patches.push({ path: `${resource.plural}/${namespace}/${name}`, body });
      return { apiVersion: 'redis.github.com/v1', kind: 'RedisInstance', metadata: { name, namespace, finalizers: ['redis.github.com/finalizer'] } };
    },
  } as unknown as KubeClient;
  const recorder = { record: async (_: unknown, type: string, reason: string, message: string) => { events.push(`${type} ${reason}: ${message}`); } } as unknown as EventRecorder;
  const cache = { get: () => statefulSet };
  const logger = winston.createLogger({ silent: true });
  return { service: new LifecycleService(client, cache, recorder, logger), patches, events };
}

function instance(metadata: Partial<RedisInstance['metadata']> = {}, spec: RedisInstance['spec'] = {}): RedisInstance {
  return { apiVersion: 'redis.github.com/v1', kind: 'RedisInstance', metadata: { name: 'cache', namespace: 'shop', resourceVersion: '7', ...metadata }, spec };
}

describe('LifecycleService', () => {
  it('adds the finalizer, guarded by the resourceVersion, before the reconciler runs', async () => {
    const { service, patches } = harness();
    const applied: RedisInstance[] = [];
    await service.run(instance(), async (i) => { applied.push(i); return {}; });
    expect(patches).toEqual([{ path: 'redisinstances/shop/cache', body: { metadata: { finalizers: ['redis.github.com/finalizer'], resourceVersion: '7' } } }]);
    expect(applied[0]?.metadata.finalizers).toEqual(['redis.github.com/finalizer']);
  });

  it('sends nothing when the finalizer is already there', async () => {
    const { service, patches } = harness();
    let ran = false;
    await service.run(instance({ finalizers: ['redis.github.com/finalizer'] }), async () => { ran = true; return {}; });
    expect(patches).toEqual([]);
    expect(ran).toBe(true);
  });

  it('removes the seed\'s legacy finalizer from the StatefulSet and keeps the others', async () => {
    const sts = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'cache', namespace: 'shop', resourceVersion: '3', finalizers: ['example.com/keep', 'RedisInstanceFinalizer'] } };
    const { service, patches } = harness(sts);
    await service.run(instance({ finalizers: ['redis.github.com/finalizer'] }), async () => ({}));
    expect(patches).toEqual([{ path: 'statefulsets/shop/cache', body: { metadata: { finalizers: ['example.com/keep'], resourceVersion: '3' } } }]);
  });

  it('on deletion runs cleanup, then releases the instance, and never runs the reconciler', async () => {
    const { service, patches, events } = harness();
    let ran = false;
    await service.run(instance({ finalizers: ['example.com/other', 'redis.github.com/finalizer'], deletionTimestamp: '2026-11-24T00:00:00Z' }), async () => { ran = true; return {}; });
    expect(ran).toBe(false);
    expect(patches).toEqual([{ path: 'redisinstances/shop/cache', body: { metadata: { finalizers: ['example.com/other'], resourceVersion: '7' } } }]);
    expect(events).toEqual([expect.stringMatching(/^Normal Deleting: .*PersistentVolumeClaims data-cache-\* are kept$/)]);
  });

  it('says when claims go with the instance because the spec asked for it', async () => {
    const { service, events } = harness();
    await service.run(instance({ finalizers: ['redis.github.com/finalizer'], deletionTimestamp: '2026-11-24T00:00:00Z' }, { storage: { reclaimPolicy: 'Delete' } }), async () => ({}));
    expect(events[0]).toMatch(/deleted with the StatefulSet \(storage\.reclaimPolicy: Delete\)/);
  });

  it('leaves a deleted instance without its finalizer alone', async () => {
    const { service, patches, events } = harness();
    await service.run(instance({ deletionTimestamp: '2026-11-24T00:00:00Z' }), async () => ({}));
    expect(patches).toEqual([]);
    expect(events).toEqual([]);
  });
});
