import { KubeClient } from '../../src/client/kube-client.js';
import type { KubeObject } from '../../src/client/objects.js';
import { Resources, type ResourceType } from '../../src/client/resources.js';
import type { RedisInstance, RedisInstanceSpec, RedisInstanceStatus } from '../../src/api/redis-instance.js';
import { instanceLabels } from '../../src/api/names.js';
import { testKubeconfigPath } from '../cluster/namespace.js';
import { pollResult, waitFor } from '../cluster/wait.js';

/** Objects and waits that the operator's integration tests share. */

export type StoredInstance = RedisInstance & KubeObject & { status?: RedisInstanceStatus };

export interface StatefulSet extends KubeObject {
  spec: {
    replicas: number;
    template: { metadata: { annotations?: Record<string, string> }; spec: { containers: Array<{ image: string; resources?: { limits?: Record<string, string> } }> } };
    volumeClaimTemplates: Array<{ spec: { resources: { requests: { storage: string } }; storageClassName?: string } }>;
  };
  status?: { replicas?: number; readyReplicas?: number; updatedReplicas?: number; currentRevision?: string; updateRevision?: string };
}

export function testClient(): KubeClient {
  return KubeClient.load(testKubeconfigPath());
}

export function selector(name: string): string {
  return Object.entries(instanceLabels(name)).map(([k, v]) => `${k}=${v}`).join(',');
}

export async function createInstance(client: KubeClient, namespace: string, name: string, spec: RedisInstanceSpec, annotations?: Record<string, string>): Promise<StoredInstance> {
  return client.create<StoredInstance>(Resources.redisInstance, {
    apiVersion: 'redis.github.com/v1', kind: 'RedisInstance',
    metadata: { name, namespace, ...(annotations ? { annotations } : {}) }, spec,
  } as KubeObject);
}

/** A JSON merge patch of the spec, as `kubectl patch --type merge` sends it. */
export async function patchSpec(client: KubeClient, namespace: string, name: string, spec: Record<string, unknown>): Promise<StoredInstance> {
  return client.patch<StoredInstance>(Resources.redisInstance, namespace, name, { spec }, 'merge');
}

export async function getInstance(client: KubeClient, namespace: string, name: string): Promise<StoredInstance | undefined> {
  return client.get<StoredInstance>(Resources.redisInstance, name, namespace);
}

export async function getStatefulSet(client: KubeClient, namespace: string, name: string): Promise<StatefulSet | undefined> {
  return client.get<StatefulSet>(Resources.statefulSet, name, namespace);
}

export async function listPods(client: KubeClient, namespace: string, name: string): Promise<KubeObject[]> {
  return (await client.list(Resources.pod, { namespace, labelSelector: selector(name) })).items;
}

export async function listClaims(client: KubeClient, namespace: string, name: string): Promise<Array<KubeObject & { spec: { resources: { requests: { storage: string } }; storageClassName?: string } }>> {
  return (await client.list(Resources.persistentVolumeClaim, { namespace, labelSelector: selector(name) })).items as never;
}

export async function listEvents(client: KubeClient, namespace: string, name: string): Promise<Array<KubeObject & { reason: string; message: string; type: string }>> {
  const events = await client.list(Resources.event, { namespace, fieldSelector: `involvedObject.name=${name},involvedObject.kind=RedisInstance` });
  return events.items as never;
}

/**
 * The object once the controller of its kind has written its status for its generation
 * (StatefulSets, PodDisruptionBudgets; other kinds at once): from then on only a write of
 * someone else's changes its resourceVersion, as long as no pods come and go.
 */
export async function settledObject<T extends KubeObject>(client: KubeClient, resource: ResourceType, namespace: string, name: string): Promise<T> {
  return waitFor(async () => {
    const stored = await client.get<T & { status?: { observedGeneration?: number } }>(resource, name, namespace);
    const watched = resource.kind === 'StatefulSet' || resource.kind === 'PodDisruptionBudget';
    const settled = stored && (!watched || stored.status?.observedGeneration === stored.metadata.generation);
    return pollResult(settled ? stored : undefined, JSON.stringify(stored?.status ?? null));
  }, { description: `${resource.kind} ${namespace}/${name} to have its status`, timeoutMs: 30_000, intervalMs: 50 });
}

/** Waits until the instance's status says Ready for its current generation. */
export async function waitForReady(client: KubeClient, namespace: string, name: string, timeoutMs = 90_000): Promise<StoredInstance> {
  return waitFor(async () => {
    const instance = await getInstance(client, namespace, name);
    const ready = instance?.status?.phase === 'Ready' && instance.status.observedGeneration === instance.metadata.generation;
    return pollResult(ready ? instance : undefined, JSON.stringify(instance?.status ?? null));
  }, { description: `RedisInstance ${namespace}/${name} to be Ready`, timeoutMs, intervalMs: 100 });
}

export async function waitForInstance(
  client: KubeClient, namespace: string, name: string, description: string,
  predicate: (instance: StoredInstance) => boolean, timeoutMs = 90_000,
): Promise<StoredInstance> {
  return waitFor(async () => {
    const instance = await getInstance(client, namespace, name);
    return pollResult(instance && predicate(instance) ? instance : undefined, JSON.stringify(instance?.status ?? null));
  }, { description: `RedisInstance ${namespace}/${name}: ${description}`, timeoutMs, intervalMs: 100 });
}
