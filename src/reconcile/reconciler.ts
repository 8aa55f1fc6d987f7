import { inject, injectable } from 'inversify';
import { DEFAULT_PROGRESS_DEADLINE_SECONDS, DEFAULT_REPLICAS, withDefaults } from '../api/defaults.js';
import type { DefaultedRedisInstance, FieldChange, RedisInstance } from '../api/redis-instance.js';
import type { InstanceOwner } from '../../constructs/owner.js';
import { validateRedisInstance } from '../api/validate.js';
import type { ApplyCreateOutcome, KubeClient } from '../client/kube-client.js';
import { isConflict } from '../client/api-error.js';
import { TerminalError, type Result } from '../controller/reconcile-result.js';
import { splitKey, type KubeObject } from '../client/objects.js';
import { Resources } from '../client/resources.js';
import { TOKENS } from '../di/tokens.js';
import type { LifecycleService } from '../lifecycle/lifecycle-service.js';
import type { EventRecorder } from '../observability/event-recorder.js';
import type { Logger } from '../observability/logger.js';
import type { StrategyMetrics } from '../observability/metrics.js';
import type { StrategyRegistry } from '../strategies/strategy-registry.js';
import type { Decision } from '../strategies/update-strategy.js';
import { describeValue, logChanges, summarize, type Change } from './change-set.js';
import { findIn, liveObjectsOf, resourceOf, type LiveObjects, type ObjectCache } from './live-objects.js';
import { planInstance, type ObjectAction, type StatefulSetPlan } from './plan.js';
import { changesNotStored, notStoredMessage } from './statefulset-changes.js';
import { authSecretProblem, redisAuthOf } from './auth-secret.js';
import { together } from './together.js';
import { PROGRESS_DEADLINE_EXCEEDED, computeStatus, jsonEqual, mergePatch, untilProgressDeadline } from './status.js';
import { podsOf } from './pods.js';
import {
  claimsOf, storageHold, storageStatus, templateSize, withHeldStorage, type Claim, type StorageHold,
} from './storage.js';
import type { PodObject } from './instance-pods.js';
import type { ReplicationOutcome, ReplicationReconciler } from './replication-reconciler.js';
import { ordinalOf } from '../api/names.js';
import type { RedisAuth } from '../redis/redis-admin.js';

const PROCEED: Decision = { kind: 'proceed' };

/** Why the operator does not act, as the Degraded condition says it. */
interface Degraded {
  readonly reason: string;
  readonly message: string;
}

type UpdateStep = Extract<StatefulSetPlan, { kind: 'update' }>;

/** The Degraded reason of an update the API server kept out. */
const CHANGES_NOT_STORED = 'ChangesNotStored';

/** How soon to look again at what no watch reports: objects of someone else's in the way (not
 * labelled, so not cached), and the auth Secret (the operator may get Secrets, not watch them). */
const LOOK_AGAIN: Result = { requeueAfterMs: 15_000 };

/** How soon to look again while an orphaning delete of the StatefulSet finishes. Its delete
 * event wakes the instance as soon as it is gone; this is the fallback should that be missed. */
const WAIT_FOR_DELETE: Result = { requeueAfterMs: 5_000 };

/**
 * Level-based: reads the instance and its live objects from the caches, plans with the very
 * code `redis-operator plan` uses, carries the plan out and writes status. It never trusts the
 * event that woke it, and an instance at rest ends with no write at all.
 */
@injectable()
export class Reconciler {
  /** What the instance was last reported Degraded for, per UID, so a reason is reported once. */
  private readonly reported = new Map<string, Degraded>();

  constructor(
    @inject(TOKENS.KubeClient) private readonly client: KubeClient,
    @inject(TOKENS.ObjectCache) private readonly cache: ObjectCache,
    @inject(TOKENS.StrategyRegistry) private readonly registry: StrategyRegistry,
    @inject(TOKENS.LifecycleService) private readonly lifecycle: LifecycleService,
    @inject(TOKENS.EventRecorder) private readonly events: EventRecorder,
    @inject(TOKENS.Logger) private readonly logger: Logger,
    @inject(TOKENS.Metrics) private readonly metrics: StrategyMetrics,
    @inject(TOKENS.Clock) private readonly now: () => Date,
    @inject(TOKENS.ReplicationReconciler) private readonly replication: ReplicationReconciler,
  ) {}

