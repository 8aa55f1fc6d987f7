import { describe, expect, it } from 'vitest';
import type { KubeClient } from '../../../src/client/kube-client.js';
import { Resources } from '../../../src/client/resources.js';
import { freshNamespace, testKubeconfigPath } from '../../cluster/namespace.js';
import {
  createInstance, listEvents, listPods, patchSpec, testClient, waitForInstance, waitForReady, type StoredInstance,
} from '../../support/kube.js';
import { kubectl } from '../../support/kubectl.js';
import { operatorFor } from '../../support/operator-per-test.js';

const condition = (i: StoredInstance, type: string) => i.status?.conditions?.find((c) => c.type === type);
const caughtUp = (i: StoredInstance) => i.status?.observedGeneration === i.metadata.generation;
const deadlineExceeded = (i: StoredInstance) => caughtUp(i) && condition(i, 'Progressing')?.reason === 'ProgressDeadlineExceeded';

/** What `kubectl wait --for=condition=Ready` says within a few seconds: it must not succeed. */
async function kubectlWaitReady(ns: string, name: string): Promise<number | null> {
  const result = await kubectl(['--kubeconfig', testKubeconfigPath(), 'wait', '-n', ns, `redisinstances/${name}`, '--for=condition=Ready', '--timeout=3s']);
  return result.code;
}

/**
 * A kubelet's report of a container that keeps crashing, written to the pod's status as the
 * kubelet would (kwok, the simulated kubelet, leaves a Running pod's readiness alone): the
 * StatefulSet controller and the operator then see what they would see in a real cluster.
 */
async function crashLooping(client: KubeClient, ns: string, pod: string): Promise<void> {
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  await client.patch(Resources.pod, ns, pod, {
    status: {
      conditions: [
        { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
        { type: 'Initialized', status: 'True', lastTransitionTime: now },
        { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [redis]', lastTransitionTime: now },
        { type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [redis]', lastTransitionTime: now },
      ],
      containerStatuses: [{
        name: 'redis', image: 'redis:7.2', imageID: '', ready: false, restartCount: 4, started: false,
        state: { waiting: { reason: 'CrashLoopBackOff', message: `back-off 1m20s restarting failed container=redis pod=${pod}_${ns}` } },
        lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: now, finishedAt: now } },
      }],
    },
  }, 'merge', { subresource: 'status' });
}

describe('a progress deadline, so that a stuck instance says so', () => {
  it('a change that cannot finish: past spec.progressDeadlineSeconds, Progressing=False and Degraded=True name the pod and why, with a Warning Event', async () => {
    const { name: ns } = await freshNamespace();
    await operatorFor({ namespace: ns });
    const client = testClient();
    await createInstance(client, ns, 'cache', { replicas: 2, image: 'redis:7.2', progressDeadlineSeconds: 4 });
    await waitForReady(client, ns, 'cache');

    // Far more memory than the node has: the scheduler leaves the replaced pod Pending for good.
    await patchSpec(client, ns, 'cache', { resources: { requests: { memory: '64Ti' } } });
    const stuck = await waitForInstance(client, ns, 'cache', 'the progress deadline exceeded', deadlineExceeded, 60_000);
    expect(stuck.status?.phase).toBe('Degraded');
    expect(condition(stuck, 'Progressing')).toMatchObject({ status: 'False', reason: 'ProgressDeadlineExceeded' });
    expect(condition(stuck, 'Ready')).toMatchObject({ status: 'False' });
    const degraded = condition(stuck, 'Degraded');
    expect(degraded).toMatchObject({ status: 'True', reason: 'ProgressDeadlineExceeded' });
    expect(degraded?.message).toMatch(/no progress for 4 s \(spec\.progressDeadlineSeconds\).*cache-1: Pending \(Unschedulable: 0\/1 nodes are available: 1 Insufficient memory/);
    expect(await kubectlWaitReady(ns, 'cache')).not.toBe(0);
    const warnings = (await listEvents(client, ns, 'cache')).filter((e) => e.type === 'Warning' && e.reason === 'ProgressDeadlineExceeded');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toContain('cache-1: Pending (Unschedulable');

    // Undoing the change is enough: the StatefulSet controller would wait for the Pending pod to
    // become ready (Kubernetes' forced rollback), but under OnDelete the operator replaces the
    // pod of the undone change itself.
    const pending = (await listPods(client, ns, 'cache')).find((p) => p.metadata.name === 'cache-1')!.metadata.uid;
    await patchSpec(client, ns, 'cache', { resources: null });
    const recovered = await waitForReady(client, ns, 'cache', 60_000);
    expect((await listPods(client, ns, 'cache')).find((p) => p.metadata.name === 'cache-1')!.metadata.uid).not.toBe(pending);
    expect(condition(recovered, 'Degraded')).toMatchObject({ status: 'False' });
    expect(condition(recovered, 'Progressing')).toMatchObject({ status: 'False', reason: 'RolloutComplete' });
  });

  it('pods that stop being ready with nothing changing: the deadline counts from then, and Degraded names each pod\'s waiting reason', async () => {
    const { name: ns } = await freshNamespace();
    await operatorFor({ namespace: ns });
    const client = testClient();
    await createInstance(client, ns, 'cache', { replicas: 2, progressDeadlineSeconds: 4 });
    await waitForReady(client, ns, 'cache');

    for (const pod of ['cache-0', 'cache-1']) await crashLooping(client, ns, pod);
    const notReady = await waitForInstance(client, ns, 'cache', 'not Ready', (i) => condition(i, 'Ready')?.status === 'False');
    expect(notReady.status?.phase).not.toBe('Ready');
    expect(await kubectlWaitReady(ns, 'cache')).not.toBe(0);
    const stuck = await waitForInstance(client, ns, 'cache', 'the progress deadline exceeded', deadlineExceeded, 60_000);
    expect(stuck.status?.phase).toBe('Degraded');
    expect(stuck.status?.readyReplicas).toBe(0);
    expect(condition(stuck, 'Degraded')?.message).toMatch(/0\/2 pods ready: cache-0: CrashLoopBackOff \(back-off 1m20s restarting failed container=redis .*\); cache-1: CrashLoopBackOff/);
    // The deadline counts from when the pods stopped being ready, not from the last change.
    const since = Date.parse(condition(stuck, 'Progressing')!.lastTransitionTime) - Date.parse(condition(notReady, 'Ready')!.lastTransitionTime);
    expect(since).toBeGreaterThanOrEqual(4_000);
    expect((await listPods(client, ns, 'cache')).map((p) => p.metadata.name).sort()).toEqual(['cache-0', 'cache-1']);
  });

  it('an instance whose pods never become ready from the start turns Degraded too, and Ready never holds', async () => {
    const { name: ns } = await freshNamespace();
    await operatorFor({ namespace: ns });
    const client = testClient();
    await createInstance(client, ns, 'cache', { replicas: 1, progressDeadlineSeconds: 3, resources: { requests: { cpu: '5000' } } });
    const stuck = await waitForInstance(client, ns, 'cache', 'the progress deadline exceeded', deadlineExceeded, 60_000);
    expect(condition(stuck, 'Degraded')?.message).toMatch(/cache-0: Pending \(Unschedulable: 0\/1 nodes are available: 1 Insufficient cpu/);
    expect(condition(stuck, 'Ready')?.status).toBe('False');
    expect(await kubectlWaitReady(ns, 'cache')).not.toBe(0);
  });
});
