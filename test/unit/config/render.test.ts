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
    expect(renderRedisConf({ 'shutdown-on-sigterm': 'save  force' })).toContain('\nshutdown-on-sigterm save force\n');
    expect(renderRedisConf({ save: '' })).toContain('\nsave ""\n');
  });

  it('writes one save point and one client class per line, the only spelling Redis 6.2 reads', () => {
    expect(renderRedisConf({ save: '900 1  300 10' })).toContain('\nsave 900 1\nsave 300 10\n');
    const conf = renderRedisConf({ 'client-output-buffer-limit': 'replica 256mb 64mb 60 pubsub 32mb 8mb 60' });
    expect(conf).toContain('\nclient-output-buffer-limit replica 256mb 64mb 60\nclient-output-buffer-limit pubsub 32mb 8mb 60\n');
  });

  it('writes pure ASCII: bytes outside printable ASCII become \\xHH inside double quotes', () => {
    const conf = renderRedisConf({ 'replica-announce-ip': 'héllo 😀', 'proc-title-template': '{title} \u00a0"é"\\' });
    expect(conf).toMatch(/^[\x20-\x7e\n]*$/);
    expect(conf).toContain('\nreplica-announce-ip "h\\xc3\\xa9llo \\xf0\\x9f\\x98\\x80"\n');
    expect(conf).toContain('\nproc-title-template "{title} \\xc2\\xa0\\"\\xc3\\xa9\\"\\\\"\n');
  });

  it('splits multi-argument directives on ASCII whitespace only, as Redis does', () => {
    // A no-break space is not a separator: "\u00a0" must not become `save ""` (snapshots off).
    expect(renderRedisConf({ save: '\u00a0' })).toContain('\nsave "\\xc2\\xa0"\n');
    expect(renderRedisConf({ save: '900\u00a01 300 10' })).toContain('\nsave "900\\xc2\\xa01" 300\nsave 10\n');
    expect(renderRedisConf({ save: ' 900 1\u3000' })).toContain('\nsave 900 "1\\xe3\\x80\\x80"\n');
  });

  it('writes shutdown-on-sigint and shutdown-on-sigterm flags as separate words', () => {
    const conf = renderRedisConf({ 'shutdown-on-sigint': 'nosave now', 'shutdown-on-sigterm': 'save  force' });
    expect(conf).toContain('\nshutdown-on-sigint nosave now\n');
    expect(conf).toContain('\nshutdown-on-sigterm save force\n');
  });

  it('hashes the exact text with sha256', () => {
    const conf = renderRedisConf({ maxmemory: '1mb' });
    expect(configHash(conf)).toBe(createHash('sha256').update(conf).digest('hex'));
    expect(configHash(conf)).not.toBe(configHash(renderRedisConf({ maxmemory: '2mb' })));
  });
});