  async reconcile(key: string): Promise<Result> {
    const { namespace = 'default', name } = splitKey(key);
    const stored = this.cache.get(Resources.redisInstance, namespace, name) as RedisInstance | undefined;
    if (!stored) return {};
    try {
      return await this.lifecycle.run(stored, (instance) => this.apply(instance));
    } catch (error) {
      // Every write is guarded by the resourceVersion that was read. A 409 means the cache was
      // behind (often our own previous write); look again from fresh state, with the key's
      // backoff, so that a conflict that persists does not become a steady stream of writes.
      if (isConflict(error)) {
        this.logger.debug('Conflict; reconciling again from fresh state', { instance: name, namespace, reason: (error as Error).message });
        return { retryWithBackoff: true };
      }
      throw error;
    }
  }

  private async apply(stored: RedisInstance): Promise<Result> {
    const { name, namespace = 'default', uid = '' } = stored.metadata;
    const log = { instance: name, namespace };

    // The API server's schema and CEL rules refuse nearly everything; what gets past them (an
    // older CRD, a stored object from before a rule, a directive the image's Redis version does
    // not know, which no CRD can judge) is reported and left untouched, before anything rolls.
    const validation = validateRedisInstance(stored);
    if (validation.errors.length > 0) {
      const message = validation.errors.map((e) => `${e.path}: ${e.message}`).join('; ');
      const degraded = { reason: 'InvalidSpec', message };
      await this.reportDegraded(stored, 'RedisInstance spec is invalid; nothing is changed', log, degraded);
      // The pods run on as they were, and status says how they do.
      return this.writeStatus(stored, this.cache.get(Resources.statefulSet, namespace, name), { degraded });
    }

    const secretName = stored.spec.auth?.secretName;
    let auth: RedisAuth | undefined;
    if (secretName !== undefined) {
      const secret = await this.client.get(Resources.secret, secretName, namespace);
      const problem = authSecretProblem(secretName, namespace, secret);
      auth = redisAuthOf(secret);
      if (problem) {
        await this.reportDegraded(stored, 'The auth Secret cannot give Redis its password; nothing is changed', { ...log, secret: secretName }, problem);
        return sooner(await this.writeStatus(stored, this.cache.get(Resources.statefulSet, namespace, name), { degraded: problem }), LOOK_AGAIN);
      }
    }

    const owner = { name, uid };
    const wanted = withDefaults(stored);
    const cached = liveObjectsOf(name, (resource, objectName) => this.cache.get(resource, namespace, objectName));
    // What the caches lack is created without a look first (applyCreate); an object found in
    // the way of a create is planned with from then on, in a second pass.
    const first = await this.carryOut(stored, wanted, cached, owner, log, auth);
    if (first.kind === 'done') return first.result;
    const second = await this.carryOut(stored, wanted, { ...cached, ...liveObjectsOf(name, findIn(first.objects)) }, owner, log, auth);
    if (second.kind === 'done') return second.result;
    // Found, then gone, then there again: objects coming and going under the reconcile.
    this.logger.info('Objects keep appearing in the way of creates; reconciling again from fresh state', log);
    return { retryWithBackoff: true };
  }

