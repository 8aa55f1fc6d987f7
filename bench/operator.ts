import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { withDefaults } from '../src/api/defaults.js';
import { ownedNames } from '../src/api/names.js';
import type { RedisInstance } from '../src/api/redis-instance.js';
import { KubeClient } from '../src/client/kube-client.js';
import type { KubeObject } from '../src/client/objects.js';
import { Resources, type ResourceType } from '../src/client/resources.js';
import { Informer } from '../src/controller/informer.js';
import { createLogger } from '../src/observability/logger.js';
import { resourceOf } from '../src/reconcile/live-objects.js';
import { synthesizeInstance } from '../src/synth/synthesize-instance.js';
import { startCluster, type RunningCluster } from '../test/cluster/cluster.js';
import { loadKubeConfig } from '../test/cluster/kubeconfig.js';
import { freeLoopbackPorts } from '../test/cluster/ports.js';
import { pollResult, waitFor } from '../test/cluster/wait.js';
import { apiServerWrites, OPERATOR_RESOURCES } from '../test/support/api-server-metrics.js';
import { installRedisInstanceCrd } from '../test/support/crd.js';
import { cacheCost, type CacheCost } from './cache-cost.js';
import { summarizeHeapSnapshot, type HeapSummary } from './heap-snapshot.js';
import { stopOperator } from './stop-operator.js';

const CHANGES = 100;
const RESYNC_SECONDS = 10;
/** How many RedisInstances the bench (the "user") creates at once. */
const USER_CONCURRENCY = 20;
const NAMESPACE = 'bench';
const FLOOR_NAMESPACE = 'floor';
const root = resolve(import.meta.dirname, '..');
const silent = createLogger({ silent: true });

export interface OperatorBenchOptions {
  readonly instances: number;
  /** `--max-concurrent-reconciles` of the operator, and the size of the floor's client pool. */
  readonly workers: number;
  /** Flags for the operator's node (V8 flags: `--max-semi-space-size=1`, ...). */
  readonly nodeFlags: readonly string[];
  /** More `redis-operator run` flags. */
  readonly operatorArgs: readonly string[];
  /** Also take a heap snapshot of the operator and sum it up by type. */
  readonly heapSnapshot: boolean;
}

export interface MemoryFigures {
  readonly rssMiB: number;
  /** From the operator's /metrics (prom-client's process metrics). */
  readonly heapUsedMiB: number;
  readonly heapTotalMiB: number;
  readonly externalMiB: number;
}

export interface OperatorFigures {
  readonly instances: number;
  readonly workers: number;
  /** Load average (1 minute) when the run started and when it ended. */
  readonly load: readonly [number, number];
  readonly createAllMs: number;
  /** The same objects created by a bare client pool of `workers`, after the cluster settled. */
  readonly floorMs: number;
  /** CPU seconds each process used while the operator created every object, and while the floor did. */
  readonly cpu: { readonly operator: CpuUse; readonly floor: CpuUse };
  readonly changeMedianMs: number;
  readonly changeP99Ms: number;
  readonly idleWritesPerResync: number;
  /** Before any instance exists, with the caches synced. */
  readonly idle: MemoryFigures;
  /** With every instance Ready. */
  readonly loaded: MemoryFigures;
  /** The median RSS over two idle resync periods, sampled every half second. */
  readonly steadyRssMiB: number;
  /** The highest RSS the operator reached (VmHWM). */
  readonly peakRssMiB: number;
  readonly heap?: HeapSummary;
  /** One instance's objects in the caches, as listed and as kept (measured in the bench process). */
  readonly cache: CacheCost;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function pool<T>(items: readonly T[], size: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: size }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}

function procStatus(pid: number, field: string): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) / 1024;
}

async function metricsText(port: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
}

function metricSum(text: string, name: string, filter: (labels: string) => boolean = () => true): number {
  let total = 0;
  for (const match of text.matchAll(new RegExp(`^${name}(?:\\{([^}]*)\\})? (\\S+)`, 'gm'))) {
    if (filter(match[1] ?? '')) total += Number(match[2]);
  }
  return total;
}

async function memory(pid: number, metricsPort: number): Promise<MemoryFigures> {
  const text = await metricsText(metricsPort);
  const mib = (bytes: number) => bytes / 2 ** 20;
  return {
    rssMiB: procStatus(pid, 'VmRSS'),
    heapUsedMiB: mib(metricSum(text, 'nodejs_heap_size_used_bytes')),
    heapTotalMiB: mib(metricSum(text, 'nodejs_heap_size_total_bytes')),
    externalMiB: mib(metricSum(text, 'nodejs_external_memory_bytes')),
  };
}

