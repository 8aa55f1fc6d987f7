import { inject, injectable } from 'inversify';
import { withDefaults } from '../api/defaults.js';
import type { DefaultedRedisInstance, FieldChange, RedisInstance } from '../api/redis-instance.js';
import { validateRedisInstance } from '../api/validate.js';
import type { KubeClient } from '../client/kube-client.js';
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
import { describeValue, type Change } from './change-set.js';
import { liveObjectsOf, resourceOf, withUncached, type ObjectCache } from './live-objects.js';
import { planInstance, plannedCreates, type ObjectAction, type StatefulSetPlan } from './plan.js';
import { changesNotStored, notStoredMessage } from './statefulset-changes.js';
import { computeStatus, jsonEqual } from './status.js';

const PROCEED: Decision = { kind: 'proceed' };

/** Why the operator does not act, as the Degraded condition says it. */
interface Degraded {
  readonly reason: string;
  readonly message: string;
}

type UpdateStep = Extract<StatefulSetPlan, { kind: 'update' }>;

/** The Degraded reason of an update the API server kept out. */
const CHANGES_NOT_STORED = 'ChangesNotStored';

/** How soon to look again while objects of someone else's stand in the way. */
const NOT_OWNED_RETRY_MS = 15_000;

/** How soon to look again while an orphaning delete of the StatefulSet finishes. Its delete
 * event wakes the instance as soon as it is gone; this is the fallback should that be missed. */
