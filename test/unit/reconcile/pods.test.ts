import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../src/client/objects.js';
import { podReadiness, podState } from '../../../src/reconcile/pods.js';

describe('podReadiness', () => {
  const pod = (status: Record<string, unknown>, metadata: Record<string, unknown> = {}): KubeObject =>
    ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'cache-1', ...metadata }, status });
  it.each([
    ['a missing pod', undefined, 'not created yet'],
    ['an unschedulable pod', pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes are available: 1 Insufficient memory.' }] }),
      'Pending (Unschedulable: 0/1 nodes are available: 1 Insufficient memory.)'],
    ['an image that is not there', pod({ phase: 'Pending', containerStatuses: [{ name: 'redis', ready: false, state: { waiting: { reason: 'ErrImageNeverPull', message: 'Container image "redis:9" is not present with pull policy of Never' } } }] }),
      'ErrImageNeverPull (Container image "redis:9" is not present with pull policy of Never)'],
    ['a pull that backs off', pod({ phase: 'Pending', containerStatuses: [{ name: 'redis', state: { waiting: { reason: 'ImagePullBackOff' } } }] }), 'ImagePullBackOff'],
    ['a running container that is not ready', pod({ phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }], containerStatuses: [{ name: 'redis', ready: false, restartCount: 2, state: { running: {} }, lastState: { terminated: { reason: 'OOMKilled', exitCode: 137 } } }] }),
      'running, not ready (restarted 2 times, last exit OOMKilled code 137)'],
    ['a terminating pod', pod({ phase: 'Running' }, { deletionTimestamp: '2026-11-24T10:00:00Z' }), 'terminating'],
    ['a failed pod', pod({ phase: 'Failed', reason: 'Evicted' }), 'Failed (Evicted)'],
  ] as const)('names %s', (_, object, why) => {
    expect(podReadiness('cache-1', object).notReady).toBe(why);
  });

  it('is ready only with the Ready condition True', () => {
    expect(podReadiness('cache-1', pod({ phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] })).notReady).toBeUndefined();
  });
});

describe('podState, the pod cache\'s transform', () => {
  it('keeps what status and the replication step read and drops the rest of the spec, other annotations and termination messages', () => {
    const trimmed = podState({
      apiVersion: 'v1', kind: 'Pod',
      metadata: {
        name: 'cache-0', namespace: 'shop', resourceVersion: '7', labels: { 'controller-revision-hash': 'r1', 'redis.github.com/role': 'primary' },
        annotations: { big: 'x', 'redis.github.com/live-config-hash': 'h1' }, managedFields: [],
      },
      spec: { nodeName: 'node-a', containers: [{ name: 'redis', image: 'redis:7.2', env: [{ name: 'REDIS_PASSWORD', valueFrom: {} }] }] },
      status: {
        phase: 'Running', podIP: '10.0.0.1',
        conditions: [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [redis]', lastProbeTime: null, lastTransitionTime: '2026-11-24T10:00:00Z' }],
        containerStatuses: [{ name: 'redis', ready: false, restartCount: 1, image: 'redis:7.2', state: { running: { startedAt: 'now' } }, lastState: { terminated: { exitCode: 1, reason: 'Error', message: 'last log lines' } } }],
      },
    });
    expect(trimmed).toEqual({
      apiVersion: 'v1', kind: 'Pod',
      metadata: {
        name: 'cache-0', namespace: 'shop', resourceVersion: '7', labels: { 'controller-revision-hash': 'r1', 'redis.github.com/role': 'primary' },
        annotations: { 'redis.github.com/live-config-hash': 'h1' },
      },
      spec: { nodeName: 'node-a' },
      status: {
        podIP: '10.0.0.1',
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [redis]', lastTransitionTime: '2026-11-24T10:00:00Z' }],
        containerStatuses: [{ name: 'redis', ready: false, restartCount: 1, state: { running: {} }, lastState: { terminated: { exitCode: 1, reason: 'Error' } } }],
      },
    });
    expect(podReadiness('cache-0', trimmed).notReady).toBe('running, not ready (restarted 1 times, last exit Error code 1)');
  });
});
