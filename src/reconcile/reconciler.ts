import { inject, injectable } from 'inversify';
import { withDefaults } from '../api/defaults.js';
import type { FieldChange, RedisInstance } from '../api/redis-instance.js';
import { validateRedisInstance } from '../api/validate.js';
import type { KubeClient } from '../client/kube-client.js';
import { isConflict } from '../client/api-error.js';
import { TerminalError } from '../controller/reconcile-result.js';
import { splitKey, type KubeObject } from '../client/objects.js';
import { Resources } from '../client/resources.js';
import { TOKENS } from '../di/tokens.js';
import type { LifecycleService } from '../lifecycle/lifecycle-service.js';
import type { EventRecorder } from '../observability/event-recorder.js';
import type { Logger } from '../observability/logger.js';
import type { StrategyMetrics } from '../observability/metrics.js';
import type { StrategyRegistry } from '../strategies/strategy-registry.js';
import type { Decision } from '../strategies/update-strategy.js';
import { describeValue } from './change-set.js';
import { liveObjectsOf, resourceOf, withUncached, type ObjectCache } from './live-objects.js';
import { planInstance, plannedCreates, type ObjectAction } from './plan.js';
import type { ReconcileResult } from './result.js';
import { computeStatus, jsonEqual } from './status.js';

const PROCEED: Decision = { kind: 'proceed' };

/** Why the operator does not act, as the Degraded condition says it. */
interface Degraded {
  readonly reason: string;
  readonly message: string;
}

/** How soon to look again after a write conflict. */
const CONFLICT_RETRY_MS = 100;

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
  /** The Degraded reason last reported per instance UID, so a reason is reported once. */
  private readonly reported = new Map<string, string>();

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

  async reconcile(key: string): Promise<ReconcileResult> {
    const { namespace = 'default', name } = splitKey(key);
    const stored = this.cache.get(Resources.redisInstance, namespace, name) as RedisInstance | undefined;
    if (!stored) return {};
    try {
      return await this.lifecycle.run(stored, (instance) => this.apply(instance));
    } catch (error) {
      // Every write is guarded by the resourceVersion that was read. A 409 means the cache was
      // behind (often our own previous write); look again shortly, from fresh state.
      if (isConflict(error)) {
        this.logger.debug('Conflict; reconciling again from fresh state', { instance: name, namespace, reason: (error as Error).message });
        return { requeueAfterMs: CONFLICT_RETRY_MS };
      }
      throw error;
    }
  }

  private async apply(stored: RedisInstance): Promise<ReconcileResult> {
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

    // Decide first, then act: a refused change must leave every object as it was. A ConfigMap
    // written for a refused config change would be read by the next pod that restarts.
    if (step.kind === 'update') {
      const decision = await step.strategy.decide?.({
        instance, desired: step.desired, live: step.live, changes: step.changes, client: this.client, logger: this.logger,
      }) ?? PROCEED;
      if (decision.kind === 'refuse') {
        const degraded = { reason: decision.reason, message: decision.message };
        await this.reportDegraded(stored, 'Update refused; nothing is changed', { ...log, strategy: step.strategy.name }, degraded);
        await this.writeStatus(stored, live.statefulSet, { degraded, desiredReplicas: instance.spec.replicas });
        return {};
      }
    }

    for (const action of plan.companions) await this.applyCompanion(action, log);

    let statefulSet = live.statefulSet;
    let lastUpdate: { strategy: string; changes: FieldChange[] } | undefined;
    let result: ReconcileResult = {};
    switch (step.kind) {
      case 'create': {
        statefulSet = await this.client.apply(Resources.statefulSet, step.desired);
        this.logger.info('Created StatefulSet', { ...log, statefulSet: step.desired.metadata.name });
        await this.events.record(asObject, 'Normal', 'Created', `Created StatefulSet ${step.desired.metadata.name} with ${instance.spec.replicas} replica(s)`);
        break;
      }
      case 'wait':
        result = { requeueAfterMs: WAIT_FOR_DELETE_MS };
        break;
      case 'update': {
        const outcome = await step.strategy.execute({
          instance, desired: step.desired, live: step.live, changes: step.changes,
          client: this.client, events: this.events, logger: this.logger,
        });
        const strategyLog = { ...log, strategy: step.strategy.name };
        switch (outcome.kind) {
          case 'stale':
            this.logger.info('StatefulSet changed since it was read; planning again', { ...strategyLog, reason: outcome.message });
            result = { requeueAfterMs: WAIT_FOR_DELETE_MS };
            break;
          case 'applied':
          case 'replacing':
            this.metrics.inc(step.strategy.name);
            lastUpdate = {
              strategy: step.strategy.name,
              changes: step.changes.map((c) => ({ path: c.path, from: describeValue(c.from), to: describeValue(c.to) })),
            };
            await this.events.record(asObject, 'Normal', eventReason(step.strategy.name), outcome.message);
            statefulSet = await this.client.get(Resources.statefulSet, name, namespace);
            // The plan's `wait` and then `create` steps finish a replacement on later reconciles.
            if (outcome.kind === 'replacing') result = { requeueAfterMs: WAIT_FOR_DELETE_MS };
            break;
          default:
            throw unknownOutcome(step.strategy.name, outcome);
        }
        break;
      }
      case 'none':
        break;
    }
    await this.writeStatus(stored, statefulSet, {
      ...(lastUpdate ? { lastUpdate } : {}),
      desiredReplicas: instance.spec.replicas,
    });
    return result;
  }

  /** A Warning Event and a log line when the instance turns Degraded for this reason; the
   * status condition says the rest, so a problem that persists is not reported again. */
  private async reportDegraded(stored: RedisInstance, line: string, log: Record<string, string>, degraded: Degraded): Promise<void> {
    const uid = stored.metadata.uid ?? '';
    // The cached instance may predate the status write that recorded this reason; what this
    // process reported itself is known without the cache.
    if (this.reported.get(uid) === degraded.reason) return;
    this.reported.set(uid, degraded.reason);
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
        await this.client.delete(resourceOf(action.live), action.live.metadata.name, action.live.metadata.namespace, {
          preconditions: { uid: action.live.metadata.uid },
        });
        this.logger.info(`Deleted ${action.live.kind}`, { ...log, object: action.live.metadata.name });
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