  /**
   * Plans against `live` and carries the plan out, or stops at the first create that finds an
   * object in the way (one the caches do not show), with what it found and what was written.
   */
  private async carryOut(
    stored: RedisInstance, wanted: DefaultedRedisInstance, live: LiveObjects, owner: InstanceOwner, log: Record<string, string>,
    auth: RedisAuth | undefined,
  ): Promise<Pass> {
    const asObject = stored as unknown as KubeObject;
    // A storage size the claims cannot follow waits on its own; everything else goes ahead.
    const hold = this.storageHold(wanted, live);
    const instance = hold ? withHeldStorage(wanted, hold) : wanted;
    const held = hold ? { reason: hold.reason, message: hold.message } : undefined;
    const plan = planInstance(instance, live, this.registry, owner);

    // Server-side apply with force would take over a same-name object of someone else's.
    if (plan.unowned.length > 0) {
      const objects = plan.unowned.map((o) => `${o.kind} ${o.metadata.name}`).join(', ');
      const degraded = {
        reason: 'ObjectNotOwned',
        message: `${objects} already exist${plan.unowned.length === 1 ? 's' : ''} without a controller reference to this RedisInstance; the operator does not take over objects it did not create: delete or rename ${plan.unowned.length === 1 ? 'it' : 'them'}`,
      };
      await this.reportDegraded(stored, 'Objects in the way are not owned by the instance; they are left as they are', { ...log, objects }, degraded);
      const ownStatefulSet = live.statefulSet && !plan.unowned.includes(live.statefulSet) ? live.statefulSet : undefined;
      // Unlabelled objects are not watched, so their removal sends no event: look again.
      return done(sooner(await this.writeStatus(stored, ownStatefulSet, { degraded, desiredReplicas: instance.spec.replicas }), LOOK_AGAIN));
    }

    const step = plan.statefulSet;
    const desiredReplicas = instance.spec.replicas;
    if (held) await this.reportDegraded(stored, 'Storage size change held back; the other changes are carried out', log, held);

    if (step.kind === 'update') {
      // An update the API server kept out before is not written again (that would loop: each
      // attempt stamps lastUpdate, and the status write wakes the instance once more).
      const tried = this.triedWithoutEffect(stored, step.live, step.changes);
      if (tried) {
        const companions = await this.applyCompanions(plan.companions, log);
        if (companions.kind === 'found') return companions;
        return done(await this.writeStatus(stored, live.statefulSet, { degraded: held ?? tried, desiredReplicas }));
      }
      // Decide first, then act: a refused change must leave every object as it was. A ConfigMap
      // written for a refused config change would be read by the next pod that restarts.
      const decision = await step.strategy.decide?.({
        instance, desired: step.desired, live: step.live, changes: step.changes, client: this.client, logger: this.logger,
      }) ?? PROCEED;
      if (decision.kind === 'refuse') {
        const degraded = { reason: decision.reason, message: decision.message };
        await this.reportDegraded(stored, 'Update refused; nothing is changed', { ...log, strategy: step.strategy.name }, degraded);
        return done(await this.writeStatus(stored, live.statefulSet, { degraded, desiredReplicas }));
      }
    }

    // The StatefulSet controller removes the highest ordinals at once when replicas go down:
    // a primary among them hands over first, and the update waits for that.
    if (step.kind === 'update' && this.primaryScaledAway(stored, step.changes, desiredReplicas)) {
      return done(await this.finish(stored, instance, live.statefulSet, { desiredReplicas, degraded: held }, WAIT_FOR_DELETE, auth));
    }

    const companions = await this.applyCompanions(plan.companions, log);
    if (companions.kind === 'found') return companions;

    switch (step.kind) {
      case 'create': {
        const created = await this.client.applyCreate(Resources.statefulSet, step.desired);
        if (created.kind === 'exists') return { kind: 'found', objects: [...companions.objects, ...await this.lookUp(step.desired, log)] };
        const statefulSet = created.object;
        this.logger.info('Created StatefulSet', { ...log, statefulSet: step.desired.metadata.name });
        const [result] = await together(
          this.finish(stored, instance, statefulSet, { desiredReplicas, degraded: held }, {}, auth),
          this.events.record(asObject, 'Normal', 'Created', `Created StatefulSet ${step.desired.metadata.name} with ${desiredReplicas} replica(s)`),
        );
        return done(result);
      }
      case 'wait':
        return done(await this.finish(stored, instance, live.statefulSet, { desiredReplicas, degraded: held }, WAIT_FOR_DELETE, auth));
      case 'none': {
        if (plan.liveConfig.length === 0) return done(await this.finish(stored, instance, live.statefulSet, { desiredReplicas, degraded: held }, {}, auth));
        // updatePolicy.config: Live, and only what Redis can change at run time changed: the
        // ConfigMap is written (above) and the replication step sets it on every pod.
        const summary = summarize(plan.liveConfig);
        logChanges(this.logger, 'Config change applied live, no pod restarts', plan.liveConfig, { ...log, strategy: 'Live' });
        const lastUpdate = { strategy: 'Live', changes: plan.liveConfig.map((c) => ({ path: c.path, from: describeValue(c.from), to: describeValue(c.to) })) };
        const [result] = await together(
          this.finish(stored, instance, live.statefulSet, { desiredReplicas, lastUpdate, degraded: held }, {}, auth),
          this.events.record(asObject, 'Normal', 'LiveConfigUpdate', `CONFIG SET on every pod, no restart: ${summary}`),
        );
        return done(result);
      }
      case 'update':
        return done(await this.update(stored, instance, step, log, held, auth));
    }
  }

  /** The instance's pods in the cache. */
  private podsOf(namespace: string): PodObject[] {
    return this.cache.list(Resources.pod, namespace) as PodObject[];
  }

