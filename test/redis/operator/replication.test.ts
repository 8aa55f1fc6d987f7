import { describe, expect, it } from 'vitest';
import { freshNamespace } from '../../cluster/namespace.js';
import { IMAGES, REAL_NODE_NAME } from '../../cluster/real-node/node-config.js';
import { createInstance, testClient, waitForReady } from '../../support/kube.js';
import {
  clientServiceAddress, connectRedis, createPasswordSecret, instancePods, missingKeys, operatorForTheseTests, replicationInfo,
  waitForReplicasInSync, writeKeys,
} from '../support/real-node.js';

const PASSWORD = 'real-node-replication-secret';

describe('a replicated, password-protected instance on the real node', () => {
  operatorForTheseTests();

  it('becomes Ready; a client through the NAME Service writes and reads with the password; every replica links up and catches up; a wrong password is refused', async () => {
    const client = testClient();
    const { name: ns } = await freshNamespace({ prefix: 'repl' });
    await createPasswordSecret(client, ns, 'sessions-auth', PASSWORD);
    await createInstance(client, ns, 'sessions', {
      replicas: 3,
      image: IMAGES.redis,
      config: { appendonly: 'yes' },
      auth: { secretName: 'sessions-auth' },
    });
    await waitForReady(client, ns, 'sessions', 180_000);

    const pods = await instancePods(client, ns, 'sessions');
    expect(pods.map((pod) => [pod.metadata.name, pod.spec.nodeName])).toEqual([
      ['sessions-0', REAL_NODE_NAME], ['sessions-1', REAL_NODE_NAME], ['sessions-2', REAL_NODE_NAME],
    ]);

    const primary = await connectRedis(await clientServiceAddress(client, ns, 'sessions'), PASSWORD);
    expect((await replicationInfo(primary)).role).toBe('master');
    expect(await primary.configGet('appendonly')).toEqual({ appendonly: 'yes' });
    await writeKeys(primary, 500);
    expect(await missingKeys(primary, 500)).toEqual([]);

    const replicas = await Promise.all(pods.slice(1).map((pod) => connectRedis(pod.status!.podIP!, PASSWORD)));
    await waitForReplicasInSync(replicas, primary);
    for (const replica of replicas) {
      const info = await replicationInfo(replica);
      expect(info.role).toBe('slave');
      expect(info.master_host).toBe(`sessions-0.sessions-headless.${ns}.svc`);
      expect(info.master_link_status).toBe('up');
      expect(await missingKeys(replica, 500)).toEqual([]);
    }
    expect(Number((await replicationInfo(primary)).connected_slaves)).toBe(2);

    const address = await clientServiceAddress(client, ns, 'sessions');
    await expect(connectRedis(address, 'not-the-password')).rejects.toThrow(/WRONGPASS/);
    await expect(connectRedis(address)).rejects.toThrow(/NOAUTH/);
  });
});