const WAIT_FOR_DELETE_MS = 5_000;

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
    const asObject = stored as unknown as KubeObject;

    // The API server's schema and CEL rules refuse nearly everything; what gets past them (an
    // older CRD, a stored object from before a rule) is reported and left untouched.
    const validation = validateRedisInstance(stored);
    if (validation.errors.length > 0) {
      const message = validation.errors.map((e) => `${e.path}: ${e.message}`).join('; ');
      const degraded = { reason: 'InvalidSpec', message };
      await this.reportDegraded(stored, 'RedisInstance spec is invalid; nothing is changed', log, degraded);
      await this.writeStatus(stored, undefined, { degraded });
      return {};
    }

    const instance = withDefaults(stored);
    const owner = { name, uid };
    let live = liveObjectsOf(name, (resource, objectName) => this.cache.get(resource, namespace, objectName));
    let plan = planInstance(instance, live, this.registry, owner);
    const creates = plannedCreates(plan);
    if (creates.length > 0) {
      const completed = await withUncached(name, live, creates, (resource, objectName) => this.client.get(resource, objectName, namespace));
      if (Object.keys(completed).length > Object.keys(live).length) {
        live = completed;
        plan = planInstance(instance, live, this.registry, owner);
      }
    }

    // Server-side apply with force would take over a same-name object of someone else's.
    if (plan.unowned.length > 0) {
      const objects = plan.unowned.map((o) => `${o.kind} ${o.metadata.name}`).join(', ');
      const degraded = {
        reason: 'ObjectNotOwned',
        message: `${objects} already exist${plan.unowned.length === 1 ? 's' : ''} without a controller reference to this RedisInstance; the operator does not take over objects it did not create: delete or rename ${plan.unowned.length === 1 ? 'it' : 'them'}`,
      };
      await this.reportDegraded(stored, 'Objects in the way are not owned by the instance; nothing is changed', { ...log, objects }, degraded);
      const ownStatefulSet = live.statefulSet && !plan.unowned.includes(live.statefulSet) ? live.statefulSet : undefined;
      await this.writeStatus(stored, ownStatefulSet, { degraded, desiredReplicas: instance.spec.replicas });
      // Unlabelled objects are not watched, so their removal sends no event: look again.
      return { requeueAfterMs: NOT_OWNED_RETRY_MS };
    }

    const step = plan.statefulSet;
    const desiredReplicas = instance.spec.replicas;

    if (step.kind === 'update') {
      // An update the API server kept out before is not written again (that would loop: each
      // attempt stamps lastUpdate, and the status write wakes the instance once more).
      const tried = this.triedWithoutEffect(stored, step.live, step.changes);
      if (tried) {
        for (const action of plan.companions) await this.applyCompanion(action, log);
        await this.writeStatus(stored, live.statefulSet, { degraded: tried, desiredReplicas });
        return {};
      }
      // Decide first, then act: a refused change must leave every object as it was. A ConfigMap
      // written for a refused config change would be read by the next pod that restarts.
      const decision = await step.strategy.decide?.({
        instance, desired: step.desired, live: step.live, changes: step.changes, client: this.client, logger: this.logger,
      }) ?? PROCEED;
      if (decision.kind === 'refuse') {
        const degraded = { reason: decision.reason, message: decision.message };
        await this.reportDegraded(stored, 'Update refused; nothing is changed', { ...log, strategy: step.strategy.name }, degraded);
        await this.writeStatus(stored, live.statefulSet, { degraded, desiredReplicas });
        return {};
      }
    }

    for (const action of plan.companions) await this.applyCompanion(action, log);

    switch (step.kind) {
      case 'create': {
        const statefulSet = await this.client.apply(Resources.statefulSet, step.desired);
        this.logger.info('Created StatefulSet', { ...log, statefulSet: step.desired.metadata.name });
        await this.events.record(asObject, 'Normal', 'Created', `Created StatefulSet ${step.desired.metadata.name} with ${desiredReplicas} replica(s)`);
        await this.writeStatus(stored, statefulSet, { desiredReplicas });
        return {};
      }
      case 'wait':
        await this.writeStatus(stored, live.statefulSet, { desiredReplicas });
        return { requeueAfterMs: WAIT_FOR_DELETE_MS };
      case 'none':
        await this.writeStatus(stored, live.statefulSet, { desiredReplicas });
        return {};
      case 'update':
        return this.update(stored, instance, step, log);
    }
  }

  /** Carries an update out with its strategy, then reports what came of it. */
  private async update(stored: RedisInstance, instance: DefaultedRedisInstance, step: UpdateStep, log: Record<string, string>): Promise<Result> {
    const { strategy, changes } = step;
    const desiredReplicas = instance.spec.replicas;
    const strategyLog = { ...log, strategy: strategy.name };
    const outcome = await strategy.execute({
      instance, desired: step.desired, live: step.live, changes, client: this.client, events: this.events, logger: this.logger,
    });
    if (outcome.kind === 'stale') {
      this.logger.info('StatefulSet changed since it was read; planning again', { ...strategyLog, reason: outcome.message });
      await this.writeStatus(stored, step.live, { desiredReplicas });
      return { requeueAfterMs: WAIT_FOR_DELETE_MS };
    }
    if (outcome.kind !== 'applied' && outcome.kind !== 'replacing') throw unknownOutcome(strategy.name, outcome);
    this.metrics.inc(strategy.name);
    const statefulSet = await this.client.get(Resources.statefulSet, step.live.metadata.name, step.live.metadata.namespace);

    const dropped = outcome.kind === 'applied' ? changesNotStored(changes, step.live, statefulSet) : [];
    if (dropped.length > 0) {
      const degraded = { reason: CHANGES_NOT_STORED, message: notStoredMessage(step.live, dropped) };
      await this.reportDegraded(stored, 'The API server did not store the update; it is not retried', strategyLog, degraded);
      await this.writeStatus(stored, statefulSet, { degraded, desiredReplicas });
      return {};
    }

    await this.events.record(stored as unknown as KubeObject, 'Normal', eventReason(strategy.name), outcome.message);
    const lastUpdate = { strategy: strategy.name, changes: changes.map((c) => ({ path: c.path, from: describeValue(c.from), to: describeValue(c.to) })) };
    await this.writeStatus(stored, statefulSet, { lastUpdate, desiredReplicas });
    // The plan's `wait` and then `create` steps finish a replacement on later reconciles.
    return outcome.kind === 'replacing' ? { requeueAfterMs: WAIT_FOR_DELETE_MS } : {};
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

  private async applyCompanion(action: ObjectAction, log: Record<string, string>): Promise<void> {
    switch (action.kind) {
      case 'create':
      case 'update': {
        await this.client.apply(resourceOf(action.desired), action.desired);
        this.logger.info(`${action.kind === 'create' ? 'Created' : 'Updated'} ${action.desired.kind}`, { ...log, object: action.desired.metadata.name });
        break;
      }
      case 'delete': {
        const deleted = await this.client.delete(resourceOf(action.live), action.live.metadata.name, action.live.metadata.namespace, {
          preconditions: { uid: action.live.metadata.uid },
        });
        if (deleted) this.logger.info(`Deleted ${action.live.kind}`, { ...log, object: action.live.metadata.name });
        break;
      }
      case 'none':
        break;
    }
  }

  private async writeStatus(
    stored: RedisInstance,
    statefulSet: KubeObject | undefined,
    extra: { lastUpdate?: { strategy: string; changes: FieldChange[] }; degraded?: Degraded; desiredReplicas?: number },
  ): Promise<void> {
    if (!extra.degraded) this.reported.delete(stored.metadata.uid ?? '');
    const status = computeStatus({
      generation: stored.metadata.generation ?? 0,
      name: stored.metadata.name,
      desiredReplicas: extra.desiredReplicas ?? stored.spec?.replicas ?? 1,
      statefulSet,
      previous: stored.status,
      ...(extra.lastUpdate ? { lastUpdate: extra.lastUpdate } : {}),
      ...(extra.degraded ? { degraded: extra.degraded } : {}),
      now: this.now(),
    });
    if (jsonEqual(status, stored.status)) return;
    // Guarded by the resourceVersion that was read: status computed from a stale cached copy
    // (one that predates our last write) must not overwrite what that write said.
    await this.client.patch(Resources.redisInstance, stored.metadata.namespace, stored.metadata.name, {
      metadata: { resourceVersion: stored.metadata.resourceVersion },
      status,
    }, 'merge', { subresource: 'status' });
  }
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
