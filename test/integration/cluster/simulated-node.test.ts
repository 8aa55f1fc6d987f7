import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoordinationV1Api, CoreV1Api } from '@kubernetes/client-node';
import { describe, expect, inject, it, onTestFinished } from 'vitest';
import { NODE_NAME, startCluster } from '../../cluster/cluster.js';
import { loadKubeConfig } from '../../cluster/kubeconfig.js';
import { kwokPodRangeRoute, kwokPodRangeRoutes, routeTo, tryConnect } from '../../cluster/kwok-network.js';
import { freshNamespace } from '../../cluster/namespace.js';
import { pollResult, waitFor } from '../../cluster/wait.js';


describe("kwok's simulated node", () => {
  it('stays Ready past the node monitor grace period: kwok renews a Lease in kube-node-lease', async () => {
    const gracePeriodSeconds = 15;
    const dir = await mkdtemp(join(tmpdir(), 'redis-operator-grace-'));
    const cluster = await startCluster({ dir, nodeMonitorGracePeriod: `${gracePeriodSeconds}s` });
    onTestFinished(async () => {
      await cluster.stop();
      await rm(dir, { recursive: true, force: true });
    });
    const kubeConfig = loadKubeConfig(cluster.kubeconfigPath);
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const leases = kubeConfig.makeApiClient(CoordinationV1Api);

    // Watched for three grace periods, long enough for kube-controller-manager to have given
    // up on the node more than once were nothing renewing its heartbeat.
    const until = Date.now() + 3 * gracePeriodSeconds * 1_000;
    const notReady: string[] = [];
    await waitFor(async () => {
      const node = await core.readNode({ name: NODE_NAME });
      const ready = node.status?.conditions?.find((condition) => condition.type === 'Ready');
      if (ready?.status !== 'True') notReady.push(`${new Date().toISOString()} Ready=${ready?.status} ${ready?.reason}`);
      return pollResult(Date.now() >= until || undefined, `${notReady.length} NotReady observations`);
    }, { description: 'three grace periods to pass', timeoutMs: 4 * gracePeriodSeconds * 1_000, intervalMs: 1_000 });
    expect(notReady).toEqual([]);
    // The heartbeat kube-controller-manager relies on: renewed within the last grace period.
    const lease = await leases.readNamespacedLease({ name: NODE_NAME, namespace: 'kube-node-lease' });
    expect(Date.now() - new Date(lease.spec?.renewTime ?? 0).getTime()).toBeLessThan(gracePeriodSeconds * 1_000);
  });

  it("refuses a connection to a simulated pod's address at once: kwok's pod range is unreachable while the cluster is up", async () => {
    const { name: ns, kubeConfig } = await freshNamespace({ prefix: 'kwoknet' });
    const core = kubeConfig.makeApiClient(CoreV1Api);
    await core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'simulated' }, spec: { containers: [{ name: 'redis', image: 'redis:7.2' }] } } });
    const podIP = await waitFor(async () => pollResult((await core.readNamespacedPod({ name: 'simulated', namespace: ns })).status?.podIP),
      { description: 'the simulated pod to get an address', timeoutMs: 30_000 });
    expect(podIP).toMatch(/^10\.244\./);
    // This cluster's own route (its metric is the API server's port), not another cluster's.
    expect(await kwokPodRangeRoutes()).toContain(kwokPodRangeRoute(new URL(inject('apiServerUrl')).port));
    // Checked before dialling: were the route missing, this connection would leave the machine.
    expect(await routeTo(podIP)).toBe('unreachable');
    const attempt = await tryConnect(podIP, 6379, 5_000);
    expect(attempt.outcome).toBe('EHOSTUNREACH');
    expect(attempt.ms).toBeLessThan(1_000);
  });

  it('takes its unreachable route away with it, leaving the other clusters their own', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'redis-operator-route-'));
    let cluster: Awaited<ReturnType<typeof startCluster>> | undefined;
    onTestFinished(async () => {
      await cluster?.stop();
      await rm(dir, { recursive: true, force: true });
    });
    const routes = kwokPodRangeRoutes;
    // The run's own cluster has one; clusters of other runs may come and go meanwhile.
    const ofRun = (await routes()).filter((route) => route.endsWith(` metric ${new URL(inject('apiServerUrl')).port}`));
    expect(ofRun).toHaveLength(1);
    cluster = await startCluster({ dir });
    const own = kwokPodRangeRoute(cluster.ports.apiServer);
    expect(await routes()).toEqual(expect.arrayContaining([...ofRun, own]));
    await cluster.stop();
    cluster = undefined;
    const after = await routes();
    expect(after).not.toContain(own);
    expect(after).toEqual(expect.arrayContaining(ofRun));
  });
});
