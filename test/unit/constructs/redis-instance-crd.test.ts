import { describe, expect, it } from 'vitest';
import { CRD_SPEC } from '../../../constructs/redis-instance-crd.js';
import { REFUSED_DIRECTIVES } from '../../../src/config/directives.js';

interface SchemaNode {
  readonly description?: string;
  readonly properties?: Record<string, SchemaNode>;
  readonly additionalProperties?: SchemaNode | boolean;
  readonly items?: SchemaNode;
}

const root = CRD_SPEC.versions[0]!.schema.openAPIV3Schema as SchemaNode;

/** Every field `kubectl explain` can show, by the path it takes: spec.config, status.conditions[]. */
function fields(node: SchemaNode, path: string): Array<[string, SchemaNode]> {
  const found: Array<[string, SchemaNode]> = [[path, node]];
  for (const [name, child] of Object.entries(node.properties ?? {})) found.push(...fields(child, path ? `${path}.${name}` : name));
  if (typeof node.additionalProperties === 'object') found.push(...fields(node.additionalProperties, `${path}.*`));
  if (node.items) found.push(...fields(node.items, `${path}[]`));
  return found;
}

describe('the RedisInstance CRD schema', () => {
  it('describes every field, for kubectl explain', () => {
    // The API server allows nothing but name (and its type) under metadata; kubectl explain
    // shows ObjectMeta's own documentation there.
    const all = fields(root, '').filter(([path]) => path !== 'metadata' && !path.startsWith('metadata.'));
    expect(all.length).toBeGreaterThan(40);
    expect(all.filter(([, node]) => !node.description?.trim()).map(([path]) => path || '(root)')).toEqual([]);
  });

  it('says that config values are strings and which directives are refused', () => {
    const config = root.properties!.spec!.properties!.config!.description!;
    expect(config).toMatch(/strings/);
    for (const directive of REFUSED_DIRECTIVES.keys()) expect(config).toContain(directive);
  });
});
