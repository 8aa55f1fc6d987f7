import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ComponentRecord } from '../processes.js';
import { waitFor } from '../wait.js';

/**
 * One real node per machine: its kubelet ports, containerd, bridge, iptables chain and cgroups
 * are host-wide. The lock is an flock(2) on this file (tmpfs: gone at reboot), held by a process
 * of the cluster's own for as long as the cluster is up; the file says which directory holds it.
 */
export const REAL_NODE_LOCK_FILE = '/run/lock/redis-operator-real-node.lock';

/**
 * A shell that takes the lock (waiting for it when it is held, and saying so in its status
 * file), writes the holder's directory into the lock file, then becomes `sleep infinity`: the
 * same PID keeps the locked descriptor and nothing else, so stopping it frees the lock and
 * leaves no process behind.
 */
const HOLDER_SCRIPT = `
lock="$1"; status="$2"; holder="$3"
mkdir -p "$(dirname "$lock")"
exec 9>>"$lock"
if ! flock -n 9; then
  echo waiting >"$status"
  flock 9
fi
printf '%s\\n' "$holder" >"$lock"
echo held >"$status"
exec sleep infinity
`;

export interface RealNodeLockOptions {
  /** The cluster directory, recorded in the lock file for whoever waits. */
  readonly dir: string;
  /** Called once, when the lock is held by someone else and we start waiting. */
  readonly onWait: (message: string) => void;
  /** Called with the holder's record as soon as it exists, before waiting. */
  readonly onStarted: (record: ComponentRecord) => Promise<void>;
  /** @default REAL_NODE_LOCK_FILE */
  readonly lockFile?: string;
  /** @default 24 hours */
  readonly timeoutMs?: number;
}

/** Takes the machine's real-node lock; returns the holder process, which is stopped to release it. */
export async function acquireRealNodeLock(options: RealNodeLockOptions): Promise<ComponentRecord> {
  const lockFile = options.lockFile ?? REAL_NODE_LOCK_FILE;
  const statusFile = join(options.dir, 'real-node-lock.status');
  const child = spawn('sh', ['-c', HOLDER_SCRIPT, 'redis-operator-real-node-lock', lockFile, statusFile, options.dir], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  child.on('error', () => undefined);
  if (child.pid === undefined) throw new Error('could not start the real-node lock holder');
  const record: ComponentRecord = { name: 'real-node-lock', pid: child.pid, binary: 'sleep', logFile: '/dev/null' };
  await options.onStarted(record);
  let announced = false;
  await waitFor(
    async () => {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the lock holder exited (${child.exitCode ?? child.signalCode})`);
      const status = (await readFile(statusFile, 'utf8').catch(() => '')).trim();
      if (status === 'held') return { done: true, value: undefined };
      if (status === 'waiting' && !announced) {
        announced = true;
        const holder = (await readFile(lockFile, 'utf8').catch(() => '')).trim();
        options.onWait(
          `Another real node is running on this machine${holder === '' ? '' : ` (state in ${holder})`}; ` +
            `only one can run at a time. Waiting for it to stop (lock ${lockFile})...`,
        );
      }
      return { done: false, observation: status === '' ? 'starting' : status };
    },
    { description: `the real-node lock ${lockFile}`, timeoutMs: options.timeoutMs ?? 24 * 3600_000, intervalMs: 100 },
  );
  return record;
}

/**
 * Releases the lock: stops the holder's whole process group, so that a holder still waiting
 * (its `flock` child included) goes too. Checks first that the PID is still our holder.
 */
export async function releaseRealNodeLock(record: ComponentRecord): Promise<void> {
  const isHolder = async (): Promise<boolean> => {
    try {
      const [stat, cmdline] = await Promise.all([readFile(`/proc/${record.pid}/stat`, 'utf8'), readFile(`/proc/${record.pid}/cmdline`, 'utf8')]);
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const [state, , processGroup] = fields;
      return state !== 'Z' && Number(processGroup) === record.pid && ['sh', 'sleep'].includes(cmdline.split('\0')[0] ?? '');
    } catch {
      return false;
    }
  };
  if (!(await isHolder())) return;
  try {
    process.kill(-record.pid, 'SIGTERM');
  } catch {
    return;
  }
  await waitFor(async () => ((await isHolder()) ? { done: false } : { done: true, value: undefined }), {
    description: 'the real-node lock holder to exit',
    timeoutMs: 5_000,
    intervalMs: 50,
  });
}
