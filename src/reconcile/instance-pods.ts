import { LABEL_INSTANCE, LABEL_REVISION, ROLE_LABEL, ordinalOf, type PodRole } from '../api/names.js';
import type { PodState } from './pods.js';

/** A pod as the pod cache holds it (see podState). */
export type PodObject = PodState;

/** One pod of an instance, as the cache shows it. */
export interface InstancePod {
  readonly name: string;
  readonly uid: string;
  readonly ordinal: number;
  readonly ip: string | undefined;
  readonly nodeName: string | undefined;
  readonly ready: boolean;
  /** When the Ready condition last changed (so, while not Ready, since when it is not). */
  readonly readyChangedAt: Date | undefined;
  /** Being deleted (by anyone). */
  readonly terminating: boolean;
  /** The StatefulSet revision it was created from (`controller-revision-hash`). */
  readonly revision: string | undefined;
  /** The role label the operator set, if any. */
  readonly role: PodRole | undefined;
  readonly object: PodObject;
}

function roleOf(value: string | undefined): PodRole | undefined {
  return value === 'primary' || value === 'replica' ? value : undefined;
}

export function instancePod(instance: string, pod: PodObject): InstancePod | undefined {
  const ordinal = ordinalOf(instance, pod.metadata.name);
  if (ordinal === undefined) return undefined;
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  const changed = ready?.lastTransitionTime === undefined ? undefined : new Date(ready.lastTransitionTime);
  return {
    name: pod.metadata.name,
    uid: pod.metadata.uid ?? '',
    ordinal,
    ip: pod.status?.podIP || undefined,
    nodeName: pod.spec?.nodeName,
    ready: ready?.status === 'True',
    readyChangedAt: changed !== undefined && !Number.isNaN(changed.getTime()) ? changed : undefined,
    terminating: pod.metadata.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null,
    revision: pod.metadata.labels?.[LABEL_REVISION],
    role: roleOf(pod.metadata.labels?.[ROLE_LABEL]),
    object: pod,
  };
}

/**
 * The pods of instance `name` among `pods` (one namespace), by ordinal. A pod counts when it
 * carries the instance label and a name the StatefulSet gives (`NAME-<ordinal>`).
 */
export function podsOfInstance(name: string, pods: readonly PodObject[]): InstancePod[] {
  return pods
    .filter((pod) => pod.metadata.labels?.[LABEL_INSTANCE] === name)
    .map((pod) => instancePod(name, pod))
    .filter((pod): pod is InstancePod => pod !== undefined)
    .sort((a, b) => a.ordinal - b.ordinal);
}
