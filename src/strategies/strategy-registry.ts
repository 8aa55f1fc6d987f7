import { injectable, multiInject } from 'inversify';
import type { DefaultedRedisInstance } from '../api/redis-instance.js';
import type { Change } from '../reconcile/change-set.js';
import { TOKENS } from '../di/tokens.js';
import type { UpdateStrategy } from './update-strategy.js';

/** The strategies in the order they are asked: custom ones first, then the built-in ones. */
@injectable()
export class StrategyRegistry {
  constructor(@multiInject(TOKENS.UpdateStrategy) private readonly strategies: UpdateStrategy[]) {}

  get names(): string[] {
    return this.strategies.map((s) => s.name);
  }

  /** The strategy that carries these changes, or undefined when there is nothing to change. */
  choose(changes: readonly Change[], instance: DefaultedRedisInstance): UpdateStrategy | undefined {
    if (changes.length === 0) return undefined;
    const strategy = this.strategies.find((s) => s.accepts(changes, instance));
    if (!strategy) throw new Error(`no update strategy accepts the changes to ${changes.map((c) => c.path).join(', ')}`);
    return strategy;
  }
}
