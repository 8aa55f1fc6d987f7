/**
 * A real node beside the local control plane: containerd and runc, CNI bridge networking, a
 * kubelet, kube-proxy (iptables), CoreDNS and the local-path provisioner, all as host processes
 * with their state under `DIR/node`. What they change on the host outside that directory is
 * journalled (host-changes.ts) and undone by `stopRealNode` and the cluster's `down`.
 */
import { existsSync } from 'node:fs';
import { access, mkdir, readdir, writeFile } from 'node:fs/promises';
import { Resolver } from 'node:dns/promises';
import { get } from 'node:http';
import { join } from 'node:path';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { RealNodeBinaries } from '../binaries.js';
import { issueCertificate, issueClientCertificate, type ClusterCertificates } from '../certificates.js';
import { HostChanges, runCommand } from '../host-changes.js';
import { writeKubeconfig } from '../kubeconfig.js';
import { freeLoopbackPorts } from '../ports.js';
import type { ComponentRecord } from '../processes.js';
import { waitFor } from '../wait.js';
import { COREDNS_USER, createRealNodeObjects, LOCAL_PATH_PROVISIONER_USER } from './cluster-objects.js';
import {
  BRIDGE,
  CLUSTER_DNS_IP,
  cniConfig,
  containerdConfig,
  corefile,
  FORWARD_CHAIN,
  IMAGES,
  KUBE_PROXY_HEALTHZ_PORT,
  kubeletConfig,
  KUBELET_HEALTHZ_PORT,
  kubeProxyConfig,
  LOCAL_PATH_CONFIG_MAP,
  LOCAL_PATH_HELPER_SERVICE_ACCOUNT,
  LOCAL_PATH_NAMESPACE,
  LOCAL_PATH_PROVISIONER_NAME,
  localPathConfig,
  localPathHelperPod,
  NODE_IP,
  nodePaths,
  pauseImage,
  POD_CIDR,
  REAL_NODE_NAME,
  registryHostsToml,
  type NodePaths,
} from './node-config.js';

/**
 * Host settings the node's components change (the bridge plugin sets ip_forward; the kubelet
 * sets the vm and kernel ones; br_netfilter's make Services work between pods on the bridge).
 * Each is recorded before anything starts and restored on the way down.
 */
export const TOUCHED_SYSCTLS = [
  'net/ipv4/ip_forward',
  'net/bridge/bridge-nf-call-iptables',
  'net/bridge/bridge-nf-call-ip6tables',
  'vm/overcommit_memory',
  'vm/panic_on_oom',
  'kernel/panic',
  'kernel/panic_on_oops',
  'kernel/keys/root_maxkeys',
  'kernel/keys/root_maxbytes',
] as const;

/**
 * Directories outside DIR that the kubelet or containerd create whatever they are told
 * (`/var/lib/kubelet/device-plugins` is hard-wired, as are containerd's shim sockets under
 * `/run/containerd/s` and the kubelet's `/var/log/containers` links). Removed on the way down
 * when they did not exist before.
 */
export const HARD_WIRED_PATHS = ['/var/lib/kubelet', '/run/containerd', '/var/log/containers', '/var/log/pods'] as const;

export interface RealNodeStartContext {
  readonly dir: string;
  readonly server: string;
  readonly certificates: ClusterCertificates;
  readonly binaries: RealNodeBinaries;
  readonly adminKubeConfig: KubeConfig;
  readonly hostChanges: HostChanges;
  readonly storageClassName: string;
  /** Starts a component and records it in the cluster's state. */
  readonly start: (name: string, binary: string, args: readonly string[]) => Promise<ComponentRecord>;
  /** Throws when a recorded component has exited. */
  readonly assertAllRunning: () => void;
  readonly log: (message: string) => void;
}

export class RealNodePrerequisiteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RealNodePrerequisiteError';
  }
}

const REQUIRED_COMMANDS = ['containerd', 'ctr', 'runc', 'iptables', 'ip6tables', 'ip', 'flock', 'mount', 'umount'] as const;

