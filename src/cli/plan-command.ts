import { Command, Option } from 'commander';
import { withDefaults } from '../api/defaults.js';
import type { RedisInstance } from '../api/redis-instance.js';
import { validateUpdate } from '../api/validate.js';
import type { KubeClient } from '../client/kube-client.js';
import type { KubeObject } from '../client/objects.js';
import { Resources } from '../client/resources.js';
import { createPlanningContainer } from '../di/container.js';
import { TOKENS } from '../di/tokens.js';
import { describeValue, type Change } from '../reconcile/change-set.js';
import { directiveFacts } from '../config/directive-table.js';
import { redisVersionOfImage } from '../config/redis-version.js';
import { fetchLiveObjects, findIn, liveObjectsOf, type LiveObjects } from '../reconcile/live-objects.js';
import { planInstance, type InstancePlan } from '../reconcile/plan.js';
import type { StrategyRegistry } from '../strategies/strategy-registry.js';
import { loadStrategyModule } from '../strategies/strategy-module.js';
import { synthesizeInstance } from '../synth/synthesize-instance.js';
import { clusterClient } from './cluster-client.js';
import { InvalidInputError } from './exit-codes.js';
import type { CommandIO } from './io.js';
import { readInstances } from './read-instances.js';

export interface PlanOptions {
  readonly from?: string;
  readonly to?: string;
  readonly file?: string;
  readonly output: 'text' | 'json';
  readonly kubeconfig?: string;
  readonly strategyModule?: string[];
}

/** One instance's plan as `plan` prints it. `strategy` is Rolling, Recreate, a custom strategy's
 * name, None (nothing to change), or Create (no StatefulSet yet). */
export interface PlanReport {
  readonly instance: string;
  readonly strategy: string;
  /** Under `updatePolicy.config: Live` each config change says whether it goes `live` (CONFIG
   * SET on every pod) or needs a `restart` (the pods roll). */
  readonly changes: ReadonlyArray<{ path: string; from: unknown; to: unknown; apply?: 'live' | 'restart'; why?: string }>;
  readonly pods: string;
  readonly persistentVolumeClaims: string;
  readonly objects: ReadonlyArray<{ kind: string; name: string; action: string }>;
  /** What the change costs that a reader must not miss (a single pod's restart is an outage). */
  readonly warnings: readonly string[];
}

/** `plan`'s warning when the only pod is replaced. */
export const SINGLE_REPLICA_RESTART = 'replicas: 1: the only pod is replaced, and Redis takes no writes (nor reads) until it is back; '
  + 'with 2 or more replicas the primary hands over to a replica first';

export function reportPlan(key: string, plan: InstancePlan): PlanReport {
  const objects = plan.companions
    .filter((a) => a.kind !== 'none')
    .map((a) => (a.kind === 'delete'
      ? { kind: a.live.kind, name: a.live.metadata.name, action: 'delete' }
      : { kind: a.desired.kind, name: a.desired.metadata.name, action: a.kind }));
  const step = plan.statefulSet;
  switch (step.kind) {
    case 'update': {
      const { podsReplaced, ...effects } = step.strategy.effects?.(step.changes, plan.instance) ?? {
        pods: `as the ${step.strategy.name} strategy decides`, persistentVolumeClaims: `as the ${step.strategy.name} strategy decides`,
      };
      const livePolicy = plan.instance.spec.updatePolicy.config === 'Live';
      return {
        instance: key, strategy: step.strategy.name,
        changes: [
          ...step.changes.map((c) => ({ path: c.path, from: c.from, to: c.to, ...(livePolicy && c.kind === 'config' ? { apply: 'restart' as const, why: restartWhy(c, plan.instance.spec.image) } : {}) })),
          ...plan.liveConfig.map((c) => ({ path: c.path, from: c.from, to: c.to, apply: 'live' as const })),
        ],
        ...effects, objects,
        warnings: podsReplaced === true && plan.instance.spec.replicas === 1 ? [SINGLE_REPLICA_RESTART] : [],
      };
    }
    case 'create':
      return {
        instance: key, strategy: 'Create', changes: [],
        pods: 'created one at a time from ordinal 0 up; the first Ready one is made primary, the others replicate from it', persistentVolumeClaims: 'one per pod, created with it',
        objects: [...objects, { kind: 'StatefulSet', name: step.desired.metadata.name, action: 'create' }],
        warnings: [],
      };
    case 'wait':
      return { instance: key, strategy: 'None', changes: [], pods: 'untouched (the StatefulSet is being deleted)', persistentVolumeClaims: 'kept', objects, warnings: [] };
    case 'none':
      if (plan.liveConfig.length > 0) {
        return {
          instance: key, strategy: 'Live',
          changes: plan.liveConfig.map((c) => ({ path: c.path, from: c.from, to: c.to, apply: 'live' as const })),
          pods: 'untouched: CONFIG SET on every pod, each value read back with CONFIG GET; the ConfigMap is updated so that restarts keep them',
          persistentVolumeClaims: 'untouched', objects, warnings: [],
        };
      }
      return { instance: key, strategy: 'None', changes: [], pods: 'untouched', persistentVolumeClaims: 'untouched', objects, warnings: [] };
  }
}

/** Why a config change under `updatePolicy.config: Live` restarts the pods. */
function restartWhy(change: Change, image: string): string {
  const version = redisVersionOfImage(image);
  const name = change.path.replace(/^spec\.config\./, '');
  if (version === undefined) return `the image's tag names no Redis version the operator knows, so nothing goes live`;
  const facts = directiveFacts(version, name);
  if (facts === undefined) return `Redis ${version} does not know ${name}`;
  if (facts.mutability !== 'live') return `Redis ${version} reads ${name} at start only`;
  if (change.from === undefined || change.to === undefined) return `${name} is ${change.from === undefined ? 'added' : 'removed'}, which changes what a restart reads`;
  return 'the pods restart for another change, and read the new value';
}

