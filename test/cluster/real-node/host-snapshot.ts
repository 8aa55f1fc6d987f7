/**
 * What a real node may change on the host, read in one go, so that a snapshot taken before `up`
 * and one taken after `down` can be compared: routes, iptables rules, links, sysctls, mounts,
 * cgroups, the hard-wired paths and the processes of the cluster.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '../host-changes.js';
import { KWOK_POD_CIDR } from '../kwok-network.js';
import { cgroupHierarchies, HARD_WIRED_PATHS } from './real-node.js';

export interface HostSnapshot {
  readonly routes: readonly string[];
  readonly rules: readonly string[];
  readonly links: readonly string[];
  readonly sysctls: Readonly<Record<string, string>>;
  readonly mounts: readonly string[];
  readonly cgroups: readonly string[];
  readonly paths: readonly string[];
}

/** Sysctl trees compared whole; per-interface entries of interfaces that come and go are not. */
const SYSCTL_ROOTS = [
  'net/ipv4/conf/all',
  'net/ipv4/conf/default',
  'net/ipv4/ip_forward',
  'net/ipv6/conf/all',
  'net/ipv6/conf/default',
  'net/bridge',
  'net/netfilter',
  'vm',
  'kernel/panic',
  'kernel/panic_on_oops',
  'kernel/keys',
];
/** Values that change by themselves. */
const VOLATILE_SYSCTLS = new Set(['net/netfilter/nf_conntrack_count', 'vm/stat_refresh', 'vm/drop_caches', 'vm/compact_memory']);
/** Paths outside DIR that a node could create (HARD_WIRED_PATHS, and what containerd and CNI use by default). */
const WATCHED_PATHS = [...HARD_WIRED_PATHS, '/run/netns', '/var/lib/cni', '/etc/cni', '/opt/cni', '/opt/containerd', '/var/lib/containerd', '/usr/libexec/kubernetes'];

async function readSysctlTree(relative: string, into: Record<string, string>): Promise<void> {
  const path = join('/proc/sys', relative);
  const info = await stat(path).catch(() => undefined);
  if (info === undefined) return;
  if (info.isDirectory()) {
    for (const entry of await readdir(path)) await readSysctlTree(join(relative, entry), into);
    return;
  }
  if (VOLATILE_SYSCTLS.has(relative) || (info.mode & 0o444) === 0) return;
  const value = await readFile(path, 'utf8').catch(() => undefined);
  if (value !== undefined) into[relative] = value.trim().replaceAll(/\s+/g, ' ');
}

/**
 * iptables-save's lines without counters and comments (they differ between any two runs), and
 * without tables that hold nothing but built-in chains accepting everything: such a table
 * filters nothing, and with the nf_tables backend it stays once created, empty.
 */
export function meaningfulRules(saved: readonly string[]): string[] {
  const kept: string[] = [];
  let table: string[] = [];
  for (const line of saved) {
    if (line.startsWith('#')) continue;
    const normalized = line.replace(/^(:\S+ \S+) \[\d+:\d+\]$/, '$1');
    if (normalized.startsWith('*')) table = [normalized];
    else if (normalized === 'COMMIT') {
      const empty = table.slice(1).every((entry) => /^:[A-Z]+ ACCEPT$/.test(entry));
      if (!empty) kept.push(...table, normalized);
      table = [];
    } else table.push(normalized);
  }
  return kept;
}

const lines = (text: string) => text.split('\n').map((line) => line.trimEnd()).filter((line) => line !== '');

async function commandLines(argv: readonly string[]): Promise<string[]> {
  try {
    return lines(await runCommand(argv));
  } catch {
    return [];
  }
}

export async function takeHostSnapshot(): Promise<HostSnapshot> {
  const routes = [
    ...(await commandLines(['ip', '-4', 'route', 'show', 'table', 'all'])),
    ...(await commandLines(['ip', '-6', 'route', 'show', 'table', 'all'])),
    ...(await commandLines(['ip', 'rule', 'show'])),
  ];
  const rules: string[] = [];
  for (const save of ['iptables-save', 'ip6tables-save', 'iptables-legacy-save', 'ip6tables-legacy-save']) {
    rules.push(...meaningfulRules(await commandLines([save])).map((line) => `${save}: ${line}`));
  }
  const links = (await commandLines(['ip', '-o', 'link', 'show'])).map((line) => line.split(': ')[1]?.split('@')[0] ?? line);
  const sysctls: Record<string, string> = {};
  for (const root of SYSCTL_ROOTS) await readSysctlTree(root, sysctls);
  const mounts = lines(await readFile('/proc/self/mountinfo', 'utf8')).map((line) => line.split(' ')[4] ?? line);
  const cgroups: string[] = [];
  for (const hierarchy of await cgroupHierarchies()) {
    for (const entry of await readdir(hierarchy).catch(() => [])) {
      if (entry.startsWith('kubepods')) cgroups.push(join(hierarchy, entry));
    }
  }
  const paths = WATCHED_PATHS.filter((path) => existsSync(path));
  return { routes: routes.sort(), rules: rules.sort(), links: links.sort(), sysctls, mounts: mounts.sort(), cgroups: cgroups.sort(), paths };
}

/**
 * What differs between two snapshots, one line per difference. `ownRouteMetric` is the
 * cluster's own kwok route; other clusters' kwok routes (told apart by their metric) may come
 * and go meanwhile, and are not this cluster's doing.
 */
export function hostSnapshotDifferences(before: HostSnapshot, after: HostSnapshot, ownRouteMetric?: number): string[] {
  const isForeignKwokRoute = (route: string) =>
    route.startsWith(`unreachable ${KWOK_POD_CIDR}`) && (ownRouteMetric === undefined || !route.endsWith(`metric ${ownRouteMetric}`));
  const differences: string[] = [];
  const compareLists = (what: string, a: readonly string[], b: readonly string[], ignore: (entry: string) => boolean = () => false) => {
    const left = new Set(a.filter((entry) => !ignore(entry)));
    const right = new Set(b.filter((entry) => !ignore(entry)));
    for (const entry of right) if (!left.has(entry)) differences.push(`${what} added: ${entry}`);
    for (const entry of left) if (!right.has(entry)) differences.push(`${what} removed: ${entry}`);
  };
  compareLists('route', before.routes, after.routes, isForeignKwokRoute);
  compareLists('rule', before.rules, after.rules);
  compareLists('link', before.links, after.links);
  compareLists('mount', before.mounts, after.mounts);
  compareLists('cgroup', before.cgroups, after.cgroups);
  compareLists('path', before.paths, after.paths);
  for (const key of new Set([...Object.keys(before.sysctls), ...Object.keys(after.sysctls)])) {
    if (before.sysctls[key] !== after.sysctls[key]) differences.push(`sysctl ${key}: ${before.sysctls[key] ?? '(absent)'} -> ${after.sysctls[key] ?? '(absent)'}`);
  }
  return differences;
}

/** Processes whose command line names `dir` (every component of the cluster does). */
export async function processesNaming(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^[0-9]+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(dir)) found.push(`${entry}: ${cmdline.replaceAll('\0', ' ').trim()}`);
  }
  return found;
}
