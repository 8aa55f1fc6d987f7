import { describe, expect, it } from 'vitest';
import { chooseTakeOverTarget, replicaInSync, replicaSync, type TakeOverOptions } from '../../../src/redis/replica-choice.js';
import { podAddress, podState, primaryInfo, replicaInfo } from '../../support/replication-states.js';

const HAND_OVER: TakeOverOptions = { purpose: 'hand-over', primary: { name: 'cache-0', address: podAddress(0), offset: 1000 }, syncBound: 100 };
const FAILOVER: TakeOverOptions = { purpose: 'failover', primary: { name: 'cache-0', address: podAddress(0), offset: undefined }, syncBound: 100 };

function chosen(choice: ReturnType<typeof chooseTakeOverTarget>): string | undefined {
  return choice.kind === 'chosen' ? choice.pod.name : undefined;
}

describe('replicaInSync', () => {
  it('holds within the bound and fails beyond it', () => {
    expect(replicaInSync(1000, 1000, 0)).toBe(true);
    expect(replicaInSync(1000, 900, 100)).toBe(true);
    expect(replicaInSync(1000, 899, 100)).toBe(false);
  });

  it('holds when the replica was read after it moved past the primary\'s offset', () => {
    expect(replicaInSync(1000, 1010, 0)).toBe(true);
  });

  it('never holds for a replica that has no offset yet', () => {
    expect(replicaInSync(0, -1, 10)).toBe(false);
  });

  it('treats a negative bound as zero', () => {
    expect(replicaInSync(1000, 999, -5)).toBe(false);
  });
});

describe('replicaSync', () => {
  const primary = podAddress(0);
  it('says why a replica is not in sync', () => {
    expect(replicaSync(undefined, primary, 10, 0)).toEqual({ kind: 'not-in-sync', reason: 'unreachable' });
    expect(replicaSync(primaryInfo(10), primary, 10, 0)).toEqual({ kind: 'not-in-sync', reason: 'not-a-replica' });
    expect(replicaSync(replicaInfo(2, 10), primary, 10, 0)).toEqual({ kind: 'not-in-sync', reason: 'follows-another-primary' });
    expect(replicaSync(replicaInfo(0, 10, { linkUp: false }), primary, 10, 0)).toEqual({ kind: 'not-in-sync', reason: 'link-down' });
    expect(replicaSync(replicaInfo(0, 10, { syncInProgress: true }), primary, 10, 0)).toEqual({ kind: 'not-in-sync', reason: 'loading' });
    expect(replicaSync(replicaInfo(0, 4), primary, 10, 5)).toEqual({ kind: 'not-in-sync', reason: 'behind', behindBytes: 6 });
    expect(replicaSync(replicaInfo(0, 5), primary, 10, 5)).toEqual({ kind: 'in-sync' });
  });
});

