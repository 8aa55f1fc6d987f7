import { AppsV1Api, CoreV1Api, Watch, type V1Pod, type V1StatefulSet } from '@kubernetes/client-node';
import { describe, expect, it, onTestFinished } from 'vitest';
import { DEFAULT_STORAGE_CLASS } from '../../cluster/cluster.js';
import { freshNamespace, type TestNamespace } from '../../cluster/namespace.js';
import { waitFor } from '../../cluster/wait.js';

const NAME = 'cache';

function statefulSet(image: string): V1StatefulSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: NAME },
    spec: {
      serviceName: NAME,
      replicas: 2,
      selector: { matchLabels: { app: NAME } },
      template: {
        metadata: { labels: { app: NAME } },
        spec: {
          containers: [
            {
              name: 'redis',
              image,
              ports: [{ name: 'redis', containerPort: 6379 }],
              volumeMounts: [{ name: 'data', mountPath: '/data' }],
            },
          ],
        },
      },
      // No storageClassName: the DefaultStorageClass admission plugin fills in `standard`.
      volumeClaimTemplates: [
        {
          metadata: { name: 'data' },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
        },
      ],
    },
  };
}

interface Clients {
  readonly apps: AppsV1Api;
  readonly core: CoreV1Api;
}

function clients(namespace: TestNamespace): Clients {
  return { apps: namespace.kubeConfig.makeApiClient(AppsV1Api), core: namespace.kubeConfig.makeApiClient(CoreV1Api) };
}

/** Waits until the StatefulSet has 2 ready replicas, all at its update revision. */
async function waitForRolledOut({ apps }: Clients, namespace: string): Promise<V1StatefulSet> {
  return waitFor(
    async () => {
      const current = await apps.readNamespacedStatefulSet({ name: NAME, namespace });
      const status = current.status;
      const done =
        status !== undefined &&
        status.observedGeneration === current.metadata?.generation &&
        status.readyReplicas === 2 &&
        status.updatedReplicas === 2 &&
        status.currentRevision !== undefined &&
        status.currentRevision === status.updateRevision;
      return done
        ? { done: true, value: current }
        : { done: false, observation: JSON.stringify({ ...status, conditions: undefined }) };
    },
    { description: `StatefulSet ${namespace}/${NAME} to have 2 ready replicas at its update revision`, timeoutMs: 90_000 },
  );
}

async function podsByName({ core }: Clients, namespace: string): Promise<Map<string, V1Pod>> {
  const pods = await core.listNamespacedPod({ namespace, labelSelector: `app=${NAME}` });
  return new Map(pods.items.map((pod) => [pod.metadata!.name!, pod]));
}

/** One pod watch event, reduced to what the rollout order depends on. */
interface PodEvent {
  readonly type: string;
  readonly name: string;
  /** The pod existed before the template change. */
  readonly old: boolean;
  readonly deleting: boolean;
  readonly ready: boolean;
}

function isReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True') ?? false;
}

