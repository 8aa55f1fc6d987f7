/**
 * `updatePolicy.config: Live`: which of an instance's directives the operator keeps with
 * CONFIG SET on the running servers, and what the pod template's config hash covers instead of
 * the whole file. Pure.
 *
 * Under Live the hash covers the directives the image's Redis version cannot change at run time,
 * with their values, and the names of those it can. So changing the value of a live directive
 * rolls nothing (the operator sets it on every pod and the ConfigMap keeps it for restarts);
 * changing any other directive, or adding or removing one, changes the hash and rolls the pods.
 * Adding a live directive could go live too, but removing one cannot (CONFIG SET has no "back to
 * the default", see config-change.ts), and the template cannot tell the two apart.
 */
import { createHash } from 'node:crypto';
import type { ConfigUpdatePolicy } from '../api/redis-instance.js';
import { directiveFacts } from './directive-table.js';
import { configHash, configuredDirectives, renderRedisConf } from './render.js';
import type { RedisVersion } from './redis-version.js';

export interface LiveSplit {
  /** Directive to value, as CONFIG SET takes them (the spec's spelling; defaults merged in). */
  readonly live: Readonly<Record<string, string>>;
  readonly restart: Readonly<Record<string, string>>;
}

/** The configured directives that `version` can change at run time, and the rest. An unknown
 * version can change nothing. */
export function splitLive(config: Readonly<Record<string, string>>, version: RedisVersion | undefined): LiveSplit {
  const live: Record<string, string> = {};
  const restart: Record<string, string> = {};
  for (const [name, value] of Object.entries(configuredDirectives(config)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const facts = version === undefined ? undefined : directiveFacts(version, name);
    if (facts?.mutability === 'live') live[name] = value;
    else restart[name] = value;
  }
  return { live, restart };
}

function sha256(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value), 'utf8').digest('hex');
}

/** The pod template's config hash: of the whole redis.conf, or under Live of what only a restart applies. */
export function podTemplateConfigHash(config: Readonly<Record<string, string>>, policy: ConfigUpdatePolicy, version: RedisVersion | undefined): string {
  if (policy !== 'Live') return configHash(renderRedisConf(config));
  const { live, restart } = splitLive(config, version);
  return sha256({ restart, live: Object.keys(live) });
}

/** What a pod's live settings are compared with: the live directives and their values. */
export function liveConfigHash(config: Readonly<Record<string, string>>, version: RedisVersion | undefined): string {
  return sha256(splitLive(config, version).live);
}
