/**
 * Kubernetes resource quantities ("1Gi", "500m", "1e3"), compared by value the way the API
 * server does: `1Gi` equals `1024Mi`.
 */

// The grammar of k8s.io/apimachinery/pkg/api/resource: a signed decimal number and an optional
// binary-SI suffix, decimal-SI suffix or decimal exponent.
const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

/** Values are held as exact integers of nano-units; the API server rounds finer ones up too. */
const NANO_DIGITS = 9;

const BINARY: Record<string, bigint> = {
  Ki: 1n << 10n, Mi: 1n << 20n, Gi: 1n << 30n, Ti: 1n << 40n, Pi: 1n << 50n, Ei: 1n << 60n,
};
const DECIMAL_EXPONENT: Record<string, number> = {
  n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18,
};

export function isQuantity(text: string): boolean {
  return QUANTITY.test(text);
}

/** The value of a quantity in nano-units (1 = 1e-9), exactly. Throws on malformed input. */
export function parseQuantity(text: string): bigint {
  const match = QUANTITY.exec(text);
  if (!match) throw new Error(`"${text}" is not a quantity (examples: 1Gi, 512Mi, 500m, 2)`);
  const [, sign = '', number = '', suffix = ''] = match;
  const [whole = '', fraction = ''] = number.split('.');
  let mantissa = BigInt(`${whole}${fraction}` || '0');
  let exponent = -fraction.length + NANO_DIGITS;
  let multiplier = 1n;
  if (suffix in BINARY) multiplier = BINARY[suffix]!;
  else if (suffix.length > 1 && /^[eE]/.test(suffix)) exponent += Number(suffix.slice(1));
  else exponent += DECIMAL_EXPONENT[suffix]!;
  mantissa *= multiplier;
  let value: bigint;
  if (exponent >= 0) {
    value = mantissa * 10n ** BigInt(exponent);
  } else {
    const divisor = 10n ** BigInt(-exponent);
    value = mantissa / divisor + (mantissa % divisor === 0n ? 0n : 1n);
  }
  return sign === '-' ? -value : value;
}

/** Negative, zero or positive as `a` is less than, equal to or greater than `b`. */
export function compareQuantities(a: string, b: string): number {
  const difference = parseQuantity(a) - parseQuantity(b);
  return difference === 0n ? 0 : difference < 0n ? -1 : 1;
}

export function quantitiesEqual(a: string, b: string): boolean {
  return compareQuantities(a, b) === 0;
}
