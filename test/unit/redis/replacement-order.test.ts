import { describe, expect, it } from 'vitest';
import { nextReplacementStep, replacementOrder, type ReplacementOptions } from '../../../src/redis/replacement-order.js';
import type { PodReplicationState } from '../../../src/redis/replica-choice.js';
import { podState, primaryInfo, replicaInfo } from '../../support/replication-states.js';

const OPTIONS: ReplacementOptions = { primary: 'cache-0', replicas: 3, syncBound: 0 };

/** Three pods on the old revision, primary at ordinal 0, all in sync. */
function outdatedInstance(): PodReplicationState[] {
  return [
    podState(0, primaryInfo(100), { outdated: true }),
    podState(1, replicaInfo(0, 100), { outdated: true }),
    podState(2, replicaInfo(0, 100), { outdated: true }),
  ];
}

function withPod(pods: PodReplicationState[], pod: PodReplicationState): PodReplicationState[] {
  return pods.map((p) => (p.ordinal === pod.ordinal ? pod : p));
}

describe('nextReplacementStep', () => {
  it('replaces replicas first, from the highest ordinal', () => {
    expect(nextReplacementStep(outdatedInstance(), OPTIONS)).toEqual({ kind: 'replace-replica', pod: 'cache-2' });
  });

  it('waits while a pod is being replaced, and while a deleted pod is not back', () => {
    const deleting = withPod(outdatedInstance(), podState(2, replicaInfo(0, 100), { outdated: true, terminating: true }));
    expect(nextReplacementStep(deleting, OPTIONS)).toEqual({ kind: 'wait', reason: 'terminating', pod: 'cache-2' });
    const gone = outdatedInstance().filter((p) => p.ordinal !== 2);
    expect(nextReplacementStep(gone, OPTIONS)).toEqual({ kind: 'wait', reason: 'pod-missing', ordinal: 2 });
  });

  it('waits until a replaced replica is Ready, linked and caught up before the next', () => {
    const base = outdatedInstance();
    expect(nextReplacementStep(withPod(base, podState(2, undefined, { ready: false })), OPTIONS)).toEqual({ kind: 'wait', reason: 'not-ready', pod: 'cache-2' });
    expect(nextReplacementStep(withPod(base, podState(2, replicaInfo(0, 0, { linkUp: false }))), OPTIONS)).toEqual({ kind: 'wait', reason: 'replica-not-in-sync', pod: 'cache-2' });
    expect(nextReplacementStep(withPod(base, podState(2, replicaInfo(0, 60))), OPTIONS)).toEqual({ kind: 'wait', reason: 'replica-not-in-sync', pod: 'cache-2' });
    expect(nextReplacementStep(withPod(base, podState(2, replicaInfo(0, 60))), { ...OPTIONS, syncBound: 40 })).toEqual({ kind: 'replace-replica', pod: 'cache-1' });
  });

  it('hands the primary over to an updated replica once every replica is replaced', () => {
    const pods = [podState(0, primaryInfo(100), { outdated: true }), podState(1, replicaInfo(0, 100)), podState(2, replicaInfo(0, 100))];
    const step = nextReplacementStep(pods, OPTIONS);
    expect(step.kind).toBe('hand-over');
    expect(step.kind === 'hand-over' && [step.from, step.to.name]).toEqual(['cache-0', 'cache-1']);
  });

  it('points a replica left chained to the old primary by FAILOVER at the new one', () => {
    const chained = [podState(0, replicaInfo(1, 100), { outdated: true }), podState(1, primaryInfo(100)), podState(2, replicaInfo(0, 100))];
    expect(nextReplacementStep(chained, { ...OPTIONS, primary: 'cache-1' })).toEqual({ kind: 'follow-primary', pod: 'cache-2', reason: 'follows-another-node' });
  });

  it('makes a pod that came back as a second primary follow the recorded one', () => {
    const twoPrimaries = withPod(outdatedInstance(), podState(2, primaryInfo(0)));
    expect(nextReplacementStep(twoPrimaries, OPTIONS)).toEqual({ kind: 'follow-primary', pod: 'cache-2', reason: 'second-primary' });
  });

  it('replaces the old primary as a replica after the hand-over, and is done after that', () => {
    const handedOver = [podState(0, replicaInfo(1, 100), { outdated: true }), podState(1, primaryInfo(100)), podState(2, replicaInfo(1, 100))];
    expect(nextReplacementStep(handedOver, { ...OPTIONS, primary: 'cache-1' })).toEqual({ kind: 'replace-replica', pod: 'cache-0' });
    const replaced = [podState(0, replicaInfo(1, 100)), podState(1, primaryInfo(100)), podState(2, replicaInfo(1, 100))];
    expect(nextReplacementStep(replaced, { ...OPTIONS, primary: 'cache-1' })).toEqual({ kind: 'done' });
  });

  it('says a single pod can only be replaced with an outage', () => {
    expect(nextReplacementStep([podState(0, primaryInfo(0), { outdated: true })], { ...OPTIONS, replicas: 1 })).toEqual({
      kind: 'replace-primary-with-outage',
      pod: 'cache-0',
    });
  });

  it('waits when the recorded primary does not answer as a primary: that is for failover', () => {
    expect(nextReplacementStep(withPod(outdatedInstance(), podState(0, undefined, { outdated: true })), OPTIONS)).toEqual({
      kind: 'wait', reason: 'primary-unavailable', pod: 'cache-0',
    });
    expect(nextReplacementStep(withPod(outdatedInstance(), podState(0, replicaInfo(1, 100), { outdated: true })), OPTIONS).kind).toBe('wait');
  });

  it('waits, saying why, when no replica can take over', () => {
    const pods = [podState(0, primaryInfo(100), { outdated: true }), podState(1, replicaInfo(0, 100, { priority: 0 })), podState(2, replicaInfo(0, 100, { priority: 0 }))];
    expect(nextReplacementStep(pods, OPTIONS)).toEqual({
      kind: 'wait',
      reason: 'no-replica-can-take-over',
      excluded: [{ pod: 'cache-1', reason: 'never-promote' }, { pod: 'cache-2', reason: 'never-promote' }],
    });
  });

  it('walks a whole rolling replacement in the order the design promises', () => {
    let pods = outdatedInstance();
    let primary = 'cache-0';
    const actions: string[] = [];
    for (let round = 0; round < 10; round++) {
      const step = nextReplacementStep(pods, { ...OPTIONS, primary });
      if (step.kind === 'done') break;
      if (step.kind === 'replace-replica') {
        actions.push(`replace ${step.pod}`);
        const ordinal = Number(step.pod.split('-')[1]);
        pods = withPod(pods, podState(ordinal, replicaInfo(Number(primary.split('-')[1]), 100)));
      } else if (step.kind === 'hand-over') {
        actions.push(`hand over ${step.from} -> ${step.to.name}`);
        const from = Number(step.from.split('-')[1]);
        const to = step.to.ordinal;
        // As Redis does: the old primary follows the new one, the other replicas stay chained.
        pods = pods.map((p) => {
          if (p.ordinal === to) return podState(to, primaryInfo(100));
          if (p.ordinal === from) return podState(from, replicaInfo(to, 100), { outdated: p.outdated });
          return p;
        });
        primary = step.to.name;
      } else if (step.kind === 'follow-primary') {
        actions.push(`point ${step.pod} at ${primary}`);
        const ordinal = Number(step.pod.split('-')[1]);
        pods = withPod(pods, podState(ordinal, replicaInfo(Number(primary.split('-')[1]), 100), { outdated: pods.find((p) => p.ordinal === ordinal)!.outdated }));
      } else {
        throw new Error(`unexpected ${JSON.stringify(step)}`);
      }
    }
    expect(actions).toEqual(['replace cache-2', 'replace cache-1', 'hand over cache-0 -> cache-1', 'point cache-2 at cache-1', 'replace cache-0']);
  });
});

describe('replacementOrder', () => {
  it('lists outdated replicas from the highest ordinal, then the primary with its hand-over', () => {
    expect(replacementOrder(outdatedInstance(), 'cache-0')).toEqual({ replicas: ['cache-2', 'cache-1'], primary: { pod: 'cache-0', handOver: true } });
    expect(replacementOrder(outdatedInstance(), 'cache-1')).toEqual({ replicas: ['cache-2', 'cache-0'], primary: { pod: 'cache-1', handOver: true } });
  });

  it('leaves out pods already current, and says a lone primary has no hand-over', () => {
    expect(replacementOrder([podState(0, undefined, { outdated: true })], 'cache-0')).toEqual({ replicas: [], primary: { pod: 'cache-0', handOver: false } });
    expect(replacementOrder([podState(0, undefined), podState(1, undefined, { outdated: true })], 'cache-0')).toEqual({ replicas: ['cache-1'] });
  });
});
