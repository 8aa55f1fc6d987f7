import { randomBytes } from 'node:crypto';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testKubeConfig, testKubeconfigPath } from '../../cluster/namespace.js';
import { installRedisInstanceCrd } from '../../support/crd.js';
import { BAD_INSTANCES, VALID_INSTANCES } from '../../support/bad-instances.js';
import { runCli } from '../../support/cli.js';
import { kubectl } from '../../support/kubectl.js';

/**
 * The held table through both doors: `synth` (offline validation) and `kubectl create
 * --dry-run=server`, so the YAML is read by kubectl itself and judged by the real API server's
 * schema and CEL rules. Their verdicts must agree, and a refusal must name the field on both.
 */
describe('synth and the API server agree on every held instance', () => {
  const namespace = `verdicts-${randomBytes(4).toString('hex')}`;
  const core = () => testKubeConfig().makeApiClient(CoreV1Api);

  beforeAll(async () => {
    await installRedisInstanceCrd(testKubeConfig());
    await core().createNamespace({ body: { metadata: { name: namespace } } });
  });
  afterAll(async () => {
    await core().deleteNamespace({ name: namespace }).catch(() => undefined);
  });

  async function verdicts(yaml: string) {
    const synth = await runCli(['synth', '-f', 'ri.yaml'], { 'ri.yaml': yaml });
    const server = await kubectl(['--kubeconfig', testKubeconfigPath(), 'create', '--dry-run=server', '-n', namespace, '-o', 'name', '-f', '-'], yaml);
    return { synth, server };
  }

  it.each(BAD_INSTANCES.map((b) => [b.what, b] as const))('both refuse %s, naming the field', async (_, bad) => {
    const { synth, server } = await verdicts(bad.yaml);
    const sideBySide = `synth:      ${synth.stderr.trim()}\nAPI server: ${server.stderr.trim()}`;
    expect(synth.code, sideBySide).toBe(2);
    expect(server.code, sideBySide).not.toBe(0);
    expect(synth.stderr, sideBySide).toContain(`${bad.path}: `);
    if (bad.serverPath !== null) expect(server.stderr, sideBySide).toContain(bad.serverPath ?? bad.path);
    if (bad.message) {
      expect(synth.stderr, sideBySide).toMatch(bad.message);
      expect(server.stderr, sideBySide).toMatch(bad.message);
    }
    // Both messages side by side, for review (__snapshots__/verdicts.test.ts.snap).
    expect({ synth: synth.stderr.trim().split('\n'), apiServer: server.stderr.trim().split('\n') }).toMatchSnapshot();
  });

  it.each(VALID_INSTANCES.map((v) => [v.what, v] as const))('both admit %s', async (_, valid) => {
    const { synth, server } = await verdicts(valid.yaml);
    const sideBySide = `synth:      ${synth.stderr.trim()}\nAPI server: ${server.stderr.trim()}`;
    expect(synth.code, sideBySide).toBe(0);
    expect(server.code, sideBySide).toBe(0);
  });
});
