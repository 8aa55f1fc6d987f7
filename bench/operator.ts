import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { KubeClient } from '../src/client/kube-client.js';
import type { KubeObject } from '../src/client/objects.js';
import { Resources } from '../src/client/resources.js';
import { startCluster } from '../test/cluster/cluster.js';
import { loadKubeConfig } from '../test/cluster/kubeconfig.js';
import { apiServerWrites, OPERATOR_RESOURCES } from '../test/support/api-server-metrics.js';
import { freeLoopbackPorts } from '../test/cluster/ports.js';
import { pollResult, waitFor } from '../test/cluster/wait.js';
import { installRedisInstanceCrd } from '../test/support/crd.js';

const INSTANCES = 200;
const CHANGES = 100;
const RESYNC_SECONDS = 10;
const NAMESPACE = 'bench';
const root = resolve(import.meta.dirname, '..');

export interface OperatorFigures {
  readonly createAllMs: number;
  readonly changeMedianMs: number;
  readonly changeP99Ms: number;
  readonly idleWritesPerResync: number;
  readonly rssMiB: number;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function pool<T>(items: T[], size: number, work: (item: T) => Promise<unknown>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: size }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
  }));
}

/**
 * The operator as `redis-operator run` (the built CLI, a process of its own) against a local
 * control plane: 200 instances created, then 100 spec changes, then an idle resync.
 */
