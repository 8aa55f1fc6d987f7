import { describe, expect, it } from 'vitest';
import { withDefaults } from '../../../src/api/defaults.js';
import type { RedisInstanceSpec } from '../../../src/api/redis-instance.js';
import { fetchLiveObjects, resourceOf } from '../../../src/reconcile/live-objects.js';
import { planInstance } from '../../../src/reconcile/plan.js';
import { synthesizeInstance } from '../../../src/synth/synthesize-instance.js';
import { freshNamespace, testKubeConfig } from '../../cluster/namespace.js';
import { installRedisInstanceCrd } from '../../support/crd.js';
import { createInstance, testClient } from '../../support/kube.js';
import { builtInRegistry } from '../../support/registry.js';

// The planner compares desired objects with what the API server stored: defaulted, quantities
// in its own spelling, fields it adds. So the live side here is not synthesized but written
// (server-side apply, as the operator writes it) and read back.

/** Plans `to` against the objects of `from` as the API server stored them. */
async function planAgainstStored(from: RedisInstanceSpec, to: RedisInstanceSpec) {
  await installRedisInstanceCrd(testKubeConfig());
  const { name: ns } = await freshNamespace();
  const client = testClient();
  // A real owner, so that the garbage collector leaves the objects alone.
  const stored = await createInstance(client, ns, 'cache', from);
  const owner = { name: 'cache', uid: stored.metadata.uid! };
  const before = withDefaults({ ...stored, spec: from });
  for (const object of synthesizeInstance(before, owner).objects) {
    await client.apply(resourceOf(object), { ...object, metadata: { ...object.metadata, namespace: ns } });
  }
  const live = await fetchLiveObjects('cache', (resource, name) => client.get(resource, name, ns));
  const plan = planInstance(withDefaults({ ...stored, spec: to }), live, builtInRegistry(), owner);
  const step = plan.statefulSet;
  return {
    strategy: step.kind === 'update' ? step.strategy.name : step.kind,
    changes: step.kind === 'update' ? step.changes.map(({ path, from: was, to: now }) => ({ path, from: was, to: now })) : [],
    companions: plan.companions.map((a) => a.kind),
    unowned: plan.unowned,
  };
}

const AT_REST: ReadonlyArray<readonly [string, RedisInstanceSpec]> = [
  ['the defaults', {}],
  ['three replicas with resources, config and storage', {
    replicas: 3, image: 'redis:7.0',
    resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1000m', memory: '1024Mi' } },
    config: { maxmemory: '100mb', 'maxmemory-policy': 'allkeys-lru' },
    storage: { size: '2Gi', storageClassName: 'standard', reclaimPolicy: 'Delete' },
  }],
  ['auth and a rolling config policy', { replicas: 2, auth: { secretName: 'cache-auth' }, updatePolicy: { config: 'Rolling' } }],
];

describe('plan against what the API server stored', () => {
  it.each(AT_REST)('finds nothing to do for %s', async (_, spec) => {
    const result = await planAgainstStored(spec, spec);
    expect(result).toMatchObject({ strategy: 'none', changes: [], unowned: [] });
    expect(result.companions).toEqual(result.companions.map(() => 'none'));
  });

  it('sees 1Gi and 1024Mi, 1 and 1000m as the same', async () => {
    const result = await planAgainstStored(
      { storage: { size: '1Gi' }, resources: { limits: { cpu: '1', memory: '1Gi' } } },
      { storage: { size: '1024Mi' }, resources: { limits: { cpu: '1000m', memory: '1024Mi' } } },
    );
    expect(result.strategy).toBe('none');
  });

  it.each([
    ['replicas 1 -> 3', { replicas: 1 }, { replicas: 3 }, [{ path: 'spec.replicas', from: 1, to: 3 }]],
    ['image redis:6.2 -> redis:7.0', { image: 'redis:6.2' }, { image: 'redis:7.0' }, [{ path: 'spec.image', from: 'redis:6.2', to: 'redis:7.0' }]],
    ['memory limit 256Mi -> 512Mi', { resources: { limits: { memory: '256Mi' } } }, { resources: { limits: { memory: '512Mi' } } },
      [{ path: 'spec.resources.limits.memory', from: '256Mi', to: '512Mi' }]],
    ['a removed cpu limit', { resources: { limits: { memory: '1Gi', cpu: '1' } } }, { resources: { limits: { memory: '1Gi' } } },
      [{ path: 'spec.resources.limits.cpu', from: '1', to: undefined }]],
  ] as const)('rolls %s in place', async (_, from, to, changes) => {
    expect(await planAgainstStored(from, to)).toMatchObject({ strategy: 'Rolling', changes });
  });

  it.each([
    ['a config change', { config: { maxmemory: '100mb' } }, { config: { maxmemory: '200mb' } }, [{ path: 'spec.config.maxmemory', from: '100mb', to: '200mb' }]],
    ['a bigger volume', { storage: { size: '1Gi' } }, { storage: { size: '2Gi' } }, [{ path: 'spec.storage.size', from: '1Gi', to: '2Gi' }]],
  ] as const)('recreates on %s', async (_, from, to, changes) => {
    expect(await planAgainstStored(from, to)).toMatchObject({ strategy: 'Recreate', changes });
  });

  it('creates the PodDisruptionBudget above one replica and deletes it below two', async () => {
    expect((await planAgainstStored({ replicas: 1 }, { replicas: 2 })).companions).toEqual(['none', 'none', 'none', 'create']);
    expect((await planAgainstStored({ replicas: 2 }, { replicas: 1 })).companions).toEqual(['none', 'none', 'none', 'delete']);
  });
});
