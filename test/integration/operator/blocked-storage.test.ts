import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { ApiError } from '../../../src/client/api-error.js';
import { Resources } from '../../../src/client/resources.js';
import type { KubeClient } from '../../../src/client/kube-client.js';
import { freshNamespace, testKubeConfig } from '../../cluster/namespace.js';
import { installRedisInstanceCrd } from '../../support/crd.js';
import type { KubeObject } from '../../../src/client/objects.js';
import { pollResult, waitFor } from '../../cluster/wait.js';
import {
  createInstance, getStatefulSet, listClaims, listEvents, patchSpec, testClient, waitForInstance, waitForReady, type StoredInstance,
} from '../../support/kube.js';
import { startOperator, type RunningOperator } from '../../support/operator.js';

/** A StorageClass of the test's own that does not allow expansion, removed when the test ends. */
async function fixedStorageClass(client: KubeClient, ns: string): Promise<string> {
  const name = `fixed-${ns}`;
  await client.create(Resources.storageClass, {
    apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name },
    provisioner: 'kubernetes.io/host-path', allowVolumeExpansion: false,
  } as never);
  onTestFinished(async () => {
    await client.delete(Resources.storageClass, name, undefined);
  });
  return name;
}

const degradedReason = (i: StoredInstance) => i.status?.conditions?.find((c) => c.type === 'Degraded' && c.status === 'True')?.reason;
const caughtUp = (i: StoredInstance) => i.status?.observedGeneration === i.metadata.generation;

/**
 * A storage growth the StorageClass refuses is held back, never carried out: the claims keep
 * their size, the user can set it back, the other changes of the same spec are carried out, and
 * a StorageClass that starts allowing expansion is noticed at once.
 */
