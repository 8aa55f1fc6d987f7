/**
 * The API objects a real node needs in its cluster: who may do what (RBAC for the API server's
 * kubelet client, CoreDNS and the provisioner), the DNS Service, and the provisioner's namespace,
 * ConfigMap and helper ServiceAccount.
 */
import {
  CoreV1Api,
  DiscoveryV1Api,
  RbacAuthorizationV1Api,
  StorageV1Api,
  type KubeConfig,
  type V1ClusterRole,
  type V1StorageClass,
} from '@kubernetes/client-node';
import { API_SERVER_KUBELET_CLIENT_USER } from '../certificates.js';
import {
  CLUSTER_DNS_IP,
  LOCAL_PATH_CONFIG_MAP,
  LOCAL_PATH_HELPER_SERVICE_ACCOUNT,
  LOCAL_PATH_NAMESPACE,
  LOCAL_PATH_PROVISIONER_NAME,
  LOCAL_PATH_SCRIPTS,
  NODE_IP,
} from './node-config.js';

export const COREDNS_USER = 'system:coredns';
export const LOCAL_PATH_PROVISIONER_USER = 'local-path-provisioner';
const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'redis-operator-local-cluster' };

const COREDNS_ROLE: V1ClusterRole = {
  metadata: { name: 'system:coredns', labels: MANAGED_BY },
  rules: [
    { apiGroups: [''], resources: ['endpoints', 'services', 'pods', 'namespaces'], verbs: ['list', 'watch'] },
    { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
  ],
};

// The rules of the provisioner's own deployment manifest (deploy/local-path-storage.yaml).
const LOCAL_PATH_ROLE: V1ClusterRole = {
  metadata: { name: 'local-path-provisioner', labels: MANAGED_BY },
  rules: [
    { apiGroups: [''], resources: ['nodes', 'persistentvolumeclaims', 'configmaps', 'pods', 'pods/log'], verbs: ['get', 'list', 'watch'] },
    { apiGroups: [''], resources: ['persistentvolumes'], verbs: ['get', 'list', 'watch', 'create', 'patch', 'update', 'delete'] },
    { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
    { apiGroups: ['storage.k8s.io'], resources: ['storageclasses'], verbs: ['get', 'list', 'watch'] },
  ],
};

function userBinding(name: string, roleKind: 'ClusterRole' | 'Role', role: string, user: string, namespace?: string) {
  return {
    metadata: { name, labels: MANAGED_BY, ...(namespace ? { namespace } : {}) },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: roleKind, name: role },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
  };
}

/** The default StorageClass on a real node: local-path volumes that a non-root Redis can write. */
export function localPathStorageClass(name: string): V1StorageClass {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
    provisioner: LOCAL_PATH_PROVISIONER_NAME,
    reclaimPolicy: 'Delete',
    // The provisioner needs to know the node: the scheduler picks it, then the claim is bound.
    volumeBindingMode: 'WaitForFirstConsumer',
    // A bigger request is accepted; the directory has no quota, so the volume holds it at once.
    allowVolumeExpansion: true,
  };
}

export async function createRealNodeObjects(kubeConfig: KubeConfig, storageClassName: string): Promise<void> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const rbac = kubeConfig.makeApiClient(RbacAuthorizationV1Api);
  const discovery = kubeConfig.makeApiClient(DiscoveryV1Api);
  const storage = kubeConfig.makeApiClient(StorageV1Api);

  await core.createNamespace({ body: { metadata: { name: LOCAL_PATH_NAMESPACE, labels: MANAGED_BY } } });
  await Promise.all([
    // The API server's requests to the kubelet (logs, exec) are authorized by the kubelet asking
    // the API server; kubeadm grants its kubelet client this role.
    rbac.createClusterRoleBinding({
      body: userBinding('kube-apiserver-kubelet-client', 'ClusterRole', 'system:kubelet-api-admin', API_SERVER_KUBELET_CLIENT_USER),
    }),
    rbac.createClusterRole({ body: COREDNS_ROLE }),
    rbac.createClusterRoleBinding({ body: userBinding('system:coredns', 'ClusterRole', 'system:coredns', COREDNS_USER) }),
    rbac.createClusterRole({ body: LOCAL_PATH_ROLE }),
    rbac.createClusterRoleBinding({ body: userBinding('local-path-provisioner', 'ClusterRole', 'local-path-provisioner', LOCAL_PATH_PROVISIONER_USER) }),
    rbac.createNamespacedRole({
      namespace: LOCAL_PATH_NAMESPACE,
      body: {
        metadata: { name: 'local-path-provisioner', namespace: LOCAL_PATH_NAMESPACE, labels: MANAGED_BY },
        rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'create', 'patch', 'update', 'delete'] }],
      },
    }),
    rbac.createNamespacedRoleBinding({
      namespace: LOCAL_PATH_NAMESPACE,
      body: userBinding('local-path-provisioner', 'Role', 'local-path-provisioner', LOCAL_PATH_PROVISIONER_USER, LOCAL_PATH_NAMESPACE),
    }),
    core.createNamespacedServiceAccount({
      namespace: LOCAL_PATH_NAMESPACE,
      body: { metadata: { name: LOCAL_PATH_HELPER_SERVICE_ACCOUNT, labels: MANAGED_BY }, automountServiceAccountToken: false },
    }),
    // The helper pod mounts its setup and teardown scripts from this ConfigMap.
    core.createNamespacedConfigMap({
      namespace: LOCAL_PATH_NAMESPACE,
      body: { metadata: { name: LOCAL_PATH_CONFIG_MAP, labels: MANAGED_BY }, data: { ...LOCAL_PATH_SCRIPTS } },
    }),
    // CoreDNS runs on the host, so the DNS Service has no selector: its one endpoint is the
    // bridge address CoreDNS listens on, and kube-proxy sends the Service's traffic there.
    core.createNamespacedService({
      namespace: 'kube-system',
      body: {
        metadata: { name: 'kube-dns', labels: { ...MANAGED_BY, 'k8s-app': 'kube-dns' } },
        spec: {
          clusterIP: CLUSTER_DNS_IP,
          ports: [
            { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
            { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
          ],
        },
      },
    }),
    discovery.createNamespacedEndpointSlice({
      namespace: 'kube-system',
      body: {
        metadata: { name: 'kube-dns-host', labels: { ...MANAGED_BY, 'kubernetes.io/service-name': 'kube-dns' } },
        addressType: 'IPv4',
        endpoints: [{ addresses: [NODE_IP], conditions: { ready: true } }],
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP' },
          { name: 'dns-tcp', port: 53, protocol: 'TCP' },
        ],
      },
    }),
    storage.createStorageClass({ body: localPathStorageClass(storageClassName) }),
  ]);
}
