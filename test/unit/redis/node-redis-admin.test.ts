import net, { createServer, type Server, type Socket } from 'node:net';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { renderRedisConf } from '../../../src/config/render.js';
import { withRedisNode, type RedisNodeAddress } from '../../../src/redis/redis-admin.js';
import { RedisOperationError } from '../../../src/redis/redis-error.js';
import { freeLoopbackPorts } from '../../cluster/ports.js';
import { pollResult, waitFor } from '../../cluster/wait.js';
import { addressOf, testRedisAdmin } from '../../support/redis-admin.js';
import { startRedis, type RunningRedis } from '../../support/redis-server.js';

const PASSWORD = 'correct horse "battery" staple';

async function failureOf(promise: Promise<unknown>): Promise<RedisOperationError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(RedisOperationError);
  return error as RedisOperationError;
}

function expectNoSecret(error: Error, secret: string): void {
  for (const text of [error.message, String(error), JSON.stringify(error), inspect(error, { depth: 5 }), error.stack ?? '']) {
    expect(text).not.toContain(secret);
  }
}

/** A TCP listener on 127.0.0.1 that counts connections and, unless told to, never answers. */
async function countingListener(): Promise<{ server: Server; address: RedisNodeAddress; connections: () => number }> {
  let connections = 0;
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    connections++;
    sockets.push(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  server.on('close', () => sockets.forEach((s) => s.destroy()));
  const port = (server.address() as net.AddressInfo).port;
  return { server, address: { host: '127.0.0.1', port }, connections: () => connections };
}

async function closeServer(server: Server): Promise<void> {
  server.emit('close');
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

describe('NodeRedisAdmin against a real redis-server with a password', () => {
  let redis: RunningRedis;
  const admin = testRedisAdmin();
  const auth = { password: PASSWORD };

  beforeAll(async () => {
    redis = await startRedis({ redisConf: renderRedisConf({ appendonly: 'no' }), env: { REDIS_PASSWORD: PASSWORD } });
  });
  afterAll(async () => {
    await redis?.stop();
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('authenticates with the password it is given and answers PING', async () => {
    await withRedisNode(admin, addressOf(redis), auth, (node) => node.ping());
  });

  it('reports a wrong password as an auth error that does not contain the password', async () => {
    const wrong = 'the-wrong-password-2718';
    const error = await failureOf(admin.open(addressOf(redis), { password: wrong }));
    expect(error.kind).toBe('auth');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain(`127.0.0.1:${redis.port}`);
    expectNoSecret(error, wrong);
    expectNoSecret(error, PASSWORD);
  });

  it('reports a missing password as an auth error', async () => {
    const error = await failureOf(withRedisNode(admin, addressOf(redis), undefined, (node) => node.ping()));
    expect(error.kind).toBe('auth');
  });

  it('keeps a CONFIG SET value of a sensitive directive out of its errors', async () => {
    const error = await failureOf(
      withRedisNode(admin, addressOf(redis), auth, (node) => node.configSet({ masteruser: 'secret-user-name-3141', 'no-such-directive': 'x' })),
    );
    expect(error.kind).toBe('command');
    expect(error.message).toContain('no-such-directive');
    // masteruser went through; put it back so the other tests are not affected.
    await withRedisNode(admin, addressOf(redis), auth, (node) => node.configSet({ masteruser: '' }));
    const refused = await failureOf(withRedisNode(admin, addressOf(redis), auth, (node) => node.configSet({ masterauth: PASSWORD, daemonize: 'no' })));
    expect(refused.message).toMatch(/immutable/);
    expectNoSecret(refused, PASSWORD);
  });

  it('closes its connection when the batch is done, so an idle instance holds none', async () => {
    const clients = async (): Promise<number> => {
      const info = await redis.cli(['info', 'clients'], { REDISCLI_AUTH: PASSWORD });
      return Number(/connected_clients:(\d+)/.exec(info)?.[1]);
    };
    await withRedisNode(admin, addressOf(redis), auth, async (node) => {
      await node.ping();
      // This session and the redis-cli asking.
      expect(await clients()).toBe(2);
    });
    await waitFor(async () => {
      const count = await clients();
      return pollResult(count === 1 || undefined, `connected_clients:${count}`);
    }, { description: 'the session to be closed', timeoutMs: 5_000, intervalMs: 20 });
  });

  it('closes the connection when the batch throws', async () => {
    await expect(withRedisNode(admin, addressOf(redis), auth, async (node) => {
      await node.ping();
      throw new Error('the batch failed');
    })).rejects.toThrow('the batch failed');
    await waitFor(async () => {
      const info = await redis.cli(['info', 'clients'], { REDISCLI_AUTH: PASSWORD });
      return pollResult(info.includes('connected_clients:1') || undefined, info);
    }, { description: 'the session to be closed', timeoutMs: 5_000, intervalMs: 20 });
  });

  it('applies CONFIG SET and verifies it with CONFIG GET, in the server\'s spelling', async () => {
    const applied = await withRedisNode(admin, addressOf(redis), auth, (node) =>
      node.configSet({ maxmemory: '100mb', 'notify-keyspace-events': 'Ex', 'maxmemory-policy': 'ALLKEYS-LRU', save: '900 1 300 10' }),
    );
    expect(applied).toEqual([
      { name: 'maxmemory', requested: '100mb', observed: '104857600' },
      { name: 'notify-keyspace-events', requested: 'Ex', observed: 'xE' },
      { name: 'maxmemory-policy', requested: 'ALLKEYS-LRU', observed: 'allkeys-lru' },
      { name: 'save', requested: '900 1 300 10', observed: '900 1 300 10' },
    ]);
    expect(await redis.cli(['config', 'get', 'maxmemory'], { REDISCLI_AUTH: PASSWORD })).toBe('maxmemory\n104857600');
  });

  it('reports an immutable directive as a command error and a protected one likewise', async () => {
    const immutable = await failureOf(withRedisNode(admin, addressOf(redis), auth, (node) => node.configSet({ databases: '4' })));
    expect(immutable.kind).toBe('command');
    expect(immutable.message).toMatch(/CONFIG SET databases.*immutable/);
    const protectedOne = await failureOf(withRedisNode(admin, addressOf(redis), auth, (node) => node.configSet({ dir: '/tmp' })));
    expect(protectedOne.message).toMatch(/protected/);
  });

  it('reads only the exact names it asks for, though CONFIG GET takes a pattern', async () => {
    const values = await withRedisNode(admin, addressOf(redis), auth, (node) => node.configGet(['maxmemory*', 'databases', 'not-a-directive']));
    expect(values).toEqual({ databases: '16' });
  });

  it('never opens a socket to an address the guard rejects', async () => {
    const listener = await countingListener();
    const connect = vi.spyOn(net.Socket.prototype, 'connect');
    try {
      const guarded = testRedisAdmin({ dialGuard: (a) => (a.port === listener.address.port ? { allowed: false, reason: 'a simulated node' } : { allowed: true }) });
      const refused = await failureOf(guarded.open(listener.address, auth));
      expect(refused.kind).toBe('dial-refused');
      expect(refused.message).toContain('a simulated node');
      const kwok = await failureOf(testRedisAdmin().open({ host: '10.244.0.7', port: 6379 }, auth));
      expect(kwok.kind).toBe('dial-refused');
      expect(connect).not.toHaveBeenCalled();
      expect(listener.connections()).toBe(0);
      // The control: the same listener, allowed, is dialed.
      const allowed = testRedisAdmin({ connectTimeoutMs: 200, commandTimeoutMs: 200 });
      await failureOf(allowed.open(listener.address, auth));
      expect(connect).toHaveBeenCalled();
      await waitFor(async () => pollResult(listener.connections() === 1 || undefined), { description: 'the allowed dial', timeoutMs: 5_000, intervalMs: 10 });
    } finally {
      await closeServer(listener.server);
    }
  });

  it('refuses host names: it resolves nothing and dials pod IPs only', async () => {
    const connect = vi.spyOn(net.Socket.prototype, 'connect');
    const error = await failureOf(admin.open({ host: 'localhost', port: redis.port }, auth));
    expect(error.kind).toBe('dial-refused');
    expect(connect).not.toHaveBeenCalled();
  });

  it('refuses to point Redis at an address the guard rejects', async () => {
    const error = await failureOf(withRedisNode(admin, addressOf(redis), auth, (node) => node.replicaOf({ host: '10.244.0.8', port: 6379 })));
    expect(error.kind).toBe('dial-refused');
    const info = await withRedisNode(admin, addressOf(redis), auth, (node) => node.replicationInfo());
    expect(info.role).toBe('primary');
  });

  it('reports nothing listening as unreachable, worth retrying', async () => {
    const [port] = await freeLoopbackPorts(1);
    const error = await failureOf(admin.open({ host: '127.0.0.1', port: port! }, auth));
    expect(error.kind).toBe('unreachable');
    expect(error.retryable).toBe(true);
    expectNoSecret(error, PASSWORD);
  });

  it('gives up on a server that accepts but never answers, with and without a password', async () => {
    const listener = await countingListener();
    try {
      const impatient = testRedisAdmin({ commandTimeoutMs: 200, connectTimeoutMs: 200 });
      const withPassword = await failureOf(impatient.open(listener.address, auth));
      expect(withPassword.kind).toBe('timeout');
      expect(withPassword.retryable).toBe(true);
      expectNoSecret(withPassword, PASSWORD);
      const withoutPassword = await failureOf(withRedisNode(impatient, listener.address, undefined, (node) => node.ping()));
      expect(withoutPassword.kind).toBe('timeout');
    } finally {
      await closeServer(listener.server);
    }
  });
});

describe('NodeRedisAdmin handing over between two real redis-servers', () => {
  let servers: RunningRedis[] = [];
  const admin = testRedisAdmin();
  const auth = { password: PASSWORD };
  const env = { REDISCLI_AUTH: PASSWORD };

  beforeAll(async () => {
    const conf = renderRedisConf({ appendonly: 'no', 'repl-diskless-sync-delay': '0' });
    servers = await Promise.all(['a-0', 'b-0'].map((podName) => startRedis({ redisConf: conf, podName, env: { REDIS_PASSWORD: PASSWORD } })));
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  async function inSync(primary: RunningRedis, replica: RunningRedis): Promise<void> {
    await waitFor(async () => {
      const p = await withRedisNode(admin, addressOf(primary), auth, (node) => node.replicationInfo());
      const r = await withRedisNode(admin, addressOf(replica), auth, (node) => node.replicationInfo());
      return pollResult((r.role === 'replica' && r.linkUp && r.replicationOffset === p.replicationOffset) || undefined, `${r.replicationOffset} of ${p.replicationOffset}`);
    }, { description: `${replica.port} in sync with ${primary.port}`, timeoutMs: 20_000, intervalMs: 50 });
  }

  it('completes hand-overs whose FAILOVER timeout is shorter than the once-a-second acknowledgement a replica sends unasked', async () => {
    // Redis completes a FAILOVER only once the target has acknowledged the last write, and
    // aborts it at the timeout. Left alone a replica acknowledges once a second, so most of these
    // would abort; asked, it acknowledges at once.
    let [from, to] = [servers[0]!, servers[1]!];
    await withRedisNode(admin, addressOf(to), auth, (node) => node.replicaOf(addressOf(from)));
    const outcomes: string[] = [];
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i < 20; i++) await from.cli(['set', `k:${round}:${i}`, String(i)], env);
      await inSync(from, to);
      const outcome = await withRedisNode(admin, addressOf(from), auth, (node) => node.failover(addressOf(to), { timeoutMs: 500 }));
      outcomes.push(outcome.kind);
      if (outcome.kind !== 'completed') break;
      [from, to] = [to, from];
    }
    expect(outcomes).toEqual(Array(6).fill('completed'));
    // Every write is on the primary of the end, the first round's too.
    expect(await from.cli(['get', 'k:0:19'], env)).toBe('19');
    expect((await withRedisNode(admin, addressOf(from), auth, (node) => node.replicationInfo())).role).toBe('primary');
  });
});
