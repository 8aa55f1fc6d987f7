import { App } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { OperatorChart } from '../../../constructs/operator-chart.js';
import { CRD_NAME } from '../../../constructs/redis-instance-crd.js';

const objects = new OperatorChart(new App(), 'op').toJson() as Array<Record<string, any>>;
const byKind = (kind: string) => objects.filter((o) => o.kind === kind);

describe('OperatorChart', () => {
  it('grants no wildcard, only get on Secrets, and never deletes PVCs', () => {
    const rules = [...byKind('ClusterRole'), ...byKind('Role')].flatMap((r) => r.rules);
    expect(rules.length).toBeGreaterThan(0);
    // The auth Secret of an instance is read by name; no Secret is listed or watched.
    expect(rules.filter((rule) => rule.resources.includes('secrets'))).toEqual([{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }]);
    for (const rule of rules) {
      expect(rule.verbs).not.toContain('*');
      expect(rule.resources).not.toContain('*');
      expect(rule.apiGroups).not.toContain('*');
      if (rule.resources.includes('persistentvolumeclaims')) expect(rule.verbs).not.toContain('delete');
    }
  });

  it('may label and delete pods (roles, replacement in Redis\'s order) but not create them', () => {
    const rules = byKind('ClusterRole').flatMap((r) => r.rules).filter((rule: { resources: string[] }) => rule.resources.includes('pods'));
    expect(rules.flatMap((rule: { verbs: string[] }) => rule.verbs).sort()).toEqual(['delete', 'get', 'list', 'patch', 'watch']);
  });

  it('binds the roles to the operator ServiceAccount', () => {
    const [sa] = byKind('ServiceAccount');
    for (const binding of [...byKind('ClusterRoleBinding'), ...byKind('RoleBinding')]) {
      expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: sa.metadata.name, namespace: sa.metadata.namespace }]);
    }
  });

  it('runs the controller restricted, with probes, metrics and leader election', () => {
    const [deployment] = byKind('Deployment');
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true });
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container.args).toContain('--leader-elect');
    expect(byKind('Namespace')[0].metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('installs the CRD with status and scale subresources, short name and printer columns', () => {
    const [crd] = byKind('CustomResourceDefinition');
    expect(crd.metadata.name).toBe(CRD_NAME);
    expect(crd.spec.names.shortNames).toEqual(['ri']);
    const [version] = crd.spec.versions;
    expect(version.name).toBe('v1');
    expect(version.subresources.status).toEqual({});
    expect(version.subresources.scale.specReplicasPath).toBe('.spec.replicas');
    expect(version.additionalPrinterColumns.map((c: { name: string }) => c.name)).toEqual(['Phase', 'Ready', 'Replicas', 'Primary', 'Image', 'Age']);
  });
});
