/**
 * Runs a reconcile function over the keys of a primary resource, woken by informers, in the
 * manner of controller-runtime's controller: events become keys in a WorkQueue; a fixed pool of
 * workers takes keys from it, so no key is reconciled twice at once and at most
 * `maxConcurrentReconciles` run together; failures retry with per-key backoff; a periodic
 * resync re-enqueues every primary key so drift that produced no event (or an event lost
 * before a restart) is still repaired.
 */
import { setMaxListeners } from 'node:events';
import type { KubeObject } from '../client/objects.js';
import { splitKey } from '../client/objects.js';
import { runWithSignal } from '../client/request-signal.js';
import { apiVersionOf, type ResourceType } from '../client/resources.js';
import type { Logger } from '../observability/logger.js';
import type { ReconcileMetrics, ReconcileResultLabel } from '../observability/metrics.js';
import type { Informer, Store } from './informer.js';
import type { KeyMapper } from './owner-mapping.js';
import { TerminalError, type ReconcileFunction } from './reconcile-result.js';
import { WorkQueue } from './work-queue.js';

export interface ControllerOptions {
  /** Names the controller in logs. @default 'redisinstance' */
  readonly name?: string;
  /** Keys reconciled at the same time (never the same key twice). @default 1 */
  readonly maxConcurrentReconciles?: number;
  /** Every primary key is re-enqueued this often. @default 600_000 (10 minutes) */
  readonly resyncPeriodMs?: number;
  /** Receives reconcile results, durations and the queue depth. @default none */
  readonly metrics?: ReconcileMetrics;
  /**
   * How long warmUp() and start() wait for every informer's first list before they fail with
   * CacheSyncTimeoutError. @default 120_000 (as controller-runtime's CacheSyncTimeout)
   */
  readonly cacheSyncTimeoutMs?: number;
}

/** Some informers never listed: the operator cannot see what it must manage. */
export class CacheSyncTimeoutError extends Error {
  constructor(
    readonly timeoutMs: number,
    /** Each informer that did not sync, with the last error it met (if any). */
    readonly unsynced: ReadonlyArray<{ readonly resource: string; readonly lastError: string | undefined }>,
  ) {
    super(`caches did not sync within ${timeoutMs / 1000} s: ${unsynced
      .map(({ resource, lastError }) => `${resource} (${lastError ?? 'no answer yet'})`).join('; ')}`);
    this.name = 'CacheSyncTimeoutError';
  }
}

/** An informer and how its objects map to primary keys. */
export interface WatchedSource {
  readonly informer: Informer<KubeObject>;
  readonly toKeys: KeyMapper;
}

export class Controller {
  readonly name: string;
  private readonly maxConcurrentReconciles: number;
  private readonly resyncPeriodMs: number;
  private readonly sources: readonly WatchedSource[];
  private workers: Array<Promise<void>> = [];
  private resyncTimer: NodeJS.Timeout | undefined;
  private started = false;
  private warming: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private cachesSynced = false;
  /** Aborted when the controller must stop acting at once; every reconcile runs under it. */
  private readonly acting = new AbortController();

  constructor(
    private readonly primary: Informer<KubeObject>,
    owned: readonly WatchedSource[],
    private readonly reconcile: ReconcileFunction,
    private readonly queue: WorkQueue,
    private readonly logger: Logger,
    private readonly options: ControllerOptions = {},
  ) {
    this.name = options.name ?? 'redisinstance';
    this.maxConcurrentReconciles = Math.max(1, options.maxConcurrentReconciles ?? 1);
    this.resyncPeriodMs = options.resyncPeriodMs ?? 600_000;
    this.sources = [{ informer: primary, toKeys: (object) => [keyOf(object)] }, ...owned];
    // Every request in flight of every reconcile listens to this signal (to be cut when it
    // aborts), and a reconcile may send many at once: that is no leak, and Node's warning after
    // ten listeners would only be noise in the operator's log.
    setMaxListeners(0, this.acting.signal);
    for (const source of this.sources) {
      source.informer.addHandlers({
        onAdd: (object) => this.enqueueAll(source.toKeys(object)),
        // Both: an object that changed owner must wake the old one as well as the new one.
        onUpdate: (oldObject, newObject) => this.enqueueAll([...source.toKeys(oldObject), ...source.toKeys(newObject)]),
        onDelete: (object) => this.enqueueAll(source.toKeys(object)),
      });
    }
    options.metrics?.trackQueueDepth(() => this.queue.length);
  }

