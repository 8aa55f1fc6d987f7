/**
 * A watch-backed cache of one resource: list, then watch from the list's resourceVersion, and
 * keep an in-memory store that handlers hear about.
 *
 * We do not use client-node's informer because it is known to stop without a word when a watch
 * ends or errors (its issues #958, #364, #1933), leaving an operator that looks healthy and does
 * nothing. This one never stops on its own and never exits the process:
 * - a watch the server ends (timeoutSeconds, apiserver restart) is resumed from the last
 *   resourceVersion seen, bookmarks included;
 * - 410 Gone (the resourceVersion fell out of etcd's window) relists at once and turns the
 *   difference into update and delete notifications, so nothing missed is lost;
 * - a watch refused for now (429 Too Many Requests, connection refused) is retried from the
 *   same resourceVersion after a backoff, as client-go does;
 * - any other failure relists after a bounded exponential backoff with jitter, which starts
 *   again from its base after every successful list and every watch that delivered events (a
 *   failure an hour after the last one is a first failure, not the sixth in a row);
 * - a watch that goes silent (no event, no bookmark for longer than the server's own timeout
 *   plus a margin: a half-open TCP connection, a stuck proxy) is aborted and relisted.
 * Each restart is logged with `resource` and `reason`.
 */
import type { KubeClient } from '../client/kube-client.js';
import { ApiError } from '../client/api-error.js';
import { objectKey, type KubeObject, type WatchEvent } from '../client/objects.js';
import { apiVersionOf, type ResourceType } from '../client/resources.js';
import type { Logger } from '../observability/logger.js';
import { abortableSleep } from './abortable-sleep.js';
import { ExponentialBackoff, type BackoffOptions } from './backoff.js';

/** The two calls an informer makes; a KubeClient satisfies it. */
export type ListWatchClient = Pick<KubeClient, 'list' | 'watch'>;

/** Read access to an informer's cache: what a reconciler uses instead of GETs. */
export interface Store<T extends KubeObject> {
  /** By `namespace/name` (or `name` for cluster-scoped objects). */
  get(key: string): T | undefined;
  list(): T[];
}

export interface InformerHandlers<T extends KubeObject> {
  onAdd?(object: T): void;
  onUpdate?(oldObject: T, newObject: T): void;
  /** For a delete noticed by a relist, the last state the cache knew. */
  onDelete?(object: T): void;
}

export type RestartReason = 'watch-ended' | 'expired' | 'error' | 'silent';

/** One restart of the list/watch loop, as onRestart() listeners hear of it. */
export interface Restart {
  readonly reason: RestartReason;
  /** How long the informer waits before it lists or watches again (0: at once). */
  readonly retryInMs: number;
}

/**
 * What the cache keeps of an object, as controller-runtime's cache `TransformFunc`: called once
 * for every object listed or watched, before the store or any handler sees it. It returns a new
 * object (the one from the wire is dropped), so the cache holds one copy of each object, of only
 * the fields its readers use.
 */
export type ObjectTransform = (object: KubeObject) => KubeObject;

export interface InformerOptions {
  /**
   * What to keep of each object. @default withoutServerBookkeeping (drops managedFields and
   * kubectl's last-applied-configuration annotation)
   */
  readonly transform?: ObjectTransform;
  /** Only this namespace. @default all namespaces */
  readonly namespace?: string;
  /** Only objects matching this label selector. @default all objects */
  readonly labelSelector?: string;
  /** Objects per page of the list. @default 500 */
  readonly pageSize?: number;
  /**
   * How long the server keeps one watch open before ending it (then resumed). client-go picks
   * 5 to 10 minutes at random so a fleet of clients does not reconnect in step; so do we.
   * @default random in [300, 600)
   */
  readonly watchTimeoutSeconds?: number;
  /**
   * A watch with no event and no bookmark for this long is presumed dead and restarted. It must
   * exceed the server's bookmark interval (about a minute) or quiet watches restart for nothing.
   * @default (watchTimeoutSeconds + 30) s
   */
  readonly silenceTimeoutMs?: number;
  /**
   * Delay before relisting after a failure; doubles per failure in a row.
   * @default 500 ms doubling to 30 s, 20 % jitter
   */
  readonly backoff?: BackoffOptions;
}

