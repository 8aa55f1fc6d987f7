/**
 * Carries out the replication decision for one instance: asks Redis on each pod what it is,
 * decides with `decideReplication`, and does the one step (record, promote, FAILOVER, REPLICAOF,
 * role labels, CLIENT KILL, replacing a pod). Level-based: every reconcile starts from what the
 * caches and Redis show; what must wait is left for the next one (a short requeue), so no
 * worker sits polling.
 */
import { inject, injectable } from 'inversify';
import { LIVE_CONFIG_ANNOTATION, ROLE_LABEL, ownedNames, type PodRole } from '../api/names.js';
import { liveConfigHash, splitLive } from '../config/live-config.js';
import { redisVersionOfImage } from '../config/redis-version.js';
import type { DefaultedRedisInstance, FailoverRecord, PodStatus, RedisInstance, StatusCondition } from '../api/redis-instance.js';
import type { KubeClient } from '../client/kube-client.js';
import type { KubeObject } from '../client/objects.js';
import { currentSignal, RequestCancelledError } from '../client/request-signal.js';
import { Resources } from '../client/resources.js';
import { TOKENS } from '../di/tokens.js';
import type { EventRecorder } from '../observability/event-recorder.js';
import type { Logger } from '../observability/logger.js';
import { withRedisNode, type DialGuard, type RedisAdmin, type RedisAuth, type RedisNodeSession } from '../redis/redis-admin.js';
import { RedisOperationError } from '../redis/redis-error.js';
import { replicationSignature, type PrimaryMonitor } from '../controller/primary-monitor.js';
import { podsOfInstance, type InstancePod, type PodObject } from './instance-pods.js';
import { together } from './together.js';
import {
  addressOf, ENDPOINTS_QUIET_MS, decideReplication, KUBE_PROXY_MIN_SYNC_MS, REPLACEMENT_POLL_MS, syncOf, type ObservedPod, type PrimaryHealth, type RedisView, type ReplicationStep,
} from './replication-decision.js';

/** Bytes a replica may be behind the primary and count as in sync: a fraction of Redis's
 * default 1 MB replication backlog, and far more than the stream moves between two reads. */
export const SYNC_BOUND_BYTES = 256 * 1024;

/** How long the primary may pause writes in a hand-over (FAILOVER's TIMEOUT) before Redis
 * gives up and lets writes resume on it. */
export const HAND_OVER_TIMEOUT_MS = 5_000;

/** How soon to look again after a step that changed something only Redis shows. */
const AFTER_STEP_MS = 250;

/**
 * How soon to look again while nothing is to be done but not everything answers or is in sync:
 * a pod cut off from the operator, or a replica catching up, changes nothing a watch reports.
 */
const UNSETTLED_RECHECK_MS = 5_000;

/** How soon to look again while the Secret is missing or refused: the operator may only get
 * Secrets, not watch them, so no event says when it is fixed. */
const SECRET_RECHECK_MS = 15_000;

/**
 * How long after a hand-over Redis aborted (the target did not catch up within the timeout) the
 * next is tried: each attempt pauses writes for up to HAND_OVER_TIMEOUT_MS, which must not
 * become most of the time.
 */
const HAND_OVER_RETRY_MS = 30_000;

/**
 * How long a demoted primary keeps its clients after the client Service stopped listing it:
 * kube-proxy applies an EndpointSlice change within about a second (its minimum sync period),
 * and a client that reconnected before that would reach the old primary again.
 */
const ENDPOINT_SETTLE_MS = KUBE_PROXY_MIN_SYNC_MS + 500;

/** What replication adds to status: the record, each pod, and two conditions. */
export interface ReplicationReport {
  readonly primary?: string;
  readonly primaryUID?: string;
  readonly lastFailover?: FailoverRecord;
  readonly pods?: readonly PodStatus[];
  readonly writable: ConditionFacts;
  readonly replicasInSync: ConditionFacts;
}

export interface ConditionFacts {
  readonly status: StatusCondition['status'];
  readonly reason: string;
  readonly message: string;
}

export interface ReplicationOutcome {
  /** The instance as it is now stored (a record written in this reconcile moves its resourceVersion). */
  readonly stored: RedisInstance;
  readonly report: ReplicationReport;
  /** Set while nothing may change: the instance is Degraded for it and no destructive step is taken. */
  readonly degraded?: { readonly reason: string; readonly message: string };
  readonly requeueAfterMs?: number;
}

