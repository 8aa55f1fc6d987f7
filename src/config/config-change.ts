/**
 * Which parts of a `spec.config` change a running Redis can take with CONFIG SET, and which only
 * a restart applies. Pure: the executor that sends CONFIG SET lives in src/redis.
 */
import { directiveFacts, type DirectiveFacts } from './directive-table.js';
import { outputBufferLimits, wordsOf } from './directive-values.js';
import { configuredDirectives } from './render.js';
import type { RedisVersion } from './redis-version.js';

export type DirectiveChangeKind = 'added' | 'changed' | 'removed';

/** A directive whose new value CONFIG SET applies to a running server. */
export interface LiveDirectiveChange {
  /** As `spec.config` spells it (an alias is fine: CONFIG SET accepts aliases). */
  readonly name: string;
  readonly kind: 'added' | 'changed';
  readonly from?: string;
  /** The value to send with CONFIG SET and expect back from CONFIG GET (modulo normalization). */
  readonly to: string;
}

/**
 * Why a change needs the pod restarted:
 * - `unknown-version`: the image's tag names no Redis version the directive table holds;
 * - `unknown-directive`: the version does not know the directive (validation refuses this
 *   before anything rolls: such a pod would not start);
 * - `restart`, `protected`, `file-only`: the directive's mutability (see directive-table.ts);
 * - `removed`: the server would fall back to its compiled default;
 * - `partial-reset`: the new `client-output-buffer-limit` drops a client class the old one set.
 *
 * A removal is restart-only by choice. Going live would mean sending CONFIG SET with the
 * compiled default of that exact build, which the table does not hold (and which differs by
 * version and build for some directives); a restart with the directive absent gets it right by
 * construction. A directive with an operator default (`appendonly`, `protected-mode`) is never
 * absent from redis.conf: removing it from `spec.config` is a change to that default.
 * `client-output-buffer-limit` is the one directive whose CONFIG SET merges rather than
 * replaces: classes left out keep their running values, whereas a restart resets them.
 */
export type RestartReason = 'unknown-version' | 'unknown-directive' | 'restart' | 'protected' | 'file-only' | 'removed' | 'partial-reset';

export interface RestartDirectiveChange {
  readonly name: string;
  readonly kind: DirectiveChangeKind;
  readonly from?: string;
  readonly to?: string;
  readonly reason: RestartReason;
}

export interface ConfigChangeClassification {
  /** In name order. */
  readonly live: readonly LiveDirectiveChange[];
  /** In name order; empty when the change can go live as a whole (or nothing changed). */
  readonly restart: readonly RestartDirectiveChange[];
}

interface Setting {
  readonly name: string;
  readonly value: string;
  readonly facts: DirectiveFacts | undefined;
}

/** The value as Redis reads it: a multi-argument value is its words, whatever the spacing. */
function comparable(setting: Setting): string {
  return setting.facts?.multiArgument === true
    ? wordsOf(setting.value).join(' ')
    : setting.value;
}

/**
 * The directives redis.conf holds for `config`, keyed by the name the version itself uses, so
 * that respelling a directive by its alias is no change. Sorted like the rendered file, where a
 * later line wins.
 */
function settingsOf(config: Readonly<Record<string, string>>, version: RedisVersion | undefined): Map<string, Setting> {
  const settings = new Map<string, Setting>();
  const configured = configuredDirectives(config);
  for (const name of Object.keys(configured).sort()) {
    const facts = version === undefined ? undefined : directiveFacts(version, name);
    settings.set(facts?.name ?? name.toLowerCase(), { name, value: configured[name]!, facts });
  }
  return settings;
}

function dropsAClientClass(from: string, to: string): boolean {
  const kept = outputBufferLimits(to);
  return [...outputBufferLimits(from).keys()].some((c) => !kept.has(c));
}

function restartReason(version: RedisVersion | undefined, previous: Setting | undefined, next: Setting): RestartReason | undefined {
  if (version === undefined) return 'unknown-version';
  if (next.facts === undefined) return 'unknown-directive';
  if (next.facts.mutability !== 'live') return next.facts.mutability;
  if (previous !== undefined && next.facts.name === 'client-output-buffer-limit' && dropsAClientClass(previous.value, next.value)) {
    return 'partial-reset';
  }
  return undefined;
}

/**
 * Splits the change from `oldConfig` to `newConfig` (both `spec.config`, before the operator's
 * defaults are merged in) into what CONFIG SET can apply live on `version` and what needs a
 * restart. An unknown version (undefined) restarts everything.
 */
export function classifyConfigChange(
  oldConfig: Readonly<Record<string, string>>,
  newConfig: Readonly<Record<string, string>>,
  version: RedisVersion | undefined,
): ConfigChangeClassification {
  const before = settingsOf(oldConfig, version);
  const after = settingsOf(newConfig, version);
  const live: LiveDirectiveChange[] = [];
  const restart: RestartDirectiveChange[] = [];
  for (const key of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const previous = before.get(key);
    const next = after.get(key);
    if (next === undefined) {
      if (previous === undefined) continue;
      restart.push({ name: previous.name, kind: 'removed', from: previous.value, reason: version === undefined ? 'unknown-version' : 'removed' });
      continue;
    }
    if (previous !== undefined && comparable(previous) === comparable(next)) continue;
    const change = { name: next.name, ...(previous === undefined ? { kind: 'added' as const } : { kind: 'changed' as const, from: previous.value }), to: next.value };
    const reason = restartReason(version, previous, next);
    if (reason === undefined) live.push(change);
    else restart.push({ ...change, reason });
  }
  return { live, restart };
}