/** Fails with what to install (or that root is needed) before anything of the node starts. */
export async function checkRealNodePrerequisites(): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new RealNodePrerequisiteError('the real node needs root: it creates a bridge, iptables rules and cgroups, and runs a kubelet and containerd');
  }
  const missing: string[] = [];
  for (const command of REQUIRED_COMMANDS) {
    try {
      await runCommand(['sh', '-c', `command -v ${command}`]);
    } catch {
      missing.push(command);
    }
  }
  for (const plugin of ['bridge', 'host-local', 'loopback']) {
    if (!existsSync(join('/usr/lib/cni', plugin))) missing.push(`/usr/lib/cni/${plugin}`);
  }
  if (missing.length > 0) {
    throw new RealNodePrerequisiteError(
      `the real node needs ${missing.join(', ')}: run scripts/test-prerequisites.sh as root (it installs the Debian packages containerd, runc, containernetworking-plugins and iptables)`,
    );
  }
}

function httpStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = get(url, { timeout: 2_000 }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('timeout', () => request.destroy(new Error(`GET ${url} timed out`)));
    request.on('error', reject);
  });
}

/** A DNS question to one server, as a pod would ask it. */
export async function resolveWith(server: string, name: string): Promise<string[]> {
  const resolver = new Resolver({ timeout: 1_000, tries: 1 });
  resolver.setServers([server]);
  return resolver.resolve4(name);
}

async function readSysctl(key: string): Promise<string | undefined> {
  try {
    return (await runCommand(['cat', `/proc/sys/${key}`])).trim();
  } catch {
    return undefined;
  }
}

/** Records every host setting the node will touch, so that `down` can put it back. */
async function journalHostState(changes: HostChanges): Promise<void> {
  for (const key of TOUCHED_SYSCTLS) {
    const value = await readSysctl(key);
    if (value !== undefined) await changes.record(`echo ${value.replaceAll(/\s+/g, ' ')} > /proc/sys/${key}`);
  }
  for (const path of HARD_WIRED_PATHS) {
    if (!existsSync(path)) await changes.record(['rm', '-rf', path]);
  }
  // The kubelet creates its QoS cgroups (kubepods, kubepods/burstable, ...) in every hierarchy;
  // rmdir removes only empty ones, and by then no process is left in them.
  for (const hierarchy of await cgroupHierarchies()) {
    const kubepods = join(hierarchy, 'kubepods');
    if (!existsSync(kubepods)) await changes.record(`[ ! -d ${kubepods} ] || find ${kubepods} -depth -type d -exec rmdir {} + 2>/dev/null || true`);
  }
}

/** The mounted cgroup hierarchies: each v1 controller's directory and the unified one. */
export async function cgroupHierarchies(): Promise<string[]> {
  const root = '/sys/fs/cgroup';
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  const hierarchies = entries.filter((entry) => entry.isDirectory()).map((entry) => join(root, entry.name));
  // A pure cgroup2 machine has one hierarchy at the root itself.
  return existsSync(join(root, 'cgroup.controllers')) ? [root] : hierarchies;
}

/**
 * Pod traffic stays on this machine: whatever arrives from the bridge and would be forwarded
 * to any other interface is dropped, and nothing is forwarded into the bridge from elsewhere.
 * The rules sit in the mangle table, which the kernel passes before the filter table, so that
 * no ACCEPT of kube-proxy's (its KUBE-FORWARD chain accepts marked and established traffic)
 * can come first.
 */
async function isolatePodNetwork(changes: HostChanges): Promise<void> {
  for (const iptables of ['iptables', 'ip6tables']) {
    await changes.apply(
      [iptables, '-w', '-t', 'mangle', '-N', FORWARD_CHAIN],
      `${iptables} -w -t mangle -F ${FORWARD_CHAIN} 2>/dev/null; ${iptables} -w -t mangle -X ${FORWARD_CHAIN}`,
    );
    await runCommand([iptables, '-w', '-t', 'mangle', '-A', FORWARD_CHAIN, '-i', BRIDGE, '-o', BRIDGE, '-j', 'RETURN']);
    await runCommand([iptables, '-w', '-t', 'mangle', '-A', FORWARD_CHAIN, '-i', BRIDGE, '-j', 'DROP']);
    await runCommand([iptables, '-w', '-t', 'mangle', '-A', FORWARD_CHAIN, '-o', BRIDGE, '-j', 'DROP']);
    await changes.apply(
      [iptables, '-w', '-t', 'mangle', '-I', 'FORWARD', '1', '-j', FORWARD_CHAIN],
      [iptables, '-w', '-t', 'mangle', '-D', 'FORWARD', '-j', FORWARD_CHAIN],
    );
  }
}

