import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startupScript } from '../../constructs/redis-startup-script.js';
import { CONFIG_FILE_KEY } from '../../src/api/names.js';
import { DATA_DIR } from '../../src/config/render.js';
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
}

/**
 * Starts a real redis-server the way a pod does: the pod's start script writes its file that
 * includes the ConfigMap's redis.conf, and redis-server runs it. Only the port, the data
 * directory and the bind address are overridden on the command line, so the server listens on
 * 127.0.0.1 on a free port instead of 6379 and writes into a temporary directory instead of /data.
 */
export async function startRedis(options: StartRedisOptions): Promise<RunningRedis> {
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
  const child: ChildProcess = spawn(
    'sh',
    ['-c', startupScript({ configDir, runDir }), 'redis-start', '--port', String(port), '--bind', '127.0.0.1'],
    { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', POD_NAME: options.podName ?? 'redis-0', ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (d: Buffer) => { output += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { output += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

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
  try {
    const early = exited.then((code) => { throw new Error(`redis-server exited with ${code}`); });
    await Promise.race([early, waitFor(async () => {
      const reply = await cli(['ping'], options.env?.REDIS_PASSWORD ? { REDISCLI_AUTH: options.env.REDIS_PASSWORD } : {});
      return pollResult(reply === 'PONG' || undefined, reply);
    }, { description: `redis-server on port ${port} to answer PING`, timeoutMs: 15_000, intervalMs: 50 })]);
    early.catch(() => undefined);
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\nserver output:\n${output}`);
  }
  return { port, dir, cli, stop, output: () => output };
}
