import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { waitFor } from './wait.js';

/** One started component, as recorded in the cluster's state file. */
export interface ComponentRecord {
  readonly name: string;
  readonly pid: number;
  /** The executable, to tell our process from an unrelated one that reused its PID. */
  readonly binary: string;
  readonly logFile: string;
}

export interface SpawnComponentOptions {
  readonly name: string;
  readonly binary: string;
  readonly args: readonly string[];
  readonly logFile: string;
  readonly cwd: string;
  /**
   * Start the process in its own session so it outlives the command that started it
   * (`cluster up`). Otherwise it stays in our process group, so a Ctrl-C reaches it too.
   */
  readonly detached: boolean;
}

/** Starts a component with stdout and stderr appended to its log file. */
export function spawnComponent(options: SpawnComponentOptions): ComponentRecord {
  const logFd = openSync(options.logFile, 'a');
  try {
    const child = spawn(options.binary, options.args, {
      cwd: options.cwd,
      detached: options.detached,
      stdio: ['ignore', logFd, logFd],
    });
    if (child.pid === undefined) throw new Error(`could not start ${options.name} (${options.binary})`);
    // Without this an 'error' event (e.g. ENOENT) would be thrown as uncaught; isRunning reports it.
    child.on('error', () => undefined);
    if (options.detached) child.unref();
    return { name: options.name, pid: child.pid, binary: options.binary, logFile: options.logFile };
  } finally {
    closeSync(logFd);
  }
}

/**
 * Whether the recorded process still runs. Reads /proc, so a zombie (exited, not yet reaped by
 * whoever inherited it) counts as gone, and a PID reused by another program is not ours.
 */
export function isRunning(record: ComponentRecord): boolean {
  let stat: string;
  let cmdline: string;
  try {
    stat = readFileSync(`/proc/${record.pid}/stat`, 'utf8');
    cmdline = readFileSync(`/proc/${record.pid}/cmdline`, 'utf8');
  } catch {
    return false;
  }
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  if (state === 'Z' || state === 'X') return false;
  return cmdline.split('\0')[0] === record.binary;
}

function signal(record: ComponentRecord, name: NodeJS.Signals): void {
  if (!isRunning(record)) return;
  try {
    process.kill(record.pid, name);
  } catch {
    // Exited between the check and the signal.
  }
}

/**
 * Stops the components in the given order, each group gracefully (SIGTERM) and then, after
 * `graceMs`, forcibly (SIGKILL); returns once none of them runs.
 */
export async function stopComponents(groups: readonly (readonly ComponentRecord[])[], graceMs = 5_000): Promise<void> {
  for (const group of groups) {
    const exited = (signalName: NodeJS.Signals, timeoutMs: number) =>
      waitFor(
        async () => {
          const running = group.filter(isRunning).map((record) => record.name);
          return running.length === 0 ? { done: true, value: undefined } : { done: false, observation: running.join(', ') };
        },
        { description: `components to exit after ${signalName}`, timeoutMs, intervalMs: 50 },
      );
    for (const record of group) signal(record, 'SIGTERM');
    try {
      await exited('SIGTERM', graceMs);
    } catch {
      for (const record of group) signal(record, 'SIGKILL');
      await exited('SIGKILL', 5_000);
    }
  }
}

/** The last lines of a component's log, for error messages. */
export function logTail(logFile: string, lines = 15): string {
  try {
    return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
