import { inject, injectable } from 'inversify';
import { FINALIZER, LEGACY_FINALIZER, instanceSelector, ownedNames } from '../api/names.js';
import { API_VERSION, KIND, type RedisInstance } from '../api/redis-instance.js';
import type { KubeClient } from '../client/kube-client.js';
import type { KubeObject, OwnerReference } from '../client/objects.js';
import { Resources } from '../client/resources.js';
import type { Result } from '../controller/reconcile-result.js';
import { TOKENS } from '../di/tokens.js';
import type { EventRecorder } from '../observability/event-recorder.js';
import type { Logger } from '../observability/logger.js';
import type { ObjectCache } from '../reconcile/live-objects.js';

/** `storage.reclaimPolicy: Delete`: the user asked for the claims to go with the instance. */
function deletesClaims(instance: RedisInstance): boolean {
  return instance.spec?.storage?.reclaimPolicy === 'Delete';
}

/**
 * Owns finalizers, in the manner of kube-rs's `finalizer()` helper: the reconciler's `apply`
 * only ever sees an instance that is not being deleted; deletion runs `cleanup` and then lets
 * the instance go. The reconciler does no finalizer bookkeeping itself.
 *
 * The finalizer is held only when it has a job: under `storage.reclaimPolicy: Delete` it makes
 * every claim of the instance owned by it before the deletion goes on, so the garbage collector
 * deletes them all. The StatefulSet's own retention policy covers only claims of pods it still
 * has; a claim of a removed ordinal, or one a Recreate's orphaning delete released, would
 * otherwise survive. Under Retain nothing needs doing, and a finalizer would only keep the
 * instance (and its namespace) Terminating while the operator is down.
 */
@injectable()
export class LifecycleService {
  constructor(
    @inject(TOKENS.KubeClient) private readonly client: KubeClient,
    @inject(TOKENS.ObjectCache) private readonly cache: ObjectCache,
    @inject(TOKENS.EventRecorder) private readonly events: EventRecorder,
    @inject(TOKENS.Logger) private readonly logger: Logger,
  ) {}

  async run(instance: RedisInstance, apply: (instance: RedisInstance) => Promise<Result>): Promise<Result> {
    const finalizers = instance.metadata.finalizers ?? [];
    const holds = finalizers.includes(FINALIZER);
    if (instance.metadata.deletionTimestamp) {
      if (!holds) return {};
      await this.cleanup(instance);
      await this.setFinalizers(Resources.redisInstance, instance as unknown as KubeObject, finalizers.filter((f) => f !== FINALIZER));
      return {};
    }
    let current = instance;
    if (holds !== deletesClaims(instance)) {
      const wanted = holds ? finalizers.filter((f) => f !== FINALIZER) : [...finalizers, FINALIZER];
      current = await this.setFinalizers(Resources.redisInstance, instance as unknown as KubeObject, wanted) as unknown as RedisInstance;
    }
    await this.removeLegacyFinalizer(current);
    return apply(current);
  }

  /**
   * The owned objects go with the instance through their owner references. Claims belong to
   * the StatefulSet's claim templates, not to the instance: under Delete each one is given an
   * owner reference to the instance here, before it is released; under Retain all are kept.
   * The operator itself deletes no claim.
   */
  private async cleanup(instance: RedisInstance): Promise<void> {
    const { name, namespace = 'default', uid = '' } = instance.metadata;
    await this.removeLegacyFinalizer(instance);
    if (!deletesClaims(instance)) {
      this.logger.info('RedisInstance deleted; owned objects follow it, claims are kept', { instance: name, namespace, reclaimPolicy: 'Retain' });
      await this.events.record(instance as unknown as KubeObject, 'Normal', 'Deleting',
        `Deleting RedisInstance ${name}: its StatefulSet, ConfigMap, Services and PodDisruptionBudget are garbage-collected; PersistentVolumeClaims data-${name}-* are kept`);
      return;
    }
    const owner: OwnerReference = { apiVersion: API_VERSION, kind: KIND, name, uid };
    const claims = (await this.client.list(Resources.persistentVolumeClaim, { namespace, labelSelector: instanceSelector(name) })).items;
    for (const claim of claims) {
      const references = claim.metadata.ownerReferences ?? [];
      if (references.some((r) => r.uid === uid)) continue;
      // Guarded by the resourceVersion: a merge patch replaces the whole list.
      await this.client.patch(Resources.persistentVolumeClaim, namespace, claim.metadata.name, {
        metadata: { ownerReferences: [...references, owner], resourceVersion: claim.metadata.resourceVersion },
      }, 'merge');
    }
    const names = claims.map((c) => c.metadata.name).sort();
    this.logger.info('RedisInstance deleted; its claims are owned by it and follow it', { instance: name, namespace, reclaimPolicy: 'Delete', claims: names });
    await this.events.record(instance as unknown as KubeObject, 'Normal', 'Deleting',
      `Deleting RedisInstance ${name}: its StatefulSet, ConfigMap, Services and PodDisruptionBudget are garbage-collected, and so are its ${names.length} PersistentVolumeClaim(s)${names.length > 0 ? ` ${names.join(', ')}` : ''}, each now owned by it (storage.reclaimPolicy: Delete)`);
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
