/**
 * A cancellation signal that follows a piece of work through every `await`, so that the
 * KubeClient can refuse the work's writes once it is cancelled without each strategy, the
 * lifecycle service and the event recorder having to pass a signal along by hand.
 *
 * The controller runs every reconcile inside `runWithSignal(stopActing, ...)`: when the Lease is
 * lost the signal aborts, requests in flight are cut, and no further write leaves the process,
 * however deep in a strategy the reconcile was (a Recreate polling for the old StatefulSet to go,
 * a custom strategy waiting on something). Code outside any such scope is unaffected.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const scope = new AsyncLocalStorage<AbortSignal>();

/** Runs `work` with `signal` as the signal of every Kubernetes request it makes. */
export function runWithSignal<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> {
  const outer = scope.getStore();
  return scope.run(outer ? AbortSignal.any([outer, signal]) : signal, work);
}

/** The signal of the work running now, if any. */
export function currentSignal(): AbortSignal | undefined {
  return scope.getStore();
}

/** A request refused, or cut in flight, because the work it belonged to was cancelled. */
export class RequestCancelledError extends Error {
  constructor(readonly method: string, readonly path: string, reason: unknown) {
    super(`${method} ${path} cancelled: ${describeReason(reason)}`);
    this.name = 'RequestCancelledError';
  }
}

function describeReason(reason: unknown): string {
  if (reason instanceof Error) return reason.message;
  return typeof reason === 'string' ? reason : 'cancelled';
}
