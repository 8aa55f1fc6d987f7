import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { UpdateStrategy } from './update-strategy.js';

function isStrategy(value: unknown): value is UpdateStrategy {
  const v = value as Partial<UpdateStrategy> | null;
  return typeof v === 'object' && v !== null && typeof v.name === 'string'
    && typeof v.accepts === 'function' && typeof v.execute === 'function';
}

function instantiate(value: unknown): UpdateStrategy | undefined {
  if (isStrategy(value)) return value;
  if (typeof value === 'function' && value.prototype
    && typeof value.prototype.accepts === 'function' && typeof value.prototype.execute === 'function') {
    const instance: unknown = new (value as new () => unknown)();
    if (isStrategy(instance)) return instance;
  }
  return undefined;
}

/** A strategy module that could not be loaded; a usage problem (exit 2), not a crash. */
export class StrategyModuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StrategyModuleError';
  }
}

/**
 * Loads the update strategies a module exports: a class with a no-argument constructor or an
 * object implementing UpdateStrategy, as the default export, any named export, or an array
 * named `strategies`. Everything a strategy needs at run time arrives in its StrategyContext.
 */
export async function loadStrategyModule(path: string): Promise<UpdateStrategy[]> {
  let module: Record<string, unknown>;
  try {
    module = await import(pathToFileURL(resolve(path)).href) as Record<string, unknown>;
  } catch (error) {
    throw new StrategyModuleError(`--strategy-module ${path}: cannot load it: ${(error as Error).message}`);
  }
  const candidates = Array.isArray(module.strategies) ? module.strategies : Object.values(module);
  const strategies = [...new Set(candidates.map(instantiate).filter((s): s is UpdateStrategy => s !== undefined))];
  if (strategies.length === 0) {
    throw new StrategyModuleError(`--strategy-module ${path}: exports no update strategy (a class or object with name, accepts() and execute())`);
  }
  const names = new Set<string>();
  for (const strategy of strategies) {
    if (['Rolling', 'Recreate', 'None', 'Create'].includes(strategy.name) || names.has(strategy.name)) {
      throw new StrategyModuleError(`--strategy-module ${path}: strategy name "${strategy.name}" is taken`);
    }
    names.add(strategy.name);
  }
  return strategies;
}
