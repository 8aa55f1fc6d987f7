import { ApiextensionsV1Api, type KubeConfig, type V1CustomResourceDefinition } from '@kubernetes/client-node';
import { ObjectSerializer } from '@kubernetes/client-node/dist/serializer.js';
import { App, Chart } from 'cdk8s';
import { RedisInstanceCrd, CRD_NAME } from '../../constructs/redis-instance-crd.js';
import { pollResult, waitFor } from '../cluster/wait.js';

/**
 * The CRD exactly as the operator's install manifests carry it, as client-node's typed model.
 * The typed APIs serialize from model field names (`xKubernetesValidations`, `_default`), so wire
 * JSON passed to them as-is silently loses `x-kubernetes-validations` and `default`.
 */
export function redisInstanceCrd(): V1CustomResourceDefinition {
  const chart = new Chart(new App(), 'crd');
  new RedisInstanceCrd(chart, 'Crd');
  return ObjectSerializer.deserialize(chart.toJson()[0], 'V1CustomResourceDefinition') as V1CustomResourceDefinition;
}

/**
 * Creates the RedisInstance CRD (or replaces it with the current construct's version) and waits
 * until the API server says it is Established and serves it.
 */
export async function installRedisInstanceCrd(kubeConfig: KubeConfig): Promise<V1CustomResourceDefinition> {
  const api = kubeConfig.makeApiClient(ApiextensionsV1Api);
  const desired = redisInstanceCrd();
  const existing = await api.readCustomResourceDefinition({ name: CRD_NAME }).catch(() => undefined);
  if (existing) {
    await api.replaceCustomResourceDefinition({
      name: CRD_NAME,
      body: { ...desired, metadata: { ...desired.metadata, resourceVersion: existing.metadata?.resourceVersion } },
    });
  } else {
    await api.createCustomResourceDefinition({ body: desired });
  }
  return waitFor(async () => {
    const crd = await api.readCustomResourceDefinition({ name: CRD_NAME });
    const established = crd.status?.conditions?.find((c) => c.type === 'Established')?.status === 'True';
    const served = crd.status?.acceptedNames?.plural === 'redisinstances';
    return pollResult(established && served ? crd : undefined, JSON.stringify(crd.status?.conditions));
  }, { description: `CRD ${CRD_NAME} to become Established`, timeoutMs: 30_000, intervalMs: 100 });
}
