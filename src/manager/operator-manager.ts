import { MANAGED_BY, LABEL_MANAGED_BY } from '../api/names.js';
import { DEFAULT_MAX_CONCURRENT_RECONCILES } from '../controller/concurrency.js';
import type { KubeClient } from '../client/kube-client.js';
import { Resources } from '../client/resources.js';
import type { BackoffOptions } from '../controller/backoff.js';
import { ControllerBuilder } from '../controller/controller-builder.js';
import type { Controller } from '../controller/controller.js';
import { LeaderElector, type LeaderElectionOptions, type LeadershipLossReason } from '../controller/leader-election.js';
import type { Result } from '../controller/reconcile-result.js';
import { createOperatorContainer } from '../di/container.js';
import { cacheTransformOf } from './cache-transforms.js';
import { TOKENS } from '../di/tokens.js';
import { createMetricsServer, createProbeServer, type EndpointServer } from '../observability/http-servers.js';
import type { Logger } from '../observability/logger.js';
import { Metrics } from '../observability/metrics.js';
import { OWNED_RESOURCES, type ObjectCache } from '../reconcile/live-objects.js';
import { instancesUsingStorageClass } from '../reconcile/storage.js';
import type { Reconciler } from '../reconcile/reconciler.js';
import type { PrimaryMonitor } from '../controller/primary-monitor.js';
import type { UpdateStrategy } from '../strategies/update-strategy.js';
import type { DialGuard, RedisAdmin } from '../redis/redis-admin.js';

export interface OperatorManagerOptions {
  readonly client: KubeClient;
  readonly logger: Logger;
  /** Watch and manage only this namespace. @default every namespace */
  readonly namespace?: string;
  /** @default 4 */
  readonly maxConcurrentReconciles?: number;
  /** @default 600_000 (10 minutes) */
  readonly resyncPeriodMs?: number;
  /** Per-instance retry backoff after failures and conflicts. @default 100 ms doubling to 5 minutes */
  readonly backoff?: BackoffOptions;
  /**
   * start() fails with CacheSyncTimeoutError, naming each resource, when the caches have not
   * synced by then (RBAC forbids a resource, the API server does not answer). @default 120_000
   */
  readonly cacheSyncTimeoutMs?: number;
  /** Custom strategies, asked before the built-in ones. @default none */
  readonly strategies?: readonly UpdateStrategy[];
  /** `host:port` for /metrics; undefined or "0" turns it off. */
  readonly metricsBindAddress?: string;
  /** `host:port` for /healthz and /readyz; undefined or "0" turns it off. */
  readonly healthProbeBindAddress?: string;
  /** Act only while holding this Lease. @default no leader election */
  readonly leaderElection?: LeaderElectionOptions;
  /**
   * Called when leadership is lost, after the controller has stopped acting (no reconcile sends
   * another request). `run` exits the process here, as controller-runtime's managers do.
   */
  readonly onLeadershipLost?: (reason: LeadershipLossReason) => void;
  /**
   * How long stop() lets reconciles in flight finish before it stops them as a lost Lease
   * would, so that a stop is always quick. @default 25_000 (inside a pod's default 30 s grace
   * period, so the Lease is still released)
   */
  readonly gracefulShutdownTimeoutMs?: number;
  /** @default new Metrics() */
  readonly metrics?: Metrics;
  /** Which addresses may be dialed. @default pods of the operator's instances on real nodes */
  readonly dialGuard?: DialGuard;
  /** How the operator speaks to Redis, given the dial guard. @default NodeRedisAdmin */
  readonly redisAdmin?: (guard: DialGuard) => RedisAdmin;
}

/**
 * Assembles and runs the operator, as controller-runtime's manager does: the controller (its
 * informers, queue and workers) around the reconciler, leader election, the probe and metrics
 * endpoints, and an orderly stop.
 */