/** A watch that ended in less than this is suspicious: resuming it at once could spin. */
const SHORT_WATCH_MS = 1_000;

export class Informer<T extends KubeObject> implements Store<T> {
  private readonly items = new Map<string, T>();
  private readonly handlers: Array<InformerHandlers<T>> = [];
  private readonly options: Required<Omit<InformerOptions, 'namespace' | 'labelSelector' | 'backoff' | 'transform'>> &
    Pick<InformerOptions, 'namespace' | 'labelSelector'>;
  private readonly backoff: ExponentialBackoff;
  private readonly transform: ObjectTransform;
  private readonly syncWaiters: Array<() => void> = [];
  private resourceVersion: string | undefined;
  private synced = false;
  private running: Promise<void> | undefined;
  private readonly stopController = new AbortController();
  private restartCount = 0;
  private lastErrorMessage: string | undefined;
  private readonly restartListeners: Array<(restart: Restart) => void> = [];

  constructor(
    private readonly client: ListWatchClient,
    readonly resource: ResourceType,
    private readonly logger: Logger,
    options: InformerOptions = {},
  ) {
    const watchTimeoutSeconds = options.watchTimeoutSeconds ?? 300 + Math.floor(Math.random() * 300);
    this.options = {
      namespace: options.namespace,
      labelSelector: options.labelSelector,
      pageSize: options.pageSize ?? 500,
      watchTimeoutSeconds,
      silenceTimeoutMs: options.silenceTimeoutMs ?? (watchTimeoutSeconds + 30) * 1000,
    };
    this.backoff = new ExponentialBackoff({ baseDelayMs: 500, maxDelayMs: 30_000, ...options.backoff });
    this.transform = options.transform ?? withoutServerBookkeeping;
  }

  /** True once the first full list is in the store (and its handlers have run). */
  get hasSynced(): boolean {
    return this.synced;
  }

  /** How many times the watch has been restarted (for tests and diagnostics). */
  get restarts(): number {
    return this.restartCount;
  }

  /** The last failure of a list or watch, for saying why the informer has not synced. */
  get lastError(): string | undefined {
    return this.lastErrorMessage;
  }

  /** The resource this informer watches, as `group/version/plural`. */
  get resourceName(): string {
    return `${apiVersionOf(this.resource)}/${this.resource.plural}`;
  }

  addHandlers(handlers: InformerHandlers<T>): void {
    this.handlers.push(handlers);
  }

