/**
 * The controller's work queue, in the manner of client-go's rate-limited work queue.
 *
 * Three rules carry the controller's correctness, and this class exists to enforce them:
 * - a key waiting in the queue is held once, however many events name it (reconciles are
 *   level-based: one pass sees every change that happened before it started);
 * - a key is never handed out twice at once: a key added while a worker holds it is parked and
 *   queued again when that worker calls `done(key)`, so the change that arrived mid-reconcile is
 *   not lost and two reconciles of one instance never race;
 * - failures back off per key, so one broken instance retrying does not starve the others.
 */
import { ExponentialBackoff } from './backoff.js';

interface PendingDelay {
  readonly at: number;
  readonly timer: NodeJS.Timeout;
}

export class WorkQueue {
  /** Keys ready to hand out, in arrival order. */
  private readonly queue: string[] = [];
  /** Keys that need processing: queued, or parked until their current holder is done. */
  private readonly dirty = new Set<string>();
  /** Keys handed out by get() and not yet done(). */
  private readonly processing = new Set<string>();
  private readonly delayed = new Map<string, PendingDelay>();
  private readonly waiters: Array<(key: string | undefined) => void> = [];
  private drainWaiters: Array<() => void> = [];
  private shuttingDown = false;

  constructor(private readonly backoff: ExponentialBackoff = new ExponentialBackoff()) {}

  /** Keys ready to be handed out (the queue depth metric). */
  get length(): number {
    return this.queue.length;
  }

  /** Keys currently held by workers. */
  get inFlight(): number {
    return this.processing.size;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    // Parked: done(key) queues it again once the current holder lets go.
    if (this.processing.has(key)) return;
    this.handOutOrQueue(key);
  }

  /**
   * Adds `key` after `delayMs`. A key already waiting keeps the earlier of the two times, so a
   * long requeue never postpones a retry that is due sooner.
   */
  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const at = performance.now() + delayMs;
    const pending = this.delayed.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, delayMs);
    // A pending retry must not keep the process alive on its own.
    timer.unref();
    this.delayed.set(key, { at, timer });
  }

  /** Adds `key` after its next backoff delay; returns that delay. */
  addRateLimited(key: string): number {
    const delayMs = this.backoff.next(key);
    this.addAfter(key, delayMs);
    return delayMs;
  }

  /** Resets `key`'s backoff: call it when the key was processed successfully. */
  forget(key: string): void {
    this.backoff.forget(key);
  }

  /** How many times `key` has been retried since it was last forgotten. */
  numRequeues(key: string): number {
    return this.backoff.failuresOf(key);
  }

  /**
   * The next key to process, waiting until there is one; undefined once the queue is shut down
   * (keys still queued then are not handed out: the process is stopping, the next leader or the
   * next start picks them up from its own initial list).
   */
  get(): Promise<string | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    const key = this.queue.shift();
    if (key !== undefined) return Promise.resolve(this.take(key));
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks `key` processed; if it was added meanwhile, it is queued again now. */
  done(key: string): void {
    if (!this.processing.delete(key)) return;
    if (this.dirty.has(key) && !this.shuttingDown) this.handOutOrQueue(key);
    if (this.processing.size === 0) this.resolveDrain();
  }

  /** Stops handing out keys: every pending and future get() resolves undefined. */
  shutdown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    for (const { timer } of this.delayed.values()) clearTimeout(timer);
    this.delayed.clear();
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
    if (this.processing.size === 0) this.resolveDrain();
  }

  /** Shuts down, then resolves once every key handed out has been marked done. */
  shutdownWithDrain(): Promise<void> {
    this.shutdown();
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private handOutOrQueue(key: string): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter(this.take(key));
    else this.queue.push(key);
  }

  private take(key: string): string {
    this.dirty.delete(key);
    this.processing.add(key);
    return key;
  }

  private resolveDrain(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
