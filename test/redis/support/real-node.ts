/**
 * What the `redis` project's tests need from the run's real node: Redis clients (through an
 * instance's client Service, or straight to a pod), commands inside a pod, and the host-side
 * view of its containers.
 */
import { Writable } from 'node:stream';
import { Exec, type V1Status } from '@kubernetes/client-node';
import { createClient, type RedisClientType } from '@redis/client';
import { afterAll, beforeAll, inject, onTestFinished } from 'vitest';
import type { KubeClient } from '../../../src/client/kube-client.js';
import type { KubeObject } from '../../../src/client/objects.js';
import { Resources } from '../../../src/client/resources.js';
import { ownedNames, REDIS_PORT, ROLE_LABEL } from '../../../src/api/names.js';
import type { RedisInstanceStatus } from '../../../src/api/redis-instance.js';
import { runCommand } from '../../cluster/host-changes.js';
import { testKubeConfig } from '../../cluster/namespace.js';
import { nodePaths } from '../../cluster/real-node/node-config.js';
import { pollResult, waitFor } from '../../cluster/wait.js';
import { getInstance, listPods, testClient, type StoredInstance } from '../../support/kube.js';
import { startOperator, type RunningOperator } from '../../support/operator.js';

export interface Pod extends KubeObject {
  spec: { nodeName?: string; containers: Array<{ name: string; image: string }> };
  status?: {
    podIP?: string;
    phase?: string;
    conditions?: Array<{ type: string; status: string }>;
    containerStatuses?: Array<{
      name: string;
      containerID?: string;
      restartCount: number;
      ready: boolean;
      state?: { waiting?: { reason?: string; message?: string }; running?: object; terminated?: { reason?: string } };
    }>;
  };
}

export function isReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True') === true;
}

/** The run's cluster directory (the real node's state is in DIR/node). */
export function clusterDir(): string {
  return inject('clusterDir');
}

export type Redis = RedisClientType;

/** A connected client, closed when the test finishes. */
export async function connectRedis(host: string, password?: string, port = REDIS_PORT): Promise<Redis> {
  const client: Redis = createClient({
    socket: { host, port, connectTimeout: 3_000, reconnectStrategy: false },
    ...(password === undefined ? {} : { password }),
  });
  // Errors surface through the command that failed; an unhandled 'error' event would crash the run.
  client.on('error', () => undefined);
  await client.connect();
  onTestFinished(async () => {
    if (client.isOpen) await client.close().catch(() => undefined);
  });
  return client;
}

/** The address of an instance's client Service `NAME` (kube-proxy forwards it to the primary). */
export async function clientServiceAddress(client: KubeClient, namespace: string, name: string): Promise<string> {
  const service = await client.get<KubeObject & { spec: { clusterIP: string } }>(Resources.service, ownedNames(name).clientService, namespace);
  if (service === undefined) throw new Error(`no Service ${namespace}/${name}`);
  return service.spec.clusterIP;
}

export async function getPod(client: KubeClient, namespace: string, name: string): Promise<Pod> {
  const pod = await client.get<Pod>(Resources.pod, name, namespace);
  if (pod === undefined) throw new Error(`no pod ${namespace}/${name}`);
  return pod;
}

export async function instancePods(client: KubeClient, namespace: string, name: string): Promise<Pod[]> {
  return ((await listPods(client, namespace, name)) as Pod[]).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

/** `key:N` for N in [0, count), each with the value `value:N`. */
export async function writeKeys(redis: Redis, count: number, batch = 1_000): Promise<void> {
  for (let start = 0; start < count; start += batch) {
    const entries: [string, string][] = [];
    for (let i = start; i < Math.min(count, start + batch); i++) entries.push([`key:${i}`, `value:${i}`]);
    await redis.mSet(entries);
  }
}

/** The keys written by `writeKeys` that are missing or changed. */
export async function missingKeys(redis: Redis, count: number, batch = 1_000): Promise<string[]> {
  const missing: string[] = [];
  for (let start = 0; start < count; start += batch) {
    const keys: string[] = [];
    for (let i = start; i < Math.min(count, start + batch); i++) keys.push(`key:${i}`);
    const values = await redis.mGet(keys);
    values.forEach((value, index) => {
      if (value !== `value:${start + index}`) missing.push(keys[index]!);
    });
  }
  return missing;
}

/** `INFO replication` as a map of its fields. */
export async function replicationInfo(redis: Redis): Promise<Record<string, string>> {
  const text = await redis.info('replication');
  return Object.fromEntries(
    text
      .split('\r\n')
      .filter((line) => line.includes(':'))
      .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1)]),
  );
}

export interface ExecResult {
  readonly stdout: string;
  readonly stderr: string;
  /** 0 on success; the command's exit code otherwise. */
  readonly exitCode: number;
}

