import type { FieldChange, Phase, RedisInstanceStatus, StatusCondition } from '../api/redis-instance.js';
import { instanceSelector } from '../api/names.js';
import type { KubeObject } from '../client/objects.js';

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
  readonly previous: RedisInstanceStatus | undefined;
  /** Set when this reconcile carried out an update. */
  readonly lastUpdate?: { readonly strategy: string; readonly changes: readonly FieldChange[] };
  /** Set when the operator refuses to act: the reason and a message without secrets. */
  readonly degraded?: { readonly reason: string; readonly message: string };
  readonly now: Date;
}

/** Whether the StatefulSet controller has finished rolling the current template out. */
function rolloutComplete(statefulSet: KubeObject | undefined, replicas: number): boolean {
  // One being deleted (a Recreate's orphaning delete) is about to be replaced, whatever it says.
  if (!statefulSet || statefulSet.metadata.deletionTimestamp) return false;
  const status = (statefulSet.status ?? {}) as StatefulSetStatus;
  const generation = statefulSet.metadata.generation ?? 0;
  return (status.observedGeneration ?? 0) >= generation
    && status.currentRevision !== undefined
    && status.currentRevision === status.updateRevision
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
 * The status a person reads with `kubectl get ri` and `kubectl describe ri`. Pure: the same
 * input gives the same status, and times only move when something changed, so an instance at
 * rest computes exactly its stored status and nothing is written.
 */
export function computeStatus(input: StatusInput): RedisInstanceStatus {
  const sts = (input.statefulSet?.status ?? {}) as StatefulSetStatus;
  const readyReplicas = sts.readyReplicas ?? 0;
  const complete = rolloutComplete(input.statefulSet, input.desiredReplicas);
  const ready = complete && readyReplicas >= input.desiredReplicas;
  const everReady = input.previous?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')
    || input.previous?.phase === 'Ready' || input.previous?.phase === 'Updating';
  const lastUpdate = input.lastUpdate
    ? { strategy: input.lastUpdate.strategy, changes: [...input.lastUpdate.changes], time: input.now.toISOString() }
    : input.previous?.lastUpdate;

  let phase: Phase;
  if (input.degraded) phase = 'Degraded';
  else if (ready) phase = 'Ready';
  else if (everReady || input.lastUpdate) phase = 'Updating';
  else phase = 'Creating';

  const previous = input.previous?.conditions;
  const g = input.generation;
  const conditions: StatusCondition[] = [
    ready
      ? condition(previous, 'Ready', 'True', 'AllReplicasReady', `${readyReplicas}/${input.desiredReplicas} replicas ready`, g, input.now)
      : condition(previous, 'Ready', 'False', complete ? 'ReplicasNotReady' : 'RolloutInProgress', `${readyReplicas}/${input.desiredReplicas} replicas ready`, g, input.now),
    complete
      ? condition(previous, 'Progressing', 'False', 'RolloutComplete', 'the StatefulSet runs the current template', g, input.now)
      : condition(previous, 'Progressing', 'True', lastUpdate ? `${lastUpdate.strategy}Update` : 'Creating', 'pods are being created or replaced', g, input.now),
    input.degraded
      ? condition(previous, 'Degraded', 'True', input.degraded.reason, input.degraded.message, g, input.now)
      : condition(previous, 'Degraded', 'False', 'AsExpected', 'no problem found', g, input.now),
  ];

  return {
    observedGeneration: input.generation,
    phase,
    replicas: sts.replicas ?? 0,
    readyReplicas,
    selector: instanceSelector(input.name),
    ...(lastUpdate ? { lastUpdate } : {}),
    conditions,
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
