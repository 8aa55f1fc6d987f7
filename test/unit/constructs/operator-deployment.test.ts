import { readFileSync } from 'node:fs';
import { App } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { OPERATOR_ENV, OperatorChart, type OperatorChartProps } from '../../../constructs/operator-chart.js';

interface Container {
  readonly command: string[];
  readonly env: Array<{ name: string; value?: string }>;
  readonly resources: { requests: { memory: string }; limits: { memory: string } };
}

function operatorContainer(props: OperatorChartProps = {}): Container {
  const objects = new OperatorChart(new App(), 'op', props).toJson() as Array<{ kind: string; spec: { template: { spec: { containers: Container[] } } } }>;
  return objects.find((o) => o.kind === 'Deployment')!.spec.template.spec.containers[0]!;
}

/** The Dockerfile's final ENTRYPOINT and ENV lines. */
function dockerfile(): { entrypoint: string[]; env: Record<string, string> } {
  const lines = readFileSync('Dockerfile', 'utf8').split('\n');
  const entrypoint = JSON.parse(lines.filter((l) => l.startsWith('ENTRYPOINT ')).at(-1)!.slice('ENTRYPOINT '.length)) as string[];
  const env = Object.fromEntries(lines.filter((l) => l.startsWith('ENV ')).map((l) => l.slice(4).split('=') as [string, string]));
  return { entrypoint, env };
}

describe('the operator Deployment', () => {
  it('sizes V8 and malloc for a controller, its heap limit half its memory limit', () => {
    const container = operatorContainer();
    expect(container.command).toEqual(['node', '--optimize-for-size', '--max-old-space-size=128', 'bin/redis-operator.js']);
    expect(container.resources).toEqual({ requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '256Mi' } });
    expect(container.env).toContainEqual({ name: 'MALLOC_ARENA_MAX', value: '2' });
  });

  it('starts the operator exactly as the image does with the default memory', () => {
    const { entrypoint, env } = dockerfile();
    expect(operatorContainer().command).toEqual(entrypoint);
    for (const [name, value] of Object.entries(OPERATOR_ENV)) expect(env[name]).toBe(value);
  });

  it('moves the heap limit with a larger memory limit', () => {
    const container = operatorContainer({ memory: { requestMiB: 256, limitMiB: 512 } });
    expect(container.command).toContain('--max-old-space-size=256');
    expect(container.resources.limits.memory).toBe('512Mi');
  });
});
