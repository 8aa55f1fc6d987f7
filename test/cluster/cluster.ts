import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, StorageV1Api, type V1Node, type V1StorageClass } from '@kubernetes/client-node';
import { ensureBinaries, ensureRealNodeBinaries, type ControlPlaneBinaries, type RealNodeBinaries } from './binaries.js';
import { generateCertificates, SERVICE_CLUSTER_IP_RANGE, type ClusterCertificates } from './certificates.js';
import { HOST_UNDO_FILE, HostChanges } from './host-changes.js';
import { apiServerGet, loadKubeConfig, writeKubeconfig } from './kubeconfig.js';
import { KWOK_POD_CIDR, makeKwokPodRangeUnroutable } from './kwok-network.js';
import { freeLoopbackPorts } from './ports.js';
import { isRunning, logTail, spawnComponent, stopComponents, type ComponentRecord } from './processes.js';
import { acquireRealNodeLock, releaseRealNodeLock } from './real-node/lock.js';
import { REAL_NODE_NAME } from './real-node/node-config.js';
import { checkRealNodePrerequisites, startRealNode } from './real-node/real-node.js';
import { REAL_NODE_COMPONENTS, stopRealNode } from './real-node/teardown.js';
import { waitFor } from './wait.js';

const KWOK_STAGES_FILE = join(dirname(fileURLToPath(import.meta.url)), 'kwok-stages.yaml');
const CLI_FILE = join(dirname(fileURLToPath(import.meta.url)), 'cli.ts');
const REPOSITORY_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The simulated node kwok manages. */
export const NODE_NAME = 'kwok-node-0';
export const DEFAULT_STORAGE_CLASS = 'standard';

/** Entries `startCluster` creates under its directory; `stopCluster` removes exactly these. */
const STATE_ENTRIES = ['cluster.json', 'kubeconfig', 'pki', 'etcd', 'logs', 'components', 'node', HOST_UNDO_FILE, 'real-node-lock.status'] as const;

/** How long kube-controller-manager waits for a node's heartbeat before it marks the node NotReady. */
export const DEFAULT_NODE_MONITOR_GRACE_PERIOD = '10m';

export interface StartClusterOptions {
  /** Directory for certificates, etcd's data, logs, the kubeconfig and the state file. */
  readonly dir: string;
  /**
   * Start the components in sessions of their own, so they keep running after this process
   * exits (`cluster up`). When false they share our process group, so a Ctrl-C reaches them.
   * @default false
   */
  readonly detached?: boolean;
  /**
   * A watchdog stops the cluster and removes its state once this process is gone, for when it
   * dies without calling `stop()` (killed, or interrupted past vitest's teardown).
   * @default process.pid when not detached; no watchdog when detached
   */
  readonly stopWhenProcessExits?: number;
  /** Progress messages. @default no output */
  readonly log?: (message: string) => void;
  /**
   * Start one real node (kubelet, containerd, CNI, kube-proxy, CoreDNS, local-path volumes)
   * instead of kwok's simulated one; it is then the cluster's only node. Needs root; one per
   * machine at a time (a second waits for the first to stop).
   * @default false
   */
  readonly realNode?: boolean;
  /**
   * Called once the machine's real-node lock is held, before anything touches the host: what
   * the host looks like then is what `down` must leave (another real node may have been up
   * while this one waited).
   */
  readonly onRealNodeLockHeld?: () => Promise<void>;
  /**
   * How long a node may go without a heartbeat before kube-controller-manager marks it NotReady
   * (its --node-monitor-grace-period and --node-startup-grace-period).
   * @default DEFAULT_NODE_MONITOR_GRACE_PERIOD with kwok; Kubernetes' own (40 s, and one minute
   * after registering) with the real node, whose kubelet renews its Lease itself
   */
  readonly nodeMonitorGracePeriod?: string;
}

export interface ClusterPorts {
  readonly etcdClient: number;
  readonly etcdPeer: number;
  readonly apiServer: number;
  readonly controllerManager: number;
  readonly scheduler: number;
  readonly kwok: number;
}

export interface RunningCluster {
  readonly dir: string;
  /** The one node pods are scheduled to: kwok's simulated node or the real node. */
  readonly nodeName: string;
  readonly realNode: boolean;
  /** Cluster-admin kubeconfig (`DIR/kubeconfig`): organisation system:masters. */
  readonly kubeconfigPath: string;
  /** The API server's URL, `https://127.0.0.1:<port>`. */
  readonly server: string;
  readonly ports: ClusterPorts;
  /** The running components, in start order. */
  readonly components: readonly ComponentRecord[];
  /** Stops every component and removes the state under `dir`. Safe to call twice. */
  stop(): Promise<void>;
}

