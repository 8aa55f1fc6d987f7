import type { KubeObject } from '../client/objects.js';
import type { ResourceType } from '../client/resources.js';

/** Read access to live objects; the controller's informer caches implement it. */
export interface ObjectCache {
  get(resource: ResourceType, namespace: string, name: string): KubeObject | undefined;
}

/** The live counterparts of one instance's desired objects. */
export interface LiveObjects {
  readonly statefulSet?: KubeObject;
  readonly configMap?: KubeObject;
  readonly headlessService?: KubeObject;
  readonly clientService?: KubeObject;
  readonly podDisruptionBudget?: KubeObject;
}
