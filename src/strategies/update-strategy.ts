import type { DefaultedRedisInstance } from '../api/redis-instance.js';
import type { KubeClient } from '../client/kube-client.js';
import type { KubeObject } from '../client/objects.js';
import type { EventRecorder } from '../observability/event-recorder.js';
import type { Logger } from '../observability/logger.js';
import type { Change } from '../reconcile/change-set.js';

/** Everything a strategy needs to carry out a change. */
export interface StrategyContext {
  /** The stored instance with defaults applied (it has a UID; owner references point at it). */
  readonly instance: DefaultedRedisInstance;
  /** The StatefulSet the constructs synthesize for the instance now. */
  readonly desired: KubeObject;
  /** The StatefulSet as the API server has it. */
  readonly live: KubeObject;
  readonly changes: readonly Change[];
  readonly client: KubeClient;
  readonly events: EventRecorder;
  readonly logger: Logger;
}

/**
 * What a strategy did. `blocked` means it refused to act (the instance becomes Degraded with
 * the reason) and did nothing destructive; throwing means "try again later".
 */
export type StrategyOutcome =
  | { readonly kind: 'applied'; readonly message: string }
  | { readonly kind: 'blocked'; readonly reason: string; readonly message: string };

/** What a change will do to pods and volumes, for `redis-operator plan`. */
export interface StrategyEffects {
  readonly pods: string;
  readonly persistentVolumeClaims: string;
}

/**
 * A way of carrying a StatefulSet change set out. The registry asks each strategy in turn
 * (custom ones first, then Recreate, then Rolling) and the first that accepts carries it.
 * Implement this and pass the module to `redis-operator run --strategy-module`.
 */
export interface UpdateStrategy {
  /** Shown in status (`lastUpdate.strategy`), Events, metrics and `plan`. */
  readonly name: string;
  accepts(changes: readonly Change[], instance: DefaultedRedisInstance): boolean;
  execute(context: StrategyContext): Promise<StrategyOutcome>;
  effects?(changes: readonly Change[], instance: DefaultedRedisInstance): StrategyEffects;
}
