import { describe, expect, it } from 'vitest';
import { directiveFacts, isLiveMutable, knownDirective, knownDirectiveNames } from '../../../src/config/directive-table.js';
import { REDIS_VERSIONS } from '../../../src/config/redis-version.js';

describe('the directive table', () => {
  it('knows maxmemory on every version and lets it change live', () => {
    for (const version of REDIS_VERSIONS) {
      expect(knownDirective(version, 'maxmemory'), version).toBe(true);
      expect(isLiveMutable(version, 'maxmemory'), version).toBe(true);
    }
  });

  it('marks directives CONFIG SET refuses as needing a restart', () => {
    for (const version of REDIS_VERSIONS) {
      for (const name of ['databases', 'daemonize', 'io-threads', 'tcp-backlog', 'replicaof', 'unixsocket']) {
        expect(knownDirective(version, name), `${version} ${name}`).toBe(true);
        expect(isLiveMutable(version, name), `${version} ${name}`).toBe(false);
      }
    }
  });

  it('marks dir and dbfilename protected from 7.0 on, and settable in 6.2', () => {
    expect(directiveFacts('6.2', 'dir')?.mutability).toBe('live');
    expect(directiveFacts('6.2', 'dbfilename')?.mutability).toBe('live');
    for (const version of ['7.0', '7.2', '7.4'] as const) {
      expect(directiveFacts(version, 'dir')?.mutability, version).toBe('protected');
      expect(directiveFacts(version, 'dbfilename')?.mutability, version).toBe('protected');
      expect(isLiveMutable(version, 'dir')).toBe(false);
    }
  });

  it('resolves aliases to the name each version uses', () => {
    expect(directiveFacts('7.0', 'slaveof')?.name).toBe('replicaof');
    expect(directiveFacts('6.2', 'slaveof')?.name).toBe('replicaof');
    expect(directiveFacts('7.2', 'slave-priority')?.name).toBe('replica-priority');
    expect(directiveFacts('6.2', 'hash-max-ziplist-entries')?.name).toBe('hash-max-ziplist-entries');
    expect(directiveFacts('7.0', 'hash-max-ziplist-entries')?.name).toBe('hash-max-listpack-entries');
    expect(directiveFacts('7.2', 'bio_cpulist')?.name).toBe('bio_cpulist');
    expect(directiveFacts('7.4', 'bio_cpulist')?.name).toBe('bio-cpulist');
  });

  it('knows what each version added or dropped', () => {
    expect(knownDirective('6.2', 'hash-max-listpack-entries')).toBe(false);
    expect(knownDirective('7.0', 'locale-collate')).toBe(false);
    expect(knownDirective('7.2', 'locale-collate')).toBe(true);
    expect(knownDirective('7.2', 'hide-user-data-from-log')).toBe(false);
    expect(knownDirective('7.4', 'hide-user-data-from-log')).toBe(true);
    expect(knownDirective('6.2', 'gopher-enabled')).toBe(true);
    expect(knownDirective('7.0', 'gopher-enabled')).toBe(false);
    expect(knownDirective('7.4', 'bio-cpulist')).toBe(true);
    expect(knownDirective('7.2', 'bio-cpulist')).toBe(false);
  });

  it('knows the directives the file parser reads itself, as file-only', () => {
    for (const version of REDIS_VERSIONS) {
      for (const name of ['include', 'rename-command', 'user', 'loadmodule']) {
        expect(directiveFacts(version, name)?.mutability, `${version} ${name}`).toBe('file-only');
      }
    }
    expect(directiveFacts('6.2', 'lua-replicate-commands')?.mutability).toBe('live');
    expect(directiveFacts('7.0', 'lua-replicate-commands')?.mutability).toBe('file-only');
  });

  it('says which directives take several arguments', () => {
    for (const version of REDIS_VERSIONS) {
      for (const name of ['save', 'bind', 'client-output-buffer-limit', 'oom-score-adj-values', 'replicaof']) {
        expect(directiveFacts(version, name)?.multiArgument, `${version} ${name}`).toBe(true);
      }
      expect(directiveFacts(version, 'maxmemory')?.multiArgument).toBe(false);
    }
    expect(directiveFacts('7.0', 'shutdown-on-sigterm')?.multiArgument).toBe(true);
  });

  it('ignores case like Redis does and knows nothing of made-up names', () => {
    expect(knownDirective('7.0', 'MaxMemory')).toBe(true);
    expect(knownDirective('7.0', 'not-a-redis-directive')).toBe(false);
    expect(isLiveMutable('7.0', 'not-a-redis-directive')).toBe(false);
    expect(knownDirective('7.0', 'sentinel')).toBe(false);
  });

  it('lists every known name once, aliases included', () => {
    for (const version of REDIS_VERSIONS) {
      const names = knownDirectiveNames(version);
      expect(new Set(names).size).toBe(names.length);
      expect(names).toContain('slaveof');
      expect(names.every((n) => knownDirective(version, n))).toBe(true);
    }
    expect(knownDirectiveNames('7.0').length).toBeGreaterThan(knownDirectiveNames('6.2').length);
  });
});
