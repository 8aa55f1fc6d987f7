import { describe, expect, it } from 'vitest';
import { configHash, renderRedisConf } from '../../../src/config/render.js';
import { liveConfigHash, podTemplateConfigHash, splitLive } from '../../../src/config/live-config.js';

describe('updatePolicy.config: Live', () => {
  it('splits the configured directives, defaults included, by what the version can change at run time', () => {
    expect(splitLive({ maxmemory: '100mb', databases: '32' }, '7.0')).toEqual({
      live: { appendonly: 'yes', maxmemory: '100mb', 'protected-mode': 'no' },
      restart: { databases: '32' },
    });
    // No version known: nothing can be trusted to go live.
    expect(splitLive({ maxmemory: '100mb' }, undefined).live).toEqual({});
  });

  it('keeps the pod template hash when only a live directive changes value, and changes it for anything a restart must apply', () => {
    const hash = (config: Record<string, string>) => podTemplateConfigHash(config, 'Live', '7.0');
    const base = { maxmemory: '100mb', databases: '16' };
    expect(hash({ ...base, maxmemory: '200mb' })).toBe(hash(base));
    expect(hash({ ...base, databases: '32' })).not.toBe(hash(base));
    // Adding or removing a live directive: removing it could only go back to the compiled default by a restart.
    expect(hash({ ...base, hz: '20' })).not.toBe(hash(base));
    expect(hash({ databases: '16' })).not.toBe(hash(base));
    expect(podTemplateConfigHash({ ...base, maxmemory: '200mb' }, 'Live', undefined)).not.toBe(podTemplateConfigHash(base, 'Live', undefined));
  });

  it('hashes the whole redis.conf under the other policies, as before', () => {
    const config = { maxmemory: '100mb' };
    expect(podTemplateConfigHash(config, 'Rolling', '7.0')).toBe(configHash(renderRedisConf(config)));
    expect(podTemplateConfigHash(config, 'Recreate', '7.0')).toBe(configHash(renderRedisConf(config)));
  });

  it('marks pods with a hash of the live directives and their values', () => {
    expect(liveConfigHash({ maxmemory: '100mb' }, '7.0')).not.toBe(liveConfigHash({ maxmemory: '200mb' }, '7.0'));
    expect(liveConfigHash({ maxmemory: '100mb', databases: '16' }, '7.0')).toBe(liveConfigHash({ maxmemory: '100mb', databases: '32' }, '7.0'));
  });
});
