/**
 * What loading costs: the maximum RSS of a fresh Node process that imports one module and
 * exits, and of each CLI command as a user runs it (the built CLI). A module's code stays in
 * the heap for as long as the process lives, so for `run` this is a floor under everything the
 * caches add.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');

/** Modules by what they are; the lib/ ones are the build's, as the CLI loads them. */
const IMPORTS: ReadonlyArray<readonly [string, string | undefined]> = [
  ['node (nothing imported)', undefined],
  ['@kubernetes/client-node (everything)', '@kubernetes/client-node'],
  ['@kubernetes/client-node/dist/config.js (its KubeConfig)', '@kubernetes/client-node/dist/config.js'],
  ['@kubernetes/client-node/dist/exec_auth.js', '@kubernetes/client-node/dist/exec_auth.js'],
  ['@kubernetes/client-node/dist/file_auth.js', '@kubernetes/client-node/dist/file_auth.js'],
  ['@kubernetes/client-node/dist/config_types.js', '@kubernetes/client-node/dist/config_types.js'],
  ['cdk8s', 'cdk8s'],
  ['cdk8s-plus-27 (with cdk8s)', 'cdk8s-plus-27'],
  ['inversify', 'inversify'],
  ['winston', 'winston'],
  ['prom-client', 'prom-client'],
  ['commander', 'commander'],
  ['yaml', 'yaml'],
  ['js-yaml', 'js-yaml'],
  ['lib: client (kube-client.js, kubeconfig)', './lib/src/client/kube-client.js'],
  ['lib: synthesis (synthesize-instance.js)', './lib/src/synth/synthesize-instance.js'],
  ['lib: operator manager (controller, reconciler, metrics)', './lib/src/manager/operator-manager.js'],
  ['lib: run command', './lib/src/cli/run-command.js'],
  ['lib: synth command', './lib/src/cli/synth-command.js'],
  ['lib: plan command', './lib/src/cli/plan-command.js'],
];

const COMMANDS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['redis-operator --help', ['--help']],
  ['redis-operator run --help', ['run', '--help']],
  ['redis-operator synth -f examples/redis.yaml', ['synth', '-f', 'examples/redis.yaml']],
  ['redis-operator synth --operator', ['synth', '--operator']],
  ['redis-operator plan --from ... --to ...', ['plan', '--from', 'examples/redis.yaml', '--to', 'examples/redis-replicated.yaml']],
];

export interface Footprint {
  readonly label: string;
  readonly maxRssMiB: number;
}

/** Max RSS of `node ARGS`, read by GNU time from the kernel's accounting of the process. */
function maxRssOf(args: readonly string[], nodeFlags: readonly string[]): number {
  const dir = mkdtempSync(join(tmpdir(), 'redis-operator-footprint-'));
  try {
    const out = join(dir, 'rss');
    execFileSync('/usr/bin/time', ['-f', '%M', '-o', out, process.execPath, ...nodeFlags, ...args], { cwd: root, stdio: 'ignore' });
    return Number(readFileSync(out, 'utf8').trim()) / 1024;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every import and command above, each in a process of its own, with these Node flags. */
export function benchFootprint(nodeFlags: readonly string[] = []): { imports: Footprint[]; commands: Footprint[] } {
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  const imports = IMPORTS.map(([label, specifier]) => ({
    label,
    maxRssMiB: maxRssOf(['--input-type=module', '-e', specifier ? `await import(${JSON.stringify(specifier)});` : ''], nodeFlags),
  }));
  const commands = COMMANDS.map(([label, argv]) => ({ label, maxRssMiB: maxRssOf(['bin/redis-operator.js', ...argv], nodeFlags) }));
  return { imports, commands };
}
