/**
 * What a reconcile asks of the controller: nothing (wait for the next event), a later look, or
 * a retry with the key's backoff (see the controller's Result).
 */
export interface ReconcileResult {
  readonly requeueAfterMs?: number;
  readonly retryWithBackoff?: boolean;
}
