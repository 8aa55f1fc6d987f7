import { inject, injectable } from 'inversify';
import { FINALIZER, LEGACY_FINALIZER, ownedNames } from '../api/names.js';
import type { RedisInstance } from '../api/redis-instance.js';
import type { KubeClient } from '../client/kube-client.js';
import type { KubeObject } from '../client/objects.js';
import { Resources } from '../client/resources.js';
import { TOKENS } from '../di/tokens.js';
import type { EventRecorder } from '../observability/event-recorder.js';
import type { Logger } from '../observability/logger.js';
import type { ObjectCache } from '../reconcile/live-objects.js';
import type { ReconcileResult } from '../reconcile/result.js';

/**
 * Owns finalizers, in the manner of kube-rs's `finalizer()` helper: the reconciler's `apply`
 * only ever sees an instance that carries the finalizer and is not being deleted; deletion runs
 * `cleanup` and then lets the instance go. The reconciler does no finalizer bookkeeping itself.
 */
@injectable()
export class LifecycleService {
  constructor(
    @inject(TOKENS.KubeClient) private readonly client: KubeClient,
    @inject(TOKENS.ObjectCache) private readonly cache: ObjectCache,
    @inject(TOKENS.EventRecorder) private readonly events: EventRecorder,
    @inject(TOKENS.Logger) private readonly logger: Logger,
  ) {}

  async run(instance: RedisInstance, apply: (instance: RedisInstance) => Promise<ReconcileResult>): Promise<ReconcileResult> {
    const finalizers = instance.metadata.finalizers ?? [];
    if (instance.metadata.deletionTimestamp) {
      if (!finalizers.includes(FINALIZER)) return {};
      await this.cleanup(instance);
      await this.setFinalizers(Resources.redisInstance, instance as unknown as KubeObject, finalizers.filter((f) => f !== FINALIZER));
      return {};
    }
    let current = instance;
    if (!finalizers.includes(FINALIZER)) {
      current = await this.setFinalizers(Resources.redisInstance, instance as unknown as KubeObject, [...finalizers, FINALIZER]) as unknown as RedisInstance;
    }
    await this.removeLegacyFinalizer(current);
    return apply(current);
  }

  /**
   * The owned objects go with the instance through their owner references (garbage
   * collection). PersistentVolumeClaims belong to the StatefulSet's claim templates, not to the
   * instance: they are kept, unless `storage.reclaimPolicy: Delete` asked the StatefulSet to
   * take them along. The operator itself deletes no claim.
   */
  private async cleanup(instance: RedisInstance): Promise<void> {
    const { name, namespace = 'default' } = instance.metadata;
    await this.removeLegacyFinalizer(instance);
    const deleteClaims = instance.spec?.storage?.reclaimPolicy === 'Delete';
    const claims = deleteClaims
      ? `PersistentVolumeClaims data-${name}-* are deleted with the StatefulSet (storage.reclaimPolicy: Delete)`
      : `PersistentVolumeClaims data-${name}-* are kept`;
    this.logger.info('RedisInstance deleted; owned objects follow it', { instance: name, namespace, reclaimPolicy: deleteClaims ? 'Delete' : 'Retain' });
    await this.events.record(instance as unknown as KubeObject, 'Normal', 'Deleting',
      `Deleting RedisInstance ${name}: its StatefulSet, ConfigMap, Services and PodDisruptionBudget are garbage-collected; ${claims}`);
  }

  /** The seed's operator put `RedisInstanceFinalizer` on StatefulSets; nothing removes it but us,
   * and it would keep the StatefulSet (and a recreate) from ever finishing a delete. */
  private async removeLegacyFinalizer(instance: RedisInstance): Promise<void> {
    const namespace = instance.metadata.namespace ?? 'default';
    const sts = this.cache.get(Resources.statefulSet, namespace, ownedNames(instance.metadata.name).statefulSet);
    const finalizers = sts?.metadata.finalizers ?? [];
    if (!sts || !finalizers.includes(LEGACY_FINALIZER)) return;
    await this.setFinalizers(Resources.statefulSet, sts, finalizers.filter((f) => f !== LEGACY_FINALIZER));
    this.logger.info('Removed legacy finalizer from StatefulSet', { instance: instance.metadata.name, namespace, finalizer: LEGACY_FINALIZER });
  }

  /** A merge patch guarded by the resourceVersion that was read: 409 when stale, then retried. */
  private setFinalizers(resource: typeof Resources.redisInstance | typeof Resources.statefulSet, object: KubeObject, finalizers: string[]): Promise<KubeObject> {
    return this.client.patch(resource, object.metadata.namespace, object.metadata.name, {
      metadata: { finalizers: finalizers.length > 0 ? finalizers : null, resourceVersion: object.metadata.resourceVersion },
    }, 'merge');
  }
}
