import { afterEach, describe, expect, it } from 'vitest';
import { KubeClient } from '../../../src/client/kube-client.js';
import type { KubeObject } from '../../../src/client/objects.js';
import { Resources, type ResourceType } from '../../../src/client/resources.js';
import { Informer, type RestartReason } from '../../../src/controller/informer.js';
import { createLogger } from '../../../src/observability/logger.js';
import { freshNamespace } from '../../cluster/namespace.js';
import { pollResult, waitFor } from '../../cluster/wait.js';
import { TcpProxy, kubeConfigThroughProxy, serverAddress } from '../../support/tcp-proxy.js';

const logger = createLogger({ silent: true });
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function configMap(namespace: string, name: string, data: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data };
}

interface Seen {
  readonly added: string[];
  readonly updated: string[];
  readonly deleted: string[];
  readonly restarts: RestartReason[];
}

function observe(informer: Informer<KubeObject>): Seen {
  const seen: Seen = { added: [], updated: [], deleted: [], restarts: [] };
  informer.addHandlers({
    onAdd: (object) => seen.added.push(object.metadata.name),
    onUpdate: (_, object) => seen.updated.push(`${object.metadata.name}:${JSON.stringify(object.data)}`),
    onDelete: (object) => seen.deleted.push(object.metadata.name),
  });
  informer.onRestart((restart) => seen.restarts.push(restart.reason));
  return seen;
}

async function started(informer: Informer<KubeObject>): Promise<void> {
  cleanups.push(() => informer.stop());
  informer.start();
  await waitFor(async () => pollResult(informer.hasSynced), { description: 'the informer to sync', timeoutMs: 15_000 });
}

async function proxiedClient(kubeConfigOf: () => import('@kubernetes/client-node').KubeConfig): Promise<{ client: KubeClient; proxy: TcpProxy }> {
  const kubeConfig = kubeConfigOf();
  const { host, port } = serverAddress(kubeConfig);
  const proxy = await TcpProxy.start(host, port);
  cleanups.push(() => proxy.close());
  return { client: new KubeClient(kubeConfigThroughProxy(kubeConfig, proxy)), proxy };
}

function waitUntil(condition: () => boolean, description: string, timeoutMs = 15_000): Promise<true> {
  return waitFor(async () => pollResult(condition() || undefined), { description, timeoutMs, intervalMs: 50 });
}