  /** Called on every restart, with its reason and how long until the next attempt. */
  onRestart(listener: (restart: Restart) => void): void {
    this.restartListeners.push(listener);
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  /** Starts listing and watching in the background; the loop runs until stop(). */
  start(): void {
    if (this.running || this.stopController.signal.aborted) return;
    this.running = this.run();
  }

  /** Resolves once the first list is in the store, or when the informer is stopped. */
  waitForSync(): Promise<void> {
    if (this.synced || this.stopController.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  /** Ends the watch and the loop; resolves when nothing of it is left running. */
  async stop(): Promise<void> {
    this.stopController.abort();
    this.resolveSyncWaiters();
    await this.running;
  }

  private get stopped(): boolean {
    return this.stopController.signal.aborted;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        if (this.resourceVersion === undefined) {
          await this.relist();
          this.backoff.forget();
        }
        if (this.stopped) break;
        const outcome = await this.watchOnce(this.resourceVersion!);
        if (this.stopped) break;
        if (outcome.events > 0) this.backoff.forget();
        if (outcome.error !== undefined) {
          if (!resumable(outcome.error)) throw outcome.error;
          // As client-go's reflector: the server asked us to wait (429, e.g. while it rebuilds
          // its watch cache) or refused the connection; the resourceVersion is still good, and
          // a full relist would only add load. Watch again from it after the backoff.
          const retryInMs = this.backoff.next();
          this.lastErrorMessage = errorMessage(outcome.error);
          this.restarted('error', retryInMs, { error: this.lastErrorMessage, resourceVersion: this.resourceVersion });
          await this.sleep(retryInMs);
          continue;
        }
        if (outcome.silent) {
          // Events may have been lost on the dead connection: start again from a list.
          this.resourceVersion = undefined;
          this.restarted('silent', 0, { silenceTimeoutMs: this.options.silenceTimeoutMs });
          continue;
        }
        // The server ending watches at once over and over must not become a hot loop.
        const retryInMs = outcome.events === 0 && outcome.durationMs < SHORT_WATCH_MS ? this.backoff.next() : 0;
        this.restarted('watch-ended', retryInMs, { resourceVersion: this.resourceVersion, events: outcome.events });
        if (retryInMs > 0) await this.sleep(retryInMs);
      } catch (error) {
        if (this.stopped) break;
        this.resourceVersion = undefined;
        if (error instanceof ApiError && error.isGone) {
          this.restarted('expired', 0, { error: error.message });
          continue;
        }
        const retryInMs = this.backoff.next();
        this.lastErrorMessage = errorMessage(error);
        this.restarted('error', retryInMs, { error: this.lastErrorMessage });
        await this.sleep(retryInMs);
      }
    }
  }

  /**
   * Lists every page and replaces the store with the result, telling handlers what changed
   * since the store was last right: additions, updates (by resourceVersion) and deletions.
   */
  private async relist(): Promise<void> {
    const fresh = new Map<string, T>();
    let continueToken: string | undefined;
    let resourceVersion: string;
    do {
      const page = await this.client.list<T>(this.resource, {
        namespace: this.options.namespace,
        labelSelector: this.options.labelSelector,
        limit: this.options.pageSize,
        continueToken,
        signal: this.stopController.signal,
      });
      if (this.stopped) return;
      for (const item of page.items) fresh.set(objectKey(item), this.transform(item) as T);
      continueToken = page.metadata.continue || undefined;
      resourceVersion = page.metadata.resourceVersion;
    } while (continueToken);

    const previous = new Map(this.items);
    this.items.clear();
    for (const [key, object] of fresh) this.items.set(key, object);
    for (const [key, object] of fresh) {
      const old = previous.get(key);
      if (!old) this.notify((h) => h.onAdd?.(object));
      else if (old.metadata.resourceVersion !== object.metadata.resourceVersion) this.notify((h) => h.onUpdate?.(old, object));
    }
    for (const [key, old] of previous) {
      if (!fresh.has(key)) this.notify((h) => h.onDelete?.(old));
    }
    this.resourceVersion = resourceVersion;
    if (!this.synced) {
      this.synced = true;
      this.logger.info('Informer synced', { resource: this.resourceName, objects: this.items.size });
      this.resolveSyncWaiters();
    }
  }

  /** One watch, until it ends; a failure is returned with the events delivered before it. */
  private async watchOnce(fromResourceVersion: string): Promise<{ silent: boolean; events: number; durationMs: number; error?: unknown }> {
    const abort = new AbortController();
    const onStop = (): void => abort.abort();
    this.stopController.signal.addEventListener('abort', onStop);
    let silent = false;
    let events = 0;
    const started = performance.now();
    let watchdog: NodeJS.Timeout | undefined;
    const arm = (): void => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        silent = true;
        abort.abort();
      }, this.options.silenceTimeoutMs);
    };
    arm();
    let failure: { error: unknown } | undefined;
    try {
      await this.client.watch<T>(this.resource, {
        namespace: this.options.namespace,
        labelSelector: this.options.labelSelector,
        resourceVersion: fromResourceVersion,
        timeoutSeconds: this.options.watchTimeoutSeconds,
        allowWatchBookmarks: true,
        signal: abort.signal,
      }, (event) => {
        arm();
        events++;
        this.apply(event);
      });
    } catch (error) {
      failure = { error };
    } finally {
      clearTimeout(watchdog);
      this.stopController.signal.removeEventListener('abort', onStop);
    }
    return { silent, events, durationMs: performance.now() - started, ...failure };
  }

  private apply(event: WatchEvent<T>): void {
    if (event.type === 'BOOKMARK') {
      const bookmarked = event.object.metadata?.resourceVersion;
      if (bookmarked) this.resourceVersion = bookmarked;
      return;
    }
    // An error carries a Status, not an object to keep (the client ends the watch on one).
    if (event.type === 'ERROR') return;
    const object = this.transform(event.object) as T;
    const version = object.metadata.resourceVersion;
    const key = objectKey(object);
    const old = this.items.get(key);
    switch (event.type) {
      case 'ADDED':
      case 'MODIFIED':
        this.items.set(key, object);
        if (old) this.notify((h) => h.onUpdate?.(old, object));
        else this.notify((h) => h.onAdd?.(object));
        break;
      case 'DELETED':
        this.items.delete(key);
        this.notify((h) => h.onDelete?.(object));
        break;
      default:
        break;
    }
    if (version) this.resourceVersion = version;
  }

  /** A throwing handler is a bug in the handler, not a reason to drop the watch. */
  private notify(call: (handlers: InformerHandlers<T>) => void): void {
    for (const handlers of this.handlers) {
      try {
        call(handlers);
      } catch (error) {
        this.logger.error('Informer event handler failed', {
          resource: this.resourceName,
          error: errorMessage(error),
        });
      }
    }
  }

  private restarted(reason: RestartReason, retryInMs: number, details: Record<string, unknown>): void {
    this.restartCount++;
    // A server-ended watch is routine (every 5-10 minutes); the others mean something broke.
    const level = reason === 'watch-ended' ? 'info' : 'warn';
    this.logger.log(level, 'Restarting watch', { resource: this.resourceName, reason, ...(retryInMs > 0 ? { retryInMs } : {}), ...details });
    for (const listener of this.restartListeners) listener({ reason, retryInMs });
  }

  /** Waits, cut short by stop(). */
  private sleep(ms: number): Promise<void> {
    return abortableSleep(ms, this.stopController.signal);
  }

  private resolveSyncWaiters(): void {
    for (const resolve of this.syncWaiters.splice(0)) resolve();
  }
}

