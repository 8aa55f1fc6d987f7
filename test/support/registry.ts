import { RecreateStrategy } from '../../src/strategies/recreate-strategy.js';
import { RollingStrategy } from '../../src/strategies/rolling-strategy.js';
import { StrategyRegistry } from '../../src/strategies/strategy-registry.js';
import type { UpdateStrategy } from '../../src/strategies/update-strategy.js';

/** The registry the operator builds: custom strategies first, then Recreate, then Rolling. */
export function builtInRegistry(custom: UpdateStrategy[] = []): StrategyRegistry {
  return new StrategyRegistry([...custom, new RecreateStrategy(), new RollingStrategy()]);
}
