import { CONFIG_HASH_ANNOTATION } from '../api/names.js';
import type { KubeObject } from '../client/objects.js';
import { summarize, type Change, type ChangeKind } from './change-set.js';
import { semanticDiff, type Difference, type DiffRules } from './semantic-diff.js';

const CONTAINER = 'spec.template.spec.containers[0]';
const CONFIG_HASH_PATH = `spec.template.metadata.annotations[${JSON.stringify(CONFIG_HASH_ANNOTATION)}]`;

/** The StatefulSet fields the API server refuses to change (only replicas, ordinals, template,
 * updateStrategy, persistentVolumeClaimRetentionPolicy and minReadySeconds may change). */
const IMMUTABLE = /^spec\.(selector|serviceName|podManagementPolicy)(\.|\[|$)/;

const STATEFULSET_DIFF_RULES: DiffRules = {
  // Resources are the operator's alone: a limit removed from the spec must be removed here too.
  complete: (path) => /^spec\.template\.spec\.containers\[\d+\]\.resources(\.(limits|requests))?$/.test(path)
    || /^spec\.volumeClaimTemplates\[\d+\]\.spec\.resources\.requests$/.test(path),
  quantity: (path) => /\.resources\.(limits|requests)\./.test(path) || /\.resources\.(limits|requests)\[/.test(path)
    || /\.sizeLimit$/.test(path),
};

function classify(difference: Difference): { kind: ChangeKind; path: string } {
  const { path } = difference;
  if (path === 'spec.replicas') return { kind: 'replicas', path: 'spec.replicas' };
  if (path === `${CONTAINER}.image`) return { kind: 'image', path: 'spec.image' };
  if (path.startsWith(`${CONTAINER}.resources`)) {
    return { kind: 'resources', path: `spec.resources${path.slice(`${CONTAINER}.resources`.length)}` };
  }
  if (path === CONFIG_HASH_PATH) return { kind: 'config', path: 'spec.config' };
  if (/^spec\.volumeClaimTemplates\[0\]\.spec\.resources\.requests\.storage$/.test(path)) {
    return { kind: 'storageSize', path: 'spec.storage.size' };
  }
  if (path === 'spec.volumeClaimTemplates[0].spec.storageClassName') {
    return { kind: 'storageClass', path: 'spec.storage.storageClassName' };
  }
  if (path.startsWith('spec.volumeClaimTemplates')) return { kind: 'volumeClaimTemplate', path: `statefulSet.${path}` };
  if (IMMUTABLE.test(path)) return { kind: 'immutableField', path: `statefulSet.${path}` };
  if (path.startsWith('spec.template')) return { kind: 'podTemplate', path: `statefulSet.${path}` };
  if (path.startsWith('spec.')) return { kind: 'statefulSetSpec', path: `statefulSet.${path}` };
  return { kind: 'metadata', path: `statefulSet.${path}` };
}

/** redis.conf as a map of directive to its (raw) argument text, comments dropped. */
function parseRedisConf(text: string): Map<string, string> {
  const directives = new Map<string, string>();
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const space = trimmed.indexOf(' ');
    directives.set(space < 0 ? trimmed : trimmed.slice(0, space), space < 0 ? '' : trimmed.slice(space + 1));
  }
  return directives;
}

/** Per-directive changes between two rendered redis.conf files (`spec.config.maxmemory`). */
function configChanges(liveConf: string, desiredConf: string): Change[] {
  const live = parseRedisConf(liveConf);
  const desired = parseRedisConf(desiredConf);
  const names = [...new Set([...live.keys(), ...desired.keys()])].sort();
  return names
    .filter((name) => live.get(name) !== desired.get(name))
    .map((name) => ({ kind: 'config' as const, path: `spec.config.${name}`, from: live.get(name), to: desired.get(name) }));
}

export interface CompareInput {
  readonly desired: KubeObject;
  readonly live: KubeObject;
  /** redis.conf of the live and desired ConfigMaps, to name the directives behind a new hash. */
  readonly liveRedisConf?: string;
  readonly desiredRedisConf?: string;
}

/**
 * The typed change set between a live StatefulSet and the desired one. Values are compared as
 * the API server stores them, so a freshly created StatefulSet has no changes at all.
 */
export function compareStatefulSets(input: CompareInput): Change[] {
  const differences = [
    ...semanticDiff(input.desired.spec, input.live.spec, STATEFULSET_DIFF_RULES, 'spec'),
    ...semanticDiff(
      { labels: input.desired.metadata.labels, ownerReferences: input.desired.metadata.ownerReferences },
      { labels: input.live.metadata.labels, ownerReferences: input.live.metadata.ownerReferences },
      {},
      'metadata',
    ),
  ];
  const changes: Change[] = [];
  for (const difference of differences) {
    const { kind, path } = classify(difference);
    if (kind === 'config' && input.liveRedisConf !== undefined && input.desiredRedisConf !== undefined) {
      const directives = configChanges(input.liveRedisConf, input.desiredRedisConf);
      if (directives.length > 0) {
        changes.push(...directives);
        continue;
      }
    }
    changes.push({ kind, path, from: difference.from, to: difference.to });
  }
  return changes;
}

/**
 * The changes of an update that the API server did not store. A spec change moves the
 * StatefulSet's generation; when it has not moved, the server dropped or rewrote every spec
 * field of the update (a field whose feature is off, an admission policy), and writing it again
 * would only loop. Metadata does not move the generation and is not judged here.
 */
export function changesNotStored(changes: readonly Change[], before: KubeObject, after: KubeObject | undefined): Change[] {
  if (!after || after.metadata.uid !== before.metadata.uid || after.metadata.generation !== before.metadata.generation) return [];
  return changes.filter((change) => change.kind !== 'metadata');
}

/** What the Degraded condition says about such changes; the same text for the same update of
 * the same StatefulSet generation, so that the operator knows it has tried this already. */
export function notStoredMessage(statefulSet: KubeObject, changes: readonly Change[]): string {
  return `the API server kept StatefulSet ${statefulSet.metadata.name} as it was (generation ${statefulSet.metadata.generation ?? 0}) after an update of ${summarize(changes)}: `
    + 'it drops or rewrites these fields (a feature that is off in this cluster, or an admission policy); not retried until the spec or the StatefulSet changes';
}
