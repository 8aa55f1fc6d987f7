import type { DefaultedRedisInstance } from '../api/redis-instance.js';
import type { KubeClient } from '../client/kube-client.js';
import type { KubeObject } from '../client/objects.js';
import type { EventRecorder } from '../observability/event-recorder.js';
import type { Logger } from '../observability/logger.js';
import type { Change } from '../reconcile/change-set.js';

/** The reads a strategy may make while it decides: nothing it could write with. */
export type ReadOnlyClient = Pick<KubeClient, 'get' | 'list'>;

/** What a strategy knows when it decides whether to carry a change. */
export interface DecisionContext {
  /** The stored instance with defaults applied (it has a UID; owner references point at it). */
  readonly instance: DefaultedRedisInstance;
  /** The StatefulSet the constructs synthesize for the instance now. */
  readonly desired: KubeObject;
  /** The StatefulSet as the API server has it. */
  readonly live: KubeObject;
  readonly changes: readonly Change[];
  readonly client: ReadOnlyClient;
  readonly logger: Logger;
}

/** Everything a strategy needs to carry out a change it has accepted. */
export interface StrategyContext extends DecisionContext {
  readonly client: KubeClient;
  readonly events: EventRecorder;
}

/**
 * Whether the strategy carries the change now. A refusal is reported (the instance turns
 * Degraded with the reason, and a Warning Event says why) and nothing at all is written: not
 * the StatefulSet, and not the ConfigMap, Services or PodDisruptionBudget either.
 */
export type Decision =
  | { readonly kind: 'proceed' }
  | { readonly kind: 'refuse'; readonly reason: string; readonly message: string };

/**
 * What a strategy did; throwing means "try again later" (with backoff).
 * - `applied`: the StatefulSet was written; the StatefulSet controller rolls it out.
 * - `replacing`: the old StatefulSet is being deleted; the reconciler creates the new one once
 *   it is gone, over later reconciles, so no worker waits for the garbage collector.
 * - `stale`: the StatefulSet that was compared is no longer there (a 404 on its delete);
 *   nothing was done and the next reconcile plans again from fresh state.
 */
export type StrategyOutcome =
  | { readonly kind: 'applied'; readonly message: string }
  | { readonly kind: 'replacing'; readonly message: string }
  | { readonly kind: 'stale'; readonly message: string };

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
  /**
   * Called before anything of this reconcile is written; refuse here, never in `execute`, so
   * that a refused change leaves every object as it was. @default proceeds
   */
  decide?(context: DecisionContext): Promise<Decision>;
  execute(context: StrategyContext): Promise<StrategyOutcome>;
  effects?(changes: readonly Change[], instance: DefaultedRedisInstance): StrategyEffects;
}
