import { createClient } from '@redis/client';
import { afterEach, describe, expect, it } from 'vitest';
import { renderRedisConf } from '../../../src/config/render.js';
import { withRedisNode, type RedisAuth, type RedisNodeAddress } from '../../../src/redis/redis-admin.js';
import { replicaSync } from '../../../src/redis/replica-choice.js';
import { pollResult, waitFor } from '../../cluster/wait.js';
import { addressOf, testRedisAdmin } from '../../support/redis-admin.js';
import { startRedis, type RunningRedis } from '../../support/redis-server.js';

const PASSWORD = 'replication-test-secret';
const AUTH: RedisAuth = { password: PASSWORD };
const admin = testRedisAdmin();

function newAppClient(address: RedisNodeAddress) {
  return createClient({ socket: { host: address.host, port: address.port, reconnectStrategy: false }, password: PASSWORD, RESP: 2, maintNotifications: 'disabled', disableClientInfo: true });
}
type AppClient = ReturnType<typeof newAppClient>;

/** A plain application client, as a user's would be behind the client Service. */
async function appClient(address: RedisNodeAddress): Promise<AppClient> {
  const client = newAppClient(address);
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

async function serverInfo(redis: RunningRedis, field: string): Promise<string> {
  const info = await redis.cli(['info', 'server'], { REDISCLI_AUTH: PASSWORD });
  return new RegExp(`${field}:(\\S+)`).exec(info)?.[1] ?? '';
}

async function waitInSync(primary: RunningRedis, replica: RunningRedis): Promise<void> {
  await waitFor(async () => {
    const offset = (await withRedisNode(admin, addressOf(primary), AUTH, (n) => n.replicationInfo())).replicationOffset;
    const sync = replicaSync(await withRedisNode(admin, addressOf(replica), AUTH, (n) => n.replicationInfo()), addressOf(primary), offset, 0);
    return pollResult(sync.kind === 'in-sync' || undefined, JSON.stringify(sync));
  }, { description: `the replica on ${replica.port} to catch up`, timeoutMs: 20_000, intervalMs: 50 });
}

/**
 * Writes `key:N` = N one after the other to whichever node `target()` names, until stopped or
 * `limit` writes were tried, and records which writes the server acknowledged.
 */
function startWriter(clients: Map<number, AppClient>, target: () => number, limit: number) {
  const acknowledged: number[] = [];
  const failed: string[] = [];
  let stopped = false;
  let attempts = 0;
  const done = (async () => {
    for (let i = 0; i < limit && !stopped; i++) {
      attempts++;
      try {
        const reply = await clients.get(target())!.set(`key:${i}`, String(i));
        if (reply === 'OK') acknowledged.push(i);
      } catch (error) {
        failed.push((error as Error).message);
      }
    }
  })();
  return {
    acknowledged,
    failed,
    attempts: () => attempts,
    async stop() {
      stopped = true;
      await done;
    },
  };
}

describe('replication between two real redis-servers through RedisAdmin', () => {
  const servers: RunningRedis[] = [];
  const clients: AppClient[] = [];
  afterEach(async () => {
    clients.splice(0).forEach((c) => c.destroy());
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  });

  async function pair(): Promise<[RunningRedis, RunningRedis]> {
    const conf = renderRedisConf({ appendonly: 'no', 'repl-diskless-sync-delay': '0' });
    const [a, b] = await Promise.all(['a-0', 'b-0'].map((podName) => startRedis({ redisConf: conf, podName, env: { REDIS_PASSWORD: PASSWORD } })));
    servers.push(a!, b!);
    await withRedisNode(admin, addressOf(b!), AUTH, (node) => node.replicaOf(addressOf(a!)));
    await waitInSync(a!, b!);
    return [a!, b!];
  }

  it('hands over with FAILOVER while writes are in flight and loses no acknowledged write', async () => {
    const [a, b] = await pair();
    const app = new Map([[a.port, await appClient(addressOf(a))], [b.port, await appClient(addressOf(b))]]);
    clients.push(...app.values());
    let target = a.port;
    const writer = startWriter(app, () => target, 50_000);
    await waitFor(async () => pollResult(writer.acknowledged.length >= 200 || undefined, `${writer.acknowledged.length} acknowledged`), {
      description: 'writes to be flowing', timeoutMs: 20_000, intervalMs: 10,
    });
    const attemptsBefore = writer.attempts();
    const outcome = await withRedisNode(admin, addressOf(a), AUTH, (node) => node.failover(addressOf(b), { timeoutMs: 5_000 }));
    const attemptsDuring = writer.attempts() - attemptsBefore;
    // What the client Service does once the role label moves.
    target = b.port;
    const acknowledgedAfterSwitch = writer.acknowledged.length;
    await waitFor(async () => pollResult(writer.acknowledged.length >= acknowledgedAfterSwitch + 100 || undefined), {
      description: 'writes to flow to the new primary', timeoutMs: 20_000, intervalMs: 10,
    });
    await writer.stop();

    expect(outcome).toEqual({ kind: 'completed' });
    expect(attemptsDuring).toBeGreaterThan(0);
    expect(await withRedisNode(admin, addressOf(b), AUTH, (n) => n.replicationInfo())).toMatchObject({ role: 'primary' });
    expect(await withRedisNode(admin, addressOf(a), AUTH, (n) => n.replicationInfo())).toMatchObject({ role: 'replica', primaryPort: b.port });
    // Writes that reached the old primary after it stepped down were refused, not lost.
    for (const message of writer.failed) expect(message).toMatch(/READONLY/);
    const newPrimary = app.get(b.port)!;
    const missing: number[] = [];
    for (let i = 0; i < writer.acknowledged.length; i += 500) {
      const keys = writer.acknowledged.slice(i, i + 500);
      const values = await newPrimary.mGet(keys.map((k) => `key:${k}`));
      keys.forEach((k, j) => { if (values[j] !== String(k)) missing.push(k); });
    }
    expect(missing).toEqual([]);
  });

  it('aborts a FAILOVER the replica cannot catch up with, and the primary keeps taking writes', async () => {
    const [a, b] = await pair();
    const app = await appClient(addressOf(a));
    clients.push(app);
    const replicaPid = Number(await serverInfo(b, 'process_id'));
    process.kill(replicaPid, 'SIGSTOP');
    try {
      // The stopped replica cannot acknowledge this, so it stays behind.
      await app.set('written-while-the-replica-is-stopped', 'yes');
      const outcome = await withRedisNode(admin, addressOf(a), AUTH, (node) => node.failover(addressOf(b), { timeoutMs: 300 }));
      expect(outcome).toEqual({ kind: 'aborted' });
      expect(await withRedisNode(admin, addressOf(a), AUTH, (n) => n.replicationInfo())).toMatchObject({ role: 'primary', failoverState: 'no-failover' });
      expect(await app.set('written-after-the-abort', 'yes')).toBe('OK');
    } finally {
      process.kill(replicaPid, 'SIGCONT');
    }
    await waitInSync(a, b);
  });

  it('changes maxmemory live on both nodes, verified with CONFIG GET, without restarting either', async () => {
    const [a, b] = await pair();
    const runIds = await Promise.all([a, b].map((s) => serverInfo(s, 'run_id')));
    for (const server of [a, b]) {
      const applied = await withRedisNode(admin, addressOf(server), AUTH, (node) => node.configSet({ maxmemory: '256mb' }));
      expect(applied).toEqual([{ name: 'maxmemory', requested: '256mb', observed: '268435456' }]);
      expect(await withRedisNode(admin, addressOf(server), AUTH, (node) => node.configGet(['maxmemory']))).toEqual({ maxmemory: '268435456' });
    }
    expect(await Promise.all([a, b].map((s) => serverInfo(s, 'run_id')))).toEqual(runIds);
    await waitInSync(a, b);
  });
});
