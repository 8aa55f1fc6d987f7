import { CustomObjectsApi } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { freshNamespace, testKubeConfig, testKubeconfigPath } from '../../cluster/namespace.js';
import { kubectl } from '../../support/kubectl.js';
import { pollResult, waitFor } from '../../cluster/wait.js';
import { installRedisInstanceCrd } from '../../support/crd.js';

const GROUP = 'redis.github.com';
const VERSION = 'v1';
const PLURAL = 'redisinstances';

interface ApiFailure { code: number; message: string }

async function failure(promise: Promise<unknown>): Promise<ApiFailure> {
  try {
    await promise;
  } catch (error) {
    const e = error as { code?: number; body?: string };
    const body = typeof e.body === 'string' ? (JSON.parse(e.body) as { message?: string }) : {};
    return { code: e.code ?? 0, message: body.message ?? String(error) };
  }
  throw new Error('the API server accepted it');
}

describe('the RedisInstance CRD in a real API server', () => {
  beforeAll(async () => {
    await installRedisInstanceCrd(testKubeConfig());
  });

  function api(): CustomObjectsApi {
    return testKubeConfig().makeApiClient(CustomObjectsApi);
  }

  function create(namespace: string, body: object) {
    // Strict, as kubectl sends it: unknown fields are errors, not silently dropped.
    return api().createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, body, fieldValidation: 'Strict' });
  }

  it('applies the documented defaults to `spec: {}`', async () => {
    const { name: namespace } = await freshNamespace();
    const created = await create(namespace, { apiVersion: `${GROUP}/${VERSION}`, kind: 'RedisInstance', metadata: { name: 'cache' }, spec: {} });
    expect((created as { spec: unknown }).spec).toEqual({
      replicas: 1, image: 'redis:7.2', storage: { size: '1Gi', reclaimPolicy: 'Retain' }, updatePolicy: { config: 'Recreate' },
    });
  });

  it('explains every field with kubectl explain', async () => {
    // The API server publishes a new CRD's OpenAPI a moment after it is Established.
    const explain = (field: string, expected: RegExp) => waitFor(async () => {
      const result = await kubectl(['--kubeconfig', testKubeconfigPath(), 'explain', `redisinstances.${field}`]);
      // kubectl wraps descriptions at 80 columns.
      const text = result.stdout.replace(/\s+/g, ' ');
      return pollResult(result.code === 0 && expected.test(text) ? text : undefined, result.stderr || text);
    }, { description: `kubectl explain redisinstances.${field} to match ${expected}`, timeoutMs: 60_000, intervalMs: 500 });
    await explain('spec.config', /Values are strings[\s\S]*loadmodule/);
    await explain('spec.auth', /Password authentication/);
    await explain('status.conditions.reason', /CamelCase/);
  });

  it('lets storage grow and refuses a shrink', async () => {
    const { name: namespace } = await freshNamespace();
    await create(namespace, { apiVersion: `${GROUP}/${VERSION}`, kind: 'RedisInstance', metadata: { name: 'cache' }, spec: { storage: { size: '2Gi' } } });
    // client-node sends a JSON patch (application/json-patch+json) by default.
    const patch = (size: string) => api().patchNamespacedCustomObject({
      group: GROUP, version: VERSION, namespace, plural: PLURAL, name: 'cache',
      body: [{ op: 'replace', path: '/spec/storage/size', value: size }],
    });
    const shrink = await failure(patch('1Gi'));
    expect(shrink.code).toBe(422);
    expect(shrink.message).toMatch(/spec\.storage\.size: .*never shrink/);
    // Same value in another unit is not a shrink.
    await patch('2048Mi');
    const grown = await patch('3Gi') as { spec: { storage: { size: string } } };
    expect(grown.spec.storage.size).toBe('3Gi');
  });

  it('scales through the scale subresource', async () => {
    const { name: namespace } = await freshNamespace();
    await create(namespace, { apiVersion: `${GROUP}/${VERSION}`, kind: 'RedisInstance', metadata: { name: 'cache' }, spec: { replicas: 1 } });
    const scale = await api().getNamespacedCustomObjectScale({ group: GROUP, version: VERSION, namespace, plural: PLURAL, name: 'cache' }) as { spec: { replicas: number } };
    expect(scale.spec.replicas).toBe(1);
    await api().replaceNamespacedCustomObjectScale({
      group: GROUP, version: VERSION, namespace, plural: PLURAL, name: 'cache',
      body: { ...scale, spec: { replicas: 3 } },
    });
    const after = await api().getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, name: 'cache' }) as { spec: { replicas: number } };
    expect(after.spec.replicas).toBe(3);
  });
});