  /** True once every informer has its initial list (and until a stop): the readiness signal. */
  get synced(): boolean {
    return this.cachesSynced && !this.stopping && !this.acting.signal.aborted;
  }

  /** Every informer, primary first. */
  get informers(): ReadonlyArray<Informer<KubeObject>> {
    return this.sources.map((source) => source.informer);
  }

  /**
   * The cache of one watched resource: what the reconciler reads instead of issuing GETs.
   * Throws when the controller does not watch that resource (a wiring mistake).
   */
  store<T extends KubeObject = KubeObject>(resource: ResourceType): Store<T> {
    const wanted = resourceId(resource);
    const source = this.sources.find((candidate) => resourceId(candidate.informer.resource) === wanted);
    if (!source) throw new Error(`controller ${this.name} does not watch ${wanted}`);
    return source.informer as unknown as Store<T>;
  }

  /** Queues a key by hand (e.g. after a leader takes over). */
  enqueue(key: string): void {
    this.queue.add(key);
  }

  /**
   * Starts the informers and waits until every one has listed, reconciling nothing yet: a
   * standby replica does this while it waits for the Lease, so that it acts as soon as it wins
   * (the events it hears meanwhile wait in the queue, folded per key). Rejects with
   * CacheSyncTimeoutError when some informer has not listed within `cacheSyncTimeoutMs` (say
   * RBAC forbids one resource), naming each and its last error. Resolves early on stop().
   */
  warmUp(): Promise<void> {
    this.warming ??= this.syncCaches();
    return this.warming;
  }

