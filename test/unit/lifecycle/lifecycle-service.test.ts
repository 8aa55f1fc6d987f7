import { describe, expect, it } from 'vitest';
import winston from 'winston';
import type { RedisInstance, RedisInstanceSpec } from '../../../src/api/redis-instance.js';
import type { KubeClient } from '../../../src/client/kube-client.js';
import type { KubeObject } from '../../../src/client/objects.js';
import type { EventRecorder } from '../../../src/observability/event-recorder.js';
import { LifecycleService } from '../../../src/lifecycle/lifecycle-service.js';

// Which requests the lifecycle service sends, in which order, and when it lets the reconciler
// run. The API server's side of finalizers (deletion waits for them) and the garbage collector's
// (owned claims go with the instance) are proven in the integration tests; a StatefulSet
// carrying the seed's legacy finalizer can only be set up here, because current API servers
// refuse to add that unqualified name (objects stored by older ones still carry it).

interface Request { method: string; path: string; body?: unknown }

function claim(name: string, ownerReferences?: KubeObject['metadata']['ownerReferences']): KubeObject {
  return { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: 'shop', resourceVersion: `rv-${name}`, ...(ownerReferences ? { ownerReferences } : {}) } };
}

function harness(options: { statefulSet?: KubeObject; claims?: KubeObject[] } = {}) {
  const requests: Request[] = [];
  const events: string[] = [];
  const client = {
    patch: async (resource: { plural: string }, namespace: string, name: string, body: unknown) => {
      requests.push({ method: 'PATCH', path: `${resource.plural}/${namespace}/${name}`, body });
      const { metadata } = body as { metadata: { finalizers?: string[] | null } };
      return { apiVersion: 'redis.github.com/v1', kind: 'RedisInstance', metadata: { name, namespace, finalizers: metadata.finalizers ?? undefined } };
    },
    list: async (resource: { plural: string }, { namespace, labelSelector }: { namespace: string; labelSelector: string }) => {
      requests.push({ method: 'LIST', path: `${resource.plural}/${namespace}?${labelSelector}` });
      return { metadata: { resourceVersion: '1' }, items: options.claims ?? [] };
    },
  } as unknown as KubeClient;
  const recorder = { record: async (_: unknown, type: string, reason: string, message: string) => { events.push(`${type} ${reason}: ${message}`); } } as unknown as EventRecorder;
  const cache = { get: () => options.statefulSet };
  const logger = winston.createLogger({ silent: true });
  return { service: new LifecycleService(client, cache, recorder, logger), requests, events };
}

const DELETE: RedisInstanceSpec = { storage: { reclaimPolicy: 'Delete' } };
const deleting = { deletionTimestamp: '2026-11-24T00:00:00Z' };

function instance(metadata: Partial<RedisInstance['metadata']> = {}, spec: RedisInstanceSpec = {}): RedisInstance {
  return { apiVersion: 'redis.github.com/v1', kind: 'RedisInstance', metadata: { name: 'cache', namespace: 'shop', uid: 'uid-1', resourceVersion: '7', ...metadata }, spec };
}

const ownerReference = { apiVersion: 'redis.github.com/v1', kind: 'RedisInstance', name: 'cache', uid: 'uid-1' };

