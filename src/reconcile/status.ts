import type { FieldChange, Phase, RedisInstanceStatus, StatusCondition, StorageStatus } from '../api/redis-instance.js';
import { instanceSelector } from '../api/names.js';
import { DEFAULT_PROGRESS_DEADLINE_SECONDS } from '../api/defaults.js';
import type { KubeObject } from '../client/objects.js';
import type { ReplicationReport } from './replication-reconciler.js';
import { describeNotReady, type PodReadiness } from './pods.js';

interface StatefulSetStatus {
  readonly observedGeneration?: number;
  readonly replicas?: number;
  readonly readyReplicas?: number;
  readonly updatedReplicas?: number;
  readonly currentRevision?: string;
  readonly updateRevision?: string;
}

export interface StatusInput {
  readonly generation: number;
  readonly name: string;
  readonly desiredReplicas: number;
  /** The StatefulSet after this reconcile's actions (undefined while it is being recreated). */
  readonly statefulSet: KubeObject | undefined;
  /**
   * The pods the instance wants, with why each is not ready. Ready holds only when every one
   * is; the StatefulSet's counts alone can lag behind its pods. @default the counts decide
   */
  readonly pods?: readonly PodReadiness[];
  /** spec.progressDeadlineSeconds. @default DEFAULT_PROGRESS_DEADLINE_SECONDS */
  readonly progressDeadlineSeconds?: number;
  /** What the claims request (status.storage). @default not reported */
  readonly storage?: StorageStatus;
  readonly previous: RedisInstanceStatus | undefined;
  /** Set when this reconcile carried out an update. */
  readonly lastUpdate?: { readonly strategy: string; readonly changes: readonly FieldChange[] };
  /** Set when the operator refuses to act: the reason and a message without secrets. */
  readonly degraded?: { readonly reason: string; readonly message: string };
  /** What Redis showed: the primary, each pod, Writable and ReplicasInSync. @default as before */
  readonly replication?: ReplicationReport;
  readonly now: Date;
}

/** Progressing=False and Degraded=True: not every replica is ready, and nothing moved for too long. */
export const PROGRESS_DEADLINE_EXCEEDED = 'ProgressDeadlineExceeded';

/** Whether every pod runs the current template (the operator replaces them: OnDelete). */
function rolloutComplete(statefulSet: KubeObject | undefined, replicas: number): boolean {
  // One being deleted (a Recreate's orphaning delete) is about to be replaced, whatever it says.
  if (!statefulSet || statefulSet.metadata.deletionTimestamp) return false;
  const status = (statefulSet.status ?? {}) as StatefulSetStatus;
  const generation = statefulSet.metadata.generation ?? 0;
  // Under OnDelete the StatefulSet controller never moves currentRevision on: the count of pods
  // at updateRevision is what says the rollout is done.
  return (status.observedGeneration ?? 0) >= generation
    && status.updateRevision !== undefined
    && (status.updatedReplicas ?? 0) >= replicas
    && (status.replicas ?? 0) === replicas;
}

function condition(
  previous: readonly StatusCondition[] | undefined, type: string, status: StatusCondition['status'],
  reason: string, message: string, generation: number, now: Date,
): StatusCondition {
  const before = previous?.find((c) => c.type === type);
  // lastTransitionTime moves only when the status flips, as the API conventions ask.
  const lastTransitionTime = before && before.status === status ? before.lastTransitionTime : now.toISOString();
  return { type, status, reason, message, lastTransitionTime, observedGeneration: generation };
}

/**
 * When the instance last made progress towards being Ready, or undefined once it is. Progress
 * is what Deployments count too: a change (a new generation, an update carried out), a pod that
 * turned ready or was updated, the pod count coming closer to the wanted one. Becoming
 * not-ready after being Ready starts the clock, so pods that stop being ready with nothing
 * changing reach the deadline as surely as a rollout that cannot finish.
 */
function lastProgressTime(input: StatusInput, ready: boolean, counts: { ready: number; updated: number; replicas: number }): string | undefined {
  if (ready) return undefined;
  const previous = input.previous;
  const now = input.now.toISOString();
  if (previous?.lastProgressTime === undefined || input.lastUpdate || previous.observedGeneration !== input.generation) return now;
  const distance = (replicas: number) => Math.abs(replicas - input.desiredReplicas);
  const moved = counts.ready > (previous.readyReplicas ?? 0)
    || counts.updated > (previous.updatedReplicas ?? 0)
    || distance(counts.replicas) < distance(previous.replicas ?? 0);
  return moved ? now : previous.lastProgressTime;
}

/**
 * How long until the progress deadline of `status` passes, or undefined when it cannot (the
 * instance is Ready, or the deadline has passed already): the reconciler looks again then, since
 * an instance that makes no progress sends no event.
 */
export function untilProgressDeadline(status: RedisInstanceStatus, progressDeadlineSeconds: number, now: Date): number | undefined {
  if (status.lastProgressTime === undefined) return undefined;
  const left = Date.parse(status.lastProgressTime) + progressDeadlineSeconds * 1000 - now.getTime();
  return left > 0 ? left : undefined;
}

/**
 * The status a person reads with `kubectl get ri` and `kubectl describe ri`. Pure: the same
 * input gives the same status, and times only move when something changed, so an instance at
 * rest computes exactly its stored status and nothing is written.
 */
