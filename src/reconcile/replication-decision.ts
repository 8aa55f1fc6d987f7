/**
 * What the operator does next about an instance's Redis roles: which pod is primary, whether it
 * is lost and who takes over, which pods follow it, and which outdated pod is replaced next.
 * Pure and level-based: the input is what the caches and Redis showed this moment, the record in
 * status and the time; the answer is one step, and the next reconcile asks again.
 */
import { REDIS_PORT } from '../api/names.js';
import type { FailoverRecord } from '../api/redis-instance.js';
import type { RedisNodeAddress } from '../redis/redis-admin.js';
import type { RedisErrorKind } from '../redis/redis-error.js';
import { chooseTakeOverTarget, replicaSync, type Excluded, type PodReplicationState } from '../redis/replica-choice.js';
import { nextReplacementStep } from '../redis/replacement-order.js';
import type { ReplicationInfo } from '../redis/replication-info.js';
import type { InstancePod } from './instance-pods.js';

/** What Redis on a pod said when the operator asked. */
export type RedisView =
  | { readonly kind: 'answered'; readonly info: ReplicationInfo }
  /** The dial guard ruled the pod out (a simulated node): nothing was sent. */
  | { readonly kind: 'not-dialed'; readonly reason: string }
  /** No IP yet, so nothing to dial. */
  | { readonly kind: 'no-address' }
  | { readonly kind: 'failed'; readonly error: RedisErrorKind; readonly message: string };

export interface ObservedPod extends InstancePod {
  readonly redis: RedisView;
  /** Created from an older revision than the StatefulSet's `updateRevision`. */
  readonly outdated: boolean;
}

export interface ReplicationInput {
  readonly replicas: number;
  readonly afterSeconds: number;
  readonly now: Date;
  /** The record in status; `failedOverAt` when the last failover made `primary` primary. */
  readonly record: { readonly primary?: string; readonly primaryUID?: string; readonly failedOverAt?: Date };
  /** Every pod of the instance, ordinals at and above `replicas` too (a scale-down in progress). */
  readonly pods: readonly ObservedPod[];
  /**
   * Whether pods may be replaced now: the StatefulSet exists, is not being deleted and its
   * controller has seen its latest spec (so `outdated` compares with the current revision).
   */
  readonly replacementAllowed: boolean;
  /** When this process first saw the recorded primary in trouble (kept between reconciles). */
  readonly troubleSince?: { readonly pod: string; readonly since: Date };
  /** Bytes a replica may be behind and still count as in sync. */
  readonly syncBound: number;
  /** When this process last changed a role label of the instance's pods (kept between reconciles). */
  readonly rolesChangedAt?: Date;
}

export type ReplicationStep =
  /** Every pod is on a simulated node: nothing can be asked, so pods are replaced in the
   * StatefulSet controller's own order and no role is given. */
  | { readonly kind: 'unobserved'; readonly replace?: ObservedPod; readonly waiting?: string }
  /** Redis refused the password from the Secret: nothing is done until it is fixed. */
  | { readonly kind: 'auth-failed'; readonly pod: ObservedPod; readonly message: string }
  /** No primary is recorded: record this one, promote it unless it already is one, label it. */
  | { readonly kind: 'elect'; readonly pod: ObservedPod; readonly promote: boolean; readonly why: string }
  /** The recorded primary handed over (FAILOVER completed) without the record saying so. */
  | { readonly kind: 'repair-record'; readonly pod: ObservedPod }
  /** The recorded pod is to be primary but Redis on it is not (yet): promote it. */
  | { readonly kind: 'promote-recorded'; readonly pod: ObservedPod; readonly why: string }
  /** The recorded primary is lost: `to` takes over; coordinated (FAILOVER) while `from` still answers as primary. */
  | { readonly kind: 'fail-over'; readonly from: string; readonly fromPod?: ObservedPod; readonly to: ObservedPod; readonly reason: string; readonly coordinated: boolean }
  /** Pods that must follow the primary, the primary's missing label, pods to admit as replicas. */
  | { readonly kind: 'converge'; readonly primary: ObservedPod; readonly labelPrimary: boolean; readonly follow: readonly ObservedPod[]; readonly admit: readonly ObservedPod[] }
  /** FAILOVER from the primary to `to` before the primary's pod is replaced or scaled away. */
  | { readonly kind: 'hand-over'; readonly from: ObservedPod; readonly to: ObservedPod; readonly why: 'replace' | 'scale-down' }
  /** Delete this pod; the StatefulSet recreates it at the current revision. `outage`: it is the only pod. */
  | { readonly kind: 'replace'; readonly pod: ObservedPod; readonly outage: boolean }
  | { readonly kind: 'wait'; readonly reason: string; readonly message: string; readonly retryMs: number }
  | { readonly kind: 'done' };

