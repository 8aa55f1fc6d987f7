import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { withDefaults } from '../../../src/api/defaults.js';
import type { RedisInstance } from '../../../src/api/redis-instance.js';
import type { KubeObject } from '../../../src/client/objects.js';
import { synthesizeInstance } from '../../../src/synth/synthesize-instance.js';
import { REDIS_SHUTDOWN_SECONDS } from '../../../constructs/redis-stateful-set.js';
import { HAND_OVER_WAIT_SECONDS, preStopScript } from '../../../constructs/redis-startup-script.js';

function redis(spec: RedisInstance['spec'], name = 'cache'): RedisInstance {
  return { apiVersion: 'redis.github.com/v1', kind: 'RedisInstance', metadata: { name, namespace: 'shop' }, spec };
}

function find(objects: readonly KubeObject[], kind: string, name: string): Record<string, any> {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind}/${name} in ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return found as Record<string, any>;
}

const LABELS = {
  'app.kubernetes.io/name': 'redis',
  'app.kubernetes.io/instance': 'cache',
  'app.kubernetes.io/managed-by': 'redis-operator',
};

describe('RedisInstanceChart', () => {
  const { objects, redisConf } = synthesizeInstance(withDefaults(redis({
    replicas: 3,
    image: 'redis:7.0',
    resources: { limits: { memory: '512Mi' }, requests: { cpu: '100m', memory: '256Mi' } },
    config: { maxmemory: '400mb' },
    storage: { size: '5Gi', storageClassName: 'fast' },
    auth: { secretName: 'cache-auth' },
  })));
  const sts = find(objects, 'StatefulSet', 'cache');
  const pod = sts.spec.template.spec;
  const container = pod.containers[0];

  it('names every owned object after the instance, in its namespace, with the standard labels', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ConfigMap/cache-config', 'PodDisruptionBudget/cache', 'Service/cache', 'Service/cache-headless', 'Service/cache-replicas', 'StatefulSet/cache',
    ]);
    for (const o of objects) {
      expect(o.metadata.namespace).toBe('shop');
      expect(o.metadata.labels).toEqual(LABELS);
      expect(o.metadata.ownerReferences).toBeUndefined();
    }
  });

  it('annotates the pod template with the sha256 of the exact redis.conf in the ConfigMap', () => {
    const cm = find(objects, 'ConfigMap', 'cache-config');
    expect(cm.data['redis.conf']).toBe(redisConf);
    expect(sts.spec.template.metadata.annotations['redis.github.com/config-hash'])
      .toBe(createHash('sha256').update(cm.data['redis.conf']).digest('hex'));
  });

  it('carries replicas, image, resources and the data volume claim', () => {
    expect(sts.spec.serviceName).toBe('cache-headless');
    expect(sts.spec.replicas).toBe(3);
    expect(container.image).toBe('redis:7.0');
    expect(container.resources).toEqual({ limits: { memory: '512Mi' }, requests: { cpu: '100m', memory: '256Mi' } });
    expect(sts.spec.volumeClaimTemplates).toEqual([{
      metadata: { name: 'data', labels: LABELS },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '5Gi' } }, storageClassName: 'fast' },
    }]);
    expect(sts.spec.selector.matchLabels).toEqual(LABELS);
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
  });

  it('meets the restricted Pod Security Standard as the redis user', () => {
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 999, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(pod.hostNetwork ?? false).toBe(false);
    for (const volume of pod.volumes) expect(volume.hostPath).toBeUndefined();
  });

  it('has readiness and liveness probes and a grace period', () => {
    expect(container.readinessProbe.exec.command.join(' ')).toMatch(/redis-cli .* ping/);
    expect(container.livenessProbe.tcpSocket.port).toBe('redis');
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(0);
  });

  it('holds a deleted primary\'s pod for the hand-over with a preStop hook, within a grace period that still leaves Redis its shutdown', () => {
    expect(container.lifecycle).toEqual({ preStop: { exec: { command: ['sh', '-c', preStopScript()] } } });
    expect(pod.terminationGracePeriodSeconds).toBe(HAND_OVER_WAIT_SECONDS + REDIS_SHUTDOWN_SECONDS);
    expect(REDIS_SHUTDOWN_SECONDS).toBeGreaterThanOrEqual(30);
  });

  it('reads the password from the Secret and never writes it into the ConfigMap', () => {
    const env = Object.fromEntries(container.env.map((e: any) => [e.name, e]));
    expect(env.REDIS_PASSWORD.valueFrom.secretKeyRef).toEqual({ name: 'cache-auth', key: 'password' });
    expect(env.REDISCLI_AUTH.valueFrom.secretKeyRef).toEqual({ name: 'cache-auth', key: 'password' });
    expect(redisConf).not.toMatch(/requirepass|masterauth/);
  });

  it('names the Secret for the start script\'s refusal, which the pod status carries', () => {
    const env = Object.fromEntries(container.env.map((e: any) => [e.name, e]));
    expect(env.REDIS_PASSWORD_SOURCE.value).toBe('Secret cache-auth, key password');
    expect(container.terminationMessagePolicy).toBe('FallbackToLogsOnError');
  });

  it('sets REDIS_PASSWORD only when a Secret is named, so authentication is never silently off', () => {
    const { objects: open } = synthesizeInstance(withDefaults(redis({})));
    const names = find(open, 'StatefulSet', 'cache').spec.template.spec.containers[0].env.map((e: any) => e.name);
    expect(names).not.toContain('REDIS_PASSWORD');
    expect(names).not.toContain('REDISCLI_AUTH');
  });

  it('starts a pod as primary only when the operator labelled it so, and every other pod as a replica of the client Service', () => {
    const env = Object.fromEntries(container.env.map((e: any) => [e.name, e]));
    expect(env.REDIS_ROLE.valueFrom.fieldRef).toEqual({ fieldPath: "metadata.labels['redis.github.com/role']" });
    expect(env.REDIS_PRIMARY_HOST.value).toBe('cache.$(POD_NAMESPACE).svc');
    expect(container.command.join(' ')).toMatch(/REDIS_ROLE[\s\S]*replicaof/);
    expect(find(objects, 'Service', 'cache-headless').spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true, selector: LABELS });
  });

  it('never puts the role label in the pod template or the StatefulSet selector, where it would be every pod\'s', () => {
    expect(sts.spec.template.metadata.labels).toEqual(LABELS);
    expect(sts.spec.selector.matchLabels).toEqual(LABELS);
  });

  it('leaves replacing pods to the operator', () => {
    expect(sts.spec.updateStrategy).toEqual({ type: 'OnDelete' });
  });

  it('sends clients to the pod labelled primary, and reads to the pods labelled replica', () => {
    expect(find(objects, 'Service', 'cache').spec.selector).toEqual({ ...LABELS, 'redis.github.com/role': 'primary' });
    expect(find(objects, 'Service', 'cache-replicas').spec).toMatchObject({ type: 'ClusterIP', selector: { ...LABELS, 'redis.github.com/role': 'replica' } });
  });

  it('lets at most one pod be disrupted at a time', () => {
    expect(find(objects, 'PodDisruptionBudget', 'cache').spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: LABELS } });
  });

  it('deletes claims with the StatefulSet only when reclaimPolicy asks for it, never on scale-down', () => {
    const retain = find(synthesizeInstance(withDefaults(redis({}))).objects, 'StatefulSet', 'cache');
    const remove = find(synthesizeInstance(withDefaults(redis({ storage: { reclaimPolicy: 'Delete' } }))).objects, 'StatefulSet', 'cache');
    expect(retain.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    expect(remove.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Delete', whenScaled: 'Retain' });
  });

  it('makes no PodDisruptionBudget for a single replica, which would block every drain', () => {
    const single = synthesizeInstance(withDefaults(redis({ replicas: 1 }))).objects;
    expect(single.some((o) => o.kind === 'PodDisruptionBudget')).toBe(false);
  });

  it('adds a controller owner reference to every object when the owner is known', () => {
    const owned = synthesizeInstance(withDefaults(redis({ replicas: 2 })), { name: 'cache', uid: '1234' }).objects;
    for (const o of owned) {
      expect(o.metadata.ownerReferences).toEqual([{
        apiVersion: 'redis.github.com/v1', kind: 'RedisInstance', name: 'cache', uid: '1234', controller: true, blockOwnerDeletion: true,
      }]);
    }
  });

  it('changes only the config hash, not the rest of the template, when only the config changes', () => {
    const a = find(synthesizeInstance(withDefaults(redis({ config: { hz: '10' } }))).objects, 'StatefulSet', 'cache');
    const b = find(synthesizeInstance(withDefaults(redis({ config: { hz: '20' } }))).objects, 'StatefulSet', 'cache');
    const strip = (s: Record<string, any>) => ({ ...s.spec, template: { ...s.spec.template, metadata: { labels: s.spec.template.metadata.labels } } });
    expect(strip(a)).toEqual(strip(b));
    expect(a.spec.template.metadata.annotations).not.toEqual(b.spec.template.metadata.annotations);
  });
});
