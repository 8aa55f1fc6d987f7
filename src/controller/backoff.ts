/**
 * The one exponential backoff of the controller runtime: the work queue's per-key retries and
 * the informer's relists both use it.
 *
 * Delays double from `baseDelayMs` up to `maxDelayMs` and each is shortened by a random part of
 * up to `jitter` of itself, so that many clients failing together (every informer and every
 * operator replica when the API server restarts) do not come back in step. The jitter only ever
 * shortens a delay: the cap holds, and with `jitter` at most 0.5 each delay still is at least as
 * long as the one before.
 */

export interface BackoffOptions {
  /** Delay after the first failure. @default 100 */
  readonly baseDelayMs?: number;
  /** Longest delay, however many failures. @default 300_000 (5 minutes) */
  readonly maxDelayMs?: number;
  /** Up to this fraction of each delay is taken off at random, in [0, 0.5]. @default 0.2 */
  readonly jitter?: number;
  /** Source of randomness in [0, 1). @default Math.random */
  readonly random?: () => number;
}

export class ExponentialBackoff {
  private readonly failures = new Map<string, number>();
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly jitter: number;
  private readonly random: () => number;

  constructor(options: BackoffOptions = {}) {
    this.baseDelayMs = options.baseDelayMs ?? 100;
    this.maxDelayMs = options.maxDelayMs ?? 300_000;
    this.jitter = Math.min(0.5, Math.max(0, options.jitter ?? 0.2));
    this.random = options.random ?? Math.random;
  }

  /** The delay before the next retry of `key`, counting this failure. */
  next(key = ''): number {
    const failures = this.failures.get(key) ?? 0;
    this.failures.set(key, failures + 1);
    // 2^failures overflows to Infinity long after the cap is hit; min() keeps it finite.
    const delay = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** failures);
    return Math.round(delay * (1 - this.jitter * this.random()));
  }

  /** Failures of `key` since it was last forgotten. */
  failuresOf(key = ''): number {
    return this.failures.get(key) ?? 0;
  }

  /** Starts `key` again from the base delay: call it after a success. */
  forget(key = ''): void {
    this.failures.delete(key);
  }
}
