import { describe, expect, it } from 'vitest';
import { ROLE_LABEL } from '../../../src/api/names.js';
import type { KubeObject } from '../../../src/client/objects.js';
import { Resources } from '../../../src/client/resources.js';
import { NodeRedisAdmin } from '../../../src/redis/node-redis-admin.js';
import type { DialGuard, RedisAdmin } from '../../../src/redis/redis-admin.js';
import { formatAddress } from '../../../src/redis/redis-error.js';
import { freshNamespace } from '../../cluster/namespace.js';
import { pollResult, waitFor } from '../../cluster/wait.js';
import { createInstance, getStatefulSet, listPods, patchSpec, testClient, waitForInstance, waitForReady } from '../../support/kube.js';
import { operatorFor } from '../../support/operator-per-test.js';

interface PodLike extends KubeObject {
  status?: { podIP?: string };
  spec?: { nodeName?: string };
}

describe('pods on simulated nodes (no Redis runs there)', () => {
  it('are never dialed: the operator reports RedisNotDialed at once, gives no role, and still replaces outdated pods', async () => {
    const { name: ns } = await freshNamespace();
    const opened: string[] = [];
    let guard: DialGuard | undefined;
    // The operator's own client and its own guard, watched: every connection it would open
    // passes through open().
    const redisAdmin = (given: DialGuard): RedisAdmin => {
      guard = given;
      const real = new NodeRedisAdmin({ dialGuard: given });
      return { open: (address, auth) => { opened.push(formatAddress(address)); return real.open(address, auth); } };
    };
    const operator = await operatorFor({ namespace: ns, redisAdmin });
    const client = testClient();
    await client.create(Resources.secret, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'web-auth', namespace: ns }, stringData: { password: 'never-sent' } } as KubeObject);
    await createInstance(client, ns, 'web', { replicas: 3, image: 'redis:7.0', auth: { secretName: 'web-auth' } });
    const ready = await waitForReady(client, ns, 'web');
    expect(ready.status?.conditions?.find((c) => c.type === 'Writable')).toMatchObject({ status: 'Unknown', reason: 'RedisNotDialed' });
    expect(ready.status?.primary).toBeUndefined();

    const pods = (await listPods(client, ns, 'web')) as PodLike[];
    expect(pods).toHaveLength(3);
    for (const pod of pods) {
      expect(pod.status?.podIP).toMatch(/^10\.244\./);
      expect(guard!({ host: pod.status!.podIP!, port: 6379 })).toEqual({
        allowed: false, reason: `pod ${ns}/${pod.metadata.name} runs on simulated node ${pod.spec!.nodeName}, where no Redis runs`,
      });
      expect(pod.metadata.labels?.[ROLE_LABEL]).toBeUndefined();
    }

    await patchSpec(client, ns, 'web', { image: 'redis:7.2' });
    await waitForInstance(client, ns, 'web', 'image rolled out', (i) => i.status?.phase === 'Ready' && i.status.observedGeneration === i.metadata.generation
      && i.status.lastUpdate?.changes[0]?.path === 'spec.image');
    await waitFor(async () => {
      const sts = await getStatefulSet(client, ns, 'web');
      const now = await listPods(client, ns, 'web');
      const done = now.length === 3 && now.every((p) => p.metadata.labels?.['controller-revision-hash'] === sts?.status?.updateRevision);
      return pollResult(done || undefined, JSON.stringify(sts?.status));
    }, { description: 'every pod replaced by the operator', timeoutMs: 60_000 });
    const replaced = operator.logs().map((l) => JSON.parse(l) as { message: string; pod?: string }).filter((e) => e.message.startsWith('Replacing outdated pod')).map((e) => e.pod);
    expect(replaced).toEqual(['web-2', 'web-1', 'web-0']);

    expect(opened).toEqual([]);
    expect(operator.logs().filter((line) => line.includes('Reconcile failed'))).toEqual([]);
  });
});
