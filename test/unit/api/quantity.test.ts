import { describe, expect, it } from 'vitest';
import { compareQuantities, isQuantity, parseQuantity, quantitiesEqual } from '../../../src/api/quantity.js';

describe('quantities', () => {
  it.each([
    ['1Gi', '1024Mi'],
    ['1G', '1000M'],
    ['0.5Gi', '512Mi'],
    ['1.5Gi', '1536Mi'],
    ['1000m', '1'],
    ['1e3', '1k'],
    ['1E3', '1000'],
    ['100Mi', '104857600'],
  ])('treats %s and %s as the same value', (a, b) => {
    expect(quantitiesEqual(a, b)).toBe(true);
  });

  it('orders by value, not by text', () => {
    expect(compareQuantities('512Mi', '1Gi')).toBe(-1);
    expect(compareQuantities('2Gi', '2000Mi')).toBe(1);
    expect(compareQuantities('100m', '0.1')).toBe(0);
  });

  it('distinguishes milli (m) from mega (M) and exa (E) from an exponent (E3)', () => {
    expect(parseQuantity('1m')).toBe(1_000_000n);
    expect(parseQuantity('1M')).toBe(1_000_000n * 1_000_000_000n);
    expect(parseQuantity('1E')).toBe(10n ** 27n);
    expect(parseQuantity('1E3')).toBe(10n ** 12n);
  });

  it('rounds values finer than a nano-unit up, as the API server does', () => {
    expect(parseQuantity('0.0000000001')).toBe(1n);
  });

  it.each(['', '1GB', 'Gi', '1.2.3', '--1', '1 Gi', 'ten', '1gi'])('refuses %j', (text) => {
    expect(isQuantity(text)).toBe(false);
    expect(() => parseQuantity(text)).toThrow(/not a quantity/);
  });
});
