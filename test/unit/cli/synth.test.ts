import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { runCli } from '../../support/cli.js';
import { readInstances } from '../../../src/cli/read-instances.js';
import { BAD_INSTANCES, instanceYaml as instance } from '../../support/bad-instances.js';

const run = promisify(execFile);

describe('redis-operator synth', () => {
  it.each(BAD_INSTANCES.map((b) => [b.what, b] as const))('refuses %s with exit 2 and the field path', async (_, bad) => {
    const result = await runCli(['synth', '-f', 'ri.yaml'], { 'ri.yaml': bad.yaml });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(new RegExp(`^error: ri\\.yaml: document 1.*: ${bad.path.replace(/\./g, '\\.')}: `, 'm'));
    if (bad.message) expect(result.stderr).toMatch(bad.message);
  });

  it('reports every problem of every document, not just the first', async () => {
    const yaml = `${instance('  replicas: -1\n  config: {dir: /x}')}---\n${instance('  image: ""', 'name: other')}`;
    const result = await runCli(['synth', '-f', 'ri.yaml'], { 'ri.yaml': yaml });
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatch(/document 2 RedisInstance "other": spec\.image: must not be empty/);
  });

  it('refuses two instances with the same name and namespace', async () => {
    const result = await runCli(['synth', '-f', 'ri.yaml'], { 'ri.yaml': `${instance('  {}')}---\n${instance('  {}')}` });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/metadata\.name: "cache" is also defined by ri\.yaml: document 1/);
  });

  it('refuses YAML it cannot parse with exit 2', async () => {
    const result = await runCli(['synth', '-f', 'ri.yaml'], { 'ri.yaml': 'spec: [unclosed\n' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: ri\.yaml: document 1: /);
  });

  it('says where a syntax error is, once, in a whole sentence', async () => {
    const result = await runCli(['synth', '-f', 'ri.yaml'], { 'ri.yaml': 'apiVersion: v1\nkind: x\n  bad: indent\n' });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('error: ri.yaml: document 1: line 2, column 7: Nested mappings are not allowed in compact mappings\n');
  });

  it('exits 2 when a file does not exist, naming it once', async () => {
    const result = await runCli(['synth', '-f', 'missing.yaml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('error: missing.yaml: cannot read it: no such file\n');
  });

  it('exits 2 when a real file is missing or a directory', async () => {
    const cli = ['--import', 'tsx', 'src/cli/cli.ts'];
    for (const [file, reason] of [['/nonexistent/ri.yaml', 'no such file'], ['examples', 'is a directory, not a file']]) {
      const failure = await run(process.execPath, [...cli, 'synth', '-f', file!]).then(() => undefined, (e: { code: number; stderr: string }) => e);
      expect(failure?.code).toBe(2);
      expect(failure?.stderr).toBe(`error: ${file}: cannot read it: ${reason}\n`);
    }
  });

  it('exits 2 on an unknown option or output format', async () => {
    expect((await runCli(['synth', '--frobnicate'])).code).toBe(2);
    expect((await runCli(['synth', '-f', 'x', '-o', 'xml'])).code).toBe(2);
  });

  it('warns about an unknown directive but still synthesizes', async () => {
    const result = await runCli(['synth', '-f', 'ri.yaml'], { 'ri.yaml': instance('  config: {max-memory: 1mb}') });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^warning: ri\.yaml: document 1 RedisInstance "cache": spec\.config\.max-memory: /m);
    expect(result.stdout).toContain('max-memory 1mb');
  });

  it('prints the same bytes for the same input', async () => {
    const files = { 'ri.yaml': readFileSync('examples/redis-replicated.yaml', 'utf8') };
    const first = await runCli(['synth', '-f', 'ri.yaml'], files);
    const second = await runCli(['synth', '-f', 'ri.yaml'], files);
    expect(first.code).toBe(0);
    expect(second.stdout).toBe(first.stdout);
  });

  it('prints every owned object as YAML documents, defaults applied', async () => {
    const result = await runCli(['synth', '-f', '-'], {}, readFileSync('examples/redis.yaml', 'utf8'));
    expect(result.code).toBe(0);
    const objects = parseAllDocuments(result.stdout).map((d) => d.toJS());
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ConfigMap/cache-config', 'StatefulSet/cache', 'Service/cache-headless', 'Service/cache',
    ]);
    const sts = objects[1];
    expect(sts.metadata.namespace).toBe('default');
    expect(sts.spec.replicas).toBe(1);
    expect(sts.spec.template.spec.containers[0].image).toBe('redis:7.2');
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('1Gi');
  });

  it('prints a JSON array with -o json, and a PDB for more than one replica', async () => {
    const files = { 'a.yaml': readFileSync('examples/redis-replicated.yaml', 'utf8'), 'b.yaml': readFileSync('examples/redis.yaml', 'utf8') };
    const result = await runCli(['synth', '-f', 'a.yaml', 'b.yaml', '-o', 'json'], files);
    expect(result.code).toBe(0);
    const objects = JSON.parse(result.stdout) as Array<{ kind: string; metadata: { name: string } }>;
    expect(objects.filter((o) => o.kind === 'PodDisruptionBudget').map((o) => o.metadata.name)).toEqual(['sessions']);
    expect(objects).toHaveLength(9);
  });

  it('accepts a kubectl-style List', async () => {
    const list = `apiVersion: v1\nkind: List\nitems:\n- ${instance('  {}').trim().replace(/\n/g, '\n  ')}\n`;
    const result = await runCli(['synth', '-f', 'l.yaml'], { 'l.yaml': list });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('name: cache-headless');
  });

  it('reads a List of 200,000 instances without overflowing the stack', async () => {
    const items = Array.from({ length: 200_000 }, (_, n) => ({
      apiVersion: 'redis.github.com/v1', kind: 'RedisInstance', metadata: { name: `cache-${n}` }, spec: {},
    }));
    const io = { stdout: { write: () => true }, stderr: { write: () => true }, readStdin: async () => '', readFile: async () => JSON.stringify({ apiVersion: 'v1', kind: 'List', items }) };
    const { instances } = await readInstances(['list.json'], io);
    expect(instances).toHaveLength(200_000);
    expect(instances[199_999]?.metadata.name).toBe('cache-199999');
  });

  it('prints the operator install manifests with --operator, honouring --namespace and --image', async () => {
    const result = await runCli(['synth', '--operator', '--namespace', 'redis-system', '--image', 'example.org/op:1', '-o', 'json']);
    expect(result.code).toBe(0);
    const objects = JSON.parse(result.stdout) as Array<Record<string, any>>;
    expect(objects.map((o) => o.kind)).toEqual([
      'Namespace', 'CustomResourceDefinition', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding',
      'Role', 'RoleBinding', 'Deployment',
    ]);
    const deployment = objects.find((o) => o.kind === 'Deployment')!;
    expect(deployment.metadata.namespace).toBe('redis-system');
    expect(deployment.spec.template.spec.containers[0].image).toBe('example.org/op:1');
  });

  it('exits 2 and says what to give when there is nothing to synthesize', async () => {
    const result = await runCli(['synth']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/-f FILE/);
  });

  it('has --help on the program and the subcommand', async () => {
    const top = await runCli(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/synth/);
    const sub = await runCli(['synth', '--help']);
    expect(sub.code).toBe(0);
    expect(sub.stdout).toMatch(/--operator/);
    expect(sub.stdout).toMatch(/Exit codes/);
  });

  it('runs as a process with the exit code of main', async () => {
    const cli = ['--import', 'tsx', 'src/cli/cli.ts'];
    const ok = await run(process.execPath, [...cli, 'synth', '-f', 'examples/redis.yaml']);
    expect(ok.stdout).toContain('kind: StatefulSet');
    const bad = run(process.execPath, [...cli, 'synth', '-f', '-']);
    bad.child.stdin?.end('apiVersion: redis.github.com/v1\nkind: RedisInstance\nmetadata: {name: x}\nspec: {replicas: -1}\n');
    const failure = await bad.then(() => undefined, (e: { code: number; stderr: string }) => e);
    expect(failure?.code).toBe(2);
    expect(failure?.stderr).toMatch(/<stdin>: document 1 RedisInstance "x": spec\.replicas: /);
  });
});