/** How the recorded primary is doing. */
export type PrimaryHealth =
  | { readonly kind: 'healthy'; readonly pod: ObservedPod }
  | { readonly kind: 'handed-over'; readonly to: ObservedPod }
  | { readonly kind: 'pending-promotion'; readonly pod: ObservedPod }
  /**
   * `gone`: the recorded pod is being deleted, is deleted, or was created again; it will not
   * come back as primary, so waiting `afterSeconds` would only lengthen the outage.
   */
  | { readonly kind: 'lost'; readonly why: string; readonly pod?: ObservedPod; readonly answersAsPrimary: boolean; readonly samePod: boolean; readonly gone: boolean };

export interface ReplicationDecision {
  readonly step: ReplicationStep;
  readonly health?: PrimaryHealth;
  /** Trouble of the recorded primary to remember for the next reconcile (undefined: none). */
  readonly troubleSince?: { readonly pod: string; readonly since: Date };
}

/** kube-proxy applies EndpointSlice changes at most this often (its default minSyncPeriod). */
export const KUBE_PROXY_MIN_SYNC_MS = 1_000;

/**
 * How long a hand-over waits after the last change to the pods that the instance's Services
 * select. kube-proxy applied that last one at once: the change that moves the client Service to
 * the new primary would otherwise wait for the rest of its minimum sync period, writes refused
 * meanwhile. Before the hand-over the old primary takes writes as usual.
 */
export const ENDPOINTS_QUIET_MS = KUBE_PROXY_MIN_SYNC_MS + 100;

/** How soon to look again while pods are replaced or catch up (no pod event says when). */
export const REPLACEMENT_POLL_MS = 1_000;

/**
 * How long after a failover was recorded its promotion is left to whoever recorded it. Another
 * operator (or reconcile) that sees the record first would otherwise promote the same pod a
 * second time; past this the recorder is presumed gone, and the record is carried out.
 */
export const PROMOTION_GRACE_MS = 10_000;

export function addressOf(pod: InstancePod): RedisNodeAddress | undefined {
  return pod.ip === undefined ? undefined : { host: pod.ip, port: REDIS_PORT };
}

function infoOf(pod: ObservedPod): ReplicationInfo | undefined {
  return pod.redis.kind === 'answered' ? pod.redis.info : undefined;
}

function follows(pod: ObservedPod, primary: RedisNodeAddress): boolean {
  const info = infoOf(pod);
  return info?.role === 'replica' && info.primaryHost === primary.host && info.primaryPort === primary.port;
}

function asReplicationState(pod: ObservedPod, outdated = pod.outdated): PodReplicationState {
  return { name: pod.name, ordinal: pod.ordinal, address: addressOf(pod), ready: pod.ready, terminating: pod.terminating, outdated, replication: infoOf(pod) };
}

function describeView(view: RedisView): string {
  switch (view.kind) {
    case 'answered': return 'answered';
    case 'not-dialed': return `not dialed (${view.reason})`;
    case 'no-address': return 'has no IP address yet';
    case 'failed': return view.message;
  }
}

function describeExcluded(excluded: readonly Excluded[]): string {
  return excluded.length === 0 ? 'no other pod' : excluded.map((e) => `${e.pod} ${e.reason}`).join(', ');
}

/** The state of the recorded primary `name`. */
export function primaryHealth(input: ReplicationInput, name: string): PrimaryHealth {
  const pod = input.pods.find((p) => p.name === name);
  if (pod === undefined) return { kind: 'lost', why: `pod ${name} does not exist`, answersAsPrimary: false, samePod: false, gone: true };
  const recordedUID = input.record.primaryUID;
  const samePod = recordedUID === undefined || recordedUID === pod.uid;
  const info = infoOf(pod);
  if (!samePod) {
    // A pod of the same name created later: its label is gone, so it started as a replica.
    return { kind: 'lost', why: `pod ${name} was deleted and created again, and started as a replica`, pod, answersAsPrimary: false, samePod, gone: true };
  }
  if (pod.terminating) return { kind: 'lost', why: `pod ${name} is being deleted`, pod, answersAsPrimary: info?.role === 'primary', samePod, gone: true };
  if (info === undefined) return { kind: 'lost', why: `Redis on pod ${name} ${describeView(pod.redis)}`, pod, answersAsPrimary: false, samePod, gone: false };
  if (info.role === 'primary') {
    if (!pod.ready) return { kind: 'lost', why: `pod ${name} is not Ready`, pod, answersAsPrimary: true, samePod, gone: false };
    return { kind: 'healthy', pod };
  }
  const leader = input.pods.find((q) => q !== pod && q.ip === info.primaryHost && info.primaryPort === REDIS_PORT && infoOf(q)?.role === 'primary');
  if (leader !== undefined) return { kind: 'handed-over', to: leader };
  return { kind: 'pending-promotion', pod };
}