/** What `DIR/cluster.json` records, so that `stopCluster` works from another process. */
export interface ClusterState {
  readonly server: string;
  readonly ports: ClusterPorts;
  readonly components: ComponentRecord[];
  /** Present when the cluster is tied to a process (`stopWhenProcessExits`). */
  watchdog?: ComponentRecord;
  /** Present with a real node: the process that holds (or waits for) the machine's real-node lock. */
  realNodeLock?: ComponentRecord;
  readonly realNode?: boolean;
  /**
   * True once the lock is held: only then is the host's real-node state (containers, cgroups,
   * the bridge) this cluster's to clean up. A cluster stopped while it waits touches none of it.
   */
  ownsRealNode?: boolean;
}

export class ClusterStartError extends Error {
  constructor(message: string, readonly dir: string) {
    super(message);
    this.name = 'ClusterStartError';
  }
}

/**
 * Starts etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok on 127.0.0.1 with
 * free ports, and returns once the API server is ready, the simulated node is Ready and the
 * `default` ServiceAccount exists (so pods can be created right away). On failure the started
 * components are stopped and `dir` is kept for its logs.
 */
export async function startCluster(options: StartClusterOptions): Promise<RunningCluster> {
  const dir = resolve(options.dir);
  const log = options.log ?? (() => undefined);
  const detached = options.detached ?? false;
  const owner = options.stopWhenProcessExits ?? (detached ? undefined : process.pid);
  const statePath = join(dir, 'cluster.json');

  const previous = await readClusterState(dir);
  if (previous !== undefined) {
    if (previous.components.some(isRunning)) {
      throw new ClusterStartError(`a cluster is already running in ${dir}; stop it first (cluster down --dir ${options.dir})`, dir);
    }
    await removeState(dir);
  }

  const realNode = options.realNode ?? false;
  if (realNode) await checkRealNodePrerequisites();
  await mkdir(dir, { recursive: true });
  let realNodeLock: ComponentRecord | undefined;
  if (realNode) {
    // Before anything else: a second real node waits here, with nothing of its own running and
    // no ports taken. Until the lock is held, the state file names only the lock's holder.
    const waiting: ClusterState = { server: '', ports: { etcdClient: 0, etcdPeer: 0, apiServer: 0, controllerManager: 0, scheduler: 0, kwok: 0 }, components: [], realNode };
    try {
      realNodeLock = await acquireRealNodeLock({
        dir,
        onWait: log,
        onStarted: async (record) => {
          waiting.realNodeLock = record;
          await writeFile(statePath, JSON.stringify(waiting, null, 2) + '\n');
        },
      });
      await options.onRealNodeLockHeld?.();
    } catch (error) {
      if (waiting.realNodeLock) await releaseRealNodeLock(waiting.realNodeLock);
      await removeState(dir);
      throw error;
    }
  }
  for (const entry of ['logs', 'components', 'etcd']) await mkdir(join(dir, entry), { recursive: true });
  const [etcdClient, etcdPeer, apiServer, controllerManager, scheduler, kwok] = await freeLoopbackPorts(6);
  const ports: ClusterPorts = { etcdClient, etcdPeer, apiServer, controllerManager, scheduler, kwok };
  const server = `https://127.0.0.1:${ports.apiServer}`;
  const state: ClusterState = { server, ports, components: [], ...(realNodeLock ? { realNode, realNodeLock, ownsRealNode: true } : {}) };
  const saveState = () => writeFile(statePath, JSON.stringify(state, null, 2) + '\n');
  const hostChanges = new HostChanges(dir);
  await saveState();

  let binaries: ControlPlaneBinaries;
  let nodeBinaries: RealNodeBinaries | undefined;
  try {
    if (realNode) {
      const built = await ensureRealNodeBinaries();
      binaries = built.controlPlane;
      nodeBinaries = built.realNode;
    } else {
      binaries = await ensureBinaries();
    }
  } catch (error) {
    if (state.realNodeLock) await releaseRealNodeLock(state.realNodeLock);
    await removeState(dir);
    throw error;
  }
  const certificates = await generateCertificates(join(dir, 'pki'));
  const kubeconfigPath = join(dir, 'kubeconfig');
  const componentKubeconfigs = {
    controllerManager: join(dir, 'components', 'kube-controller-manager.kubeconfig'),
    scheduler: join(dir, 'components', 'kube-scheduler.kubeconfig'),
  };
  await Promise.all([
    writeKubeconfig(kubeconfigPath, { server, caCertFile: certificates.caCertFile, client: certificates.admin, name: 'redis-operator-local' }),
    writeKubeconfig(componentKubeconfigs.controllerManager, {
      server,
      caCertFile: certificates.caCertFile,
      client: certificates.controllerManager,
      name: 'kube-controller-manager',
    }),
    writeKubeconfig(componentKubeconfigs.scheduler, {
      server,
      caCertFile: certificates.caCertFile,
      client: certificates.scheduler,
      name: 'kube-scheduler',
    }),
  ]);

  const start = async (name: string, binary: string, args: readonly string[]) => {
    const record = spawnComponent({ name, binary, args, logFile: join(dir, 'logs', `${name}.log`), cwd: dir, detached });
    state.components.push(record);
    await saveState();
    return record;
  };
  const stop = async () => {
    await stopRecorded(dir, state, kubeconfigPath);
  };

  try {
    if (owner !== undefined) {
      state.watchdog = startWatchdog(dir, owner, realNode);
      await saveState();
    }
    await makeKwokPodRangeUnroutable(hostChanges, ports.apiServer, log);
    const args = componentArgs(dir, certificates, ports, kubeconfigPath, componentKubeconfigs, {
      realNode,
      nodeMonitorGracePeriod: options.nodeMonitorGracePeriod ?? (realNode ? undefined : DEFAULT_NODE_MONITOR_GRACE_PERIOD),
    });
    const etcd = await start('etcd', binaries.etcd, args.etcd);
    const apiServerProcess = await start('kube-apiserver', binaries.kubeApiserver, args.kubeApiserver);
    log(`Started etcd (pid ${etcd.pid}) and kube-apiserver (pid ${apiServerProcess.pid}); waiting for ${server}/readyz`);

    await waitFor(
      async () => {
        assertAllRunning(state.components);
        const response = await apiServerGet(kubeconfigPath, '/readyz', 2_000);
        return response.statusCode === 200 ? { done: true, value: undefined } : { done: false, observation: response.body.trim().split('\n').filter((line) => line.includes('[-]')).join('; ') };
      },
      { description: `kube-apiserver's /readyz at ${server}`, timeoutMs: 60_000, intervalMs: 100 },
    );

    await start('kube-controller-manager', binaries.kubeControllerManager, args.kubeControllerManager);
    await start('kube-scheduler', binaries.kubeScheduler, args.kubeScheduler);
    const kubeConfig = loadKubeConfig(kubeconfigPath);
    const core = kubeConfig.makeApiClient(CoreV1Api);
    if (nodeBinaries !== undefined) {
      log('API server ready; started kube-controller-manager and kube-scheduler; starting the real node');
      await startRealNode({
        dir,
        server,
        certificates,
        binaries: nodeBinaries,
        adminKubeConfig: kubeConfig,
        hostChanges,
        storageClassName: DEFAULT_STORAGE_CLASS,
        start,
        assertAllRunning: () => assertAllRunning(state.components),
        log,
      });
    } else {
      await start('kwok', binaries.kwok, args.kwok);
      log('API server ready; started kube-controller-manager, kube-scheduler and kwok');
      const storage = kubeConfig.makeApiClient(StorageV1Api);
      await Promise.all([
        storage.createStorageClass({ body: defaultStorageClass() }),
        core.createNode({ body: simulatedNode() }),
      ]);
      await waitFor(
        async () => {
          assertAllRunning(state.components);
          const node = await core.readNode({ name: NODE_NAME });
          const ready = node.status?.conditions?.find((condition) => condition.type === 'Ready');
          return ready?.status === 'True' ? { done: true, value: undefined } : { done: false, observation: `Ready=${ready?.status ?? 'absent'}` };
        },
        { description: `node ${NODE_NAME} to become Ready`, timeoutMs: 60_000, intervalMs: 100 },
      );
    }
    await waitFor(
      async () => {
        assertAllRunning(state.components);
        await core.readNamespacedServiceAccount({ name: 'default', namespace: 'default' });
        return { done: true, value: undefined };
      },
      { description: 'the default ServiceAccount in namespace default', timeoutMs: 60_000, intervalMs: 100 },
    );
  } catch (error) {
    const logs = state.components.map((record) => `--- ${record.name} (${record.logFile}):\n${logTail(record.logFile)}`).join('\n');
    await stopRecorded(dir, state, undefined, { keepState: true }).catch(() => undefined);
    const reason = error instanceof Error ? error.message : String(error);
    throw new ClusterStartError(`the local control plane did not start in ${dir}: ${reason}\n${logs}`, dir);
  }

  return { dir, nodeName: realNode ? REAL_NODE_NAME : NODE_NAME, realNode, kubeconfigPath, server, ports, components: state.components, stop };
}

