import { describe, expect, it } from 'vitest';
import { withDefaults } from '../../../src/api/defaults.js';
import type { KubeObject } from '../../../src/client/objects.js';
import { readAuth } from '../../../src/reconcile/auth-secret.js';

const instance = withDefaults({ apiVersion: 'redis.github.com/v1', kind: 'RedisInstance', metadata: { name: 'cache', namespace: 'shop' }, spec: { auth: { secretName: 'cache-auth' } } });

/** A lookup that has this Secret, or none: readAuth asks for exactly one object by name. */
function lookup(data: Record<string, string> | undefined) {
  const asked: string[] = [];
  return {
    asked,
    client: {
      get: async <T extends KubeObject>(_: unknown, name: string, namespace?: string) => {
        asked.push(`${namespace}/${name}`);
        return (data === undefined ? undefined : { apiVersion: 'v1', kind: 'Secret', metadata: { name }, data }) as T | undefined;
      },
    },
  };
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

describe('readAuth', () => {
  it('reads the password key, one trailing newline removed, as the pods do', async () => {
    const { client, asked } = lookup({ password: b64('s3cret\n') });
    expect(await readAuth(client, instance)).toEqual({ kind: 'password', auth: { password: 's3cret' } });
    expect(asked).toEqual(['shop/cache-auth']);
  });

  it('names the Secret and key of each problem, never the value', async () => {
    expect(await readAuth(lookup(undefined).client, instance)).toMatchObject({ kind: 'problem', reason: 'AuthSecretNotFound', message: expect.stringContaining('Secret shop/cache-auth') });
    expect(await readAuth(lookup({ other: b64('x') }).client, instance)).toMatchObject({ kind: 'problem', reason: 'AuthSecretKeyMissing' });
    const broken = await readAuth(lookup({ password: b64('two\nlines') }).client, instance);
    expect(broken).toMatchObject({ kind: 'problem', reason: 'AuthSecretInvalid', message: expect.stringContaining('key "password"') });
    expect(JSON.stringify(broken)).not.toContain('lines');
  });

  it('reads nothing when no Secret is named', async () => {
    const { client, asked } = lookup({ password: b64('x') });
    expect(await readAuth(client, withDefaults({ ...instance, spec: {} }))).toEqual({ kind: 'none' });
    expect(asked).toEqual([]);
  });
});
