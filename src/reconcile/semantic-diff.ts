import { isQuantity, quantitiesEqual } from '../api/quantity.js';

/** One field whose live value differs from the desired one. */
export interface Difference {
  /** Path in the object, e.g. `spec.template.spec.containers[0].image`. */
  readonly path: string;
  readonly from: unknown;
  readonly to: unknown;
}

export interface DiffRules {
  /**
   * Paths the operator owns completely: a field the live object has there and the desired one
   * lacks is a difference (a removed limit), not a server default to ignore.
   */
  readonly complete?: (path: string) => boolean;
  /** Paths whose values are resource quantities, compared by value (`1Gi` equals `1024Mi`). */
  readonly quantity?: (path: string) => boolean;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The API server drops empty lists and maps; absent, null, [] and {} all mean "nothing". */
function isEmpty(value: unknown): boolean {
  return value === undefined || value === null
    || (Array.isArray(value) && value.length === 0)
    || (isObject(value) && Object.keys(value).length === 0);
}

function child(path: string, key: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) return path === '' ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}

function scalarsEqual(path: string, desired: unknown, live: unknown, rules: DiffRules): boolean {
  if (desired === live) return true;
  if (rules.quantity?.(path)) {
    const a = String(desired);
    const b = String(live);
    if (isQuantity(a) && isQuantity(b)) return quantitiesEqual(a, b);
  }
  return false;
}

/**
 * Compares a desired object with the live one the way the API server stores it: fields the
 * desired object does not set are the server's defaults and are ignored (except under
 * `complete` paths), empty and absent are the same, and quantities compare by value. Lists are
 * compared element by element and differ as a whole when their lengths do.
 * Pure: returns every difference, in a stable order.
 */
export function semanticDiff(desired: unknown, live: unknown, rules: DiffRules = {}, path = ''): Difference[] {
  const out: Difference[] = [];
  walk(desired, live, path, rules, out);
  return out;
}

function walk(desired: unknown, live: unknown, path: string, rules: DiffRules, out: Difference[]): void {
  if (isEmpty(desired) && !(isObject(desired) && isObject(live))) {
    if (!isEmpty(live) && rules.complete?.(path)) out.push({ path, from: live, to: desired });
    return;
  }
  if (Array.isArray(desired)) {
    if (!Array.isArray(live) || live.length !== desired.length) {
      out.push({ path, from: live, to: desired });
      return;
    }
    desired.forEach((item, index) => walk(item, live[index], `${path}[${index}]`, rules, out));
    return;
  }
  if (isObject(desired)) {
    if (!isObject(live)) {
      out.push({ path, from: live, to: desired });
      return;
    }
    for (const key of Object.keys(desired)) walk(desired[key], live[key], child(path, key), rules, out);
    for (const key of Object.keys(live)) {
      if (key in desired || isEmpty(live[key])) continue;
      const childPath = child(path, key);
      if (rules.complete?.(path) || rules.complete?.(childPath)) out.push({ path: childPath, from: live[key], to: undefined });
    }
    return;
  }
  if (!scalarsEqual(path, desired, live, rules)) out.push({ path, from: live, to: desired });
}
