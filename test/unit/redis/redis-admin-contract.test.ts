import { createClient } from '@redis/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderRedisConf } from '../../../src/config/render.js';
import { withRedisNode, type RedisAdmin, type RedisAuth, type RedisNodeAddress } from '../../../src/redis/redis-admin.js';
import { RedisOperationError } from '../../../src/redis/redis-error.js';
import { replicaSync } from '../../../src/redis/replica-choice.js';
import type { ReplicationInfo } from '../../../src/redis/replication-info.js';
import { pollResult, waitFor } from '../../cluster/wait.js';
import { FakeRedis } from '../../support/fake-redis.js';
import { addressOf, loopbackOnly, testRedisAdmin } from '../../support/redis-admin.js';
import { startRedis, type RunningRedis } from '../../support/redis-server.js';

const PASSWORD = 'contract-password';
const AUTH: RedisAuth = { password: PASSWORD };

/** Three standalone nodes with a password, behind a RedisAdmin, and a way to write to them. */
interface Backend {
  readonly admin: RedisAdmin;
  readonly nodes: readonly [RedisNodeAddress, RedisNodeAddress, RedisNodeAddress];
  write(address: RedisNodeAddress, keys: number): Promise<void>;
  /** An application's connection to a node; `open()` says whether it is still connected. */
  connectApplication(address: RedisNodeAddress): Promise<{ open(): Promise<boolean> }>;
  stop(): Promise<void>;
}

async function realBackend(): Promise<Backend> {
  const conf = renderRedisConf({ appendonly: 'no', 'repl-diskless-sync-delay': '0' });
  const servers: RunningRedis[] = await Promise.all(['a-0', 'b-0', 'c-0'].map((podName) => startRedis({ redisConf: conf, podName, env: { REDIS_PASSWORD: PASSWORD } })));
  const byPort = new Map(servers.map((s) => [s.port, s]));
  const clients: Array<{ isOpen: boolean; destroy(): void }> = [];
  return {
    admin: testRedisAdmin(),
    nodes: [addressOf(servers[0]!), addressOf(servers[1]!), addressOf(servers[2]!)],
    async write(address, keys) {
      const server = byPort.get(address.port)!;
      for (let i = 0; i < keys; i++) await server.cli(['set', `key:${i}`, String(i)], { REDISCLI_AUTH: PASSWORD });
    },
    async connectApplication(address) {
      const client = createClient({ socket: { host: address.host, port: address.port, reconnectStrategy: false }, password: PASSWORD });
      client.on('error', () => undefined);
      await client.connect();
      clients.push(client);
      return { open: async () => client.ping().then(() => true, () => false) };
    },
    async stop() {
      for (const client of clients) if (client.isOpen) client.destroy();
      await Promise.all(servers.map((s) => s.stop()));
    },
  };
}

async function fakeBackend(): Promise<Backend> {
  const fake = new FakeRedis({ dialGuard: loopbackOnly, version: '7.0' });
  const nodes = [6401, 6402, 6403].map((port) => fake.addNode({ host: '127.0.0.1', port }, { password: PASSWORD }).address);
  return {
    admin: fake,
    nodes: [nodes[0]!, nodes[1]!, nodes[2]!],
    async write(address, keys) {
      fake.write(address, keys * 30);
    },
    async connectApplication(address) {
      const node = fake.node(address);
      node.clients++;
      const before = node.clients;
      return { open: async () => node.clients >= before };
    },
    async stop() {},
  };
}

function info(backend: Backend, address: RedisNodeAddress): Promise<ReplicationInfo> {
  return withRedisNode(backend.admin, address, AUTH, (node) => node.replicationInfo());
}

async function waitInSync(backend: Backend, primary: RedisNodeAddress, replica: RedisNodeAddress): Promise<void> {
  await waitFor(async () => {
    const offset = (await info(backend, primary)).replicationOffset;
    const sync = replicaSync(await info(backend, replica), primary, offset, 0);
    return pollResult(sync.kind === 'in-sync' || undefined, JSON.stringify(sync));
  }, { description: `${replica.port} to catch up with ${primary.port}`, timeoutMs: 20_000, intervalMs: 50 });
}

async function failureOf(promise: Promise<unknown>): Promise<RedisOperationError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(RedisOperationError);
  return error as RedisOperationError;
}

