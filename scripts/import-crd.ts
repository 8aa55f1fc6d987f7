/**
 * Regenerates imports/ from the CRD the construct synthesizes, with `cdk8s import`.
 * Usage: tsx scripts/import-crd.ts [OUTPUT_DIR]   (default: imports)
 * test/unit/imports.test.ts runs it into a temporary directory and fails when the committed
 * classes drift from the construct.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { App, Chart } from 'cdk8s';
import { stringify } from 'yaml';
import { RedisInstanceCrd } from '../constructs/redis-instance-crd.js';

export function crdYaml(): string {
  const chart = new Chart(new App(), 'crd');
  new RedisInstanceCrd(chart, 'Crd');
  return stringify(chart.toJson()[0]);
}

export function importCrd(outputDir: string): void {
  const work = mkdtempSync(join(tmpdir(), 'redis-operator-import-'));
  try {
    const file = join(work, 'redisinstances.yaml');
    writeFileSync(file, crdYaml());
    const cli = resolve(import.meta.dirname, '../node_modules/.bin/cdk8s');
    execFileSync(cli, ['import', file, '--no-check-upgrade', '--language', 'typescript', '--output', resolve(outputDir)], {
      cwd: work,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  importCrd(process.argv[2] ?? 'imports');
}