  /** Whether these changes lower replicas below the recorded primary's ordinal. */
  private primaryScaledAway(stored: RedisInstance, changes: readonly Change[], desiredReplicas: number): boolean {
    const primary = stored.status?.primary;
    if (primary === undefined || !changes.some((c) => c.kind === 'replicas')) return false;
    const ordinal = ordinalOf(stored.metadata.name, primary);
    return ordinal !== undefined && ordinal >= desiredReplicas;
  }

  /**
   * The replication step (roles, failover, replacing outdated pods) after the StatefulSet's
   * own, then status; the instance comes back at the sooner of the two requeues.
   */
  private async finish(
    stored: RedisInstance, instance: DefaultedRedisInstance, statefulSet: KubeObject | undefined,
    extra: { lastUpdate?: { strategy: string; changes: FieldChange[] }; desiredReplicas: number; degraded: Degraded | undefined },
    result: Result, auth: RedisAuth | undefined,
  ): Promise<Result> {
    const outcome = await this.replication.reconcile({ stored, instance, statefulSet, pods: this.podsOf(instance.metadata.namespace), auth });
    if (outcome.degraded) {
      await this.reportDegraded(outcome.stored, 'Redis cannot be spoken to as it should; no pod is replaced and no role moves', { instance: instance.metadata.name, namespace: instance.metadata.namespace }, outcome.degraded);
    }
    const degraded = outcome.degraded ?? extra.degraded;
    const wake = await this.writeStatus(outcome.stored, statefulSet, { ...extra, replication: outcome, ...(degraded ? { degraded } : { degraded: undefined }) });
    return sooner(sooner(wake, result), outcome.requeueAfterMs === undefined ? {} : { requeueAfterMs: outcome.requeueAfterMs });
  }

  /** Carries an update out with its strategy, then reports what came of it. */
  private async update(
    stored: RedisInstance, instance: DefaultedRedisInstance, step: UpdateStep, log: Record<string, string>, held: Degraded | undefined,
    auth: RedisAuth | undefined,
  ): Promise<Result> {
    const { strategy, changes } = step;
    const desiredReplicas = instance.spec.replicas;
    const strategyLog = { ...log, strategy: strategy.name };
    const outcome = await strategy.execute({
      instance, desired: step.desired, live: step.live, changes, client: this.client, events: this.events, logger: this.logger,
    });
    if (outcome.kind === 'stale') {
      this.logger.info('StatefulSet changed since it was read; planning again', { ...strategyLog, reason: outcome.message });
      return this.finish(stored, instance, step.live, { desiredReplicas, degraded: held }, WAIT_FOR_DELETE, auth);
    }
    if (outcome.kind !== 'applied' && outcome.kind !== 'replacing') throw unknownOutcome(strategy.name, outcome);
    this.metrics.inc(strategy.name);
    const statefulSet = await this.client.get(Resources.statefulSet, step.live.metadata.name, step.live.metadata.namespace);

    const dropped = outcome.kind === 'applied' ? changesNotStored(changes, step.live, statefulSet) : [];
    if (dropped.length > 0) {
      const degraded = { reason: CHANGES_NOT_STORED, message: notStoredMessage(step.live, dropped) };
      await this.reportDegraded(stored, 'The API server did not store the update; it is not retried', strategyLog, degraded);
      return this.writeStatus(stored, statefulSet, { degraded, desiredReplicas });
    }

    const lastUpdate = { strategy: strategy.name, changes: changes.map((c) => ({ path: c.path, from: describeValue(c.from), to: describeValue(c.to) })) };
    // The plan's `wait` and then `create` steps finish a replacement on later reconciles.
    const [result] = await together(
      this.finish(stored, instance, statefulSet, { lastUpdate, desiredReplicas, degraded: held }, outcome.kind === 'replacing' ? WAIT_FOR_DELETE : {}, auth),
      this.events.record(stored as unknown as KubeObject, 'Normal', eventReason(strategy.name), outcome.message),
    );
    return result;
  }

  /** The claims of the instance, as the cache has them. */
  private claimsOf(stored: RedisInstance): Claim[] {
    const namespace = stored.metadata.namespace ?? 'default';
    return claimsOf(stored.metadata.name, namespace, this.cache.list(Resources.persistentVolumeClaim, namespace));
  }

  /** Whether spec.storage.size must wait (see reconcile/storage.ts), judged from the caches. */
  private storageHold(instance: DefaultedRedisInstance, live: LiveObjects): StorageHold | undefined {
    const claims = this.claimsOf(instance);
    return storageHold(instance, {
      claims,
      current: live.statefulSet ? templateSize(live.statefulSet) : storageStatus(claims).size,
      storageClass: (className) => this.cache.get(Resources.storageClass, '', className),
    });
  }

