/**
 * Polling with a deadline: the only way tests and the control plane's start-up wait for
 * something. A bare sleep either wastes time or flakes; this returns as soon as the condition
 * holds and, when it never does, fails with what was being waited for and the last thing seen.
 */

export interface WaitOptions {
  /** What is being waited for, as the end of "timed out waiting for ...". */
  readonly description: string;
  /** @default 60_000 */
  readonly timeoutMs?: number;
  /** @default 200 */
  readonly intervalMs?: number;
}

export class WaitTimeoutError extends Error {
  constructor(
    readonly description: string,
    readonly timeoutMs: number,
    readonly lastObservation: string | undefined,
  ) {
    super(
      `timed out after ${timeoutMs} ms waiting for ${description}` +
        (lastObservation === undefined ? '' : ` (last seen: ${lastObservation})`),
    );
    this.name = 'WaitTimeoutError';
  }
}

/**
 * The outcome of one poll. Returning `{ done: false, observation }` records what was seen, so a
 * timeout can say why the condition never held.
 */
export type Poll<T> = { readonly done: true; readonly value: T } | { readonly done: false; readonly observation?: string };

/**
 * Calls `poll` until it reports done, or throws WaitTimeoutError at the deadline. An exception
 * thrown by `poll` counts as "not yet" (the API server may still be starting, an object may not
 * exist yet); its message becomes the last observation.
 */
export async function waitFor<T>(poll: () => Promise<Poll<T>>, options: WaitOptions): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const intervalMs = options.intervalMs ?? 200;
  const deadline = Date.now() + timeoutMs;
  let lastObservation: string | undefined;
  for (;;) {
    try {
      const result = await poll();
      if (result.done) return result.value;
      lastObservation = result.observation ?? lastObservation;
    } catch (error) {
      lastObservation = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() >= deadline) throw new WaitTimeoutError(options.description, timeoutMs, lastObservation);
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, Math.max(0, deadline - Date.now()))));
  }
}

/** Shorthand for a poll that holds when `value` is defined and not false. */
export function pollResult<T>(value: T | undefined | false, observation?: string): Poll<T> {
  if (value === undefined || value === false) return observation === undefined ? { done: false } : { done: false, observation };
  return { done: true, value };
}
