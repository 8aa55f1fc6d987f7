import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { runCli } from '../../support/cli.js';

const run = promisify(execFile);
const CLUSTER_SCOPED = new Set(['Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding']);

interface KubeObject { kind: string; metadata: { name: string; namespace?: string } }

/** What `cdk8s synth` (cdk8s.yaml) writes for the operator's install. */
async function cdk8sSynth(env: Record<string, string>): Promise<KubeObject[]> {
  const out = mkdtempSync(join(tmpdir(), 'redis-operator-cdk8s-'));
  try {
    await run('node_modules/.bin/cdk8s', ['synth', '--no-check-upgrade', '--output', out], { env: { ...process.env, ...env } });
    return parseAllDocuments(readFileSync(join(out, 'redis-operator.k8s.yaml'), 'utf8')).map((d) => d.toJS() as KubeObject);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

describe('the operator install manifests', () => {
  it.each<[string, string[], Record<string, string>]>([
    ['the default namespace', [], {}],
    ['another namespace', ['--namespace', 'redis-system'], { OPERATOR_NAMESPACE: 'redis-system' }],
  ])('are the same from synth --operator and cdk8s synth, in %s', async (_, flags, env) => {
    const synth = await runCli(['synth', '--operator', ...flags, '-o', 'json']);
    expect(synth.code).toBe(0);
    const objects = JSON.parse(synth.stdout) as KubeObject[];
    expect(await cdk8sSynth(env)).toEqual(objects);
    for (const object of objects) {
      if (CLUSTER_SCOPED.has(object.kind)) expect(object.metadata.namespace, object.kind).toBeUndefined();
      else expect(object.metadata.namespace, object.kind).toBe(env.OPERATOR_NAMESPACE ?? 'redis-operator');
    }
  });
});
