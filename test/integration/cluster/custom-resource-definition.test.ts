import { randomBytes } from 'node:crypto';
import {
  ApiextensionsV1Api,
  CustomObjectsApi,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { describe, expect, it, onTestFinished } from 'vitest';
import { apiRejection } from '../../cluster/api-rejection.js';
import { apiServerGet } from '../../cluster/kubeconfig.js';
import { freshNamespace, testKubeconfigPath } from '../../cluster/namespace.js';
import { waitFor } from '../../cluster/wait.js';

// A small CRD of this test's own; the operator's CRD gets the same treatment once it exists.
function widgetDefinition(group: string): V1CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `widgets.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  required: ['replicas'],
                  properties: {
                    replicas: { type: 'integer', minimum: 1, _default: 3 },
                    maxReplicas: { type: 'integer' },
                  },
                  // The client's type spells it x_kubernetes_validations and serializes it as x-kubernetes-validations.
                  x_kubernetes_validations: [
                    { rule: '!has(self.maxReplicas) || self.replicas <= self.maxReplicas', message: 'replicas must not exceed maxReplicas' },
                  ],
                },
              },
            },
          },
        },
      ],
    },
  };
}

describe('CustomResourceDefinitions on the local control plane', () => {
  it('installs a CRD that becomes Established and serves objects with defaulting, schema and CEL validation', async () => {
    const namespace = await freshNamespace();
    const extensions = namespace.kubeConfig.makeApiClient(ApiextensionsV1Api);
    const objects = namespace.kubeConfig.makeApiClient(CustomObjectsApi);
    // CRDs are cluster-scoped: a group of its own keeps this test independent of earlier runs.
    const group = `w${randomBytes(3).toString('hex')}.fidelity.redis-operator.test`;
    const definition = widgetDefinition(group);
    await extensions.createCustomResourceDefinition({ body: definition });
    onTestFinished(async () => {
      await extensions.deleteCustomResourceDefinition({ name: definition.metadata!.name! }).catch(() => undefined);
    });

    const established = await waitFor(
      async () => {
        const current = await extensions.readCustomResourceDefinition({ name: definition.metadata!.name! });
        const condition = current.status?.conditions?.find((candidate) => candidate.type === 'Established');
        return condition?.status === 'True' ? { done: true, value: current } : { done: false, observation: `Established=${condition?.status ?? 'absent'}` };
      },
      { description: `CRD ${definition.metadata!.name} to become Established`, timeoutMs: 30_000, intervalMs: 100 },
    );
    expect(established.status?.acceptedNames?.kind).toBe('Widget');
    // Clients find the resource through discovery, which may lag the condition slightly.
    await waitFor(
      async () => {
        const response = await apiServerGet(testKubeconfigPath(), `/apis/${group}/v1`);
        const resources = response.statusCode === 200 ? (JSON.parse(response.body) as { resources: { name: string }[] }).resources : [];
        return resources.some((resource) => resource.name === 'widgets') ? { done: true, value: undefined } : { done: false, observation: `HTTP ${response.statusCode}` };
      },
      { description: `discovery to list ${group}/v1 widgets`, timeoutMs: 10_000, intervalMs: 100 },
    );

    const target = { group, version: 'v1', namespace: namespace.name, plural: 'widgets' };
    const created = (await objects.createNamespacedCustomObject({
      ...target,
      body: { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'defaulted' }, spec: {} },
    })) as { spec: { replicas: number } };
    expect(created.spec.replicas).toBe(3);

    const wrongType = await apiRejection(
      objects.createNamespacedCustomObject({
        ...target,
        body: { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'wrong-type' }, spec: { replicas: 'three' } },
      }),
    );
    expect(wrongType.code).toBe(422);
    expect(wrongType.causes.map((cause) => cause.field)).toContain('spec.replicas');

    const celViolation = await apiRejection(
      objects.createNamespacedCustomObject({
        ...target,
        body: { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'too-many' }, spec: { replicas: 5, maxReplicas: 2 } },
      }),
    );
    expect(celViolation.code).toBe(422);
    expect(celViolation.message).toContain('replicas must not exceed maxReplicas');
  });
});
