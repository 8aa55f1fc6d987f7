import { describe, expect, it } from 'vitest';
import { redisVersionOfImage } from '../../../src/config/redis-version.js';

describe('redisVersionOfImage', () => {
  it.each([
    ['redis:6.2', '6.2'],
    ['redis:7.0', '7.0'],
    ['localhost/redis:7.0', '7.0'],
    ['redis:7.0.15', '7.0'],
    ['redis:7.2.4-alpine', '7.2'],
    ['redis:7.2-bookworm', '7.2'],
    ['docker.io/library/redis:7.4.1-alpine3.20', '7.4'],
    ['registry.local:5000/team/redis:6.2.14', '6.2'],
    ['redis:7.2.4@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', '7.2'],
  ])('reads %s as Redis %s', (image, version) => {
    expect(redisVersionOfImage(image)).toBe(version);
  });

  it.each([
    ['redis', 'no tag'],
    ['redis:latest', 'a floating tag'],
    ['redis:alpine', 'a variant without a version'],
    ['redis:7', 'a bare major, which floats across 7.0 to 7.4'],
    ['redis:6.0.20', 'a version the table does not hold'],
    ['redis:8.0', 'a newer version'],
    ['redis:7.2-rc2', 'a release candidate'],
    ['redis:7.0.0rc1', 'a release candidate without a dash'],
    ['redis@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 'a digest alone'],
    ['localhost:5000/redis', 'a registry port but no tag'],
    ['localhost:5000/redis@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 'a port and a digest'],
    ['redis:7.0x', 'a tag that only starts like a version'],
  ])('knows no version for %s (%s)', (image) => {
    expect(redisVersionOfImage(image)).toBeUndefined();
  });
});
