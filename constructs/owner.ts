import type { k8s } from 'cdk8s-plus-27';
import { API_VERSION, KIND } from '../src/api/redis-instance.js';

/** The RedisInstance an object belongs to. Only known in-cluster, where it has a UID. */
export interface InstanceOwner {
  readonly name: string;
  readonly uid: string;
}

/** A controller reference: garbage collection deletes owned objects with the instance, and
 * `blockOwnerDeletion` makes foreground deletion wait for them. */
export function ownerReferences(owner: InstanceOwner | undefined): k8s.OwnerReference[] | undefined {
  if (!owner) return undefined;
  return [{
    apiVersion: API_VERSION,
    kind: KIND,
    name: owner.name,
    uid: owner.uid,
    controller: true,
    blockOwnerDeletion: true,
  }];
}
