import { describe, expect, it } from 'vitest';
import type { PodObject } from '../../../src/reconcile/instance-pods.js';
import { KWOK_NODE_ANNOTATION, realNodeDialGuard, type NodeObject } from '../../../src/reconcile/real-node-guard.js';

const NODES: Record<string, NodeObject> = {
  'real-node-0': { apiVersion: 'v1', kind: 'Node', metadata: { name: 'real-node-0' } },
  'kwok-node-0': { apiVersion: 'v1', kind: 'Node', metadata: { name: 'kwok-node-0', annotations: { [KWOK_NODE_ANNOTATION]: 'fake' } } },
};

type ContainerState = 'running' | 'terminated';

function pod(name: string, ip: string, node: string, options: { deleting?: boolean; redis?: ContainerState } = {}): PodObject {
  const state = options.redis === 'terminated' ? { terminated: { reason: 'Completed', exitCode: 0 } } : { running: {} };
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace: 'shop', ...(options.deleting ? { deletionTimestamp: '2026-12-01T10:00:00Z' } : {}) },
    spec: { nodeName: node },
    status: { podIP: ip, phase: 'Running', containerStatuses: [{ name: 'redis', state }] },
  };
}

function guard(pods: PodObject[]) {
  return realNodeDialGuard({ pods: () => pods, node: (name) => NODES[name] });
}

const at = (host: string) => ({ host, port: 6379 });

describe('realNodeDialGuard', () => {
  it('allows the pods of instances on real nodes, and nothing else', () => {
    const dial = guard([pod('cache-0', '10.222.0.5', 'real-node-0'), pod('cache-1', '10.244.0.7', 'kwok-node-0')]);
    expect(dial(at('10.222.0.5'))).toEqual({ allowed: true });
    expect(dial(at('10.244.0.7'))).toEqual({ allowed: false, reason: 'pod shop/cache-1 runs on simulated node kwok-node-0, where no Redis runs' });
    expect(dial(at('10.222.0.9'))).toEqual({ allowed: false, reason: 'no pod of a RedisInstance has this address' });
  });

  it('allows a pod being deleted while its containers still run: a primary held by its preStop hook hands over', () => {
    expect(guard([pod('cache-0', '10.222.0.5', 'real-node-0', { deleting: true })])(at('10.222.0.5'))).toEqual({ allowed: true });
  });

  it('refuses a pod being deleted whose containers have stopped: its address may be another pod\'s by now', () => {
    const dial = guard([pod('cache-0', '10.222.0.5', 'real-node-0', { deleting: true, redis: 'terminated' })]);
    expect(dial(at('10.222.0.5'))).toEqual({ allowed: false, reason: 'no pod of a RedisInstance has this address' });
  });

  it('goes by the pod not being deleted when two show the same address', () => {
    const dial = guard([pod('cache-0', '10.222.0.5', 'real-node-0', { deleting: true }), pod('other-0', '10.222.0.5', 'kwok-node-0')]);
    expect(dial(at('10.222.0.5'))).toMatchObject({ allowed: false, reason: expect.stringMatching(/other-0 runs on simulated node/) });
  });
});
