/**
 * Instances reconciled at once. Chosen from the benchmark (README, "Memory and scale"): each
 * reconcile waits on the API server most of its time, so more workers converge faster until the
 * API server is busy; a worker costs no memory to speak of. The manager's default and `run`'s,
 * in a module of its own so that `run --help` reads it without loading the manager.
 */
export const DEFAULT_MAX_CONCURRENT_RECONCILES = 8;