function unobserved(input: ReplicationInput): ReplicationStep {
  if (!input.replacementAllowed) return { kind: 'unobserved' };
  const members = input.pods.filter((p) => p.ordinal < input.replicas);
  const terminating = input.pods.find((p) => p.terminating);
  if (terminating !== undefined) return { kind: 'unobserved', waiting: `pod ${terminating.name} is being deleted` };
  for (let ordinal = 0; ordinal < input.replicas; ordinal++) {
    if (!members.some((p) => p.ordinal === ordinal)) return { kind: 'unobserved', waiting: `pod of ordinal ${ordinal} does not exist yet` };
  }
  // A current pod that is not Ready holds the rollout; an outdated one is replaced (it may be a
  // pod of a change that was undone, which would otherwise never become Ready).
  const notReady = members.find((p) => !p.ready && !p.outdated);
  if (notReady !== undefined) return { kind: 'unobserved', waiting: `pod ${notReady.name} is not Ready` };
  const next = members.filter((p) => p.outdated).sort((a, b) => Number(a.ready) - Number(b.ready) || b.ordinal - a.ordinal)[0];
  return next === undefined ? { kind: 'unobserved' } : { kind: 'unobserved', replace: next };
}

function elect(input: ReplicationInput): ReplicationStep {
  const candidates = input.pods.filter((p) => p.ordinal < input.replicas && p.ready && !p.terminating && infoOf(p) !== undefined);
  const primaries = candidates
    .filter((p) => infoOf(p)!.role === 'primary')
    .sort((a, b) => infoOf(b)!.connectedReplicas.length - infoOf(a)!.connectedReplicas.length
      || infoOf(b)!.replicationOffset - infoOf(a)!.replicationOffset || a.ordinal - b.ordinal);
  if (primaries[0] !== undefined) {
    return { kind: 'elect', pod: primaries[0], promote: false, why: `Redis on pod ${primaries[0].name} already serves as primary` };
  }
  const choice = chooseTakeOverTarget(candidates.map((p) => asReplicationState(p)), {
    purpose: 'failover', primary: { name: '', address: undefined, offset: undefined }, syncBound: input.syncBound,
  });
  if (choice.kind === 'none') {
    return { kind: 'wait', reason: 'NoPrimaryYet', message: 'no pod is Ready and answering yet', retryMs: REPLACEMENT_POLL_MS };
  }
  const pod = candidates.find((p) => p.name === choice.pod.name)!;
  return { kind: 'elect', pod, promote: true, why: `pod ${pod.name} has the most of the data of the pods that answer` };
}