/**
 * Stops the cluster recorded under `dir` (by `cluster up`, or by a run that died) and removes
 * its state. Returns false when `dir` holds no cluster.
 */
export async function stopCluster(dir: string): Promise<boolean> {
  const absolute = resolve(dir);
  const state = await readClusterState(absolute);
  if (state === undefined) return false;
  await stopRecorded(absolute, state, join(absolute, 'kubeconfig'));
  return true;
}

/** Reads `DIR/cluster.json`, or undefined when there is none. */
export async function readClusterState(dir: string): Promise<ClusterState | undefined> {
  try {
    return JSON.parse(await readFile(join(resolve(dir), 'cluster.json'), 'utf8')) as ClusterState;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function stopRecorded(dir: string, state: ClusterState, kubeconfigPath: string | undefined, options: { keepState?: boolean } = {}): Promise<void> {
  const provisioned = kubeconfigPath === undefined ? [] : await provisionedHostPaths(kubeconfigPath);
  const byName = (...names: string[]) => state.components.filter((record) => names.includes(record.name));
  const problems: string[] = [];
  if (state.ownsRealNode || state.components.some((record) => (REAL_NODE_COMPONENTS as readonly string[]).includes(record.name))) {
    problems.push(...(await stopRealNode(dir, state.components)));
  }
  // Clients first, so the API server is not left waiting for their watches; etcd last.
  await stopComponents([byName('kwok', 'kube-scheduler', 'kube-controller-manager'), byName('kube-apiserver'), byName('etcd')]);
  // Routes, rules, sysctls, links, cgroups and directories, newest first, once nothing of ours
  // runs any more.
  problems.push(...(await new HostChanges(dir).undoAll()));
  // The watchdog goes last: if we are killed half-way through stopping, it finishes the job
  // once its owner is gone. Stopping it right after the components leaves no time for their
  // PIDs to be reused before it could act on them.
  if (state.watchdog !== undefined) await stopComponents([[state.watchdog]], 1_000);
  // kube-controller-manager's host-path provisioner made a directory per volume under /tmp.
  await Promise.all(provisioned.map((path) => rm(path, { recursive: true, force: true })));
  if (!options.keepState) await removeState(dir);
  // Only now may another real node start on this machine.
  if (state.realNodeLock !== undefined) await releaseRealNodeLock(state.realNodeLock);
  if (problems.length > 0) throw new Error(`stopping the cluster in ${dir} left work undone:\n  ${problems.join('\n  ')}`);
}

async function removeState(dir: string): Promise<void> {
  await Promise.all(STATE_ENTRIES.map((entry) => rm(join(dir, entry), { recursive: true, force: true })));
  // Only when we leave it empty: DIR may be a directory the user had before.
  await rmdir(dir).catch(() => undefined);
}

/** The directories the host-path provisioner created for this cluster's volumes (best effort). */
async function provisionedHostPaths(kubeconfigPath: string): Promise<string[]> {
  if (!existsSync(kubeconfigPath)) return [];
  try {
    const response = await apiServerGet(kubeconfigPath, '/api/v1/persistentvolumes', 2_000);
    if (response.statusCode !== 200) return [];
    const list = JSON.parse(response.body) as { items: { spec?: { hostPath?: { path?: string } } }[] };
    return list.items
      .map((volume) => volume.spec?.hostPath?.path)
      .filter((path): path is string => path !== undefined && /^\/tmp\/hostpath_pv\/[0-9a-f-]+$/.test(path));
  } catch {
    return [];
  }
}

function assertAllRunning(components: readonly ComponentRecord[]): void {
  const exited = components.filter((record) => !isRunning(record));
  if (exited.length > 0) throw new Error(`${exited.map((record) => record.name).join(', ')} exited`);
}

/**
 * A shell loop that outlives us: when the owner process is gone without the cluster having been
 * stopped, it stops the components and removes the state. It reads the PIDs from the state file
 * when it acts, so it sees every component started after it.
 */
function startWatchdog(dir: string, owner: number, realNode: boolean): ComponentRecord {
  // A real node needs the full `down` (its containers, mounts and host settings); the shell
  // steps after it are the fallback, and all a kwok cluster needs.
  const fullDown = realNode
    ? `cd ${JSON.stringify(REPOSITORY_ROOT)} && ${JSON.stringify(process.execPath)} --import tsx ${JSON.stringify(CLI_FILE)} down --dir "$dir" >>"$dir/logs/watchdog.log" 2>&1`
    : 'false';
  const script = `
owner="$1"; dir="$2"
while kill -0 "$owner" 2>/dev/null; do sleep 1; done
[ -f "$dir/cluster.json" ] || exit 0
if ${fullDown}; then exit 0; fi
pids=$(sed -n 's/.*"pid": \\([0-9][0-9]*\\).*/\\1/p' "$dir/cluster.json" | grep -vx "$$")
[ -n "$pids" ] && kill -TERM $pids 2>/dev/null
for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 $pids 2>/dev/null || break; sleep 0.5; done
[ -n "$pids" ] && kill -KILL $pids 2>/dev/null
[ -f "$dir/${HOST_UNDO_FILE}" ] && tac "$dir/${HOST_UNDO_FILE}" | sh >/dev/null 2>&1
cd "$dir" && rm -rf ${STATE_ENTRIES.join(' ')} && cd / && rmdir "$dir" 2>/dev/null
exit 0
`;
  const child = spawn('sh', ['-c', script, 'redis-operator-cluster-watchdog', String(owner), dir], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  if (child.pid === undefined) throw new Error('could not start the cluster watchdog');
  return { name: 'watchdog', pid: child.pid, binary: 'sh', logFile: '/dev/null' };
}

function defaultStorageClass(): V1StorageClass {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: {
      name: DEFAULT_STORAGE_CLASS,
      annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
    },
    // kube-controller-manager's own provisioner (--enable-hostpath-provisioner): claims are
    // provisioned and bound by real Kubernetes code; nothing is mounted, as no kubelet runs.
    provisioner: 'kubernetes.io/host-path',
    reclaimPolicy: 'Delete',
    // Immediate: the scheduler will not place a pod whose claim is unbound, and with
    // WaitForFirstConsumer nothing here would bind it before scheduling.
    volumeBindingMode: 'Immediate',
    allowVolumeExpansion: true,
  };
}

function simulatedNode(): V1Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: NODE_NAME,
      // kwok manages the nodes that carry this annotation (--manage-nodes-with-annotation-selector).
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/hostname': NODE_NAME,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        type: 'kwok',
      },
    },
    // Room for benchmarks' hundreds of instances; kwok runs no containers, so pods cost nothing.
    status: {
      allocatable: { cpu: '256', memory: '2Ti', pods: '2000' },
      capacity: { cpu: '256', memory: '2Ti', pods: '2000' },
    },
  };
}