function formatText(reports: readonly PlanReport[]): string {
  return reports.map((r) => {
    const lines = [`${r.instance}: ${r.strategy}`];
    for (const c of r.changes) {
      const how = c.apply === 'live' ? ' (live: CONFIG SET, no restart)' : c.apply === 'restart' ? ` (restart: ${c.why ?? ''})` : '';
      lines.push(`  ${c.path}: ${describeValue(c.from)} -> ${describeValue(c.to)}${how}`);
    }
    lines.push(`  pods: ${r.pods}`, `  persistentVolumeClaims: ${r.persistentVolumeClaims}`);
    for (const warning of r.warnings) lines.push(`  warning: ${warning}`);
    for (const o of r.objects) lines.push(`  ${o.action} ${o.kind} ${o.name}`);
    return lines.join('\n');
  }).join('\n\n') + '\n';
}

const keyOf = (i: RedisInstance) => `${i.metadata.namespace ?? 'default'}/${i.metadata.name}`;

async function clusterLive(client: KubeClient, instance: RedisInstance): Promise<{ live: LiveObjects; stored?: KubeObject }> {
  const namespace = instance.metadata.namespace ?? 'default';
  const [stored, live] = await Promise.all([
    client.get(Resources.redisInstance, instance.metadata.name, namespace),
    fetchLiveObjects(instance.metadata.name, (resource, name) => client.get(resource, name, namespace)),
  ]);
  return { live, ...(stored ? { stored } : {}) };
}

/** What the CRD's transition rules would refuse in updating `previous` (as stored) to `next`. */
function refusedUpdate(key: string, previous: unknown, next: RedisInstance): string[] {
  return validateUpdate(previous, next).map((e) => `${key}: the API server would refuse this update: ${e.path}: ${e.message}`);
}

export async function plan(options: PlanOptions, io: CommandIO): Promise<void> {
  const online = options.file !== undefined;
  if (online === (options.from !== undefined || options.to !== undefined) || (!online && (!options.from || !options.to))) {
    throw new InvalidInputError(['give either --from OLD --to NEW (offline), or -f NEW (against the cluster)']);
  }
  const custom = (await Promise.all((options.strategyModule ?? []).map(loadStrategyModule))).flat();
  const registry = createPlanningContainer(custom).get<StrategyRegistry>(TOKENS.StrategyRegistry);
  const target = await readInstances([online ? options.file! : options.to!], io);
  for (const warning of target.warnings) io.stderr.write(`warning: ${warning}\n`);

  const reports: PlanReport[] = [];
  const refused: string[] = [];
  if (online) {
    const client = clusterClient(options.kubeconfig);
    for (const instance of target.instances) {
      const { live, stored } = await clusterLive(client, instance);
      const uid = stored?.metadata.uid;
      const owner = uid ? { name: instance.metadata.name, uid } : undefined;
      if (stored) refused.push(...refusedUpdate(keyOf(instance), stored, instance));
      reports.push(reportPlan(keyOf(instance), planInstance(withDefaults(instance), live, registry, owner)));
    }
  } else {
    const source = await readInstances([options.from!], io);
    const before = new Map(source.instances.map((i) => [keyOf(i), i]));
    for (const instance of target.instances) {
      const old = before.get(keyOf(instance));
      if (old) refused.push(...refusedUpdate(keyOf(instance), old, instance));
      reports.push(reportPlan(keyOf(instance), planInstance(withDefaults(instance), old ? liveObjectsOf(old.metadata.name, findIn(synthesizeInstance(withDefaults(old)).objects as KubeObject[])) : {}, registry)));
    }
  }
  // A plan for a change the API server would not store would be a plan of nothing.
  if (refused.length > 0) throw new InvalidInputError(refused);
  io.stdout.write(options.output === 'json' ? `${JSON.stringify(reports.length === 1 ? reports[0] : reports, null, 2)}\n` : formatText(reports));
}

export function planCommand(io: CommandIO, run: (action: () => Promise<void>) => Promise<void>): Command {
  return new Command('plan')
    .summary('say which strategy a change takes, and what happens to pods and PVCs')
    .description(
      'Compares a RedisInstance with a previous version of it (--from OLD --to NEW, offline) or with ' +
      'what runs in the cluster (-f NEW), using the reconciler\'s own planning code, and prints the ' +
      'strategy (Rolling, Recreate, a custom strategy, None, or Create), every change with its path ' +
      'and old and new value, and what happens to pods and PersistentVolumeClaims. Input is validated as ' +
      'synth validates it, and an update the API server would refuse (a storage size below what the claims ' +
      'request) is refused with its message, exit 2.',
    )
    .option('--from <file>', 'the RedisInstance(s) as they are now')
    .option('--to <file>', 'the RedisInstance(s) as they will be')
    .option('-f, --file <file>', 'the RedisInstance(s) as they will be, compared with the cluster')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--kubeconfig <path>', 'kubeconfig for -f (default: $KUBECONFIG, ~/.kube/config, or in-cluster)')
    .option('--strategy-module <file...>', 'also consider the strategies this module exports, as `run` would')
    .addHelpText('after', '\nExamples:\n  redis-operator plan --from cache-v1.yaml --to cache-v2.yaml\n  redis-operator plan -f cache-v2.yaml -o json\n\nExit codes: 0 success, 2 invalid input, 1 other failures.')
    .action((options: PlanOptions) => run(() => plan(options, io)));
}
