import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../src/client/objects.js';
import { authSecretProblem, redisAuthOf } from '../../../src/reconcile/auth-secret.js';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const secret = (data: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cache-auth' }, data });

describe('the auth Secret', () => {
  it('gives the operator the password the pods give Redis, one trailing newline removed', () => {
    expect(authSecretProblem('cache-auth', 'shop', secret({ password: b64('s3cret\n') }))).toBeUndefined();
    expect(redisAuthOf(secret({ password: b64('s3cret\n') }))).toEqual({ password: 's3cret' });
  });

  it('gives no password for a Secret the pods would refuse, and says why without the value', () => {
    const broken = secret({ password: b64('two\nlines') });
    expect(redisAuthOf(broken)).toBeUndefined();
    const problem = authSecretProblem('cache-auth', 'shop', broken);
    expect(problem).toMatchObject({ reason: 'AuthSecretInvalid', message: expect.stringContaining('Secret cache-auth, key password') });
    expect(JSON.stringify(problem)).not.toContain('lines');
    expect(redisAuthOf(undefined)).toBeUndefined();
  });

  it('refuses a password that is not UTF-8 text: the operator could not send it as the pods do', () => {
    const latin1 = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cache-auth' }, data: { password: Buffer.from([0x70, 0xe9, 0x77]).toString('base64') } };
    expect(authSecretProblem('cache-auth', 'shop', latin1)).toMatchObject({ reason: 'AuthSecretInvalid', message: expect.stringContaining('not UTF-8') });
  });
});