export class OperatorManager {
  readonly metrics: Metrics;
  readonly controller: Controller;
  private readonly reconciler: Reconciler;
  private readonly monitor: PrimaryMonitor;
  private readonly elector: LeaderElector | undefined;
  private readonly servers: EndpointServer[] = [];
  private controllerStarted: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: OperatorManagerOptions) {
    const { client, logger, namespace } = options;
    this.metrics = options.metrics ?? new Metrics();
    client.onRequest((method, code, seconds) => this.metrics.observeApiRequest(method, code, seconds));
    client.onThrottle((seconds) => this.metrics.observeRateLimiterWait(seconds));
    const informerScope = namespace ? { namespace } : {};
    const builder = new ControllerBuilder(client, logger)
      .watchesPrimary(Resources.redisInstance, { ...informerScope, transform: cacheTransformOf(Resources.redisInstance) });
    const managed = { ...informerScope, labelSelector: `${LABEL_MANAGED_BY}=${MANAGED_BY}` };
    for (const resource of OWNED_RESOURCES) builder.owns(resource, { ...managed, transform: cacheTransformOf(resource) });
    // The pods and claims the StatefulSet controller creates from the instance's template: pods
    // (their readiness, role label and address) wake the instance and are labelled and replaced
    // by it; claims say what storage is requested. The StorageClasses' allowVolumeExpansion
    // decides whether a held-back growth can go ahead.
    builder.owns(Resources.pod, { ...managed, transform: cacheTransformOf(Resources.pod) });
    builder.owns(Resources.persistentVolumeClaim, { ...managed, transform: cacheTransformOf(Resources.persistentVolumeClaim) });
    builder.watches(Resources.storageClass, (storageClass) => instancesUsingStorageClass(
      storageClass.metadata.name,
      this.controller.store(Resources.persistentVolumeClaim).list(),
      this.controller.store(Resources.redisInstance).list(),
    ), { transform: cacheTransformOf(Resources.storageClass) });
    // Read by the dial guard only; a node's changes wake no instance.
    builder.watches(Resources.node, () => [], { transform: cacheTransformOf(Resources.node) });
    // The reconcile function reaches the reconciler through this closure: the container needs
    // the controller's caches, and the controller needs the reconcile function.
    this.controller = builder.build((key) => this.reconciler.reconcile(key), {
      maxConcurrentReconciles: options.maxConcurrentReconciles ?? DEFAULT_MAX_CONCURRENT_RECONCILES,
      resyncPeriodMs: options.resyncPeriodMs ?? 600_000,
      metrics: this.metrics,
      ...(options.backoff ? { backoff: options.backoff } : {}),
      ...(options.cacheSyncTimeoutMs !== undefined ? { cacheSyncTimeoutMs: options.cacheSyncTimeoutMs } : {}),
    });
    const cache: ObjectCache = {
      get: (resource, objectNamespace, name) => this.controller.store(resource).get(resource.namespaced ? `${objectNamespace}/${name}` : name),
      list: (resource, objectNamespace) => {
        const all = this.controller.store(resource).list();
        return objectNamespace === undefined ? all : all.filter((object) => object.metadata.namespace === objectNamespace);
      },
    };
    const container = createOperatorContainer({
      client, logger, cache, metrics: this.metrics, ...(options.strategies ? { strategies: options.strategies } : {}),
      ...(options.dialGuard ? { dialGuard: options.dialGuard } : {}),
      ...(options.redisAdmin ? { redisAdmin: options.redisAdmin } : {}),
    });
    this.reconciler = container.get<Reconciler>(TOKENS.Reconciler);
    this.monitor = container.get<PrimaryMonitor>(TOKENS.PrimaryMonitor);
    if (options.leaderElection) this.elector = new LeaderElector(client, logger, options.leaderElection);
    const enabled = (address: string | undefined): address is string => address !== undefined && address !== '0' && address !== '';
    if (enabled(options.healthProbeBindAddress)) {
      this.servers.push(createProbeServer(options.healthProbeBindAddress, {
        // A standby replica is ready once its caches are warm: it can take over at once then.
        ready: () => this.controller.synced,
      }, logger));
    }
    if (enabled(options.metricsBindAddress)) this.servers.push(createMetricsServer(options.metricsBindAddress, this.metrics, logger));
  }

  /** Reconciles one key now, as a worker would (tests and the at-rest check use it). */
  reconcileKey(key: string): Promise<Result> {
    return this.reconciler.reconcile(key);
  }

  get isLeader(): boolean {
    return this.elector ? this.elector.isLeader : this.controllerStarted !== undefined;
  }

  /** Where the endpoints listen (for port 0): `probes` and `metrics`, those that are on. */
  get endpoints(): ReadonlyArray<{ name: string; url: string }> {
    return this.servers.map((server) => ({ name: server.name, url: server.url }));
  }

  /**
   * Starts the endpoints and warms the caches (every informer lists and watches), then starts
   * the controller; with leader election, only once this replica wins the Lease, so a standby
   * keeps warm caches and takes over without listing anything. Resolves once the controller
   * runs, or once the caches are warm with leader election. Rejects with CacheSyncTimeoutError
   * when the caches do not sync within the timeout.
   */
  async start(): Promise<void> {
    for (const server of this.servers) await server.listen();
    const { logger } = this.options;
    logger.info('Starting redis-operator', {
      namespace: this.options.namespace ?? '<all>',
      leaderElection: this.elector !== undefined,
      strategies: (this.options.strategies ?? []).map((s) => s.name).concat('Recreate', 'Rolling'),
    });
    await this.controller.warmUp();
    if (this.stopped) return;
    if (!this.elector) {
      this.controllerStarted = this.startActing();
      await this.controllerStarted;
      return;
    }
    this.elector.onLost((reason) => {
      logger.error('Leadership lost; stopping at once', { reason });
      // Another replica may take over any moment now: stop acting before anything else, and
      // do not wait for reconciles in flight (a Recreate may be polling inside one).
      this.monitor.stop();
      void this.controller.abort(`leadership lost (${reason})`);
      this.options.onLeadershipLost?.(reason);
    });
    void this.elector.run().then((leading) => {
      if (!leading || this.stopped) return;
      this.controllerStarted = this.startActing();
    });
  }

  /** The controller's workers, and the look at primaries between reconciles that wakes them. */
  private async startActing(): Promise<void> {
    await this.controller.start();
    if (!this.stopped) this.monitor.start((key) => this.controller.enqueue(key));
  }

  /**
   * Graceful: reconciles in flight finish (within the graceful shutdown timeout), then the Lease
   * is released for the next replica.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.monitor.stop();
    await this.controller.stop({ timeoutMs: this.options.gracefulShutdownTimeoutMs ?? 25_000 });
    await this.elector?.release();
    for (const server of this.servers) await server.close();
    this.options.logger.info('redis-operator stopped');
  }

  /** Stops at once without releasing the Lease, as a crashed replica would leave it. */
  async crash(): Promise<void> {
    this.stopped = true;
    this.monitor.stop();
    await this.elector?.stop();
    await this.controller.abort('crashed');
    for (const server of this.servers) await server.close();
  }
}