/** Command lines of the components, keyed like ControlPlaneBinaries. */
function componentArgs(
  dir: string,
  certificates: ClusterCertificates,
  ports: ClusterPorts,
  adminKubeconfig: string,
  kubeconfigs: { controllerManager: string; scheduler: string },
  options: { realNode: boolean; nodeMonitorGracePeriod: string | undefined },
): Record<keyof ControlPlaneBinaries, string[]> {
  const etcdClientUrl = `http://127.0.0.1:${ports.etcdClient}`;
  const etcdPeerUrl = `http://127.0.0.1:${ports.etcdPeer}`;
  return {
    etcd: [
      '--name=default',
      `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=${etcdClientUrl}`,
      `--advertise-client-urls=${etcdClientUrl}`,
      `--listen-peer-urls=${etcdPeerUrl}`,
      `--initial-advertise-peer-urls=${etcdPeerUrl}`,
      `--initial-cluster=default=${etcdPeerUrl}`,
      // Test data is thrown away with the cluster; skipping fsync makes every write much faster.
      '--unsafe-no-fsync=true',
      '--log-level=warn',
    ],
    kubeApiserver: [
      `--etcd-servers=${etcdClientUrl}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${ports.apiServer}`,
      `--cert-dir=${join(dir, 'pki')}`,
      `--tls-cert-file=${certificates.apiServer.certFile}`,
      `--tls-private-key-file=${certificates.apiServer.keyFile}`,
      `--client-ca-file=${certificates.caCertFile}`,
      '--authorization-mode=Node,RBAC',
      // The default admission plugins (PodSecurity, ServiceAccount, DefaultStorageClass, ...)
      // stay on; NodeRestriction is what kubeadm adds on top.
      '--enable-admission-plugins=NodeRestriction',
      '--allow-privileged=true',
      // The aggregation layer as kubeadm configures it; its CA also lets the controller manager
      // and scheduler authenticate requests to their own secure ports.
      `--requestheader-client-ca-file=${certificates.frontProxyCaCertFile}`,
      '--requestheader-allowed-names=front-proxy-client',
      '--requestheader-username-headers=X-Remote-User',
      '--requestheader-group-headers=X-Remote-Group',
      '--requestheader-extra-headers-prefix=X-Remote-Extra-',
      `--proxy-client-cert-file=${certificates.frontProxyClient.certFile}`,
      `--proxy-client-key-file=${certificates.frontProxyClient.keyFile}`,
      // The `kubernetes` Service's endpoint would be 127.0.0.1, which Endpoints reject as
      // loopback; nothing in the cluster dials it (no pod really runs), so it stays without one.
      '--endpoint-reconciler-type=none',
      `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${certificates.serviceAccountPublicKeyFile}`,
      `--service-account-signing-key-file=${certificates.serviceAccountKeyFile}`,
      // Kubelets authenticate the API server by this certificate and ask it what it may do; it
      // dials them by the address they report, never by a host name nothing here resolves.
      `--kubelet-client-certificate=${certificates.apiServerKubeletClient.certFile}`,
      `--kubelet-client-key=${certificates.apiServerKubeletClient.keyFile}`,
      '--kubelet-preferred-address-types=InternalIP',
      // The real kubelet's serving certificate is ours; kwok's is self-signed.
      ...(options.realNode ? [`--kubelet-certificate-authority=${certificates.caCertFile}`] : []),
    ],
    kubeControllerManager: [
      `--kubeconfig=${kubeconfigs.controllerManager}`,
      `--authentication-kubeconfig=${kubeconfigs.controllerManager}`,
      `--authorization-kubeconfig=${kubeconfigs.controllerManager}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${ports.controllerManager}`,
      `--cert-dir=${join(dir, 'components', 'kube-controller-manager')}`,
      '--leader-elect=false',
      '--controllers=*',
      // Provisions PVs for the `kubernetes.io/host-path` StorageClass: real binding without a CSI driver.
      '--enable-hostpath-provisioner=true',
      // Each controller acts as its own service account, with the rights RBAC gives it, as in kubeadm clusters.
      '--use-service-account-credentials=true',
      `--service-account-private-key-file=${certificates.serviceAccountKeyFile}`,
      `--root-ca-file=${certificates.caCertFile}`,
      `--cluster-signing-cert-file=${certificates.caCertFile}`,
      `--cluster-signing-key-file=${certificates.caKeyFile}`,
      `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
      // kwok renews its node's Lease like a kubelet (--node-lease-duration-seconds), but on two
      // shared cores under a benchmark's load its renewals can run late, and a node presumed
      // lost has all its pods marked NotReady for good (no kubelet comes back to say otherwise).
      // Give the simulated node the patience a loaded machine needs; a node that has just
      // registered gets the startup grace period instead (default one minute).
      ...(options.nodeMonitorGracePeriod === undefined
        ? []
        : [`--node-monitor-grace-period=${options.nodeMonitorGracePeriod}`, `--node-startup-grace-period=${options.nodeMonitorGracePeriod}`]),
    ],
    kubeScheduler: [
      `--kubeconfig=${kubeconfigs.scheduler}`,
      `--authentication-kubeconfig=${kubeconfigs.scheduler}`,
      `--authorization-kubeconfig=${kubeconfigs.scheduler}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${ports.scheduler}`,
      `--cert-dir=${join(dir, 'components', 'kube-scheduler')}`,
      '--leader-elect=false',
    ],
    kwok: [
      `--kubeconfig=${adminKubeconfig}`,
      `--config=${KWOK_STAGES_FILE}`,
      '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
      '--node-ip=127.0.0.1',
      `--cidr=${KWOK_POD_CIDR}`,
      // A Lease in kube-node-lease, renewed every quarter of this, is the heartbeat that
      // kube-controller-manager watches; the node-heartbeat-with-lease stage updates the
      // node's status only every ten minutes or more, relying on it.
      '--node-lease-duration-seconds=40',
      `--server-address=127.0.0.1:${ports.kwok}`,
    ],
  };
}