describe.each([
  ['real redis-servers', realBackend],
  ['the fake', fakeBackend],
])('RedisAdmin on %s', (_name, makeBackend) => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await makeBackend();
  });
  afterAll(async () => {
    await backend?.stop();
  });

  it('makes a node a replica that links up and catches up', async () => {
    const [a, b, c] = backend.nodes;
    await backend.write(a, 5);
    // No replica has attached yet, so there is no replication stream to count in.
    expect((await info(backend, a)).replicationOffset).toBe(0);
    await withRedisNode(backend.admin, b, AUTH, (node) => node.replicaOf(a));
    await withRedisNode(backend.admin, c, AUTH, (node) => node.replicaOf(a));
    await waitInSync(backend, a, b);
    await backend.write(a, 5);
    await waitInSync(backend, a, b);
    await waitInSync(backend, a, c);
    const primary = await info(backend, a);
    expect(primary.role).toBe('primary');
    expect(primary.replicationOffset).toBeGreaterThan(0);
    await waitFor(async () => {
      const listed = (await info(backend, a)).connectedReplicas.map((r) => r.port).sort();
      return pollResult(listed.length === 2 || undefined, JSON.stringify(listed));
    }, { description: 'the primary to list both replicas', timeoutMs: 10_000, intervalMs: 50 });
    expect((await info(backend, a)).connectedReplicas.map((r) => r.port).sort()).toEqual([b.port, c.port].sort());
  });

  it('refuses FAILOVER to a node that is not its replica', async () => {
    const [a] = backend.nodes;
    const error = await failureOf(withRedisNode(backend.admin, a, AUTH, (node) => node.failover({ host: '127.0.0.1', port: 1 }, { timeoutMs: 1_000 })));
    expect(error.kind).toBe('command');
    expect(error.message).toMatch(/not a replica/);
  });

  it('hands over with FAILOVER, and leaves the other replica following the old primary', async () => {
    const [a, b, c] = backend.nodes;
    await backend.write(a, 3);
    await waitInSync(backend, a, b);
    const outcome = await withRedisNode(backend.admin, a, AUTH, (node) => node.failover(b, { timeoutMs: 5_000 }));
    expect(outcome).toEqual({ kind: 'completed' });
    expect((await info(backend, b)).role).toBe('primary');
    expect(await info(backend, a)).toMatchObject({ role: 'replica', primaryPort: b.port });
    expect(await info(backend, c)).toMatchObject({ role: 'replica', primaryPort: a.port });
  });

  it('promotes a replica with REPLICAOF NO ONE', async () => {
    const [, , c] = backend.nodes;
    await withRedisNode(backend.admin, c, AUTH, (node) => node.promote());
    expect((await info(backend, c)).role).toBe('primary');
  });

  it('applies a live directive and refuses immutable and protected ones', async () => {
    const [a] = backend.nodes;
    const applied = await withRedisNode(backend.admin, a, AUTH, (node) => node.configSet({ maxmemory: '64mb' }));
    expect(applied.map((x) => x.name)).toEqual(['maxmemory']);
    const read = await withRedisNode(backend.admin, a, AUTH, (node) => node.configGet(['maxmemory', 'databases']));
    expect(Object.keys(read).sort()).toEqual(['databases', 'maxmemory']);
    expect((await failureOf(withRedisNode(backend.admin, a, AUTH, (node) => node.configSet({ databases: '4' })))).message).toMatch(/immutable/);
    expect((await failureOf(withRedisNode(backend.admin, a, AUTH, (node) => node.configSet({ dir: '/tmp' })))).message).toMatch(/protected/);
  });

  it('closes the applications\' connections with CLIENT KILL TYPE normal, and keeps its own', async () => {
    const [a] = backend.nodes;
    const application = await backend.connectApplication(a);
    expect(await application.open()).toBe(true);
    const closed = await withRedisNode(backend.admin, a, AUTH, async (node) => {
      const count = await node.disconnectClients();
      await node.ping();
      return count;
    });
    expect(closed).toBeGreaterThanOrEqual(1);
    expect(await application.open()).toBe(false);
  });

  it('refuses a wrong password and an address the guard rejects', async () => {
    const [a] = backend.nodes;
    expect((await failureOf(backend.admin.open(a, { password: 'wrong' }))).kind).toBe('auth');
    expect((await failureOf(backend.admin.open({ host: '10.244.1.2', port: 6379 }, AUTH))).kind).toBe('dial-refused');
    expect((await failureOf(withRedisNode(backend.admin, a, AUTH, (node) => node.replicaOf({ host: '10.244.1.2', port: 6379 })))).kind).toBe('dial-refused');
  });
});
