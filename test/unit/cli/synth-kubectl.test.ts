import { describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';
import { kubectlRead } from '../../support/kubectl.js';
import { HOSTILE_STRINGS } from '../../support/hostile-strings.js';

const OWNED = new Set(['ConfigMap/cache-config', 'StatefulSet/cache', 'Service/cache-headless', 'Service/cache', 'PodDisruptionBudget/cache']);

interface KubeObject { kind: string; metadata: { name: string; namespace?: string } }

function instances(text: string): Record<string, unknown>[] {
  const base = { apiVersion: 'redis.github.com/v1', kind: 'RedisInstance', metadata: { name: 'cache', namespace: 'shop' } };
  return [
    { ...base, spec: { config: { 'proc-title-template': text } } },
    { ...base, spec: { config: { save: text, 'replica-announce-ip': `a${text}b` } } },
    { ...base, spec: { image: text } },
    { ...base, spec: { image: `redis:7.2${text}` } },
  ];
}

describe('synth piped into kubectl', () => {
  it.each(HOSTILE_STRINGS.map((text) => [JSON.stringify(text).slice(0, 60), text] as const))(
    'refuses %s, or prints only the instance\'s own objects, as kubectl reads them',
    async (_, text) => {
      for (const instance of instances(text)) {
        const input = { 'ri.json': JSON.stringify(instance) };
        const yaml = await runCli(['synth', '-f', 'ri.json'], input);
        if (yaml.code !== 0) {
          expect(yaml.code).toBe(2);
          expect(yaml.stdout).toBe('');
          continue;
        }
        const json = await runCli(['synth', '-f', 'ri.json', '-o', 'json'], input);
        const read = await kubectlRead(yaml.stdout) as KubeObject[];
        expect(read).toEqual(JSON.parse(json.stdout));
        for (const object of read) {
          expect(OWNED).toContain(`${object.kind}/${object.metadata.name}`);
          expect(object.metadata.namespace).toBe('shop');
        }
      }
    },
  );
});