export function computeStatus(input: StatusInput): RedisInstanceStatus {
  const sts = (input.statefulSet?.status ?? {}) as StatefulSetStatus;
  const counts = { ready: sts.readyReplicas ?? 0, updated: sts.updatedReplicas ?? 0, replicas: sts.replicas ?? 0 };
  const readyReplicas = counts.ready;
  const complete = rolloutComplete(input.statefulSet, input.desiredReplicas);
  const notReady = describeNotReady(input.pods ?? []);
  const ready = complete && readyReplicas >= input.desiredReplicas && notReady === '';
  const everReady = input.previous?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')
    || input.previous?.phase === 'Ready' || input.previous?.phase === 'Updating';
  const lastUpdate = input.lastUpdate
    ? { strategy: input.lastUpdate.strategy, changes: [...input.lastUpdate.changes], time: input.now.toISOString() }
    : input.previous?.lastUpdate;
  const progressTime = lastProgressTime(input, ready, counts);
  const deadlineSeconds = input.progressDeadlineSeconds ?? DEFAULT_PROGRESS_DEADLINE_SECONDS;
  const exceeded = progressTime !== undefined && input.now.getTime() - Date.parse(progressTime) >= deadlineSeconds * 1000;

  const readiness = `${readyReplicas}/${input.desiredReplicas} replicas ready${notReady ? `; not ready: ${notReady}` : ''}`;
  const stuck = `no progress for ${deadlineSeconds} s (spec.progressDeadlineSeconds) with ${readyReplicas}/${input.desiredReplicas} pods ready`
    + `${notReady ? `: ${notReady}` : ''}`;
  const degraded = input.degraded ?? (exceeded ? { reason: PROGRESS_DEADLINE_EXCEEDED, message: stuck } : undefined);

  let phase: Phase;
  if (degraded) phase = 'Degraded';
  else if (ready) phase = 'Ready';
  else if (everReady || input.lastUpdate) phase = 'Updating';
  else phase = 'Creating';

  const previous = input.previous?.conditions;
  const g = input.generation;
  let progressing: StatusCondition;
  if (exceeded) progressing = condition(previous, 'Progressing', 'False', PROGRESS_DEADLINE_EXCEEDED, stuck, g, input.now);
  else if (ready) progressing = condition(previous, 'Progressing', 'False', 'RolloutComplete', 'the StatefulSet runs the current template and every replica is ready', g, input.now);
  else if (complete) progressing = condition(previous, 'Progressing', 'True', 'WaitingForReplicas', `the StatefulSet runs the current template; ${readiness}`, g, input.now);
  else progressing = condition(previous, 'Progressing', 'True', lastUpdate ? `${lastUpdate.strategy}Update` : 'Creating', `pods are being created or replaced; ${readiness}`, g, input.now);
  const conditions: StatusCondition[] = [
    ready
      ? condition(previous, 'Ready', 'True', 'AllReplicasReady', readiness, g, input.now)
      : condition(previous, 'Ready', 'False', complete ? 'ReplicasNotReady' : 'RolloutInProgress', readiness, g, input.now),
    progressing,
    degraded
      ? condition(previous, 'Degraded', 'True', degraded.reason, degraded.message, g, input.now)
      : condition(previous, 'Degraded', 'False', 'AsExpected', 'no problem found', g, input.now),
  ];

  const replication = input.replication;
  const before = input.previous;
  if (replication) {
    conditions.push(
      condition(previous, 'Writable', replication.writable.status, replication.writable.reason, replication.writable.message, g, input.now),
      condition(previous, 'ReplicasInSync', replication.replicasInSync.status, replication.replicasInSync.reason, replication.replicasInSync.message, g, input.now),
    );
  } else {
    // A reconcile that did not look at Redis (a refused spec) keeps what was last seen.
    conditions.push(...(previous ?? []).filter((c) => c.type === 'Writable' || c.type === 'ReplicasInSync'));
  }
  // The record is the operator's decision: it is carried over whatever this reconcile saw.
  const primary = replication?.primary ?? before?.primary;
  const primaryUID = replication?.primaryUID ?? before?.primaryUID;
  const lastFailover = replication?.lastFailover ?? before?.lastFailover;
  const pods = replication?.pods ?? before?.pods;

  return {
    observedGeneration: input.generation,
    phase,
    replicas: counts.replicas,
    readyReplicas,
    updatedReplicas: counts.updated,
    selector: instanceSelector(input.name),
    ...(lastUpdate ? { lastUpdate } : {}),
    ...(progressTime !== undefined ? { lastProgressTime: progressTime } : {}),
    conditions,
    ...(primary !== undefined ? { primary } : {}),
    ...(primaryUID !== undefined ? { primaryUID } : {}),
    ...(pods !== undefined ? { pods: [...pods] } : {}),
    ...(lastFailover !== undefined ? { lastFailover } : {}),
    ...(input.storage ? { storage: input.storage } : {}),
  };
}

/** Deep equality of two JSON values (status as stored versus computed). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/**
 * A JSON merge patch that turns `previous` into `next`: what `next` no longer has is set to null,
 * since a merge patch leaves out keys as they were (lastProgressTime, once Ready, would stay for
 * good, and every reconcile would find the stored status different and write it again).
 */
export function mergePatch(next: unknown, previous: unknown): unknown {
  const isMap = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
  if (!isMap(next) || !isMap(previous)) return next;
  const patch: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(next)) if (value !== undefined) patch[key] = mergePatch(value, previous[key]);
  for (const key of Object.keys(previous)) if (!(key in patch)) patch[key] = null;
  return patch;
}
