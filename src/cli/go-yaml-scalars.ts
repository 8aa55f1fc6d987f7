/**
 * How kubectl resolves a plain (unquoted) YAML scalar. kubectl reads manifests with go-yaml v2
 * (through sigs.k8s.io/yaml), a YAML 1.1 reader whose rules differ from both YAML 1.2 and the
 * `yaml` package's 1.1 schema: `y` and `n` are booleans, `0o17` and `08` are numbers, `1:20` is a
 * string (no base 60), and `.inf` is a float that kubectl cannot turn into JSON. This is a port
 * of go-yaml v2's `resolve()` (resolve.go), so that synth reads and writes what kubectl does.
 */

export type GoScalar =
  | { readonly kind: 'str'; readonly value: string }
  | { readonly kind: 'null' }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'float'; readonly value: number }
  /** go-yaml hands a timestamp to an interface{} (as kubectl decodes) as the text it was. */
  | { readonly kind: 'timestamp'; readonly value: string };

const BOOLEANS: Readonly<Record<string, boolean>> = Object.fromEntries([
  ...['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'].map((s) => [s, true]),
  ...['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'].map((s) => [s, false]),
]);
const NULLS = new Set(['', '~', 'null', 'Null', 'NULL']);
const SPECIAL_FLOATS: Readonly<Record<string, number>> = {
  '.nan': NaN, '.NaN': NaN, '.NAN': NaN,
  '.inf': Infinity, '.Inf': Infinity, '.INF': Infinity,
  '+.inf': Infinity, '+.Inf': Infinity, '+.INF': Infinity,
  '-.inf': -Infinity, '-.Inf': -Infinity, '-.INF': -Infinity,
};

/** go-yaml's first-character hint: only these can start anything but a string. */
function hint(text: string): 'sign' | 'digit' | 'map' | 'dot' | undefined {
  if (text === '') return 'map';
  const first = text[0]!;
  if (first === '+' || first === '-') return 'sign';
  if (first >= '0' && first <= '9') return 'digit';
  if ('yYnNtTfFoO~'.includes(first)) return 'map';
  if (first === '.') return 'dot';
  return undefined;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** strconv.ParseInt(s, 0, 64) (signed) or ParseUint(s, 0, 64), underscores already removed. */
function parseGoInt(text: string, signed: boolean): bigint | undefined {
  const match = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(text);
  if (!match) return undefined;
  const [, sign = '', digits = ''] = match;
  if (!signed && sign !== '') return undefined;
  let value: bigint;
  if (/^0[xXoObB]/.test(digits)) value = BigInt(`0${digits[1]!.toLowerCase()}${digits.slice(2)}`);
  else if (digits.length > 1 && digits.startsWith('0')) value = BigInt(`0o${digits.slice(1)}`);
  else value = BigInt(digits);
  if (sign === '-') value = -value;
  if (signed ? value < INT64_MIN || value > INT64_MAX : value > UINT64_MAX) return undefined;
  return value;
}

const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;

/** strconv.ParseFloat(s, 64) for the decimal forms go-yaml hands it; undefined on error. */
function parseGoFloat(text: string): number | undefined {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) {
    // The rest of Go's float syntax (Inf, NaN, hex floats) can reach here only after a ".".
    return undefined;
  }
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * go-yaml's parseTimestamp: the layouts `2006-1-2T15:4:5.999999999Z07:00` (T or t),
 * `2006-1-2 15:4:5.999999999` and `2006-1-2`, as time.Parse reads them.
 */
export function isGoTimestamp(text: string): boolean {
  const match = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:([Tt ])(\d{1,2}):(\d{1,2}):(\d{1,2})(?:[.,]\d+)?(Z|[+-]\d{2}:\d{2})?)?$/.exec(text);
  if (!match) return false;
  const [, year = '', month = '', day = '', separator, hour = '0', minute = '0', second = '0', zone] = match;
  if (separator === ' ' && zone !== undefined) return false;
  if ((separator === 'T' || separator === 't') && zone === undefined) return false;
  const y = Number(year);
  const m = Number(month);
  const d = Number(day);
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  if (m < 1 || m > 12 || d < 1 || d > DAYS_IN_MONTH[m - 1]! || (m === 2 && d === 29 && !leap)) return false;
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) return false;
  // time.Parse allows offsets up to 24:60.
  return zone === undefined || zone === 'Z' || (Number(zone.slice(1, 3)) <= 24 && Number(zone.slice(4)) <= 60);
}

/** What go-yaml makes of a plain scalar (no tag, no quotes). */
export function resolvePlainScalar(text: string): GoScalar {
  const first = hint(text);
  if (first === undefined) return { kind: 'str', value: text };
  if (text in BOOLEANS) return { kind: 'bool', value: BOOLEANS[text]! };
  if (NULLS.has(text)) return { kind: 'null' };
  if (text in SPECIAL_FLOATS) return { kind: 'float', value: SPECIAL_FLOATS[text]! };
  if (first === 'dot') {
    const value = parseGoFloat(text);
    return value === undefined ? { kind: 'str', value: text } : { kind: 'float', value };
  }
  if (first === 'sign' || first === 'digit') {
    if (isGoTimestamp(text)) return { kind: 'timestamp', value: text };
    const plain = text.replaceAll('_', '');
    const int = parseGoInt(plain, true) ?? parseGoInt(plain, false);
    if (int !== undefined) return { kind: 'int', value: Number(int) };
    if (YAML_STYLE_FLOAT.test(plain)) {
      const value = parseGoFloat(plain);
      if (value !== undefined) return { kind: 'float', value };
    }
  }
  return { kind: 'str', value: text };
}

/** Whether kubectl reads this text, written as a plain scalar, back as the same string. */
export function isPlainString(text: string): boolean {
  const kind = resolvePlainScalar(text).kind;
  return text !== '<<' && (kind === 'str' || kind === 'timestamp');
}
