import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { readManifests } from '../../../src/cli/kubectl-yaml.js';
import { kubectl, kubectlRead } from '../../support/kubectl.js';

/** Scalars as written in YAML, each read by kubectl and by synth. */
const SCALARS = [
  'y', 'n', 'Y', 'yes', 'No', 'on', 'OFF', 'true', 'tRUE', '~', 'null', '', 'Null', 'NULL',
  '0o17', '0x1F', '0x_1F', '0b101', '-0b11', '08', '017', '0', '-0', '+12', '1_000', '1__0', '1_',
  '1e3', '1E-3', '1.', '.5', '-.5', '+.5', '.', '1.5e-400', '1e400', '9223372036854775807',
  '9223372036854775808', '18446744073709551616', '.inf', '-.Inf', '+.INF', '.nan', '.NaN',
  '2001-12-14', '2001-12-14 21:59:43.10', '2001-12-14T21:59:43.10-05:00', '2001-2-3t4:5:6Z', '2001-02-30',
  '1:20', '190:20:30', '12:30:45', '1,000', '0.1', '100m', '1Gi', '5e-324',
  '!!int "12"', '!!int abc', '!!float 1', '!!bool yes', '!!null ~', '!!str 12', '!!str', '!!timestamp 2001-12-14',
  '!!timestamp abc', '!!binary aGVsbG8=', '!foo 12', '!!omap [{a: 1}, {b: 2}]', '!!set {a, b}', '!!pairs [{a: 1}]',
  '"\\ud83d\\ude00"', '"\\U0001F600"', '"\\U0011FFFF"', '"a\\/b"', '"\\q"', '"\\x41\\N\\_\\L\\P\\e\\0"',
  '"a\\\n  b"', "'it''s'", '"<<"', '{<<: {x: 1}, y: 2}', '[a, b, {c: d}]', '&anchor x', '"\\t\\u0009"',
  '|\n  block\n  text', '>\n  folded\n  text\n', '{a: 1, a: 2}',
];

function configMap(value: string): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, labels: {a: b}}\nvalue: ${value}\n`;
}

async function kubectlValue(text: string): Promise<{ value: unknown } | 'refused'> {
  try {
    const [object] = await kubectlRead(text) as Array<{ value?: unknown }>;
    return { value: object?.value ?? null };
  } catch {
    return 'refused';
  }
}

function synthValue(text: string): { value: unknown } | 'refused' {
  const [document] = readManifests(text);
  if (document?.kind !== 'value') return 'refused';
  return { value: (document.value as { value?: unknown }).value ?? null };
}

describe('reading YAML as kubectl does', () => {
  it.each(SCALARS.map((s) => [JSON.stringify(s), s] as const))('reads %s as kubectl does', async (_, scalar) => {
    const text = configMap(scalar);
    const theirs = await kubectlValue(text);
    // The `yaml` package refuses duplicate keys, which go-yaml lets the last one win: stricter.
    if (scalar === '{a: 1, a: 2}') expect(synthValue(text)).toBe('refused');
    else expect(synthValue(text)).toEqual(theirs);
  });

  it('refuses raw line breaks that kubectl sees and editors do not, naming line and column', async () => {
    for (const separator of ['\u0085', '\u2028', '\u2029']) {
      const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, labels: {a: b}}\ndata:\n  k: "v${separator}  z: injected"\n# note${separator}extra: key\n`;
      // kubectl reads something else than the `yaml` package, which sees no line break there.
      const naive = parseAllDocuments(text)[0]!.toJS() as object;
      const theirs = await kubectlRead(text).then((objects) => objects[0], () => 'refused');
      expect(theirs).not.toEqual(naive);
      const [document] = readManifests(text);
      expect(document?.kind).toBe('error');
      expect(document?.kind === 'error' && document.message).toMatch(new RegExp(`line 5, column 8: U\\+${separator.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} .* is a line break to kubectl`));
    }
  });

  it('refuses raw control characters, as kubectl does', async () => {
    const text = configMap('"a\u0001b"');
    expect((await kubectl(['label', '--local', '-f', '-', '-o', 'json', 'x-'], text)).code).not.toBe(0);
    expect(readManifests(text)).toEqual([{ kind: 'error', message: expect.stringMatching(/line 4, column 10: kubectl refuses U\+0001/) }]);
  });

  it('splits documents where kubectl does and refuses content after "---"', async () => {
    const two = `${configMap('a')}--- # comment\n${configMap('b')}`;
    expect(readManifests(two).map((d) => d.kind === 'value' && (d.value as { value: unknown }).value)).toEqual(['a', 'b']);
    expect((await kubectlRead(two)).length).toBe(2);
    const glued = `${configMap('a')}--- {apiVersion: v1, kind: ConfigMap, metadata: {name: y, labels: {a: b}}}\n`;
    expect(readManifests(glued).some((d) => d.kind === 'error' && /"---" alone/.test(d.message))).toBe(true);
    const ended = `${configMap('a')}...\n${configMap('b')}`;
    expect(readManifests(ended)).toEqual([{ kind: 'error', message: expect.stringMatching(/reads only the first/) }]);
    expect(await kubectlRead(ended)).toHaveLength(1);
  });

  it('reads a JSON stream as JSON, lone surrogates as U+FFFD as Go does', async () => {
    const text = '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "labels": {"a": "b"}}, "value": "\\ud800", "n": 1.0}\n{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "y", "labels": {"a": "b"}}}';
    const ours = readManifests(text).map((d) => (d.kind === 'value' ? d.value : d));
    expect(ours).toEqual(await kubectlRead(text));
  });
});
