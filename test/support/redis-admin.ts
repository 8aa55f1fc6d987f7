import { NodeRedisAdmin, type NodeRedisAdminOptions } from '../../src/redis/node-redis-admin.js';
import type { DialGuard, RedisNodeAddress } from '../../src/redis/redis-admin.js';
import type { RunningRedis } from './redis-server.js';

/** Lets the client dial 127.0.0.1 only: tests never send a packet off this machine. */
export const loopbackOnly: DialGuard = (address) =>
  address.host === '127.0.0.1' ? { allowed: true } : { allowed: false, reason: 'tests dial 127.0.0.1 only' };

export function addressOf(redis: RunningRedis): RedisNodeAddress {
  return { host: '127.0.0.1', port: redis.port };
}

/** The real client with the loopback guard and short timeouts, so a failing test fails quickly. */
export function testRedisAdmin(options: Partial<NodeRedisAdminOptions> = {}): NodeRedisAdmin {
  return new NodeRedisAdmin({ dialGuard: loopbackOnly, connectTimeoutMs: 2_000, commandTimeoutMs: 5_000, failoverPollMs: 20, ...options });
}
