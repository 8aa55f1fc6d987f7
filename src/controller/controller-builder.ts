/**
 * Assembles a Controller by naming what it watches and what it owns, as controller-runtime's
 * builder and kube-rs's `Controller::new(..).owns(..)` do:
 *
 *   new ControllerBuilder(client, logger)
 *     .watchesPrimary(Resources.redisInstance, { namespace })
 *     .owns(Resources.statefulSet, { namespace, labelSelector: 'app.kubernetes.io/managed-by=redis-operator' })
 *     .build(reconcile, { maxConcurrentReconciles: 4, metrics });
 */
import type { KubeObject } from '../client/objects.js';
import type { ResourceType } from '../client/resources.js';
import type { Logger } from '../observability/logger.js';
import { Controller, type ControllerOptions } from './controller.js';
import { Informer, type InformerOptions, type ListWatchClient } from './informer.js';
import { ownerKeyMapper, type KeyMapper } from './owner-mapping.js';
import type { ReconcileFunction } from './reconcile-result.js';
import { ExponentialBackoff, type BackoffOptions } from './backoff.js';
import { WorkQueue } from './work-queue.js';

export interface BuildOptions extends ControllerOptions {
  /** Per-key retry backoff of failed reconciles. @default 100 ms doubling to 5 minutes, 20 % jitter */
  readonly backoff?: BackoffOptions;
}

interface SecondarySpec {
  readonly resource: ResourceType;
  readonly options: InformerOptions;
  /** Undefined: map to the owner (resolved at build, once the primary is known). */
  readonly toKeys: KeyMapper | undefined;
}

export class ControllerBuilder {
  private primary: { resource: ResourceType; options: InformerOptions } | undefined;
  private readonly secondaries: SecondarySpec[] = [];

  constructor(private readonly client: ListWatchClient, private readonly logger: Logger) {}

  /** The resource whose keys are reconciled. */
  watchesPrimary(resource: ResourceType, options: InformerOptions = {}): this {
    this.primary = { resource, options };
    return this;
  }

  /**
   * A kind the primary owns: its events wake the owner (controller ownerReference of the
   * primary's kind, else the `app.kubernetes.io/instance` label in the same namespace).
   */
  owns(resource: ResourceType, options: InformerOptions = {}): this {
    this.secondaries.push({ resource, options, toKeys: undefined });
    return this;
  }

  /** Any other kind, with its own mapping from object to primary keys. */
  watches(resource: ResourceType, toKeys: KeyMapper, options: InformerOptions = {}): this {
    this.secondaries.push({ resource, options, toKeys });
    return this;
  }

  build(reconcile: ReconcileFunction, options: BuildOptions = {}): Controller {
    if (!this.primary) throw new Error('ControllerBuilder: watchesPrimary() was not called');
    const primaryResource = this.primary.resource;
    const informer = (resource: ResourceType, informerOptions: InformerOptions): Informer<KubeObject> =>
      new Informer<KubeObject>(this.client, resource, this.logger, informerOptions);
    const owned = this.secondaries.map((spec) => ({
      informer: informer(spec.resource, spec.options),
      toKeys: spec.toKeys ?? ownerKeyMapper(primaryResource),
    }));
    const queue = new WorkQueue(new ExponentialBackoff(options.backoff));
    return new Controller(informer(primaryResource, this.primary.options), owned, reconcile, queue, this.logger, options);
  }
}
