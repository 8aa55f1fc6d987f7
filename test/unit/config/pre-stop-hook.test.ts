import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { preStopScript } from '../../../constructs/redis-startup-script.js';
import { renderRedisConf } from '../../../src/config/render.js';
import { freeLoopbackPorts } from '../../cluster/ports.js';
import { pollResult, waitFor } from '../../cluster/wait.js';
import { startRedis, type RunningRedis } from '../../support/redis-server.js';

const SHELLS: ReadonlyArray<readonly string[]> = [['dash'], ['bash'], ['busybox', 'sh']];
/** A Secret's value as `kubectl create secret --from-file` leaves it: with a trailing newline. */
const SECRET_VALUE = 'hand over, then stop\n';
const PASSWORD = 'hand over, then stop';
/** Far longer than any wait below: a hook that returns within a test's deadline did not sit out its bound. */
const LONG_WAIT_SECONDS = 120;
/** How long a hook that must return by itself is given. */
const RETURNS_WITHIN_MS = 10_000;

interface RunningHook {
  /** Resolves with the exit code once the hook returns. */
  readonly exited: Promise<number | null>;
  /** The command line of every redis-cli the hook ran, in order. */
  looks(): string[];
  running(): boolean;
  /** Kills it if it still runs and removes its files. */
  dispose(): void;
}

/**
 * Runs the hook as the kubelet does (`sh -c SCRIPT`, the container's environment), with a
 * redis-cli first on PATH that notes its arguments and runs the real one, so that a test can see
 * how often the hook looked and what it put on the command line.
 */
