/**
 * Which watch updates can wake nothing: the caches keep each object as its transform leaves it
 * (src/manager/cache-transforms.ts), and the reconciler reads only those, so an update that
 * leaves the kept object as it was but for its resourceVersion (a status field nobody reads, a
 * timestamp, managedFields) gives a reconcile nothing it did not have. The cache still takes
 * the new version; only the wake-up is skipped.
 */
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../client/objects.js';

/** True when `newer` is `older` again, apart from `metadata.resourceVersion`. */
export function unchangedButVersion(older: KubeObject, newer: KubeObject): boolean {
  if (older === newer) return true;
  const { resourceVersion: _older, ...olderMetadata } = older.metadata;
  const { resourceVersion: _newer, ...newerMetadata } = newer.metadata;
  return isDeepStrictEqual({ ...older, metadata: olderMetadata }, { ...newer, metadata: newerMetadata });
}