export interface ReplicationContext {
  readonly stored: RedisInstance;
  readonly instance: DefaultedRedisInstance;
  /** The live StatefulSet, if any: its `updateRevision` says which pods are outdated. */
  readonly statefulSet: KubeObject | undefined;
  /** The cached pods of the instance's namespace. */
  readonly pods: readonly PodObject[];
  /** The password of `spec.auth.secretName`'s Secret (the reconciler checked it). */
  readonly auth: RedisAuth | undefined;
}

interface StatefulSetState {
  readonly observedGeneration?: number;
  readonly updateRevision?: string;
}

interface EndpointSliceObject extends KubeObject {
  readonly endpoints?: ReadonlyArray<{ readonly addresses?: readonly string[] }>;
}

/** A label or annotation key as one JSON Pointer segment (RFC 6901). */
function jsonPointerKey(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function throwIfCancelled(command: string): void {
  const signal = currentSignal();
  if (signal?.aborted) throw new RequestCancelledError('REDIS', command, signal.reason);
}

/** Rounded up to a power of two: status moves only when the lag doubles or halves, not with every write. */
export function roundLag(bytes: number): number {
  return bytes <= 1 ? Math.max(0, bytes) : 2 ** Math.ceil(Math.log2(bytes));
}

@injectable()
export class ReplicationReconciler {
  /** When this process first saw each instance's recorded primary in trouble, by instance UID. */
  private readonly trouble = new Map<string, { pod: string; since: Date }>();
  /** Pods whose primary label was taken off, by pod UID: when the client Service was first seen
   * without them (undefined: not yet). */
  private readonly demoted = new Map<string, number | undefined>();
  /** Pods this process deleted, by instance UID then pod UID: a cache that has not seen the
   * deletion yet must not make the next reconcile delete (and report) the same pod again. */
  private readonly deleted = new Map<string, Set<string>>();
  /** When this process last changed each pod's role label, by pod UID: a hand-over waits for
   * kube-proxy to be able to apply its change at once (ENDPOINTS_QUIET_MS). */
  private readonly roleChangedAt = new Map<string, number>();
  /** When a hand-over last failed to complete, by instance UID. */
  private readonly handOverFailed = new Map<string, number>();

  constructor(
    @inject(TOKENS.KubeClient) private readonly client: KubeClient,
    @inject(TOKENS.RedisAdmin) private readonly redis: RedisAdmin,
    @inject(TOKENS.DialGuard) private readonly guard: DialGuard,
    @inject(TOKENS.EventRecorder) private readonly events: EventRecorder,
    @inject(TOKENS.Logger) private readonly logger: Logger,
    @inject(TOKENS.Clock) private readonly now: () => Date,
    @inject(TOKENS.PrimaryMonitor) private readonly monitor: PrimaryMonitor,
  ) {}

  async reconcile(context: ReplicationContext): Promise<ReplicationOutcome> {
    const { instance } = context;
    const name = instance.metadata.name;
    const uid = context.stored.metadata.uid ?? '';
    const pods = podsOfInstance(name, context.pods);
    const auth = context.auth;

    const deleted = this.deleted.get(uid) ?? new Set<string>();
    for (const podUid of deleted) if (!pods.some((pod) => pod.uid === podUid)) deleted.delete(podUid);
    if (deleted.size > 0) this.deleted.set(uid, deleted);
    else this.deleted.delete(uid);
    const observed = (await this.observe(pods, context.statefulSet, auth))
      .map((pod) => (deleted.has(pod.uid) ? { ...pod, terminating: true } : pod));
    const sts = (context.statefulSet?.status ?? {}) as StatefulSetState;
    const replacementAllowed = context.statefulSet !== undefined && !context.statefulSet.metadata.deletionTimestamp
      && (sts.observedGeneration ?? 0) >= (context.statefulSet.metadata.generation ?? 0) && sts.updateRevision !== undefined;
    const status = context.stored.status;
    const failedOver = status?.lastFailover !== undefined && status.lastFailover.to === status.primary ? new Date(status.lastFailover.time) : undefined;
    const record = {
      ...(status?.primary ? { primary: status.primary } : {}),
      ...(status?.primaryUID ? { primaryUID: status.primaryUID } : {}),
      ...(failedOver !== undefined && !Number.isNaN(failedOver.getTime()) ? { failedOverAt: failedOver } : {}),
    };
    const nowMs = this.now().getTime();
    // Older changes no longer hold anything up; pods long gone leave the map this way too.
    for (const [podUid, at] of this.roleChangedAt) if (nowMs - at > ENDPOINTS_QUIET_MS) this.roleChangedAt.delete(podUid);
    const rolesChanged = Math.max(...pods.map((pod) => this.roleChangedAt.get(pod.uid) ?? Number.NEGATIVE_INFINITY));
    const decision = decideReplication({
      replicas: instance.spec.replicas,
      afterSeconds: instance.spec.failover.afterSeconds,
      now: this.now(),
      record,
      pods: observed,
      replacementAllowed,
      ...(this.trouble.has(uid) ? { troubleSince: this.trouble.get(uid)! } : {}),
      syncBound: SYNC_BOUND_BYTES,
      ...(Number.isFinite(rolesChanged) ? { rolesChangedAt: new Date(rolesChanged) } : {}),
    });
    if (decision.troubleSince) this.trouble.set(uid, decision.troubleSince);
    else this.trouble.delete(uid);

    const log = { instance: name, namespace: instance.metadata.namespace };
    const step = decision.step;
    if (step.kind !== 'done' && step.kind !== 'wait' && step.kind !== 'unobserved') {
      this.logger.debug('Replication step', { ...log, step: step.kind });
    }
    const executed = await this.execute(context, step, auth, log);
    this.keepWatching(instance, decision.health, auth);
    const configured = step.kind === 'unobserved' || step.kind === 'auth-failed' ? { applied: 0 } : await this.applyLiveConfig(instance, observed, auth, log);
    const stored = executed.stored;
    const report = reportOf(stored, observed, decision.health, step);
    const degraded = step.kind === 'auth-failed'
      ? { reason: 'RedisAuthFailed', message: `Redis refused the password of Secret ${instance.metadata.namespace}/${instance.spec.auth.secretName ?? ''} (spec.auth.secretName): ${step.message}; nothing is changed until they agree` }
      : configured.failed;
    const requeueAfterMs = executed.requeueAfterMs
      ?? (step.kind === 'auth-failed' ? SECRET_RECHECK_MS
        : configured.failed ? UNSETTLED_RECHECK_MS
          : configured.applied > 0 ? AFTER_STEP_MS
            : step.kind === 'done' && observed.length > 0 && !settled(report) ? UNSETTLED_RECHECK_MS : undefined);
    return {
      stored,
      report,
      ...(degraded ? { degraded } : {}),
      ...(requeueAfterMs !== undefined ? { requeueAfterMs } : {}),
    };
  }

  /**
   * Under `updatePolicy.config: Live`, sets the directives Redis can change at run time with
   * CONFIG SET (each read back with CONFIG GET) on every current pod that does not carry them
   * yet, then marks the pod. A pod that will be replaced is left alone: it reads the ConfigMap
   * when it restarts. At rest every pod is marked, and nothing is sent.
   */
  private async applyLiveConfig(
    instance: DefaultedRedisInstance, pods: readonly ObservedPod[], auth: RedisAuth | undefined, log: Record<string, string>,
  ): Promise<{ applied: number; failed?: { reason: string; message: string } }> {
    if (instance.spec.updatePolicy.config !== 'Live') return { applied: 0 };
    const version = redisVersionOfImage(instance.spec.image);
    const { live } = splitLive(instance.spec.config, version);
    if (Object.keys(live).length === 0) return { applied: 0 };
    const hash = liveConfigHash(instance.spec.config, version);
    let applied = 0;
    for (const pod of pods) {
      if (pod.redis.kind !== 'answered' || !pod.ready || pod.terminating || pod.outdated) continue;
      if (pod.object.metadata.annotations?.[LIVE_CONFIG_ANNOTATION] === hash) continue;
      throwIfCancelled('CONFIG SET');
      try {
        await this.session(pod, auth, (node) => node.configSet(live));
      } catch (error) {
        if (!(error instanceof RedisOperationError) || error.retryable) throw error;
        return { applied, failed: { reason: 'LiveConfigFailed', message: `CONFIG SET on pod ${pod.name} failed: ${error.message}; the pod keeps its settings until this is fixed` } };
      }
      await this.client.patch(Resources.pod, pod.object.metadata.namespace, pod.name, [
        { op: 'test', path: '/metadata/uid', value: pod.uid },
        // Every pod has annotations: the template's config hash.
        { op: 'add', path: `/metadata/annotations/${jsonPointerKey(LIVE_CONFIG_ANNOTATION)}`, value: hash },
      ], 'json');
      this.logger.info('Applied config live', { ...log, pod: pod.name, directives: Object.keys(live).join(',') });
      applied++;
    }
    return { applied };
  }

  /**
   * A replicated instance with a healthy primary is looked at between reconciles (Redis can
   * hang or lose a replica without any pod event); any other is not.
   */
  private keepWatching(instance: DefaultedRedisInstance, health: PrimaryHealth | undefined, auth: RedisAuth | undefined): void {
    const key = `${instance.metadata.namespace}/${instance.metadata.name}`;
    const primary = health?.kind === 'healthy' ? health.pod : undefined;
    const info = primary?.redis.kind === 'answered' ? primary.redis.info : undefined;
    const address = primary === undefined ? undefined : addressOf(primary);
    if (instance.spec.replicas > 1 && info !== undefined && address !== undefined) {
      this.monitor.watch(key, { address, auth, signature: replicationSignature(info) });
    } else {
      this.monitor.forget(key);
    }
  }

  /** INFO replication on every pod that may be dialed, all at once; one connection each, closed after. */
  private async observe(pods: readonly InstancePod[], statefulSet: KubeObject | undefined, auth: RedisAuth | undefined): Promise<ObservedPod[]> {
    const updateRevision = ((statefulSet?.status ?? {}) as StatefulSetState).updateRevision;
    return Promise.all(pods.map(async (pod): Promise<ObservedPod> => {
      const outdated = updateRevision !== undefined && pod.revision !== undefined && pod.revision !== updateRevision;
      return { ...pod, outdated, redis: await this.view(pod, auth) };
    }));
  }

  private async view(pod: InstancePod, auth: RedisAuth | undefined): Promise<RedisView> {
    const address = addressOf(pod);
    if (address === undefined) return { kind: 'no-address' };
    const verdict = this.guard(address);
    if (!verdict.allowed) return { kind: 'not-dialed', reason: verdict.reason };
    try {
      return { kind: 'answered', info: await withRedisNode(this.redis, address, auth, (node) => node.replicationInfo()) };
    } catch (error) {
      if (error instanceof RedisOperationError) return { kind: 'failed', error: error.kind, message: error.message };
      throw error;
    }
  }

  private session<T>(pod: InstancePod, auth: RedisAuth | undefined, work: (node: RedisNodeSession) => Promise<T>): Promise<T> {
    return withRedisNode(this.redis, addressOf(pod)!, auth, work);
  }

  private async execute(
    context: ReplicationContext, step: ReplicationStep, auth: RedisAuth | undefined, log: Record<string, string>,
  ): Promise<{ stored: RedisInstance; requeueAfterMs?: number }> {
    let stored = context.stored;
    const regarding = stored as unknown as KubeObject;
    switch (step.kind) {
      case 'done':
      case 'auth-failed':
        return { stored };
      case 'wait':
        return { stored, requeueAfterMs: step.retryMs };
      case 'unobserved': {
        if (step.replace) await this.replacePod(stored.metadata.uid ?? '', step.replace, log, 'Replacing outdated pod (Redis on simulated nodes is not dialed)');
        return { stored, ...(step.replace || step.waiting ? { requeueAfterMs: REPLACEMENT_POLL_MS } : {}) };
      }
      case 'elect': {
        stored = await this.record(stored, step.pod);
        if (step.promote) await this.promote(step.pod, auth);
        await this.setRole(step.pod, 'primary');
        this.logger.info('Primary elected', { ...log, pod: step.pod.name, reason: step.why });
        await this.events.record(regarding, 'Normal', 'PrimaryElected', `Pod ${step.pod.name} is the primary: ${step.why}`);
        return { stored, requeueAfterMs: AFTER_STEP_MS };
      }
      case 'repair-record': {
        stored = await this.record(stored, step.pod);
        this.logger.info('Recorded the primary that Redis shows', { ...log, pod: step.pod.name });
        return { stored, requeueAfterMs: AFTER_STEP_MS };
      }
      case 'promote-recorded': {
        if (stored.status?.primaryUID !== step.pod.uid) stored = await this.record(stored, step.pod);
        await this.promote(step.pod, auth);
        await this.setRole(step.pod, 'primary');
        this.logger.info('Promoted the recorded primary', { ...log, pod: step.pod.name, reason: step.why });
        await this.events.record(regarding, 'Normal', 'PrimaryPromoted', `Pod ${step.pod.name} is the primary again: ${step.why}`);
        return { stored, requeueAfterMs: AFTER_STEP_MS };
      }
      case 'fail-over':
        return this.failOver(stored, step, auth, log);
      case 'converge':
        return { stored, requeueAfterMs: await this.converge(context, step, auth, log) };
      case 'hand-over':
        return this.handOver(stored, step, auth, log);
      case 'replace': {
        if (step.outage) {
          this.logger.warn('Replacing the only pod: Redis is down until it is back', { ...log, pod: step.pod.name });
          await this.events.record(regarding, 'Warning', 'PrimaryRestart', `Replacing pod ${step.pod.name}, the only one (replicas: 1): Redis takes no writes until it is back`);
        }
        await this.replacePod(stored.metadata.uid ?? '', step.pod, log, 'Replacing outdated pod');
        return { stored, requeueAfterMs: REPLACEMENT_POLL_MS };
      }
    }
  }

  /**
   * Writes the new primary into status before Redis is told, guarded by the resourceVersion
   * that was read: a 409 means another reconcile (or operator) decided meanwhile, and nothing
   * is sent to Redis on this stale decision.
   */
  private async record(stored: RedisInstance, pod: InstancePod, failover?: FailoverRecord): Promise<RedisInstance> {
    return this.client.patch<RedisInstance & KubeObject>(Resources.redisInstance, stored.metadata.namespace, stored.metadata.name, {
      metadata: { resourceVersion: stored.metadata.resourceVersion },
      status: { primary: pod.name, primaryUID: pod.uid, ...(failover ? { lastFailover: failover } : {}) },
    }, 'merge', { subresource: 'status' });
  }

  private async promote(pod: InstancePod, auth: RedisAuth | undefined): Promise<void> {
    throwIfCancelled('REPLICAOF NO ONE');
    await this.session(pod, auth, (node) => node.promote());
  }

  /**
   * Sets or removes the role label, on this very pod only: a pod of the same name created since
   * it was read (the `test` on its UID fails) must not inherit a role it never had.
   */
  private async setRole(pod: InstancePod, role: PodRole | undefined): Promise<void> {
    if (pod.role === role) return;
    const path = `/metadata/labels/${jsonPointerKey(ROLE_LABEL)}`;
    const change = role === undefined ? { op: 'remove', path } : { op: 'add', path, value: role };
    await this.client.patch(Resources.pod, pod.object.metadata.namespace, pod.name, [{ op: 'test', path: '/metadata/uid', value: pod.uid }, change], 'json');
    this.roleChangedAt.set(pod.uid, this.now().getTime());
  }

  private async replacePod(instanceUid: string, pod: InstancePod, log: Record<string, string>, line: string): Promise<void> {
    const deleted = await this.client.delete(Resources.pod, pod.name, pod.object.metadata.namespace, { preconditions: { uid: pod.uid } });
    if (!deleted) return;
    this.deleted.set(instanceUid, (this.deleted.get(instanceUid) ?? new Set<string>()).add(pod.uid));
    this.logger.info(line, { ...log, pod: pod.name, revision: pod.revision ?? '<none>' });
  }

  private async failOver(
    stored: RedisInstance, step: Extract<ReplicationStep, { kind: 'fail-over' }>, auth: RedisAuth | undefined, log: Record<string, string>,
  ): Promise<{ stored: RedisInstance; requeueAfterMs?: number }> {
    // No new client reaches the old primary should it come back.
    if (step.fromPod !== undefined && !step.fromPod.terminating) await this.setRole(step.fromPod, undefined);
    const time = this.now().toISOString();
    const failover: FailoverRecord = { time, from: step.from, to: step.to.name, reason: step.reason };
    const recorded = await this.record(stored, step.to, failover);
    let coordinated = false;
    if (step.coordinated && step.fromPod !== undefined) {
      // The old primary still answers: a coordinated FAILOVER loses no acknowledged write.
      throwIfCancelled('FAILOVER');
      const outcome = await this.session(step.fromPod, auth, (node) => node.failover(addressOf(step.to)!, { timeoutMs: HAND_OVER_TIMEOUT_MS }))
        .catch((error: unknown) => ({ kind: 'failed' as const, message: (error as Error).message }));
      // A pod being deleted stops its Redis the moment FAILOVER has made it a replica (the
      // preStop hook returns), which may close this session before the outcome is read: whether
      // the target is primary now says if it took over.
      coordinated = outcome.kind === 'completed' || (outcome.kind !== 'aborted' && await this.answersAsPrimary(step.to, auth));
      if (!coordinated) await this.pointAtTakeOver(step.fromPod, step.to, auth, log);
    }
    if (!coordinated) await this.promote(step.to, auth);
    await this.setRole(step.to, 'primary');
    this.logger.warn('Failed over to a replica', { ...log, from: step.from, to: step.to.name, reason: step.reason });
    await this.events.record(recorded as unknown as KubeObject, 'Warning', 'FailedOver',
      `Pod ${step.to.name} took over from ${step.from}${coordinated ? ' with FAILOVER' : ''}: ${step.reason}`);
    return { stored: recorded, requeueAfterMs: AFTER_STEP_MS };
  }

  private async answersAsPrimary(pod: InstancePod, auth: RedisAuth | undefined): Promise<boolean> {
    return this.session(pod, auth, (node) => node.replicationInfo()).then((info) => info.role === 'primary', () => false);
  }

  /**
   * A primary that still answers but did not hand over follows the pod about to be promoted, so
   * it acknowledges no write the new primary will not have; a deleted pod's preStop hook would
   * otherwise keep it serving its clients until the hook gives up. It may be gone already.
   */
  private async pointAtTakeOver(from: InstancePod, to: InstancePod, auth: RedisAuth | undefined, log: Record<string, string>): Promise<void> {
    throwIfCancelled('REPLICAOF');
    await this.session(from, auth, async (node) => {
      // Redis refuses REPLICAOF while its own FAILOVER is still under way.
      if ((await node.replicationInfo()).failoverState !== 'no-failover') await node.abortFailover();
      await node.replicaOf(addressOf(to)!);
    }).catch((error: unknown) => {
      if (!(error instanceof RedisOperationError)) throw error;
      this.logger.warn('Could not point the old primary at the one taking over', { ...log, pod: from.name, error: error.message });
    });
  }

  private async handOver(
    stored: RedisInstance, step: Extract<ReplicationStep, { kind: 'hand-over' }>, auth: RedisAuth | undefined, log: Record<string, string>,
  ): Promise<{ stored: RedisInstance; requeueAfterMs?: number }> {
    const uid = stored.metadata.uid ?? '';
    const failedAt = this.handOverFailed.get(uid);
    if (failedAt !== undefined && this.now().getTime() - failedAt < HAND_OVER_RETRY_MS) {
      return { stored, requeueAfterMs: HAND_OVER_RETRY_MS - (this.now().getTime() - failedAt) };
    }
    throwIfCancelled('FAILOVER');
    this.logger.info('Handing over with FAILOVER', { ...log, from: step.from.name, to: step.to.name, reason: step.why });
    // Redis itself refuses a second FAILOVER, and one to a node that is not its replica: the
    // hand-over needs no record first. The record follows what Redis did.
    const outcome = await this.session(step.from, auth, (node) => node.failover(addressOf(step.to)!, { timeoutMs: HAND_OVER_TIMEOUT_MS }));
    if (outcome.kind !== 'completed') {
      this.handOverFailed.set(uid, this.now().getTime());
      this.logger.warn('Hand-over did not complete; the primary keeps taking writes', { ...log, from: step.from.name, to: step.to.name, outcome: outcome.kind });
      return { stored, requeueAfterMs: HAND_OVER_RETRY_MS };
    }
    this.handOverFailed.delete(uid);
    // Writes wait until the client Service reaches the new primary, so its label goes on at once,
    // beside the record (Redis has swapped the roles already: a record that fails to land is
    // repaired from what Redis says). Onto the new primary first: kube-proxy applies
    // EndpointSlice changes at most once a second, and the change that adds the new primary
    // should be the one it applies at once. A client that reaches the old one meanwhile gets
    // READONLY and its connection is closed once the Service no longer lists it.
    const [recorded] = await together(this.record(stored, step.to), this.setRole(step.to, 'primary'));
    await this.setRole(step.from, undefined);
    this.demoted.set(step.from.uid, undefined);
    const why = step.why === 'replace' ? 'before its pod is replaced' : 'before its pod is removed by the scale-down';
    this.logger.info('Handed over with FAILOVER', { ...log, from: step.from.name, to: step.to.name, reason: step.why });
    await this.events.record(recorded as unknown as KubeObject, 'Normal', 'HandedOver', `Pod ${step.from.name} handed over to ${step.to.name} with FAILOVER ${why}`);
    return { stored: recorded, requeueAfterMs: 0 };
  }

  /** Returns when to look again (undefined: nothing left to wait for). */
  private async converge(
    context: ReplicationContext, step: Extract<ReplicationStep, { kind: 'converge' }>, auth: RedisAuth | undefined, log: Record<string, string>,
  ): Promise<number | undefined> {
    const primaryAddress = addressOf(step.primary)!;
    if (step.labelPrimary) await this.setRole(step.primary, 'primary');
    for (const pod of step.follow) {
      // A second primary (it came back on its own) takes no more new clients, then follows.
      if (pod.role === 'primary') {
        await this.setRole(pod, undefined);
        this.demoted.set(pod.uid, undefined);
      }
      throwIfCancelled('REPLICAOF');
      await this.session(pod, auth, (node) => node.replicaOf(primaryAddress));
      this.logger.info('Pointed a pod at the primary', { ...log, pod: pod.name, primary: step.primary.name });
    }
    let waiting = false;
    const listed = step.admit.length > 0 ? await this.clientServiceAddresses(context.instance) : new Set<string>();
    for (const pod of step.admit) {
      if (pod.role === 'primary') {
        await this.setRole(pod, undefined);
        this.demoted.set(pod.uid, undefined);
        waiting = true;
        continue;
      }
      if (this.demoted.has(pod.uid)) {
        // Its clients are closed only once the client Service no longer sends new ones to it.
        if (pod.ip !== undefined && listed.has(pod.ip)) {
          waiting = true;
          continue;
        }
        const since = this.demoted.get(pod.uid) ?? this.now().getTime();
        this.demoted.set(pod.uid, since);
        if (this.now().getTime() - since < ENDPOINT_SETTLE_MS) {
          waiting = true;
          continue;
        }
      }
      throwIfCancelled('CLIENT KILL');
      const closed = await this.session(pod, auth, (node) => node.disconnectClients());
      if (closed > 0) this.logger.info('Closed client connections to a replica', { ...log, pod: pod.name, connections: String(closed) });
      await this.setRole(pod, 'replica');
      this.demoted.delete(pod.uid);
    }
    if (waiting) return ENDPOINT_SETTLE_MS / 3;
    return step.follow.length > 0 || step.admit.length > 0 || step.labelPrimary ? AFTER_STEP_MS : undefined;
  }

  /** The addresses the client Service's EndpointSlices list (ready or not). */
  private async clientServiceAddresses(instance: DefaultedRedisInstance): Promise<Set<string>> {
    const slices = await this.client.list<EndpointSliceObject>(Resources.endpointSlice, {
      namespace: instance.metadata.namespace,
      labelSelector: `kubernetes.io/service-name=${ownedNames(instance.metadata.name).clientService}`,
    });
    return new Set(slices.items.flatMap((slice) => (slice.endpoints ?? []).flatMap((endpoint) => endpoint.addresses ?? [])));
  }
}

/** Every pod answers, and every replica is in sync with a writable primary. */
function settled(report: ReplicationReport): boolean {
  return report.writable.status === 'True' && report.replicasInSync.status === 'True'
    && (report.pods ?? []).every((pod) => pod.role !== 'unknown');
}

function recordOf(stored: RedisInstance): Pick<ReplicationReport, 'primary' | 'primaryUID' | 'lastFailover'> {
  const status = stored.status;
  return {
    ...(status?.primary ? { primary: status.primary } : {}),
    ...(status?.primaryUID ? { primaryUID: status.primaryUID } : {}),
    ...(status?.lastFailover ? { lastFailover: status.lastFailover } : {}),
  };
}

function podStatusOf(pod: ObservedPod, primary: ObservedPod | undefined, bound: number): PodStatus {
  const info = pod.redis.kind === 'answered' ? pod.redis.info : undefined;
  const base = { name: pod.name, role: info?.role ?? 'unknown', ready: pod.ready } as const;
  if (info?.role !== 'replica') return base;
  const link = info.linkUp ? 'up' as const : 'down' as const;
  if (primary === undefined || pod === primary) return { ...base, link };
  const sync = syncOf(pod, primary, bound);
  return sync.kind === 'not-in-sync' && sync.reason === 'behind' ? { ...base, link, lagBytes: roundLag(sync.behindBytes) } : { ...base, link };
}

/** Status from what was observed: the record as now stored, each pod, Writable and ReplicasInSync. */
function reportOf(stored: RedisInstance, pods: readonly ObservedPod[], health: PrimaryHealth | undefined, step: ReplicationStep): ReplicationReport {
  const record = recordOf(stored);
  if (step.kind === 'unobserved') {
    const facts: ConditionFacts = { status: 'Unknown', reason: 'RedisNotDialed', message: 'the pods run on simulated nodes, where no Redis runs; the operator does not dial them' };
    return { ...record, writable: facts, replicasInSync: facts };
  }
  if (step.kind === 'auth-failed') {
    const facts: ConditionFacts = { status: 'Unknown', reason: 'RedisAuthFailed', message: `Redis refused the password: ${step.message}` };
    return { ...record, pods: pods.map((p) => podStatusOf(p, undefined, SYNC_BOUND_BYTES)), writable: facts, replicasInSync: facts };
  }
  const primary = health?.kind === 'healthy' ? health.pod : undefined;
  const podStatuses = pods.map((p) => podStatusOf(p, primary, SYNC_BOUND_BYTES));
  let writable: ConditionFacts;
  if (primary !== undefined && primary.role === 'primary') {
    writable = { status: 'True', reason: 'PrimaryWritable', message: `pod ${primary.name} is the primary and takes writes` };
  } else if (primary !== undefined) {
    writable = { status: 'False', reason: 'PrimaryNotLabelled', message: `pod ${primary.name} is the primary; the client Service reaches it once it carries the role label` };
  } else if (health?.kind === 'lost') {
    writable = { status: 'False', reason: 'PrimaryLost', message: step.kind === 'wait' ? step.message : health.why };
  } else if (record.primary === undefined) {
    writable = { status: 'False', reason: 'NoPrimary', message: step.kind === 'wait' ? step.message : 'no primary has been chosen yet' };
  } else {
    writable = { status: 'False', reason: 'PrimaryChanging', message: `the primary is moving to pod ${record.primary}` };
  }
  let replicasInSync: ConditionFacts;
  if (primary === undefined) {
    replicasInSync = { status: 'Unknown', reason: 'NoPrimary', message: 'no primary to be in sync with' };
  } else {
    const replicas = pods.filter((p) => p !== primary);
    const behind = replicas
      .map((p) => ({ pod: p, sync: syncOf(p, primary, SYNC_BOUND_BYTES) }))
      .filter((entry) => entry.sync.kind === 'not-in-sync');
    if (replicas.length === 0) replicasInSync = { status: 'True', reason: 'NoReplicas', message: 'a single pod has no replica' };
    else if (behind.length === 0) replicasInSync = { status: 'True', reason: 'AllReplicasInSync', message: `${replicas.length} replica(s) in sync with ${primary.name}` };
    else {
      replicasInSync = {
        status: 'False', reason: 'ReplicasNotInSync',
        message: behind.map((entry) => `${entry.pod.name}: ${entry.sync.kind === 'not-in-sync' ? entry.sync.reason : ''}`).join(', '),
      };
    }
  }
  return { ...record, pods: podStatuses, writable, replicasInSync };
}
