/**
 * A RedisInstance document as the API server stores it, before validation: null values of
 * fields that are not `nullable` in the CRD are dropped (and the field's default applies), as
 * apiextensions prunes them. `spec.config` values are nullable so that a null there is refused
 * with a message instead of silently dropping a directive (see the CRD's rule).
 */
type Json = Record<string, unknown>;

function isPlainObject(value: unknown): value is Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function withoutNulls(value: unknown, keepNullsAt: (path: readonly string[]) => boolean, path: readonly string[]): unknown {
  if (Array.isArray(value)) return value.map((item) => withoutNulls(item, keepNullsAt, path));
  if (!isPlainObject(value)) return value;
  const kept: Json = {};
  for (const [key, child] of Object.entries(value)) {
    if (child === null && !keepNullsAt(path)) continue;
    kept[key] = withoutNulls(child, keepNullsAt, [...path, key]);
  }
  return kept;
}

const isConfig = (path: readonly string[]) => path.length === 2 && path[0] === 'spec' && path[1] === 'config';

export function storedForm(document: unknown): unknown {
  return withoutNulls(document, isConfig, []);
}
