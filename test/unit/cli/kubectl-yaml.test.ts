import { describe, expect, it } from 'vitest';
import { toKubectlYaml } from '../../../src/cli/kubectl-yaml.js';
import { formatObjects } from '../../../src/cli/synth-command.js';
import { kubectlRead } from '../../support/kubectl.js';
import { HOSTILE_STRINGS } from '../../support/hostile-strings.js';

/** What Go's encoding/json, and so kubectl, makes of a JS string: lone surrogates become U+FFFD. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const wellFormed = (text: string) => text.replace(LONE_SURROGATE, '\ufffd');

function asGoReadsIt(value: unknown): unknown {
  if (typeof value === 'string') return wellFormed(value);
  if (Array.isArray(value)) return value.map(asGoReadsIt);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [wellFormed(k), asGoReadsIt(v)]));
  }
  return value;
}

function configMap(index: number, text: string) {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `hostile-${index}`, labels: { 'app.kubernetes.io/name': 'redis' } },
    // The string as a value, as a key, inside a list and as a multi-line block.
    data: { value: text, [text]: 'key', block: `first line\n${text}\nlast line\n` },
    list: [text, { nested: text }],
  };
}

describe('synth YAML read by kubectl', () => {
  const objects = HOSTILE_STRINGS.map((text, index) => configMap(index, text));

  it('gives kubectl the same objects as the JSON output, whatever the strings hold', async () => {
    const fromYaml = await kubectlRead(formatObjects(objects, 'yaml'));
    const fromJson = await kubectlRead(objects.map((o) => JSON.stringify(o)).join('\n'));
    expect(fromYaml).toHaveLength(objects.length);
    for (const [index, object] of objects.entries()) {
      expect(fromYaml[index], JSON.stringify(HOSTILE_STRINGS[index])).toEqual(asGoReadsIt(object));
    }
    expect(fromYaml).toEqual(fromJson);
  });

  it('writes nothing but printable ASCII and line feeds', () => {
    const yaml = formatObjects(objects, 'yaml');
    expect(yaml).toMatch(/^[\x20-\x7e\n]*$/);
  });

  it('keeps multi-line ASCII text a readable block literal', () => {
    const yaml = toKubectlYaml({ data: { 'redis.conf': 'port 6379\ndir /data\n' } });
    expect(yaml).toBe('data:\n  redis.conf: |\n    port 6379\n    dir /data\n');
  });

  it('quotes words that kubectl takes for booleans, numbers, nulls or merge keys', () => {
    expect(toKubectlYaml({ name: 'y', off: 'off', '<<': '0o17', nothing: '~', date: '2001-12-14', plain: 'redis' }))
      .toBe('name: "y"\n"off": "off"\n"<<": "0o17"\nnothing: "~"\ndate: 2001-12-14\nplain: redis\n');
  });
});
