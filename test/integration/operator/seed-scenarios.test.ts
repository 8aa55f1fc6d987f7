import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshNamespace, testKubeConfig } from '../../cluster/namespace.js';
import { pollResult, waitFor } from '../../cluster/wait.js';
import { installRedisInstanceCrd } from '../../support/crd.js';
import {
  createInstance, getStatefulSet, listClaims, listEvents, listPods, patchSpec, testClient, waitForInstance, waitForReady,
} from '../../support/kube.js';
import { startOperator, type RunningOperator } from '../../support/operator.js';
import { PodTracker } from '../../support/pod-tracker.js';

// The seed's acceptance scenarios (test-rolling-update.sh), run one after the other on one
// instance as the seed's script does, with the operator running in-process against the real
// control plane. Rolling changes keep the StatefulSet's UID; a config change gives it a new UID;
// Redis keeps serving throughout and no PersistentVolumeClaim is ever deleted.
describe('the seed\'s scenarios', () => {
  let operator: RunningOperator;
  beforeAll(async () => {
    await installRedisInstanceCrd(testKubeConfig());
    operator = await startOperator();
  });
  afterAll(async () => {
    await operator?.stop();
  });

  it('rolls replicas, image and memory in place and recreates on a config change, without downtime or data loss', async () => {
    const client = testClient();
    const { name: ns } = await freshNamespace();
    await createInstance(client, ns, 'cache', {
      replicas: 1, image: 'redis:6.2', resources: { limits: { memory: '256Mi' } }, config: { maxmemory: '100mb' },
    });
    await waitForReady(client, ns, 'cache');
    const original = (await getStatefulSet(client, ns, 'cache'))!;
    const uid = original.metadata.uid;

    // replicas 1 -> 3
    await patchSpec(client, ns, 'cache', { replicas: 3 });
    let ready = await waitForReady(client, ns, 'cache');
    let sts = (await getStatefulSet(client, ns, 'cache'))!;
    expect(sts.metadata.uid).toBe(uid);
    expect(sts.spec.replicas).toBe(3);
    expect(ready.status?.lastUpdate).toMatchObject({ strategy: 'Rolling', changes: [{ path: 'spec.replicas', from: '1', to: '3' }] });
    const claims = await listClaims(client, ns, 'cache');
    expect(claims).toHaveLength(3);
    const claimUids = claims.map((c) => c.metadata.uid).sort();

    const pods = await PodTracker.start(client, ns, 'cache');
    try {
      // image redis:6.2 -> redis:7.0
      pods.reset();
      await patchSpec(client, ns, 'cache', { image: 'redis:7.0' });
      ready = await waitForInstance(client, ns, 'cache', 'image rolled out', (i) =>
        i.status?.phase === 'Ready' && i.status.observedGeneration === i.metadata.generation && i.status.lastUpdate?.changes[0]?.path === 'spec.image');
      sts = (await getStatefulSet(client, ns, 'cache'))!;
      expect(sts.metadata.uid).toBe(uid);
      expect(sts.spec.template.spec.containers[0]!.image).toBe('redis:7.0');
      expect(ready.status?.lastUpdate?.strategy).toBe('Rolling');
      expect(pods.minimumServing).toBeGreaterThanOrEqual(2);

      // memory limit 256Mi -> 512Mi
      pods.reset();
      await patchSpec(client, ns, 'cache', { resources: { limits: { memory: '512Mi' } } });
      await waitForInstance(client, ns, 'cache', 'memory limit rolled out', (i) =>
        i.status?.phase === 'Ready' && i.status.observedGeneration === i.metadata.generation && i.status.lastUpdate?.changes[0]?.path === 'spec.resources.limits.memory');
      sts = (await getStatefulSet(client, ns, 'cache'))!;
      expect(sts.metadata.uid).toBe(uid);
      expect(sts.spec.template.spec.containers[0]!.resources?.limits?.memory).toBe('512Mi');
      expect(pods.minimumServing).toBeGreaterThanOrEqual(2);

      // a redis config change: a new StatefulSet, the same pods adopted, then rolled
      pods.reset();
      const podsBefore = (await listPods(client, ns, 'cache')).length;
      await patchSpec(client, ns, 'cache', { config: { maxmemory: '200mb' } });
      ready = await waitForInstance(client, ns, 'cache', 'config change carried out', (i) =>
        i.status?.phase === 'Ready' && i.status.observedGeneration === i.metadata.generation && i.status.lastUpdate?.strategy === 'Recreate');
      sts = (await getStatefulSet(client, ns, 'cache'))!;
      expect(sts.metadata.uid).not.toBe(uid);
      expect(ready.status?.lastUpdate?.changes).toEqual([{ path: 'spec.config.maxmemory', from: '100mb', to: '200mb' }]);
      expect(podsBefore).toBe(3);
      expect(pods.minimumServing).toBeGreaterThanOrEqual(2);
      // OnDelete: the operator replaces each adopted pod; the StatefulSet counts those at its revision.
      await waitFor(async () => {
        const current = await getStatefulSet(client, ns, 'cache');
        const podsNow = await listPods(client, ns, 'cache');
        const rolled = current?.status?.updatedReplicas === 3 && current.status.readyReplicas === 3
          && podsNow.length === 3 && podsNow.every((p) => p.metadata.labels?.['controller-revision-hash'] === current.status?.updateRevision);
        return pollResult(rolled ? current : undefined, JSON.stringify(current?.status));
      }, { description: 'the operator to replace every adopted pod with the new StatefulSet\'s revision', timeoutMs: 60_000 });
    } finally {
      await pods.stop();
    }

    expect((await listClaims(client, ns, 'cache')).map((c) => c.metadata.uid).sort()).toEqual(claimUids);
    const reasons = (await listEvents(client, ns, 'cache')).map((e) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(['Created', 'RollingUpdate', 'Recreate']));
    expect(operator.logs()).toEqual(expect.arrayContaining([
      expect.stringContaining('StatefulSet spec needs update, performing rolling update'),
      expect.stringContaining('StatefulSet restart required'),
      expect.stringContaining('Image change detected'),
      expect.stringContaining('Redis config change detected'),
    ]));
  });
});
