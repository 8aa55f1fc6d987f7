import { createHash } from 'node:crypto';
import { MULTI_ARGUMENT_DIRECTIVES } from './directives.js';
import { REDIS_PORT } from '../api/names.js';

/** Mount point of the data volume; Redis writes its RDB and AOF files here. */
export const DATA_DIR = '/data';

/**
 * Settings the operator always writes; `spec.config` cannot change them (see REFUSED_DIRECTIVES).
 * Order is fixed so the rendered text, and so its hash, only changes when a value does.
 */
const OWNED: ReadonlyArray<readonly [string, string]> = [
  ['port', String(REDIS_PORT)],
  ['dir', DATA_DIR],
  ['daemonize', 'no'],
  ['logfile', ''],
];

/**
 * Defaults a user may override. `protected-mode no` because Redis otherwise refuses every
 * non-loopback client when no password is set, which would cut replicas and Services off;
 * `appendonly yes` because a restarted pod must not come back empty.
 */
export const OVERRIDABLE_DEFAULTS: Readonly<Record<string, string>> = {
  'protected-mode': 'no',
  appendonly: 'yes',
};

const HEADER = '# Rendered by redis-operator from spec.config. Edits here are overwritten.\n';

// Words Redis reads back unchanged without quotes. Anything else is double-quoted.
const BARE_WORD = /^[A-Za-z0-9._:/+,*@=%{}-]+$/;
/** Redis splits arguments on these (sdssplitargs uses C's isspace in the "C" locale). */
const ASCII_WHITESPACE = /[ \t\n\v\f\r]+/;

/**
 * Inside double quotes Redis decodes `\xHH` (sdssplitargs), so every byte outside printable ASCII
 * is written that way: the file, and so the ConfigMap, is pure ASCII whatever the value holds,
 * and Redis still reads the exact UTF-8 bytes back.
 */
function quoteArgument(value: string): string {
  if (BARE_WORD.test(value)) return value;
  let quoted = '"';
  for (const byte of Buffer.from(value, 'utf8')) {
    if (byte === 0x22 || byte === 0x5c) quoted += `\\${String.fromCharCode(byte)}`;
    else if (byte >= 0x20 && byte <= 0x7e) quoted += String.fromCharCode(byte);
    else quoted += `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return `${quoted}"`;
}

/**
 * Directives whose value is a list of fixed-size groups, written one group per line. Redis 6.2
 * reads exactly one `save SECONDS CHANGES` or `client-output-buffer-limit CLASS HARD SOFT SECONDS`
 * per line: a longer `save` line clears the save points and sets none (no snapshots at all), and
 * a longer `client-output-buffer-limit` line is a fatal "Bad directive". Redis 7 reads one group
 * per line too, appending them, so this spelling is right for every supported version.
 */
const ONE_GROUP_PER_LINE: Readonly<Record<string, number>> = { save: 2, 'client-output-buffer-limit': 4 };

function splitArguments(value: string): string[] {
  // Split as Redis would (ASCII whitespace only): a no-break space is part of a word, never
  // a separator, so "\u00a0" cannot silently become `save ""` (snapshots off).
  return value.split(ASCII_WHITESPACE).filter((w) => w !== '');
}

/** The redis.conf lines of one directive. */
function renderDirective(directive: string, value: string): string[] {
  if (!MULTI_ARGUMENT_DIRECTIVES.has(directive)) return [`${directive} ${quoteArgument(value)}`];
  const words = splitArguments(value);
  if (words.length === 0) return [`${directive} ""`];
  const group = ONE_GROUP_PER_LINE[directive] ?? words.length;
  const lines: string[] = [];
  for (let at = 0; at < words.length; at += group) {
    lines.push(`${directive} ${words.slice(at, at + group).map(quoteArgument).join(' ')}`);
  }
  return lines;
}

/** The user-settable directives redis.conf holds for `spec.config`: its entries over the
 * overridable defaults. */
export function configuredDirectives(config: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
  return { ...OVERRIDABLE_DEFAULTS, ...config };
}

/**
 * Renders redis.conf: the owned settings, then the overridable defaults merged with
 * `spec.config`, sorted by name. Pure and deterministic: the same config gives the same bytes.
 * The input is assumed validated (no control characters, no refused directives).
 */
export function renderRedisConf(config: Readonly<Record<string, string>>): string {
  const merged = configuredDirectives(config);
  const lines = OWNED.flatMap(([name, value]) => renderDirective(name, value));
  for (const name of Object.keys(merged).sort()) lines.push(...renderDirective(name, merged[name]!));
  return `${HEADER}${lines.join('\n')}\n`;
}

/** Hex sha256 of the exact redis.conf text; stored on the pod template so a config change rolls. */
export function configHash(redisConf: string): string {
  return createHash('sha256').update(redisConf, 'utf8').digest('hex');
}
