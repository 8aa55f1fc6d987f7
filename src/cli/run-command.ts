import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Command, Option } from 'commander';
import { DEFAULT_MAX_CONCURRENT_RECONCILES } from '../controller/concurrency.js';
import { parseBindAddress } from '../observability/http-servers.js';
import { createLogger, type LogLevel } from '../observability/logger.js';
import { loadStrategyModule } from '../strategies/strategy-module.js';
import { clusterClient } from './cluster-client.js';
import { ExitCode, InvalidInputError } from './exit-codes.js';

export { DEFAULT_MAX_CONCURRENT_RECONCILES };

/**
 * No client-side rate limit by default, as controller-runtime since 0.21 on SIG API Machinery's
 * advice: API Priority and Fairness protects the API server (its 429s are waited out), and the
 * workers bound what the operator sends at once. Measured (README, "Memory and scale"): with a
 * limit of 200 a second, requests waited 67.6 s in all for it while 1000 new instances were
 * created.
 */
export const DEFAULT_KUBE_API_QPS = 0;

/** The burst when --kube-api-burst is not given: two seconds' worth of --kube-api-qps, as client-go's 5 and 10. */
export function defaultKubeApiBurst(qps: number): number {
  return Math.max(1, Math.ceil(2 * qps));
}

export interface RunOptions {
  readonly kubeconfig?: string;
  readonly namespace?: string;
  readonly leaderElect?: boolean;
  readonly leaderElectionNamespace?: string;
  readonly leaderElectionId: string;
  readonly metricsBindAddress: string;
  readonly healthProbeBindAddress: string;
  readonly maxConcurrentReconciles: string;
  readonly resyncPeriod: string;
  readonly gracefulShutdownTimeout: string;
  readonly cacheSyncTimeout: string;
  readonly kubeApiQps: string;
  readonly kubeApiBurst?: string;
  readonly strategyModule?: string[];
  readonly logLevel: LogLevel;
}

function positiveInteger(flag: string, value: string, problems: string[]): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) problems.push(`${flag}: must be a positive integer, got "${value}"`);
  return n;
}

function nonNegativeNumber(flag: string, value: string, problems: string[]): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) problems.push(`${flag}: must be a number, 0 or more, got "${value}"`);
  return n;
}

function bindAddress(flag: string, value: string, problems: string[]): void {
  if (value === '0') return;
  try {
    parseBindAddress(value);
  } catch {
    problems.push(`${flag}: must be HOST:PORT, :PORT or 0 (off), got "${value}"`);
  }
}

/**
 * Runs the controller until SIGTERM or SIGINT, then finishes the reconciles in flight (for at
 * most --graceful-shutdown-timeout), releases the Lease and exits 0; a signal is heard from the
 * start, also while the caches are still syncing or the API server cannot be reached, and a
 * second one exits at once. Losing the Lease exits 1 at once, without waiting for reconciles in
 * flight (another replica may be acting already; a new process starts clean), as
 * controller-runtime's managers do.
 */
export async function run(options: RunOptions): Promise<void> {
  const problems: string[] = [];
  const workers = positiveInteger('--max-concurrent-reconciles', options.maxConcurrentReconciles, problems);
  const resyncSeconds = positiveInteger('--resync-period', options.resyncPeriod, problems);
  const shutdownSeconds = positiveInteger('--graceful-shutdown-timeout', options.gracefulShutdownTimeout, problems);
  const cacheSyncSeconds = positiveInteger('--cache-sync-timeout', options.cacheSyncTimeout, problems);
  const qps = nonNegativeNumber('--kube-api-qps', options.kubeApiQps, problems);
  const burst = options.kubeApiBurst === undefined ? defaultKubeApiBurst(qps) : positiveInteger('--kube-api-burst', options.kubeApiBurst, problems);
  bindAddress('--metrics-bind-address', options.metricsBindAddress, problems);
  bindAddress('--health-probe-bind-address', options.healthProbeBindAddress, problems);
  if (problems.length > 0) throw new InvalidInputError(problems);

  const strategies = (await Promise.all((options.strategyModule ?? []).map(loadStrategyModule))).flat();
  // Loaded only now: `run --help` and a mistyped flag do not pay for the controller's code.
  const { OperatorManager } = await import('../manager/operator-manager.js');
  const logger = createLogger({ level: options.logLevel });
  const client = clusterClient(options.kubeconfig, { qps, burst });
  const leaseNamespace = options.leaderElectionNamespace ?? process.env.POD_NAMESPACE ?? options.namespace ?? 'redis-operator';
  const manager = new OperatorManager({
    client,
    logger,
    ...(options.namespace ? { namespace: options.namespace } : {}),
    maxConcurrentReconciles: workers,
    resyncPeriodMs: resyncSeconds * 1000,
    gracefulShutdownTimeoutMs: shutdownSeconds * 1000,
    cacheSyncTimeoutMs: cacheSyncSeconds * 1000,
    strategies,
    metricsBindAddress: options.metricsBindAddress,
    healthProbeBindAddress: options.healthProbeBindAddress,
    ...(options.leaderElect
      ? {
          leaderElection: {
            namespace: leaseNamespace,
            name: options.leaderElectionId,
            identity: `${process.env.POD_NAME ?? hostname()}_${randomBytes(4).toString('hex')}`,
          },
        }
      : {}),
    onLeadershipLost: (reason) => {
      // The controller has already stopped acting; exiting now is what makes sure of it.
      logger.error('Leadership lost; exiting at once so a fresh process can compete for the Lease again', { reason });
      process.exit(ExitCode.Failure);
    },
  });

  let release: () => void = () => undefined;
  const stopped = new Promise<'stop'>((resolve) => { release = () => resolve('stop'); });
  const onSignal = (signal: NodeJS.Signals): void => {
    logger.info('Received signal, shutting down', { signal });
    // A second signal means the person does not want to wait for the reconciles in flight.
    process.once('SIGTERM', onSecondSignal);
    process.once('SIGINT', onSecondSignal);
    release();
  };
  const onSecondSignal = (signal: NodeJS.Signals): void => {
    logger.warn('Received a second signal, exiting at once', { signal });
    process.exit(ExitCode.Failure);
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  // The Lease, the caches and the API server may take any time (or forever): a signal must be
  // heard meanwhile, so starting races with it.
  const starting = manager.start().then(() => 'started' as const);
  starting.catch(() => undefined);
  try {
    if ((await Promise.race([starting, stopped])) === 'started') {
      for (const endpoint of manager.endpoints) logger.info('Serving', { endpoint: endpoint.name, url: endpoint.url });
      await stopped;
    }
  } finally {
    await manager.stop();
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSecondSignal);
    process.off('SIGINT', onSecondSignal);
  }
}

