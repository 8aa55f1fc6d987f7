import type { KubeClient } from '../../src/client/kube-client.js';
import type { KubeObject } from '../../src/client/objects.js';
import { Resources } from '../../src/client/resources.js';
import { selector } from './kube.js';

interface Pod extends KubeObject {
  status?: { conditions?: Array<{ type: string; status: string }> };
}

function serving(pod: Pod): boolean {
  return !pod.metadata.deletionTimestamp && pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}

/**
 * Watches an instance's pods and remembers the fewest that were Ready (and not terminating) at
 * any moment since the last `reset()`: the proof that an update never took Redis down.
 *
 * The proof holds only while the watch runs: a watch that died would freeze the count at its
 * last value and any minimum would pass. So once the watch fails or ends before stop(), every
 * reading throws, naming why.
 */
export class PodTracker {
  private readonly pods = new Map<string, Pod>();
  private readonly abort = new AbortController();
  private minimum = Number.POSITIVE_INFINITY;
  private watching: Promise<void> | undefined;
  private died: string | undefined;
  /** Every pod UID ever seen. */
  readonly seen = new Set<string>();

  static async start(client: Pick<KubeClient, 'list' | 'watch'>, namespace: string, name: string): Promise<PodTracker> {
    const tracker = new PodTracker();
    const list = await client.list<Pod>(Resources.pod, { namespace, labelSelector: selector(name) });
    for (const pod of list.items) tracker.observe('ADDED', pod);
    tracker.watching = client.watch<Pod>(Resources.pod, {
      namespace, labelSelector: selector(name), resourceVersion: list.metadata.resourceVersion, signal: tracker.abort.signal,
    }, (event) => tracker.observe(event.type, event.object)).then(
      () => { if (!tracker.abort.signal.aborted) tracker.died = 'the pod watch ended'; },
      (error: unknown) => { tracker.died = `the pod watch failed: ${error instanceof Error ? error.message : String(error)}`; },
    );
    tracker.reset();
    return tracker;
  }

  private observe(type: string, pod: Pod): void {
    if (type === 'BOOKMARK') return;
    const uid = pod.metadata.uid ?? pod.metadata.name;
    this.seen.add(uid);
    if (type === 'DELETED') this.pods.delete(uid);
    else this.pods.set(uid, pod);
    this.minimum = Math.min(this.minimum, this.servingNow());
  }

  /** Ready pods now; throws once the watch has died. */
  get serving(): number {
    this.assertWatching();
    return this.servingNow();
  }

  /** The fewest Ready pods since the last reset (the current count when nothing happened); throws once the watch has died. */
  get minimumServing(): number {
    return Math.min(this.minimum, this.serving);
  }

  reset(): void {
    this.assertWatching();
    this.minimum = this.servingNow();
  }

  private servingNow(): number {
    return [...this.pods.values()].filter(serving).length;
  }

  private assertWatching(): void {
    if (this.died) throw new Error(`${this.died}: the pods were not followed from then on, so no minimum can be trusted`);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.watching;
  }
}
