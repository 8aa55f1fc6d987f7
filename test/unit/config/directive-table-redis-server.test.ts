import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@redis/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directiveFacts, knownDirectiveNames, type DirectiveMutability } from '../../../src/config/directive-table.js';
import { renderRedisConf } from '../../../src/config/render.js';
import { REDIS_VERSIONS } from '../../../src/config/redis-version.js';
import { startRedis, type RunningRedis } from '../../support/redis-server.js';

// The Debian package on this machine is redis-server 7.0.15, so this proves the 7.0 column of
// the table against the real server: a wrong letter in it fails one of these.
const VERSION = '7.0';

function namesWith(...mutabilities: DirectiveMutability[]): string[] {
  return knownDirectiveNames(VERSION).filter((name) => mutabilities.includes(directiveFacts(VERSION, name)!.mutability));
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

describe(`the directive table's Redis ${VERSION} column in a real redis-server`, () => {
  let redis: RunningRedis;
  let client: ReturnType<typeof createClient<Record<string, never>, Record<string, never>, Record<string, never>, 2>>;
  let includeDir: string;

  beforeAll(async () => {
    includeDir = mkdtempSync(join(tmpdir(), 'redis-operator-include-'));
    const included = join(includeDir, 'included.conf');
    writeFileSync(included, '# nothing\n');
    // Every file-only directive the table lists for 7.0 except loadmodule, which needs a module.
    const fileOnly = [
      `include ${included}`,
      'rename-command LASTSAVE LASTSAVE-RENAMED',
      'user default on nopass ~* &* +@all',
      'list-max-ziplist-entries 512',
      'list-max-ziplist-value 64',
      'lua-replicate-commands yes',
    ];
    redis = await startRedis({ redisConf: `${renderRedisConf({})}${fileOnly.join('\n')}\n` });
    client = createClient({ socket: { host: '127.0.0.1', port: redis.port, reconnectStrategy: false }, RESP: 2, maintNotifications: 'disabled', disableClientInfo: true });
    await client.connect();
  });

  afterAll(async () => {
    client?.destroy();
    await redis?.stop();
    rmSync(includeDir, { recursive: true, force: true });
  });

  it('starts with every file-only directive in its redis.conf, which CONFIG GET does not know', async () => {
    const fileOnly = namesWith('file-only');
    expect(fileOnly.sort()).toEqual(['include', 'list-max-ziplist-entries', 'list-max-ziplist-value', 'loadmodule', 'lua-replicate-commands', 'rename-command', 'user']);
    for (const name of fileOnly) expect(await client.configGet(name), name).toEqual({});
  });

  it('answers CONFIG GET for every other directive the table says it knows', async () => {
    const unanswered: string[] = [];
    for (const name of namesWith('live', 'restart', 'protected')) {
      const reply = await client.configGet(name);
      if (!(name in reply)) unanswered.push(name);
    }
    expect(unanswered).toEqual([]);
  });

  it('reports no directive in CONFIG GET * that the table lacks', async () => {
    const known = new Set(knownDirectiveNames(VERSION));
    expect(Object.keys(await client.configGet('*')).filter((name) => !known.has(name))).toEqual([]);
  });

  it('knows none of the names only other versions have', async () => {
    const known = new Set(knownDirectiveNames(VERSION));
    const others = [...new Set(REDIS_VERSIONS.flatMap((v) => knownDirectiveNames(v)))].filter((n) => !known.has(n));
    expect(others.length).toBeGreaterThan(10);
    const answered: string[] = [];
    for (const name of others) if (Object.keys(await client.configGet(name)).length > 0) answered.push(name);
    expect(answered).toEqual([]);
  });

  it('accepts CONFIG SET with the current value for every directive the table marks live', async () => {
    const refused: string[] = [];
    for (const name of namesWith('live')) {
      const value = (await client.configGet(name))[name]!;
      try {
        await client.configSet(name, value);
      } catch (error) {
        refused.push(`${name}: ${describeError(error)}`);
      }
    }
    expect(refused).toEqual([]);
  });

  it('refuses CONFIG SET for every directive the table marks restart or protected, saying which', async () => {
    const wrong: string[] = [];
    for (const name of namesWith('restart', 'protected')) {
      const expected = directiveFacts(VERSION, name)!.mutability === 'restart' ? "can't set immutable config" : "can't set protected config";
      const value = (await client.configGet(name))[name]!;
      try {
        await client.configSet(name, value);
        wrong.push(`${name}: accepted`);
      } catch (error) {
        if (!describeError(error).includes(expected)) wrong.push(`${name}: ${describeError(error)}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
