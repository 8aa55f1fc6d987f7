import { randomBytes } from 'node:crypto';
import { describe, expect, inject, it, onTestFinished } from 'vitest';
import { Resources } from '../../../src/client/resources.js';
import type { KubeObject } from '../../../src/client/objects.js';
import { runCommand } from '../../cluster/host-changes.js';
import { kwokPodRangeRoute, kwokPodRangeRoutes, routeTo, tryConnect } from '../../cluster/kwok-network.js';
import { freshNamespace } from '../../cluster/namespace.js';
import { BRIDGE, CLUSTER_DNS_IP, FORWARD_CHAIN, IMAGES } from '../../cluster/real-node/node-config.js';
import { resolveWith } from '../../cluster/real-node/real-node.js';
import { pollResult, waitFor } from '../../cluster/wait.js';
import { testClient } from '../../support/kube.js';
import { execInPod, getPod, isReady, type Pod } from '../support/real-node.js';

/** An address of kwok's pod range (KWOK_POD_CIDR): nothing here has it, so without the cluster's route a packet to it would leave the machine. */
const KWOK_POD_ADDRESS = '10.244.0.7';

/** A plain pod on the real node running redis-server, with busybox's nc beside it. */
async function startPod(namespace: string, name: string, labels: Record<string, string> = {}): Promise<Pod> {
  const client = testClient();
  await client.create(Resources.pod, {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace, labels: { app: name, ...labels } },
    spec: {
      securityContext: { runAsNonRoot: true, runAsUser: 999, runAsGroup: 999 },
      containers: [{ name: 'redis', image: IMAGES.redis, imagePullPolicy: 'Never', command: ['redis-server', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'] }],
    },
  } as KubeObject);
  return waitFor(async () => {
    const pod = await getPod(client, namespace, name);
    return pollResult(isReady(pod) && pod.status?.podIP ? pod : undefined, JSON.stringify(pod.status?.containerStatuses));
  }, { description: `pod ${namespace}/${name} to be Ready`, timeoutMs: 60_000, intervalMs: 200 });
}


describe('the real node keeps every packet on this machine', () => {
  it("refuses a connection to kwok's pod range at once, from the host and from a pod", async () => {
    // Checked before anything dials: were the route missing, the attempt would leave the machine.
    // This cluster's own route (its metric is the API server's port), not another cluster's.
    expect(await kwokPodRangeRoutes()).toContain(kwokPodRangeRoute(new URL(inject('apiServerUrl')).port));
    expect(await routeTo(KWOK_POD_ADDRESS)).toBe('unreachable');
    const fromHost = await tryConnect(KWOK_POD_ADDRESS, 6379, 5_000);
    expect(fromHost.outcome).toBe('EHOSTUNREACH');
    expect(fromHost.ms).toBeLessThan(1_000);

    const { name: ns } = await freshNamespace({ prefix: 'net' });
    const pod = await startPod(ns, 'dialer');
    // From the pod, the host forwards: its route lookup for the pod's packet must fail too.
    expect(await routeTo(KWOK_POD_ADDRESS, { from: pod.status!.podIP!, inputInterface: BRIDGE })).toBe('unreachable');
    const started = Date.now();
    const fromPod = await execInPod(ns, 'dialer', ['nc', '-w', '5', KWOK_POD_ADDRESS, '6379']);
    expect(fromPod.exitCode).not.toBe(0);
    expect(fromPod.stderr).toMatch(/No route to host|Host is unreachable/);
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('drops what a pod sends towards any interface but the bridge: a host outside, made here in a network namespace, never sees it', async () => {
    // Stands in for the world outside: a namespace of its own behind a veth pair, with a route
    // from the host, and a Redis listening there. If the pod's packets were forwarded they
    // would arrive in that namespace, still on this machine, and be counted.
    const id = randomBytes(3).toString('hex');
    const netns = `ro-outside-${id}`;
    const [hostSide, outsideSide] = [`roout${id}`, `roin${id}`];
    const outsideAddress = '198.51.100.2';
    const { name: ns } = await freshNamespace({ prefix: 'net' });
    const pod = await startPod(ns, 'sender');
    await runCommand(['ip', 'netns', 'add', netns]);
    onTestFinished(async () => {
      await runCommand(['ip', 'netns', 'pids', netns]).then((pids) => Promise.all(pids.split('\n').filter(Boolean).map((pid) => runCommand(['kill', '-9', pid]))), () => undefined);
      await runCommand(['ip', 'netns', 'del', netns]).catch(() => undefined);
      await runCommand(['ip', 'link', 'del', hostSide]).catch(() => undefined);
    });
    await runCommand(['ip', 'link', 'add', hostSide, 'type', 'veth', 'peer', 'name', outsideSide]);
    await runCommand(['ip', 'link', 'set', outsideSide, 'netns', netns]);
    await runCommand(['ip', 'addr', 'add', '198.51.100.1/24', 'dev', hostSide]);
    await runCommand(['ip', 'link', 'set', hostSide, 'up']);
    await runCommand(['ip', '-n', netns, 'addr', 'add', `${outsideAddress}/24`, 'dev', outsideSide]);
    await runCommand(['ip', '-n', netns, 'link', 'set', outsideSide, 'up']);
    await runCommand(['ip', '-n', netns, 'link', 'set', 'lo', 'up']);
    await runCommand(['ip', '-n', netns, 'route', 'add', 'default', 'via', '198.51.100.1']);
    await runCommand(['sh', '-c', `ip netns exec ${netns} redis-server --bind ${outsideAddress} --port 6399 --protected-mode no --save '' --appendonly no --daemonize yes --logfile ''`]);
    const connections = async () => Number(/total_connections_received:(\d+)/.exec(await runCommand(['redis-cli', '-h', outsideAddress, '-p', '6399', 'info', 'stats']))?.[1]);
    // The host itself reaches it (its own traffic is not forwarded): the path exists.
    await waitFor(async () => pollResult((await connections()) >= 1 || undefined), { description: 'the outside Redis to answer the host', timeoutMs: 10_000 });
    const before = await connections();

    // The pod's packets would be forwarded from the bridge to another interface, as they would
    // be towards the default gateway; our chain drops exactly that.
    expect(await routeTo(outsideAddress, { from: pod.status!.podIP!, inputInterface: BRIDGE })).toMatch(new RegExp(`dev ${hostSide}`));
    expect(await runCommand(['iptables', '-t', 'mangle', '-S', FORWARD_CHAIN])).toContain(`-A ${FORWARD_CHAIN} -i ${BRIDGE} -j DROP`);
    const attempt = await execInPod(ns, 'sender', ['sh', '-c', `redis-cli -h ${outsideAddress} -p 6399 -t 2 ping; nc -w 2 ${outsideAddress} 6399 </dev/null`]);
    expect(attempt.stdout).not.toContain('PONG');
    expect(attempt.exitCode).not.toBe(0);
    expect(await connections()).toBe(before + 1);
    // The default gateway is reached the same way, and so dropped the same way (not dialled here).
    const gateway = /default via (\S+) dev (\S+)/.exec(await runCommand(['ip', 'route', 'show', 'default']));
    if (gateway !== null) {
      expect(await routeTo(gateway[1]!, { from: pod.status!.podIP!, inputInterface: BRIDGE })).toContain(`dev ${gateway[2]}`);
      expect(gateway[2]).not.toBe(BRIDGE);
    }
  });

  it("resolves the cluster's names through the DNS Service, and nothing else: no name is forwarded off the machine", async () => {
    const client = testClient();
    const { name: ns } = await freshNamespace({ prefix: 'dns' });
    const server = await startPod(ns, 'server', { role: 'server' });
    await client.create(Resources.service, {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'server', namespace: ns },
      spec: { selector: { role: 'server' }, ports: [{ port: 6379, targetPort: 6379 }] },
    } as KubeObject);
    const service = (await client.get<KubeObject & { spec: { clusterIP: string } }>(Resources.service, 'server', ns))!;
    expect(await waitFor(async () => pollResult((await resolveWith(CLUSTER_DNS_IP, `server.${ns}.svc.cluster.local`).catch(() => []))[0]),
      { description: 'the Service name to resolve', timeoutMs: 30_000 })).toBe(service.spec.clusterIP);
    await expect(resolveWith(CLUSTER_DNS_IP, 'registry-1.docker.io')).rejects.toThrow();

    // Pod to Service (kube-proxy's rules, through the bridge) and pod to pod by address.
    await startPod(ns, 'client');
    const viaService = await waitFor(async () => {
      const result = await execInPod(ns, 'client', ['redis-cli', '-h', `server.${ns}.svc`, 'ping']);
      return pollResult(result.stdout.trim() === 'PONG' ? result : undefined, JSON.stringify(result));
    }, { description: 'the client pod to reach the server through its Service', timeoutMs: 30_000 });
    expect(viaService.exitCode).toBe(0);
    expect((await execInPod(ns, 'client', ['redis-cli', '-h', server.status!.podIP!, 'ping'])).stdout.trim()).toBe('PONG');
    const lookup = await execInPod(ns, 'client', ['nslookup', 'example.com']);
    expect(lookup.exitCode).not.toBe(0);
  });
});

