import { describe, expect, it, onTestFinished } from 'vitest';
import type { KubeClient } from '../../../src/client/kube-client.js';
import type { KubeObject } from '../../../src/client/objects.js';
import { resourcePath } from '../../../src/client/resources.js';
import { freshNamespace } from '../../cluster/namespace.js';
import { pollResult, waitFor } from '../../cluster/wait.js';
import { createInstance, listEvents, testClient, waitForInstance } from '../../support/kube.js';
import { operatorFor } from '../../support/operator-per-test.js';

const POLICIES = '/apis/admissionregistration.k8s.io/v1/mutatingadmissionpolicies';
const BINDINGS = '/apis/admissionregistration.k8s.io/v1/mutatingadmissionpolicybindings';

/**
 * Makes the API server drop `persistentVolumeClaimRetentionPolicy` from every StatefulSet written
 * in `namespace`, as a cluster whose StatefulSetAutoDeletePVC feature is off does: the field is
 * removed before the object is stored and reads back as the default (Retain, Retain).
 */
async function dropRetentionPolicy(client: KubeClient, namespace: string): Promise<void> {
  const name = `drop-retention-${namespace}`;
  await client.request('POST', POLICIES, {
    body: {
      apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingAdmissionPolicy', metadata: { name },
      spec: {
        matchConstraints: { resourceRules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['statefulsets'] }] },
        matchConditions: [{ name: 'has-policy', expression: 'has(object.spec.persistentVolumeClaimRetentionPolicy)' }],
        failurePolicy: 'Fail',
        reinvocationPolicy: 'Never',
        mutations: [{ patchType: 'JSONPatch', jsonPatch: { expression: '[JSONPatch{op: "remove", path: "/spec/persistentVolumeClaimRetentionPolicy"}]' } }],
      },
    },
  });
  await client.request('POST', BINDINGS, {
    body: {
      apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingAdmissionPolicyBinding', metadata: { name },
      spec: { policyName: name, matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } } } },
    },
  });
  onTestFinished(async () => {
    await client.request('DELETE', `${BINDINGS}/${name}`).catch(() => undefined);
    await client.request('DELETE', `${POLICIES}/${name}`).catch(() => undefined);
  });
  // The API server loads policies through a watch of its own: wait until a dry run shows it.
  const probe = {
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'probe', namespace },
    spec: {
      selector: { matchLabels: { probe: 'yes' } }, serviceName: 'probe',
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Retain' },
      template: { metadata: { labels: { probe: 'yes' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
    },
  };
  await waitFor(async () => {
    const stored = await client.request<KubeObject & { spec: { persistentVolumeClaimRetentionPolicy?: { whenDeleted?: string } } }>(
      'POST', resourcePath({ group: 'apps', version: 'v1', plural: 'statefulsets', kind: 'StatefulSet', namespaced: true }, namespace),
      { body: probe, query: { dryRun: 'All' } },
    );
    const whenDeleted = stored.spec.persistentVolumeClaimRetentionPolicy?.whenDeleted;
    return pollResult(whenDeleted !== 'Delete' || undefined, `whenDeleted ${whenDeleted}`);
  }, { description: 'the admission policy to drop the field', timeoutMs: 30_000, intervalMs: 200 });
}

describe('a field the API server does not store', () => {
  it('is reported once and not written again and again', async () => {
    const { name: ns } = await freshNamespace();
    const client = testClient();
    await dropRetentionPolicy(client, ns);
    const operator = await operatorFor({ namespace: ns });
    await createInstance(client, ns, 'cache', { storage: { reclaimPolicy: 'Delete' } });

    const degraded = await waitForInstance(client, ns, 'cache', 'Degraded', (i) =>
      i.status?.conditions?.some((c) => c.type === 'Degraded' && c.reason === 'ChangesNotStored') === true);
    expect(degraded.status?.conditions?.find((c) => c.type === 'Degraded')?.message)
      .toContain('statefulSet.spec.persistentVolumeClaimRetentionPolicy.whenDeleted Retain -> Delete');
    // Nothing was carried out, so no update is claimed.
    expect(degraded.status?.lastUpdate).toBeUndefined();

    await operator.idle();
    const writes = operator.writes();
    await operator.reconcile(`${ns}/cache`);
    await operator.reconcile(`${ns}/cache`);
    expect(operator.writeLog().slice(writes)).toEqual([]);
    expect((await listEvents(client, ns, 'cache')).filter((e) => e.reason === 'ChangesNotStored').map((e) => e.type)).toEqual(['Warning']);
  });
});
