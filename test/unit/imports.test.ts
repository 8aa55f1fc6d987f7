import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importCrd } from '../../scripts/import-crd.js';

describe('imports/', () => {
  it('holds exactly what cdk8s import generates from the CRD construct (run `npm run import` when this fails)', () => {
    const out = mkdtempSync(join(tmpdir(), 'redis-operator-imports-'));
    try {
      importCrd(out);
      expect(readFileSync('imports/redis.github.com.ts', 'utf8')).toBe(readFileSync(join(out, 'redis.github.com.ts'), 'utf8'));
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
