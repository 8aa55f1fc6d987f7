import { LIVE_CONFIG_ANNOTATION } from '../api/names.js';
import type { KubeObject } from '../client/objects.js';

/** The parts of a container's status that say why it is not ready. */
interface ContainerState {
  readonly waiting?: { readonly reason?: string; readonly message?: string };
  readonly running?: { readonly startedAt?: string };
  readonly terminated?: { readonly reason?: string; readonly exitCode?: number };
}

interface ContainerStatus {
  readonly name: string;
  readonly ready?: boolean;
  readonly restartCount?: number;
  readonly state?: ContainerState;
  readonly lastState?: ContainerState;
}

interface PodCondition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
  readonly lastTransitionTime?: string;
}

/** A pod as the operator caches it: what status and the replication step read, nothing more. */
export interface PodState extends KubeObject {
  readonly spec?: { readonly nodeName?: string };
  readonly status?: {
    readonly podIP?: string;
    readonly phase?: string;
    readonly reason?: string;
    readonly conditions?: readonly PodCondition[];
    readonly initContainerStatuses?: readonly ContainerStatus[];
    readonly containerStatuses?: readonly ContainerStatus[];
  };
}

/** Longest part of a kubelet's or the scheduler's message that status repeats. */
const MESSAGE_LENGTH = 200;

function clip(text: string | undefined): string | undefined {
  if (text === undefined || text === '') return undefined;
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > MESSAGE_LENGTH ? `${line.slice(0, MESSAGE_LENGTH - 3)}...` : line;
}

function container(status: ContainerStatus): ContainerStatus {
  const state = (s: ContainerState | undefined): ContainerState | undefined => s && {
    ...(s.waiting ? { waiting: { reason: s.waiting.reason, message: clip(s.waiting.message) } } : {}),
    ...(s.running ? { running: {} } : {}),
    ...(s.terminated ? { terminated: { reason: s.terminated.reason, exitCode: s.terminated.exitCode } } : {}),
  };
  return JSON.parse(JSON.stringify({
    name: status.name, ready: status.ready, restartCount: status.restartCount, state: state(status.state), lastState: state(status.lastState),
  })) as ContainerStatus;
}

/**
 * The pod informer's transform: a pod's spec, annotations and most of its status are large and
 * unread; what stays is what the instance's status reports (readiness and why not, and since
 * when) and what the replication step needs: the node (may it be dialed?), the IP, the role
 * label and the operator's live-config mark. Container termination messages are dropped: they
 * may hold the last lines of a container's log.
 */
export function podState(object: KubeObject): KubeObject {
  const pod = object as PodState;
  const { name, namespace, uid, resourceVersion, labels, annotations, deletionTimestamp, ownerReferences } = pod.metadata;
  const status = pod.status ?? {};
  const mark = annotations?.[LIVE_CONFIG_ANNOTATION];
  return JSON.parse(JSON.stringify({
    apiVersion: pod.apiVersion, kind: pod.kind,
    metadata: { name, namespace, uid, resourceVersion, labels, deletionTimestamp, ownerReferences, ...(mark !== undefined ? { annotations: { [LIVE_CONFIG_ANNOTATION]: mark } } : {}) },
    spec: { nodeName: pod.spec?.nodeName },
    status: {
      podIP: status.podIP, phase: status.phase, reason: status.reason,
      conditions: status.conditions?.map((c) => ({ type: c.type, status: c.status, reason: c.reason, message: clip(c.message), lastTransitionTime: c.lastTransitionTime })),
      initContainerStatuses: status.initContainerStatuses?.map(container),
      containerStatuses: status.containerStatuses?.map(container),
    },
  })) as KubeObject;
}

/** One pod the instance wants, and why it is not ready (undefined: it is). */
export interface PodReadiness {
  readonly name: string;
  readonly notReady?: string;
}


function conditionOf(pod: PodState, type: string): PodCondition | undefined {
  return pod.status?.conditions?.find((c) => c.type === type);
}

function withDetail(reason: string, detail: string | undefined): string {
  return detail ? `${reason} (${detail})` : reason;
}

/** Why a container is not ready, when its state says (waiting, or terminated). */
function containerProblem(status: ContainerStatus): string | undefined {
  const { waiting, terminated } = status.state ?? {};
  if (waiting?.reason) return withDetail(waiting.reason, clip(waiting.message));
  if (terminated) return `terminated (${terminated.reason ?? 'no reason'}, exit code ${terminated.exitCode ?? '?'})`;
  return undefined;
}

/**
 * Whether pod `name` is ready, and if not, why, in the words Kubernetes uses: a container's
 * waiting reason (CrashLoopBackOff, ImagePullBackOff, ErrImageNeverPull, CreateContainerConfigError,
 * ContainerCreating), the scheduler's (Pending, Unschedulable), or what else the status says.
 */
export function podReadiness(name: string, object: KubeObject | undefined): PodReadiness {
  if (!object) return { name, notReady: 'not created yet' };
  return { name, ...whyNotReady(object as PodState) };
}

function whyNotReady(pod: PodState): { notReady?: string } {
  if (pod.metadata.deletionTimestamp) return { notReady: 'terminating' };
  if (conditionOf(pod, 'Ready')?.status === 'True') return {};
  const phase = pod.status?.phase ?? 'Pending';
  if (phase === 'Failed' || phase === 'Succeeded') return { notReady: withDetail(phase, pod.status?.reason) };
  const containers = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  for (const status of containers) {
    const problem = containerProblem(status);
    if (problem) return { notReady: problem };
  }
  const scheduled = conditionOf(pod, 'PodScheduled');
  if (scheduled?.status === 'False') {
    return { notReady: `${phase} (${[scheduled.reason, clip(scheduled.message)].filter(Boolean).join(': ') || 'not scheduled'})` };
  }
  if (phase === 'Pending') return { notReady: 'Pending' };
  const restarted = containers.find((c) => (c.restartCount ?? 0) > 0 && c.lastState?.terminated);
  const last = restarted?.lastState?.terminated;
  return {
    notReady: last
      ? `running, not ready (restarted ${restarted!.restartCount} times, last exit ${last.reason ?? 'no reason'} code ${last.exitCode ?? '?'})`
      : 'running, not ready',
  };
}

/** The pods `desiredReplicas` asks for, by ordinal, with their readiness. */
export function podsOf(name: string, desiredReplicas: number, lookup: (podName: string) => KubeObject | undefined): PodReadiness[] {
  return Array.from({ length: desiredReplicas }, (_, ordinal) => podReadiness(`${name}-${ordinal}`, lookup(`${name}-${ordinal}`)));
}

/** `cache-1: Pending (Unschedulable: ...); cache-2: not created yet`, for conditions and Events. */
export function describeNotReady(pods: readonly PodReadiness[]): string {
  return pods.filter((p) => p.notReady !== undefined).map((p) => `${p.name}: ${p.notReady}`).join('; ');
}