describe('LifecycleService', () => {
  it('with reclaimPolicy Delete adds the finalizer, guarded by the resourceVersion, before the reconciler runs', async () => {
    const { service, requests } = harness();
    const applied: RedisInstance[] = [];
    await service.run(instance({}, DELETE), async (i) => { applied.push(i); return {}; });
    expect(requests).toEqual([{ method: 'PATCH', path: 'redisinstances/shop/cache', body: { metadata: { finalizers: ['redis.github.com/finalizer'], resourceVersion: '7' } } }]);
    expect(applied[0]?.metadata.finalizers).toEqual(['redis.github.com/finalizer']);
  });

  it('with reclaimPolicy Retain holds no finalizer: adds none, and removes one that is there', async () => {
    const fresh = harness();
    await fresh.service.run(instance(), async () => ({}));
    expect(fresh.requests).toEqual([]);
    const { service, requests } = harness();
    const applied: RedisInstance[] = [];
    await service.run(instance({ finalizers: ['example.com/other', 'redis.github.com/finalizer'] }), async (i) => { applied.push(i); return {}; });
    expect(requests).toEqual([{ method: 'PATCH', path: 'redisinstances/shop/cache', body: { metadata: { finalizers: ['example.com/other'], resourceVersion: '7' } } }]);
    expect(applied[0]?.metadata.finalizers).toEqual(['example.com/other']);
  });

  it('sends nothing when the finalizer is already as the spec wants it', async () => {
    const { service, requests } = harness();
    let ran = false;
    await service.run(instance({ finalizers: ['redis.github.com/finalizer'] }, DELETE), async () => { ran = true; return {}; });
    expect(requests).toEqual([]);
    expect(ran).toBe(true);
  });

  it('removes the seed\'s legacy finalizer from the StatefulSet and keeps the others', async () => {
    const sts = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'cache', namespace: 'shop', resourceVersion: '3', finalizers: ['example.com/keep', 'RedisInstanceFinalizer'] } };
    const { service, requests } = harness({ statefulSet: sts });
    await service.run(instance(), async () => ({}));
    expect(requests).toEqual([{ method: 'PATCH', path: 'statefulsets/shop/cache', body: { metadata: { finalizers: ['example.com/keep'], resourceVersion: '3' } } }]);
  });

  it('on deletion under reclaimPolicy Delete makes every claim owned by the instance first, then releases it, and never runs the reconciler', async () => {
    const sts = { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'cache', uid: 'sts-1' };
    const { service, requests, events } = harness({ claims: [claim('data-cache-0', [sts]), claim('data-cache-1'), claim('data-cache-2', [ownerReference])] });
    let ran = false;
    await service.run(instance({ finalizers: ['example.com/other', 'redis.github.com/finalizer'], ...deleting }, DELETE), async () => { ran = true; return {}; });
    expect(ran).toBe(false);
    expect(requests).toEqual([
      { method: 'LIST', path: 'persistentvolumeclaims/shop?app.kubernetes.io/name=redis,app.kubernetes.io/instance=cache,app.kubernetes.io/managed-by=redis-operator' },
      { method: 'PATCH', path: 'persistentvolumeclaims/shop/data-cache-0', body: { metadata: { ownerReferences: [sts, ownerReference], resourceVersion: 'rv-data-cache-0' } } },
      { method: 'PATCH', path: 'persistentvolumeclaims/shop/data-cache-1', body: { metadata: { ownerReferences: [ownerReference], resourceVersion: 'rv-data-cache-1' } } },
      { method: 'PATCH', path: 'redisinstances/shop/cache', body: { metadata: { finalizers: ['example.com/other'], resourceVersion: '7' } } },
    ]);
    expect(events).toEqual([expect.stringMatching(/^Normal Deleting: .*3 PersistentVolumeClaim\(s\) data-cache-0, data-cache-1, data-cache-2, each now owned by it \(storage\.reclaimPolicy: Delete\)$/)]);
  });

  it('on deletion under reclaimPolicy Retain touches no claim', async () => {
    const { service, requests, events } = harness({ claims: [claim('data-cache-0')] });
    await service.run(instance({ finalizers: ['redis.github.com/finalizer'], ...deleting }), async () => ({}));
    expect(requests).toEqual([{ method: 'PATCH', path: 'redisinstances/shop/cache', body: { metadata: { finalizers: null, resourceVersion: '7' } } }]);
    expect(events).toEqual([expect.stringMatching(/PersistentVolumeClaims data-cache-\* are kept/)]);
  });

  it('leaves a deleted instance without its finalizer alone', async () => {
    const { service, requests, events } = harness();
    await service.run(instance(deleting, DELETE), async () => ({}));
    expect(requests).toEqual([]);
    expect(events).toEqual([]);
  });
});
