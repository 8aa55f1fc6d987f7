import { describe, expect, it } from 'vitest';
import { retryAfterMs } from '../../../src/client/kube-client.js';
import { RateLimitWaitAbortedError, TokenBucketRateLimiter } from '../../../src/client/rate-limiter.js';

/** A limiter on a clock the test moves by hand. */
function limiter(qps: number, burst: number) {
  let now = 0;
  const bucket = new TokenBucketRateLimiter({ qps, burst, now: () => now });
  return { bucket, advance: (ms: number) => { now += ms; } };
}

describe('TokenBucketRateLimiter', () => {
  it('lets a burst go at once, then spaces requests at 1/qps, each waiting behind the one before', () => {
    const { bucket } = limiter(10, 3);
    expect(Array.from({ length: 6 }, () => bucket.reserve())).toEqual([0, 0, 0, 100, 200, 300]);
  });

  it('refills at qps while idle, never above the burst', () => {
    const { bucket, advance } = limiter(10, 3);
    for (let i = 0; i < 3; i++) bucket.reserve();
    advance(150);
    expect([bucket.reserve(), bucket.reserve()]).toEqual([0, 50]);
    advance(60_000);
    expect(Array.from({ length: 4 }, () => bucket.reserve())).toEqual([0, 0, 0, 100]);
  });

  it('defaults the burst to the qps rounded up, at least one', () => {
    expect(new TokenBucketRateLimiter({ qps: 2.5 }).burst).toBe(3);
    expect(new TokenBucketRateLimiter({ qps: 0.2 }).burst).toBe(1);
    expect(() => new TokenBucketRateLimiter({ qps: 0 })).toThrow(RangeError);
  });

  it('a wait cut short by its signal sends nothing and gives its token back to those behind it', async () => {
    const { bucket } = limiter(1, 1);
    bucket.reserve();
    const abort = new AbortController();
    const waiting = bucket.acquire(abort.signal);
    abort.abort(new Error('lost the Lease'));
    await expect(waiting).rejects.toThrow(RateLimitWaitAbortedError);
    await expect(waiting).rejects.toThrow(/lost the Lease/);
    // The next request waits one interval, not two.
    expect(bucket.reserve()).toBe(1000);
  });
});

describe('Retry-After', () => {
  it.each([
    [429, '2', 2_000],
    [429, undefined, undefined],
    [503, '1', 1_000],
    [500, undefined, undefined],
    [409, '1', undefined],
    [200, '1', undefined],
    [429, 'Wed, 21 Oct 2015 07:28:00 GMT', undefined],
    [429, '3600', undefined],
  ] as const)('status %s with Retry-After %s waits %s ms before sending again', (status, retryAfter, expected) => {
    expect(retryAfterMs({ status, body: '', ...(retryAfter !== undefined ? { retryAfter } : {}) })).toBe(expected);
  });
});
