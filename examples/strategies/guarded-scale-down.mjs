// A custom update strategy for redis-operator:
//   redis-operator run --strategy-module examples/strategies/guarded-scale-down.mjs
//
// Scaling a RedisInstance down removes replicas that hold data. This strategy carries any
// change that lowers spec.replicas, but only once the instance is annotated
//   redis.example.com/allow-scale-down: "true"
// Until then it refuses (the instance shows Degraded=True, reason ScaleDownNotApproved) and
// changes nothing. Other changes go on to the built-in strategies.
//
// A strategy is a class (or object) with a `name`, `accepts(changes, instance)`, optionally
// `decide(context)` (refuse here, before anything is written) and `execute(context)`; custom
// strategies are asked before the built-in ones. See
// src/strategies/update-strategy.ts for the types.

const APPROVAL = 'redis.example.com/allow-scale-down';
const STATEFULSETS = { group: 'apps', version: 'v1', plural: 'statefulsets', kind: 'StatefulSet', namespaced: true };

export default class GuardedScaleDownStrategy {
  name = 'GuardedScaleDown';

  accepts(changes) {
    return changes.some((c) => c.kind === 'replicas' && Number(c.to) < Number(c.from));
  }

  // Called before the operator writes anything for this change; a refusal leaves every object
  // as it is (the PodDisruptionBudget that fewer replicas would drop included).
  async decide({ instance, changes }) {
    const scale = changes.find((c) => c.kind === 'replicas');
    if (instance.metadata.annotations?.[APPROVAL] === 'true') return { kind: 'proceed' };
    return {
      kind: 'refuse',
      reason: 'ScaleDownNotApproved',
      message: `scaling from ${scale.from} to ${scale.to} replicas waits for the annotation ${APPROVAL}: "true"`,
    };
  }

  async execute({ instance, desired, live, changes, client, logger }) {
    const scale = changes.find((c) => c.kind === 'replicas');
    await client.apply(STATEFULSETS, { ...desired, metadata: { ...desired.metadata, resourceVersion: live.metadata.resourceVersion } });
    logger.info('Approved scale-down; StatefulSet updated in place', {
      instance: instance.metadata.name, namespace: instance.metadata.namespace, strategy: this.name,
    });
    return { kind: 'applied', message: `Approved scale-down from ${scale.from} to ${scale.to} replicas` };
  }

  effects(changes) {
    const scale = changes.find((c) => c.kind === 'replicas');
    return {
      pods: `the highest ordinals are removed (${scale.from} -> ${scale.to}) once the instance carries ${APPROVAL}: "true"`,
      persistentVolumeClaims: 'kept, including those of removed ordinals',
    };
  }
}
