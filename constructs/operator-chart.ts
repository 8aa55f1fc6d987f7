import { Chart, type ChartProps } from 'cdk8s';
import type { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { GROUP, PLURAL } from '../src/api/redis-instance.js';
import { RedisInstanceCrd } from './redis-instance-crd.js';

export const OPERATOR_NAME = 'redis-operator';
export const DEFAULT_OPERATOR_NAMESPACE = 'redis-operator';
/** What the Dockerfile builds: `docker build -t redis-operator:VERSION .` */
export const DEFAULT_OPERATOR_IMAGE = 'redis-operator:0.1.0';
export const METRICS_PORT = 8080;
export const HEALTH_PORT = 8081;
/** The `node` user of the official Node.js images the Dockerfile builds on. */
const OPERATOR_UID = 1000;

/**
 * V8 sized for a controller, as measured by `npm run bench` (README, "Memory and scale"):
 * `--optimize-for-size` keeps the young generation small and collects the heap before it grows
 * (RSS with 200 instances 134 -> 98 MiB, reconcile latency unchanged); the heap limit, half the
 * container's memory limit, makes V8 collect harder long before the kernel would kill the pod.
 * The Dockerfile's ENTRYPOINT passes the same flags for the default limit.
 */
export function operatorNodeFlags(memoryLimitMiB: number): string[] {
  return ['--optimize-for-size', `--max-old-space-size=${Math.floor(memoryLimitMiB / 2)}`];
}

/**
 * glibc gives each thread that allocates its own malloc arena and keeps what it frees there;
 * Node's worker threads made that 7 MiB of RSS with 200 instances. Two arenas are plenty for
 * one event loop.
 */
export const OPERATOR_ENV = { MALLOC_ARENA_MAX: '2' } as const;

/** Memory of the operator's container, in MiB, sized for up to 1000 instances (README). */
export const DEFAULT_OPERATOR_MEMORY = { requestMiB: 128, limitMiB: 256 } as const;

export interface OperatorChartProps extends ChartProps {
  /** @default DEFAULT_OPERATOR_NAMESPACE */
  readonly namespace?: string;
  /** @default DEFAULT_OPERATOR_IMAGE */
  readonly image?: string;
  /** More than one runs with leader election, so only one acts at a time. @default 1 */
  readonly replicas?: number;
  /**
   * Memory request and limit of the operator's container, in MiB; the V8 heap limit follows the
   * limit. The README says what each instance count needs. @default DEFAULT_OPERATOR_MEMORY
   */
  readonly memory?: { readonly requestMiB: number; readonly limitMiB: number };
}

/**
 * The controller's verbs, and no more: no wildcards, only `get` on Secrets (the operator checks
 * the password of spec.auth.secretName before it changes anything and speaks to Redis with it;
 * it never lists or watches them, so it learns of no Secret it was not pointed at), no delete on
 * PVCs. Pods are patched (the role label) and deleted one at a time to replace them in Redis's
 * order.
 */
export const OPERATOR_RULES: k8s.PolicyRule[] = [
  { apiGroups: [GROUP], resources: [PLURAL], verbs: ['get', 'list', 'watch', 'update', 'patch'] },
  { apiGroups: [GROUP], resources: [`${PLURAL}/status`], verbs: ['get', 'update', 'patch'] },
  // Setting blockOwnerDeletion on owned objects requires update on the owner's finalizers.
  { apiGroups: [GROUP], resources: [`${PLURAL}/finalizers`], verbs: ['update'] },
  { apiGroups: ['apps'], resources: ['statefulsets'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
  { apiGroups: [''], resources: ['configmaps', 'services'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch'] },
  { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
  // Expanding volumes is a patch of the claim's requested size.
  { apiGroups: [''], resources: ['persistentvolumeclaims'], verbs: ['get', 'list', 'watch', 'patch'] },
  { apiGroups: ['storage.k8s.io'], resources: ['storageclasses'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'patch', 'delete'] },
  { apiGroups: [''], resources: ['secrets'], verbs: ['get'] },
  // Which node a pod runs on decides whether it may be dialed (simulated nodes run no Redis).
  { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] },
  // A demoted primary's clients are closed once the client Service no longer lists it.
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list'] },
  { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
];

/** Leader election holds a Lease in the operator's own namespace. */
export const LEADER_ELECTION_RULES: k8s.PolicyRule[] = [
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
];

/** Everything needed to run the operator in a cluster: Namespace, CRD, RBAC and Deployment. */
export class OperatorChart extends Chart {
  constructor(scope: Construct, id: string, props: OperatorChartProps = {}) {
    // Not handed to Chart: cdk8s stamps a chart's namespace on every object, cluster-scoped ones
    // (Namespace, CRD, ClusterRole) included; each namespaced object gets it below instead.
    const { namespace: operatorNamespace, ...chartProps } = props;
    super(scope, id, { ...chartProps, disableResourceNameHashes: true });
    const namespace = operatorNamespace ?? DEFAULT_OPERATOR_NAMESPACE;
    const replicas = props.replicas ?? 1;
    const memory = props.memory ?? DEFAULT_OPERATOR_MEMORY;
    const labels = {
      'app.kubernetes.io/name': OPERATOR_NAME,
      'app.kubernetes.io/component': 'controller',
      'app.kubernetes.io/managed-by': OPERATOR_NAME,
    };
    const meta = (name: string, namespaced = true): k8s.ObjectMeta => ({
      name, labels, ...(namespaced ? { namespace } : {}),
    });

    new k8s.KubeNamespace(this, 'Namespace', {
      metadata: { name: namespace, labels: { ...labels, 'pod-security.kubernetes.io/enforce': 'restricted' } },
    });
    new RedisInstanceCrd(this, 'Crd', { labels });
    new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: meta(OPERATOR_NAME) });
    new k8s.KubeClusterRole(this, 'ClusterRole', { metadata: meta(OPERATOR_NAME, false), rules: OPERATOR_RULES });
    new k8s.KubeClusterRoleBinding(this, 'ClusterRoleBinding', {
      metadata: meta(OPERATOR_NAME, false),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: OPERATOR_NAME },
      subjects: [{ kind: 'ServiceAccount', name: OPERATOR_NAME, namespace }],
    });
    new k8s.KubeRole(this, 'LeaderElectionRole', {
      metadata: meta(`${OPERATOR_NAME}-leader-election`), rules: LEADER_ELECTION_RULES,
    });
    new k8s.KubeRoleBinding(this, 'LeaderElectionRoleBinding', {
      metadata: meta(`${OPERATOR_NAME}-leader-election`),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${OPERATOR_NAME}-leader-election` },
      subjects: [{ kind: 'ServiceAccount', name: OPERATOR_NAME, namespace }],
    });

    const health = (path: string): k8s.Probe => ({
      httpGet: { path, port: k8s.IntOrString.fromString('health') },
      periodSeconds: 10,
      timeoutSeconds: 3,
      failureThreshold: 3,
    });
    new k8s.KubeDeployment(this, 'Deployment', {
      metadata: meta(OPERATOR_NAME),
      spec: {
        replicas,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: OPERATOR_NAME,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: OPERATOR_UID,
              runAsGroup: OPERATOR_UID,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            terminationGracePeriodSeconds: 30,
            containers: [{
              name: 'operator',
              image: props.image ?? DEFAULT_OPERATOR_IMAGE,
              command: ['node', ...operatorNodeFlags(memory.limitMiB), 'bin/redis-operator.js'],
              args: [
                'run',
                '--leader-elect',
                `--metrics-bind-address=0.0.0.0:${METRICS_PORT}`,
                `--health-probe-bind-address=0.0.0.0:${HEALTH_PORT}`,
              ],
              env: [
                ...Object.entries(OPERATOR_ENV).map(([name, value]) => ({ name, value })),
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
              ],
              ports: [
                { name: 'metrics', containerPort: METRICS_PORT, protocol: 'TCP' },
                { name: 'health', containerPort: HEALTH_PORT, protocol: 'TCP' },
              ],
              livenessProbe: health('/healthz'),
              readinessProbe: health('/readyz'),
              resources: {
                requests: { cpu: k8s.Quantity.fromString('50m'), memory: k8s.Quantity.fromString(`${memory.requestMiB}Mi`) },
                limits: { memory: k8s.Quantity.fromString(`${memory.limitMiB}Mi`) },
              },
              securityContext: {
                allowPrivilegeEscalation: false,
                capabilities: { drop: ['ALL'] },
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
              },
            }],
          },
        },
      },
    });
  }
}
