import { describe, expect, it } from 'vitest';
import { IMAGES } from '../../cluster/real-node/node-config.js';
import { CHANGE_CLASSES, CHANGES, initialSpec, parseClasses } from '../../../bench/availability-classes.js';

describe('the availability benchmark classes', () => {
  it('runs every class, in the documented order, when none are named', () => {
    expect(parseClasses(undefined)).toEqual([...CHANGE_CLASSES]);
    expect(CHANGE_CLASSES[0]).toBe('image');
    expect(CHANGE_CLASSES.at(-1)).toBe('delete-primary');
  });

  it('takes the named classes in the order given and names every unknown one', () => {
    expect(parseClasses('delete-primary, image')).toEqual(['delete-primary', 'image']);
    expect(() => parseClasses('image,imgae,replicas')).toThrow(/unknown "imgae", "replicas"/);
  });

  it('changes maxmemory to a value the instance does not have yet, in every config class', () => {
    const start = initialSpec('auth');
    const first = CHANGES['config-recreate'].change(start);
    expect(first).toEqual({ kind: 'patch', patch: { config: { maxmemory: '200mb' } } });
    const next = CHANGES['config-live'].change({ ...start, config: { appendonly: 'yes', maxmemory: '200mb' } });
    expect(next).toEqual({ kind: 'patch', patch: { config: { maxmemory: '210mb' } } });
  });

  it('switches the config policy only as a preparation, and only when it differs', () => {
    const start = initialSpec('auth');
    expect(CHANGES['config-recreate'].prepare(start)).toBeUndefined();
    expect(CHANGES['config-rolling'].prepare(start)).toEqual({ updatePolicy: { config: 'Rolling' } });
    expect(CHANGES['config-live'].prepare({ ...start, updatePolicy: { config: 'Rolling' } })).toEqual({ updatePolicy: { config: 'Live' } });
  });

  it('scales down from five replicas, first getting there when the instance has another count', () => {
    expect(CHANGES['replicas-down'].prepare(initialSpec('auth'))).toEqual({ replicas: 5 });
    expect(CHANGES['replicas-down'].prepare({ ...initialSpec('auth'), replicas: 5 })).toBeUndefined();
    expect(CHANGES['replicas-down'].change(initialSpec('auth'))).toEqual({ kind: 'patch', patch: { replicas: 3 } });
  });

  it('alternates the image and grows the storage by one Gi', () => {
    const start = initialSpec('auth');
    expect(CHANGES.image.change(start)).toEqual({ kind: 'patch', patch: { image: IMAGES.redisAlternate } });
    expect(CHANGES.image.change({ ...start, image: IMAGES.redisAlternate })).toEqual({ kind: 'patch', patch: { image: IMAGES.redis } });
    expect(CHANGES.storage.change(start)).toEqual({ kind: 'patch', patch: { storage: { size: '2Gi' } } });
  });
});
