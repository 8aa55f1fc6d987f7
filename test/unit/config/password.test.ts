import { describe, expect, it } from 'vitest';
import { MAX_PASSWORD_BYTES, passwordProblem, readPassword } from '../../../src/config/password.js';
import { PASSWORD_CASES } from '../../support/passwords.js';

describe('the password rule', () => {
  it.each(PASSWORD_CASES.map((c) => [c.what, c] as const))('%s', (_, c) => {
    const reading = readPassword(c.secretValue);
    if (c.password === null) {
      expect(reading.kind).toBe('refused');
      expect(passwordProblem(c.secretValue)).toEqual(expect.any(String));
    } else {
      expect(reading).toEqual({ kind: 'accepted', password: c.password });
      expect(passwordProblem(c.secretValue)).toBeUndefined();
    }
  });

  it('reads the Secret\'s bytes as well as its text, invalid UTF-8 included', () => {
    expect(readPassword(Buffer.from([0xff, 0xfe, 0x0a]))).toEqual({ kind: 'accepted', password: Buffer.from([0xff, 0xfe]) });
    expect(readPassword(Buffer.from('a\nb')).kind).toBe('refused');
  });

  it('refuses a NUL byte, which no environment variable can carry', () => {
    expect(passwordProblem('hunter\u00002')).toMatch(/NUL/);
    expect(passwordProblem(Buffer.from([0x61, 0x00]))).toMatch(/NUL/);
  });

  it('says what is wrong without the password', () => {
    const secret = 'Tr0ub4dor&3';
    for (const value of [`${secret}\n\n`, `${secret}\r\n`, `${secret}\u0000`, secret.repeat(2000)]) {
      const problem = passwordProblem(value);
      expect(problem).toEqual(expect.any(String));
      expect(problem).not.toContain(secret);
    }
    expect(passwordProblem('')).toMatch(/is empty/);
    expect(passwordProblem('a\nb')).toMatch(/line break/);
    expect(passwordProblem('x'.repeat(MAX_PASSWORD_BYTES + 1))).toMatch(/is 16385 bytes long: Redis accepts at most 16384/);
  });
});