export function runCommand(runAction: (action: () => Promise<void>) => Promise<void>): Command {
  return new Command('run')
    .summary('run the controller (in-cluster, or against a kubeconfig)')
    .description(
      'Watches RedisInstances and keeps their StatefulSet, ConfigMap, Services and PodDisruptionBudget ' +
      'in line, rolling what Kubernetes can roll and recreating (without downtime) only what it cannot. ' +
      'Without --kubeconfig it uses $KUBECONFIG, ~/.kube/config, or the in-cluster service account.',
    )
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config, or in-cluster)')
    .option('--namespace <namespace>', 'manage only this namespace (default: every namespace)')
    .option('--leader-elect', 'act only while holding a coordination.k8s.io Lease, so replicas never act at once')
    .option('--leader-election-namespace <namespace>', 'namespace of the Lease (default: $POD_NAMESPACE, else --namespace, else redis-operator)')
    .option('--leader-election-id <name>', 'name of the Lease', 'redis-operator')
    .option('--metrics-bind-address <address>', 'where /metrics listens; 0 turns it off', ':8080')
    .option('--health-probe-bind-address <address>', 'where /healthz and /readyz listen; 0 turns them off', ':8081')
    .option('--max-concurrent-reconciles <n>', 'instances reconciled at the same time (never one twice)', String(DEFAULT_MAX_CONCURRENT_RECONCILES))
    .option('--resync-period <seconds>', 'every instance is reconciled at least this often', '600')
    .option('--cache-sync-timeout <seconds>', 'exit 1, naming each resource, if the caches have not synced by then (e.g. RBAC forbids one)', '120')
    .option('--kube-api-qps <n>', `requests per second to the API server on average, watches included, as client-go's QPS; 0 turns the limit off`, String(DEFAULT_KUBE_API_QPS))
    .option('--kube-api-burst <n>', 'requests that may go at once above --kube-api-qps after a quiet spell (default: twice --kube-api-qps)')
    .option('--graceful-shutdown-timeout <seconds>', 'on SIGTERM/SIGINT, how long reconciles in flight may take before they are cut short', '25')
    .option('--strategy-module <file...>', 'load custom update strategies from these modules (asked before the built-in ones)')
    .addOption(new Option('--log-level <level>', 'log level').choices(['error', 'warn', 'info', 'debug']).default('info'))
    .addHelpText('after', '\nDefaults chosen from the benchmark (README, "Memory and scale"): ' +
      `${DEFAULT_MAX_CONCURRENT_RECONCILES} workers, since a reconcile mostly waits on the API server and more workers converge faster until it is busy; ` +
      'no client-side rate limit, as controller-runtime: API Priority and Fairness protects the API server (429 answers are waited out as ' +
      'Retry-After says) and the workers bound what is sent at once, while with a limit of 200 a second requests waited 67.6 s in all as 1000 new instances were created.\n' +
      '\nExamples:\n  redis-operator run --kubeconfig .cluster/kubeconfig --metrics-bind-address 127.0.0.1:8080 --health-probe-bind-address 127.0.0.1:8081\n  redis-operator run --leader-elect --strategy-module ./my-strategy.mjs\n\nExit codes: 0 after SIGTERM/SIGINT, 2 invalid flags or no usable kubeconfig, 1 other failures (a lost Lease exits 1 at once, as does a second signal).')
    .action((options: RunOptions) => runAction(() => run(options)));
}
