/**
 * What a reconcile function returns and throws, in the manner of controller-runtime's
 * `reconcile.Result` and `reconcile.TerminalError`.
 *
 * Reconciles are level-based: the function gets only a key and reads the current state itself
 * (from the informers' stores); it never trusts the event that woke it, because events are
 * folded together in the queue and some (a relist's) carry no detail at all.
 */

export interface Result {
  /**
   * Reconcile this key again after this long, even if nothing changes (e.g. to poll a rollout).
   * The key's error backoff is reset. Leave it out when the next event is enough.
   */
  readonly requeueAfterMs?: number;
  /**
   * Reconcile this key again after its next backoff delay, as after a failure, but without
   * reporting one: for an expected refusal such as a 409 Conflict (the cache is behind), where
   * coming back at a fixed pace would meet the same refusal over and over for as long as it
   * lasts. The backoff is reset only by a later reconcile that ends without asking this.
   */
  readonly retryWithBackoff?: boolean;
}

/** What the controller hands every reconcile besides its key. */
export interface ReconcileContext {
  /**
   * Aborts when the controller must stop acting at once (leadership lost, or a stop that ran out
   * of time). Every Kubernetes request the reconcile makes through a KubeClient already honours
   * it: requests in flight are cut and no further one is sent. Check it in any wait of your own.
   */
  readonly signal: AbortSignal;
}

/** `(key, context) => Result`: key is `namespace/name` of the primary object. */
export type ReconcileFunction = (key: string, context: ReconcileContext) => Promise<Result | void>;

/**
 * An error no retry can fix (an invalid spec that needs a person): the controller logs it and
 * does not requeue the key. Any other error is retried with per-key exponential backoff.
 */
export class TerminalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TerminalError';
  }
}
