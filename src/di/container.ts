import { Container } from 'inversify';
import type { KubeClient } from '../client/kube-client.js';
import { LifecycleService } from '../lifecycle/lifecycle-service.js';
import { EventRecorder } from '../observability/event-recorder.js';
import type { Logger } from '../observability/logger.js';
import { Reconciler } from '../reconcile/reconciler.js';
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
  bindStrategies(container, deps.strategies);
  container.bind(TOKENS.LifecycleService).to(LifecycleService).inSingletonScope();
  container.bind(TOKENS.Reconciler).to(Reconciler).inSingletonScope();
  return container;
}