describe('a storage growth that cannot be carried out', () => {
  let operator: RunningOperator;
  beforeAll(async () => {
    await installRedisInstanceCrd(testKubeConfig());
    // A resync this far off cannot be what notices a change during a test.
    operator = await startOperator({ resyncPeriodMs: 3_600_000 });
  });
  afterAll(async () => {
    await operator?.stop();
  });

  async function blockedGrowth(extra: Record<string, unknown> = {}) {
    const client = testClient();
    const { name: ns } = await freshNamespace();
    const className = await fixedStorageClass(client, ns);
    await createInstance(client, ns, 'store', { replicas: 2, image: 'redis:7.0', storage: { size: '1Gi', storageClassName: className } });
    await waitForReady(client, ns, 'store');
    const before = (await getStatefulSet(client, ns, 'store'))!;
    await patchSpec(client, ns, 'store', { storage: { size: '2Gi' }, ...extra });
    const degraded = await waitForInstance(client, ns, 'store', 'Degraded for the refused growth', (i) =>
      caughtUp(i) && degradedReason(i) === 'VolumeExpansionNotAllowed');
    return { client, ns, className, before, degraded };
  }

  it('records the size the claims have, and admits setting spec.storage.size back to it', async () => {
    const { client, ns, degraded } = await blockedGrowth();
    expect(degraded.status?.storage).toEqual({ claims: 2, size: '1Gi' });
    expect((await listClaims(client, ns, 'store')).map((c) => c.spec.resources.requests.storage)).toEqual(['1Gi', '1Gi']);

    await patchSpec(client, ns, 'store', { storage: { size: '1Gi' } });
    const undone = await waitForReady(client, ns, 'store');
    expect(degradedReason(undone)).toBeUndefined();
  });

  it('still refuses a size below what the claims have, naming that size', async () => {
    const { client, ns } = await blockedGrowth();
    const rejection = await patchSpec(client, ns, 'store', { storage: { size: '512Mi' } }).then(() => undefined, (e: unknown) => e);
    expect(rejection).toBeInstanceOf(ApiError);
    expect((rejection as ApiError).status).toBe(422);
    expect((rejection as ApiError).message).toMatch(/spec\.storage\.size: .*may not be smaller than 1Gi.*never shrink/);
  });

  it('carries out the other changes while the growth waits: an image change rolls in place', async () => {
    const { client, ns, before } = await blockedGrowth({ image: 'redis:7.2' });
    const sts = await waitForInstance(client, ns, 'store', 'the image rolled', (i) => caughtUp(i) && i.status?.lastUpdate?.strategy === 'Rolling')
      .then(() => getStatefulSet(client, ns, 'store'));
    expect(sts!.metadata.uid).toBe(before.metadata.uid);
    expect(sts!.spec.template.spec.containers[0]!.image).toBe('redis:7.2');
    expect(sts!.spec.volumeClaimTemplates[0]!.spec.resources.requests.storage).toBe('1Gi');
    const rolled = await waitForInstance(client, ns, 'store', 'the rollout finished', (i) => caughtUp(i) && i.status?.readyReplicas === 2
      && i.status.conditions?.find((c) => c.type === 'Progressing')?.status === 'False');
    expect(degradedReason(rolled)).toBe('VolumeExpansionNotAllowed');
    expect(rolled.status?.lastUpdate?.changes).toEqual([{ path: 'spec.image', from: 'redis:7.0', to: 'redis:7.2' }]);
  });

  it('carries out a config change of the same edit by Recreate, with the claim template kept at the claims\' size', async () => {
    const { client, ns, before } = await blockedGrowth({ config: { maxmemory: '200mb' } });
    const recreated = await waitForInstance(client, ns, 'store', 'the config change carried out', (i) =>
      caughtUp(i) && i.status?.lastUpdate?.strategy === 'Recreate' && i.status.phase === 'Degraded' && i.status.readyReplicas === 2);
    expect(recreated.status?.lastUpdate?.changes).toEqual([{ path: 'spec.config.maxmemory', from: '<none>', to: '200mb' }]);
    expect(degradedReason(recreated)).toBe('VolumeExpansionNotAllowed');
    const sts = (await waitFor(async () => pollResult(await getStatefulSet(client, ns, 'store')), { description: 'the new StatefulSet' }))!;
    expect(sts.metadata.uid).not.toBe(before.metadata.uid);
    expect(sts.spec.volumeClaimTemplates[0]!.spec.resources.requests.storage).toBe('1Gi');
    expect((await client.get<KubeObject & { data: Record<string, string> }>(Resources.configMap, 'store-config', ns))!.data['redis.conf']).toMatch(/^maxmemory 200mb$/m);
    expect((await listClaims(client, ns, 'store')).map((c) => c.spec.resources.requests.storage)).toEqual(['1Gi', '1Gi']);
    expect((await listEvents(client, ns, 'store')).filter((e) => e.type === 'Warning' && e.reason === 'VolumeExpansionNotAllowed')).toHaveLength(1);
  });

  it('grows the claims as soon as the StorageClass allows expansion, without waiting for a resync', async () => {
    const { client, ns, className, before } = await blockedGrowth();
    await client.patch(Resources.storageClass, undefined, className, { allowVolumeExpansion: true }, 'merge');
    const grown = await waitForInstance(client, ns, 'store', 'the growth carried out', (i) =>
      caughtUp(i) && i.status?.lastUpdate?.strategy === 'Recreate' && degradedReason(i) === undefined, 60_000);
    expect(grown.status?.lastUpdate?.changes).toEqual([{ path: 'spec.storage.size', from: '1Gi', to: '2Gi' }]);
    expect((await listClaims(client, ns, 'store')).map((c) => c.spec.resources.requests.storage)).toEqual(['2Gi', '2Gi']);
    const after = await waitForReady(client, ns, 'store');
    expect(after.status?.storage).toEqual({ claims: 2, size: '2Gi' });
    expect((await getStatefulSet(client, ns, 'store'))!.metadata.uid).not.toBe(before.metadata.uid);
    // Storage alone lives in the claims: no pod rolls, and the Event does not say one does.
    const recreate = (await listEvents(client, ns, 'store')).find((e) => e.reason === 'Recreate');
    expect(recreate?.message).toMatch(/the new StatefulSet adopts them: spec\.storage\.size 1Gi -> 2Gi\. expanded 2 PersistentVolumeClaim/);
    const expanded = operator.logs().map((line) => JSON.parse(line) as { message: string; namespace?: string; claim?: string })
      .filter((line) => line.message === 'Expanded PersistentVolumeClaim' && line.namespace === ns).map((line) => line.claim);
    expect(expanded.sort()).toEqual(['data-store-0', 'data-store-1']);
  });
});