describe('StatefulSets on the local control plane', () => {
  it('provisions and binds a claim per replica, and both pods become Ready', async () => {
    const namespace = await freshNamespace();
    const api = clients(namespace);
    await api.apps.createNamespacedStatefulSet({ namespace: namespace.name, body: statefulSet('redis:7.2') });

    const claims = await waitFor(
      async () => {
        const list = await api.core.listNamespacedPersistentVolumeClaim({ namespace: namespace.name });
        const bound = list.items.filter((claim) => claim.status?.phase === 'Bound');
        return bound.length === 2
          ? { done: true, value: bound }
          : { done: false, observation: list.items.map((claim) => `${claim.metadata?.name}=${claim.status?.phase}`).join(', ') };
      },
      { description: '2 bound PersistentVolumeClaims', timeoutMs: 90_000 },
    );
    expect(claims.map((claim) => claim.metadata?.name).sort()).toEqual([`data-${NAME}-0`, `data-${NAME}-1`]);
    for (const claim of claims) {
      expect(claim.spec?.storageClassName).toBe(DEFAULT_STORAGE_CLASS);
      const volume = await api.core.readPersistentVolume({ name: claim.spec!.volumeName! });
      expect(volume.spec?.claimRef?.uid).toBe(claim.metadata?.uid);
      expect(volume.spec?.hostPath?.path).toMatch(/^\/tmp\/hostpath_pv\//);
    }

    await waitForRolledOut(api, namespace.name);
    const pods = await podsByName(api, namespace.name);
    expect([...pods.keys()].sort()).toEqual([`${NAME}-0`, `${NAME}-1`]);
    for (const pod of pods.values()) {
      expect(pod.spec?.nodeName).toBeTruthy();
      expect(pod.status?.phase).toBe('Running');
      expect(isReady(pod)).toBe(true);
    }
  });

  it('rolls a template change from the highest ordinal down until currentRevision reaches updateRevision', async () => {
    const namespace = await freshNamespace();
    const api = clients(namespace);
    await api.apps.createNamespacedStatefulSet({ namespace: namespace.name, body: statefulSet('redis:7.2') });
    const before = await waitForRolledOut(api, namespace.name);

    // Watch from the current resourceVersion so only what the rollout does is recorded.
    const list = await api.core.listNamespacedPod({ namespace: namespace.name, labelSelector: `app=${NAME}` });
    const oldUids = new Set(list.items.map((pod) => pod.metadata!.uid!));
    const events: PodEvent[] = [];
    const watch = await new Watch(namespace.kubeConfig).watch(
      `/api/v1/namespaces/${namespace.name}/pods`,
      { labelSelector: `app=${NAME}`, resourceVersion: list.metadata!.resourceVersion! },
      (type: string, pod: V1Pod) => {
        events.push({
          type,
          name: pod.metadata!.name!,
          old: oldUids.has(pod.metadata!.uid!),
          deleting: pod.metadata?.deletionTimestamp !== undefined,
          ready: isReady(pod),
        });
      },
      () => undefined,
    );
    onTestFinished(() => watch.abort());

    const changed = structuredClone(before);
    changed.spec!.template.spec!.containers[0]!.image = 'redis:7.4';
    await api.apps.replaceNamespacedStatefulSet({ name: NAME, namespace: namespace.name, body: changed });

    const after = await waitForRolledOut(api, namespace.name);
    expect(after.status?.updateRevision).not.toBe(before.status?.updateRevision);
    const firstIndex = (description: string, matches: (event: PodEvent) => boolean): number => {
      const index = events.findIndex(matches);
      if (index < 0) throw new Error(`no pod event where ${description}; saw ${JSON.stringify(events)}`);
      return index;
    };
    const steps = [
      firstIndex(`old ${NAME}-1 is deleted`, (event) => event.name === `${NAME}-1` && event.old && event.deleting),
      firstIndex(`new ${NAME}-1 is Ready`, (event) => event.name === `${NAME}-1` && !event.old && event.ready),
      firstIndex(`old ${NAME}-0 is deleted`, (event) => event.name === `${NAME}-0` && event.old && event.deleting),
      firstIndex(`new ${NAME}-0 is Ready`, (event) => event.name === `${NAME}-0` && !event.old && event.ready),
    ];
    // Highest ordinal first, one at a time: ordinal 0 is deleted only once ordinal 1 is back and Ready.
    expect(steps, JSON.stringify(events)).toEqual([...steps].sort((a, b) => a - b));
    for (const pod of (await podsByName(api, namespace.name)).values()) {
      expect(pod.spec?.containers[0]?.image).toBe('redis:7.4');
      expect(pod.metadata?.labels?.['controller-revision-hash']).toBe(after.status?.updateRevision);
    }
  });

  it('keeps pods and claims when deleted with propagationPolicy Orphan, and a new StatefulSet adopts the pods', async () => {
    const namespace = await freshNamespace();
    const api = clients(namespace);
    await api.apps.createNamespacedStatefulSet({ namespace: namespace.name, body: statefulSet('redis:7.2') });
    await waitForRolledOut(api, namespace.name);
    const podUids = new Map([...(await podsByName(api, namespace.name))].map(([name, pod]) => [name, pod.metadata!.uid!]));
    const claimUids = (await api.core.listNamespacedPersistentVolumeClaim({ namespace: namespace.name })).items
      .map((claim) => claim.metadata!.uid!)
      .sort();

    await api.apps.deleteNamespacedStatefulSet({ name: NAME, namespace: namespace.name, propagationPolicy: 'Orphan' });
    // The garbage collector orphans the dependents (removes their owner references) before the
    // StatefulSet itself goes away.
    await waitFor(
      async () => {
        const pods = await podsByName(api, namespace.name);
        const owned = [...pods.values()].filter((pod) => (pod.metadata?.ownerReferences ?? []).length > 0);
        const exists = await api.apps
          .readNamespacedStatefulSet({ name: NAME, namespace: namespace.name })
          .then(() => true, () => false);
        return !exists && owned.length === 0
          ? { done: true, value: undefined }
          : { done: false, observation: `StatefulSet exists: ${exists}, owned pods: ${owned.length}` };
      },
      { description: 'the StatefulSet to be gone and its pods orphaned', timeoutMs: 60_000 },
    );
    const orphans = await podsByName(api, namespace.name);
    expect(new Map([...orphans].map(([name, pod]) => [name, pod.metadata!.uid!]))).toEqual(podUids);
    const claims = (await api.core.listNamespacedPersistentVolumeClaim({ namespace: namespace.name })).items;
    expect(claims.map((claim) => claim.metadata!.uid!).sort()).toEqual(claimUids);
    expect(claims.every((claim) => claim.status?.phase === 'Bound')).toBe(true);

    const adopter = await api.apps.createNamespacedStatefulSet({ namespace: namespace.name, body: statefulSet('redis:7.2') });
    await waitFor(
      async () => {
        const pods = [...(await podsByName(api, namespace.name)).values()];
        const adopted = pods.filter((pod) =>
          pod.metadata?.ownerReferences?.some((owner) => owner.controller === true && owner.uid === adopter.metadata?.uid),
        );
        return adopted.length === 2 ? { done: true, value: undefined } : { done: false, observation: `${adopted.length} of ${pods.length} adopted` };
      },
      { description: 'the new StatefulSet to adopt both pods', timeoutMs: 60_000 },
    );
    await waitForRolledOut(api, namespace.name);
    // Adopted, not replaced: the same pods, because the template (and so the revision) matches.
    const adopted = await podsByName(api, namespace.name);
    expect(new Map([...adopted].map(([name, pod]) => [name, pod.metadata!.uid!]))).toEqual(podUids);
  });
});
