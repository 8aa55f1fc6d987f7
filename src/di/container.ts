import { Container } from 'inversify';
import type { KubeClient } from '../client/kube-client.js';
import { LifecycleService } from '../lifecycle/lifecycle-service.js';
import { EventRecorder } from '../observability/event-recorder.js';
import type { Logger } from '../observability/logger.js';
import { Reconciler } from '../reconcile/reconciler.js';
import { realNodeDialGuard, type NodeObject } from '../reconcile/real-node-guard.js';
import { ReplicationReconciler } from '../reconcile/replication-reconciler.js';
import type { PodObject } from '../reconcile/instance-pods.js';
import { Resources } from '../client/resources.js';
import { NodeRedisAdmin } from '../redis/node-redis-admin.js';
import type { DialGuard, RedisAdmin } from '../redis/redis-admin.js';
import { PrimaryMonitor } from '../controller/primary-monitor.js';
import type { StrategyMetrics } from '../observability/metrics.js';
import type { ObjectCache } from '../reconcile/live-objects.js';
import { RecreateStrategy } from '../strategies/recreate-strategy.js';
import { RollingStrategy } from '../strategies/rolling-strategy.js';
import { StrategyRegistry } from '../strategies/strategy-registry.js';
import type { UpdateStrategy } from '../strategies/update-strategy.js';
import { TOKENS } from './tokens.js';

/**
 * Binds the update strategies: custom ones first (asked first), then Recreate, then Rolling, so
 * the restart class is checked before the rolling class as the seed's table says.
 */
function bindStrategies(container: Container, custom: readonly UpdateStrategy[] = []): void {
  for (const strategy of custom) container.bind<UpdateStrategy>(TOKENS.UpdateStrategy).toConstantValue(strategy);
  container.bind<UpdateStrategy>(TOKENS.UpdateStrategy).to(RecreateStrategy).inSingletonScope();
  container.bind<UpdateStrategy>(TOKENS.UpdateStrategy).to(RollingStrategy).inSingletonScope();
  container.bind(TOKENS.StrategyRegistry).to(StrategyRegistry).inSingletonScope();
}

/** Just the strategies and their registry: what `redis-operator plan` needs offline. */
export function createPlanningContainer(custom: readonly UpdateStrategy[] = []): Container {
  const container = new Container();
  bindStrategies(container, custom);
  return container;
}

export interface OperatorDependencies {
  readonly client: KubeClient;
  readonly logger: Logger;
  readonly cache: ObjectCache;
  readonly metrics: StrategyMetrics;
  readonly strategies?: readonly UpdateStrategy[];
  /** @default () => new Date() */
  readonly clock?: () => Date;
  /** @default pods of the operator's instances on real nodes (realNodeDialGuard over the caches) */
  readonly dialGuard?: DialGuard;
  /** @default NodeRedisAdmin with the dial guard */
  readonly redisAdmin?: (guard: DialGuard) => RedisAdmin;
}

/** The operator's object graph. */
export function createOperatorContainer(deps: OperatorDependencies): Container {
  const container = new Container();
  container.bind(TOKENS.KubeClient).toConstantValue(deps.client);
  container.bind(TOKENS.Logger).toConstantValue(deps.logger);
  container.bind(TOKENS.ObjectCache).toConstantValue(deps.cache);
  container.bind(TOKENS.Metrics).toConstantValue(deps.metrics);
  container.bind(TOKENS.Clock).toConstantValue(deps.clock ?? (() => new Date()));
  container.bind(TOKENS.EventRecorder).toConstantValue(new EventRecorder(deps.client, deps.logger));
  const guard = deps.dialGuard ?? realNodeDialGuard({
    pods: () => deps.cache.list(Resources.pod) as PodObject[],
    node: (name) => deps.cache.get(Resources.node, '', name) as NodeObject | undefined,
  });
  container.bind(TOKENS.DialGuard).toConstantValue(guard);
  const redis = deps.redisAdmin?.(guard) ?? new NodeRedisAdmin({ dialGuard: guard });
  container.bind(TOKENS.RedisAdmin).toConstantValue(redis);
  container.bind(TOKENS.PrimaryMonitor).toConstantValue(new PrimaryMonitor(redis, deps.logger));
  container.bind(TOKENS.ReplicationReconciler).to(ReplicationReconciler).inSingletonScope();
  bindStrategies(container, deps.strategies);
  container.bind(TOKENS.LifecycleService).to(LifecycleService).inSingletonScope();
  container.bind(TOKENS.Reconciler).to(Reconciler).inSingletonScope();
  return container;
}
