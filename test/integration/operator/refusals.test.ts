import { describe, expect, it } from 'vitest';
import type { KubeClient } from '../../../src/client/kube-client.js';
import { Resources } from '../../../src/client/resources.js';
import { freshNamespace } from '../../cluster/namespace.js';
import {
  createInstance, getStatefulSet, listEvents, patchSpec, testClient, waitForInstance, waitForReady, type StoredInstance,
} from '../../support/kube.js';
import { operatorFor } from '../../support/operator-per-test.js';

const degraded = (i: StoredInstance) => i.status?.conditions?.find((c) => c.type === 'Degraded' && c.status === 'True');
const caughtUp = (i: StoredInstance) => i.status?.observedGeneration === i.metadata.generation;

/** What only the operator can refuse: the API server admits it, and nothing rolls. */
describe('the operator refuses before anything rolls', () => {
  it('a directive the Redis version of spec.image does not know: Degraded naming it, nothing changed', async () => {
    const { name: ns } = await freshNamespace();
    await operatorFor({ namespace: ns });
    const client = testClient();
    await createInstance(client, ns, 'cache', { replicas: 2, image: 'redis:7.2', config: { maxmemory: '100mb' } });
    await waitForReady(client, ns, 'cache');
    const sts = (await getStatefulSet(client, ns, 'cache'))!;
    const configMap = (await client.get(Resources.configMap, 'cache-config', ns))!;

    // The CRD cannot know which directives an image's Redis knows: the API server admits it.
    await patchSpec(client, ns, 'cache', { image: 'redis:7.0', config: { maxmemory: '200mb', 'not-a-redis-directive': '1' } });
    const refused = await waitForInstance(client, ns, 'cache', 'Degraded', (i) => caughtUp(i) && degraded(i) !== undefined);
    expect(refused.status?.phase).toBe('Degraded');
    expect(degraded(refused)).toMatchObject({ reason: 'InvalidSpec' });
    expect(degraded(refused)?.message).toMatch(/spec\.config\.not-a-redis-directive: directive "not-a-redis-directive" is not known to Redis 7\.0 \(image redis:7\.0\)/);
    const after = (await getStatefulSet(client, ns, 'cache'))!;
    expect(after.metadata).toMatchObject({ uid: sts.metadata.uid, resourceVersion: sts.metadata.resourceVersion });
    expect((await client.get(Resources.configMap, 'cache-config', ns))?.metadata.resourceVersion).toBe(configMap.metadata.resourceVersion);
    expect((await listEvents(client, ns, 'cache')).filter((e) => e.type === 'Warning' && e.reason === 'InvalidSpec')).toHaveLength(1);

    // Removing the directive is the whole recovery: the rest of the edit is then carried out.
    await client.patch(Resources.redisInstance, ns, 'cache', { spec: { config: { 'not-a-redis-directive': null } } }, 'merge');
    const recovered = await waitForInstance(client, ns, 'cache', 'the edit carried out', (i) => caughtUp(i) && i.status?.phase === 'Ready'
      && i.status.lastUpdate?.strategy === 'Recreate');
    expect(degraded(recovered)).toBeUndefined();
    expect((await getStatefulSet(client, ns, 'cache'))!.spec.template.spec.containers[0]!.image).toBe('redis:7.0');
  });

  it('a missing auth Secret: Degraded AuthSecretNotFound naming it, nothing created, and it starts once the Secret exists', async () => {
    const { name: ns } = await freshNamespace();
    await operatorFor({ namespace: ns });
    const client = testClient();
    await createInstance(client, ns, 'cache', { replicas: 2, auth: { secretName: 'cache-auth' } });
    const waiting = await waitForInstance(client, ns, 'cache', 'Degraded', (i) => degraded(i) !== undefined);
    expect(degraded(waiting)).toMatchObject({ reason: 'AuthSecretNotFound' });
    expect(degraded(waiting)?.message).toMatch(/Secret cache-auth \(spec\.auth\.secretName\) does not exist in namespace .*key password/);
    expect(await getStatefulSet(client, ns, 'cache')).toBeUndefined();
    expect(await client.get(Resources.configMap, 'cache-config', ns)).toBeUndefined();

    // No Secret is watched (the operator may only get them): it looks again on its own.
    await createSecret(client, ns, 'cache-auth', { password: 'correct horse\n' });
    const ready = await waitForReady(client, ns, 'cache', 60_000);
    expect(degraded(ready)).toBeUndefined();
  });

  it('a password the rule refuses: Degraded AuthSecretInvalid naming the Secret and key, never the value, and nothing rolls', async () => {
    const { name: ns } = await freshNamespace();
    const operator = await operatorFor({ namespace: ns });
    const client = testClient();
    await createSecret(client, ns, 'cache-auth', { password: 'first-password' });
    await createInstance(client, ns, 'cache', { replicas: 2, image: 'redis:7.0', auth: { secretName: 'cache-auth' } });
    await waitForReady(client, ns, 'cache');
    const sts = (await getStatefulSet(client, ns, 'cache'))!;

    const secretValue = 'hunter2-line-one\nrequirepass ""';
    await client.patch(Resources.secret, ns, 'cache-auth', { stringData: { password: secretValue } }, 'merge');
    await patchSpec(client, ns, 'cache', { image: 'redis:7.2' });
    const refused = await waitForInstance(client, ns, 'cache', 'Degraded', (i) => caughtUp(i) && degraded(i) !== undefined);
    expect(degraded(refused)).toMatchObject({ reason: 'AuthSecretInvalid' });
    expect(degraded(refused)?.message).toMatch(/^the password \(Secret cache-auth, key password\) holds a line break/);
    expect((await getStatefulSet(client, ns, 'cache'))!.metadata.resourceVersion).toBe(sts.metadata.resourceVersion);

    await client.patch(Resources.secret, ns, 'cache-auth', { data: { password: null, pass: Buffer.from('x').toString('base64') } }, 'merge');
    const noKey = await waitForInstance(client, ns, 'cache', 'the missing key reported', (i) => /has no key password/.test(degraded(i)?.message ?? ''), 60_000);
    expect(degraded(noKey)?.reason).toBe('AuthSecretInvalid');

    const everything = [JSON.stringify(refused.status), JSON.stringify(noKey.status), JSON.stringify(await listEvents(client, ns, 'cache')), ...operator.logs()].join('\n');
    for (const part of ['hunter2', 'line-one', 'first-password']) expect(everything).not.toContain(part);

    await client.patch(Resources.secret, ns, 'cache-auth', { stringData: { password: 'second-password' } }, 'merge');
    const rolled = await waitForInstance(client, ns, 'cache', 'the image rolled', (i) => caughtUp(i) && i.status?.phase === 'Ready'
      && i.status.lastUpdate?.strategy === 'Rolling', 60_000);
    expect(degraded(rolled)).toBeUndefined();
    expect((await getStatefulSet(client, ns, 'cache'))!.spec.template.spec.containers[0]!.image).toBe('redis:7.2');
  });
});

async function createSecret(client: KubeClient, namespace: string, name: string, stringData: Record<string, string>): Promise<void> {
  await client.create(Resources.secret, { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, stringData } as never);
}
