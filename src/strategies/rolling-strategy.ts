import { injectable } from 'inversify';
import type { DefaultedRedisInstance } from '../api/redis-instance.js';
import { Resources } from '../client/resources.js';
import { type Change, describeValue, logChanges, needsStatefulSetRestart, summarize } from '../reconcile/change-set.js';
import type { StrategyContext, StrategyEffects, StrategyOutcome, UpdateStrategy } from './update-strategy.js';

/**
 * Updates the StatefulSet in place. The StatefulSet controller then replaces pods one at a
 * time from the highest ordinal down, so the primary (ordinal 0) restarts last and Redis keeps
 * serving throughout.
 */
@injectable()
export class RollingStrategy implements UpdateStrategy {
  readonly name = 'Rolling';

  accepts(changes: readonly Change[], instance: DefaultedRedisInstance): boolean {
    return changes.length > 0 && !needsStatefulSetRestart(changes, instance.spec.updatePolicy.config);
  }

  async execute(context: StrategyContext): Promise<StrategyOutcome> {
    const { desired, live, logger, instance } = context;
    // The live resourceVersion makes the write conditional: 409 when someone changed it since
    // it was read, and the reconcile retries from fresh state.
    await context.client.apply(Resources.statefulSet, {
      ...desired,
      metadata: { ...desired.metadata, resourceVersion: live.metadata.resourceVersion },
    });
    // Logged once the write is accepted: the lines users watch must not claim an update that
    // a conflict turned away.
    logChanges(logger, 'StatefulSet spec needs update, performing rolling update', context.changes,
      { instance: instance.metadata.name, namespace: instance.metadata.namespace ?? 'default', strategy: this.name });
    return { kind: 'applied', message: `Rolling update of StatefulSet ${desired.metadata.name}: ${summarize(context.changes)}` };
  }

  effects(changes: readonly Change[]): StrategyEffects {
    const podsRoll = changes.some((c) => c.kind !== 'replicas' && c.kind !== 'statefulSetSpec' && c.kind !== 'metadata');
    const scale = changes.find((c) => c.kind === 'replicas');
    const parts: string[] = [];
    if (podsRoll) parts.push('replaced one at a time from the highest ordinal down (the primary, ordinal 0, last)');
    if (scale) parts.push(`scaled from ${describeValue(scale.from)} to ${describeValue(scale.to)} (new ordinals are added, or the highest removed)`);
    return {
      pods: parts.length > 0 ? parts.join('; ') : 'untouched',
      persistentVolumeClaims: 'kept (scaling down keeps the claims of removed ordinals)',
    };
  }
}
