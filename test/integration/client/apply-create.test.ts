/**
 * Creating by server-side apply so that the API server itself refuses to touch an object that
 * exists: what the operator relies on to create an instance's objects without looking first.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/client/api-error.js';
import { FIELD_MANAGER } from '../../../src/client/kube-client.js';
import type { KubeObject } from '../../../src/client/objects.js';
import { resourcePath, Resources } from '../../../src/client/resources.js';
import { resourceOf } from '../../../src/reconcile/live-objects.js';
import { synthesizeInstance } from '../../../src/synth/synthesize-instance.js';
import { freshNamespace } from '../../cluster/namespace.js';
import { defaultedInstance } from '../../support/instances.js';
import { settledObject, testClient } from '../../support/kube.js';

interface ManagedFieldsEntry {
  readonly manager: string;
  readonly operation: string;
  readonly fieldsV1: { readonly 'f:metadata'?: Record<string, unknown> };
}

/**
 * Every object the operator makes for an instance with replicas (the PodDisruptionBudget too),
 * in `namespace`; the StatefulSet scaled to none, so that its controller writes its status once
 * and no pod comes to change it again.
 */
function instanceObjects(namespace: string): KubeObject[] {
  const { objects } = synthesizeInstance(defaultedInstance({ replicas: 2 }, 'cache', namespace));
  return objects.map((o) => {
    const placed = { ...o, metadata: { ...o.metadata, namespace } };
    return o.kind === 'StatefulSet' ? { ...placed, spec: { ...(o as KubeObject & { spec: object }).spec, replicas: 0 } } as KubeObject : placed;
  });
}

async function settled(object: KubeObject): Promise<KubeObject> {
  return settledObject(testClient(), resourceOf(object), object.metadata.namespace!, object.metadata.name);
}

const KINDS = instanceObjects('any').map((o) => [`${o.kind} ${o.metadata.name}`, o.kind, o.metadata.name] as const);

function objectIn(namespace: string, kind: string, name: string): KubeObject {
  return instanceObjects(namespace).find((o) => o.kind === kind && o.metadata.name === name)!;
}

/** The same object with a field manager of its own and no labels: someone else's. */
function someoneElses(object: KubeObject): Promise<KubeObject> {
  const { labels: _labels, ...metadata } = object.metadata;
  return testClient().request('POST', resourcePath(resourceOf(object), object.metadata.namespace), {
    body: { ...object, metadata }, query: { fieldManager: 'someone-else' },
  });
}