/** CPU seconds a process has used (user and system), from /proc; 0 once it is gone. */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
    // utime and stime are fields 14 and 15 of stat, in clock ticks (USER_HZ, 100 on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** CPU seconds by process over one phase: each control-plane component, the operator, the bench. */
export type CpuUse = Readonly<Record<string, number>>;

function cpuMeter(cluster: RunningCluster, operatorPid: number): () => () => CpuUse {
  const read = (): Record<string, number> => {
    const own = process.cpuUsage();
    return {
      ...Object.fromEntries(cluster.components.map((component) => [component.name, cpuSeconds(component.pid)])),
      operator: cpuSeconds(operatorPid),
      bench: (own.user + own.system) / 1e6,
    };
  };
  return () => {
    const start = read();
    return () => Object.fromEntries(Object.entries(read()).map(([name, seconds]) => [name, seconds - (start[name] ?? 0)]));
  };
}

/** All the CPU seconds of one phase, every process together. */
export function cpuTotal(use: CpuUse): number {
  return Object.values(use).reduce((sum, seconds) => sum + seconds, 0);
}

function describeCpu(use: CpuUse): string {
  return `${Object.entries(use).map(([name, seconds]) => `${name} ${seconds.toFixed(2)}`).join(', ')}; all ${cpuTotal(use).toFixed(2)} s`;
}

/**
 * Waits until the control plane is quiet: its components together use less than a fifth of a
 * core for three seconds in a row. Right after a start (or a CRD install: the API server then
 * rebuilds its OpenAPI documents) and while controllers still roll pods, the API server answers
 * at a fraction of its speed; both phases of the bench start from a quiet cluster.
 */
async function settle(cluster: RunningCluster, log: (line: string) => void, what: string): Promise<void> {
  const pids = cluster.components.map((component) => component.pid);
  const started = performance.now();
  const total = (): number => pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  let quiet = 0;
  let last = { at: performance.now(), cpu: total() };
  await waitFor(async () => {
    const now = { at: performance.now(), cpu: total() };
    const cores = (now.cpu - last.cpu) / Math.max(0.001, (now.at - last.at) / 1000);
    const measured = now.at - last.at >= 500;
    if (measured) last = now;
    quiet = !measured ? quiet : cores < 0.2 ? quiet + 1 : 0;
    return pollResult(quiet >= 3 || undefined, `${(cores * 100).toFixed(0)} % of a core`);
  }, { description: `the control plane to settle before ${what}`, timeoutMs: 300_000, intervalMs: 1_000 });
  log(`  control plane settled before ${what} after ${((performance.now() - started) / 1000).toFixed(0)} s (load ${loadavg()[0]!.toFixed(1)})`);
}

/** Resolves once `count()` reaches `target`, checked on every event of the informers. */
function whenCount(informers: ReadonlyArray<Informer<KubeObject>>, count: () => number, target: number): Promise<void> {
  return new Promise((resolveDone) => {
    const check = (): void => {
      if (count() >= target) resolveDone();
    };
    for (const informer of informers) informer.addHandlers({ onAdd: check, onUpdate: check });
    check();
  });
}

/** How many objects the informers hold in each namespace, kept up to date by their events. */
function countByNamespace(informers: ReadonlyArray<Informer<KubeObject>>): (namespace: string) => number {
  const counts = new Map<string, number>();
  const add = (object: KubeObject, by: number): void => {
    const namespace = object.metadata.namespace ?? '';
    counts.set(namespace, (counts.get(namespace) ?? 0) + by);
  };
  for (const informer of informers) {
    for (const object of informer.list()) add(object, 1);
    informer.addHandlers({ onAdd: (object) => add(object, 1), onDelete: (object) => add(object, -1) });
  }
  return (namespace) => counts.get(namespace) ?? 0;
}

function informer(client: KubeClient, resource: ResourceType, namespace?: string): Informer<KubeObject> {
  return new Informer<KubeObject>(client, resource, silent, {
    ...(namespace ? { namespace } : {}),
    labelSelector: resource === Resources.redisInstance ? undefined : 'app.kubernetes.io/managed-by=redis-operator',
  });
}

