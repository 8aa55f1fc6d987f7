import { afterEach, describe, expect, it, vi } from 'vitest';
import { ExponentialBackoff } from '../../../src/controller/backoff.js';
import { WorkQueue } from '../../../src/controller/work-queue.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('WorkQueue', () => {
  it('holds a key once however often it is added', async () => {
    const queue = new WorkQueue();
    queue.add('ns/a');
    queue.add('ns/b');
    queue.add('ns/a');
    expect(queue.length).toBe(2);
    expect(await queue.get()).toBe('ns/a');
    expect(await queue.get()).toBe('ns/b');
    expect(queue.length).toBe(0);
  });

  it('never hands out a key that is being processed, and re-queues it on done', async () => {
    const queue = new WorkQueue();
    queue.add('ns/a');
    const first = await queue.get();
    expect(first).toBe('ns/a');

    queue.add('ns/a');
    queue.add('ns/a');
    // Parked, not queued: a second worker must not get it while the first holds it.
    expect(queue.length).toBe(0);
    let second: string | undefined;
    const waiting = queue.get().then((key) => { second = key; });
    await Promise.resolve();
    expect(second).toBeUndefined();

    queue.done('ns/a');
    await waiting;
    expect(second).toBe('ns/a');
    queue.done('ns/a');
    expect(queue.length).toBe(0);
    expect(queue.inFlight).toBe(0);
  });

  it('does not re-queue a key on done when nobody added it meanwhile', async () => {
    const queue = new WorkQueue();
    queue.add('ns/a');
    await queue.get();
    queue.done('ns/a');
    expect(queue.length).toBe(0);
  });

  it('wakes a waiting get() when a key arrives', async () => {
    const queue = new WorkQueue();
    const waiting = queue.get();
    queue.add('ns/late');
    await expect(waiting).resolves.toBe('ns/late');
  });

  it('adds a key after a delay, keeping the earlier of two delays', async () => {
    vi.useFakeTimers();
    const queue = new WorkQueue();
    queue.addAfter('ns/a', 1_000);
    queue.addAfter('ns/a', 5_000);
    await vi.advanceTimersByTimeAsync(999);
    expect(queue.length).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(queue.length).toBe(1);
    await queue.get();
    queue.done('ns/a');
    await vi.advanceTimersByTimeAsync(10_000);
    // The later 5 s request was folded into the 1 s one, not added a second time.
    expect(queue.length).toBe(0);
  });

  it('replaces a pending delay with a sooner one', async () => {
    vi.useFakeTimers();
    const queue = new WorkQueue();
    queue.addAfter('ns/a', 5_000);
    queue.addAfter('ns/a', 100);
    await vi.advanceTimersByTimeAsync(100);
    expect(queue.length).toBe(1);
  });

  it('backs off per key exponentially and resets on forget', async () => {
    vi.useFakeTimers();
    const queue = new WorkQueue(new ExponentialBackoff({ baseDelayMs: 100, maxDelayMs: 1_000, jitter: 0 }));
    expect(queue.addRateLimited('ns/a')).toBe(100);
    await vi.advanceTimersByTimeAsync(100);
    expect(await queue.get()).toBe('ns/a');
    queue.done('ns/a');
    expect(queue.addRateLimited('ns/a')).toBe(200);
    await vi.advanceTimersByTimeAsync(200);
    await queue.get();
    queue.done('ns/a');
    expect(queue.addRateLimited('ns/a')).toBe(400);
    // Another key's backoff is its own.
    expect(queue.addRateLimited('ns/b')).toBe(100);
    expect(queue.numRequeues('ns/a')).toBe(3);
    queue.forget('ns/a');
    expect(queue.numRequeues('ns/a')).toBe(0);
    expect(queue.addRateLimited('ns/a')).toBe(100);
  });

  it('caps the backoff', () => {
    const backoff = new ExponentialBackoff({ jitter: 0 });
    const delays = Array.from({ length: 40 }, () => backoff.next('ns/a'));
    expect(delays.slice(0, 4)).toEqual([100, 200, 400, 800]);
    expect(Math.max(...delays)).toBe(300_000);
    expect(delays.at(-1)).toBe(300_000);
  });

  it('resolves every waiting get() with undefined on shutdown and ignores later adds', async () => {
    const queue = new WorkQueue();
    const waiting = [queue.get(), queue.get()];
    queue.shutdown();
    await expect(Promise.all(waiting)).resolves.toEqual([undefined, undefined]);
    queue.add('ns/a');
    expect(queue.length).toBe(0);
    await expect(queue.get()).resolves.toBeUndefined();
  });

  it('cancels delayed adds on shutdown', async () => {
    vi.useFakeTimers();
    const queue = new WorkQueue();
    queue.addAfter('ns/a', 100);
    queue.shutdown();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(queue.length).toBe(0);
  });

  it('shutdownWithDrain waits for keys in flight and no longer', async () => {
    const queue = new WorkQueue();
    queue.add('ns/a');
    queue.add('ns/b');
    await queue.get();
    await queue.get();
    let drained = false;
    const drain = queue.shutdownWithDrain().then(() => { drained = true; });
    queue.done('ns/a');
    await Promise.resolve();
    expect(drained).toBe(false);
    queue.done('ns/b');
    await drain;
    expect(drained).toBe(true);
  });

  it('shutdownWithDrain resolves at once when nothing is in flight', async () => {
    const queue = new WorkQueue();
    queue.add('ns/a');
    await expect(queue.shutdownWithDrain()).resolves.toBeUndefined();
  });
});
