import { Writable } from 'node:stream';
import winston from 'winston';
import { KubeClient } from '../../src/client/kube-client.js';
import { OperatorManager } from '../../src/manager/operator-manager.js';
import { Resources } from '../../src/client/resources.js';
import type { Lease, LeaderElectionOptions } from '../../src/controller/leader-election.js';
import { loadStrategyModule } from '../../src/strategies/strategy-module.js';
import type { UpdateStrategy } from '../../src/strategies/update-strategy.js';
import { loadKubeConfig } from '../cluster/kubeconfig.js';
import { testKubeconfigPath } from '../cluster/namespace.js';
import { pollResult, waitFor } from '../cluster/wait.js';
import { operatorKubeConfig } from './operator-identity.js';

/** A KubeClient that counts the write requests it sends (everything but GET and watches). */
export class CountingClient extends KubeClient {
  /** `METHOD path` of every write, in order. */
  readonly writes: string[] = [];
  override async request<T>(method: string, path: string, options?: Parameters<KubeClient['request']>[2]): Promise<T> {
    if (method !== 'GET') this.writes.push(`${method} ${path} ${JSON.stringify(options?.body ?? null).slice(0, 300)}`);
    return super.request<T>(method, path, options);
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
}

export interface RunningOperator {
  readonly manager: OperatorManager;
  /** Write requests the operator has sent. */
  writes(): number;
  /** The write requests themselves (`METHOD path body`), oldest first. */
  writeLog(): string[];
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
