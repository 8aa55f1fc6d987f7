/**
 * What a client of the `NAME` Service sees while an instance changes, on the real node: a
 * writer at a steady rate through the Service's ClusterIP, from just before each change until
 * the instance is Ready again and has stayed so, against whatever operator is checked out (the
 * built CLI as its own process, and the CRD from this tree's constructs).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, copyFileSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createClient, type RedisClientType } from '@redis/client';
import { REDIS_PORT } from '../src/api/names.js';
import type { RedisInstanceSpec } from '../src/api/redis-instance.js';
import { ApiError } from '../src/client/api-error.js';
import { KubeClient } from '../src/client/kube-client.js';
import type { KubeObject } from '../src/client/objects.js';
import { resourcePath, Resources, type ResourceType } from '../src/client/resources.js';
import { startCluster, stopCluster, type RunningCluster } from '../test/cluster/cluster.js';
import { loadKubeConfig } from '../test/cluster/kubeconfig.js';
import { freeLoopbackPorts } from '../test/cluster/ports.js';
import { pollResult, waitFor, WaitTimeoutError } from '../test/cluster/wait.js';
import { installRedisInstanceCrd } from '../test/support/crd.js';
import { createInstance, getInstance, getStatefulSet, patchSpec, selector } from '../test/support/kube.js';
import { clientServiceAddress, createPasswordSecret, instancePods, isReady, replicationInfo, type Pod } from '../test/redis/support/real-node.js';
import { CHANGES, initialSpec, type ChangeClassName } from './availability-classes.js';
import { gapTimeline, longestWriteGap, lostWrites, podRestarts, type PodRestarts, type PodSighting } from './availability-figures.js';
import { PacedWriter, type WriterRecord } from './paced-writer.js';
import { stopOperator } from './stop-operator.js';

const NAMESPACE = 'availability';
const INSTANCE = 'avail';
const SECRET = 'avail-auth';
const PASSWORD = 'availability-bench-password';
/** The writer starts this long before the change, so the window opens on steady writes. */
const LEAD_MS = 1_000;
/** "Ready and stable": every condition held, and writes succeeded, for this long without a break. */
const STABLE_MS = 5_000;
/** A class that has not settled by then is reported as such, and the run ends there. */
const SETTLE_TIMEOUT_MS = 10 * 60_000;
const COMMAND_TIMEOUT_MS = 2_000;
const READ_BATCH = 1_000;
const root = resolve(import.meta.dirname, '..');

