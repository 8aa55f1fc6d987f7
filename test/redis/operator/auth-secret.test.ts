import { describe, expect, it } from 'vitest';
import { ROLE_LABEL } from '../../../src/api/names.js';
import type { KubeObject } from '../../../src/client/objects.js';
import { Resources } from '../../../src/client/resources.js';
import { freshNamespace } from '../../cluster/namespace.js';
import { IMAGES } from '../../cluster/real-node/node-config.js';
import { createInstance, getStatefulSet, listEvents, patchSpec, testClient, waitForInstance, type StoredInstance } from '../../support/kube.js';
import { PodTracker } from '../../support/pod-tracker.js';
import { createPasswordSecret, instancePods, operatorForTheseTests } from '../support/real-node.js';

function degraded(instance: StoredInstance) {
  return instance.status?.conditions?.find((c) => c.type === 'Degraded');
}

function writable(instance: StoredInstance): boolean {
  return instance.status?.conditions?.some((c) => c.type === 'Writable' && c.status === 'True') === true;
}

describe('the auth Secret on the real node', () => {
  operatorForTheseTests();

  it('while the Secret is missing: Degraded naming it, nothing created; once it exists the instance comes up and gets its primary', async () => {
    const client = testClient();
    const { name: ns } = await freshNamespace({ prefix: 'nosecret' });
    await createInstance(client, ns, 'locked', { replicas: 2, image: IMAGES.redis, auth: { secretName: 'locked-auth' } });
    const tracker = await PodTracker.start(client, ns, 'locked');
    try {
      const stuck = await waitForInstance(client, ns, 'locked', 'Degraded for the missing Secret', (i) => degraded(i)?.status === 'True', 120_000);
      expect(degraded(stuck)).toMatchObject({ reason: 'AuthSecretNotFound', message: expect.stringContaining(`Secret locked-auth (spec.auth.secretName) does not exist in namespace ${ns}`) });
      // A pod could not start without it: the operator creates nothing, and no role is given.
      expect(await getStatefulSet(client, ns, 'locked')).toBeUndefined();
      expect(await instancePods(client, ns, 'locked')).toEqual([]);
      expect(stuck.status?.primary).toBeUndefined();

      await createPasswordSecret(client, ns, 'locked-auth', 'now-it-exists');
      const up = await waitForInstance(client, ns, 'locked', 'writable once the Secret exists', (i) => writable(i) && degraded(i)?.status === 'False', 240_000);
      expect(up.status?.primary).toBe('locked-0');
      // No pod was ever deleted: each pod name was seen with one UID only.
      expect(tracker.seen.size).toBe(2);
    } finally {
      await tracker.stop();
    }
  });

  it('while Redis refuses the Secret\'s password: Degraded with RedisAuthFailed, no pod replaced and no role moved; fixed, the held-back change goes on', async () => {
    const client = testClient();
    const { name: ns } = await freshNamespace({ prefix: 'wrongpw' });
    await createPasswordSecret(client, ns, 'vault-auth', 'the-right-one');
    await createInstance(client, ns, 'vault', { replicas: 2, image: IMAGES.redis, auth: { secretName: 'vault-auth' } });
    const ready = await waitForInstance(client, ns, 'vault', 'writable', (i) => writable(i) && i.status?.phase === 'Ready', 180_000);
    const primary = ready.status!.primary!;
    const uids = (await instancePods(client, ns, 'vault')).map((p) => p.metadata.uid);

    // The Secret changes, the running pods keep the password they started with.
    await client.patch(Resources.secret, ns, 'vault-auth', { stringData: { password: 'not-what-redis-has' } } as unknown as KubeObject, 'merge');
    // A change that would replace every pod.
    await patchSpec(client, ns, 'vault', { image: IMAGES.redisAlternate });
    const refused = await waitForInstance(client, ns, 'vault', 'Degraded for the password', (i) => degraded(i)?.reason === 'RedisAuthFailed', 120_000);
    expect(degraded(refused)?.message).toContain(`Secret ${ns}/vault-auth`);
    expect(JSON.stringify(refused.status)).not.toContain('not-what-redis-has');
    expect(JSON.stringify(await listEvents(client, ns, 'vault'))).not.toContain('not-what-redis-has');
    expect(refused.status?.primary).toBe(primary);
    const during = await instancePods(client, ns, 'vault');
    expect(during.map((p) => p.metadata.uid)).toEqual(uids);
    expect(during.find((p) => p.metadata.name === primary)?.metadata.labels?.[ROLE_LABEL]).toBe('primary');

    await client.patch(Resources.secret, ns, 'vault-auth', { stringData: { password: 'the-right-one' } } as unknown as KubeObject, 'merge');
    await waitForInstance(client, ns, 'vault', 'rolled after the fix', (i) => degraded(i)?.status === 'False' && writable(i) && i.status?.phase === 'Ready'
      && i.status.observedGeneration === i.metadata.generation, 300_000);
    const after = await instancePods(client, ns, 'vault');
    expect(after.every((p) => p.spec.containers[0]!.image === IMAGES.redisAlternate)).toBe(true);
    expect(after.some((p) => uids.includes(p.metadata.uid))).toBe(false);
  });
});
