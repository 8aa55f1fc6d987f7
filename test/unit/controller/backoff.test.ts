import { describe, expect, it } from 'vitest';
import { ExponentialBackoff } from '../../../src/controller/backoff.js';

function delays(backoff: ExponentialBackoff, count: number, key?: string): number[] {
  return Array.from({ length: count }, () => backoff.next(key));
}

describe('ExponentialBackoff', () => {
  it('doubles from the base to the cap', () => {
    expect(delays(new ExponentialBackoff({ baseDelayMs: 500, maxDelayMs: 30_000, jitter: 0 }), 9))
      .toEqual([500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('takes up to the jitter fraction off each delay, never adding to it', () => {
    const longest = delays(new ExponentialBackoff({ baseDelayMs: 100, maxDelayMs: 1_000, jitter: 0.2, random: () => 0 }), 6);
    const shortest = delays(new ExponentialBackoff({ baseDelayMs: 100, maxDelayMs: 1_000, jitter: 0.2, random: () => 0.999_999 }), 6);
    expect(longest).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    expect(shortest).toEqual([80, 160, 320, 640, 800, 800]);
  });

  it('spreads clients that fail together, and still grows for each of them', () => {
    const sequences = Array.from({ length: 20 }, () => delays(new ExponentialBackoff({ baseDelayMs: 100, maxDelayMs: 100_000 }), 8));
    // Twenty clients failing in step do not retry in step.
    expect(new Set(sequences.map((sequence) => sequence[3])).size).toBeGreaterThan(5);
    for (const sequence of sequences) {
      for (let i = 1; i < sequence.length; i++) expect(sequence[i]!).toBeGreaterThanOrEqual(sequence[i - 1]!);
      expect(sequence[0]!).toBeGreaterThanOrEqual(80);
    }
  });

  it('keeps keys apart and starts a key again from the base once forgotten', () => {
    const backoff = new ExponentialBackoff({ baseDelayMs: 10, jitter: 0 });
    expect(delays(backoff, 3, 'ns/a')).toEqual([10, 20, 40]);
    expect(backoff.next('ns/b')).toBe(10);
    expect(backoff.failuresOf('ns/a')).toBe(3);
    backoff.forget('ns/a');
    expect(backoff.failuresOf('ns/a')).toBe(0);
    expect(backoff.next('ns/a')).toBe(10);
  });
});
