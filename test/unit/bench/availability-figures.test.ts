import { describe, expect, it } from 'vitest';
import { gapTimeline, longestWriteGap, lostWrites, podRestarts, type PodSighting } from '../../../bench/availability-figures.js';

describe('gapTimeline', () => {
  it('folds runs of the same event inside the gap, times from its start', () => {
    const events = [
      { at: 90, what: 'timeout' }, { at: 100, what: 'READONLY' }, { at: 105, what: 'READONLY' },
      { at: 2_100, what: 'timeout' }, { at: 2_150, what: 'connected' }, { at: 2_160, what: 'timeout' }, { at: 2_300, what: 'timeout' },
    ];
    expect(gapTimeline(events, 100, 2_200)).toBe('+0 ms READONLY x2, +2000 ms timeout, +2050 ms connected, +2060 ms timeout');
  });

  it('is empty when nothing happened in the gap', () => {
    expect(gapTimeline([{ at: 5, what: 'connected' }], 10, 20)).toBe('');
  });
});

describe('longestWriteGap', () => {
  it('is the widest distance between consecutive acknowledgements', () => {
    expect(longestWriteGap([105, 110, 115, 900, 905], 100, 910)).toEqual({ ms: 785, from: 115, to: 900 });
  });

  it('counts the stretch from the start to the first acknowledgement', () => {
    expect(longestWriteGap([600, 605], 0, 610)).toEqual({ ms: 600, from: 0, to: 600 });
  });

  it('counts the stretch from the last acknowledgement to the end, when writes never came back', () => {
    expect(longestWriteGap([5, 10], 0, 4_000)).toEqual({ ms: 3_990, from: 10, to: 4_000 });
  });

  it('is the whole window when nothing was acknowledged, and ignores acknowledgements outside it', () => {
    expect(longestWriteGap([], 50, 250)).toEqual({ ms: 200, from: 50, to: 250 });
    expect(longestWriteGap([10, 20, 300], 50, 250)).toEqual({ ms: 200, from: 50, to: 250 });
  });

  it('does not depend on the order the acknowledgements were recorded in', () => {
    expect(longestWriteGap([900, 110, 105, 115], 100, 905)).toEqual({ ms: 785, from: 115, to: 900 });
  });

  it('refuses a window that ends before it starts', () => {
    expect(() => longestWriteGap([], 10, 5)).toThrow(RangeError);
  });
});

describe('lostWrites', () => {
  const acknowledged = [
    { key: 'w:1', value: '1' }, { key: 'w:2', value: '2' }, { key: 'w:3', value: '3' }, { key: 'w:4', value: '4' },
  ];

  it('names the acknowledged keys that are missing or hold another value', () => {
    expect(lostWrites(acknowledged, ['1', null, '3', 'stale'])).toEqual(['w:2', 'w:4']);
  });

  it('finds nothing lost when every value reads back', () => {
    expect(lostWrites(acknowledged, ['1', '2', '3', '4'])).toEqual([]);
  });

  it('refuses a read-back that does not match the writes one for one', () => {
    expect(() => lostWrites(acknowledged, ['1', '2'])).toThrow(RangeError);
  });
});

describe('podRestarts', () => {
  const pod = (name: string, uid: string, restartCount = 0): PodSighting => ({ name, uid, restartCount });
  const three = [pod('r-0', 'a'), pod('r-1', 'b'), pod('r-2', 'c')];

  it('counts each pod replaced under the same name, as a rolling update does', () => {
    const after = [pod('r-0', 'a2'), pod('r-1', 'b2'), pod('r-2', 'c2')];
    expect(podRestarts(three, [...three, ...after], after)).toEqual({ recreated: 3, restartedInPlace: 0, added: 0, removed: 0, total: 3 });
  });

  it('counts a pod replaced twice during the change twice, though only the last one is left', () => {
    const during = [pod('r-2', 'c2'), pod('r-2', 'c3')];
    const after = [pod('r-0', 'a'), pod('r-1', 'b'), pod('r-2', 'c3')];
    expect(podRestarts(three, during, after).recreated).toBe(2);
  });

  it('counts container restarts of a pod that kept its UID by their restartCount delta', () => {
    const before = [pod('r-0', 'a', 2), pod('r-1', 'b'), pod('r-2', 'c')];
    const after = [pod('r-0', 'a', 3), pod('r-1', 'b', 1), pod('r-2', 'c')];
    expect(podRestarts(before, after, after)).toEqual({ recreated: 0, restartedInPlace: 2, added: 0, removed: 0, total: 2 });
  });

  it('keeps restarts seen during the change for a pod that was deleted before the end', () => {
    const during = [pod('r-0', 'a', 1)];
    const after = [pod('r-0', 'a2'), pod('r-1', 'b'), pod('r-2', 'c')];
    expect(podRestarts(three, during, after)).toEqual({ recreated: 1, restartedInPlace: 1, added: 0, removed: 0, total: 2 });
  });

  it('does not count new names (scaling up) or vanished names (scaling down) as restarts', () => {
    const five = [...three, pod('r-3', 'd'), pod('r-4', 'e')];
    expect(podRestarts(three, five, five)).toEqual({ recreated: 0, restartedInPlace: 0, added: 2, removed: 0, total: 0 });
    expect(podRestarts(five, five, three)).toEqual({ recreated: 0, restartedInPlace: 0, added: 0, removed: 2, total: 0 });
  });

  it('counts a new name whose first pod was replaced again as one addition and one recreation', () => {
    const after = [...three, pod('r-3', 'd2')];
    expect(podRestarts(three, [pod('r-3', 'd'), pod('r-3', 'd2')], after)).toEqual({ recreated: 1, restartedInPlace: 0, added: 1, removed: 0, total: 1 });
  });
});