/**
 * kube-proxy's `--cleanup` leaves some of its chains behind (KUBE-FIREWALL and its jumps from
 * INPUT and OUTPUT, seen with 1.36): when no KUBE- chain existed before the node, remove every
 * one there is once it is down, jumps first.
 */
async function journalKubeChainRemoval(changes: HostChanges): Promise<void> {
  for (const iptables of ['iptables', 'ip6tables']) {
    const existing = await runCommand([`${iptables}-save`]).catch(() => '');
    if (/^:KUBE-/m.test(existing)) continue;
    await changes.record(
      `for t in filter nat mangle; do ` +
        `for c in $(${iptables} -w -t $t -S 2>/dev/null | awk '$1 == "-N" && $2 ~ /^KUBE-/ { print $2 }'); do ` +
        `${iptables} -w -t $t -S | awk -v c="$c" '$1 == "-A" && $NF == c && $(NF-1) == "-j" { $1 = "-D"; print }' | while read -r rule; do eval "${iptables} -w -t $t $rule"; done; ` +
        `${iptables} -w -t $t -F "$c"; done; ` +
        `for c in $(${iptables} -w -t $t -S 2>/dev/null | awk '$1 == "-N" && $2 ~ /^KUBE-/ { print $2 }'); do ${iptables} -w -t $t -X "$c"; done; ` +
        `done`,
    );
  }
}

/**
 * The bridge exists before any pod does, so that CoreDNS and the kubelet can bind the node's
 * address at once; the CNI bridge plugin then finds it with its gateway address in place.
 */
async function createBridge(changes: HostChanges): Promise<void> {
  await changes.apply(['ip', 'link', 'add', BRIDGE, 'type', 'bridge'], ['ip', 'link', 'del', BRIDGE]);
  await runCommand(['ip', 'addr', 'add', `${NODE_IP}/${POD_CIDR.split('/')[1]}`, 'dev', BRIDGE]);
  await runCommand(['ip', 'link', 'set', BRIDGE, 'up']);
  // The bridge plugin would do this on the first pod; the journal restores the old value.
  await runCommand(['sh', '-c', 'echo 1 > /proc/sys/net/ipv4/ip_forward']);
}

/** Removes what a real node that died without `down` left of ours (we hold the lock). */
async function removeLeftovers(log: (message: string) => void): Promise<void> {
  if (existsSync(`/sys/class/net/${BRIDGE}`)) {
    log(`Removing the bridge ${BRIDGE} that an earlier real node left behind`);
    await runCommand(['ip', 'link', 'del', BRIDGE]);
  }
  for (const iptables of ['iptables', 'ip6tables']) {
    const rules = await runCommand([iptables, '-w', '-t', 'mangle', '-S']).catch(() => '');
    if (!rules.split('\n').some((line) => line === `-N ${FORWARD_CHAIN}`)) continue;
    log(`Removing the ${iptables} chain ${FORWARD_CHAIN} that an earlier real node left behind`);
    while (rules.includes(`-A FORWARD -j ${FORWARD_CHAIN}`)) {
      try {
        await runCommand([iptables, '-w', '-t', 'mangle', '-D', 'FORWARD', '-j', FORWARD_CHAIN]);
      } catch {
        break;
      }
    }
    await runCommand([iptables, '-w', '-t', 'mangle', '-F', FORWARD_CHAIN]);
    await runCommand([iptables, '-w', '-t', 'mangle', '-X', FORWARD_CHAIN]);
  }
}

