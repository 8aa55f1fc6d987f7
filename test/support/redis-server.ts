import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startupScript } from '../../constructs/redis-startup-script.js';
import { CONFIG_FILE_KEY } from '../../src/api/names.js';
import { DATA_DIR } from '../../src/config/render.js';
import { readPassword } from '../../src/config/password.js';
import { freeLoopbackPorts } from '../cluster/ports.js';
import { pollResult, waitFor } from '../cluster/wait.js';

const run = promisify(execFile);

export interface RunningRedis {
  readonly port: number;
  readonly dir: string;
  /** Runs redis-cli against this server and returns its trimmed output. */
  cli(args: readonly string[], env?: Record<string, string>): Promise<string>;
  stop(): Promise<void>;
  /** Everything the server printed, for assertions on its log. */
  output(): string;
}

export interface StartRedisOptions {
  /** The rendered redis.conf, as the ConfigMap holds it. */
  readonly redisConf: string;
  /** The pod's name; ordinals other than 0 replicate from REDIS_PRIMARY_HOST. @default 'redis-0' */
  readonly podName?: string;
  readonly env?: Record<string, string>;
  /** The shell that runs the start script, as a command line. @default ['sh'] */
  readonly shell?: readonly string[];
}

interface PreparedServer {
  readonly dir: string;
  readonly port: number;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  output(): string;
}

/** Lays out the pod's directories and spawns the start script. */
async function spawnStartupScript(options: StartRedisOptions): Promise<PreparedServer> {
  const dir = mkdtempSync(join(tmpdir(), 'redis-operator-redis-'));
  const configDir = join(dir, 'config');
  const runDir = join(dir, 'run');
  const dataDir = join(dir, 'data');
  for (const d of [configDir, runDir, dataDir]) mkdirSync(d);
  // `dir` is the pod's data volume; Redis changes into it while reading the file, so that one
  // line must point at a directory that exists here. Every other byte is the ConfigMap's.
  const dirLine = `dir ${DATA_DIR}\n`;
  if (!options.redisConf.includes(dirLine)) throw new Error(`rendered redis.conf lacks "${dirLine.trim()}"`);
  writeFileSync(join(configDir, CONFIG_FILE_KEY), options.redisConf.replace(dirLine, `dir ${dataDir}\n`));
  const [port] = await freeLoopbackPorts(1);
  let output = '';
  const [shell = 'sh', ...shellArgs] = options.shell ?? ['sh'];
  const child: ChildProcess = spawn(
    shell,
    [...shellArgs, '-c', startupScript({ configDir, runDir }), 'redis-start', '--port', String(port), '--bind', '127.0.0.1'],
    { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', POD_NAME: options.podName ?? 'redis-0', ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (d: Buffer) => { output += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { output += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { dir, port: port!, child, exited, output: () => output };
}

/**
 * Runs the start script where it must refuse to start Redis, and returns its exit code and
 * output. Throws when it starts Redis instead (after stopping it).
 */
export async function startupScriptRefusal(options: StartRedisOptions): Promise<{ code: number | null; output: string }> {
  const server = await spawnStartupScript(options);
  let code: number | null | undefined;
  void server.exited.then((c) => { code = c; });
  try {
    const outcome = await waitFor<'exited' | 'started'>(async () => {
      if (code !== undefined) return { done: true, value: 'exited' };
      const reply = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(server.port), 'ping'], { timeout: 5_000 })
        .then((r) => r.stdout.trim(), () => '');
      return reply !== '' ? { done: true, value: 'started' } : { done: false, observation: 'neither exited nor answering' };
    }, { description: 'the start script to exit (or redis-server to answer)', timeoutMs: 15_000, intervalMs: 50 });
    if (outcome === 'started') throw new Error(`the start script started redis-server:\n${server.output()}`);
    await server.exited;
    return { code: code ?? null, output: server.output() };
  } finally {
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
    rmSync(server.dir, { recursive: true, force: true });
  }
}

/**
 * Starts a real redis-server the way a pod does: the pod's start script writes its file that
 * includes the ConfigMap's redis.conf, and redis-server runs it. Only the port, the data
 * directory and the bind address are overridden on the command line, so the server listens on
 * 127.0.0.1 on a free port instead of 6379 and writes into a temporary directory instead of /data.
 */
export async function startRedis(options: StartRedisOptions): Promise<RunningRedis> {
  const { dir, port, child, exited, output } = await spawnStartupScript(options);
  const cli = async (args: readonly string[], env: Record<string, string> = {}): Promise<string> => {
    const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
      timeout: 10_000,
    });
    return stdout.trim();
  };
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const password = options.env?.REDIS_PASSWORD === undefined ? undefined : readPassword(options.env.REDIS_PASSWORD);
  try {
    const early = exited.then((code) => { throw new Error(`redis-server exited with ${code}`); });
    await Promise.race([early, waitFor(async () => {
      const reply = await cli(['ping'], password?.kind === 'accepted' ? { REDISCLI_AUTH: password.password } : {});
      return pollResult(reply === 'PONG' || undefined, reply);
    }, { description: `redis-server on port ${port} to answer PING`, timeoutMs: 15_000, intervalMs: 50 })]);
    early.catch(() => undefined);
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\nserver output:\n${output()}`);
  }
  return { port, dir, cli, stop, output };
}
