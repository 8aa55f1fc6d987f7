import type { DefaultedRedisInstance } from '../api/redis-instance.js';
import { CONFIG_FILE_KEY, ownedNames } from '../api/names.js';
import type { KubeObject } from '../client/objects.js';
import type { InstanceOwner } from '../../constructs/owner.js';
import { synthesizeInstance, type SynthesizedInstance } from '../synth/synthesize-instance.js';
import type { StrategyRegistry } from '../strategies/strategy-registry.js';
import type { UpdateStrategy } from '../strategies/update-strategy.js';
import type { Change } from './change-set.js';
import type { LiveObjects } from './live-objects.js';
import { semanticDiff, type Difference, type DiffRules } from './semantic-diff.js';
import { compareStatefulSets, redisConfChanges } from './statefulset-changes.js';

/** What to do with one of the objects around the StatefulSet. */
export type ObjectAction =
  | { readonly kind: 'create'; readonly desired: KubeObject }
  | { readonly kind: 'update'; readonly desired: KubeObject; readonly differences: readonly Difference[] }
  | { readonly kind: 'delete'; readonly live: KubeObject }
  | { readonly kind: 'none' };

export type StatefulSetPlan =
  | { readonly kind: 'create'; readonly desired: KubeObject }
  | { readonly kind: 'none' }
  /** The live StatefulSet is being deleted (an orphaning delete in progress): wait for it. */
  | { readonly kind: 'wait'; readonly live: KubeObject }
  | {
      readonly kind: 'update';
      readonly strategy: UpdateStrategy;
      readonly changes: readonly Change[];
      readonly desired: KubeObject;
      readonly live: KubeObject;
    };

export interface InstancePlan {
  readonly instance: DefaultedRedisInstance;
  readonly desired: SynthesizedInstance;
  /** ConfigMap first (pods that restart must find the new redis.conf), then Services and PDB. */
  readonly companions: readonly ObjectAction[];
  readonly statefulSet: StatefulSetPlan;
  /**
   * Live objects with the instance's names that it does not control (no controller reference
   * to its UID): someone else's, which the operator must not take over. Only known in-cluster,
   * with an owner; while there are any, nothing of the plan may be carried out.
   */
  readonly unowned: readonly KubeObject[];
  /**
   * Under `updatePolicy.config: Live`, the directives whose new values go live (CONFIG SET on
   * every pod) with no pod restarted: the ConfigMap changes and the pod template does not.
   */
  readonly liveConfig: readonly Change[];
}

/** Whether `owner` is `object`'s controller (the reference garbage collection follows). */
function isControlledBy(object: KubeObject, owner: InstanceOwner): boolean {
  return object.metadata.ownerReferences?.some((r) => r.controller === true && r.uid === owner.uid) === true;
}

const COMPANION_RULES: Record<string, DiffRules> = {
  // The ConfigMap's data and the Services' selectors are the operator's alone.
  ConfigMap: { complete: (path) => path === 'data' },
  Service: { complete: (path) => path === 'spec.selector' },
  PodDisruptionBudget: { complete: (path) => path === 'spec.selector.matchLabels' },
};

function compareCompanion(desired: KubeObject, live: KubeObject | undefined): ObjectAction {
  if (!live) return { kind: 'create', desired };
  const rules = COMPANION_RULES[desired.kind] ?? {};
  const { apiVersion: _a, kind: _k, metadata, ...body } = desired;
  const { apiVersion: _la, kind: _lk, metadata: liveMetadata, ...liveBody } = live;
  const differences = [
    ...semanticDiff(body, liveBody, rules),
    ...semanticDiff(
      { labels: metadata.labels, ownerReferences: metadata.ownerReferences },
      { labels: liveMetadata.labels, ownerReferences: liveMetadata.ownerReferences },
      {},
      'metadata',
    ),
  ];
  return differences.length === 0 ? { kind: 'none' } : { kind: 'update', desired, differences };
}

function find(objects: readonly KubeObject[], kind: string, name: string): KubeObject | undefined {
  return objects.find((o) => o.kind === kind && o.metadata.name === name);
}

/**
 * Compares what the constructs synthesize for an instance with what is live and decides every
 * action, including which strategy carries the StatefulSet's changes. Pure: reads nothing,
 * writes nothing; the reconciler executes the plan and `redis-operator plan` prints it.
 */
export function planInstance(
  instance: DefaultedRedisInstance,
  live: LiveObjects,
  registry: StrategyRegistry,
  owner?: InstanceOwner,
): InstancePlan {
  const desired = synthesizeInstance(instance, owner);
  const names = ownedNames(instance.metadata.name);
  const want = (kind: string, name: string) => find(desired.objects, kind, name);

  const companions: ObjectAction[] = [
    compareCompanion(want('ConfigMap', names.configMap)!, live.configMap),
    compareCompanion(want('Service', names.headlessService)!, live.headlessService),
    compareCompanion(want('Service', names.clientService)!, live.clientService),
    compareCompanion(want('Service', names.replicasService)!, live.replicasService),
  ];
  const pdb = want('PodDisruptionBudget', names.podDisruptionBudget);
  if (pdb) companions.push(compareCompanion(pdb, live.podDisruptionBudget));
  else if (live.podDisruptionBudget) companions.push({ kind: 'delete', live: live.podDisruptionBudget });

  const desiredStatefulSet = want('StatefulSet', names.statefulSet)!;
  let statefulSet: StatefulSetPlan;
  if (!live.statefulSet) {
    statefulSet = { kind: 'create', desired: desiredStatefulSet };
  } else if (live.statefulSet.metadata.deletionTimestamp) {
    statefulSet = { kind: 'wait', live: live.statefulSet };
  } else {
    const liveConf = (live.configMap as { data?: Record<string, string> } | undefined)?.data?.[CONFIG_FILE_KEY];
    const changes = compareStatefulSets({
      desired: desiredStatefulSet,
      live: live.statefulSet,
      ...(liveConf !== undefined ? { liveRedisConf: liveConf, desiredRedisConf: desired.redisConf } : {}),
    });
    const strategy = registry.choose(changes, instance);
    statefulSet = strategy
      ? { kind: 'update', strategy, changes, desired: desiredStatefulSet, live: live.statefulSet }
      : { kind: 'none' };
  }
  const unowned = owner ? Object.values(live).filter((object) => !isControlledBy(object, owner)) : [];
  return { instance, desired, companions, statefulSet, unowned, liveConfig: liveConfigChanges(instance, live, desired.redisConf, statefulSet) };
}

function liveConfigChanges(instance: DefaultedRedisInstance, live: LiveObjects, desiredConf: string, statefulSet: StatefulSetPlan): Change[] {
  if (instance.spec.updatePolicy.config !== 'Live' || !live.statefulSet) return [];
  // A change the pod template carries restarts the pods, and they read the new file.
  if (statefulSet.kind === 'update' && statefulSet.changes.some((c) => c.kind === 'config')) return [];
  const liveConf = (live.configMap as { data?: Record<string, string> } | undefined)?.data?.[CONFIG_FILE_KEY];
  return liveConf === undefined ? [] : redisConfChanges(liveConf, desiredConf);
}
