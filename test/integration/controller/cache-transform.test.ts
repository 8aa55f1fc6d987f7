/**
 * The caches keep only what the operator reads: the plan and the status computed from cached
 * (transformed) objects are those computed from the objects exactly as the API server returns
 * them, for objects it really stored, defaulted and gave a status.
 */
import { describe, expect, it } from 'vitest';
import { withDefaults } from '../../../src/api/defaults.js';
import type { RedisInstanceSpec } from '../../../src/api/redis-instance.js';
import type { KubeObject } from '../../../src/client/objects.js';
import { Resources } from '../../../src/client/resources.js';
import { LAST_APPLIED_ANNOTATION } from '../../../src/controller/informer.js';
import { cacheTransformOf } from '../../../src/manager/cache-transforms.js';
import { fetchLiveObjects, resourceOf, type LiveObjects } from '../../../src/reconcile/live-objects.js';
import { planInstance, type InstancePlan } from '../../../src/reconcile/plan.js';
import { computeStatus } from '../../../src/reconcile/status.js';
import { synthesizeInstance } from '../../../src/synth/synthesize-instance.js';
import { freshNamespace, testKubeConfig } from '../../cluster/namespace.js';
import { pollResult, waitFor } from '../../cluster/wait.js';
import { installRedisInstanceCrd } from '../../support/crd.js';
import { createInstance, getStatefulSet, testClient, type StoredInstance } from '../../support/kube.js';
import { builtInRegistry } from '../../support/registry.js';

/** What a plan decides, without the objects it carries. */
function decisions(plan: InstancePlan): unknown {
  const step = plan.statefulSet;
  return {
    statefulSet: step.kind === 'update' ? { strategy: step.strategy.name, changes: step.changes } : step.kind,
    companions: plan.companions.map((action) => (action.kind === 'update' ? { update: action.differences } : action.kind)),
    unowned: plan.unowned.map((object) => `${object.kind}/${object.metadata.name}`),
  };
}

function transformed(live: LiveObjects): LiveObjects {
  return Object.fromEntries(Object.entries(live).map(([field, object]) => [field, cacheTransformOf(resourceOf(object as KubeObject))(object as KubeObject)]));
}

const STORED: RedisInstanceSpec = {
  replicas: 2, image: 'redis:7.0',
  resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '512Mi' } },
  config: { maxmemory: '100mb', 'maxmemory-policy': 'allkeys-lru' },
  storage: { size: '1Gi' },
};

const CHANGES: ReadonlyArray<readonly [string, RedisInstanceSpec]> = [
  ['nothing', STORED],
  ['replicas', { ...STORED, replicas: 3 }],
  ['replicas down to one (the PDB goes)', { ...STORED, replicas: 1 }],
  ['image', { ...STORED, image: 'redis:7.2' }],
  ['a removed memory request', { ...STORED, resources: { limits: { memory: '512Mi' } } }],
  ['config', { ...STORED, config: { maxmemory: '200mb' } }],
  ['storage size', { ...STORED, storage: { size: '2Gi' } }],
];

describe('the cache transforms', () => {
  it('plan and status from cached objects equal those from the objects as stored', async () => {
    await installRedisInstanceCrd(testKubeConfig());
    const { name: ns } = await freshNamespace();
    const client = testClient();
    const created = await createInstance(client, ns, 'cache', STORED);
    // As `kubectl apply` leaves it: a copy of the whole object in an annotation.
    const stored = await client.patch<StoredInstance>(Resources.redisInstance, ns, 'cache', {
      metadata: { annotations: { [LAST_APPLIED_ANNOTATION]: JSON.stringify(created), keep: 'me' } },
    }, 'merge');
    const owner = { name: 'cache', uid: stored.metadata.uid! };
    for (const object of synthesizeInstance(withDefaults(stored), owner).objects) {
      await client.apply(resourceOf(object), { ...object, metadata: { ...object.metadata, namespace: ns } });
    }
    // A status written by the StatefulSet controller, pods Ready on kwok's node.
    await waitFor(async () => {
      const sts = await getStatefulSet(client, ns, 'cache');
      return pollResult(sts?.status?.readyReplicas === 2 && sts.status.updateRevision !== undefined, JSON.stringify(sts?.status));
    }, { description: 'the StatefulSet to report two ready replicas', timeoutMs: 60_000 });
    const live = await fetchLiveObjects('cache', (resource, name) => client.get(resource, name, ns));
    const cached = transformed(live);
    const cachedInstance = cacheTransformOf(Resources.redisInstance)(stored as KubeObject) as StoredInstance;

    for (const [, spec] of CHANGES) {
      const desired = withDefaults({ ...stored, spec });
      expect(decisions(planInstance(withDefaults({ ...cachedInstance, spec }), cached, builtInRegistry(), owner)))
        .toEqual(decisions(planInstance(desired, live, builtInRegistry(), owner)));
    }
    const status = (statefulSet: KubeObject | undefined, instance: StoredInstance) => computeStatus({
      generation: instance.metadata.generation ?? 0, name: 'cache', desiredReplicas: 2, statefulSet,
      previous: instance.status, now: new Date(0),
    });
    expect(status(cached.statefulSet, cachedInstance)).toEqual(status(live.statefulSet, stored));
    expect(status(live.statefulSet, stored).phase).toBe('Ready');

    // And what is left out is left out.
    expect(JSON.stringify([cachedInstance, ...Object.values(cached)])).not.toMatch(/managedFields|last-applied-configuration/);
    expect(cachedInstance.metadata.annotations).toEqual({ keep: 'me' });
    expect(cached.clientService).not.toHaveProperty('status');
    expect(cached.podDisruptionBudget).not.toHaveProperty('status');
    expect(Object.keys((cached.statefulSet as unknown as { status: object }).status).sort())
      .toEqual(['currentRevision', 'observedGeneration', 'readyReplicas', 'replicas', 'updateRevision', 'updatedReplicas']);
  });
});
