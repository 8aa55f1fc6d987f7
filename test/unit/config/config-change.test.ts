import { describe, expect, it } from 'vitest';
import { classifyConfigChange } from '../../../src/config/config-change.js';

describe('classifyConfigChange', () => {
  it('finds nothing to do when nothing changed', () => {
    expect(classifyConfigChange({ maxmemory: '100mb' }, { maxmemory: '100mb' }, '7.0')).toEqual({ live: [], restart: [] });
  });

  it('applies a changed mutable directive live', () => {
    expect(classifyConfigChange({ maxmemory: '100mb' }, { maxmemory: '200mb' }, '7.0')).toEqual({
      live: [{ name: 'maxmemory', kind: 'changed', from: '100mb', to: '200mb' }],
      restart: [],
    });
  });

  it('applies an added mutable directive live', () => {
    expect(classifyConfigChange({}, { 'maxmemory-policy': 'allkeys-lru' }, '7.2')).toEqual({
      live: [{ name: 'maxmemory-policy', kind: 'added', to: 'allkeys-lru' }],
      restart: [],
    });
  });

  it('restarts for an immutable directive and still lists the live part', () => {
    const result = classifyConfigChange({ databases: '16', maxmemory: '1mb' }, { databases: '4', maxmemory: '2mb' }, '7.0');
    expect(result.live).toEqual([{ name: 'maxmemory', kind: 'changed', from: '1mb', to: '2mb' }]);
    expect(result.restart).toEqual([{ name: 'databases', kind: 'changed', from: '16', to: '4', reason: 'restart' }]);
  });

  it('restarts for a protected directive on 7.x but not on 6.2', () => {
    expect(classifyConfigChange({}, { dbfilename: 'x.rdb' }, '7.4').restart).toEqual([
      { name: 'dbfilename', kind: 'added', to: 'x.rdb', reason: 'protected' },
    ]);
    expect(classifyConfigChange({}, { dbfilename: 'x.rdb' }, '6.2').restart).toEqual([]);
  });

  it('restarts for a file-only directive', () => {
    expect(classifyConfigChange({}, { 'lua-replicate-commands': 'yes' }, '7.0').restart[0]?.reason).toBe('file-only');
  });

  it('restarts everything when the version is unknown', () => {
    const result = classifyConfigChange({ maxmemory: '1mb', timeout: '5' }, { maxmemory: '2mb' }, undefined);
    expect(result.live).toEqual([]);
    expect(result.restart).toEqual([
      { name: 'maxmemory', kind: 'changed', from: '1mb', to: '2mb', reason: 'unknown-version' },
      { name: 'timeout', kind: 'removed', from: '5', reason: 'unknown-version' },
    ]);
  });

  it('names a directive the version does not know', () => {
    expect(classifyConfigChange({}, { 'locale-collate': 'C' }, '7.0').restart).toEqual([
      { name: 'locale-collate', kind: 'added', to: 'C', reason: 'unknown-directive' },
    ]);
    expect(classifyConfigChange({}, { 'locale-collate': 'C' }, '7.2').live).toHaveLength(1);
  });

  it('restarts for a removed directive, since only a restart restores the compiled default', () => {
    expect(classifyConfigChange({ maxmemory: '1mb' }, {}, '7.0')).toEqual({
      live: [],
      restart: [{ name: 'maxmemory', kind: 'removed', from: '1mb', reason: 'removed' }],
    });
  });

  it('treats removing a directive the operator defaults as a change to that default', () => {
    expect(classifyConfigChange({ appendonly: 'no' }, {}, '7.0')).toEqual({
      live: [{ name: 'appendonly', kind: 'changed', from: 'no', to: 'yes' }],
      restart: [],
    });
  });

  it('sees no change when only the spelling changes to an alias', () => {
    expect(classifyConfigChange({ 'slave-priority': '10' }, { 'replica-priority': '10' }, '7.0')).toEqual({ live: [], restart: [] });
    const respelled = classifyConfigChange({ 'slave-priority': '10' }, { 'replica-priority': '20' }, '7.0');
    expect(respelled.live).toEqual([{ name: 'replica-priority', kind: 'changed', from: '10', to: '20' }]);
    expect(respelled.restart).toEqual([]);
  });

  it('compares multi-argument values by their words', () => {
    expect(classifyConfigChange({ save: '900 1  300 10' }, { save: ' 900 1 300 10' }, '7.0')).toEqual({ live: [], restart: [] });
    expect(classifyConfigChange({ save: '900 1' }, { save: '900 1 300 10' }, '7.0').live).toHaveLength(1);
    // A single-value directive is compared exactly: the space is part of the value.
    expect(classifyConfigChange({ 'proc-title-template': '{title}' }, { 'proc-title-template': '{title} ' }, '7.0').live).toHaveLength(1);
  });

  it('restarts when client-output-buffer-limit drops a class that CONFIG SET would leave as it was', () => {
    const before = { 'client-output-buffer-limit': 'pubsub 32mb 8mb 60 replica 256mb 64mb 60' };
    expect(classifyConfigChange(before, { 'client-output-buffer-limit': 'pubsub 64mb 8mb 60' }, '7.0').restart).toEqual([
      { name: 'client-output-buffer-limit', kind: 'changed', from: before['client-output-buffer-limit'], to: 'pubsub 64mb 8mb 60', reason: 'partial-reset' },
    ]);
    expect(classifyConfigChange(before, { 'client-output-buffer-limit': 'pubsub 64mb 8mb 60 slave 256mb 64mb 60' }, '7.0').live).toHaveLength(1);
  });
});
