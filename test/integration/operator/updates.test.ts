import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Resources } from '../../../src/client/resources.js';
import { freshNamespace, testKubeConfig } from '../../cluster/namespace.js';
import { pollResult, waitFor } from '../../cluster/wait.js';
import { ApiError } from '../../../src/client/api-error.js';
import { installRedisInstanceCrd } from '../../support/crd.js';
import {
  createInstance, getInstance, getStatefulSet, listClaims, listEvents, listPods, patchSpec, testClient, waitForInstance, waitForReady,
} from '../../support/kube.js';
import { startOperator, type RunningOperator } from '../../support/operator.js';
import { PodTracker } from '../../support/pod-tracker.js';
import { FINALIZER } from '../../../src/api/names.js';

const HOLD = 'test.redis.github.com/hold';

describe('updates the seed did not cover', () => {
  let operator: RunningOperator;
  beforeAll(async () => {
    await installRedisInstanceCrd(testKubeConfig());
    operator = await startOperator();
  });
  afterAll(async () => {
    await operator?.stop();
  });

  it('grows storage: every claim requests the new size, keeps its UID, and the new StatefulSet carries it', async () => {
    const client = testClient();
    const { name: ns } = await freshNamespace();
    await createInstance(client, ns, 'store', { replicas: 2, storage: { size: '1Gi' } });
    await waitForReady(client, ns, 'store');
    const before = await listClaims(client, ns, 'store');
    const stsUid = (await getStatefulSet(client, ns, 'store'))!.metadata.uid;
    const pods = await PodTracker.start(client, ns, 'store');
    try {
      await patchSpec(client, ns, 'store', { storage: { size: '2Gi' } });
      const done = await waitForInstance(client, ns, 'store', 'storage grown', (i) =>
        i.status?.lastUpdate?.strategy === 'Recreate' && i.status.observedGeneration === i.metadata.generation);
      expect(done.status?.lastUpdate?.changes).toEqual([{ path: 'spec.storage.size', from: '1Gi', to: '2Gi' }]);
      const after = await listClaims(client, ns, 'store');
      expect(after.map((c) => c.metadata.uid).sort()).toEqual(before.map((c) => c.metadata.uid).sort());
      expect(after.map((c) => c.spec.resources.requests.storage)).toEqual(['2Gi', '2Gi']);
      const sts = (await getStatefulSet(client, ns, 'store'))!;
      expect(sts.metadata.uid).not.toBe(stsUid);
      expect(sts.spec.volumeClaimTemplates[0]!.spec.resources.requests.storage).toBe('2Gi');
      await waitForReady(client, ns, 'store');
      expect(pods.minimumServing).toBeGreaterThanOrEqual(1);
    } finally {
      await pods.stop();
    }
  });

  it('refuses a storage shrink at admission and changes nothing', async () => {
    const client = testClient();
    const { name: ns } = await freshNamespace();
    await createInstance(client, ns, 'store', { storage: { size: '2Gi' } });
    await waitForReady(client, ns, 'store');
    const rejection = await patchSpec(client, ns, 'store', { storage: { size: '1Gi' } }).then(() => undefined, (e: unknown) => e);
    expect(rejection).toBeInstanceOf(ApiError);
    expect((rejection as ApiError).status).toBe(422);
    expect((rejection as ApiError).message).toMatch(/spec\.storage\.size: .*never shrink/);
    expect((await listClaims(client, ns, 'store')).map((c) => c.spec.resources.requests.storage)).toEqual(['2Gi']);
  });

  it('refuses to grow claims whose StorageClass cannot expand: Degraded, nothing changed, not even the ConfigMap', async () => {
    const client = testClient();
    const { name: ns } = await freshNamespace();
    const className = `fixed-${ns}`;
    await client.create(Resources.storageClass, {
      apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: className },
      provisioner: 'kubernetes.io/host-path', allowVolumeExpansion: false,
    } as never);
    try {
      await createInstance(client, ns, 'store', { storage: { size: '1Gi', storageClassName: className }, config: { maxmemory: '100mb' } });
      await waitForReady(client, ns, 'store');
      const stsUid = (await getStatefulSet(client, ns, 'store'))!.metadata.uid;
      const configMap = (await client.get(Resources.configMap, 'store-config', ns))!;
      // With a config change in the same edit: a pod that restarts must not find a redis.conf
      // that belongs to a change that was refused.
      await patchSpec(client, ns, 'store', { storage: { size: '2Gi' }, config: { maxmemory: '200mb' } });
      const degraded = await waitForInstance(client, ns, 'store', 'Degraded', (i) => i.status?.phase === 'Degraded');
      expect(degraded.status?.conditions?.find((c) => c.type === 'Degraded')).toMatchObject({ status: 'True', reason: 'VolumeExpansionNotAllowed' });
      expect((await getStatefulSet(client, ns, 'store'))!.metadata.uid).toBe(stsUid);
      expect((await client.get(Resources.configMap, 'store-config', ns))?.metadata.resourceVersion).toBe(configMap.metadata.resourceVersion);
      expect((await listClaims(client, ns, 'store')).map((c) => c.spec.resources.requests.storage)).toEqual(['1Gi']);
      expect((await listEvents(client, ns, 'store')).some((e) => e.type === 'Warning' && e.reason === 'VolumeExpansionNotAllowed')).toBe(true);
    } finally {
      await client.delete(Resources.storageClass, className, undefined);
    }
  });

  it('rolls a config change in place under updatePolicy.config: Rolling', async () => {
    const client = testClient();
    const { name: ns } = await freshNamespace();
    await createInstance(client, ns, 'cache', { replicas: 2, config: { hz: '10' }, updatePolicy: { config: 'Rolling' } });
    await waitForReady(client, ns, 'cache');
    const sts = (await getStatefulSet(client, ns, 'cache'))!;
    const podUids = (await listPods(client, ns, 'cache')).map((p) => p.metadata.uid);
    await patchSpec(client, ns, 'cache', { config: { hz: '20' } });
    const done = await waitForInstance(client, ns, 'cache', 'config rolled', (i) =>
      i.status?.phase === 'Ready' && i.status.observedGeneration === i.metadata.generation && i.status.lastUpdate !== undefined);
    expect(done.status?.lastUpdate).toMatchObject({ strategy: 'Rolling', changes: [{ path: 'spec.config.hz', from: '10', to: '20' }] });
    const after = (await getStatefulSet(client, ns, 'cache'))!;
    expect(after.metadata.uid).toBe(sts.metadata.uid);
    expect(after.spec.template.metadata.annotations?.['redis.github.com/config-hash'])
      .not.toBe(sts.spec.template.metadata.annotations?.['redis.github.com/config-hash']);
    await waitFor(async () => {
      const now = (await listPods(client, ns, 'cache')).map((p) => p.metadata.uid);
      return pollResult(now.length === 2 && now.every((uid) => !podUids.includes(uid)) ? now : undefined, JSON.stringify(now));
    }, { description: 'both pods to be replaced', timeoutMs: 60_000 });
  });

  it('with reclaimPolicy Retain holds no finalizer: the instance goes at once, its owned objects follow, its claims stay', async () => {
    const client = testClient();
    const { name: ns } = await freshNamespace();
    await createInstance(client, ns, 'kept', { replicas: 2 });
    await waitForReady(client, ns, 'kept');
    expect((await getInstance(client, ns, 'kept'))!.metadata.finalizers ?? []).not.toContain(FINALIZER);
    // One left by an earlier version, or by a spec that said Delete before: removed.
    await client.patch(Resources.redisInstance, ns, 'kept', { metadata: { finalizers: [FINALIZER] } }, 'merge');
    await waitForInstance(client, ns, 'kept', 'its finalizer removed', (i) => !(i.metadata.finalizers ?? []).includes(FINALIZER));

    const claims = (await listClaims(client, ns, 'kept')).map((c) => c.metadata.uid).sort();
    await client.delete(Resources.redisInstance, 'kept', ns);
    expect(await getInstance(client, ns, 'kept')).toBeUndefined();
    // The garbage collector starts watching a new CRD's kind only at its next discovery (30 s).
    await waitFor(async () => pollResult((await getStatefulSet(client, ns, 'kept')) === undefined || undefined), {
      description: 'the StatefulSet to be garbage-collected', timeoutMs: 90_000,
    });
    expect((await listClaims(client, ns, 'kept')).map((c) => c.metadata.uid).sort()).toEqual(claims);
  });

  it('with reclaimPolicy Delete owns every claim before it lets the instance go, so all are deleted, those of removed ordinals too', async () => {
    const client = testClient();
    const { name: ns } = await freshNamespace();
    await createInstance(client, ns, 'gone', { replicas: 2 });
    await waitForReady(client, ns, 'gone');
    // Scaling down keeps the claim of ordinal 1, with no pod left to tie it to the StatefulSet.
    await patchSpec(client, ns, 'gone', { replicas: 1 });
    await waitForInstance(client, ns, 'gone', 'scaled down', (i) => i.status?.phase === 'Ready' && i.status.replicas === 1);
    const patched = await patchSpec(client, ns, 'gone', { storage: { reclaimPolicy: 'Delete' } });
    const holding = await waitForInstance(client, ns, 'gone', 'the finalizer added', (i) =>
      (i.metadata.finalizers ?? []).includes(FINALIZER) && i.status?.observedGeneration === patched.metadata.generation);
    expect((await listClaims(client, ns, 'gone')).map((c) => c.metadata.name).sort()).toEqual(['data-gone-0', 'data-gone-1']);

    // A second finalizer keeps the instance after ours is released, to look at that moment.
    await client.patch(Resources.redisInstance, ns, 'gone', { metadata: { finalizers: [...holding.metadata.finalizers!, HOLD] } }, 'merge');
    await client.delete(Resources.redisInstance, 'gone', ns);
    await waitForInstance(client, ns, 'gone', 'its finalizer released', (i) => !(i.metadata.finalizers ?? []).includes(FINALIZER), 30_000);
    const claims = await listClaims(client, ns, 'gone');
    expect(claims).toHaveLength(2);
    for (const claim of claims) {
      expect(claim.metadata.ownerReferences?.map((r) => r.uid), claim.metadata.name).toContain(holding.metadata.uid);
    }
    const deleting = (await listEvents(client, ns, 'gone')).find((e) => e.reason === 'Deleting');
    expect(deleting?.message).toMatch(/2 PersistentVolumeClaim\(s\) data-gone-0, data-gone-1/);

    await client.patch(Resources.redisInstance, ns, 'gone', { metadata: { finalizers: null } }, 'merge');
    await waitFor(async () => {
      const left = (await listClaims(client, ns, 'gone')).map((c) => c.metadata.name);
      return pollResult(left.length === 0 || undefined, left.join(', '));
    }, { description: 'every claim to be garbage-collected', timeoutMs: 90_000 });
  });
});