async function writeConfigs(paths: NodePaths, binaries: RealNodeBinaries, corednsPorts: { health: number; ready: number }, kubelet: { servingCertFile: string; servingKeyFile: string; caCertFile: string }): Promise<void> {
  for (const dir of [paths.root, paths.containerdRoot, paths.containerdState, paths.runcRoot, join(paths.registryHosts, '_default'), paths.cniConfDir, paths.cniIpamDir, paths.kubeletRoot, paths.kubeletVolumePlugins, paths.podLogs, paths.volumes]) {
    await mkdir(dir, { recursive: true });
  }
  await Promise.all([
    writeFile(paths.containerdConfig, containerdConfig(paths, pauseImage(binaries.pauseVersion))),
    writeFile(join(paths.registryHosts, '_default', 'hosts.toml'), registryHostsToml()),
    writeFile(join(paths.cniConfDir, '10-redis-operator.conflist'), cniConfig(paths)),
    writeFile(paths.kubeletConfig, kubeletConfig({ paths, ...kubelet })),
    writeFile(paths.kubeProxyConfig, kubeProxyConfig(paths)),
    writeFile(paths.corefile, corefile({ kubeconfig: paths.corednsKubeconfig, healthPort: corednsPorts.health, readyPort: corednsPorts.ready })),
    writeFile(paths.localPathConfig, localPathConfig(paths)),
    writeFile(paths.localPathHelperPod, localPathHelperPod()),
  ]);
}

function ctr(paths: NodePaths, ...args: string[]): string[] {
  return ['ctr', '--address', paths.containerdSocket, '--namespace', 'k8s.io', ...args];
}

/** Imports the locally built images; nothing is ever pulled. */
async function importImages(paths: NodePaths, binaries: RealNodeBinaries): Promise<void> {
  for (const archive of ['pause.oci.tar', 'local-path-helper.oci.tar', 'redis.oci.tar']) {
    const file = join(binaries.imagesDir, archive);
    await access(file).catch(() => {
      throw new Error(`${file} is missing; test/cluster/build-binaries.sh --real-node builds it`);
    });
    await runCommand(ctr(paths, 'images', 'import', file), { timeoutMs: 120_000 });
  }
  const names = (await runCommand(ctr(paths, 'images', 'list', '--quiet'))).split('\n');
  const expected = [pauseImage(binaries.pauseVersion), ...Object.values(IMAGES)];
  const absent = expected.filter((name) => !names.includes(name));
  if (absent.length > 0) throw new Error(`containerd does not list ${absent.join(', ')} after the import`);
}

/**
 * Starts the real node and returns once it is Ready, kube-proxy is healthy and CoreDNS answers
 * for the cluster's names through the DNS Service's address.
 */
