import { describe, expect, it } from 'vitest';
import { freshNamespace } from '../../cluster/namespace.js';
import { IMAGES, REAL_NODE_NAME } from '../../cluster/real-node/node-config.js';
import { Resources } from '../../../src/client/resources.js';
import type { KubeObject } from '../../../src/client/objects.js';
import { createInstance, testClient, waitForInstance, waitForReady } from '../../support/kube.js';
import {
  clientServiceAddress, connectRedis, createPasswordSecret, instancePods, missingKeys, operatorForTheseTests, replicationInfo,
  waitForReplicasInSync, writeKeys,
} from '../support/real-node.js';

const PASSWORD = 'real-node-replication-secret';

async function replicationInfoOf(host: string): Promise<Record<string, string>> {
  return replicationInfo(await connectRedis(host, PASSWORD));
}

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

    // The operator chose and labelled the primary once Redis answered; the others replicate from it.
    const instance = await waitForInstance(client, ns, 'sessions', 'writable, replicas in sync', (i) =>
      i.status?.conditions?.some((c) => c.type === 'Writable' && c.status === 'True') === true
      && i.status.conditions.some((c) => c.type === 'ReplicasInSync' && c.status === 'True'), 120_000);
    const primaryName = instance.status!.primary!;
    const primaryPod = pods.find((pod) => pod.metadata.name === primaryName)!;
    const primary = await connectRedis(await clientServiceAddress(client, ns, 'sessions'), PASSWORD);
    expect((await replicationInfo(primary)).role).toBe('master');
    expect((await replicationInfo(primary)).master_replid).toBe((await replicationInfoOf(primaryPod.status!.podIP!)).master_replid);
    expect(await primary.configGet('appendonly')).toEqual({ appendonly: 'yes' });
    await writeKeys(primary, 500);
    expect(await missingKeys(primary, 500)).toEqual([]);

    const replicaPods = (await instancePods(client, ns, 'sessions')).filter((pod) => pod.metadata.name !== primaryName);
    expect(replicaPods.map((pod) => pod.metadata.labels?.['redis.github.com/role'])).toEqual(['replica', 'replica']);
    const replicas = await Promise.all(replicaPods.map((pod) => connectRedis(pod.status!.podIP!, PASSWORD)));
    await waitForReplicasInSync(replicas, primary);
    for (const replica of replicas) {
      const info = await replicationInfo(replica);
      expect(info.role).toBe('slave');
      expect(info.master_host).toBe(primaryPod.status!.podIP);
      expect(info.master_link_status).toBe('up');
      expect(await missingKeys(replica, 500)).toEqual([]);
    }
    expect(Number((await replicationInfo(primary)).connected_slaves)).toBe(2);

    // Reads go to the replicas through NAME-replicas.
    const readsAddress = (await client.get<KubeObject & { spec: { clusterIP: string } }>(Resources.service, 'sessions-replicas', ns))!.spec.clusterIP;
    const readReplica = await connectRedis(readsAddress, PASSWORD);
    expect((await replicationInfo(readReplica)).role).toBe('slave');
    expect(await missingKeys(readReplica, 500)).toEqual([]);

    const address = await clientServiceAddress(client, ns, 'sessions');
    await expect(connectRedis(address, 'not-the-password')).rejects.toThrow(/WRONGPASS/);
    await expect(connectRedis(address)).rejects.toThrow(/NOAUTH/);
  });
});
