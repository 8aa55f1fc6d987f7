/**
 * Client-side rate limiting as client-go's (`--kube-api-qps`, `--kube-api-burst`): a token bucket
 * that holds up to `burst` tokens and refills at `qps` per second; every request takes one, and
 * waits for it when the bucket is empty. A burst of work (a resync after a restart, a thousand
 * instances created at once) therefore reaches the API server at no more than `qps` requests per
 * second on average, whatever the number of workers, and a reconcile stuck in a loop cannot flood
 * it.
 *
 * Waiters are served in arrival order: each takes a reservation on a future token, so no request
 * can be overtaken indefinitely.
 */

export interface RateLimiterOptions {
  /** Sustained requests per second. */
  readonly qps: number;
  /** Requests that may go at once after a quiet period. @default max(1, ceil(qps)) */
  readonly burst?: number;
  /** A monotonic clock in milliseconds. @default performance.now */
  readonly now?: () => number;
}

/** A wait for a token cut short by the request's signal (the request is not sent). */
export class RateLimitWaitAbortedError extends Error {
  constructor(reason: unknown) {
    super(`waiting for the client-side rate limit was cancelled: ${reason instanceof Error ? reason.message : String(reason ?? 'aborted')}`);
    this.name = 'RateLimitWaitAbortedError';
  }
}

export class TokenBucketRateLimiter {
  readonly qps: number;
  readonly burst: number;
  private readonly now: () => number;
  /** Tokens in the bucket at `updatedAt`; negative when later requests have reserved tokens to come. */
  private tokens: number;
  private updatedAt: number;

  constructor(options: RateLimiterOptions) {
    if (!(options.qps > 0) || !Number.isFinite(options.qps)) throw new RangeError(`qps must be a positive number, got ${options.qps}`);
    this.qps = options.qps;
    this.burst = Math.max(1, Math.floor(options.burst ?? Math.ceil(options.qps)));
    this.now = options.now ?? (() => performance.now());
    this.tokens = this.burst;
    this.updatedAt = this.now();
  }

  /**
   * Takes a token and returns how long the caller must wait before using it (0: at once). The
   * token is the caller's from then on; `giveBack` returns it when the request is not sent.
   */
  reserve(): number {
    this.refill();
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.qps) * 1000;
  }

  /** Returns a reserved token that will not be used (its request was cancelled while waiting). */
  giveBack(): void {
    this.refill();
    this.tokens = Math.min(this.burst, this.tokens + 1);
  }

  /** Waits for a token; rejects with RateLimitWaitAbortedError (token given back) if `signal` aborts first. */
  async acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw new RateLimitWaitAbortedError(signal.reason);
    const delayMs = this.reserve();
    if (delayMs <= 0) return;
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        clearTimeout(timer);
        this.giveBack();
        reject(new RateLimitWaitAbortedError(signal?.reason));
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, delayMs);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.updatedAt) / 1000) * this.qps);
    this.updatedAt = now;
  }
}
