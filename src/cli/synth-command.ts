import { Command, Option } from 'commander';
import { App } from 'cdk8s';
import { withDefaults } from '../api/defaults.js';
import type { KubeObject } from '../client/objects.js';
import { synthesizeInstance } from '../synth/synthesize-instance.js';
import {
  DEFAULT_OPERATOR_IMAGE, DEFAULT_OPERATOR_NAMESPACE, OperatorChart,
} from '../../constructs/operator-chart.js';
import { readInstances } from './read-instances.js';
import { toKubectlYaml } from './kubectl-yaml.js';
import { InvalidInputError } from './exit-codes.js';
import type { CommandIO } from './io.js';

export type OutputFormat = 'yaml' | 'json';

export interface SynthOptions {
  readonly file?: string[];
  readonly output: OutputFormat;
  readonly operator?: boolean;
  readonly namespace?: string;
  readonly image?: string;
}

/** A JSON array, or multi-document YAML that kubectl reads as the same objects. */
export function formatObjects(objects: readonly unknown[], format: OutputFormat): string {
  if (format === 'json') return `${JSON.stringify(objects, null, 2)}\n`;
  return objects.map(toKubectlYaml).join('---\n');
}

export function operatorObjects(options: { namespace?: string; image?: string }): KubeObject[] {
  const chart = new OperatorChart(new App(), 'redis-operator', {
    ...(options.namespace ? { namespace: options.namespace } : {}),
    ...(options.image ? { image: options.image } : {}),
  });
  return chart.toJson() as KubeObject[];
}

export async function synth(options: SynthOptions, io: CommandIO): Promise<void> {
  const files = options.file ?? [];
  if (files.length === 0 && !options.operator) {
    throw new InvalidInputError(['nothing to synthesize: give -f FILE (or -f - for stdin), or --operator']);
  }
  const objects: unknown[] = options.operator ? operatorObjects(options) : [];
  if (files.length > 0) {
    const { instances, warnings } = await readInstances(files, io);
    for (const warning of warnings) io.stderr.write(`warning: ${warning}\n`);
    for (const instance of instances) objects.push(...synthesizeInstance(withDefaults(instance)).objects);
  }
  io.stdout.write(formatObjects(objects, options.output));
}

export function synthCommand(io: CommandIO, run: (action: () => Promise<void>) => Promise<void>): Command {
  return new Command('synth')
    .summary('print the objects the operator would create, without a cluster')
    .description(
      'Prints the objects the operator would create for each RedisInstance (ConfigMap, StatefulSet, ' +
      'Services and, for more than one replica, a PodDisruptionBudget), or its own install manifests ' +
      'with --operator. No cluster is needed. Output is deterministic: the same input gives the same bytes.\n\n' +
      'Defaults applied where the spec is silent: replicas 1, image redis:7.2, storage.size 1Gi, storage.reclaimPolicy Retain, ' +
      'updatePolicy.config Recreate, namespace "default".',
    )
    .option('-f, --file <file...>', 'RedisInstance YAML or JSON (one or many documents); "-" reads stdin')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['yaml', 'json']).default('yaml'))
    .option('--operator', 'print the operator install manifests (Namespace, CRD, RBAC, Deployment)')
    .option('--namespace <namespace>', `namespace of the operator install (with --operator)`, DEFAULT_OPERATOR_NAMESPACE)
    .option('--image <image>', `operator image (with --operator)`, DEFAULT_OPERATOR_IMAGE)
    .addHelpText('after', '\nExamples:\n  redis-operator synth -f examples/redis.yaml\n  cat ri.yaml | redis-operator synth -f - -o json\n  redis-operator synth --operator --namespace redis-system > install.yaml\n\nExit codes: 0 success, 2 invalid input (each problem printed with its field path), 1 other failures.')
    .action((options: SynthOptions) => run(() => synth(options, io)));
}
