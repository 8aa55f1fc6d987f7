import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../src/client/objects.js';
import type { Change } from '../../../src/reconcile/change-set.js';
import { changesNotStored, notStoredMessage } from '../../../src/reconcile/statefulset-changes.js';

function sts(generation: number, uid = 'u1'): KubeObject {
  return { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'cache', uid, generation } };
}

const retention: Change = { kind: 'statefulSetSpec', path: 'statefulSet.spec.persistentVolumeClaimRetentionPolicy.whenDeleted', from: 'Retain', to: 'Delete' };
const image: Change = { kind: 'image', path: 'spec.image', from: 'redis:7.0', to: 'redis:7.2' };
const label: Change = { kind: 'metadata', path: 'statefulSet.metadata.labels.team', from: undefined, to: 'a' };

describe('changesNotStored', () => {
  it('names the spec changes of an update after which the generation did not move', () => {
    expect(changesNotStored([retention, label], sts(4), sts(4))).toEqual([retention]);
  });

  it('finds nothing when the generation moved, even if only part of the update was stored', () => {
    expect(changesNotStored([retention, image], sts(4), sts(5))).toEqual([]);
  });

  it('finds nothing for metadata, which never moves the generation', () => {
    expect(changesNotStored([label], sts(4), sts(4))).toEqual([]);
  });

  it('finds nothing when the StatefulSet is gone or is another one', () => {
    expect(changesNotStored([retention], sts(4), undefined)).toEqual([]);
    expect(changesNotStored([retention], sts(4), sts(4, 'u2'))).toEqual([]);
  });
});

describe('notStoredMessage', () => {
  it('is the same for the same update of the same generation, and differs otherwise', () => {
    expect(notStoredMessage(sts(4), [retention])).toBe(notStoredMessage(sts(4), [retention]));
    expect(notStoredMessage(sts(4), [retention])).not.toBe(notStoredMessage(sts(5), [retention]));
    expect(notStoredMessage(sts(4), [retention])).not.toBe(notStoredMessage(sts(4), [retention, image]));
    expect(notStoredMessage(sts(4), [retention])).toContain('statefulSet.spec.persistentVolumeClaimRetentionPolicy.whenDeleted Retain -> Delete');
  });
});
