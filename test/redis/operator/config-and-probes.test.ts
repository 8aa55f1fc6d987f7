import { describe, expect, it } from 'vitest';
import { renderRedisConf } from '../../../src/config/render.js';
import { Resources } from '../../../src/client/resources.js';
import type { KubeObject } from '../../../src/client/objects.js';
import { freshNamespace } from '../../cluster/namespace.js';
import { IMAGES } from '../../cluster/real-node/node-config.js';
import { pollResult, waitFor } from '../../cluster/wait.js';
import { createInstance, testClient, waitForReady } from '../../support/kube.js';
import { connectRedis, containerPid, execInPod, getPod, instancePods, isReady, operatorForTheseTests, type Pod } from '../support/real-node.js';

// Values Redis reports through CONFIG GET exactly as written.
const CONFIG: Record<string, string> = {
  appendonly: 'yes',
  maxmemory: '104857600',
  'maxmemory-policy': 'allkeys-lru',
  save: '900 1 300 10',
  timeout: '300',
  'tcp-keepalive': '60',
  hz: '20',
  'slowlog-log-slower-than': '5000',
  loglevel: 'warning',
};

describe('Redis on the real node runs what the operator rendered', () => {
  operatorForTheseTests();

  it("mounts exactly the rendered redis.conf, and CONFIG GET of every spec.config directive returns the rendered value in every pod", async () => {
    const client = testClient();
    const { name: ns } = await freshNamespace({ prefix: 'conf' });
    await createInstance(client, ns, 'tuned', { replicas: 2, image: IMAGES.redis, config: CONFIG });
    await waitForReady(client, ns, 'tuned', 180_000);
    const configMap = await client.get<KubeObject & { data: Record<string, string> }>(Resources.configMap, 'tuned-config', ns);
    expect(configMap?.data['redis.conf']).toBe(renderRedisConf(CONFIG));

    for (const pod of await instancePods(client, ns, 'tuned')) {
      const mounted = await execInPod(ns, pod.metadata.name, ['cat', '/etc/redis/redis.conf']);
      expect(mounted).toEqual({ stdout: renderRedisConf(CONFIG), stderr: '', exitCode: 0 });
      const redis = await connectRedis(pod.status!.podIP!);
      for (const [directive, value] of Object.entries(CONFIG)) {
        expect({ pod: pod.metadata.name, directive, value: (await redis.configGet(directive))[directive] }).toEqual({ pod: pod.metadata.name, directive, value });
      }
      expect(await redis.configGet('dir')).toEqual({ dir: '/data' });
    }
  });

  it('goes NotReady when redis-server is killed inside the pod, and Ready again once the kubelet has restarted it', async () => {
    const client = testClient();
    const { name: ns } = await freshNamespace({ prefix: 'probe' });
    await createInstance(client, ns, 'probed', { replicas: 1, image: IMAGES.redis });
    await waitForReady(client, ns, 'probed', 180_000);
    const before = await getPod(client, ns, 'probed-0');
    const restarts = before.status!.containerStatuses![0]!.restartCount;

    // Watch the pod from now on, so that a short NotReady spell cannot be missed between polls.
    const seen: Array<{ ready: boolean; restarts: number }> = [];
    const abort = new AbortController();
    const list = await client.list<Pod>(Resources.pod, { namespace: ns, fieldSelector: 'metadata.name=probed-0' });
    const watching = client.watch<Pod>(Resources.pod, {
      namespace: ns, fieldSelector: 'metadata.name=probed-0', resourceVersion: list.metadata.resourceVersion, signal: abort.signal,
    }, (event) => {
      if (event.type === 'MODIFIED') seen.push({ ready: isReady(event.object), restarts: event.object.status?.containerStatuses?.[0]?.restartCount ?? 0 });
    }).catch(() => undefined);
    try {
      process.kill(await containerPid(before), 'SIGKILL');
      await waitFor(async () => pollResult(seen.some((state) => !state.ready) || undefined, JSON.stringify(seen)),
        { description: 'probed-0 to go NotReady', timeoutMs: 60_000, intervalMs: 100 });
      const recovered = await waitFor(async () => {
        const pod = await getPod(client, ns, 'probed-0');
        return pollResult(isReady(pod) && pod.status!.containerStatuses![0]!.restartCount > restarts ? pod : undefined, JSON.stringify(pod.status?.containerStatuses));
      }, { description: 'probed-0 to be Ready again after a restart', timeoutMs: 120_000, intervalMs: 250 });
      expect(recovered.metadata.uid).toBe(before.metadata.uid);
      expect(recovered.status!.containerStatuses![0]!.restartCount).toBe(restarts + 1);
      await waitForReady(client, ns, 'probed', 60_000);
      const redis = await connectRedis(recovered.status!.podIP!);
      expect(await redis.ping()).toBe('PONG');
    } finally {
      abort.abort();
      await watching;
    }
  });
});
