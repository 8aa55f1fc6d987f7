import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { configHash, renderRedisConf } from '../../../src/config/render.js';

function directives(conf: string): string[] {
  return conf.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
}

describe('renderRedisConf', () => {
  it('writes the owned settings first, then defaults and spec.config sorted by name', () => {
    const conf = renderRedisConf({ maxmemory: '100mb', 'maxmemory-policy': 'allkeys-lru', appendonly: 'no' });
    expect(directives(conf)).toEqual([
      'port 6379',
      'dir /data',
      'daemonize no',
      'logfile ""',
      'appendonly no',
      'maxmemory 100mb',
      'maxmemory-policy allkeys-lru',
      'protected-mode no',
    ]);
  });

  it('gives the same bytes whatever the order of the input keys', () => {
    const a = renderRedisConf({ a: '1', b: '2', hz: '20' });
    const b = renderRedisConf({ hz: '20', b: '2', a: '1' });
    expect(a).toBe(b);
  });

  it('quotes values that are not a bare word and escapes quotes and backslashes', () => {
    const conf = renderRedisConf({ 'notify-keyspace-events': '', 'proc-title-template': '{title} "x" \\y' });
    expect(conf).toContain('notify-keyspace-events ""\n');
    expect(conf).toContain('proc-title-template "{title} \\"x\\" \\\\y"\n');
  });

  it('writes multi-argument directives as separate words and an empty one as ""', () => {
    expect(renderRedisConf({ save: '900 1  300 10' })).toContain('\nsave 900 1 300 10\n');
    expect(renderRedisConf({ save: '' })).toContain('\nsave ""\n');
  });

  it('hashes the exact text with sha256', () => {
    const conf = renderRedisConf({ maxmemory: '1mb' });
    expect(configHash(conf)).toBe(createHash('sha256').update(conf).digest('hex'));
    expect(configHash(conf)).not.toBe(configHash(renderRedisConf({ maxmemory: '2mb' })));
  });
});
