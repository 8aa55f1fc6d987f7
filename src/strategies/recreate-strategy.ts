import { injectable } from 'inversify';
import type { DefaultedRedisInstance } from '../api/redis-instance.js';
import { instanceSelector } from '../api/names.js';
import { compareQuantities } from '../api/quantity.js';
import type { KubeObject } from '../client/objects.js';
import { Resources } from '../client/resources.js';
import { type Change, describeValue, logChanges, needsStatefulSetRestart, summarize } from '../reconcile/change-set.js';
import type { Decision, DecisionContext, StrategyContext, StrategyEffects, StrategyOutcome, UpdateStrategy } from './update-strategy.js';

interface PersistentVolumeClaim extends KubeObject {
  readonly spec: { storageClassName?: string; resources?: { requests?: { storage?: string } } };
}

function requestedSize(claim: PersistentVolumeClaim): string | undefined {
  return claim.spec.resources?.requests?.storage;
}

function isSmaller(claim: PersistentVolumeClaim, size: string): boolean {
  const requested = requestedSize(claim);
  return requested === undefined || compareQuantities(requested, size) < 0;
}

async function listClaims({ client, instance }: DecisionContext): Promise<PersistentVolumeClaim[]> {
  const claims = await client.list<PersistentVolumeClaim>(Resources.persistentVolumeClaim, {
    namespace: instance.metadata.namespace,
    labelSelector: instanceSelector(instance.metadata.name),
  });
  return claims.items;
}

const STORAGE_ONLY: ReadonlySet<Change['kind']> = new Set(['storageSize', 'storageClass', 'volumeClaimTemplate']);

/**
 * Replaces the StatefulSet without taking Redis down: it is deleted with
 * `propagationPolicy: Orphan` (the garbage collector leaves its pods and PVCs running, only
 * removing their owner references), and the new StatefulSet, which has the same selector,
 * adopts them and rolls them to the new template. Pods and PVCs are never deleted.
 *
 * The strategy only deletes. The garbage collector takes its time (a finalizer may hold the
 * StatefulSet for as long as its owner likes), so no worker waits for it: the reconciler's plan
 * waits while the StatefulSet is being deleted and creates the new one once it is gone.
 *
 * A bigger `storage.size` first expands every existing claim, since the new template only
 * applies to claims created later; when a claim's StorageClass does not allow expansion the
 * strategy refuses in decide(), before anything is written.
 */
@injectable()
export class RecreateStrategy implements UpdateStrategy {
  readonly name = 'Recreate';

  accepts(changes: readonly Change[], instance: DefaultedRedisInstance): boolean {
    return needsStatefulSetRestart(changes, instance.spec.updatePolicy.config);
  }

  /** Refuses a storage change the claims cannot follow, before anything is written. */
  async decide(context: DecisionContext): Promise<Decision> {
    if (!context.changes.some((c) => c.kind === 'storageSize')) return { kind: 'proceed' };
    const { client, instance } = context;
    const size = instance.spec.storage.size;
    const claims = await listClaims(context);
    if (claims.some((claim) => compareQuantities(requestedSize(claim) ?? '0', size) > 0)) {
      return {
        kind: 'refuse',
        reason: 'StorageShrinkRefused',
        message: `spec.storage.size ${size} is smaller than existing PersistentVolumeClaims; volumes cannot shrink`,
      };
    }
    const expandable = new Map<string, boolean>();
    for (const claim of claims.filter((c) => isSmaller(c, size))) {
      const className = claim.spec.storageClassName ?? '';
      if (!expandable.has(className)) {
        const storageClass = className ? await client.get(Resources.storageClass, className) : undefined;
        expandable.set(className, (storageClass as { allowVolumeExpansion?: boolean } | undefined)?.allowVolumeExpansion === true);
      }
      if (!expandable.get(className)) {
        return {
          kind: 'refuse',
          reason: 'VolumeExpansionNotAllowed',
          message: `PersistentVolumeClaim ${claim.metadata.name} cannot grow to ${size}: its StorageClass ${className || '<none>'} does not set allowVolumeExpansion; nothing was changed`,
        };
      }
    }
    return { kind: 'proceed' };
  }