export async function startRealNode(context: RealNodeStartContext): Promise<void> {
  const { dir, certificates, binaries, hostChanges: changes, log } = context;
  await removeLeftovers(log);
  const paths = nodePaths(dir);
  const [corednsHealth, corednsReady] = await freeLoopbackPorts(2);
  if (corednsHealth === undefined || corednsReady === undefined) throw new Error('no free ports for CoreDNS');

  const issue = (name: string, subject: string) => issueClientCertificate(paths.pki, { certFile: certificates.caCertFile, keyFile: certificates.caKeyFile }, name, subject);
  const [kubeletServing, kubeletClient, kubeProxyClient, corednsClient, localPathClient] = await Promise.all([
    issueCertificate(paths.pki, { certFile: certificates.caCertFile, keyFile: certificates.caKeyFile }, 'kubelet-serving', `/O=system:nodes/CN=system:node:${REAL_NODE_NAME}`, [
      'extendedKeyUsage=serverAuth',
      `subjectAltName=IP:${NODE_IP},DNS:${REAL_NODE_NAME}`,
    ]),
    // NodeRestriction admits a kubelet only for its own Node and the pods bound to it.
    issue('kubelet-client', `/O=system:nodes/CN=system:node:${REAL_NODE_NAME}`),
    // The default RBAC policy binds system:node-proxier to this user.
    issue('kube-proxy', '/CN=system:kube-proxy'),
    issue('coredns', `/CN=${COREDNS_USER}`),
    issue('local-path-provisioner', `/CN=${LOCAL_PATH_PROVISIONER_USER}`),
  ]);
  const kubeconfig = (path: string, client: typeof kubeletClient, name: string) =>
    writeKubeconfig(path, { server: context.server, caCertFile: certificates.caCertFile, client, name });
  await mkdir(paths.root, { recursive: true });
  await Promise.all([
    kubeconfig(paths.kubeletKubeconfig, kubeletClient, REAL_NODE_NAME),
    kubeconfig(paths.kubeProxyKubeconfig, kubeProxyClient, 'kube-proxy'),
    kubeconfig(paths.corednsKubeconfig, corednsClient, 'coredns'),
    kubeconfig(paths.localPathKubeconfig, localPathClient, 'local-path-provisioner'),
    writeConfigs(paths, binaries, { health: corednsHealth, ready: corednsReady }, {
      caCertFile: certificates.caCertFile,
      servingCertFile: kubeletServing.certFile,
      servingKeyFile: kubeletServing.keyFile,
    }),
  ]);

  await journalHostState(changes);
  await journalKubeChainRemoval(changes);
  await createBridge(changes);
  await isolatePodNetwork(changes);

  await context.start('containerd', '/usr/bin/containerd', ['--config', paths.containerdConfig, '--log-level', 'warn']);
  await waitFor(
    async () => {
      context.assertAllRunning();
      await runCommand(['ctr', '--address', paths.containerdSocket, 'version'], { timeoutMs: 2_000 });
      return { done: true, value: undefined };
    },
    { description: `containerd at ${paths.containerdSocket}`, timeoutMs: 30_000, intervalMs: 100 },
  );
  await importImages(paths, binaries);
  log('containerd up with the local images imported; starting the kubelet, kube-proxy, CoreDNS and the local-path provisioner');

  await createRealNodeObjects(context.adminKubeConfig, context.storageClassName);
  await context.start('kubelet', binaries.kubelet, [
    `--config=${paths.kubeletConfig}`,
    `--kubeconfig=${paths.kubeletKubeconfig}`,
    `--hostname-override=${REAL_NODE_NAME}`,
    `--node-ip=${NODE_IP}`,
    `--root-dir=${paths.kubeletRoot}`,
    '--v=1',
  ]);
  await context.start('kube-proxy', binaries.kubeProxy, [`--config=${paths.kubeProxyConfig}`, '--v=1']);
  await context.start('coredns', binaries.coredns, ['-conf', paths.corefile]);
  await context.start('local-path-provisioner', binaries.localPathProvisioner, [
    '--debug',
    'start',
    `--config=${paths.localPathConfig}`,
    `--provisioner-name=${LOCAL_PATH_PROVISIONER_NAME}`,
    `--namespace=${LOCAL_PATH_NAMESPACE}`,
    `--helper-image=${IMAGES.localPathHelper}`,
    `--kubeconfig=${paths.localPathKubeconfig}`,
    `--configmap-name=${LOCAL_PATH_CONFIG_MAP}`,
    `--service-account-name=${LOCAL_PATH_HELPER_SERVICE_ACCOUNT}`,
    `--helper-pod-file=${paths.localPathHelperPod}`,
  ]);

  const core = context.adminKubeConfig.makeApiClient(CoreV1Api);
  await waitFor(
    async () => {
      context.assertAllRunning();
      const node = await core.readNode({ name: REAL_NODE_NAME });
      const ready = node.status?.conditions?.find((condition) => condition.type === 'Ready');
      return ready?.status === 'True' ? { done: true, value: undefined } : { done: false, observation: `Ready=${ready?.status ?? 'absent'}: ${ready?.message ?? ''}` };
    },
    { description: `node ${REAL_NODE_NAME} to become Ready`, timeoutMs: 90_000, intervalMs: 250 },
  );
  await waitFor(
    async () => {
      context.assertAllRunning();
      const [kubelet, proxy, dns] = await Promise.all([
        httpStatus(`http://127.0.0.1:${KUBELET_HEALTHZ_PORT}/healthz`),
        httpStatus(`http://127.0.0.1:${KUBE_PROXY_HEALTHZ_PORT}/healthz`),
        httpStatus(`http://127.0.0.1:${corednsReady}/ready`),
      ]);
      if (kubelet !== 200 || proxy !== 200 || dns !== 200) return { done: false, observation: `kubelet ${kubelet}, kube-proxy ${proxy}, CoreDNS ${dns}` };
      // Through the Service address: proves kube-proxy's rules and CoreDNS's view of the API.
      const addresses = await resolveWith(CLUSTER_DNS_IP, 'kubernetes.default.svc.cluster.local');
      return addresses.length > 0 ? { done: true, value: undefined } : { done: false, observation: 'no address for kubernetes.default' };
    },
    { description: 'kube-proxy, CoreDNS and the DNS Service to answer', timeoutMs: 60_000, intervalMs: 250 },
  );
}
