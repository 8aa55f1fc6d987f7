import { describe, expect, it } from 'vitest';
import { configValueMatches } from '../../../src/redis/config-readback.js';

describe('configValueMatches', () => {
  it.each([
    ['maxmemory', '100mb', '104857600'],
    ['maxmemory', '1gb', '1073741824'],
    ['maxmemory', '1g', '1000000000'],
    ['maxmemory', '0', '0'],
    ['appendonly', 'YES', 'yes'],
    ['maxmemory-policy', 'AllKeys-LRU', 'allkeys-lru'],
    ['save', ' 900 1  300 10', '900 1 300 10'],
    ['save', '', ''],
    ['notify-keyspace-events', 'Ex', 'xE'],
    ['notify-keyspace-events', 'KEA', 'AKE'],
    ['notify-keyspace-events', 'Kg$lshzxetd', 'AK'],
    ['client-output-buffer-limit', 'pubsub 32mb 8mb 60', 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60'],
    ['client-output-buffer-limit', 'replica 256mb 64mb 60', 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60'],
    ['shutdown-on-sigterm', 'nosave now', 'now nosave'],
    ['latency-tracking-info-percentiles', '50.0 99 99.9', '50 99 99.9'],
  ])('accepts %s %j reading back as %j', (name, requested, observed) => {
    expect(configValueMatches(name, requested, observed)).toBe(true);
  });

  it.each([
    ['maxmemory', '100mb', '100000000'],
    ['maxmemory', '200mb', '104857600'],
    ['appendonly', 'yes', 'no'],
    ['save', '900 1', '900 1 300 10'],
    ['notify-keyspace-events', 'Ex', 'E'],
    ['notify-keyspace-events', 'KEA', 'KE'],
    ['client-output-buffer-limit', 'pubsub 64mb 8mb 60', 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60'],
    ['timeout', '', '0'],
  ])('refuses %s %j reading back as %j', (name, requested, observed) => {
    expect(configValueMatches(name, requested, observed)).toBe(false);
  });
});