describe('creating by server-side apply, refused where an object exists', () => {
  it.each(KINDS)('creates %s when absent, records no resourceVersion, and a later apply of it writes nothing', async (_, kind, name) => {
    const { name: ns } = await freshNamespace();
    const client = testClient();
    const object = objectIn(ns, kind, name);
    const outcome = await client.applyCreate(resourceOf(object), object);
    expect(outcome.kind).toBe('created');
    const created = await settled(object);
    const entries = created.metadata.managedFields as ManagedFieldsEntry[];
    expect(entries.filter((e) => e.manager === FIELD_MANAGER).map((e) => e.operation)).toEqual(['Apply']);
    for (const entry of entries) expect(Object.keys(entry.fieldsV1['f:metadata'] ?? {})).not.toContain('f:resourceVersion');
    // What an idle resync sends, and what every later update is: an apply without the precondition.
    const again = await client.apply(resourceOf(object), object);
    expect(again.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
  });

  it.each(KINDS)('refuses %s when one of that name exists, and leaves it untouched', async (_, kind, name) => {
    const { name: ns } = await freshNamespace();
    const client = testClient();
    const object = objectIn(ns, kind, name);
    await someoneElses(object);
    const before = await settled(object);
    expect(await client.applyCreate(resourceOf(object), object)).toEqual({ kind: 'exists' });
    const after = (await client.get(resourceOf(object), name, ns))!;
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect((after.metadata.managedFields as ManagedFieldsEntry[]).map((e) => e.manager)).not.toContain(FIELD_MANAGER);
  });

  it.each(KINDS)('refuses an unknown field in an apply of %s, to create or to update, naming it', async (_, kind, name) => {
    // Applies skip the API server's second, duplicate-key parse (fieldValidation=Ignore); the
    // schema still refuses what it does not declare, and nothing is written. (The API server
    // answers such an apply with 500, under its default field validation as well.)
    const { name: ns } = await freshNamespace();
    const client = testClient();
    const object = objectIn(ns, kind, name);
    const withUnknown = (o: KubeObject): KubeObject => ('spec' in o
      ? { ...o, spec: { ...(o as KubeObject & { spec: object }).spec, notAField: 1 } }
      : { ...o, notAField: 1 }) as KubeObject;
    const refusal = (promise: Promise<unknown>): Promise<unknown> => promise.then(() => undefined, (error: unknown) => error);

    const onCreate = await refusal(client.applyCreate(resourceOf(object), withUnknown(object)));
    expect(onCreate).toBeInstanceOf(ApiError);
    expect((onCreate as ApiError).message).toMatch(/notAField: field not declared in schema/);
    expect(await client.get(resourceOf(object), name, ns)).toBeUndefined();

    await client.applyCreate(resourceOf(object), object);
    const before = await settled(object);
    const onUpdate = await refusal(client.apply(resourceOf(object), withUnknown(object)));
    expect(onUpdate).toBeInstanceOf(ApiError);
    expect((onUpdate as ApiError).message).toMatch(/notAField: field not declared in schema/);
    expect((await client.get(resourceOf(object), name, ns))!.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  });

  it('removes what a later apply leaves out from an object it created', async () => {
    const { name: ns } = await freshNamespace();
    const client = testClient();
    const object: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'removal', namespace: ns } };
    await client.applyCreate(Resources.configMap, { ...object, data: { kept: '1', dropped: '2' } } as KubeObject);
    const applied = await client.apply<KubeObject & { data?: Record<string, string> }>(Resources.configMap, { ...object, data: { kept: '1' } } as KubeObject);
    expect(applied.data).toEqual({ kept: '1' });
  });

  it('throws what is not a refusal for an existing object: an invalid object, a conflict between field managers', async () => {
    const { name: ns } = await freshNamespace();
    const client = testClient();
    const service = objectIn(ns, 'Service', 'cache');
    const invalid = { ...service, spec: { ...(service as KubeObject & { spec: object }).spec, ports: [{ name: 'redis', port: 0 }] } } as KubeObject;
    await expect(client.applyCreate(Resources.service, invalid)).rejects.toMatchObject({ status: 422 });

    const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'contested', namespace: ns } };
    await client.apply(Resources.configMap, { ...configMap, data: { key: 'ours' } } as KubeObject);
    const contested = await client.request('PATCH', resourcePath(Resources.configMap, ns, 'contested'), {
      body: { ...configMap, data: { key: 'theirs' } }, contentType: 'application/apply-patch+yaml', query: { fieldManager: 'someone-else' },
    }).then(() => undefined, (error: unknown) => error);
    expect(contested).toBeInstanceOf(ApiError);
    expect((contested as ApiError).status).toBe(409);
    expect((contested as ApiError).causes.map((c) => c.field)).toEqual(['.data.key']);
    expect((contested as ApiError).isPreconditionConflict).toBe(false);
  });

  it('cannot take a uid for the precondition: the API server refuses to create what names one', async () => {
    const { name: ns } = await freshNamespace();
    const client = testClient();
    const object = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'with-uid', namespace: ns, uid: randomUUID() }, data: { key: 'v' } } as KubeObject;
    await expect(client.apply(Resources.configMap, object)).rejects.toMatchObject({ status: 409, reason: 'Conflict' });
    expect(await client.get(Resources.configMap, 'with-uid', ns)).toBeUndefined();
  });
});