/** Runs a command in a pod's container through the API server and the kubelet, as `kubectl exec`. */
export async function execInPod(namespace: string, pod: string, command: readonly string[], container = 'redis'): Promise<ExecResult> {
  const collect = () => {
    const chunks: Buffer[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk);
        callback();
      },
    });
    return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
  };
  const stdout = collect();
  const stderr = collect();
  return new Promise<ExecResult>((resolve, reject) => {
    let status: V1Status | undefined;
    new Exec(testKubeConfig())
      .exec(namespace, pod, container, [...command], stdout.stream, stderr.stream, null, false, (received) => {
        status = received;
      })
      .then((socket) => {
        socket.on('close', () => {
          const code = status?.status === 'Success' ? 0 : Number(status?.details?.causes?.find((cause) => cause.reason === 'ExitCode')?.message ?? 1);
          resolve({ stdout: stdout.text(), stderr: stderr.text(), exitCode: code });
        });
        socket.on('error', reject);
      }, reject);
  });
}

/** The host PID of a container's main process (redis-server for the operator's pods). */
export async function containerPid(pod: Pod, container = 'redis'): Promise<number> {
  const id = pod.status?.containerStatuses?.find((status) => status.name === container)?.containerID?.replace(/^containerd:\/\//, '');
  if (id === undefined) throw new Error(`${pod.metadata.name} has no running ${container} container`);
  const tasks = await runCommand(['ctr', '--address', nodePaths(clusterDir()).containerdSocket, '-n', 'k8s.io', 'tasks', 'list']);
  const line = tasks.split('\n').find((entry) => entry.startsWith(`${id} `));
  const pid = Number(line?.trim().split(/\s+/)[1]);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`containerd lists no task for ${id}`);
  return pid;
}

/** Waits until every replica reports a working link to the primary and has its offset. */
export async function waitForReplicasInSync(replicas: readonly Redis[], primary: Redis, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    async () => {
      const target = Number((await replicationInfo(primary)).master_repl_offset);
      const seen: string[] = [];
      let synced = true;
      for (const replica of replicas) {
        const info = await replicationInfo(replica);
        seen.push(`${info.master_link_status}@${info.slave_repl_offset}`);
        if (info.master_link_status !== 'up' || Number(info.slave_repl_offset) < target) synced = false;
      }
      return pollResult(synced || undefined, `primary at ${target}; replicas ${seen.join(', ')}`);
    },
    { description: 'every replica to be linked to the primary and caught up', timeoutMs, intervalMs: 200 },
  );
}

/**
 * Runs the operator in-process for the tests of the calling file (its describe block); the
 * returned function gives it to a test that reads its logs or writes.
 */
export function operatorForTheseTests(): () => RunningOperator {
  let operator: RunningOperator | undefined;
  beforeAll(async () => {
    operator = await startOperator();
  });
  afterAll(async () => {
    await operator?.stop();
  });
  return () => {
    if (operator === undefined) throw new Error('the operator starts in beforeAll');
    return operator;
  };
}

/** A Secret whose `password` key `spec.auth.secretName` can name. */
export async function createPasswordSecret(client: KubeClient, namespace: string, name: string, password: string): Promise<void> {
  await client.create(Resources.secret, {
    apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, stringData: { password },
  } as KubeObject);
}

function conditionOf(status: RedisInstanceStatus | undefined, type: string) {
  return status?.conditions?.find((c) => c.type === type);
}

/**
 * Ready at its generation, Writable, every replica in sync, every pod labelled, the recorded
 * primary as such, and no pod being deleted (status written before a step is carried out can
 * otherwise look settled while the old primary's pod still holds its label).
 */
export async function waitForSteadyState(ns: string, name: string, replicas: number, what: string): Promise<StoredInstance> {
  const client = testClient();
  return waitFor(async () => {
    const instance = await getInstance(client, ns, name);
    const pods = await instancePods(client, ns, name);
    const status = instance?.status;
    const labels = pods.map((p) => p.metadata.labels?.[ROLE_LABEL] ?? '-');
    const steady = instance !== undefined && status?.phase === 'Ready' && status.observedGeneration === instance.metadata.generation
      && conditionOf(status, 'Writable')?.status === 'True' && conditionOf(status, 'ReplicasInSync')?.status === 'True'
      && pods.length === replicas && pods.every((p) => isReady(p) && !p.metadata.deletionTimestamp)
      && labels.filter((l) => l === 'primary').length === 1 && labels.filter((l) => l === 'replica').length === replicas - 1
      && pods.find((p) => p.metadata.labels?.[ROLE_LABEL] === 'primary')?.metadata.name === status.primary;
    return pollResult(steady ? instance : undefined, `${what}: ${JSON.stringify({ phase: status?.phase, primary: status?.primary, conditions: status?.conditions?.map((c) => `${c.type}=${c.status}/${c.reason}`), labels })}`);
  }, { description: `${ns}/${name} steady (${what})`, timeoutMs: 300_000, intervalMs: 500 });
}
