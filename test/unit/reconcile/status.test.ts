import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../src/client/objects.js';
import { computeStatus, jsonEqual } from '../../../src/reconcile/status.js';

function sts(status: Record<string, unknown>, generation = 2): KubeObject {
  return { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'cache', generation }, status };
}

const rolledOut = { observedGeneration: 2, replicas: 3, readyReplicas: 3, updatedReplicas: 3, currentRevision: 'r2', updateRevision: 'r2' };
const rolling = { observedGeneration: 2, replicas: 3, readyReplicas: 2, updatedReplicas: 1, currentRevision: 'r1', updateRevision: 'r2' };
const t0 = new Date('2026-11-24T10:00:00Z');
const t1 = new Date('2026-11-24T10:05:00Z');

describe('computeStatus', () => {
  it('is Ready when the rollout is complete and every replica is ready', () => {
    const status = computeStatus({ generation: 4, name: 'cache', desiredReplicas: 3, statefulSet: sts(rolledOut), previous: undefined, now: t0 });
    expect(status.phase).toBe('Ready');
    expect(status.observedGeneration).toBe(4);
    expect(status.readyReplicas).toBe(3);
    expect(status.selector).toBe('app.kubernetes.io/name=redis,app.kubernetes.io/instance=cache,app.kubernetes.io/managed-by=redis-operator');
    expect(status.conditions?.map((c) => `${c.type}=${c.status}`)).toEqual(['Ready=True', 'Progressing=False', 'Degraded=False']);
  });

  it('is Updating while a rollout is in progress after an update', () => {
    const status = computeStatus({
      generation: 5, name: 'cache', desiredReplicas: 3, statefulSet: sts(rolling), previous: undefined,
      lastUpdate: { strategy: 'Rolling', changes: [{ path: 'spec.image', from: 'redis:6.2', to: 'redis:7.0' }] }, now: t0,
    });
    expect(status.phase).toBe('Updating');
    expect(status.lastUpdate).toEqual({ strategy: 'Rolling', changes: [{ path: 'spec.image', from: 'redis:6.2', to: 'redis:7.0' }], time: t0.toISOString() });
    expect(status.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({ status: 'True', reason: 'RollingUpdate' });
  });

  it('is Updating, not Ready, while the StatefulSet is being deleted to be recreated, with its pods still counted', () => {
    const deleting = { ...sts(rolledOut), metadata: { name: 'cache', generation: 2, deletionTimestamp: '2026-11-24T10:00:00Z' } };
    const previous = computeStatus({ generation: 4, name: 'cache', desiredReplicas: 3, statefulSet: sts(rolledOut), previous: undefined, now: t0 });
    const status = computeStatus({
      generation: 5, name: 'cache', desiredReplicas: 3, statefulSet: deleting, previous,
      lastUpdate: { strategy: 'Recreate', changes: [{ path: 'spec.config.hz', from: '10', to: '20' }] }, now: t1,
    });
    expect(status.phase).toBe('Updating');
    expect(status.readyReplicas).toBe(3);
    expect(status.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({ status: 'True', reason: 'RecreateUpdate' });
  });

  it('is Degraded with the reason when the operator refuses to act', () => {
    const status = computeStatus({
      generation: 1, name: 'cache', desiredReplicas: 3, statefulSet: sts(rolledOut), previous: undefined,
      degraded: { reason: 'VolumeExpansionNotAllowed', message: 'class does not allow expansion' }, now: t0,
    });
    expect(status.phase).toBe('Degraded');
    expect(status.conditions?.find((c) => c.type === 'Degraded')).toMatchObject({ status: 'True', reason: 'VolumeExpansionNotAllowed' });
  });

  it('computes exactly the stored status again when nothing changed, later times included', () => {
    const first = computeStatus({ generation: 4, name: 'cache', desiredReplicas: 3, statefulSet: sts(rolledOut), previous: undefined, now: t0 });
    const again = computeStatus({ generation: 4, name: 'cache', desiredReplicas: 3, statefulSet: sts(rolledOut), previous: first, now: t1 });
    expect(jsonEqual(again, first)).toBe(true);
  });

  it('moves lastTransitionTime only for conditions whose status flips', () => {
    const first = computeStatus({ generation: 4, name: 'cache', desiredReplicas: 3, statefulSet: sts(rolledOut), previous: undefined, now: t0 });
    const next = computeStatus({ generation: 5, name: 'cache', desiredReplicas: 3, statefulSet: sts(rolling), previous: first, now: t1 });
    const time = (s: typeof first, type: string) => s.conditions?.find((c) => c.type === type)?.lastTransitionTime;
    expect(time(next, 'Ready')).toBe(t1.toISOString());
    expect(time(next, 'Degraded')).toBe(t0.toISOString());
  });
});