const endpointSlices: ResourceType = { group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', kind: 'EndpointSlice', namespaced: true };

interface EndpointSlice extends KubeObject {
  endpoints?: Array<{ addresses: string[]; conditions?: { ready?: boolean; terminating?: boolean }; targetRef?: { kind?: string; name?: string; uid?: string } }>;
}

interface StatefulSetState extends KubeObject {
  spec: { replicas?: number };
  status?: { observedGeneration?: number; readyReplicas?: number; updateRevision?: string };
}

/** The pod the client Service sends connections to. */
export interface ServedPod {
  readonly pod: string;
  readonly address: string;
}

export interface MeasuredClass {
  readonly kind: 'measured';
  readonly class: ChangeClassName;
  readonly title: string;
  /** False when the instance was not Ready and stable within the deadline; the figures cover the time until then. */
  readonly settled: boolean;
  readonly longestGapMs: number;
  /** Where the longest gap began, from the moment the change was made (negative: before it). */
  readonly longestGapStartsAfterChangeMs: number;
  /** Wall-clock start of the longest gap (to compare with the operator's log). */
  readonly longestGapStartedAt: string;
  /** What the writer went through in the longest gap. */
  readonly longestGapTimeline: string;
  readonly attempts: number;
  readonly acknowledged: number;
  readonly failedOperations: number;
  readonly failures: Readonly<Record<string, number>>;
  readonly reconnects: number;
  readonly lost: number;
  /** Up to ten of the lost keys. */
  readonly lostSample: readonly string[];
  readonly pods: PodRestarts;
  /** Whether the StatefulSet had another UID afterwards (a Recreate). */
  readonly statefulSetRecreated: boolean;
  /** From the change until the stable stretch began. */
  readonly readyAfterMs: number;
  readonly primaryBefore: ServedPod | undefined;
  readonly primaryAfter: ServedPod | undefined;
  /** Anything that qualifies the figures (a watch that ended, ticks the writer could not send, ...). */
  readonly notes: readonly string[];
}

export type ClassResult =
  | MeasuredClass
  | { readonly kind: 'not-supported'; readonly class: ChangeClassName; readonly title: string; readonly reason: string }
  | { readonly kind: 'skipped'; readonly class: ChangeClassName; readonly title: string; readonly reason: string };

export interface AvailabilityReport {
  readonly commit: string;
  readonly uncommittedChanges: boolean;
  readonly rate: number;
  readonly instance: RedisInstanceSpec;
  readonly writer: string;
  readonly loadAverage: { readonly start: readonly number[]; readonly end: readonly number[] };
  readonly startedAt: string;
  readonly durationS: number;
  readonly classes: readonly ClassResult[];
}

export interface AvailabilityOptions {
  readonly classes: readonly ChangeClassName[];
  readonly rate: number;
  /** Progress, one line at a time. */
  readonly log: (line: string) => void;
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

function sighting(pod: Pod): PodSighting {
  return {
    name: pod.metadata.name,
    uid: pod.metadata.uid ?? pod.metadata.name,
    restartCount: (pod.status?.containerStatuses ?? []).reduce((sum, container) => sum + container.restartCount, 0),
  };
}

/** Every pod of the instance as it passes, from a watch (and whatever the settle polls see). */
class PodSightings {
  readonly seen: PodSighting[] = [];
  private readonly abort = new AbortController();
  private watching: Promise<void> = Promise.resolve();
  ended: string | undefined;

  static async start(client: KubeClient, namespace: string, name: string): Promise<{ sightings: PodSightings; before: PodSighting[] }> {
    const sightings = new PodSightings();
    const list = await client.list<Pod>(Resources.pod, { namespace, labelSelector: selector(name) });
    const before = list.items.filter((pod) => !pod.metadata.deletionTimestamp).map(sighting);
    sightings.watching = client.watch<Pod>(Resources.pod, {
      namespace, labelSelector: selector(name), resourceVersion: list.metadata.resourceVersion, signal: sightings.abort.signal,
    }, (event) => {
      if (event.type !== 'BOOKMARK') sightings.seen.push(sighting(event.object));
    }).then(
      () => { if (!sightings.abort.signal.aborted) sightings.ended = 'the pod watch ended early'; },
      (error: unknown) => { sightings.ended = `the pod watch failed (${error instanceof Error ? error.message : String(error)})`; },
    );
    return { sightings, before };
  }

  add(pods: readonly Pod[]): void {
    this.seen.push(...pods.map(sighting));
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.watching;
  }
}

/** The ready endpoints behind the client Service, by pod. */
async function servedPods(client: KubeClient): Promise<ServedPod[]> {
  const slices = await client.list<EndpointSlice>(endpointSlices, { namespace: NAMESPACE, labelSelector: `kubernetes.io/service-name=${INSTANCE}` });
  return slices.items.flatMap((slice) => (slice.endpoints ?? [])
    .filter((endpoint) => endpoint.conditions?.ready !== false && endpoint.conditions?.terminating !== true)
    .map((endpoint) => ({ pod: endpoint.targetRef?.name ?? '?', address: endpoint.addresses[0] ?? '' })));
}

interface Observation {
  readonly settled: boolean;
  readonly why: string;
  readonly primary?: ServedPod;
  readonly pods: readonly Pod[];
}

/**
 * Whether the instance is at rest: Ready at its latest generation, its StatefulSet has
 * observed its template and every pod runs the update revision (this holds for RollingUpdate,
 * partitions and OnDelete alike), all pods Ready and none terminating, and the client Service
 * has exactly one ready endpoint.
 */
async function observe(client: KubeClient, goneUid?: string): Promise<Observation> {
  const [instance, sts, pods, served] = await Promise.all([
    getInstance(client, NAMESPACE, INSTANCE),
    getStatefulSet(client, NAMESPACE, INSTANCE) as Promise<StatefulSetState | undefined>,
    instancePods(client, NAMESPACE, INSTANCE),
    servedPods(client),
  ]);
  const replicas = instance?.spec.replicas ?? 1;
  const problems: string[] = [];
  if (instance?.status?.phase !== 'Ready' || instance.status.observedGeneration !== instance.metadata.generation) {
    problems.push(`instance ${instance?.status?.phase ?? 'absent'} at generation ${instance?.status?.observedGeneration}/${instance?.metadata.generation}`);
  }
  const revision = sts?.status?.updateRevision;
  if (sts === undefined || sts.metadata.deletionTimestamp) problems.push('no StatefulSet');
  else if (sts.status?.observedGeneration !== sts.metadata.generation || sts.spec.replicas !== replicas || sts.status?.readyReplicas !== replicas) {
    problems.push(`StatefulSet at ${sts.status?.observedGeneration}/${sts.metadata.generation}, ${sts.status?.readyReplicas ?? 0}/${sts.spec.replicas} ready`);
  }
  const behind = pods.filter((pod) => pod.metadata.labels?.['controller-revision-hash'] !== revision).map((pod) => pod.metadata.name);
  const unready = pods.filter((pod) => !isReady(pod) || pod.metadata.deletionTimestamp).map((pod) => pod.metadata.name);
  if (pods.length !== replicas) problems.push(`${pods.length}/${replicas} pods`);
  if (behind.length > 0) problems.push(`not at the update revision: ${behind.join(' ')}`);
  if (unready.length > 0) problems.push(`not ready: ${unready.join(' ')}`);
  if (goneUid !== undefined && pods.some((pod) => pod.metadata.uid === goneUid)) problems.push('the deleted pod is still there');
  if (served.length !== 1) problems.push(`${served.length} ready endpoints behind Service ${INSTANCE} (${served.map((s) => s.pod).join(' ')})`);
  return {
    settled: problems.length === 0,
    why: problems.join('; ') || 'at rest',
    ...(served.length === 1 ? { primary: served[0]! } : {}),
    pods,
  };
}

interface Stable {
  readonly settled: boolean;
  /** performance.now() when the stretch of rest that ended the wait began (or the deadline). */
  readonly since: number;
  readonly primary: ServedPod | undefined;
  readonly why: string;
}

/**
 * Waits until `observe` says the instance is at rest and it stays so, with writes succeeding
 * (when a writer runs), for STABLE_MS. Bounded by `timeoutMs`.
 */
async function waitUntilStable(client: KubeClient, options: {
  readonly timeoutMs: number; readonly writer?: PacedWriter; readonly sightings?: PodSightings; readonly goneUid?: string; readonly description: string;
}): Promise<Stable> {
  let since: number | undefined;
  let last: Observation | undefined;
  try {
    return await waitFor<Stable>(async () => {
      const seen = await observe(client, options.goneUid);
      // A primary that moved during the stretch starts it again.
      const moved = last?.primary?.pod !== seen.primary?.pod;
      last = seen;
      options.sightings?.add(seen.pods);
      const now = performance.now();
      const writing = options.writer === undefined || (options.writer.lastAcknowledgedAt ?? 0) > now - 1_000;
      if (!seen.settled || !writing || moved) {
        since = undefined;
        return pollResult<Stable>(undefined, writing ? seen.why : `${seen.why}; no write acknowledged in the last second`);
      }
      since ??= now;
      return pollResult<Stable>(now - since >= STABLE_MS ? { settled: true, since, primary: seen.primary, why: seen.why } : undefined, `at rest for ${((now - since) / 1000).toFixed(1)} s`);
    }, { description: options.description, timeoutMs: options.timeoutMs, intervalMs: 250 });
  } catch (error) {
    if (!(error instanceof WaitTimeoutError)) throw error;
    return { settled: false, since: performance.now(), primary: last?.primary, why: error.message };
  }
}

type Redis = RedisClientType;

async function connect(host: string): Promise<Redis> {
  const redis: Redis = createClient({ socket: { host, port: REDIS_PORT, connectTimeout: 3_000, reconnectStrategy: false }, password: PASSWORD });
  redis.on('error', () => undefined);
  await redis.connect();
  return redis;
}

/** What the primary holds of the acknowledged writes, read straight from its pod. */
async function readBack(primary: ServedPod, keys: readonly string[]): Promise<{ values: (string | null)[]; role: string }> {
  return waitFor(async () => {
    const redis = await connect(primary.address);
    try {
      const role = (await replicationInfo(redis)).role ?? 'unknown';
      const values: (string | null)[] = [];
      for (let start = 0; start < keys.length; start += READ_BATCH) values.push(...(await redis.mGet(keys.slice(start, start + READ_BATCH))));
      return { done: true, value: { values, role } } as const;
    } finally {
      redis.destroy();
    }
  }, { description: `a complete read of ${keys.length} keys from ${primary.pod}`, timeoutMs: 60_000, intervalMs: 500 });
}

/** Whether the API server takes `updatePolicy.config: Live` (a dry run: nothing is stored). */
async function liveConfigAccepted(client: KubeClient): Promise<{ accepted: true } | { accepted: false; reason: string }> {
  try {
    await client.request('PATCH', resourcePath(Resources.redisInstance, NAMESPACE, INSTANCE), {
      body: { spec: { updatePolicy: { config: 'Live' } } },
      contentType: 'application/merge-patch+json',
      query: { dryRun: 'All' },
    });
    return { accepted: true };
  } catch (error) {
    if (error instanceof ApiError && error.isInvalid) return { accepted: false, reason: error.message };
    throw error;
  }
}

async function currentSpec(client: KubeClient): Promise<RedisInstanceSpec> {
  const instance = await getInstance(client, NAMESPACE, INSTANCE);
  if (instance === undefined) throw new Error(`RedisInstance ${NAMESPACE}/${INSTANCE} is gone`);
  return instance.spec;
}

async function measure(client: KubeClient, name: ChangeClassName, address: string, rate: number, log: (line: string) => void): Promise<MeasuredClass> {
  const definition = CHANGES[name];
  const preparation = definition.prepare(await currentSpec(client));
  if (preparation !== undefined) {
    log(`  preparing (not measured): ${JSON.stringify(preparation)}`);
    await patchSpec(client, NAMESPACE, INSTANCE, preparation);
    const prepared = await waitUntilStable(client, { timeoutMs: SETTLE_TIMEOUT_MS, description: `the instance at rest after preparing ${name}` });
    if (!prepared.settled) throw new Error(`preparing ${name}: ${prepared.why}`);
  }
  const change = definition.change(await currentSpec(client));
  const notes: string[] = [];
  const { sightings, before } = await PodSightings.start(client, NAMESPACE, INSTANCE);
  let writer: PacedWriter | undefined;
  let record: WriterRecord | undefined;
  try {
    writer = await PacedWriter.start({
      host: address, port: REDIS_PORT, password: PASSWORD, rate, keyPrefix: `w:${name}`,
      commandTimeoutMs: COMMAND_TIMEOUT_MS, maxDurationMs: SETTLE_TIMEOUT_MS + LEAD_MS + 2 * STABLE_MS,
    });
    await sleep(LEAD_MS);
    const primaryBefore = (await servedPods(client))[0];
    const statefulSetBefore = (await getStatefulSet(client, NAMESPACE, INSTANCE))?.metadata.uid;
    let goneUid: string | undefined;
    const changedAt = performance.now();
    if (change.kind === 'patch') {
      log(`  change: ${JSON.stringify(change.patch)}`);
      await patchSpec(client, NAMESPACE, INSTANCE, change.patch);
    } else {
      const pod = primaryBefore === undefined ? undefined : await client.get<Pod>(Resources.pod, primaryBefore.pod, NAMESPACE);
      if (pod?.metadata.uid === undefined) throw new Error(`no pod behind Service ${INSTANCE} to delete`);
      goneUid = pod.metadata.uid;
      log(`  change: delete pod ${pod.metadata.name} (the client Service's endpoint)`);
      await client.delete(Resources.pod, pod.metadata.name, NAMESPACE, { preconditions: { uid: goneUid } });
    }
    const stable = await waitUntilStable(client, {
      timeoutMs: SETTLE_TIMEOUT_MS, writer, sightings, ...(goneUid ? { goneUid } : {}), description: `the instance at rest after ${name}`,
    });
    record = await writer.stop();
    await sightings.stop();
    const after = (await instancePods(client, NAMESPACE, INSTANCE)).filter((pod) => !pod.metadata.deletionTimestamp).map(sighting);
    const statefulSetAfter = (await getStatefulSet(client, NAMESPACE, INSTANCE))?.metadata.uid;
    if (sightings.ended) notes.push(`${sightings.ended}; restarts counted from polls from then on`);
    if (!stable.settled) notes.push(`not at rest within ${SETTLE_TIMEOUT_MS / 1000} s: ${stable.why}`);
    if (record.skipped > 0) notes.push(`the writer fell behind and skipped ${record.skipped} ticks`);
    const gap = longestWriteGap(record.acknowledged.map((write) => write.at), record.startedAt, record.stoppedAt);
    let lost: string[] = [];
    const primaryAfter = stable.primary;
    if (primaryAfter === undefined) notes.push('no single pod behind the client Service at the end: writes not read back');
    else {
      const read = await readBack(primaryAfter, record.acknowledged.map((write) => write.key));
      if (read.role !== 'master') notes.push(`the pod behind the client Service (${primaryAfter.pod}) reports role ${read.role}`);
      lost = lostWrites(record.acknowledged, read.values);
    }
    return {
      kind: 'measured',
      class: name,
      title: definition.title,
      settled: stable.settled,
      longestGapMs: Math.round(gap.ms),
      longestGapStartsAfterChangeMs: Math.round(gap.from - changedAt),
      longestGapStartedAt: new Date(Date.now() - (performance.now() - gap.from)).toISOString(),
      longestGapTimeline: gapTimeline(record.events, gap.from, gap.to),
      attempts: record.attempts,
      acknowledged: record.acknowledged.length,
      failedOperations: record.failed,
      failures: record.failures,
      reconnects: record.reconnects,
      lost: lost.length,
      lostSample: lost.slice(0, 10),
      pods: podRestarts(before, sightings.seen, after),
      statefulSetRecreated: statefulSetBefore !== statefulSetAfter,
      readyAfterMs: Math.round(stable.since - changedAt),
      primaryBefore,
      primaryAfter,
      notes,
    };
  } finally {
    if (record === undefined) await writer?.stop();
    await sightings.stop();
  }
}

/**
 * Starts a cluster with the real node (waiting for the machine's real-node lock if another one
 * runs), the operator, and a 3-replica instance; measures each class in turn; stops everything,
 * also when interrupted (SIGINT/SIGTERM) or when a step fails.
 */
export async function benchAvailability(options: AvailabilityOptions): Promise<AvailabilityReport> {
  const { log } = options;
  const startedAt = new Date();
  const loadStart = loadavg();
  log('building the CLI (npm run build)...');
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  const dir = mkdtempSync(join(tmpdir(), 'redis-operator-availability-'));
  const cluster: { running?: RunningCluster } = {};
  let operator: ChildProcess | undefined;
  let operatorLog: number | undefined;
  let cleaned: Promise<void> | undefined;
  // Kept whatever happens: a gap is explained by what the operator did at its time.
  const keepOperatorLog = (): void => {
    if (operatorLog === undefined) return;
    const kept = join(tmpdir(), `redis-operator-availability-${Date.now()}.log`);
    copyFileSync(join(dir, 'operator.log'), kept);
    log(`the operator's log: ${kept}`);
  };
  const cleanup = (): Promise<void> => {
    cleaned ??= (async () => {
      await stopOperator(operator);
      if (operatorLog !== undefined) closeSync(operatorLog);
      // Also while startCluster is still waiting for the lock or starting: what it recorded goes.
      if (cluster.running) await cluster.running.stop();
      else await stopCluster(dir);
      rmSync(dir, { recursive: true, force: true });
    })();
    return cleaned;
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    // A Ctrl-C often arrives twice (the terminal's, and tsx relaying it to this process): every
    // signal after the first waits for the same bounded cleanup; the watchdog backs it up.
    if (cleaned !== undefined) return;
    log(`${signal}: stopping the operator and the cluster...`);
    void cleanup().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    log(`starting a local control plane with the real node (state in ${dir})...`);
    // Detached, so that a Ctrl-C reaches only this process, which stops the node in order; the
    // watchdog stops it should this process die without doing so.
    cluster.running = await startCluster({ dir, realNode: true, detached: true, stopWhenProcessExits: process.pid, log: (line) => log(`  ${line}`) });
    const kubeconfigPath = cluster.running.kubeconfigPath;
    const client = KubeClient.load(kubeconfigPath);
    await installRedisInstanceCrd(loadKubeConfig(kubeconfigPath));
    await client.create(Resources.namespace, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } });
    await createPasswordSecret(client, NAMESPACE, SECRET, PASSWORD);

    const [metricsPort, probePort] = await freeLoopbackPorts(2);
    const logFile = join(dir, 'operator.log');
    operatorLog = openSync(logFile, 'a');
    operator = spawn(process.execPath, [join(root, 'bin/redis-operator.js'), 'run',
      '--kubeconfig', kubeconfigPath, '--namespace', NAMESPACE, '--leader-elect', '--leader-election-namespace', NAMESPACE,
      '--metrics-bind-address', `127.0.0.1:${metricsPort}`, '--health-probe-bind-address', `127.0.0.1:${probePort}`],
    { stdio: ['ignore', operatorLog, operatorLog] });
    const running = operator;
    await waitFor(async () => {
      if (running.exitCode !== null) throw new Error(`the operator exited with ${running.exitCode} (log: ${logFile})`);
      return pollResult((await fetch(`http://127.0.0.1:${probePort}/readyz`)).ok || undefined);
    }, { description: 'the operator to be ready', timeoutMs: 60_000 });

    const spec = initialSpec(SECRET);
    await createInstance(client, NAMESPACE, INSTANCE, spec);
    log(`created RedisInstance ${NAMESPACE}/${INSTANCE}: ${JSON.stringify(spec)}`);
    const ready = await waitUntilStable(client, { timeoutMs: SETTLE_TIMEOUT_MS, description: 'the new instance at rest' });
    if (!ready.settled) throw new Error(`the instance never came to rest: ${ready.why}`);

    // Through kube-proxy's rules on the host, as a client in the cluster would be: no port-forward.
    const address = await clientServiceAddress(client, NAMESPACE, INSTANCE);
    const probe = await connect(address);
    const role = (await replicationInfo(probe)).role;
    probe.destroy();
    const writerPath = `from the host to the NAME Service's ClusterIP ${address}:${REDIS_PORT} (kube-proxy iptables), role behind it: ${role}`;
    log(`writer: ${writerPath}`);

    const live = await liveConfigAccepted(client);
    const classes: ClassResult[] = [];
    let stopped: string | undefined;
    for (const name of options.classes) {
      const title = CHANGES[name].title;
      if (stopped !== undefined) {
        classes.push({ kind: 'skipped', class: name, title, reason: stopped });
        continue;
      }
      if (CHANGES[name].needsLivePolicy && !live.accepted) {
        log(`${title}: not supported by this operator (${live.reason})`);
        classes.push({ kind: 'not-supported', class: name, title, reason: live.reason });
        continue;
      }
      log(`${title}: measuring at ${options.rate} SETs/s`);
      const result = await measure(client, name, address, options.rate, log);
      log(`  longest gap ${result.longestGapMs} ms, ${result.failedOperations} failed, ${result.lost} lost, ${result.pods.total} pods restarted; at rest after ${(result.readyAfterMs / 1000).toFixed(1)} s${result.notes.length ? `; ${result.notes.join('; ')}` : ''}`);
      log(`  longest gap from ${result.longestGapStartedAt} (${(result.longestGapStartsAfterChangeMs / 1000).toFixed(1)} s after the change): ${result.longestGapTimeline || 'no failures, no reconnects'}`);
      classes.push(result);
      if (!result.settled) stopped = `the ${name} change did not come to rest`;
    }
    keepOperatorLog();
    return {
      commit: git(['rev-parse', 'HEAD']),
      uncommittedChanges: git(['status', '--porcelain', '--untracked-files=no']) !== '',
      rate: options.rate,
      instance: spec,
      writer: writerPath,
      loadAverage: { start: loadStart, end: loadavg() },
      startedAt: startedAt.toISOString(),
      durationS: Math.round((Date.now() - startedAt.getTime()) / 1000),
      classes,
    };
  } catch (error) {
    keepOperatorLog();
    throw error;
  } finally {
    if (cleaned === undefined) log('stopping the operator and the cluster...');
    await cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