export async function benchOperator(log: (line: string) => void): Promise<OperatorFigures> {
  log('building the CLI (npm run build)...');
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  const dir = mkdtempSync(join(tmpdir(), 'redis-operator-bench-'));
  log('starting a local control plane...');
  const cluster = await startCluster({ dir });
  const [metricsPort, probePort] = await freeLoopbackPorts(2);
  let operator: ReturnType<typeof spawn> | undefined;
  try {
    const client = KubeClient.load(cluster.kubeconfigPath);
    await installRedisInstanceCrd(loadKubeConfig(cluster.kubeconfigPath));
    await client.create(Resources.namespace, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } });
    operator = spawn(process.execPath, [join(root, 'bin/redis-operator.js'), 'run',
      '--kubeconfig', cluster.kubeconfigPath, '--namespace', NAMESPACE,
      '--metrics-bind-address', `127.0.0.1:${metricsPort}`, '--health-probe-bind-address', `127.0.0.1:${probePort}`,
      '--resync-period', String(RESYNC_SECONDS), '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'inherit'] });
    await waitFor(async () => pollResult((await fetch(`http://127.0.0.1:${probePort}/readyz`)).ok || undefined), {
      description: 'the operator to be ready', timeoutMs: 30_000,
    });

    // 200 new instances until every one has its StatefulSet, ConfigMap and both Services.
    const names = Array.from({ length: INSTANCES }, (_, i) => `bench-${i}`);
    const started = performance.now();
    await pool(names, 20, (name) => client.create(Resources.redisInstance, {
      apiVersion: 'redis.github.com/v1', kind: 'RedisInstance', metadata: { name, namespace: NAMESPACE }, spec: { replicas: 1 },
    }));
    const labelSelector = 'app.kubernetes.io/managed-by=redis-operator';
    await waitFor(async () => {
      const [sts, cms, svcs] = await Promise.all([
        client.list(Resources.statefulSet, { namespace: NAMESPACE, labelSelector }),
        client.list(Resources.configMap, { namespace: NAMESPACE, labelSelector }),
        client.list(Resources.service, { namespace: NAMESPACE, labelSelector }),
      ]);
      const done = sts.items.length === INSTANCES && cms.items.length === INSTANCES && svcs.items.length === 2 * INSTANCES;
      return pollResult(done || undefined, `${sts.items.length} StatefulSets, ${cms.items.length} ConfigMaps, ${svcs.items.length} Services`);
    }, { description: `${INSTANCES} instances to have their objects`, timeoutMs: 300_000, intervalMs: 100 });
    const createAllMs = performance.now() - started;
    log(`  ${INSTANCES} instances have all their objects after ${(createAllMs / 1000).toFixed(1)} s`);
    await waitFor(async () => {
      const instances = (await client.list(Resources.redisInstance, { namespace: NAMESPACE })).items as Array<KubeObject & { status?: { phase?: string } }>;
      const ready = instances.filter((i) => i.status?.phase === 'Ready').length;
      if (ready === INSTANCES) return { done: true, value: ready };
      const pods = (await client.list(Resources.pod, { namespace: NAMESPACE })).items as Array<KubeObject & { status?: { phase?: string } }>;
      const claims = (await client.list(Resources.persistentVolumeClaim, { namespace: NAMESPACE })).items as Array<KubeObject & { status?: { phase?: string } }>;
      const count = (values: Array<string | undefined>) => JSON.stringify(values.reduce<Record<string, number>>((acc, v) => ({ ...acc, [v ?? '-']: (acc[v ?? '-'] ?? 0) + 1 }), {}));
      return { done: false, observation: `${ready} Ready; phases ${count(instances.map((i) => i.status?.phase))}; pods ${count(pods.map((p) => p.status?.phase))}; claims ${count(claims.map((c) => c.status?.phase))}` };
    }, { description: 'every instance to be Ready', timeoutMs: 300_000, intervalMs: 500 });

    // 100 spec changes, each timed from the API server's answer to the StatefulSet carrying it.
    const pending = new Map<string, { image: string; resolve: () => void }>();
    const abort = new AbortController();
    const list = await client.list(Resources.statefulSet, { namespace: NAMESPACE });
    const watching = client.watch(Resources.statefulSet, { namespace: NAMESPACE, resourceVersion: list.metadata.resourceVersion, signal: abort.signal }, (event) => {
      const sts = event.object as KubeObject & { spec?: { template?: { spec?: { containers?: Array<{ image: string }> } } } };
      const wanted = pending.get(sts.metadata.name);
      if (wanted && sts.spec?.template?.spec?.containers?.[0]?.image === wanted.image) {
        pending.delete(sts.metadata.name);
        wanted.resolve();
      }
    }).catch(() => undefined);
    const latencies: number[] = [];
    for (let i = 0; i < CHANGES; i++) {
      const name = names[i]!;
      const image = 'redis:7.0';
      const seen = new Promise<void>((done) => pending.set(name, { image, resolve: done }));
      await client.patch(Resources.redisInstance, NAMESPACE, name, { spec: { image } }, 'merge');
      const t0 = performance.now();
      await Promise.race([seen, new Promise((_, reject) => setTimeout(() => reject(new Error(`${name}: no StatefulSet update within 30 s`)), 30_000))]);
      latencies.push(performance.now() - t0);
    }
    abort.abort();
    await watching;
    log(`  spec change -> StatefulSet updated: median ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms`);

    // Idle: wait for the rollouts to settle, then count writes over two resync periods.
    await waitFor(async () => {
      const ready = (await client.list(Resources.redisInstance, { namespace: NAMESPACE })).items
        .filter((i) => (i as { status?: { phase?: string } }).status?.phase === 'Ready').length;
      return pollResult(ready === INSTANCES || undefined, `${ready} Ready`);
    }, { description: 'every instance to be Ready again', timeoutMs: 300_000, intervalMs: 500 });
    const metric = async () => {
      const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      return [...text.matchAll(/^redis_operator_reconcile_total\{[^}]*\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
    };
    let last = -1;
    await waitFor(async () => {
      const now = await metric();
      const settled = now === last;
      last = now;
      return pollResult(settled || undefined);
    }, { description: 'the operator to settle', timeoutMs: 120_000, intervalMs: 2_000 });
    const operatorWrites = async () => {
      const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      return [...text.matchAll(/^redis_operator_api_requests_total\{([^}]*)\} (\d+)/gm)]
        .filter((m) => !/method="GET"/.test(m[1]!)).reduce((sum, m) => sum + Number(m[2]), 0);
    };
    const before = await apiServerWrites(cluster.kubeconfigPath, [...OPERATOR_RESOURCES, 'events']);
    const ownBefore = await operatorWrites();
    const reconcilesBefore = await metric();
    await waitFor(async () => pollResult((await metric()) >= reconcilesBefore + 2 * INSTANCES || undefined), {
      description: 'two resync periods', timeoutMs: 4 * RESYNC_SECONDS * 1000, intervalMs: 500,
    });
    const idleWritesPerResync = ((await operatorWrites()) - ownBefore) / 2;
    const clusterWritesPerResync = ((await apiServerWrites(cluster.kubeconfigPath, [...OPERATOR_RESOURCES, 'events'])) - before) / 2;
    log(`  (all clients together wrote ${clusterWritesPerResync} times per resync period to the kinds the operator manages, events included)`);
    const status = readFileSync(`/proc/${operator.pid}/status`, 'utf8');
    const rssMiB = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
    log(`  operator write requests per idle resync: ${idleWritesPerResync}; operator RSS with ${INSTANCES} instances: ${rssMiB.toFixed(0)} MiB`);
    return {
      createAllMs,
      changeMedianMs: percentile(latencies, 50),
      changeP99Ms: percentile(latencies, 99),
      idleWritesPerResync,
      rssMiB,
    };
  } finally {
    operator?.kill('SIGTERM');
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
