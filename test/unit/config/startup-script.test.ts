import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { readinessProbeScript, startupScript } from '../../../constructs/redis-startup-script.js';
import { MAX_PASSWORD_BYTES, passwordProblem } from '../../../src/config/password.js';
import { renderRedisConf } from '../../../src/config/render.js';
import { PASSWORD_CASES } from '../../support/passwords.js';
import { startRedis, startupScriptRefusal, type RunningRedis } from '../../support/redis-server.js';

const run = promisify(execFile);

const SHELLS: ReadonlyArray<readonly string[]> = [['dash'], ['bash'], ['busybox', 'sh']];
const SOURCE = { REDIS_PASSWORD_SOURCE: 'Secret cache-auth, key password' };

async function probe(shell: readonly string[], port: number, env: Record<string, string>): Promise<number> {
  const [command = 'sh', ...args] = shell;
  return run(command, [...args, '-c', readinessProbeScript(port)], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env } })
    .then(() => 0, (e: { code: number }) => e.code);
}

describe('the start script and the password rule in a real redis-server', () => {
  const servers: RunningRedis[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  });

  it('holds no $( or $$ for the kubelet to expand', () => {
    for (const text of [startupScript(), readinessProbeScript()]) {
      expect(text).not.toContain('$(');
      expect(text).not.toContain('$$');
    }
  });

  describe.each(SHELLS.map((shell) => [shell.join(' '), shell] as const))('under %s', (_, shell) => {
    it.each(PASSWORD_CASES.filter((c) => c.password !== null).map((c) => [c.what, c] as const))(
      'requires AUTH with the password from %s',
      async (__, c) => {
        const redis = await startRedis({ redisConf: renderRedisConf({}), shell, env: { ...SOURCE, REDIS_PASSWORD: c.secretValue } });
        servers.push(redis);
        expect(await redis.cli(['ping'])).toMatch(/NOAUTH/);
        expect(await redis.cli(['ping'], { REDISCLI_AUTH: c.password! })).toBe('PONG');
        expect(await redis.cli(['config', 'get', 'masterauth'], { REDISCLI_AUTH: c.password! })).toBe(`masterauth\n${c.password}`.trim());
        // The readiness probe reads the Secret's value as it is, trailing newline included.
        expect(await probe(shell, redis.port, { REDISCLI_AUTH: c.secretValue })).toBe(0);
        expect(await probe(shell, redis.port, {})).not.toBe(0);
      },
    );

    it.each(PASSWORD_CASES.filter((c) => c.password === null).map((c) => [c.what, c] as const))(
      'refuses to start with %s, saying why without the password',
      async (__, c) => {
        const refusal = await startupScriptRefusal({ redisConf: renderRedisConf({}), shell, env: { ...SOURCE, REDIS_PASSWORD: c.secretValue } });
        expect(refusal.code).not.toBe(0);
        expect(refusal.output).toContain(`redis-start: refusing to start Redis: the password (Secret cache-auth, key password) ${passwordProblem(c.secretValue)}\n`);
        const words = c.secretValue.split(/[\r\n]/).filter((w) => w.length >= 3);
        for (const word of words) expect(refusal.output).not.toContain(word);
      },
    );

    it('runs without authentication only when no Secret is named', async () => {
      const redis = await startRedis({ redisConf: renderRedisConf({}), shell });
      servers.push(redis);
      expect(await redis.cli(['ping'])).toBe('PONG');
    });
  });

  it('cannot AUTH with a password longer than 16384 bytes, so none is accepted', async () => {
    const redis = await startRedis({ redisConf: renderRedisConf({}), env: { REDIS_PASSWORD: 'short' } });
    servers.push(redis);
    const longest = 'x'.repeat(MAX_PASSWORD_BYTES);
    const tooLong = 'y'.repeat(MAX_PASSWORD_BYTES + 1);
    expect(await redis.cli(['config', 'set', 'requirepass', longest], { REDISCLI_AUTH: 'short' })).toBe('OK');
    expect(await redis.cli(['ping'], { REDISCLI_AUTH: longest })).toBe('PONG');
    expect(await redis.cli(['config', 'set', 'requirepass', tooLong], { REDISCLI_AUTH: longest })).toBe('OK');
    const refused = await redis.cli(['ping'], { REDISCLI_AUTH: tooLong }).then((out) => out, (e: { stdout?: string; stderr?: string }) => `${e.stdout ?? ''}${e.stderr ?? ''}`);
    expect(refused).toMatch(/AUTH failed: ERR Protocol error: unauthenticated bulk length/);
    expect(refused).not.toMatch(/PONG/);
  });
});
