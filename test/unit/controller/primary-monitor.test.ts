import winston from 'winston';
import { describe, expect, it } from 'vitest';
import { PrimaryMonitor, replicationSignature } from '../../../src/controller/primary-monitor.js';
import { withRedisNode } from '../../../src/redis/redis-admin.js';
import { FakeRedis } from '../../support/fake-redis.js';

const logger = winston.createLogger({ silent: true });
const primary = { host: '10.1.0.10', port: 6379 };
const replica = { host: '10.1.0.11', port: 6379 };

/** A primary with one replica, watched as the last reconcile saw it. */
async function watchedInstance() {
  const fake = new FakeRedis();
  fake.addNode(primary);
  fake.addNode(replica, { role: 'replica', primary });
  await withRedisNode(fake, replica, undefined, (node) => node.replicaOf(primary));
  const monitor = new PrimaryMonitor(fake, logger);
  const info = await withRedisNode(fake, primary, undefined, (node) => node.replicationInfo());
  monitor.watch('shop/cache', { address: primary, auth: undefined, signature: replicationSignature(info) });
  const woken: string[] = [];
  return { fake, monitor, woken, check: () => monitor.checkAll((key) => woken.push(key)) };
}

describe('PrimaryMonitor', () => {
  it('wakes nothing while the primary answers as the last reconcile saw it, writes or not', async () => {
    const { fake, woken, check } = await watchedInstance();
    await check();
    fake.write(primary, 500);
    await check();
    expect(woken).toEqual([]);
  });

  it('wakes the instance once when the primary stops answering, and closes every connection it opened', async () => {
    const { fake, monitor, woken, check } = await watchedInstance();
    fake.node(primary).reachable = false;
    await check();
    await check();
    expect(woken).toEqual(['shop/cache']);
    expect(monitor.size).toBe(0);
    expect(fake.node(primary).openSessions).toBe(0);
  });

  it('wakes the instance when the primary lost a replica or is no longer primary', async () => {
    const lostReplica = await watchedInstance();
    lostReplica.fake.node(replica).reachable = false;
    await lostReplica.check();
    expect(lostReplica.woken).toEqual(['shop/cache']);

    const demoted = await watchedInstance();
    await withRedisNode(demoted.fake, replica, undefined, (node) => node.promote());
    await withRedisNode(demoted.fake, primary, undefined, (node) => node.replicaOf(replica));
    await demoted.check();
    expect(demoted.woken).toEqual(['shop/cache']);
  });
});
