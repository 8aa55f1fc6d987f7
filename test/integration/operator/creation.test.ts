import { describe, expect, it } from 'vitest';
import { resourcePath, Resources } from '../../../src/client/resources.js';
import { fetchLiveObjects } from '../../../src/reconcile/live-objects.js';
import { freshNamespace } from '../../cluster/namespace.js';
import { pollResult, waitFor } from '../../cluster/wait.js';
import { gate } from '../../support/gate.js';
import { createInstance, getStatefulSet, patchSpec, testClient, waitForReady } from '../../support/kube.js';
import { operatorFor } from '../../support/operator-per-test.js';

/** How long a held write waits for the others it should travel with. */
const HOLD_MS = 5_000;

/** Whether `other` settles within HOLD_MS: a write held until then tells whether they were sent together. */
async function arrivesWhileHeld(other: Promise<void>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), HOLD_MS); });
  const together = await Promise.race([other.then(() => true as const), deadline]);
  clearTimeout(timer);
  return together;
}

describe('creating an instance\'s objects', () => {
  it('sends the ConfigMap and Services of a new instance at once, and its StatefulSet once they are stored', async () => {
    const { name: ns } = await freshNamespace();
    const client = testClient();
    const companions = new Set<string>();
    const allSent = gate();
    let sentTogether: boolean | undefined;
    let storedBeforeStatefulSet: string[] | undefined;
    await operatorFor({
      namespace: ns,
      beforeWrite: async (method, path) => {
        if (method !== 'PATCH') return;
        if (new RegExp(`/namespaces/${ns}/(configmaps|services)/cache[a-z-]*$`).test(path)) {
          companions.add(path);
          if (companions.size === 4) allSent.open();
          // Held until the other three are sent too: sent one after the other, they never are.
          const together = await arrivesWhileHeld(allSent.promise);
          sentTogether ??= together;
        } else if (path.endsWith(`/namespaces/${ns}/statefulsets/cache`)) {
          storedBeforeStatefulSet ??= Object.keys(await fetchLiveObjects('cache', (resource, name) => client.get(resource, name, ns))).sort();
        }
      },
    });
    await createInstance(client, ns, 'cache', { replicas: 1 });
    await waitForReady(client, ns, 'cache');
    expect(sentTogether).toBe(true);
    expect(storedBeforeStatefulSet).toEqual(['clientService', 'configMap', 'headlessService', 'replicasService']);
  });

  it('creates a new instance\'s objects with one apply each, reading none of them first', async () => {
    const { name: ns } = await freshNamespace();
    const client = testClient();
    const operator = await operatorFor({ namespace: ns });
    await createInstance(client, ns, 'cache', { replicas: 1 });
    await waitForReady(client, ns, 'cache');
    const objects = [
      resourcePath(Resources.configMap, ns, 'cache-config'), resourcePath(Resources.service, ns, 'cache-headless'),
      resourcePath(Resources.service, ns, 'cache'), resourcePath(Resources.service, ns, 'cache-replicas'),
      resourcePath(Resources.statefulSet, ns, 'cache'),
    ];
    // The first request about each object is the apply that creates it: no lookup goes before.
    const first = new Map<string, string>();
    for (const r of operator.requestLog()) if (objects.includes(r.path) && !first.has(r.path)) first.set(r.path, `${r.method} ${r.status}`);
    expect(Object.fromEntries(first)).toEqual(Object.fromEntries(objects.map((path) => [path, 'PATCH 200'])));
  });

  it('sends the Created Event beside the status write, not before it', async () => {
    const { name: ns } = await freshNamespace();
    const client = testClient();
    const statusSent = gate();
    let eventTravelledWithStatus: boolean | undefined;
    await operatorFor({
      namespace: ns,
      beforeWrite: async (method, path, body) => {
        if (method === 'PATCH' && path.endsWith(`/namespaces/${ns}/redisinstances/cache/status`)) statusSent.open();
        if (method === 'POST' && path.endsWith(`/namespaces/${ns}/events`) && (body as { reason?: string }).reason === 'Created') {
          eventTravelledWithStatus ??= await arrivesWhileHeld(statusSent.promise);
        }
      },
    });
    await createInstance(client, ns, 'cache', { replicas: 1 });
    await waitForReady(client, ns, 'cache');
    expect(eventTravelledWithStatus).toBe(true);
  });

  it('removes from the objects it created what a later write of its own leaves out', async () => {
    const { name: ns } = await freshNamespace();
    const operator = await operatorFor({ namespace: ns });
    const client = testClient();
    await createInstance(client, ns, 'cache', { replicas: 1, resources: { limits: { cpu: '500m', memory: '256Mi' } } });
    await waitForReady(client, ns, 'cache');
    // Server-side apply removes a field only when no other manager holds it: an object created
    // with a plain POST would keep the cpu limit under the POST's own managedFields entry.
    await patchSpec(client, ns, 'cache', { resources: { limits: { cpu: null } } });
    const limits = await waitFor(async () => {
      const sts = await getStatefulSet(client, ns, 'cache');
      const found = sts?.spec.template.spec.containers[0]?.resources?.limits;
      return pollResult(found && !('cpu' in found) ? found : undefined, JSON.stringify(found ?? null));
    }, { description: 'the cpu limit to be gone from the StatefulSet', timeoutMs: 60_000 });
    expect(limits).toEqual({ memory: '256Mi' });
    await waitForReady(client, ns, 'cache');
    await operator.idle();
    const writes = operator.writes();
    await operator.reconcile(`${ns}/cache`);
    expect(operator.writeLog().slice(writes)).toEqual([]);
  });
});
