/**
 * The CLI as users run it: compiled with the package's own build (`lib/`) and started through
 * `bin/redis-operator.js` as a separate process, so signals, exit codes and what reaches stderr
 * are those of the real executable.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { onTestFinished } from 'vitest';
import { pollResult, waitFor } from '../cluster/wait.js';

let build: Promise<void> | undefined;

/** Compiles the package into lib/ once per test file (the `build` script's command). */
export function buildCli(): Promise<void> {
  build ??= new Promise((resolve, reject) => {
    execFile(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], (error, stdout, stderr) => {
      if (error) reject(new Error(`build failed: ${stdout}${stderr}`));
      else resolve();
    });
  });
  return build;
}

export interface CliProcess {
  readonly child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** Waits until the output matches `pattern`. */
  waitForOutput(pattern: RegExp, description: string, timeoutMs?: number): Promise<void>;
  /** Waits for the exit, at most `timeoutMs`; the exit code. */
  waitForExit(timeoutMs: number): Promise<number | null>;
}

/** Starts `redis-operator ARGS` (built first); it is killed when the test ends if still running. */
export async function spawnCli(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<CliProcess> {
  await buildCli();
  const child = spawn(process.execPath, ['bin/redis-operator.js', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  let code: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (exitCode) => {
    code = exitCode;
    resolve(exitCode);
  }));
  onTestFinished(() => {
    if (code === undefined) child.kill('SIGKILL');
  });
  return {
    child,
    output: () => output,
    exited,
    waitForOutput: async (pattern, description, timeoutMs = 30_000) => {
      await waitFor(async () => pollResult(pattern.test(output) || undefined, output.slice(-2_000)), { description, timeoutMs, intervalMs: 50 });
    },
    waitForExit: (timeoutMs) => waitFor(async () => pollResult(code === undefined ? undefined : { code }, output.slice(-2_000)), {
      description: `redis-operator ${args[0] ?? ''} to exit`, timeoutMs, intervalMs: 20,
    }).then((result) => result.code),
  };
}