  /** The ChangesNotStored report for exactly this update of this StatefulSet generation, when
   * there is one (in status, or made by this process while the cache catches up). */
  private triedWithoutEffect(stored: RedisInstance, live: KubeObject, changes: readonly Change[]): Degraded | undefined {
    const message = notStoredMessage(live, changes.filter((c) => c.kind !== 'metadata'));
    const condition = stored.status?.conditions?.find((c) => c.type === 'Degraded' && c.status === 'True');
    const known = [this.reported.get(stored.metadata.uid ?? ''), condition];
    return known.some((d) => d?.reason === CHANGES_NOT_STORED && d.message === message) ? { reason: CHANGES_NOT_STORED, message } : undefined;
  }

  /** A Warning Event and a log line when the instance turns Degraded for this reason; the
   * status condition says the rest, so a problem that persists is not reported again. */
  private async reportDegraded(stored: RedisInstance, line: string, log: Record<string, string>, degraded: Degraded): Promise<void> {
    const uid = stored.metadata.uid ?? '';
    // The cached instance may predate the status write that recorded this reason; what this
    // process reported itself is known without the cache.
    const reported = this.reported.get(uid)?.reason === degraded.reason;
    this.reported.set(uid, degraded);
    if (reported) return;
    if (stored.status?.conditions?.find((c) => c.type === 'Degraded' && c.status === 'True')?.reason === degraded.reason) return;
    this.logger.warn(line, { ...log, reason: degraded.reason });
    await this.events.record(stored as unknown as KubeObject, 'Warning', degraded.reason, degraded.message);
  }

  /**
   * The objects around the StatefulSet, all at once: none reads another. The StatefulSet is
   * written only after all of them, since its pods read the ConfigMap as they start. The creates
   * go before the updates and deletes: an object found in the way of one stops the plan before
   * anything but creates is written (see carryOut).
   */
  private async applyCompanions(actions: readonly ObjectAction[], log: Record<string, string>): Promise<Found | Written> {
    const creates = actions.flatMap((action) => (action.kind === 'create' ? [action.desired] : []));
    const outcomes = await together(...creates.map((desired) => this.createCompanion(desired, log)));
    const created = outcomes.flatMap((outcome) => (outcome.kind === 'created' ? [outcome.object] : []));
    const inTheWay = creates.filter((_, i) => outcomes[i]!.kind === 'exists');
    if (inTheWay.length > 0) {
      const found = await together(...inTheWay.map((desired) => this.lookUp(desired, log)));
      return { kind: 'found', objects: [...created, ...found.flat()] };
    }
    const rest = await together(...actions.map((action) => this.applyCompanion(action, log)));
    return { kind: 'written', objects: [...created, ...rest.flat()] };
  }

  private async createCompanion(desired: KubeObject, log: Record<string, string>): Promise<ApplyCreateOutcome<KubeObject>> {
    const outcome = await this.client.applyCreate(resourceOf(desired), desired);
    if (outcome.kind === 'created') this.logger.info(`Created ${desired.kind}`, { ...log, object: desired.metadata.name });
    return outcome;
  }

  /** Updates and deletes; what an update stored. */
  private async applyCompanion(action: ObjectAction, log: Record<string, string>): Promise<KubeObject[]> {
    switch (action.kind) {
      case 'update': {
        const stored = await this.client.apply(resourceOf(action.desired), action.desired);
        this.logger.info(`Updated ${action.desired.kind}`, { ...log, object: action.desired.metadata.name });
        return [stored];
      }
      case 'delete': {
        const deleted = await this.client.delete(resourceOf(action.live), action.live.metadata.name, action.live.metadata.namespace, {
          preconditions: { uid: action.live.metadata.uid },
        });
        if (deleted) this.logger.info(`Deleted ${action.live.kind}`, { ...log, object: action.live.metadata.name });
        return [];
      }
      case 'create':
      case 'none':
        return [];
    }
  }

  /**
   * An object that a create found in the way, read from etcd (a quorum read): the watch cache
   * could still lack it, as the informers did. None when it has gone since.
   */
  private async lookUp(desired: KubeObject, log: Record<string, string>): Promise<KubeObject[]> {
    this.logger.debug(`${desired.kind} exists though the caches lack it; looking it up`, { ...log, object: desired.metadata.name });
    const found = await this.client.get(resourceOf(desired), desired.metadata.name, desired.metadata.namespace);
    return found ? [found] : [];
  }

