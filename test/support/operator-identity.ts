import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../../src/client/kube-client.js';
import type { KubeObject } from '../../src/client/objects.js';
import { Resources, type ResourceType } from '../../src/client/resources.js';
import { operatorObjects } from '../../src/cli/synth-command.js';
import { pollResult, waitFor } from '../cluster/wait.js';

/**
 * The operator's own identity in tests: the ServiceAccount, ClusterRole and bindings exactly as
 * `redis-operator synth --operator` prints them, and a token for that ServiceAccount from the
 * TokenRequest API. An operator running with it is refused (403) whatever the install manifests
 * do not grant, so a verb missing from the ClusterRole fails the test that needs it.
 */

const RBAC = { group: 'rbac.authorization.k8s.io', version: 'v1', namespaced: true } as const;
const RESOURCE_OF: Record<string, ResourceType> = {
  Namespace: Resources.namespace,
  ServiceAccount: { group: '', version: 'v1', plural: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true },
  ClusterRole: { ...RBAC, plural: 'clusterroles', kind: 'ClusterRole', namespaced: false },
  ClusterRoleBinding: { ...RBAC, plural: 'clusterrolebindings', kind: 'ClusterRoleBinding', namespaced: false },
  Role: { ...RBAC, plural: 'roles', kind: 'Role' },
  RoleBinding: { ...RBAC, plural: 'rolebindings', kind: 'RoleBinding' },
};

const TOKEN_SECONDS = 3_600;

function withNamespace(object: KubeObject, namespace: string): KubeObject {
  return { ...object, metadata: { ...object.metadata, namespace } };
}

/**
 * Installs the operator's RBAC (idempotent: every test file may call it) and returns a
 * kubeconfig that authenticates as the operator's ServiceAccount. With `leaseNamespace`, the
 * leader-election Role and binding are also installed there, as they are in the operator's
 * own namespace.
 */
export async function operatorKubeConfig(admin: KubeConfig, leaseNamespace?: string): Promise<KubeConfig> {
  const client = new KubeClient(admin, { userAgent: 'redis-operator-tests' });
  const objects = operatorObjects({});
  const pick = (kind: string) => objects.filter((o) => o.kind === kind);
  const [serviceAccount] = pick('ServiceAccount');
  if (!serviceAccount?.metadata.namespace) throw new Error('synth --operator printed no namespaced ServiceAccount');
  const namespace = serviceAccount.metadata.namespace;

  const install = [...pick('Namespace'), serviceAccount, ...pick('ClusterRole'), ...pick('ClusterRoleBinding'), ...pick('Role'), ...pick('RoleBinding')];
  if (leaseNamespace && leaseNamespace !== namespace) {
    install.push(...pick('Role').map((r) => withNamespace(r, leaseNamespace)), ...pick('RoleBinding').map((b) => withNamespace(b, leaseNamespace)));
  }
  for (const object of install) await client.apply(RESOURCE_OF[object.kind]!, object);

  const { status } = await client.request<{ status: { token: string } }>(
    'POST', `/api/v1/namespaces/${namespace}/serviceaccounts/${serviceAccount.metadata.name}/token`,
    { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: TOKEN_SECONDS } } },
  );
  const cluster = admin.getCurrentCluster();
  if (!cluster) throw new Error('the admin kubeconfig has no current cluster');
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: cluster.name, server: cluster.server, ...(cluster.caData ? { caData: cluster.caData } : {}), ...(cluster.caFile ? { caFile: cluster.caFile } : {}) }],
    users: [{ name: 'redis-operator', token: status.token }],
    contexts: [{ name: 'redis-operator', cluster: cluster.name, user: 'redis-operator' }],
    currentContext: 'redis-operator',
  });

  // RBAC reaches the authorizer through its own watch: wait until the binding is in effect.
  const operator = new KubeClient(kubeConfig, { userAgent: 'redis-operator-tests' });
  await waitFor(async () => {
    const review = await operator.request<{ status?: { allowed?: boolean } }>('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
      body: {
        apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview',
        spec: { resourceAttributes: { group: Resources.redisInstance.group, resource: Resources.redisInstance.plural, verb: 'watch' } },
      },
    });
    return pollResult(review.status?.allowed === true || undefined, JSON.stringify(review.status ?? null));
  }, { description: 'the operator\'s ClusterRoleBinding to take effect', timeoutMs: 30_000, intervalMs: 100 });
  return kubeConfig;
}
