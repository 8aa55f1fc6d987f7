import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../src/client/objects.js';
import { Resources } from '../../../src/client/resources.js';
import { freshNamespace } from '../../cluster/namespace.js';
import { IMAGES } from '../../cluster/real-node/node-config.js';
import { pollResult, waitFor } from '../../cluster/wait.js';
import { createInstance, listEvents, patchSpec, testClient, waitForInstance } from '../../support/kube.js';
import { connectRedis, createPasswordSecret, instancePods, isReady, operatorForTheseTests, waitForSteadyState, type Pod } from '../support/real-node.js';

const PASSWORD = 'real-node-live-secret';

/** Each pod's UID and restart count: what a restart of any kind changes. */
function identities(pods: readonly Pod[]): string[] {
  return pods.map((p) => `${p.metadata.name}/${p.metadata.uid}/${p.status?.containerStatuses?.[0]?.restartCount ?? 0}`);
}

/** CONFIG GET of `directive` on every pod, straight to its address. */
async function everyPod(ns: string, name: string, directive: string): Promise<string[]> {
  const values: string[] = [];
  for (const pod of await instancePods(testClient(), ns, name)) {
    const redis = await connectRedis(pod.status!.podIP!, PASSWORD);
    values.push((await redis.configGet(directive))[directive] ?? '<none>');
    await redis.close();
  }
  return values;
}

describe('updatePolicy.config: Live on the real node', () => {
  operatorForTheseTests();

  it('changes maxmemory on every pod with CONFIG SET and restarts none; a directive Redis reads only at start rolls the pods', async () => {
    const client = testClient();
    const { name: ns } = await freshNamespace({ prefix: 'live' });
    await createPasswordSecret(client, ns, 'tuned-auth', PASSWORD);
    await createInstance(client, ns, 'tuned', {
      replicas: 3, image: IMAGES.redis, auth: { secretName: 'tuned-auth' },
      updatePolicy: { config: 'Live' }, config: { maxmemory: '100mb', databases: '16' },
    });
    await waitForSteadyState(ns, 'tuned', 3, 'created');
    const before = identities(await instancePods(client, ns, 'tuned'));
    expect(await everyPod(ns, 'tuned', 'maxmemory')).toEqual(['104857600', '104857600', '104857600']);

    await patchSpec(client, ns, 'tuned', { config: { maxmemory: '200mb', databases: '16' } });
    await waitFor(async () => {
      const values = await everyPod(ns, 'tuned', 'maxmemory');
      return pollResult(values.every((v) => v === '209715200') || undefined, values.join(' '));
    }, { description: 'maxmemory 200mb on every pod', timeoutMs: 60_000, intervalMs: 500 });
    const live = await waitForInstance(client, ns, 'tuned', 'the live change recorded', (i) => i.status?.lastUpdate?.strategy === 'Live');
    expect(live.status?.lastUpdate?.changes).toEqual([{ path: 'spec.config.maxmemory', from: '100mb', to: '200mb' }]);
    // Same pods, same containers: nothing restarted.
    expect(identities(await instancePods(client, ns, 'tuned'))).toEqual(before);
    // The ConfigMap holds the new value, so a restart keeps it.
    const configMap = await client.get<KubeObject & { data: Record<string, string> }>(Resources.configMap, 'tuned-config', ns);
    expect(configMap?.data['redis.conf']).toMatch(/^maxmemory 200mb$/m);
    expect((await listEvents(client, ns, 'tuned')).map((e) => `${e.reason}: ${e.message}`))
      .toEqual(expect.arrayContaining(['LiveConfigUpdate: CONFIG SET on every pod, no restart: spec.config.maxmemory 100mb -> 200mb']));

    // databases is read at start only: the change rolls every pod, which reads it from the ConfigMap.
    await patchSpec(client, ns, 'tuned', { config: { maxmemory: '200mb', databases: '32' } });
    await waitFor(async () => {
      const pods = await instancePods(client, ns, 'tuned');
      const replaced = pods.length === 3 && pods.every((p) => isReady(p) && !before.some((id) => id.startsWith(`${p.metadata.name}/${p.metadata.uid}/`)));
      return pollResult(replaced || undefined, identities(pods).join(' '));
    }, { description: 'every pod replaced for databases', timeoutMs: 300_000, intervalMs: 500 });
    const rolled = await waitForSteadyState(ns, 'tuned', 3, 'rolled');
    expect(rolled.status?.lastUpdate).toMatchObject({ strategy: 'Rolling', changes: [{ path: 'spec.config.databases', from: '16', to: '32' }] });
    expect(await everyPod(ns, 'tuned', 'databases')).toEqual(['32', '32', '32']);
    expect(await everyPod(ns, 'tuned', 'maxmemory')).toEqual(['209715200', '209715200', '209715200']);

    // A directive Redis 7.0 does not know (7.2 brought locale-collate) would stop a restarted
    // pod: it is refused before anything changes, the live part of the edit included.
    const settled = identities(await instancePods(client, ns, 'tuned'));
    const configBefore = await client.get<KubeObject & { data: Record<string, string> }>(Resources.configMap, 'tuned-config', ns);
    await patchSpec(client, ns, 'tuned', { config: { maxmemory: '300mb', databases: '32', 'locale-collate': 'C' } });
    const refused = await waitForInstance(client, ns, 'tuned', 'refused', (i) => i.status?.observedGeneration === i.metadata.generation
      && i.status?.conditions?.some((c) => c.type === 'Degraded' && c.status === 'True' && c.reason === 'InvalidSpec') === true);
    expect(refused.status?.conditions?.find((c) => c.type === 'Degraded')?.message).toMatch(/spec\.config\.locale-collate: directive "locale-collate" is not known to Redis 7\.0/);
    expect((await client.get(Resources.configMap, 'tuned-config', ns))?.metadata.resourceVersion).toBe(configBefore?.metadata.resourceVersion);
    expect(await everyPod(ns, 'tuned', 'maxmemory')).toEqual(['209715200', '209715200', '209715200']);
    expect(identities(await instancePods(client, ns, 'tuned'))).toEqual(settled);
  });
});
