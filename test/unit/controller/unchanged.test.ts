import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../src/client/objects.js';
import { Resources } from '../../../src/client/resources.js';
import { cacheTransformOf } from '../../../src/manager/cache-transforms.js';
import { unchangedButVersion } from '../../../src/controller/unchanged.js';

const pod = (resourceVersion: string, extra: { ready?: boolean; heartbeat?: string; labels?: Record<string, string>; manager?: string } = {}): KubeObject => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name: 'cache-0', namespace: 'ns', resourceVersion, labels: extra.labels ?? { role: 'primary' }, managedFields: [{ manager: extra.manager ?? 'kubelet' }] },
  spec: { nodeName: 'node-a', containers: [{ name: 'redis', image: 'redis:7.2' }] },
  status: {
    podIP: '10.0.0.5',
    conditions: [{ type: 'Ready', status: extra.ready === false ? 'False' : 'True', lastProbeTime: extra.heartbeat ?? 't0' }],
  },
} as unknown as KubeObject);

describe('unchangedButVersion', () => {
  it('holds for a new resourceVersion alone', () => {
    expect(unchangedButVersion(pod('1'), pod('2'))).toBe(true);
  });

  it('fails for a change in labels, spec or status as given', () => {
    expect(unchangedButVersion(pod('1'), pod('2', { labels: { role: 'replica' } }))).toBe(false);
    expect(unchangedButVersion(pod('1'), pod('2', { ready: false }))).toBe(false);
    expect(unchangedButVersion(pod('1'), pod('2', { heartbeat: 't1' }))).toBe(false);
    expect(unchangedButVersion(pod('1'), { ...pod('2'), metadata: { ...pod('2').metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } })).toBe(false);
  });

  it('holds, once the caches keep a pod, for what the caches do not keep (managedFields, a probe time)', () => {
    const transform = cacheTransformOf(Resources.pod);
    expect(unchangedButVersion(transform(pod('1')), transform(pod('2', { heartbeat: 't1', manager: 'kwok' })))).toBe(true);
    expect(unchangedButVersion(transform(pod('1')), transform(pod('2', { ready: false })))).toBe(false);
  });

  const statefulSetCacheTransform = cacheTransformOf(Resources.statefulSet);

  it('holds, once the caches keep a StatefulSet, for a status field nobody reads, and fails for one the status reads', () => {
    const sts = (resourceVersion: string, status: Record<string, unknown>): KubeObject => ({
      apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'cache', namespace: 'ns', resourceVersion, generation: 1 },
      spec: { replicas: 1 }, status: { observedGeneration: 1, readyReplicas: 0, ...status },
    } as unknown as KubeObject);
    expect(unchangedButVersion(statefulSetCacheTransform(sts('1', {})), statefulSetCacheTransform(sts('2', { collisionCount: 0 })))).toBe(true);
    expect(unchangedButVersion(statefulSetCacheTransform(sts('1', {})), statefulSetCacheTransform(sts('2', { readyReplicas: 1 })))).toBe(false);
  });
});