function lost(input: ReplicationInput, name: string, health: Extract<PrimaryHealth, { kind: 'lost' }>): ReplicationDecision {
  const previous = input.troubleSince?.pod === name ? input.troubleSince.since : undefined;
  const notReadySince = health.pod !== undefined && health.samePod && !health.pod.ready ? health.pod.readyChangedAt : undefined;
  const candidates = [previous, notReadySince, input.now].filter((d): d is Date => d !== undefined);
  const since = new Date(Math.min(...candidates.map((d) => d.getTime())));
  const troubleSince = { pod: name, since };
  const others = input.pods.filter((p) => p.name !== name && p.ordinal < input.replicas);
  // The recorded pod back as a new pod (it started as a replica), which may be promoted with the
  // data its volume holds when nobody else can take over.
  const returned = health.pod !== undefined && !health.pod.terminating && infoOf(health.pod)?.role === 'replica' ? health.pod : undefined;

  if (others.length === 0) {
    // A single pod: nobody can take over, so the pod that comes back is the primary again, with
    // what its volume holds. Waiting would only make the outage longer.
    if (returned !== undefined) return { step: { kind: 'promote-recorded', pod: returned, why: `${health.why}; it is the only pod` }, health, troubleSince };
    return { step: { kind: 'wait', reason: 'PrimaryLost', message: `${health.why}; it is the only pod, and writes resume when it is back`, retryMs: REPLACEMENT_POLL_MS }, health, troubleSince };
  }
  const waitedMs = input.now.getTime() - since.getTime();
  const afterMs = input.afterSeconds * 1000;
  // A primary that is merely not Ready or silent may recover within the delay; one whose pod is
  // going or gone will not.
  if (!health.gone && waitedMs < afterMs) {
    return {
      step: { kind: 'wait', reason: 'PrimaryLost', message: `${health.why}; a replica takes over if it lasts ${input.afterSeconds} s`, retryMs: afterMs - waitedMs },
      health, troubleSince,
    };
  }
  const oldAddress = health.pod !== undefined && health.samePod ? addressOf(health.pod) : undefined;
  const coordinated = health.answersAsPrimary && oldAddress !== undefined;
  if (coordinated) {
    // A deleted primary's pod still serves (its preStop hook holds it) and kube-proxy has just
    // applied the change that marked it terminating.
    const quiet = quietFor(input, since, health.why);
    if (quiet !== undefined) return { step: quiet, health, troubleSince };
  }
  const choice = chooseTakeOverTarget(others.map((p) => asReplicationState(p)), {
    purpose: 'failover', primary: { name, address: oldAddress, offset: undefined }, syncBound: input.syncBound,
  });
  if (choice.kind === 'chosen') {
    const to = others.find((p) => p.name === choice.pod.name)!;
    return {
      step: { kind: 'fail-over', from: name, ...(health.pod ? { fromPod: health.pod } : {}), to, reason: health.why, coordinated },
      health, troubleSince,
    };
  }
  if (returned !== undefined) {
    return { step: { kind: 'promote-recorded', pod: returned, why: `${health.why}; no replica can take over (${describeExcluded(choice.excluded)})` }, health, troubleSince };
  }
  return {
    step: { kind: 'wait', reason: 'NoReplicaCanTakeOver', message: `${health.why}; no replica can take over (${describeExcluded(choice.excluded)})`, retryMs: REPLACEMENT_POLL_MS },
    health, troubleSince,
  };
}

/** Pods whose Redis must follow `primary`, and pods that follow it but are not admitted as replicas yet. */
function convergence(input: ReplicationInput, primary: ObservedPod): Extract<ReplicationStep, { kind: 'converge' }> {
  const address = addressOf(primary)!;
  const others = input.pods.filter((p) => p !== primary && !p.terminating && p.redis.kind === 'answered');
  return {
    kind: 'converge',
    primary,
    labelPrimary: primary.role !== 'primary',
    // A pod that is not Ready may still be loading its data, and REPLICAOF would be refused.
    follow: others.filter((p) => p.ready && !follows(p, address)),
    admit: others.filter((p) => follows(p, address) && p.role !== 'replica'),
  };
}

/** A wait until ENDPOINTS_QUIET_MS have passed since `since` and the last role label change, if they have not. */
function quietFor(input: ReplicationInput, since?: Date, why?: string): Extract<ReplicationStep, { kind: 'wait' }> | undefined {
  const changes = [since, input.rolesChangedAt].filter((d): d is Date => d !== undefined).map((d) => d.getTime());
  if (changes.length === 0) return undefined;
  const left = Math.max(...changes) + ENDPOINTS_QUIET_MS - input.now.getTime();
  if (left <= 0) return undefined;
  return {
    kind: 'wait', reason: 'HandingOver', retryMs: left,
    message: `${why ? `${why}; ` : ''}the primary hands over once kube-proxy can move the client Service at once (it applies at most one change a second, and applied one just now)`,
  };
}

function handOverForScaleDown(input: ReplicationInput, primary: ObservedPod): ReplicationStep {
  const address = addressOf(primary)!;
  const offset = infoOf(primary)!.replicationOffset;
  // Revisions do not matter here: the pod is going away, not being replaced.
  const members = input.pods.filter((p) => p.ordinal < input.replicas).map((p) => asReplicationState(p, false));
  const choice = chooseTakeOverTarget(members, { purpose: 'hand-over', primary: { name: primary.name, address, offset }, syncBound: input.syncBound });
  if (choice.kind === 'none') {
    return { kind: 'wait', reason: 'NoReplicaCanTakeOver', message: `primary ${primary.name} is above the new number of replicas and no replica below can take over yet (${describeExcluded(choice.excluded)})`, retryMs: REPLACEMENT_POLL_MS };
  }
  return { kind: 'hand-over', from: primary, to: input.pods.find((p) => p.name === choice.pod.name)!, why: 'scale-down' };
}

