/**
 * Each command loads only what it needs: whatever a process imports stays in its heap, and
 * `run` lives as long as the operator does.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

/** The modules `redis-operator ARGV` resolves (from the sources, through tsx). */
async function modulesLoadedBy(argv: readonly string[]): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'modules-'));
  try {
    const file = join(dir, 'modules');
    await run(process.execPath, ['--import', 'tsx', '--import', './test/support/module-recorder.mjs', 'src/cli/cli.ts', ...argv], {
      env: { ...process.env, RECORD_MODULES_TO: file },
    });
    return (await readFile(file, 'utf8')).split('\n').filter((line) => line !== '');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const KUBERNETES_CLIENT = /node_modules\/@kubernetes\/client-node\//;

describe('what each command loads', () => {
  it('synth loads no Kubernetes client and none of run or plan', async () => {
    const modules = await modulesLoadedBy(['synth', '-f', 'examples/redis.yaml']);
    expect(modules.some((url) => url.endsWith('/src/cli/synth-command.ts'))).toBe(true);
    expect(modules.filter((url) => KUBERNETES_CLIENT.test(url) || /\/src\/(cli\/(run|plan)-command|client\/)/.test(url))).toEqual([]);
  });

  it('run --help loads neither synth nor plan, nor the controller it would start', async () => {
    const modules = await modulesLoadedBy(['run', '--help']);
    expect(modules.some((url) => url.endsWith('/src/cli/run-command.ts'))).toBe(true);
    expect(modules.filter((url) => /\/src\/(cli\/(synth|plan)-command|manager\/|reconcile\/)/.test(url) || /node_modules\/cdk8s/.test(url))).toEqual([]);
  });

  it('the client loads of client-node only the kubeconfig parsing and the exec and token-file authenticators, not its generated API', async () => {
    const modules = await modulesLoadedBy(['run', '--help']);
    const clientNode = modules.filter((url) => KUBERNETES_CLIENT.test(url)).map((url) => url.replace(/.*\/client-node\//, ''));
    expect([...new Set(clientNode)].sort()).toEqual(['dist/config_types.js', 'dist/exec_auth.js', 'dist/file_auth.js']);
  });

  it('the top-level help still lists every command', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/cli/cli.ts', '--help']);
    expect(stdout).toMatch(/synth.*\n.*plan.*\n.*run/s);
  });
});