describe('Informer against a real API server', () => {
  it('lists what exists, then sees additions, updates and deletions', async () => {
    const { name: namespace, kubeConfig } = await freshNamespace();
    const client = new KubeClient(kubeConfig);
    await client.create(Resources.configMap, configMap(namespace, 'before'));

    // A page size of 1 makes the initial list take the continue-token path.
    const informer = new Informer<KubeObject>(client, Resources.configMap, logger, { namespace, pageSize: 1 });
    const seen = observe(informer);
    await client.create(Resources.configMap, configMap(namespace, 'before-too'));
    await started(informer);
    expect(seen.added).toEqual(expect.arrayContaining(['before', 'before-too']));
    expect(informer.get(`${namespace}/before`)?.metadata.name).toBe('before');

    await client.create(Resources.configMap, configMap(namespace, 'later', { a: '1' }));
    await waitUntil(() => seen.added.includes('later'), 'the addition');
    await client.patch(Resources.configMap, namespace, 'later', { data: { a: '2' } }, 'merge');
    await waitUntil(() => seen.updated.includes('later:{"a":"2"}'), 'the update');
    expect((informer.get(`${namespace}/later`)?.data as Record<string, string>).a).toBe('2');
    await client.delete(Resources.configMap, 'later', namespace);
    await waitUntil(() => seen.deleted.includes('later'), 'the deletion');
    expect(informer.get(`${namespace}/later`)).toBeUndefined();
  });

  it('only holds objects matching its label selector', async () => {
    const { name: namespace, kubeConfig } = await freshNamespace();
    const client = new KubeClient(kubeConfig);
    const informer = new Informer<KubeObject>(client, Resources.configMap, logger, { namespace, labelSelector: 'app.kubernetes.io/managed-by=redis-operator' });
    const seen = observe(informer);
    await started(informer);
    await client.create(Resources.configMap, configMap(namespace, 'unmanaged'));
    await client.create(Resources.configMap, {
      ...configMap(namespace, 'managed'),
      metadata: { name: 'managed', namespace, labels: { 'app.kubernetes.io/managed-by': 'redis-operator' } },
    });
    await waitUntil(() => seen.added.includes('managed'), 'the managed ConfigMap');
    expect(informer.list().map((object) => object.metadata.name)).toEqual(['managed']);
  });

  it('sees events flow again after every connection to the API server is cut', async () => {
    const { name: namespace, kubeConfig } = await freshNamespace();
    const { client, proxy } = await proxiedClient(() => kubeConfig);
    const direct = new KubeClient(kubeConfig);
    const informer = new Informer<KubeObject>(client, Resources.configMap, logger, { namespace, silenceTimeoutMs: 120_000 });
    const seen = observe(informer);
    await started(informer);

    await direct.create(Resources.configMap, configMap(namespace, 'before-cut'));
    await waitUntil(() => seen.added.includes('before-cut'), 'the event before the cut');

    expect(proxy.cutAll()).toBeGreaterThan(0);
    const acceptedAtCut = proxy.accepted;
    await direct.create(Resources.configMap, configMap(namespace, 'after-cut'));
    await direct.patch(Resources.configMap, namespace, 'before-cut', { data: { after: 'cut' } }, 'merge');

    await waitUntil(() => seen.added.includes('after-cut'), 'an addition made after the cut', 15_000);
    await waitUntil(() => seen.updated.includes('before-cut:{"after":"cut"}'), 'an update made after the cut', 15_000);
    expect(seen.restarts.length).toBeGreaterThanOrEqual(1);
    // The informer reconnected through the proxy: events did not arrive over some other path.
    expect(proxy.accepted).toBeGreaterThan(acceptedAtCut);

    // And it keeps watching, not just relisting once.
    await direct.delete(Resources.configMap, 'after-cut', namespace);
    await waitUntil(() => seen.deleted.includes('after-cut'), 'a deletion after reconnecting');
  });

  it('restarts a watch that goes silent and sees the events it missed', async () => {
    const { name: namespace, kubeConfig } = await freshNamespace();
    const { client, proxy } = await proxiedClient(() => kubeConfig);
    const direct = new KubeClient(kubeConfig);
    const informer = new Informer<KubeObject>(client, Resources.configMap, logger, {
      namespace, watchTimeoutSeconds: 60, silenceTimeoutMs: 2_000,
    });
    const seen = observe(informer);
    await started(informer);

    // Frozen, not closed: the client sees no error, only silence.
    expect(proxy.freezeAll()).toBeGreaterThan(0);
    await direct.create(Resources.configMap, configMap(namespace, 'during-silence'));

    const frozenAt = Date.now();
    await waitUntil(() => seen.added.includes('during-silence'), 'the object created while the watch was frozen', 20_000);
    expect(seen.restarts).toContain('silent');
    // It took the silence detector, not a server-side timeout (60 s), to get it.
    expect(Date.now() - frozenAt).toBeLessThan(15_000);

    await direct.create(Resources.configMap, configMap(namespace, 'after-restart'));
    await waitUntil(() => seen.added.includes('after-restart'), 'an event on the restarted watch');
  });

  it('resumes a watch the server ends, without missing events', async () => {
    const { name: namespace, kubeConfig } = await freshNamespace();
    const client = new KubeClient(kubeConfig);
    // The API server ends each watch after 1 s; the informer must resume every time.
    const informer = new Informer<KubeObject>(client, Resources.configMap, logger, { namespace, watchTimeoutSeconds: 1 });
    const seen = observe(informer);
    await started(informer);
    await waitUntil(() => seen.restarts.filter((reason) => reason === 'watch-ended').length >= 2, 'two server-ended watches');
    for (let i = 0; i < 5; i++) await client.create(Resources.configMap, configMap(namespace, `cm-${i}`));
    await waitUntil(() => seen.added.filter((name) => name.startsWith('cm-')).length === 5, 'all five additions');
    expect(seen.restarts.every((reason) => reason === 'watch-ended')).toBe(true);
  });

  it('relists after a real 410 Gone: a resume from before the API server rebuilt its watch cache', async () => {
    const { name: namespace, kubeConfig } = await freshNamespace();
    const client = new KubeClient(kubeConfig);
    const gadgets = await gadgetResource(client);
    await client.create(gadgets, { apiVersion: `${gadgets.group}/v1`, kind: 'Gadget', metadata: { name: 'before', namespace } });
    // Watches end only when the server tears them down, then resume from the last version seen.
    const informer = new Informer<KubeObject>(client, gadgets, logger, { namespace, watchTimeoutSeconds: 120 });
    const seen = observe(informer);
    await started(informer);

    // A changed CRD spec makes the API server replace the resource's storage: it ends the
    // watches on the old one, and its new watch cache starts at the current revision, so a
    // watch resumed from any older resourceVersion is answered 410 Gone.
    await updateGadgetSpec(client, gadgets);
    await waitUntil(() => seen.restarts.includes('expired'), 'a 410 Gone and the relist after it', 30_000);
    // The old watch ended; resuming may first meet 429 while the new storage initializes.
    expect(seen.restarts[0]).toBe('watch-ended');
    expect(seen.restarts.slice(1, seen.restarts.indexOf('expired')).every((reason) => reason === 'error')).toBe(true);
    expect(informer.get(`${namespace}/before`)).toBeDefined();

    // The relist left a working watch behind.
    await client.create(gadgets, { apiVersion: `${gadgets.group}/v1`, kind: 'Gadget', metadata: { name: 'after', namespace } });
    await waitUntil(() => seen.added.includes('after'), 'an addition after the relist');
    expect(seen.added.filter((name) => name === 'before')).toHaveLength(1);
  });
});

