import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import type { DefaultedSpec } from '../src/api/redis-instance.js';
import { CONFIG_HASH_ANNOTATION, DATA_VOLUME, REDIS_PORT, ROLE_LABEL, ownedNames } from '../src/api/names.js';
import { DATA_DIR } from '../src/config/render.js';
import { CONFIG_MOUNT, HAND_OVER_WAIT_SECONDS, RUN_MOUNT, preStopScript, readinessProbeScript, startupScript } from './redis-startup-script.js';

/** The uid and gid of the official redis image's `redis` user. */
export const REDIS_UID = 999;
/** The key of `spec.auth.secretName`'s Secret that holds the password. */
export const PASSWORD_KEY = 'password';
/**
 * What Redis gets between SIGTERM and SIGKILL: on SIGTERM it waits for lagging replicas
 * (`shutdown-timeout`, 10 s by default), then writes its RDB and flushes its append-only file.
 */
export const REDIS_SHUTDOWN_SECONDS = 30;

export interface RedisStatefulSetProps {
  readonly metadata: k8s.ObjectMeta;
  /** Pod labels and the StatefulSet's selector. */
  readonly selectorLabels: Record<string, string>;
  readonly instanceName: string;
  readonly spec: DefaultedSpec;
  /** Hex sha256 of redis.conf; a different value rolls the pods. */
  readonly configHash: string;
}

function quantities(map: Readonly<Record<string, string>> | undefined) {
  if (!map) return undefined;
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, k8s.Quantity.fromString(String(v))]));
}

/**
 * StatefulSet `NAME`. Which pod is primary is the operator's decision, marked by the role label
 * it sets on the pod (never in this template): a pod starts as primary only when it carries
 * `role: primary`, every other pod as a replica of the client Service, which reaches whichever
 * pod holds that label. `updateStrategy: OnDelete`: the StatefulSet controller never replaces a
 * pod on its own; the operator does, replicas first and the primary after a hand-over.
 */
export class RedisStatefulSet extends Construct {
  readonly apiObject: k8s.KubeStatefulSet;

  constructor(scope: Construct, id: string, props: RedisStatefulSetProps) {
    super(scope, id);
    const { spec, instanceName } = props;
    const names = ownedNames(instanceName);
    const secretName = spec.auth.secretName;
    const passwordFrom = secretName
      ? { secretKeyRef: { name: secretName, key: PASSWORD_KEY } }
      : undefined;

    const env: k8s.EnvVar[] = [
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      // The kubelet resolves a label fieldRef each time it starts the container, so a container
      // that restarts sees the role the operator set last; a new pod has none (empty).
      { name: 'REDIS_ROLE', valueFrom: { fieldRef: { fieldPath: `metadata.labels['${ROLE_LABEL}']` } } },
      // The kubelet expands $(POD_NAMESPACE) from the variable above. Redis resolves the name
      // itself when it connects, so a pod started as a replica follows whoever is primary then.
      { name: 'REDIS_PRIMARY_HOST', value: `${names.clientService}.$(POD_NAMESPACE).svc` },
      { name: 'REDIS_PRIMARY_PORT', value: String(REDIS_PORT) },
      ...(passwordFrom
        ? [
            { name: 'REDIS_PASSWORD', valueFrom: passwordFrom },
            // Named in the start script's refusal, so `kubectl logs` says which Secret to fix.
            { name: 'REDIS_PASSWORD_SOURCE', value: `Secret ${secretName}, key ${PASSWORD_KEY}` },
            // redis-cli (the readiness probe) reads the password from here, off the command line.
            { name: 'REDISCLI_AUTH', valueFrom: passwordFrom },
          ]
        : []),
    ];

    const resources = spec.resources.limits || spec.resources.requests
      ? { limits: quantities(spec.resources.limits), requests: quantities(spec.resources.requests) }
      : undefined;

    this.apiObject = new k8s.KubeStatefulSet(this, 'Resource', {
      metadata: props.metadata,
      spec: {
        serviceName: names.headlessService,
        replicas: spec.replicas,
        selector: { matchLabels: props.selectorLabels },
        podManagementPolicy: 'OrderedReady',
        // The operator replaces outdated pods itself, in the order Redis needs (replicas first,
        // each back in sync before the next, the primary only after it handed over).
        updateStrategy: { type: 'OnDelete' },
        // Scaling down never deletes a PVC. Deleting the instance deletes them only when the user
        // asked for it (storage.reclaimPolicy: Delete); the StatefulSet controller then owns the
        // claims and garbage collection removes them with it. An orphaning delete (Recreate)
        // releases them, so they survive a recreate either way.
        persistentVolumeClaimRetentionPolicy: { whenDeleted: spec.storage.reclaimPolicy, whenScaled: 'Retain' },
        template: {
          metadata: {
            labels: props.selectorLabels,
            annotations: { [CONFIG_HASH_ANNOTATION]: props.configHash },
          },
          spec: {
            // Passes the `restricted` Pod Security Standard with the official image.
            securityContext: {
              runAsNonRoot: true,
              runAsUser: REDIS_UID,
              runAsGroup: REDIS_UID,
              fsGroup: REDIS_UID,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            // The kubelet counts the preStop hook's wait inside the grace period, so Redis's own
            // shutdown after SIGTERM keeps its full time after the longest wait.
            terminationGracePeriodSeconds: HAND_OVER_WAIT_SECONDS + REDIS_SHUTDOWN_SECONDS,
            enableServiceLinks: false,
            containers: [{
              name: 'redis',
              image: spec.image,
              command: ['sh', '-c', startupScript(), 'redis-start'],
              // A start script that refuses the password says why in the pod's status too.
              terminationMessagePolicy: 'FallbackToLogsOnError',
              env,
              ports: [{ name: 'redis', containerPort: REDIS_PORT, protocol: 'TCP' }],
              ...(resources ? { resources } : {}),
              // A deleted primary (kubectl delete, a drain, an eviction) keeps serving until the
              // operator's FAILOVER has made it a replica, and stops only then: no write is
              // acknowledged by a Redis that is going away.
              lifecycle: { preStop: { exec: { command: ['sh', '-c', preStopScript()] } } },
              readinessProbe: {
                exec: { command: ['sh', '-c', readinessProbeScript()] },
                initialDelaySeconds: 2,
                periodSeconds: 5,
                timeoutSeconds: 3,
                failureThreshold: 3,
              },
              livenessProbe: {
                tcpSocket: { port: k8s.IntOrString.fromString('redis') },
                initialDelaySeconds: 15,
                periodSeconds: 10,
                timeoutSeconds: 3,
                failureThreshold: 6,
              },
              securityContext: {
                allowPrivilegeEscalation: false,
                capabilities: { drop: ['ALL'] },
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
              },
              volumeMounts: [
                { name: DATA_VOLUME, mountPath: DATA_DIR },
                { name: 'config', mountPath: CONFIG_MOUNT, readOnly: true },
                { name: 'run', mountPath: RUN_MOUNT },
              ],
            }],
            volumes: [
              { name: 'config', configMap: { name: names.configMap } },
              { name: 'run', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('1Mi') } },
            ],
          },
        },
        volumeClaimTemplates: [{
          metadata: { name: DATA_VOLUME, labels: props.selectorLabels },
          spec: {
            accessModes: ['ReadWriteOnce'],
            resources: { requests: { storage: k8s.Quantity.fromString(spec.storage.size) } },
            ...(spec.storage.storageClassName !== undefined
              ? { storageClassName: spec.storage.storageClassName }
              : {}),
          },
        }],
      },
    });
  }
}
