import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { RedisInstanceSpec, StorageStatus } from '../../../src/api/redis-instance.js';
import { Resources } from '../../../src/client/resources.js';
import { freshNamespace, testKubeConfig } from '../../cluster/namespace.js';
import { runCli } from '../../support/cli.js';
import { installRedisInstanceCrd } from '../../support/crd.js';
import { createInstance, patchSpec, testClient } from '../../support/kube.js';

interface Transition {
  readonly what: string;
  readonly from: RedisInstanceSpec;
  /** status.storage as the operator would have recorded it; none: not recorded yet. */
  readonly recorded?: StorageStatus;
  readonly to: RedisInstanceSpec;
  readonly admitted: boolean;
}

const TRANSITIONS: readonly Transition[] = [
  { what: 'a shrink before the claims are recorded', from: { storage: { size: '2Gi' } }, to: { storage: { size: '1Gi' } }, admitted: false },
  { what: 'the same size in another unit', from: { storage: { size: '2Gi' } }, to: { storage: { size: '2048Mi' } }, admitted: true },
  { what: 'a growth', from: { storage: { size: '1Gi' } }, to: { storage: { size: '3Gi' } }, admitted: true },
  { what: 'a growth never carried out, set back', from: { storage: { size: '4Gi' } }, recorded: { claims: 2, size: '1Gi' }, to: { storage: { size: '1Gi' } }, admitted: true },
  { what: 'a size below what the claims request', from: { storage: { size: '4Gi' } }, recorded: { claims: 2, size: '1Gi' }, to: { storage: { size: '1000Mi' } }, admitted: false },
  { what: 'any size while there are no claims', from: { storage: { size: '4Gi' } }, recorded: { claims: 0 }, to: { storage: { size: '1Mi' } }, admitted: true },
  { what: 'another field while the size stays below the claims', from: { storage: { size: '1Gi' } }, recorded: { claims: 1, size: '2Gi' }, to: { storage: { size: '1Gi' }, replicas: 2 }, admitted: true },
  { what: 'a default size below recorded claims', from: { storage: { size: '2Gi' } }, recorded: { claims: 1, size: '2Gi' }, to: {}, admitted: false },
];

function document(name: string, namespace: string, spec: RedisInstanceSpec, storage?: StorageStatus): string {
  return stringify({ apiVersion: 'redis.github.com/v1', kind: 'RedisInstance', metadata: { name, namespace }, spec, ...(storage ? { status: { storage } } : {}) });
}

/**
 * The CRD's transition rule on spec.storage.size and plan's copy of it (validateUpdate), through
 * both doors: an update the real API server refuses is one plan refuses with the same sentence.
 */
describe('plan and the API server agree on updates', () => {
  beforeAll(async () => {
    await installRedisInstanceCrd(testKubeConfig());
  });

  it.each(TRANSITIONS.map((t) => [t.what, t] as const))('%s', async (_, transition) => {
    const client = testClient();
    const { name: ns } = await freshNamespace();
    await createInstance(client, ns, 'cache', transition.from);
    if (transition.recorded) {
      await client.patch(Resources.redisInstance, ns, 'cache', { status: { storage: transition.recorded } }, 'merge', { subresource: 'status' });
    }
    // What the API server would receive from `kubectl apply` of the new version: the whole spec.
    const server = await patchSpec(client, ns, 'cache', { storage: null, replicas: null, ...transition.to })
      .then(() => undefined, (error: unknown) => (error as Error).message);
    const plan = await runCli(['plan', '--from', 'old.yaml', '--to', 'new.yaml'], {
      'old.yaml': document('cache', ns, transition.from, transition.recorded),
      'new.yaml': document('cache', ns, transition.to),
    });
    const sideBySide = `plan:       ${plan.stderr.trim()}\nAPI server: ${server ?? 'admitted'}`;
    expect(server === undefined, sideBySide).toBe(transition.admitted);
    expect(plan.code, sideBySide).toBe(transition.admitted ? 0 : 2);
    if (!transition.admitted) {
      const sentence = /spec\.storage\.size: (.*)$/m.exec(plan.stderr)?.[1];
      expect(sentence, sideBySide).toBeDefined();
      expect(server, sideBySide).toContain('spec.storage.size: Invalid value');
      expect(server, sideBySide).toContain(sentence);
    }
  });
});
