import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { apiRejection } from '../../cluster/api-rejection.js';
import { describe, expect, it } from 'vitest';
import { freshNamespace } from '../../cluster/namespace.js';

function pod(name: string, securityContext: NonNullable<V1Pod['spec']>['containers'][number]['securityContext']): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { containers: [{ name: 'redis', image: 'redis:7.2', securityContext }] },
  };
}

describe('Pod Security admission on the local control plane', () => {
  it('rejects a privileged pod in a namespace that enforces the restricted level', async () => {
    const namespace = await freshNamespace({ labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } });
    const core = namespace.kubeConfig.makeApiClient(CoreV1Api);

    const rejection = await apiRejection(
      core.createNamespacedPod({ namespace: namespace.name, body: pod('privileged', { privileged: true }) }),
    );
    expect(rejection.code).toBe(403);
    expect(rejection.reason).toBe('Forbidden');
    expect(rejection.message).toContain('violates PodSecurity "restricted:latest"');
    expect(rejection.message).toContain('must not set securityContext.privileged=true');
  });

  it('admits a pod that meets the restricted level in the same kind of namespace', async () => {
    const namespace = await freshNamespace({ labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } });
    const core = namespace.kubeConfig.makeApiClient(CoreV1Api);

    const created = await core.createNamespacedPod({
      namespace: namespace.name,
      body: pod('restricted', {
        runAsNonRoot: true,
        runAsUser: 999,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      }),
    });
    expect(created.metadata?.uid).toBeTruthy();
    // The ServiceAccount admission plugin is on: the pod got the namespace's default account.
    expect(created.spec?.serviceAccountName).toBe('default');
  });
});
