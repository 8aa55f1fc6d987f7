import { withDefaults } from '../../src/api/defaults.js';
import type { DefaultedRedisInstance, RedisInstanceSpec } from '../../src/api/redis-instance.js';

/** A defaulted instance for pure tests. */
export function defaultedInstance(spec: RedisInstanceSpec = {}, name = 'cache', namespace = 'shop'): DefaultedRedisInstance {
  return withDefaults({
    apiVersion: 'redis.github.com/v1',
    kind: 'RedisInstance',
    metadata: { name, namespace, uid: 'uid-1', generation: 1 },
    spec,
  });
}
