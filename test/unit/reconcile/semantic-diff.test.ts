import { describe, expect, it } from 'vitest';
import { semanticDiff } from '../../../src/reconcile/semantic-diff.js';

describe('semanticDiff', () => {
  it('ignores fields only the live object has (server defaults)', () => {
    expect(semanticDiff({ a: 1 }, { a: 1, defaulted: 'x' })).toEqual([]);
  });

  it('treats empty lists and maps as absent, as the API server stores them', () => {
    expect(semanticDiff({ env: [], labels: {}, a: 1 }, { a: 1 })).toEqual([]);
  });

  it('compares quantities by value where the rules say so', () => {
    const rules = { quantity: (p: string) => p.startsWith('limits.') };
    expect(semanticDiff({ limits: { memory: '1024Mi' } }, { limits: { memory: '1Gi' } }, rules)).toEqual([]);
    expect(semanticDiff({ limits: { memory: '512Mi' } }, { limits: { memory: '256Mi' } }, rules))
      .toEqual([{ path: 'limits.memory', from: '256Mi', to: '512Mi' }]);
    expect(semanticDiff({ name: '1Gi' }, { name: '1024Mi' }, rules)).toHaveLength(1);
  });

  it('reports a removed key under a path the operator owns completely', () => {
    const rules = { complete: (p: string) => p === 'limits' };
    expect(semanticDiff({ limits: { memory: '1Gi' } }, { limits: { memory: '1Gi', cpu: '1' } }, rules))
      .toEqual([{ path: 'limits.cpu', from: '1', to: undefined }]);
    expect(semanticDiff({}, { limits: { cpu: '1' } }, rules)).toEqual([{ path: 'limits', from: { cpu: '1' }, to: undefined }]);
  });

  it('compares lists element by element and whole when lengths differ', () => {
    expect(semanticDiff({ c: [{ image: 'a', n: 1 }] }, { c: [{ image: 'b', n: 1, extra: true }] }))
      .toEqual([{ path: 'c[0].image', from: 'b', to: 'a' }]);
    expect(semanticDiff({ c: [1, 2] }, { c: [1] })).toEqual([{ path: 'c', from: [1], to: [1, 2] }]);
  });

  it('quotes keys that are not identifiers', () => {
    expect(semanticDiff({ annotations: { 'redis.github.com/config-hash': 'b' } }, { annotations: { 'redis.github.com/config-hash': 'a' } }))
      .toEqual([{ path: 'annotations["redis.github.com/config-hash"]', from: 'a', to: 'b' }]);
  });
});