describe('chooseTakeOverTarget', () => {
  it('hands over to the most advanced linked replica', () => {
    const pods = [podState(0, primaryInfo(1000)), podState(1, replicaInfo(0, 950)), podState(2, replicaInfo(0, 990))];
    expect(chosen(chooseTakeOverTarget(pods, HAND_OVER))).toBe('cache-2');
  });

  it('breaks ties by the lowest ordinal, whatever order the pods come in', () => {
    const pods = [podState(3, replicaInfo(0, 1000)), podState(0, primaryInfo(1000)), podState(1, replicaInfo(0, 1000)), podState(2, replicaInfo(0, 1000))];
    expect(chosen(chooseTakeOverTarget(pods, HAND_OVER))).toBe('cache-1');
    expect(chosen(chooseTakeOverTarget([...pods].reverse(), HAND_OVER))).toBe('cache-1');
  });

  it('never picks a replica whose pod is being replaced, even the most advanced', () => {
    const pods = [podState(0, primaryInfo(1000)), podState(1, replicaInfo(0, 950)), podState(2, replicaInfo(0, 1000), { terminating: true })];
    const choice = chooseTakeOverTarget(pods, HAND_OVER);
    expect(chosen(choice)).toBe('cache-1');
    expect(choice.excluded).toEqual([{ pod: 'cache-2', reason: 'terminating' }]);
    expect(chosen(chooseTakeOverTarget(pods, FAILOVER))).toBe('cache-1');
  });

  it('hands over only to a replica that already runs the new revision', () => {
    const pods = [podState(0, primaryInfo(1000)), podState(1, replicaInfo(0, 1000), { outdated: true }), podState(2, replicaInfo(0, 980))];
    expect(chosen(chooseTakeOverTarget(pods, HAND_OVER))).toBe('cache-2');
  });

  it('passes over pods that are not Ready, unreachable, loading, linked elsewhere or marked never to promote', () => {
    const pods = [
      podState(0, primaryInfo(1000)),
      podState(1, replicaInfo(0, 1000), { ready: false }),
      podState(2, undefined),
      podState(3, replicaInfo(0, 1000, { syncInProgress: true })),
      podState(4, replicaInfo(5, 1000)),
      podState(5, replicaInfo(0, 1000, { priority: 0 })),
      podState(6, replicaInfo(0, 1000, { linkUp: false })),
      podState(7, replicaInfo(0, 800)),
      podState(8, replicaInfo(0, 1000), { address: undefined }),
    ];
    expect(chooseTakeOverTarget(pods, HAND_OVER)).toEqual({
      kind: 'none',
      excluded: [
        { pod: 'cache-1', reason: 'not-ready' },
        { pod: 'cache-2', reason: 'unreachable' },
        { pod: 'cache-3', reason: 'loading' },
        { pod: 'cache-4', reason: 'follows-another-primary' },
        { pod: 'cache-5', reason: 'never-promote' },
        { pod: 'cache-6', reason: 'link-down' },
        { pod: 'cache-7', reason: 'behind' },
        { pod: 'cache-8', reason: 'no-address' },
      ],
    });
  });

  it('fails over to the replica with the most of the lost primary\'s stream, links down', () => {
    const pods = [
      podState(0, undefined, { ready: false }),
      podState(1, replicaInfo(0, 700, { linkUp: false })),
      podState(2, replicaInfo(0, 900, { linkUp: false })),
      podState(3, replicaInfo(0, 800, { linkUp: false })),
    ];
    const choice = chooseTakeOverTarget(pods, FAILOVER);
    expect(choice).toMatchObject({ kind: 'chosen', offset: 900 });
    expect(chosen(choice)).toBe('cache-2');
  });

  it('fails over to an outdated replica when it has more of the stream, and prefers an updated one among equals', () => {
    const ahead = [podState(1, replicaInfo(0, 900, { linkUp: false }), { outdated: true }), podState(2, replicaInfo(0, 800, { linkUp: false }))];
    expect(chosen(chooseTakeOverTarget(ahead, FAILOVER))).toBe('cache-1');
    const equal = [podState(1, replicaInfo(0, 900, { linkUp: false }), { outdated: true }), podState(2, replicaInfo(0, 900, { linkUp: false }))];
    expect(chosen(chooseTakeOverTarget(equal, FAILOVER))).toBe('cache-2');
  });

  it('does not compare offsets with a replica of another primary when failing over', () => {
    const pods = [podState(1, replicaInfo(0, 500, { linkUp: false })), podState(2, replicaInfo(3, 9000))];
    expect(chosen(chooseTakeOverTarget(pods, FAILOVER))).toBe('cache-1');
  });

  it('cannot hand over without the primary\'s offset', () => {
    const pods = [podState(1, replicaInfo(0, 1000))];
    const choice = chooseTakeOverTarget(pods, { ...HAND_OVER, primary: { ...HAND_OVER.primary, offset: undefined } });
    expect(choice).toEqual({ kind: 'none', excluded: [{ pod: 'cache-1', reason: 'no-offset' }] });
  });
});