function runHook(shell: readonly string[], port: number, options: { env?: Record<string, string>; waitSeconds?: number; settleSeconds?: number } = {}): RunningHook {
  const dir = mkdtempSync(join(tmpdir(), 'redis-operator-prestop-'));
  const log = join(dir, 'looks');
  writeFileSync(log, '');
  writeFileSync(join(dir, 'redis-cli'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexec /usr/bin/redis-cli "$@"\n`);
  chmodSync(join(dir, 'redis-cli'), 0o755);
  const [command = 'sh', ...args] = shell;
  const child = spawn(command, [...args, '-c', preStopScript({ port, waitSeconds: options.waitSeconds ?? LONG_WAIT_SECONDS, settleSeconds: options.settleSeconds ?? LONG_WAIT_SECONDS })], {
    env: { PATH: `${dir}:${process.env.PATH ?? '/usr/bin:/bin'}`, ...options.env },
    stdio: 'ignore',
  });
  let done = false;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => { done = true; resolve(code); }));
  return {
    exited,
    looks: () => readFileSync(log, 'utf8').split('\n').filter((line) => line !== ''),
    running: () => !done,
    dispose: () => {
      if (!done) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function returnsBy(hook: RunningHook, what: string): Promise<number | null> {
  let code: number | null | undefined;
  void hook.exited.then((c) => { code = c; });
  return waitFor(async () => pollResult(code !== undefined && { code }, `${hook.looks().length} looks so far`), {
    description: `the preStop hook to return (${what})`, timeoutMs: RETURNS_WITHIN_MS, intervalMs: 50,
  }).then((r) => r.code);
}

async function waitForLooks(hook: RunningHook, count: number): Promise<void> {
  await waitFor(async () => pollResult(hook.looks().length >= count || !hook.running() || undefined, `${hook.looks().length} looks`), {
    description: `the preStop hook to look ${count} times`, timeoutMs: RETURNS_WITHIN_MS, intervalMs: 50,
  });
}

const auth = { REDISCLI_AUTH: PASSWORD };
/**
 * A replica's first full sync waits repl-diskless-sync-delay (5 s by default) for others to join,
 * and a primary stopped at the end of a test waits up to shutdown-timeout (10 s) for its replicas.
 */
const REDIS_CONF = renderRedisConf({ 'repl-diskless-sync-delay': '0', 'shutdown-timeout': '0' });

async function replicationField(redis: RunningRedis, field: string): Promise<string | undefined> {
  const info = await redis.cli(['info', 'replication'], auth);
  return new RegExp(`^${field}:(.*)$`, 'm').exec(info)?.[1]?.trim();
}

describe('the preStop hook, against a real redis-server', () => {
  const servers: RunningRedis[] = [];
  const hooks: RunningHook[] = [];
  const listeners: Server[] = [];
  const held: Socket[] = [];
  afterEach(async () => {
    for (const hook of hooks.splice(0)) hook.dispose();
    for (const socket of held.splice(0)) socket.destroy();
    // Replicas first, while their primary still answers: a replica left retrying a stopped
    // primary was seen to outlast SIGTERM until the helper's SIGKILL.
    for (const server of servers.splice(0).reverse()) await server.stop();
    await Promise.all(listeners.splice(0).map((l) => new Promise((resolve) => l.close(resolve))));
  }, 30_000);

  /** A primary with `count` replicas linked to it, all with the Secret's password. */
  async function primaryWithReplicas(shell: readonly string[], count = 1): Promise<{ primary: RunningRedis; replicas: RunningRedis[] }> {
    const env = { REDIS_PASSWORD: SECRET_VALUE };
    const primary = await startRedis({ redisConf: REDIS_CONF, shell, env });
    servers.push(primary);
    const replicas: RunningRedis[] = [];
    for (let i = 1; i <= count; i++) {
      const replica = await startRedis({
        redisConf: REDIS_CONF, shell, role: 'replica', podName: `redis-${i}`,
        env: { ...env, REDIS_PRIMARY_HOST: '127.0.0.1', REDIS_PRIMARY_PORT: String(primary.port) },
      });
      servers.push(replica);
      replicas.push(replica);
    }
    await waitFor(async () => {
      const links = await Promise.all(replicas.map((r) => replicationField(r, 'master_link_status')));
      const connected = await replicationField(primary, 'connected_slaves');
      return pollResult(links.every((l) => l === 'up') && connected === String(count) || undefined, `links ${links.join(',')}, ${connected} replicas`);
    }, { description: 'the replicas to be linked to the primary', timeoutMs: 30_000, intervalMs: 100 });
    return { primary, replicas };
  }

  it('holds no $( or $$ for the kubelet to expand', () => {
    expect(preStopScript()).not.toContain('$(');
    expect(preStopScript()).not.toContain('$$');
  });

  describe.each(SHELLS.map((shell) => [shell.join(' '), shell] as const))('under %s', (_, shell) => {
    it('holds a primary with connected replicas until FAILOVER has made it a replica and the client Service reaches the new primary, authenticating with the Secret\'s value', async () => {
      // Two replicas, as in a 3-pod instance: after FAILOVER the other one still follows the old
      // primary (chained), so the old primary has a replica of its own and must still let go.
      const { primary, replicas: [replica] } = await primaryWithReplicas(shell, 2);
      // The client Service, as kube-proxy will route it once it has the new primary.
      const service = { REDIS_PRIMARY_HOST: '127.0.0.1', REDIS_PRIMARY_PORT: String(replica!.port) };
      const hook = runHook(shell, primary.port, { env: { REDISCLI_AUTH: SECRET_VALUE, ...service } });
      hooks.push(hook);
      // Still waiting after several looks: the primary has not handed over yet.
      await waitForLooks(hook, 3);
      expect(hook.running()).toBe(true);
      expect(new Set(hook.looks())).toEqual(new Set([`-h 127.0.0.1 -p ${primary.port} info replication`]));
      for (const line of hook.looks()) expect(line).not.toContain(PASSWORD);

      expect(await primary.cli(['failover', 'to', '127.0.0.1', String(replica!.port), 'timeout', '5000'], auth)).toBe('OK');
      expect(await returnsBy(hook, 'the primary handed over')).toBe(0);
      expect(hook.looks().at(-1)).toBe(`-h 127.0.0.1 -p ${replica!.port} info replication`);
      expect(await replicationField(primary, 'role')).toBe('slave');
      expect(await replicationField(replica!, 'role')).toBe('master');
      expect(await replicationField(primary, 'connected_slaves')).toBe('1');
    });

    it('after handing over, stays while the client Service still reaches this pod (kube-proxy has not moved it yet), up to its settle bound', async () => {
      const { primary, replicas: [replica] } = await primaryWithReplicas(shell);
      const stillHere = { REDIS_PRIMARY_HOST: '127.0.0.1', REDIS_PRIMARY_PORT: String(primary.port) };
      const hook = runHook(shell, primary.port, { env: { REDISCLI_AUTH: SECRET_VALUE, ...stillHere }, settleSeconds: 1 });
      hooks.push(hook);
      await waitForLooks(hook, 1);
      expect(await primary.cli(['failover', 'to', '127.0.0.1', String(replica!.port), 'timeout', '5000'], auth)).toBe('OK');
      // A few looks after the roles swapped: at its own Redis once, then at the Service.
      await waitForLooks(hook, hook.looks().length + 3);
      expect(hook.running()).toBe(true);
      expect(await returnsBy(hook, 'its settle bound passed')).toBe(0);
      expect(await replicationField(primary, 'role')).toBe('slave');
    });

    it('gives up after its bound when nobody hands over, and Redis is left as it was', async () => {
      const { primary } = await primaryWithReplicas(shell);
      const hook = runHook(shell, primary.port, { env: { REDISCLI_AUTH: SECRET_VALUE }, waitSeconds: 1 });
      hooks.push(hook);
      await waitForLooks(hook, 2);
      expect(await returnsBy(hook, 'its bound passed')).toBe(0);
      expect(await replicationField(primary, 'role')).toBe('master');
    });

    it('returns at once for a pod that was a replica to begin with, whatever the client Service reaches', async () => {
      const [nobody] = await freeLoopbackPorts(1);
      const service = { REDIS_PRIMARY_HOST: '127.0.0.1', REDIS_PRIMARY_PORT: String(nobody) };
      const replica = await startRedis({ redisConf: REDIS_CONF, shell, role: 'replica', env: { REDIS_PASSWORD: SECRET_VALUE, ...service } });
      servers.push(replica);
      // The Service reaches no primary (its primary is gone): a replica has nothing to wait for.
      const hook = runHook(shell, replica.port, { env: { REDISCLI_AUTH: SECRET_VALUE, ...service } });
      hooks.push(hook);
      expect(await returnsBy(hook, 'a replica')).toBe(0);
    });

    it('returns at once for a primary with no replica (replicas: 1): nobody can take over', async () => {
      const primary = await startRedis({ redisConf: REDIS_CONF, shell, env: { REDIS_PASSWORD: SECRET_VALUE } });
      servers.push(primary);
      const hook = runHook(shell, primary.port, { env: { REDISCLI_AUTH: SECRET_VALUE } });
      hooks.push(hook);
      expect(await returnsBy(hook, 'a primary without replicas')).toBe(0);
    });

    it('returns at once when Redis refuses the password', async () => {
      const { primary } = await primaryWithReplicas(shell);
      const hook = runHook(shell, primary.port, { env: { REDISCLI_AUTH: 'not the password' } });
      hooks.push(hook);
      expect(await returnsBy(hook, 'a refused password')).toBe(0);
    });

    it('returns at once when nothing listens, and soon when something listens but never answers', async () => {
      const [closed] = await freeLoopbackPorts(1);
      const refused = runHook(shell, closed!);
      hooks.push(refused);
      expect(await returnsBy(refused, 'nothing listens')).toBe(0);

      const silent = createServer((socket) => { held.push(socket); });
      listeners.push(silent);
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const port = (silent.address() as { port: number }).port;
      const hung = runHook(shell, port);
      hooks.push(hung);
      expect(await returnsBy(hung, 'Redis never answers')).toBe(0);
    });
  });
});
