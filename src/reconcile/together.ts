/**
 * Waits for all of `work`, sent at once, then throws the first failure. Never for less: the
 * queue hands the instance to its next reconcile as soon as this one returns, and a write of
 * this one still in flight would race that reconcile's.
 */
export async function together<T extends unknown[]>(...work: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const outcomes = await Promise.allSettled(work);
  const failed = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failed) throw failed.reason;
  return outcomes.map((outcome) => (outcome as PromiseFulfilledResult<unknown>).value) as T;
}
