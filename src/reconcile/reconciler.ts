import { inject, injectable } from 'inversify';
import { withDefaults } from '../api/defaults.js';
import type { FieldChange, RedisInstance } from '../api/redis-instance.js';
import { validateRedisInstance } from '../api/validate.js';
import type { KubeClient } from '../client/kube-client.js';
import { isConflict } from '../client/api-error.js';
import { splitKey, type KubeObject } from '../client/objects.js';
import { Resources, type ResourceType } from '../client/resources.js';
import { TOKENS } from '../di/tokens.js';
import type { LifecycleService } from '../lifecycle/lifecycle-service.js';
import type { EventRecorder } from '../observability/event-recorder.js';
import type { Logger } from '../observability/logger.js';
import type { StrategyMetrics } from '../observability/metrics.js';
import type { StrategyRegistry } from '../strategies/strategy-registry.js';
import { describeValue } from './change-set.js';
import { liveObjectsOf, type ObjectCache } from './live-objects.js';
import { planInstance, type ObjectAction } from './plan.js';
import type { ReconcileResult } from './result.js';
import { computeStatus, jsonEqual } from './status.js';

const RESOURCE_OF_KIND: Record<string, ResourceType> = {
  ConfigMap: Resources.configMap,
  Service: Resources.service,
  PodDisruptionBudget: Resources.podDisruptionBudget,
  StatefulSet: Resources.statefulSet,
};

/** How soon to look again while an orphaning delete of the StatefulSet finishes. */
const WAIT_FOR_DELETE_MS = 500;

/**
 * Level-based: reads the instance and its live objects from the caches, plans with the very
 * code `redis-operator plan` uses, carries the plan out and writes status. It never trusts the
 * event that woke it, and an instance at rest ends with no write at all.
 */
@injectable()
export class Reconciler {
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
      // behind (often our own previous write); look again from fresh state, with the key's
      // backoff, so that a conflict that persists does not become a steady stream of writes.
      if (isConflict(error)) {
        this.logger.debug('Conflict; reconciling again from fresh state', { instance: name, namespace, reason: (error as Error).message });
        return { retryWithBackoff: true };
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
      if (stored.status?.conditions?.find((c) => c.type === 'Degraded')?.reason !== 'InvalidSpec') {
        this.logger.warn('RedisInstance spec is invalid; nothing is changed', { ...log, reason: message });
        await this.events.record(asObject, 'Warning', 'InvalidSpec', message);
      }
      await this.writeStatus(stored, undefined, { degraded: { reason: 'InvalidSpec', message } });
      return {};
    }

    const instance = withDefaults(stored);
    const live = liveObjectsOf(name, (resource, objectName) => this.cache.get(resource, namespace, objectName));
    const plan = planInstance(instance, live, this.registry, { name, uid });

    for (const action of plan.companions) await this.applyCompanion(action, log);

    let statefulSet = live.statefulSet;
    let lastUpdate: { strategy: string; changes: FieldChange[] } | undefined;
    let degraded: { reason: string; message: string } | undefined;
    let result: ReconcileResult = {};
    const step = plan.statefulSet;
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
        this.metrics.inc(step.strategy.name);
        if (outcome.kind === 'applied') {
          lastUpdate = {
            strategy: step.strategy.name,
            changes: step.changes.map((c) => ({ path: c.path, from: describeValue(c.from), to: describeValue(c.to) })),
          };
          await this.events.record(asObject, 'Normal', eventReason(step.strategy.name), outcome.message);
          statefulSet = await this.client.get(Resources.statefulSet, name, namespace);
        } else {
          degraded = { reason: outcome.reason, message: outcome.message };
          if (stored.status?.conditions?.find((c) => c.type === 'Degraded')?.reason !== outcome.reason) {
            this.logger.warn('Update refused; nothing is changed', { ...log, strategy: step.strategy.name, reason: outcome.reason });
            await this.events.record(asObject, 'Warning', outcome.reason, outcome.message);
          }
        }
        break;
      }
      case 'none':
        break;
    }
    await this.writeStatus(stored, statefulSet, {
      ...(lastUpdate ? { lastUpdate } : {}),
      ...(degraded ? { degraded } : {}),
      desiredReplicas: instance.spec.replicas,
    });
    return result;
  }

  private async applyCompanion(action: ObjectAction, log: Record<string, string>): Promise<void> {
    switch (action.kind) {
      case 'create':
      case 'update': {
        const resource = RESOURCE_OF_KIND[action.desired.kind]!;
        await this.client.apply(resource, action.desired);
        this.logger.info(`${action.kind === 'create' ? 'Created' : 'Updated'} ${action.desired.kind}`, { ...log, object: action.desired.metadata.name });
        break;
      }
      case 'delete': {
        await this.client.delete(RESOURCE_OF_KIND[action.live.kind]!, action.live.metadata.name, action.live.metadata.namespace, {
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
    extra: { lastUpdate?: { strategy: string; changes: FieldChange[] }; degraded?: { reason: string; message: string }; desiredReplicas?: number },
  ): Promise<void> {
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
