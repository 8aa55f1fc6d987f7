import { KubeConfig } from '@kubernetes/client-node';
import { testKubeConfig } from '../cluster/namespace.js';

/** The test run's admin credentials, acting as `user` (Impersonate-User): RBAC and API Priority and Fairness see only `user`. */
export function impersonating(user: string): KubeConfig {
  const exported = JSON.parse(testKubeConfig().exportConfig()) as { users: Array<{ user: Record<string, unknown> }> };
  for (const entry of exported.users) entry.user.as = user;
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(JSON.stringify(exported));
  return kubeConfig;
}
