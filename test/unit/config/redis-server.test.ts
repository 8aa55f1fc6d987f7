import { afterEach, describe, expect, it } from 'vitest';
import { renderRedisConf } from '../../../src/config/render.js';
import { startRedis, type RunningRedis } from '../../support/redis-server.js';
import { pollResult, waitFor } from '../../cluster/wait.js';

// Values chosen so that CONFIG GET returns them exactly as written, or in the normalized form
// given beside them.
const CONFIG: Record<string, string> = {
  maxmemory: '104857600',
  'maxmemory-policy': 'allkeys-lru',
  save: '900 1 300 10',
  appendonly: 'no',
  'notify-keyspace-events': 'Ex',
  timeout: '300',
  'tcp-keepalive': '60',
  databases: '4',
  hz: '20',
  'slowlog-log-slower-than': '5000',
  'client-output-buffer-limit': 'replica 134217728 33554432 30 pubsub 33554432 8388608 60',
  'proc-title-template': '{title} {listen-addr} {server-mode}',
  loglevel: 'warning',
};

const EXPECTED: Record<string, string> = {
  ...CONFIG,
  'notify-keyspace-events': 'xE',
  'client-output-buffer-limit': 'normal 0 0 0 slave 134217728 33554432 30 pubsub 33554432 8388608 60',
};

async function configGet(redis: RunningRedis, name: string, env?: Record<string, string>): Promise<string> {
  const lines = (await redis.cli(['config', 'get', name], env)).split('\n');
  return lines[1] ?? '';
}

describe('the rendered redis.conf in a real redis-server', () => {
  const servers: RunningRedis[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  });

  it('starts and CONFIG GET returns every configured value', async () => {
    const redis = await startRedis({ redisConf: renderRedisConf(CONFIG) });
    servers.push(redis);
    for (const [name, value] of Object.entries(EXPECTED)) {
      expect(await configGet(redis, name), name).toBe(value);
    }
    expect(await configGet(redis, 'protected-mode')).toBe('no');
    expect(await configGet(redis, 'daemonize')).toBe('no');
  });

  it('reads non-ASCII values back byte for byte from the pure-ASCII file', async () => {
    const values = { 'replica-announce-ip': 'héllo wörld 😀 "x" \\y', 'proc-title-template': '{title} é\u00a0{port}' };
    const conf = renderRedisConf(values);
    expect(conf).toMatch(/^[\x20-\x7e\n]*$/);
    const redis = await startRedis({ redisConf: conf });
    servers.push(redis);
    for (const [name, value] of Object.entries(values)) expect(await configGet(redis, name), name).toBe(value);
  });

  it('reads shutdown-on-sigint and shutdown-on-sigterm as several flags', async () => {
    const redis = await startRedis({ redisConf: renderRedisConf({ 'shutdown-on-sigint': 'nosave now', 'shutdown-on-sigterm': 'save force' }) });
    servers.push(redis);
    expect(await configGet(redis, 'shutdown-on-sigint')).toBe('nosave now');
    expect(await configGet(redis, 'shutdown-on-sigterm')).toBe('save force');
  });

  it('turns a password from the environment into requirepass, with quotes and backslashes intact', async () => {
    const password = 'p"a ss\\word';
    const redis = await startRedis({ redisConf: renderRedisConf({}), env: { REDIS_PASSWORD: password } });
    servers.push(redis);
    expect(await redis.cli(['ping'])).toMatch(/NOAUTH/);
    expect(await redis.cli(['ping'], { REDISCLI_AUTH: password })).toBe('PONG');
  });

  it('makes every ordinal but 0 a replica of the primary, authenticated with masterauth', async () => {
    const password = 'replication-secret';
    const conf = renderRedisConf({ appendonly: 'no' });
    const primary = await startRedis({ redisConf: conf, podName: 'cache-0', env: { REDIS_PASSWORD: password } });
    servers.push(primary);
    const replica = await startRedis({
      redisConf: conf,
      podName: 'cache-1',
      env: { REDIS_PASSWORD: password, REDIS_PRIMARY_HOST: '127.0.0.1', REDIS_PRIMARY_PORT: String(primary.port) },
    });
    servers.push(replica);
    const auth = { REDISCLI_AUTH: password };
    expect(await primary.cli(['set', 'greeting', 'hello'], auth)).toBe('OK');
    const value = await waitFor(async () => {
      const info = await replica.cli(['info', 'replication'], auth);
      if (!info.includes('master_link_status:up')) return { done: false, observation: info };
      const got = await replica.cli(['get', 'greeting'], auth);
      return pollResult(got === 'hello' ? got : undefined, `get greeting -> ${got}`);
    }, { description: 'the replica to sync from the primary', timeoutMs: 20_000, intervalMs: 100 });
    expect(value).toBe('hello');
    expect(await configGet(replica, 'replica-read-only', auth)).toBe('yes');
    expect(await replica.cli(['set', 'k', 'v'], auth)).toMatch(/READONLY/);
  });
});
