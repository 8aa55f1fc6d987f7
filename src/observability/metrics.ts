/**
 * The operator's Prometheus metrics, on a registry of its own: nothing is registered on
 * prom-client's global registry, so two operators in one process (tests) never collide and a
 * test reads exactly what one instance recorded.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** How one reconcile ended: `requeue` when it succeeded and asked to come back later. */
export type ReconcileResultLabel = 'success' | 'error' | 'requeue';

/** What the controller reports (Metrics implements it; tests may pass their own). */
export interface ReconcileMetrics {
  observeReconcile(result: ReconcileResultLabel, durationSeconds: number): void;
  /** The queue depth is read at scrape time from this function, never copied. */
  trackQueueDepth(depth: () => number): void;
}

/** What a strategy executor reports. */
export interface StrategyMetrics {
  /** One execution of the strategy named `strategy` (Rolling, Recreate, a custom one's name). */
  inc(strategy: string): void;
}

export interface MetricsOptions {
  /** Also collect Node's process metrics (CPU, memory, event loop lag, GC). @default true */
  readonly processMetrics?: boolean;
}

export class Metrics implements ReconcileMetrics, StrategyMetrics {
  readonly registry = new Registry();
  private readonly reconciles: Counter<'result'>;
  private readonly reconcileDuration: Histogram<'result'>;
  private readonly strategyExecutions: Counter<'strategy'>;
  private readonly apiRequests: Counter<'method' | 'code'>;
  private readonly apiRequestDuration: Histogram<'method'>;
  private readonly rateLimiterWait: Histogram;
  private queueDepth: () => number = () => 0;

  constructor(options: MetricsOptions = {}) {
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.reconciles = new Counter({
      name: 'redis_operator_reconcile_total',
      help: 'Reconciles by result: success, error (retried with backoff, or terminal) or requeue (succeeded and asked to come back).',
      labelNames: ['result'],
      registers: [this.registry],
    });
    // Zero-valued series exist from the start, so rate() and alerts work before the first error.
    for (const result of ['success', 'error', 'requeue'] as const) this.reconciles.inc({ result }, 0);
    this.reconcileDuration = new Histogram({
      name: 'redis_operator_reconcile_duration_seconds',
      help: 'Time one reconcile took, by result.',
      labelNames: ['result'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [this.registry],
    });
    const depth = (): number => this.queueDepth();
    new Gauge({
      name: 'redis_operator_work_queue_depth',
      help: 'Instance keys waiting in the work queue (not counting those being reconciled).',
      registers: [this.registry],
      collect() {
        this.set(depth());
      },
    });
    this.strategyExecutions = new Counter({
      name: 'redis_operator_strategy_executions_total',
      help: 'Strategy executions by strategy name.',
      labelNames: ['strategy'],
      registers: [this.registry],
    });
    this.apiRequests = new Counter({
      name: 'redis_operator_api_requests_total',
      help: 'Requests to the Kubernetes API (watches aside) by method and HTTP status code; anything but GET is a write.',
      labelNames: ['method', 'code'],
      registers: [this.registry],
    });
    this.apiRequestDuration = new Histogram({
      name: 'redis_operator_api_request_duration_seconds',
      help: 'Time the Kubernetes API took to answer a request (watches aside), by method.',
      labelNames: ['method'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [this.registry],
    });
    this.rateLimiterWait = new Histogram({
      name: 'redis_operator_api_rate_limiter_wait_seconds',
      help: 'Time requests waited for the client-side rate limit (--kube-api-qps, --kube-api-burst).',
      buckets: [0.001, 0.01, 0.1, 0.5, 1, 5, 10, 30],
      registers: [this.registry],
    });
  }

  observeApiRequest(method: string, code: number, durationSeconds?: number): void {
    this.apiRequests.inc({ method, code: String(code) });
    if (durationSeconds !== undefined) this.apiRequestDuration.observe({ method }, durationSeconds);
  }

  observeRateLimiterWait(seconds: number): void {
    this.rateLimiterWait.observe(seconds);
  }

  observeReconcile(result: ReconcileResultLabel, durationSeconds: number): void {
    this.reconciles.inc({ result });
    this.reconcileDuration.observe({ result }, durationSeconds);
  }

  trackQueueDepth(depth: () => number): void {
    this.queueDepth = depth;
  }

  inc(strategy: string): void {
    this.strategyExecutions.inc({ strategy });
  }

  /** The Prometheus text exposition of every metric. */
  expose(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
