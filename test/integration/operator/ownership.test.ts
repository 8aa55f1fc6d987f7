import { describe, expect, it } from 'vitest';
import { instanceLabels, LABEL_MANAGED_BY, MANAGED_BY } from '../../../src/api/names.js';
import type { KubeObject } from '../../../src/client/objects.js';
import { resourcePath, Resources, type ResourceType } from '../../../src/client/resources.js';
import { fetchLiveObjects } from '../../../src/reconcile/live-objects.js';
import { freshNamespace } from '../../cluster/namespace.js';
import { pollResult, waitFor } from '../../cluster/wait.js';
import { createInstance, listEvents, settledObject, testClient, waitForInstance, waitForReady } from '../../support/kube.js';
import { operatorFor } from '../../support/operator-per-test.js';

// Objects of the names an instance would own, made by someone else. The operator's caches see
// only what carries its managed-by label, so the unlabelled ones look absent to them; a
// server-side apply with force would then quietly take them over.

const foreign = { app: 'someone-else' };
const meta = (name: string, labels: Record<string, string> = foreign) => ({ name, labels });

const OBJECTS: ReadonlyArray<readonly [string, ResourceType, KubeObject]> = [
  ['an unlabelled StatefulSet', Resources.statefulSet, {
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: meta('cache'),
    spec: { replicas: 0, serviceName: 'elsewhere', selector: { matchLabels: foreign }, template: { metadata: { labels: foreign }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
  }],
  ['an unlabelled ConfigMap', Resources.configMap, { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('cache-config'), data: { 'redis.conf': 'port 1\n' } }],
  ['an unlabelled headless Service', Resources.service, { apiVersion: 'v1', kind: 'Service', metadata: meta('cache-headless'), spec: { clusterIP: 'None', ports: [{ port: 1 }], selector: foreign } }],
  ['an unlabelled client Service', Resources.service, { apiVersion: 'v1', kind: 'Service', metadata: meta('cache'), spec: { ports: [{ port: 1 }], selector: foreign } }],
  ['an unlabelled PodDisruptionBudget', Resources.podDisruptionBudget, {
    apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: meta('cache'), spec: { maxUnavailable: 1, selector: { matchLabels: foreign } },
  }],
  // Labelled as ours (say, `synth` output applied by hand) but owned by no instance.
  ['a labelled ConfigMap without owner', Resources.configMap, { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('cache-config', instanceLabels('cache')), data: { 'redis.conf': 'port 1\n' } }],
];

/** Created under a field manager of its own, so that managedFields tell its writes from the operator's. */
async function createAsSomeoneElse(resource: ResourceType, namespace: string, object: KubeObject): Promise<KubeObject & { spec: unknown }> {
  const client = testClient();
  await client.request('POST', resourcePath(resource, namespace), {
    body: { ...object, metadata: { ...object.metadata, namespace } }, query: { fieldManager: 'someone-else' },
  });
  // Once the controller of its kind has written its status, no one but the operator could change it.
  return settledObject(client, resource, namespace, object.metadata.name);
}

describe('objects the instance does not own', () => {
  it.each(OBJECTS)('refuses to take over %s: Degraded naming it, the object untouched', async (_, resource, object) => {
    const { name: ns } = await freshNamespace();
    const operator = await operatorFor({ namespace: ns });
    const client = testClient();
    const before = await createAsSomeoneElse(resource, ns, object);
    await createInstance(client, ns, 'cache', { replicas: 2 });

    const degraded = await waitForInstance(client, ns, 'cache', 'Degraded', (i) => i.status?.phase === 'Degraded');
    const condition = degraded.status?.conditions?.find((c) => c.type === 'Degraded');
    expect(condition).toMatchObject({ status: 'True', reason: 'ObjectNotOwned' });
    expect(condition?.message).toContain(`${object.kind} cache`);
    await operator.idle();
    const after = (await client.get<KubeObject & { spec: unknown }>(resource, object.metadata.name, ns))!;
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect((after.metadata.managedFields as Array<{ manager: string }>).map((m) => m.manager)).not.toContain('redis-operator');
    // Of the objects the instance would own, none that would use the one in the way: no
    // StatefulSet, whose pods would read someone else's ConfigMap, sit behind their Services or
    // PodDisruptionBudget. What else exists is the instance's own.
    const live = await fetchLiveObjects('cache', (r, name) => client.get(r, name, ns));
    const inTheWay = `${object.kind} ${object.metadata.name}`;
    expect(live.statefulSet === undefined || inTheWay === 'StatefulSet cache').toBe(true);
    const others = Object.values(live).filter((o) => `${o.kind} ${o.metadata.name}` !== inTheWay);
    for (const o of others) expect(o.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'RedisInstance', uid: degraded.metadata.uid, controller: true });
    expect((await listEvents(client, ns, 'cache')).filter((e) => e.reason === 'ObjectNotOwned').map((e) => e.type)).toEqual(['Warning']);
  });

  it('takes up again an object of its own that the caches lost (its label removed), the same object', async () => {
    const { name: ns } = await freshNamespace();
    const operator = await operatorFor({ namespace: ns });
    const client = testClient();
    await createInstance(client, ns, 'cache', { replicas: 1 });
    await waitForReady(client, ns, 'cache');
    await operator.idle();
    const ours = (await client.get(Resources.configMap, 'cache-config', ns))!;
    // Out of the operator's label selector, so out of its caches: to them, the ConfigMap is gone.
    await client.patch(Resources.configMap, ns, 'cache-config', { metadata: { labels: { [LABEL_MANAGED_BY]: null } } }, 'merge');
    const back = await waitFor(async () => {
      const found = (await client.get(Resources.configMap, 'cache-config', ns))!;
      return pollResult(found.metadata.labels?.[LABEL_MANAGED_BY] === MANAGED_BY ? found : undefined, JSON.stringify(found.metadata.labels));
    }, { description: 'the operator to label its ConfigMap again', timeoutMs: 60_000 });
    expect(back.metadata.uid).toBe(ours.metadata.uid);
    await operator.idle();
    const instance = await waitForReady(client, ns, 'cache');
    expect(instance.status?.conditions?.find((c) => c.type === 'Degraded')?.status).toBe('False');
    expect((await listEvents(client, ns, 'cache')).map((e) => e.reason)).not.toContain('ObjectNotOwned');
  });

  it('goes ahead once the object in the way is gone', async () => {
    const { name: ns } = await freshNamespace();
    const operator = await operatorFor({ namespace: ns });
    const client = testClient();
    const [, resource, object] = OBJECTS[1]!;
    await createAsSomeoneElse(resource, ns, object);
    await createInstance(client, ns, 'cache', {});
    await waitForInstance(client, ns, 'cache', 'Degraded', (i) => i.status?.conditions?.some((c) => c.reason === 'ObjectNotOwned') === true);
    // Nothing is watched that would tell of the unlabelled object's removal: the operator looks
    // again by itself.
    await operator.idle();
    await client.delete(resource, object.metadata.name, ns);
    const ready = await waitForReady(client, ns, 'cache', 60_000);
    expect(ready.status?.conditions?.find((c) => c.type === 'Degraded')?.status).toBe('False');
    expect((await client.get(Resources.configMap, 'cache-config', ns))?.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'RedisInstance', uid: ready.metadata.uid });
  });
});