  /**
   * Warms up the caches (see warmUp()), then starts the workers and the resync timer. Resolves
   * once work has begun (or as soon as stop() or abort() came first).
   */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.warmUp();
    if (this.stopping || this.acting.signal.aborted) return;
    this.logger.info('Starting workers', {
      controller: this.name,
      workers: this.maxConcurrentReconciles,
      resyncPeriodMs: this.resyncPeriodMs,
    });
    this.resyncTimer = setInterval(() => this.resync(), this.resyncPeriodMs);
    this.resyncTimer.unref();
    for (let i = 0; i < this.maxConcurrentReconciles; i++) this.workers.push(this.work());
  }

  private async syncCaches(): Promise<void> {
    for (const source of this.sources) source.informer.start();
    const timeoutMs = this.options.cacheSyncTimeoutMs ?? 120_000;
    let timer: NodeJS.Timeout | undefined;
    const synced = await Promise.race([
      Promise.all(this.sources.map((source) => source.informer.waitForSync())).then(() => true),
      new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), timeoutMs); }),
    ]);
    clearTimeout(timer);
    if (this.stopping || this.acting.signal.aborted) return;
    if (!synced) {
      const unsynced = this.informers.filter((informer) => !informer.hasSynced)
        .map((informer) => ({ resource: informer.resourceName, lastError: informer.lastError }));
      for (const { resource, lastError } of unsynced) {
        this.logger.error('Cache did not sync', { controller: this.name, resource, timeoutMs, error: lastError ?? 'no answer yet' });
      }
      throw new CacheSyncTimeoutError(timeoutMs, unsynced);
    }
    this.cachesSynced = true;
    this.logger.info('Caches synced', { controller: this.name, resources: this.informers.map((informer) => informer.resourceName) });
  }

  /**
   * Takes no new keys, lets reconciles in flight finish, then stops the informers. A reconcile
   * is not interrupted midway (a half-done recreate is worse than a slower shutdown) unless it
   * outlasts `timeoutMs`: then the controller stops acting as abort() does.
   */
  stop(options: { timeoutMs?: number } = {}): Promise<void> {
    this.stopping ??= this.shutdown(options.timeoutMs);
    return this.stopping;
  }

  /**
   * Stops acting at once, for when another replica may already be acting (the Lease is lost):
   * the signal of every reconcile in flight aborts, so their requests are cut and none of them
   * sends another write; no key is handed out again. Resolves once the informers have stopped,
   * without waiting for the reconciles in flight to return.
   */
  async abort(reason: string): Promise<void> {
    if (!this.acting.signal.aborted) {
      this.logger.warn('Controller stops acting at once', { controller: this.name, reason, inFlight: this.queue.inFlight });
      this.acting.abort(new Error(reason));
    }
    clearInterval(this.resyncTimer);
    this.queue.shutdown();
    await Promise.all(this.sources.map((source) => source.informer.stop()));
  }

  private async shutdown(timeoutMs: number | undefined): Promise<void> {
    clearInterval(this.resyncTimer);
    this.logger.info('Stopping controller, finishing reconciles in flight', { controller: this.name, inFlight: this.queue.inFlight });
    let overdue: NodeJS.Timeout | undefined;
    const drained = this.queue.shutdownWithDrain().then(() => Promise.all(this.workers));
    const outcome = await Promise.race([
      drained.then(() => 'drained' as const),
      ...(timeoutMs === undefined ? [] : [new Promise<'overdue'>((resolve) => { overdue = setTimeout(() => resolve('overdue'), timeoutMs); })]),
    ]);
    clearTimeout(overdue);
    if (outcome === 'overdue') {
      await this.abort(`reconciles still in flight ${timeoutMs} ms after the stop began`);
    } else {
      await Promise.all(this.sources.map((source) => source.informer.stop()));
    }
    this.logger.info('Controller stopped', { controller: this.name });
  }

  private enqueueAll(keys: string[]): void {
    for (const key of keys) this.queue.add(key);
  }

  private resync(): void {
    const objects = this.primary.list();
    this.logger.debug('Resync', { controller: this.name, objects: objects.length });
    for (const object of objects) this.queue.add(keyOf(object));
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        await this.reconcileOne(key);
      } finally {
        this.queue.done(key);
      }
    }
  }

  private async reconcileOne(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const started = process.hrtime.bigint();
    let label: ReconcileResultLabel;
    const signal = this.acting.signal;
    try {
      const result = await runWithSignal(signal, () => this.reconcile(key, { signal }));
      const requeueAfterMs = result?.requeueAfterMs;
      if (result?.retryWithBackoff) {
        const retryInMs = this.queue.addRateLimited(key);
        this.logger.debug('Reconcile asked to retry with backoff', { controller: this.name, namespace, instance: name, retryInMs });
        label = 'requeue';
      } else if (requeueAfterMs !== undefined && requeueAfterMs >= 0) {
        this.queue.forget(key);
        this.queue.addAfter(key, requeueAfterMs);
        label = 'requeue';
      } else {
        this.queue.forget(key);
        label = 'success';
      }
    } catch (error) {
      label = 'error';
      const message = error instanceof Error ? error.message : String(error);
      if (signal.aborted) {
        this.logger.info('Reconcile cancelled', { controller: this.name, namespace, instance: name, error: message });
      } else if (error instanceof TerminalError) {
        this.queue.forget(key);
        this.logger.error('Reconcile failed and will not be retried', { controller: this.name, namespace, instance: name, error: message });
      } else {
        const retryInMs = this.queue.addRateLimited(key);
        this.logger.warn('Reconcile failed, retrying with backoff', {
          controller: this.name, namespace, instance: name, error: message, retryInMs,
        });
      }
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    this.options.metrics?.observeReconcile(label, seconds);
  }
}

function keyOf(object: KubeObject): string {
  return object.metadata.namespace ? `${object.metadata.namespace}/${object.metadata.name}` : object.metadata.name;
}

function resourceId(resource: ResourceType): string {
  return `${apiVersionOf(resource)}/${resource.plural}`;
}
