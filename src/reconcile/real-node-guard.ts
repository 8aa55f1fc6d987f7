/**
 * Which addresses the operator may dial: pods of its instances that run on real nodes. A pod on
 * a simulated node (kwok) has an address that exists on no interface; a connection to it would
 * only wait for a timeout, or follow the default route off the machine.
 */
import type { KubeObject } from '../client/objects.js';
import type { DialGuard } from '../redis/redis-admin.js';
import type { PodObject } from './instance-pods.js';

export interface NodeObject extends KubeObject {
  readonly metadata: KubeObject['metadata'] & {
    readonly annotations?: Readonly<Record<string, string>>;
    readonly labels?: Readonly<Record<string, string>>;
  };
}

/** kwok manages the nodes that carry this annotation (kwok's `--manage-nodes-with-annotation-selector`). */
export const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node';

/** Nodes kwok simulates: annotated for kwok, or labelled `type: kwok` as kwok's examples do. */
export function isSimulatedNode(node: NodeObject): boolean {
  return node.metadata.annotations?.[KWOK_NODE_ANNOTATION] !== undefined || node.metadata.labels?.type === 'kwok';
}

export interface GuardLookups {
  /** The operator's pods (the cache of pods it manages). */
  readonly pods: () => Iterable<PodObject>;
  readonly node: (name: string) => NodeObject | undefined;
}

/**
 * Whether the pod still holds the address its status shows. A pod being deleted does while its
 * containers run: the primary's preStop hook keeps it serving until the operator's FAILOVER has
 * made it a replica, and that FAILOVER must be sent to it. Once they have stopped the address
 * may be given to another pod, and the password must not go there.
 */
function holdsAddress(pod: PodObject): boolean {
  if (!pod.metadata.deletionTimestamp) return true;
  const containers = pod.status?.containerStatuses ?? [];
  return containers.length > 0 && containers.every((c) => c.state?.running !== undefined);
}

/**
 * Allows an address only when it is the IP of one of the operator's pods, on a node the API
 * server knows and that is not simulated. Deliberately not a pod-CIDR check: many network
 * plugins (Calico, Cilium in cluster-pool mode) give pods addresses outside the node's
 * `spec.podCIDR`, and such a guard would turn their Redis into "unobservable".
 */
export function realNodeDialGuard(lookups: GuardLookups): DialGuard {
  return (address) => {
    let pod: PodObject | undefined;
    for (const candidate of lookups.pods()) {
      if (candidate.status?.podIP !== address.host || !holdsAddress(candidate)) continue;
      // A pod being deleted and a new one may show the same address for a moment: the new one has it.
      if (pod === undefined || (pod.metadata.deletionTimestamp && !candidate.metadata.deletionTimestamp)) pod = candidate;
    }
    if (pod === undefined) return { allowed: false, reason: 'no pod of a RedisInstance has this address' };
    const where = `pod ${pod.metadata.namespace ?? ''}/${pod.metadata.name}`;
    const nodeName = pod.spec?.nodeName;
    if (nodeName === undefined) return { allowed: false, reason: `${where} is not scheduled on a node` };
    const node = lookups.node(nodeName);
    if (node === undefined) return { allowed: false, reason: `${where} runs on node ${nodeName}, which the operator does not know` };
    if (isSimulatedNode(node)) return { allowed: false, reason: `${where} runs on simulated node ${nodeName}, where no Redis runs` };
    return { allowed: true };
  };
}