function instance(name: string, namespace: string): RedisInstance {
  return { apiVersion: 'redis.github.com/v1', kind: 'RedisInstance', metadata: { name, namespace }, spec: { replicas: 1 } };
}

const isReady = (object: KubeObject): boolean => (object as { status?: { phase?: string } }).status?.phase === 'Ready';

/**
 * The operator as `redis-operator run` (the built CLI, a process of its own) against a fresh
 * local control plane: N instances created until every one has its objects, then Ready; memory;
 * 100 spec changes; an idle resync; then the raw floor: the very objects `synth` prints for the
 * N instances, created by a bare client pool of the operator's concurrency in another namespace
 * of the same API server.
 */
export async function benchOperator(options: OperatorBenchOptions, log: (line: string) => void): Promise<OperatorFigures> {
  const { instances: count, workers } = options;
  const loadAtStart = loadavg()[0]!;
  const dir = mkdtempSync(join(tmpdir(), 'redis-operator-bench-'));
  log(`starting a local control plane (load average ${loadAtStart.toFixed(1)})...`);
  const cluster = await startCluster({ dir });
  const [metricsPort, probePort] = await freeLoopbackPorts(2);
  let operator: ChildProcess | undefined;
  const watching: Array<Informer<KubeObject>> = [];
  try {
    const client = KubeClient.load(cluster.kubeconfigPath);
    await installRedisInstanceCrd(loadKubeConfig(cluster.kubeconfigPath));
    for (const name of [NAMESPACE, FLOOR_NAMESPACE]) {
      await client.create(Resources.namespace, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    }
    const snapshotDir = join(dir, 'heap');
    mkdirSync(snapshotDir);
    operator = spawn(process.execPath, [
      ...options.nodeFlags, ...(options.heapSnapshot ? [`--diagnostic-dir=${snapshotDir}`, '--heapsnapshot-signal=SIGUSR2'] : []),
      join(root, 'bin/redis-operator.js'), 'run',
      '--kubeconfig', cluster.kubeconfigPath, '--namespace', NAMESPACE,
      '--metrics-bind-address', `127.0.0.1:${metricsPort}`, '--health-probe-bind-address', `127.0.0.1:${probePort}`,
      '--resync-period', String(RESYNC_SECONDS), '--max-concurrent-reconciles', String(workers), '--log-level', 'warn',
      ...options.operatorArgs,
    ], { stdio: ['ignore', 'ignore', 'inherit'] });
    const pid = operator.pid!;
    await waitFor(async () => pollResult((await fetch(`http://127.0.0.1:${probePort}/readyz`)).ok || undefined), {
      description: 'the operator to be ready', timeoutMs: 60_000,
    });
    const idle = await memory(pid, metricsPort);

    // What the operator creates for each instance is what `synth` prints for it (the floor below
    // creates the same); each of those kinds is watched, and their sum is the target. The same
    // watches, across both namespaces, see the operator's objects and the floor's: both phases
    // are measured the same way and pay for the same watching.
    const perInstance = synthesizeInstance(withDefaults(instance('bench', NAMESPACE))).objects as KubeObject[];
    const kinds = [...new Set(perInstance.map(resourceOf))];
    const instances = informer(client, Resources.redisInstance, NAMESPACE);
    const owned = kinds.map((resource) => informer(client, resource));
    watching.push(instances, ...owned);
    for (const i of watching) i.start();
    await Promise.all(watching.map((i) => i.waitForSync()));
    await settle(cluster, log, 'the instances are created');
    const objectsIn = countByNamespace(owned);
    const objectCount = (): number => objectsIn(NAMESPACE);
    const target = perInstance.length * count;

    const names = Array.from({ length: count }, (_, i) => `bench-${i}`);
    const allObjects = whenCount(owned, objectCount, target);
    const measureCpu = cpuMeter(cluster, pid);
    const creatingCpu = measureCpu();
    const started = performance.now();
    await pool(names, USER_CONCURRENCY, (name) => client.create(Resources.redisInstance, instance(name, NAMESPACE) as unknown as KubeObject));
    const createdMs = performance.now() - started;
    await allObjects;
    const createAllMs = performance.now() - started;
    const operatorCpu = creatingCpu();
    log(`  ${count} instances have all their ${target} objects after ${(createAllMs / 1000).toFixed(1)} s (load ${loadavg()[0]!.toFixed(1)}; the instances themselves were created after ${(createdMs / 1000).toFixed(1)} s)`);
    log(`    by then: ${describeWork(await metricsText(metricsPort))}`);
    log(`    CPU seconds meanwhile: ${describeCpu(operatorCpu)}`);
    await whenCount([instances], () => instances.list().filter(isReady).length, count);
    log(`  every instance Ready after ${((performance.now() - started) / 1000).toFixed(1)} s`);

    const loaded = await memory(pid, metricsPort);
    const sample = names[0]!;
    const of = ownedNames(sample);
    const sampleObjects: ReadonlyArray<readonly [ResourceType, string]> = [
      [Resources.redisInstance, sample], [Resources.statefulSet, of.statefulSet], [Resources.configMap, of.configMap],
      [Resources.service, of.clientService], [Resources.service, of.headlessService],
    ];
    const stored = await Promise.all(sampleObjects.map(async ([resource, name]) => [resource, (await client.get(resource, name, NAMESPACE))!] as const));
    const cache = cacheCost(stored, sample);
    log(`  one instance in the caches (${cache.objects} objects): ${cache.listedKiB.toFixed(1)} KiB as listed, ${cache.cachedKiB.toFixed(1)} KiB as kept`);
    // The snapshot itself costs memory: the peak that counts is the one before it.
    const peakBeforeSnapshot = procStatus(pid, 'VmHWM');
    let heap: HeapSummary | undefined;
    if (options.heapSnapshot) heap = await takeHeapSnapshot(operator, snapshotDir);

    // 100 spec changes, each timed from the API server's answer to the StatefulSet carrying it.
    const statefulSets = owned[kinds.indexOf(Resources.statefulSet)]!;
    const pending = new Map<string, { image: string; resolve: () => void }>();
    statefulSets.addHandlers({
      onUpdate: (_old, sts) => {
        const wanted = pending.get(sts.metadata.name);
        const image = (sts as { spec?: { template?: { spec?: { containers?: Array<{ image: string }> } } } }).spec?.template?.spec?.containers?.[0]?.image;
        if (wanted && image === wanted.image) {
          pending.delete(sts.metadata.name);
          wanted.resolve();
        }
      },
    });
    const latencies: number[] = [];
    for (let i = 0; i < Math.min(CHANGES, count); i++) {
      const name = names[Math.floor((i * count) / Math.min(CHANGES, count))]!;
      const image = 'redis:7.0';
      const seen = new Promise<void>((done) => pending.set(name, { image, resolve: done }));
      await client.patch(Resources.redisInstance, NAMESPACE, name, { spec: { image } }, 'merge');
      const t0 = performance.now();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([seen, new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${name}: no StatefulSet update within 30 s`)), 30_000); })]);
      clearTimeout(timer);
      latencies.push(performance.now() - t0);
    }
    log(`  spec change -> StatefulSet updated: median ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms`);

    // Idle: wait for the rollouts to settle, then count writes over two resync periods.
    await whenCount([instances], () => instances.list().filter(isReady).length, count);
    const reconciles = async (): Promise<number> => metricSum(await metricsText(metricsPort), 'redis_operator_reconcile_total');
    let last = -1;
    await waitFor(async () => {
      const now = await reconciles();
      const settled = now === last;
      last = now;
      return pollResult(settled || undefined);
    }, { description: 'the operator to settle', timeoutMs: 120_000 + 200 * count, intervalMs: 2_000 });
    const operatorWrites = async (): Promise<number> =>
      metricSum(await metricsText(metricsPort), 'redis_operator_api_requests_total', (labels) => !/method="GET"/.test(labels));
    const before = await apiServerWrites(cluster.kubeconfigPath, [...OPERATOR_RESOURCES, 'events']);
    const ownBefore = await operatorWrites();
    const reconcilesBefore = await reconciles();
    const steady: number[] = [];
    await waitFor(async () => {
      steady.push(procStatus(pid, 'VmRSS'));
      return pollResult((await reconciles()) >= reconcilesBefore + 2 * count || undefined);
    }, {
      description: 'two resync periods', timeoutMs: 4 * RESYNC_SECONDS * 1000 + 50 * count, intervalMs: 500,
    });
    const idleWritesPerResync = ((await operatorWrites()) - ownBefore) / 2;
    const clusterWritesPerResync = ((await apiServerWrites(cluster.kubeconfigPath, [...OPERATOR_RESOURCES, 'events'])) - before) / 2;
    log(`  operator write requests per idle resync: ${idleWritesPerResync} (all clients together: ${clusterWritesPerResync}, events included)`);
    const peakRssMiB = options.heapSnapshot ? peakBeforeSnapshot : procStatus(pid, 'VmHWM');

    // The raw floor, once the cluster has settled: the same objects, no operator in the way (it
    // is stopped first, or its resyncs of the N instances would share the machine with the floor).
    await stopOperator(operator);
    await settle(cluster, log, 'the floor');
    const floorObjects = names.flatMap((name) => synthesizeInstance(withDefaults(instance(name, FLOOR_NAMESPACE))).objects) as KubeObject[];
    const floorSeen = whenCount(owned, () => objectsIn(FLOOR_NAMESPACE), floorObjects.length);
    const floorCpuStarted = measureCpu();
    const floorStarted = performance.now();
    await pool(floorObjects, workers, (object) => client.create(resourceOf(object), object));
    const floorAnsweredMs = performance.now() - floorStarted;
    await floorSeen;
    const floorMs = performance.now() - floorStarted;
    const floorCpu = floorCpuStarted();
    log(`  floor: ${floorObjects.length} objects created by a pool of ${workers}, all seen by the watches after ${(floorMs / 1000).toFixed(1)} s (the last answer after ${(floorAnsweredMs / 1000).toFixed(1)} s); ratio ${(createAllMs / floorMs).toFixed(2)}`);
    log(`    CPU seconds meanwhile: ${describeCpu(floorCpu)}`);

    return {
      instances: count, workers, load: [loadAtStart, loadavg()[0]!],
      createAllMs, floorMs, cpu: { operator: operatorCpu, floor: floorCpu },
      changeMedianMs: percentile(latencies, 50), changeP99Ms: percentile(latencies, 99),
      idleWritesPerResync, idle, loaded, cache, steadyRssMiB: percentile(steady, 50), peakRssMiB, ...(heap ? { heap } : {}),
    };
  } finally {
    await Promise.all(watching.map((i) => i.stop()));
    operator?.kill('SIGTERM');
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What the operator had done so far: requests by method and status, reconciles and their mean time. */
function describeWork(text: string): string {
  const requests = [...text.matchAll(/^redis_operator_api_requests_total\{method="(\w+)",code="(\d+)"\} (\d+)/gm)]
    .map((m) => `${m[1]} ${m[2]}: ${m[3]}`).join(', ');
  const reconciles = [...text.matchAll(/^redis_operator_reconcile_total\{result="(\w+)"\} (\d+)/gm)].map((m) => `${m[1]} ${m[2]}`).join(', ');
  const seconds = metricSum(text, 'redis_operator_reconcile_duration_seconds_sum');
  const total = metricSum(text, 'redis_operator_reconcile_duration_seconds_count');
  const cpu = metricSum(text, 'process_cpu_seconds_total');
  const latency = [...text.matchAll(/^redis_operator_api_request_duration_seconds_sum\{method="(\w+)"\} (\S+)/gm)].map((m) => {
    const calls = metricSum(text, 'redis_operator_api_request_duration_seconds_count', (labels) => labels === `method="${m[1]}"`);
    return `${m[1]} ${((Number(m[2]) / calls) * 1000).toFixed(1)} ms`;
  }).join(', ');
  const throttled = metricSum(text, 'redis_operator_api_rate_limiter_wait_seconds_sum');
  return `requests ${requests}; mean request ${latency}; waited for the rate limit ${throttled.toFixed(1)} s in all; ` +
    `reconciles ${reconciles}; mean reconcile ${total ? ((seconds / total) * 1000).toFixed(1) : '-'} ms; operator CPU ${cpu.toFixed(1)} s`;
}

/** SIGUSR2 makes the operator write a heap snapshot (--heapsnapshot-signal); waits until it is whole. */
async function takeHeapSnapshot(operator: ChildProcess, dir: string): Promise<HeapSummary> {
  operator.kill('SIGUSR2');
  return waitFor<HeapSummary>(async () => {
    const found = existsSync(dir) ? readdirSync(dir).find((f) => f.endsWith('.heapsnapshot')) : undefined;
    if (!found) return { done: false };
    try {
      return { done: true, value: summarizeHeapSnapshot(join(dir, found)) };
    } catch (error) {
      return { done: false, observation: (error as Error).message };
    }
  }, { description: 'the heap snapshot', timeoutMs: 120_000, intervalMs: 1_000 });
}
