/**
 * The change classes the availability benchmark puts a running instance through, each written
 * against the instance's current spec so that any subset runs in any order.
 */
import type { RedisInstanceSpec } from '../src/api/redis-instance.js';
import { IMAGES } from '../test/cluster/real-node/node-config.js';

export const CHANGE_CLASSES = [
  'image', 'resources', 'config-recreate', 'config-rolling', 'config-live', 'storage', 'replicas-up', 'replicas-down', 'delete-primary',
] as const;
export type ChangeClassName = (typeof CHANGE_CLASSES)[number];

export type SpecPatch = Record<string, unknown>;

export interface ChangeClass {
  readonly name: ChangeClassName;
  /** As the table prints it. */
  readonly title: string;
  /**
   * Puts the instance where the change starts from (a policy, a replica count). Applied and
   * left to settle before the writer starts: it is not part of what is measured. Undefined
   * when the instance is there already.
   */
  prepare(spec: RedisInstanceSpec): SpecPatch | undefined;
  /** The measured change: a merge patch of the spec, or deleting the pod behind the client Service. */
  change(spec: RedisInstanceSpec): { readonly kind: 'patch'; readonly patch: SpecPatch } | { readonly kind: 'delete-primary' };
  /** Needs `updatePolicy.config: Live`, which an operator's CRD may not have. */
  readonly needsLivePolicy?: boolean;
}

/** The spec every run starts from: 3 replicas, a password, appendonly, 1Gi volumes. */
export function initialSpec(secretName: string): RedisInstanceSpec {
  return {
    replicas: 3,
    image: IMAGES.redis,
    config: { appendonly: 'yes' },
    resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } },
    storage: { size: '1Gi' },
    auth: { secretName },
  };
}

/** A maxmemory other than the current one, so that every config class changes something. */
function nextMaxmemory(spec: RedisInstanceSpec): string {
  const current = /^(\d+)mb$/.exec(spec.config?.maxmemory ?? '')?.[1];
  return `${current === undefined ? 200 : Number(current) + 10}mb`;
}

function policy(spec: RedisInstanceSpec): string {
  return spec.updatePolicy?.config ?? 'Recreate';
}

function configChange(name: ChangeClassName, title: string, wanted: string, needsLivePolicy = false): ChangeClass {
  return {
    name,
    title,
    needsLivePolicy,
    // Switching the policy is a change of its own (an operator may roll for it): done first.
    prepare: (spec) => (policy(spec) === wanted ? undefined : { updatePolicy: { config: wanted } }),
    change: (spec) => ({ kind: 'patch', patch: { config: { maxmemory: nextMaxmemory(spec) } } }),
  };
}

function replicasChange(name: ChangeClassName, title: string, from: number, to: number): ChangeClass {
  return {
    name,
    title,
    prepare: (spec) => (spec.replicas === from ? undefined : { replicas: from }),
    change: () => ({ kind: 'patch', patch: { replicas: to } }),
  };
}

export const CHANGES: Readonly<Record<ChangeClassName, ChangeClass>> = {
  image: {
    name: 'image',
    title: 'image',
    prepare: () => undefined,
    change: (spec) => ({ kind: 'patch', patch: { image: spec.image === IMAGES.redis ? IMAGES.redisAlternate : IMAGES.redis } }),
  },
  resources: {
    name: 'resources',
    title: 'resources',
    prepare: () => undefined,
    change: (spec) => ({
      kind: 'patch',
      patch: { resources: { limits: { memory: spec.resources?.limits?.memory === '320Mi' ? '256Mi' : '320Mi' } } },
    }),
  },
  'config-recreate': configChange('config-recreate', 'config (Recreate)', 'Recreate'),
  'config-rolling': configChange('config-rolling', 'config (Rolling)', 'Rolling'),
  'config-live': configChange('config-live', 'config (Live)', 'Live', true),
  storage: {
    name: 'storage',
    title: 'storage size',
    prepare: () => undefined,
    change: (spec) => {
      const size = /^(\d+)Gi$/.exec(spec.storage?.size ?? '1Gi')?.[1];
      if (size === undefined) throw new Error(`cannot grow storage.size ${spec.storage?.size}: expected NGi`);
      return { kind: 'patch', patch: { storage: { size: `${Number(size) + 1}Gi` } } };
    },
  },
  'replicas-up': replicasChange('replicas-up', 'replicas 3 -> 5', 3, 5),
  'replicas-down': replicasChange('replicas-down', 'replicas 5 -> 3', 5, 3),
  'delete-primary': {
    name: 'delete-primary',
    title: "delete the primary's pod",
    prepare: (spec) => (spec.replicas === 3 ? undefined : { replicas: 3 }),
    change: () => ({ kind: 'delete-primary' }),
  },
};

/** `a,b,c` as class names, in the order given; every unknown name is reported at once. */
export function parseClasses(list: string | undefined): ChangeClassName[] {
  if (list === undefined || list.trim() === '') return [...CHANGE_CLASSES];
  const names = list.split(',').map((name) => name.trim()).filter(Boolean);
  const unknown = names.filter((name) => !(CHANGE_CLASSES as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`--classes: unknown ${unknown.map((n) => `"${n}"`).join(', ')}; known: ${CHANGE_CLASSES.join(', ')}`);
  return names as ChangeClassName[];
}
