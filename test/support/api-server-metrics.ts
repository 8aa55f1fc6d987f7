import { Resources } from '../../src/client/resources.js';
import { OWNED_RESOURCES } from '../../src/reconcile/live-objects.js';
import { apiServerGet } from '../cluster/kubeconfig.js';

const WRITE_VERBS = new Set(['POST', 'PUT', 'PATCH', 'DELETE', 'APPLY']);

/**
 * Write requests the API server has counted (`apiserver_request_total`) for the given
 * resources, from every client together.
 */
export async function apiServerWrites(kubeconfigPath: string, resources: readonly string[]): Promise<number> {
  const { body } = await apiServerGet(kubeconfigPath, '/metrics');
  let total = 0;
  for (const line of body.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const verb = /verb="([A-Z]+)"/.exec(line)?.[1] ?? '';
    const resource = /resource="([a-z]+)"/.exec(line)?.[1] ?? '';
    if (WRITE_VERBS.has(verb) && resources.includes(resource)) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

/** The kinds the operator writes: the instances, what they own, and their claims. */
export const OPERATOR_RESOURCES: readonly string[] = [Resources.redisInstance, ...OWNED_RESOURCES, Resources.persistentVolumeClaim].map((r) => r.plural);
