/**
 * The Redis versions whose directives the operator knows (see directive-table.ts), and how an
 * image reference names one.
 */

export const REDIS_VERSIONS = ['6.2', '7.0', '7.2', '7.4'] as const;

/** A Redis release line: directives are the same across its patch releases (with the few
 * exceptions directive-table.ts names). */
export type RedisVersion = (typeof REDIS_VERSIONS)[number];

function isRedisVersion(value: string): value is RedisVersion {
  return (REDIS_VERSIONS as readonly string[]).includes(value);
}

// major.minor, an optional patch, then an optional variant such as `-alpine` or `-bookworm`.
// Release candidates are left out: their directive set is not the release's.
const VERSION_TAG = /^v?(\d+)\.(\d+)(?:\.\d+)?(?:[-_.][a-z][a-z0-9._-]*)?$/i;
const RELEASE_CANDIDATE = /(?:^|[-_.])rc\d*(?:$|[-_.])|\drc/i;

/**
 * The Redis version an image's tag names: `redis:7.2.4-alpine` and `localhost/redis:7.2` are
 * '7.2'. Undefined when the tag does not pin a release line we know: no tag, `latest`, `alpine`,
 * a bare major (`redis:7` floats from 7.0 to 7.4), a release candidate, another version, or a
 * digest without a tag. With both a tag and a digest the tag is believed; a digest alone says
 * nothing without pulling the image, which the operator never does.
 */
export function redisVersionOfImage(image: string): RedisVersion | undefined {
  const withoutDigest = image.split('@', 1)[0] ?? '';
  const lastSlash = withoutDigest.lastIndexOf('/');
  const lastColon = withoutDigest.lastIndexOf(':');
  // A colon before the last slash belongs to a registry's port (`localhost:5000/redis`).
  if (lastColon <= lastSlash) return undefined;
  const tag = withoutDigest.slice(lastColon + 1);
  if (RELEASE_CANDIDATE.test(tag)) return undefined;
  const match = VERSION_TAG.exec(tag);
  if (match === null) return undefined;
  const version = `${Number(match[1])}.${Number(match[2])}`;
  return isRedisVersion(version) ? version : undefined;
}
