import { describe, expect, it } from 'vitest';
import type { RedisInstanceSpec } from '../../../src/api/redis-instance.js';
import { needsStatefulSetRestart, needsStatefulSetUpdate } from '../../../src/reconcile/change-set.js';
import { findIn, liveObjectsOf, type LiveObjects } from '../../../src/reconcile/live-objects.js';
import { planInstance } from '../../../src/reconcile/plan.js';
import { synthesizeInstance } from '../../../src/synth/synthesize-instance.js';
import type { Change } from '../../../src/reconcile/change-set.js';
import type { UpdateStrategy } from '../../../src/strategies/update-strategy.js';
import { defaultedInstance } from '../../support/instances.js';
import { builtInRegistry } from '../../support/registry.js';

/** The live objects as if `spec` had been applied and the cluster had stored them as sent. */
function liveFor(spec: RedisInstanceSpec): LiveObjects {
  return liveObjectsOf('cache', findIn(synthesizeInstance(defaultedInstance(spec), { name: 'cache', uid: 'uid-1' }).objects));
}

function plan(from: RedisInstanceSpec, to: RedisInstanceSpec, registry = builtInRegistry()) {
  return planInstance(defaultedInstance(to), liveFor(from), registry, { name: 'cache', uid: 'uid-1' });
}

function strategyOf(from: RedisInstanceSpec, to: RedisInstanceSpec): string {
  const step = plan(from, to).statefulSet;
  return step.kind === 'update' ? step.strategy.name : step.kind;
}

function changesOf(from: RedisInstanceSpec, to: RedisInstanceSpec): Change[] {
  const step = plan(from, to).statefulSet;
  return step.kind === 'update' ? [...step.changes] : [];
}

describe('planInstance: the seed\'s table', () => {
  it('does nothing at all when nothing changed', () => {
    const result = plan({ replicas: 3 }, { replicas: 3 });
    expect(result.statefulSet.kind).toBe('none');
    expect(result.companions.every((a) => a.kind === 'none')).toBe(true);
  });

  it.each([
    ['replicas 1 -> 3', { replicas: 1 }, { replicas: 3 }, 'spec.replicas'],
    ['image redis:6.2 -> 7.0', { image: 'redis:6.2' }, { image: 'redis:7.0' }, 'spec.image'],
    ['memory limit 256Mi -> 512Mi', { resources: { limits: { memory: '256Mi' } } }, { resources: { limits: { memory: '512Mi' } } }, 'spec.resources.limits.memory'],
  ] as const)('rolls %s in place', (_, from, to, path) => {
    expect(strategyOf(from, to)).toBe('Rolling');
    expect(changesOf(from, to).map((c) => c.path)).toEqual([path]);
  });

  it('recreates on a config change, naming the directive and both values', () => {
    expect(strategyOf({ config: { maxmemory: '1mb' } }, { config: { maxmemory: '2mb' } })).toBe('Recreate');
    expect(changesOf({ config: { maxmemory: '1mb' } }, { config: { maxmemory: '2mb' } }))
      .toEqual([{ kind: 'config', path: 'spec.config.maxmemory', from: '1mb', to: '2mb' }]);
  });

  it('rolls a config change in place under updatePolicy.config Rolling', () => {
    expect(strategyOf({ config: { hz: '10' }, updatePolicy: { config: 'Rolling' } }, { config: { hz: '20' }, updatePolicy: { config: 'Rolling' } })).toBe('Rolling');
  });

  it('recreates on a storage size or class change', () => {
    expect(strategyOf({ storage: { size: '1Gi' } }, { storage: { size: '2Gi' } })).toBe('Recreate');
    expect(strategyOf({ storage: { storageClassName: 'a' } }, { storage: { storageClassName: 'b' } })).toBe('Recreate');
  });

  it('checks the restart class first: image and config together recreate', () => {
    const changes = changesOf({ image: 'redis:6.2', config: { hz: '10' } }, { image: 'redis:7.0', config: { hz: '20' } });
    expect(changes.map((c) => c.kind).sort()).toEqual(['config', 'image']);
    expect(needsStatefulSetRestart(changes, 'Recreate')).toBe(true);
    expect(needsStatefulSetUpdate(changes, 'Recreate')).toBe(true);
    expect(strategyOf({ image: 'redis:6.2', config: { hz: '10' } }, { image: 'redis:7.0', config: { hz: '20' } })).toBe('Recreate');
  });

  it('sees 1Gi and 1024Mi as the same size', () => {
    expect(strategyOf({ storage: { size: '1Gi' } }, { storage: { size: '1024Mi' } })).toBe('none');
  });

  it('rolls when a limit is removed', () => {
    expect(changesOf({ resources: { limits: { memory: '1Gi', cpu: '1' } } }, { resources: { limits: { memory: '1Gi' } } }))
      .toEqual([{ kind: 'resources', path: 'spec.resources.limits.cpu', from: '1', to: undefined }]);
  });

  it('rolls when all resources are removed', () => {
    expect(changesOf({ resources: { limits: { memory: '1Gi' } } }, {}))
      .toEqual([{ kind: 'resources', path: 'spec.resources', from: { limits: { memory: '1Gi' } }, to: undefined }]);
  });

  it('creates the PDB when going above one replica and deletes it when going back', () => {
    expect(plan({ replicas: 1 }, { replicas: 2 }).companions.map((a) => a.kind)).toEqual(['none', 'none', 'none', 'create']);
    expect(plan({ replicas: 2 }, { replicas: 1 }).companions.map((a) => a.kind)).toEqual(['none', 'none', 'none', 'delete']);
  });

  it('updates the ConfigMap on a config change', () => {
    expect(plan({ config: { hz: '10' } }, { config: { hz: '20' } }).companions[0]!.kind).toBe('update');
  });

  it('creates the StatefulSet when there is none and waits while one is being deleted', () => {
    const live = liveFor({});
    const { statefulSet: _gone, ...rest } = live;
    expect(planInstance(defaultedInstance({}), rest, builtInRegistry()).statefulSet.kind).toBe('create');
    const deleting = { ...live, statefulSet: { ...live.statefulSet!, metadata: { ...live.statefulSet!.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } } };
    expect(planInstance(defaultedInstance({}), deleting, builtInRegistry()).statefulSet.kind).toBe('wait');
  });

  it('asks custom strategies before the built-in ones', () => {
    const canary: UpdateStrategy = {
      name: 'Canary',
      accepts: (changes) => changes.every((c) => c.kind === 'image'),
      execute: async () => ({ kind: 'applied', message: 'canary' }),
    };
    const step = plan({ image: 'redis:6.2' }, { image: 'redis:7.0' }, builtInRegistry([canary])).statefulSet;
    expect(step.kind === 'update' && step.strategy.name).toBe('Canary');
    const other = plan({ replicas: 1 }, { replicas: 2 }, builtInRegistry([canary])).statefulSet;
    expect(other.kind === 'update' && other.strategy.name).toBe('Rolling');
  });
});
