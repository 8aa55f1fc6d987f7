import { describe, expect, it } from 'vitest';
import { instanceLabels } from '../../../src/api/names.js';
import type { KubeObject } from '../../../src/client/objects.js';
import {
  claimsOf, instancesUsingStorageClass, storageHold, storageStatus, withHeldStorage, type Claim, type StorageFacts,
} from '../../../src/reconcile/storage.js';
import { defaultedInstance } from '../../support/instances.js';

function claim(name: string, size: string, storageClassName?: string, instance = 'cache', namespace = 'shop'): Claim {
  return {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim',
    metadata: { name, namespace, labels: instanceLabels(instance) },
    spec: { resources: { requests: { storage: size } }, ...(storageClassName ? { storageClassName } : {}) },
  };
}

const storageClass = (name: string, allowVolumeExpansion?: boolean): KubeObject =>
  ({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name }, ...(allowVolumeExpansion === undefined ? {} : { allowVolumeExpansion }) });

function facts(claims: Claim[], current: string | undefined, classes: KubeObject[] = []): StorageFacts {
  return { claims, current, storageClass: (name) => classes.find((c) => c.metadata.name === name) };
}

describe('storage decisions', () => {
  it('records the largest request by value, and only the instance\'s own claims', () => {
    const all = [claim('data-cache-1', '1536Mi'), claim('data-cache-0', '1Gi'), claim('data-other-0', '5Gi', undefined, 'other'), claim('data-cache-0', '9Gi', undefined, 'cache', 'elsewhere')];
    const own = claimsOf('cache', 'shop', all);
    expect(own.map((c) => c.metadata.name)).toEqual(['data-cache-0', 'data-cache-1']);
    expect(storageStatus(own)).toEqual({ claims: 2, size: '1536Mi' });
    expect(storageStatus([])).toEqual({ claims: 0 });
  });

  it('holds a growth at the current size when a claim\'s StorageClass does not allow expansion, naming the claim and the class', () => {
    const instance = defaultedInstance({ storage: { size: '2Gi' } });
    const hold = storageHold(instance, facts([claim('data-cache-0', '1Gi', 'fixed')], '1Gi', [storageClass('fixed', false)]));
    expect(hold).toMatchObject({ reason: 'VolumeExpansionNotAllowed', size: '1Gi' });
    expect(hold?.message).toMatch(/^PersistentVolumeClaim data-cache-0 cannot grow to 2Gi: its StorageClass fixed does not set allowVolumeExpansion\. .*set it back to 1Gi/);
    expect(withHeldStorage(instance, hold!).spec.storage.size).toBe('1Gi');
  });

  it.each([
    ['no StorageClass', claim('data-cache-0', '1Gi'), [], /it has no StorageClass/],
    ['a StorageClass that is gone', claim('data-cache-0', '1Gi', 'gone'), [], /its StorageClass gone does not exist/],
    ['a StorageClass that says nothing', claim('data-cache-0', '1Gi', 'quiet'), [storageClass('quiet')], /does not set allowVolumeExpansion/],
  ] as const)('holds a growth of a claim with %s', (_, c, classes, message) => {
    expect(storageHold(defaultedInstance({ storage: { size: '2Gi' } }), facts([c], '1Gi', [...classes]))?.message).toMatch(message);
  });

  it('lets a growth go ahead when every smaller claim can expand, and holds nothing without a change', () => {
    const claims = [claim('data-cache-0', '1Gi', 'elastic'), claim('data-cache-1', '2Gi', 'fixed')];
    const classes = [storageClass('elastic', true), storageClass('fixed', false)];
    expect(storageHold(defaultedInstance({ storage: { size: '2Gi' } }), facts(claims, '1Gi', classes))).toBeUndefined();
    expect(storageHold(defaultedInstance({ storage: { size: '1024Mi' } }), facts([claim('data-cache-0', '1Gi', 'fixed')], '1Gi', classes))).toBeUndefined();
    expect(storageHold(defaultedInstance({ storage: { size: '2Gi' } }), facts([], undefined))).toBeUndefined();
  });

  it('holds a size below what a claim requests, and lets the claim template shrink to the claims\' size', () => {
    const claims = [claim('data-cache-0', '1Gi', 'elastic')];
    const classes = [storageClass('elastic', true)];
    const shrink = storageHold(defaultedInstance({ storage: { size: '512Mi' } }), facts(claims, '1Gi', classes));
    expect(shrink).toMatchObject({ reason: 'StorageShrinkRefused', size: '1Gi' });
    expect(shrink?.message).toMatch(/data-cache-0 \(1Gi\) .*at least 1Gi/);
    expect(storageHold(defaultedInstance({ storage: { size: '1Gi' } }), facts(claims, '2Gi', classes))).toBeUndefined();
  });

  it('wakes the instances whose claims or spec use a StorageClass', () => {
    const claims = [claim('data-a-0', '1Gi', 'fixed', 'a'), claim('data-b-0', '1Gi', 'other', 'b', 'elsewhere')];
    const instances = [{ apiVersion: 'redis.github.com/v1', kind: 'RedisInstance', metadata: { name: 'c', namespace: 'shop' }, spec: { storage: { storageClassName: 'fixed' } } }];
    expect(instancesUsingStorageClass('fixed', claims, instances)).toEqual(['shop/a', 'shop/c']);
    expect(instancesUsingStorageClass('other', claims, instances)).toEqual(['elsewhere/b']);
    expect(instancesUsingStorageClass('unused', claims, instances)).toEqual([]);
  });
});
