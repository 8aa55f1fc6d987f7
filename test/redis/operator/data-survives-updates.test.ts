import { describe, expect, it } from 'vitest';
import type { RedisInstanceSpec } from '../../../src/api/redis-instance.js';
import { freshNamespace } from '../../cluster/namespace.js';
import { IMAGES } from '../../cluster/real-node/node-config.js';
import { pollResult, waitFor } from '../../cluster/wait.js';
import { createInstance, getInstance, getStatefulSet, patchSpec, testClient, waitForReady } from '../../support/kube.js';
import {
  clientServiceAddress, connectRedis, createPasswordSecret, instancePods, isReady, missingKeys, operatorForTheseTests, writeKeys,
} from '../support/real-node.js';

const KEYS = 10_000;
const PASSWORD = 'real-node-data-secret';

/** Each change class of the seed, in the order applied to one instance, with what it changes. */
const CHANGES: ReadonlyArray<{ readonly what: string; readonly patch: Record<string, unknown>; readonly replicas: number }> = [
  { what: 'image', patch: { image: IMAGES.redisAlternate }, replicas: 3 },
  { what: 'resources', patch: { resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '320Mi' } } }, replicas: 3 },
  { what: 'config (Recreate)', patch: { config: { appendonly: 'yes', maxmemory: '200mb' } }, replicas: 3 },
  { what: 'config (Rolling)', patch: { updatePolicy: { config: 'Rolling' }, config: { appendonly: 'yes', maxmemory: '210mb' } }, replicas: 3 },
  { what: 'storage size', patch: { storage: { size: '2Gi' } }, replicas: 3 },
  { what: 'replicas 3 -> 5', patch: { replicas: 5 }, replicas: 5 },
  { what: 'replicas 5 -> 3', patch: { replicas: 3 }, replicas: 3 },
];

describe('data on the real node survives every change class', () => {
  operatorForTheseTests();

  it('keeps every acknowledged key readable from the primary through image, resources, config (Recreate and Rolling), storage size and replicas 3 -> 5 -> 3', async () => {
    const client = testClient();
    const { name: ns } = await freshNamespace({ prefix: 'data' });
    await createPasswordSecret(client, ns, 'store-auth', PASSWORD);
    const spec: RedisInstanceSpec = {
      replicas: 3,
      image: IMAGES.redis,
      config: { appendonly: 'yes' },
      resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } },
      storage: { size: '1Gi' },
      auth: { secretName: 'store-auth' },
    };
    await createInstance(client, ns, 'store', spec);
    await waitForReady(client, ns, 'store', 180_000);
    const address = await clientServiceAddress(client, ns, 'store');
    const writer = await connectRedis(address, PASSWORD);
    await writeKeys(writer, KEYS);
    await writer.close();

    const applied: string[] = [];
    for (const change of CHANGES) {
      const before = await getInstance(client, ns, 'store');
      const patched = await patchSpec(client, ns, 'store', change.patch);
      expect(patched.metadata.generation, change.what).toBeGreaterThan(before!.metadata.generation!);
      await waitForRolledOut(client, ns, 'store', change.replicas, change.what);
      // A new connection each time: every pod, the primary too, may have been replaced, and
      // kube-proxy may still send a first connection to the address it had. Only a failure to
      // connect or read is retried; whatever a completed read finds missing is the answer.
      const read = await waitFor(async () => {
        const reader = await connectRedis(address, PASSWORD);
        try {
          return { done: true, value: { missing: (await missingKeys(reader, KEYS)).slice(0, 10), size: await reader.dbSize() } } as const;
        } finally {
          await reader.close().catch(() => undefined);
        }
      }, { description: `a complete read from the primary after the ${change.what} change`, timeoutMs: 60_000, intervalMs: 500 });
      expect({ change: change.what, ...read }).toEqual({ change: change.what, missing: [], size: KEYS });
      applied.push(change.what);
    }
    expect(applied).toEqual(CHANGES.map((change) => change.what));
  });
});

/**
 * Waits until the instance is Ready at its latest generation and its StatefulSet has rolled
 * every pod to the current revision, all of them Ready.
 */
async function waitForRolledOut(client: ReturnType<typeof testClient>, ns: string, name: string, replicas: number, what: string): Promise<void> {
  await waitForReady(client, ns, name, 300_000);
  await waitFor(async () => {
    const sts = await getStatefulSet(client, ns, name);
    const pods = await instancePods(client, ns, name);
    const status = sts?.status as { observedGeneration?: number; currentRevision?: string; updateRevision?: string; readyReplicas?: number; updatedReplicas?: number } | undefined;
    // Until the controller has seen the latest template, the old revision looks rolled out.
    const done = sts !== undefined && status?.observedGeneration === sts.metadata.generation && status?.currentRevision === status?.updateRevision && status?.readyReplicas === replicas &&
      status?.updatedReplicas === replicas && pods.length === replicas && pods.every(isReady) && !pods.some((pod) => pod.metadata.deletionTimestamp);
    return pollResult(done || undefined, `${what}: ${JSON.stringify(status)}; pods ${pods.map((pod) => `${pod.metadata.name}=${isReady(pod)}`).join(' ')}`);
  }, { description: `StatefulSet ${ns}/${name} rolled out after the ${what} change`, timeoutMs: 300_000, intervalMs: 500 });
}
