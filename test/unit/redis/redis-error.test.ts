import { describe, expect, it } from 'vitest';
import { formatAddress, redact, RedisOperationError } from '../../../src/redis/redis-error.js';

describe('RedisOperationError', () => {
  it('names the address and says whether a retry can help', () => {
    const error = new RedisOperationError('unreachable', { host: '10.0.0.5', port: 6379 }, 'connect failed');
    expect(error.message).toBe('Redis at 10.0.0.5:6379: connect failed');
    expect(error.retryable).toBe(true);
    expect(new RedisOperationError('auth', { host: '10.0.0.5', port: 6379 }, 'WRONGPASS').retryable).toBe(false);
  });

  it('writes IPv6 addresses in brackets', () => {
    expect(formatAddress({ host: 'fd00::5', port: 6379 })).toBe('[fd00::5]:6379');
  });
});

describe('redact', () => {
  it('cuts every occurrence of every secret out of a text', () => {
    expect(redact("Invalid argument 's3cret' for CONFIG SET 'requirepass' (s3cret)", ['s3cret'])).toBe(
      "Invalid argument '[redacted]' for CONFIG SET 'requirepass' ([redacted])",
    );
  });

  it('leaves a text alone when the secret is empty', () => {
    expect(redact('ERR something', [''])).toBe('ERR something');
  });
});
