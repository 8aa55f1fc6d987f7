import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../src/client/objects.js';
import type { PodReadiness } from '../../../src/reconcile/pods.js';
import { computeStatus, jsonEqual, mergePatch, untilProgressDeadline, type StatusInput } from '../../../src/reconcile/status.js';
import type { ReplicationReport } from '../../../src/reconcile/replication-reconciler.js';

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

  it('counts a rollout done once every pod is at updateRevision, although under OnDelete currentRevision never moves on', () => {
    const onDelete = { observedGeneration: 2, replicas: 3, readyReplicas: 3, updatedReplicas: 3, currentRevision: 'r1', updateRevision: 'r2' };
    expect(computeStatus({ generation: 4, name: 'cache', desiredReplicas: 3, statefulSet: sts(onDelete), previous: undefined, now: t0 }).phase).toBe('Ready');
    const halfway = { ...onDelete, updatedReplicas: 2 };
    expect(computeStatus({ generation: 4, name: 'cache', desiredReplicas: 3, statefulSet: sts(halfway), previous: undefined, now: t0 }).phase).toBe('Creating');
  });

  it('reports the primary, each pod, Writable and ReplicasInSync from what Redis showed, and keeps the record when Redis was not looked at', () => {
    const replication: ReplicationReport = {
      primary: 'cache-1', primaryUID: 'uid-1',
      lastFailover: { time: t0.toISOString(), from: 'cache-0', to: 'cache-1', reason: 'pod cache-0 does not exist' },
      pods: [{ name: 'cache-0', role: 'replica', ready: true, link: 'down' }, { name: 'cache-1', role: 'primary', ready: true }],
      writable: { status: 'True', reason: 'PrimaryWritable', message: 'pod cache-1 is the primary and takes writes' },
      replicasInSync: { status: 'False', reason: 'ReplicasNotInSync', message: 'cache-0: link-down' },
    };
    const seen = computeStatus({ generation: 4, name: 'cache', desiredReplicas: 2, statefulSet: sts(rolledOut), previous: undefined, replication, now: t0 });
    expect(seen).toMatchObject({ primary: 'cache-1', primaryUID: 'uid-1', lastFailover: replication.lastFailover, pods: replication.pods });
    expect(seen.conditions?.slice(3).map((c) => `${c.type}=${c.status}/${c.reason}`)).toEqual(['Writable=True/PrimaryWritable', 'ReplicasInSync=False/ReplicasNotInSync']);
    // A refused spec: nothing asked of Redis, nothing of the record lost.
    const refused = computeStatus({
      generation: 5, name: 'cache', desiredReplicas: 2, statefulSet: sts(rolledOut), previous: seen, degraded: { reason: 'InvalidSpec', message: 'x' }, now: t1,
    });
    expect(refused).toMatchObject({ primary: 'cache-1', primaryUID: 'uid-1', lastFailover: replication.lastFailover, pods: replication.pods });
    expect(refused.conditions?.filter((c) => c.type === 'Writable' || c.type === 'ReplicasInSync')).toEqual(seen.conditions?.slice(3));
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

  describe('the progress deadline', () => {
    const ready = (name: string): PodReadiness => ({ name });
    const crashing = (name: string): PodReadiness => ({ name, notReady: 'CrashLoopBackOff (back-off 10s restarting failed container=redis)' });
    const base = { generation: 4, name: 'cache', desiredReplicas: 3, progressDeadlineSeconds: 60 } as const;
    const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
    const allReady = computeStatus({ ...base, statefulSet: sts(rolledOut), pods: ['cache-0', 'cache-1', 'cache-2'].map(ready), previous: undefined, now: t0 });
    const broken = { ...rolledOut, readyReplicas: 1 };
    const brokenPods = [ready('cache-0'), crashing('cache-1'), crashing('cache-2')];
    const step = (previous: StatusInput['previous'], seconds: number, extra: Partial<StatusInput> = {}) =>
      computeStatus({ ...base, statefulSet: sts(broken), pods: brokenPods, previous, now: at(seconds), ...extra });

    it('counts from when a Ready instance stopped being ready, and past it says so in Progressing and Degraded', () => {
      expect(allReady.lastProgressTime).toBeUndefined();
      const notReady = step(allReady, 10);
      expect(notReady).toMatchObject({ phase: 'Updating', lastProgressTime: at(10).toISOString() });
      expect(notReady.conditions?.map((c) => `${c.type}=${c.status}/${c.reason}`)).toEqual(['Ready=False/ReplicasNotReady', 'Progressing=True/WaitingForReplicas', 'Degraded=False/AsExpected']);
      expect(untilProgressDeadline(notReady, 60, at(10))).toBe(60_000);

      const before = step(notReady, 69);
      expect(before.phase).toBe('Updating');
      expect(untilProgressDeadline(before, 60, at(69))).toBe(1_000);
      const past = step(before, 70);
      expect(past.phase).toBe('Degraded');
      expect(past.conditions?.map((c) => `${c.type}=${c.status}/${c.reason}`)).toEqual(['Ready=False/ReplicasNotReady', 'Progressing=False/ProgressDeadlineExceeded', 'Degraded=True/ProgressDeadlineExceeded']);
      expect(past.conditions?.find((c) => c.type === 'Degraded')?.message).toBe('no progress for 60 s (spec.progressDeadlineSeconds) with 1/3 pods ready: '
        + 'cache-1: CrashLoopBackOff (back-off 10s restarting failed container=redis); cache-2: CrashLoopBackOff (back-off 10s restarting failed container=redis)');
      expect(untilProgressDeadline(past, 60, at(70))).toBeUndefined();
      // At rest past the deadline: the same status again, so nothing is written.
      expect(jsonEqual(step(past, 500), past)).toBe(true);
    });

    it('starts the clock again on progress: a pod turning ready, a change carried out, a new generation', () => {
      const notReady = step(allReady, 10);
      const onePodBack = step(notReady, 50, { statefulSet: sts({ ...broken, readyReplicas: 2 }), pods: [ready('cache-0'), ready('cache-1'), crashing('cache-2')] });
      expect(onePodBack.lastProgressTime).toBe(at(50).toISOString());
      expect(step(notReady, 50, { lastUpdate: { strategy: 'Rolling', changes: [] } }).lastProgressTime).toBe(at(50).toISOString());
      expect(step(notReady, 50, { generation: 5 }).lastProgressTime).toBe(at(50).toISOString());
      expect(step(notReady, 50).lastProgressTime).toBe(at(10).toISOString());
    });

    it('is never Ready while a pod is not, whatever the StatefulSet\'s counts say, and drops the clock once Ready', () => {
      const lagging = computeStatus({ ...base, statefulSet: sts(rolledOut), pods: [ready('cache-0'), ready('cache-1'), crashing('cache-2')], previous: allReady, now: at(5) });
      expect(lagging.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', message: expect.stringContaining('cache-2: CrashLoopBackOff') });
      const back = computeStatus({ ...base, statefulSet: sts(rolledOut), pods: ['cache-0', 'cache-1', 'cache-2'].map(ready), previous: lagging, now: at(6) });
      expect(back.phase).toBe('Ready');
      expect(back.lastProgressTime).toBeUndefined();
      expect(mergePatch(back, lagging)).toMatchObject({ lastProgressTime: null });
    });

  });
});
