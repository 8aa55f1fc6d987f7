/**
 * What one instance costs in the operator's caches: the heap that N copies of an instance's
 * objects (the RedisInstance and what it owns, as the API server returned them) take, as listed
 * and as the cache transforms keep them. Measured in this process, after full garbage
 * collections, so nothing but the objects is counted.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import type { KubeObject } from '../src/client/objects.js';
import type { ResourceType } from '../src/client/resources.js';
import { cacheTransformOf } from '../src/manager/cache-transforms.js';

export interface CacheCost {
  readonly objects: number;
  readonly listedKiB: number;
  readonly cachedKiB: number;
}

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

function heapFor(copies: number, make: (i: number) => KubeObject[]): number {
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  const kept: KubeObject[][] = [];
  for (let i = 0; i < copies; i++) kept.push(make(i));
  gc();
  gc();
  const bytes = process.memoryUsage().heapUsed - before;
  if (kept.length !== copies) throw new Error('unreachable');
  return bytes / copies / 1024;
}

/** `objects`: one instance's, as stored, each with the resource it is of; `name` is renamed per copy. */
export function cacheCost(objects: ReadonlyArray<readonly [ResourceType, KubeObject]>, name: string, copies = 1000): CacheCost {
  // Each copy parsed from its own text, as the wire delivers it: no string is shared by accident.
  const texts = objects.map(([resource, object]) => [resource, JSON.stringify(object)] as const);
  const parse = (i: number) => texts.map(([resource, text]) => [resource, JSON.parse(text.replaceAll(name, `${name}-${i}`)) as KubeObject] as const);
  return {
    objects: objects.length,
    listedKiB: heapFor(copies, (i) => parse(i).map(([, object]) => object)),
    cachedKiB: heapFor(copies, (i) => parse(i).map(([resource, object]) => cacheTransformOf(resource)(object))),
  };
}
