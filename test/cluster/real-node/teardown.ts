/**
 * Stopping a real node without help from its kubelet: the components may already be gone (a
 * Ctrl-C reaches them all at once, a watchdog acts after a crash), so every step works from what
 * is on the host: processes in the kubelet's cgroups or attached to our containerd, mounts under
 * DIR, and the host-change journal that the cluster's `down` runs afterwards.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '../host-changes.js';
import { isRunning, stopComponents, type ComponentRecord } from '../processes.js';
import { waitFor } from '../wait.js';
import { nodePaths } from './node-config.js';

export const REAL_NODE_COMPONENTS = ['local-path-provisioner', 'coredns', 'kube-proxy', 'kubelet', 'containerd'] as const;

/** Processes of ours that no component record names: containers and their shims. */
export async function strayNodeProcesses(dir: string): Promise<number[]> {
  const socket = nodePaths(dir).containerdSocket;
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    try {
      const [cgroups, cmdline] = await Promise.all([readFile(`/proc/${pid}/cgroup`, 'utf8'), readFile(`/proc/${pid}/cmdline`, 'utf8')]);
      // Containers live in the kubelet's cgroups; shims name our containerd's socket.
      const inPodCgroup = cgroups.split('\n').some((line) => line.split(':')[2]?.startsWith('/kubepods'));
      if (inPodCgroup || cmdline.split('\0').includes(socket)) pids.push(pid);
    } catch {
      // Exited while we looked.
    }
  }
  return pids;
}

/** Mount points under `root`, deepest first (so that nested ones go before their parents). */
export async function mountsUnder(root: string): Promise<string[]> {
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
  const unescape = (path: string) => path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
  return mountinfo
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((point): point is string => point !== undefined)
    .map(unescape)
    .filter((point) => point === root || point.startsWith(`${root}/`))
    .sort((a, b) => b.split('/').length - a.split('/').length || b.localeCompare(a));
}

async function killStrays(dir: string): Promise<void> {
  await waitFor(
    async () => {
      const pids = await strayNodeProcesses(dir);
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      return pids.length === 0 ? { done: true, value: undefined } : { done: false, observation: `pids ${pids.join(' ')}` };
    },
    { description: 'the containers and shims of the real node to exit', timeoutMs: 30_000, intervalMs: 100 },
  );
}

async function unmountAll(root: string): Promise<void> {
  for (const point of await mountsUnder(root)) {
    await runCommand(['umount', point]).catch(() => runCommand(['umount', '-l', point]));
  }
}

/**
 * Stops the node's components and everything they started, and unmounts what they mounted.
 * Returns the problems it met (each step is tried regardless), for `down` to report.
 */
export async function stopRealNode(dir: string, components: readonly ComponentRecord[]): Promise<string[]> {
  const problems: string[] = [];
  const step = async (what: string, action: () => Promise<unknown>) => {
    try {
      await action();
    } catch (error) {
      problems.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const byName = (...names: string[]) => components.filter((record) => names.includes(record.name));
  const paths = nodePaths(dir);

  // The kubelet first, so that it restarts nothing while containers are being stopped.
  await step('stopping the kubelet and the host services', () =>
    stopComponents([byName('kubelet'), byName('local-path-provisioner', 'coredns', 'kube-proxy')]),
  );
  const containerd = byName('containerd');
  if (containerd.some(isRunning)) {
    // Killing the tasks through containerd lets its shims clean up runc's state and cgroups.
    await step('killing the containers', async () => {
      const tasks = (await runCommand(['ctr', '--address', paths.containerdSocket, '-n', 'k8s.io', 'tasks', 'list', '--quiet'], { timeoutMs: 10_000 }))
        .split('\n')
        .filter(Boolean);
      await Promise.all(tasks.map((id) => runCommand(['ctr', '--address', paths.containerdSocket, '-n', 'k8s.io', 'tasks', 'kill', '--signal', 'SIGKILL', id], { timeoutMs: 10_000 }).catch(() => undefined)));
    });
  }
  await step('stopping containerd', () => stopComponents([containerd]));
  await step('killing leftover containers and shims', () => killStrays(dir));
  const kubeProxy = byName('kube-proxy')[0];
  if (kubeProxy !== undefined) {
    // kube-proxy removes its own chains and jumps (iptables and ip6tables) with --cleanup.
    await step('removing kube-proxy rules', () => runCommand([kubeProxy.binary, '--cleanup', '--v=0'], { timeoutMs: 60_000 }));
  }
  await step('unmounting the node\'s mounts', () => unmountAll(join(dir, 'node')));
  return problems;
}
