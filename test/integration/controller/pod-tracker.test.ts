/**
 * The pod tracker is what "without downtime" rests on; it must not go on answering once its
 * watch is gone.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { KubeClient } from '../../../src/client/kube-client.js';
import { freshNamespace } from '../../cluster/namespace.js';
import { pollResult, waitFor } from '../../cluster/wait.js';
import { PodTracker } from '../../support/pod-tracker.js';
import { TcpProxy, kubeConfigThroughProxy, serverAddress } from '../../support/tcp-proxy.js';

describe('PodTracker', () => {
  it('refuses to report a minimum once its watch has died', async () => {
    const { name: ns, kubeConfig } = await freshNamespace();
    const { host, port } = serverAddress(kubeConfig);
    const proxy = await TcpProxy.start(host, port);
    onTestFinished(() => proxy.close());
    const tracker = await PodTracker.start(new KubeClient(kubeConfigThroughProxy(kubeConfig, proxy)), ns, 'cache');
    onTestFinished(() => tracker.stop());
    expect(tracker.minimumServing).toBe(0);

    expect(proxy.cutAll()).toBeGreaterThan(0);
    const error = await waitFor(async () => {
      try {
        return pollResult<Error>(undefined, `still answers ${tracker.minimumServing}`);
      } catch (failure) {
        return pollResult(failure as Error);
      }
    }, { description: 'the tracker to notice its watch died', timeoutMs: 10_000, intervalMs: 20 });
    // A cut connection ends the watch or fails it, depending on where the cut catches it.
    expect(error.message).toMatch(/^the pod watch (ended|failed: .+): the pods were not followed from then on, so no minimum can be trusted$/);
    expect(() => tracker.serving).toThrow(/^the pod watch (ended|failed)/);
    expect(() => tracker.reset()).toThrow(/^the pod watch (ended|failed)/);
  });
});