const CRD: ResourceType = { group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', kind: 'CustomResourceDefinition', namespaced: false };

/** A CRD of this test's own (its storage is replaced on purpose), served once it answers. */
async function gadgetResource(client: KubeClient): Promise<ResourceType> {
  const group = `gone-${Date.now()}.example.com`;
  await client.create(CRD, {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: `gadgets.${group}` },
    spec: {
      group, scope: 'Namespaced', names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
    },
  });
  cleanups.push(async () => { await client.delete(CRD, `gadgets.${group}`, undefined); });
  const gadgets: ResourceType = { group, version: 'v1', plural: 'gadgets', kind: 'Gadget', namespaced: true };
  await servedAgain(client, gadgets);
  return gadgets;
}

/** Adds a printer column: a spec change, so the API server rebuilds the resource's storage. */
async function updateGadgetSpec(client: KubeClient, gadgets: ResourceType): Promise<void> {
  const crd = await client.get<KubeObject & { spec: { versions: Array<Record<string, unknown>> } }>(CRD, `gadgets.${gadgets.group}`);
  await client.replace(CRD, {
    ...crd!,
    spec: { ...crd!.spec, versions: crd!.spec.versions.map((version) => ({ ...version, additionalPrinterColumns: [{ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' }] })) },
  });
  // Until the new storage is ready requests get 429 "storage is (re)initializing".
  await servedAgain(client, gadgets);
}

async function servedAgain(client: KubeClient, gadgets: ResourceType): Promise<void> {
  await waitFor(async () => pollResult(await client.list(gadgets)), { description: `${gadgets.plural}.${gadgets.group} to be served`, timeoutMs: 15_000, intervalMs: 50 });
}

