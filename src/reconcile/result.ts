/** What a reconcile asks of the controller: nothing (wait for the next event) or a later look. */
export interface ReconcileResult {
  readonly requeueAfterMs?: number;
}
