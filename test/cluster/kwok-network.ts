import { connect } from 'node:net';
import { HostChanges, runCommand } from './host-changes.js';

/**
 * The range kwok gives its simulated pods (`--cidr`). Those addresses exist on no interface, so
 * without a route of their own a connection to one would follow the default route off this
 * machine: anything that dials a pod (the operator talking to Redis, a test) must fail at once.
 */
export const KWOK_POD_CIDR = '10.244.0.0/16';

/**
 * Adds an `unreachable` route for kwok's pod range while the cluster is up: the kernel refuses a
 * connection to it at once (EHOSTUNREACH) and sends no packet. Each cluster adds its own route,
 * told apart by its metric (the API server's port), so clusters side by side add and remove
 * theirs independently. Needs root (CAP_NET_ADMIN); without it the range stays routable, and
 * we say so.
 */
export async function makeKwokPodRangeUnroutable(changes: HostChanges, metric: number, log: (message: string) => void): Promise<boolean> {
  if (process.getuid?.() !== 0) {
    log(`Warning: not root, so kwok's pod range ${KWOK_POD_CIDR} stays routable: a connection to a simulated pod's address would leave this machine.`);
    return false;
  }
  const route = ['unreachable', KWOK_POD_CIDR, 'metric', String(metric)];
  await changes.apply(['ip', 'route', 'add', ...route], ['ip', 'route', 'del', ...route]);
  return true;
}

/**
 * What the kernel would do with a packet to `address` (`ip route get`, which sends nothing):
 * `'unreachable'` when no route may carry it, else the route it would take. With `from` and
 * `inputInterface`, the lookup is the one for a packet arriving there to be forwarded.
 */
export async function routeTo(address: string, forwarded?: { from: string; inputInterface: string }): Promise<string> {
  const argv = ['ip', 'route', 'get', address, ...(forwarded ? ['from', forwarded.from, 'iif', forwarded.inputInterface] : [])];
  try {
    return (await runCommand(argv)).trim();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // The kernel's answer for an `unreachable` route (and for no route at all).
    if (/No route to host|Network is unreachable/.test(message)) return 'unreachable';
    throw error;
  }
}

/** The `unreachable` routes for kwok's pod range now in the main table, one per cluster that is up. */
export async function kwokPodRangeRoutes(): Promise<string[]> {
  const routes = await runCommand(['ip', 'route', 'show', 'type', 'unreachable', KWOK_POD_CIDR]);
  return routes.split('\n').map((route) => route.trim()).filter(Boolean).sort();
}

/** The route a cluster whose API server listens on `apiServerPort` adds. */
export function kwokPodRangeRoute(apiServerPort: number | string): string {
  return `unreachable ${KWOK_POD_CIDR} metric ${apiServerPort}`;
}

/**
 * A TCP connection attempt from this host: how it ended (`connected`, `timeout`, or the error
 * code, such as `EHOSTUNREACH`) and how long that took. Only for addresses already known to stay
 * on this machine (see routeTo).
 */
export function tryConnect(host: string, port: number, timeoutMs: number): Promise<{ outcome: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (outcome: string) => {
      socket.destroy();
      resolve({ outcome, ms: Date.now() - started });
    };
    socket.setTimeout(timeoutMs, () => done('timeout'));
    socket.once('connect', () => done('connected'));
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
  });
}