  /**
   * Computes and writes status, and says when to look again: at the progress deadline, since an
   * instance that makes no progress sends no event. Passing the deadline is reported once, as a
   * Warning Event and a log line, like a refusal.
   */
  private async writeStatus(
    stored: RedisInstance,
    statefulSet: KubeObject | undefined,
    extra: { lastUpdate?: { strategy: string; changes: FieldChange[] }; degraded?: Degraded; desiredReplicas?: number; replication?: ReplicationOutcome },
  ): Promise<Result> {
    const { name, namespace = 'default', uid = '' } = stored.metadata;
    // An invalid spec may hold anything: the defaults stand in for what is not a number.
    const { replicas, progressDeadlineSeconds: deadline } = stored.spec ?? {};
    const desiredReplicas = extra.desiredReplicas ?? (typeof replicas === 'number' ? replicas : DEFAULT_REPLICAS);
    const progressDeadlineSeconds = typeof deadline === 'number' ? deadline : DEFAULT_PROGRESS_DEADLINE_SECONDS;
    const now = this.now();
    const status = computeStatus({
      generation: stored.metadata.generation ?? 0,
      name,
      desiredReplicas,
      statefulSet,
      pods: podsOf(name, desiredReplicas, (pod) => this.cache.get(Resources.pod, namespace, pod)),
      progressDeadlineSeconds,
      storage: storageStatus(this.claimsOf(stored)),
      previous: stored.status,
      ...(extra.lastUpdate ? { lastUpdate: extra.lastUpdate } : {}),
      ...(extra.degraded ? { degraded: extra.degraded } : {}),
      ...(extra.replication ? { replication: extra.replication.report } : {}),
      now,
    });
    const stuck = status.conditions?.find((c) => c.type === 'Degraded' && c.status === 'True' && c.reason === PROGRESS_DEADLINE_EXCEEDED);
    if (!extra.degraded && stuck) {
      await this.reportDegraded(stored, 'No progress within the progress deadline', { instance: name, namespace }, { reason: stuck.reason, message: stuck.message });
    } else if (!extra.degraded) {
      this.reported.delete(uid);
    }
    const wake = untilProgressDeadline(status, progressDeadlineSeconds, now);
    const result = wake === undefined ? {} : { requeueAfterMs: wake };
    if (jsonEqual(status, stored.status)) return result;
    // Guarded by the resourceVersion that was read: status computed from a stale cached copy
    // (one that predates our last write) must not overwrite what that write said.
    await this.client.patch(Resources.redisInstance, stored.metadata.namespace, stored.metadata.name, {
      metadata: { resourceVersion: stored.metadata.resourceVersion },
      status: mergePatch(status, stored.status),
    }, 'merge', { subresource: 'status' });
    return result;
  }
}

/** How a pass of the reconcile ended: carried out (with this result), or stopped by objects a create found in the way. */
type Pass =
  | { readonly kind: 'done'; readonly result: Result }
  /** The objects found, and those the pass had written before it stopped. */
  | { readonly kind: 'found'; readonly objects: readonly KubeObject[] };

type Found = Extract<Pass, { kind: 'found' }>;

/** Objects written as planned, as the API server stored them. */
interface Written {
  readonly kind: 'written';
  readonly objects: readonly KubeObject[];
}

function done(result: Result): Pass {
  return { kind: 'done', result };
}

/** The earlier of two wake-ups; a result without one waits for events alone. */
function sooner(a: Result, b: Result): Result {
  const times = [a.requeueAfterMs, b.requeueAfterMs].filter((t): t is number => t !== undefined);
  return times.length > 0 ? { requeueAfterMs: Math.min(...times) } : {};
}

/** The Event reason for an update carried out by a strategy: RollingUpdate, Recreate, ... */
function eventReason(strategy: string): string {
  if (strategy === 'Rolling') return 'RollingUpdate';
  return strategy;
}

/** A custom strategy written against another version of the interface (JavaScript modules are
 * not type-checked): no retry can help until the module is fixed. */
function unknownOutcome(strategy: string, outcome: never): TerminalError {
  const kind = JSON.stringify((outcome as { kind?: unknown } | undefined)?.kind);
  return new TerminalError(`strategy ${strategy} returned an outcome of kind ${kind}; execute() returns applied, replacing or stale, and refusals belong in decide()`);
}
