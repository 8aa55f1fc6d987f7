import { Writable } from 'node:stream';
import winston from 'winston';
import { ApiError } from '../../src/client/api-error.js';
import { KubeClient } from '../../src/client/kube-client.js';
import { OperatorManager } from '../../src/manager/operator-manager.js';
import { Resources } from '../../src/client/resources.js';
import type { Lease, LeaderElectionOptions } from '../../src/controller/leader-election.js';
import { loadStrategyModule } from '../../src/strategies/strategy-module.js';
import type { UpdateStrategy } from '../../src/strategies/update-strategy.js';
import type { DialGuard, RedisAdmin } from '../../src/redis/redis-admin.js';
import { loadKubeConfig } from '../cluster/kubeconfig.js';
import { testKubeconfigPath } from '../cluster/namespace.js';
import { pollResult, waitFor } from '../cluster/wait.js';
import { operatorKubeConfig } from './operator-identity.js';

/** Called before each write request is sent; a test may hold it there. */
export type BeforeWrite = (method: string, path: string, body: unknown) => Promise<void>;

/** One request the operator sent (watches aside), and the HTTP status it was answered with (0: none). */
export interface SentRequest {
  readonly method: string;
  readonly path: string;
  readonly status: number;
}

/** A KubeClient that counts the write requests it sends (everything but GET and watches), and logs every request. */
export class CountingClient extends KubeClient {
  /** `METHOD path` of every write, in order. */
  readonly writes: string[] = [];
  /** Every request, reads and writes, in the order the answers came. */
  readonly requests: SentRequest[] = [];
  beforeWrite: BeforeWrite | undefined;
  override async request<T>(method: string, path: string, options?: Parameters<KubeClient['request']>[2]): Promise<T> {
    if (method !== 'GET') {
      this.writes.push(`${method} ${path} ${JSON.stringify(options?.body ?? null).slice(0, 300)}`);
      await this.beforeWrite?.(method, path, options?.body);
    }
    try {
      const answer = await super.request<T>(method, path, options);
      this.requests.push({ method, path, status: 200 });
      return answer;
    } catch (error) {
      this.requests.push({ method, path, status: error instanceof ApiError ? error.status : 0 });
      throw error;
    }
  }
}

export interface StartOperatorOptions {
  /** Manage only this namespace. @default every namespace */
  readonly namespace?: string;
  readonly strategyModules?: readonly string[];
  /** Strategies given as objects, asked before those of `strategyModules`. */
  readonly strategies?: readonly UpdateStrategy[];
  readonly resyncPeriodMs?: number;
  readonly leaderElection?: LeaderElectionOptions;
  /** @default 4 */
  readonly maxConcurrentReconciles?: number;
  /**
   * Who the operator is to the API server: its own ServiceAccount with the install manifests'
   * RBAC, or the cluster admin. @default 'service-account'
   */
  readonly identity?: 'service-account' | 'cluster-admin';
  /** @default the operator's own: pods on real nodes */
  readonly dialGuard?: DialGuard;
  /** @default NodeRedisAdmin */
  readonly redisAdmin?: (guard: DialGuard) => RedisAdmin;
  /** @default writes go out at once */
  readonly beforeWrite?: BeforeWrite;
}

export interface RunningOperator {
  readonly manager: OperatorManager;
  /** Write requests the operator has sent. */
  writes(): number;
  /** The write requests themselves (`METHOD path body`), oldest first. */
  writeLog(): string[];
  /** Every request but watches, reads too, with its answer's status (2xx as 200). */
  requestLog(): SentRequest[];
  /** Reconciles finished (any result). */
  reconciles(): number;
  /** Every log line, as JSON text. */
  logs(): string[];
  isLeader(): boolean;
  reconcile(key: string): Promise<unknown>;
  /** Waits until the work queue is empty and no reconcile has finished for a moment. */
  idle(): Promise<void>;
  stop(): Promise<void>;
  crash(): Promise<void>;
}

/** Runs the operator in-process against the test cluster, as `redis-operator run` would. */
export async function startOperator(options: StartOperatorOptions = {}): Promise<RunningOperator> {
  const admin = loadKubeConfig(testKubeconfigPath());
  const client = new CountingClient(options.identity === 'cluster-admin' ? admin : await operatorKubeConfig(admin, options.leaderElection?.namespace));
  client.beforeWrite = options.beforeWrite;
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      callback();
    },
  });
  const logger = winston.createLogger({
    level: 'debug',
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    transports: [new winston.transports.Stream({ stream: sink })],
  });
  const strategies = [...(options.strategies ?? []), ...(await Promise.all((options.strategyModules ?? []).map(loadStrategyModule))).flat()];
  let reconciles = 0;
  const manager = new OperatorManager({
    client,
    logger,
    ...(options.namespace ? { namespace: options.namespace } : {}),
    ...(options.resyncPeriodMs ? { resyncPeriodMs: options.resyncPeriodMs } : {}),
    ...(options.leaderElection ? { leaderElection: options.leaderElection } : {}),
    strategies,
    maxConcurrentReconciles: options.maxConcurrentReconciles ?? 4,
    ...(options.dialGuard ? { dialGuard: options.dialGuard } : {}),
    ...(options.redisAdmin ? { redisAdmin: options.redisAdmin } : {}),
  });
  const observe = manager.metrics.observeReconcile.bind(manager.metrics);
  manager.metrics.observeReconcile = (result, seconds) => {
    reconciles++;
    observe(result, seconds);
  };
  await manager.start();
  return {
    manager,
    writes: () => client.writes.length,
    writeLog: () => [...client.writes],
    requestLog: () => [...client.requests],
    reconciles: () => reconciles,
    logs: () => [...lines],
    isLeader: () => manager.isLeader,
    reconcile: (key) => manager.reconcileKey(key),
    idle: async () => {
      let last = -1;
      await waitFor(async () => {
        const now = reconciles;
        const settled = now === last && (await manager.metrics.expose()).includes('redis_operator_work_queue_depth 0');
        last = now;
        return pollResult(settled || undefined, `${now} reconciles`);
      }, { description: 'the operator to go idle', timeoutMs: 60_000, intervalMs: 500 });
    },
    stop: () => manager.stop(),
    crash: () => manager.crash(),
  };
}

/** Writes another holder into the Lease, as a replica that took over would. */
export async function takeLease(namespace: string, name: string, holder: string): Promise<void> {
  const client = KubeClient.load(testKubeconfigPath());
  await waitFor(async () => {
    const lease = await client.get<Lease>(Resources.lease, name, namespace);
    if (!lease?.spec?.holderIdentity) return pollResult(undefined, 'the Lease is not held yet');
    const now = new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
    // A 409 (the holder renewed meanwhile) throws, and the next poll tries again.
    await client.replace(Resources.lease, {
      ...lease,
      spec: { ...lease.spec, holderIdentity: holder, acquireTime: now, renewTime: now, leaseTransitions: (lease.spec.leaseTransitions ?? 0) + 1 },
    });
    return pollResult(true);
  }, { description: `the Lease to be taken by ${holder}`, timeoutMs: 30_000, intervalMs: 20 });
}