/** Watch failures after which the resourceVersion is still worth resuming from. */
function resumable(error: unknown): boolean {
  if (error instanceof ApiError) return error.status === 429;
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ECONNREFUSED';
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** kubectl apply's copy of the whole object as last applied: often as large as the object. */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * Drops the API server's and kubectl's bookkeeping before caching, as controller-runtime's
 * default transform drops managedFields: server-side apply's field ownership and kubectl's
 * last-applied copy are often larger than the rest of the object, and no reader of a cache here
 * uses either.
 */
export function withoutServerBookkeeping(object: KubeObject): KubeObject {
  const metadata = object.metadata;
  if (!metadata) return object;
  const annotations = metadata.annotations;
  const hasLastApplied = annotations !== undefined && LAST_APPLIED_ANNOTATION in annotations;
  if (!('managedFields' in metadata) && !hasLastApplied) return object;
  const { managedFields: _managedFields, annotations: _annotations, ...rest } = metadata;
  let kept: Record<string, string> | undefined;
  if (annotations) {
    const { [LAST_APPLIED_ANNOTATION]: _lastApplied, ...others } = annotations;
    kept = Object.keys(others).length > 0 ? others : undefined;
  }
  return { ...object, metadata: kept ? { ...rest, annotations: kept } : rest };
}