  async execute(context: StrategyContext): Promise<StrategyOutcome> {
    const { client, live, instance, logger } = context;
    const log = { instance: instance.metadata.name, namespace: instance.metadata.namespace ?? 'default', strategy: this.name };
    const notes: string[] = [];
    if (context.changes.some((c) => c.kind === 'storageSize')) {
      const expanded = await this.expandClaims(context);
      if (expanded > 0) notes.push(`expanded ${expanded} PersistentVolumeClaim(s) to ${instance.spec.storage.size}`);
    }
    const classChange = context.changes.find((c) => c.kind === 'storageClass');
    if (classChange) {
      notes.push(`existing PersistentVolumeClaims keep storage class ${describeValue(classChange.from)}; only new ones use ${describeValue(classChange.to)}`);
    }

    const name = live.metadata.name;
    const namespace = live.metadata.namespace;
    const deleted = await client.delete(Resources.statefulSet, name, namespace, {
      propagationPolicy: 'Orphan',
      // Only the StatefulSet that was compared, never a newer one someone else created.
      preconditions: { uid: live.metadata.uid },
    });
    if (!deleted) {
      // Gone before we got to it: nothing was orphaned by us, so claim nothing; the next
      // reconcile plans from what is there now.
      return { kind: 'stale', message: `StatefulSet ${namespace}/${name} was already gone; nothing was deleted` };
    }
    // Logged once the delete is accepted, so that the lines users watch claim no restart that
    // a conflict turned away.
    logChanges(logger, 'StatefulSet restart required', context.changes, log);
    logger.info('Deleted StatefulSet with propagationPolicy Orphan; it is created again once it is gone', { ...log, statefulSet: name });
    // The pod template decides whether adopted pods roll; storage alone lives in the claims.
    const podsRoll = context.changes.some((c) => !STORAGE_ONLY.has(c.kind));
    const message = `Deleted StatefulSet ${name} with propagationPolicy Orphan to recreate it; its pods and PersistentVolumeClaims are kept, and the new StatefulSet adopts them${podsRoll ? ' and rolls them' : ''}: ${summarize(context.changes)}`;
    return { kind: 'replacing', message: notes.length > 0 ? `${message}. ${notes.join('; ')}` : message };
  }

  /** Grows every claim below the new size (decide() has made sure their classes allow it). */
  private async expandClaims(context: StrategyContext): Promise<number> {
    const size = context.instance.spec.storage.size;
    const smaller = (await listClaims(context)).filter((claim) => isSmaller(claim, size));
    for (const claim of smaller) {
      await context.client.patch(Resources.persistentVolumeClaim, claim.metadata.namespace, claim.metadata.name,
        { spec: { resources: { requests: { storage: size } } } }, 'merge');
      context.logger.info('Expanded PersistentVolumeClaim', {
        instance: context.instance.metadata.name, namespace: claim.metadata.namespace ?? 'default', strategy: this.name,
        claim: claim.metadata.name, from: requestedSize(claim) ?? '<none>', to: size,
      });
    }
    return smaller.length;
  }

  effects(changes: readonly Change[]): StrategyEffects {
    const grow = changes.find((c) => c.kind === 'storageSize');
    const storageClass = changes.find((c) => c.kind === 'storageClass');
    const claims = ['kept; none is deleted'];
    if (grow) claims.push(`each existing claim is expanded to ${describeValue(grow.to)} first (its StorageClass must allow expansion)`);
    if (storageClass) claims.push(`existing claims keep class ${describeValue(storageClass.from)}; new ones use ${describeValue(storageClass.to)}`);
    return {
      pods: 'kept running while the StatefulSet is deleted with propagationPolicy Orphan and created again (new UID); the new StatefulSet adopts them and replaces them one at a time from the highest ordinal down',
      persistentVolumeClaims: claims.join('; '),
    };
  }
}