function replacement(input: ReplicationInput, primary: ObservedPod): ReplicationStep {
  if (!input.replacementAllowed) return { kind: 'done' };
  const members = input.pods.filter((p) => p.ordinal < input.replicas);
  const step = nextReplacementStep(members.map((p) => asReplicationState(p)), { primary: primary.name, replicas: input.replicas, syncBound: input.syncBound });
  const pod = (name: string) => members.find((p) => p.name === name)!;
  switch (step.kind) {
    case 'done': return { kind: 'done' };
    case 'replace-replica': return { kind: 'replace', pod: pod(step.pod), outage: false };
    case 'replace-primary-with-outage': return { kind: 'replace', pod: pod(step.pod), outage: true };
    case 'hand-over': return { kind: 'hand-over', from: primary, to: pod(step.to.name), why: 'replace' };
    case 'follow-primary': {
      const converge = convergence(input, primary);
      if (converge.follow.length > 0) return converge;
      // Not Ready yet (loading): it is pointed at the primary once it is.
      return { kind: 'wait', reason: 'ReplacingPods', message: `waiting for pod ${step.pod} to be Ready and follow the primary`, retryMs: REPLACEMENT_POLL_MS };
    }
    case 'wait': {
      const what = step.pod ?? (step.ordinal !== undefined ? `ordinal ${step.ordinal}` : 'a pod');
      const detail = step.excluded ? ` (${describeExcluded(step.excluded)})` : '';
      return { kind: 'wait', reason: 'ReplacingPods', message: `replacing outdated pods: waiting for ${what}: ${step.reason}${detail}`, retryMs: REPLACEMENT_POLL_MS };
    }
  }
}

/** The one next step for the instance's Redis roles and pods. */
export function decideReplication(input: ReplicationInput): ReplicationDecision {
  const pods = input.pods;
  // Pod events wake the instance when there are some; none (scaled to zero, or not created
  // yet) is nothing to look at again for.
  if (pods.length === 0) return { step: { kind: 'done' }, ...(input.record.primary ? { health: primaryHealth(input, input.record.primary) } : {}) };
  if (pods.every((p) => p.redis.kind === 'not-dialed' || (p.redis.kind === 'no-address' && pods.some((q) => q.redis.kind === 'not-dialed')))) {
    return { step: unobserved(input) };
  }
  const refused = pods.find((p) => p.redis.kind === 'failed' && p.redis.error === 'auth');
  if (refused !== undefined) return { step: { kind: 'auth-failed', pod: refused, message: describeView(refused.redis) } };

  const name = input.record.primary;
  if (name === undefined) return { step: elect(input) };
  const health = primaryHealth(input, name);
  switch (health.kind) {
    case 'handed-over': return { step: { kind: 'repair-record', pod: health.to }, health };
    case 'pending-promotion': {
      const since = input.record.failedOverAt;
      const left = since === undefined ? 0 : PROMOTION_GRACE_MS - (input.now.getTime() - since.getTime());
      if (left > 0) return { step: { kind: 'wait', reason: 'FailingOver', message: `pod ${name} is being promoted`, retryMs: Math.min(left, REPLACEMENT_POLL_MS) }, health };
      return { step: { kind: 'promote-recorded', pod: health.pod, why: `pod ${name} is the recorded primary` }, health };
    }
    case 'lost': return lost(input, name, health);
    case 'healthy': break;
  }
  const primary = health.pod;
  const converge = convergence(input, primary);
  if (converge.labelPrimary || converge.follow.length > 0 || converge.admit.length > 0) return { step: converge, health };
  const step = primary.ordinal >= input.replicas ? handOverForScaleDown(input, primary) : replacement(input, primary);
  return { step: (step.kind === 'hand-over' ? quietFor(input) : undefined) ?? step, health };
}

/** A replica's sync with the primary, as status and the ReplicasInSync condition report it. */
export function syncOf(pod: ObservedPod, primary: ObservedPod, bound: number): ReturnType<typeof replicaSync> {
  const address = addressOf(primary);
  const offset = infoOf(primary)?.replicationOffset;
  if (address === undefined || offset === undefined) return { kind: 'not-in-sync', reason: 'unreachable' };
  return replicaSync(infoOf(pod), address, offset, bound);
}

export type { FailoverRecord };
