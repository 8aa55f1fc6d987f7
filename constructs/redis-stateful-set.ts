import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import type { DefaultedSpec } from '../src/api/redis-instance.js';
import { CONFIG_HASH_ANNOTATION, DATA_VOLUME, REDIS_PORT, ownedNames } from '../src/api/names.js';
import { DATA_DIR } from '../src/config/render.js';
import { CONFIG_MOUNT, RUN_MOUNT, readinessProbeScript, startupScript } from './redis-startup-script.js';

/** The uid and gid of the official redis image's `redis` user. */
export const REDIS_UID = 999;
/** The key of `spec.auth.secretName`'s Secret that holds the password. */
export const PASSWORD_KEY = 'password';

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
 * StatefulSet `NAME`: ordinal 0 is the primary, the others replicate from it through the
 * headless Service's DNS name. Rolling updates go from the highest ordinal down (the
 * StatefulSet controller's order), so the primary restarts last.
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
      // The kubelet expands $(POD_NAMESPACE) from the variable above.
      { name: 'REDIS_PRIMARY_HOST', value: `${names.primaryPod}.${names.headlessService}.$(POD_NAMESPACE).svc` },
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
        updateStrategy: { type: 'RollingUpdate' },
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
            // Redis saves on SIGTERM; give it time to finish before SIGKILL.
            terminationGracePeriodSeconds: 30,
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
