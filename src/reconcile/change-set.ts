import type { ConfigUpdatePolicy } from '../api/redis-instance.js';
import type { Logger } from '../observability/logger.js';

/**
 * What changed between the live StatefulSet and the desired one, in the seed's terms.
 * - rolling class: Kubernetes can roll it in place (replicas, image, resources, the rest of
 *   the pod template, mutable StatefulSet fields);
 * - restart class: the StatefulSet must be recreated (storage size and class, anything else in
 *   volumeClaimTemplates, immutable fields), and config changes unless `updatePolicy.config` is
 *   Rolling.
 */
export type ChangeKind =
  | 'replicas'
  | 'image'
  | 'resources'
  | 'config'
  | 'storageSize'
  | 'storageClass'
  | 'volumeClaimTemplate'
  | 'immutableField'
  | 'podTemplate'
  | 'statefulSetSpec'
  | 'metadata';

export interface Change {
  readonly kind: ChangeKind;
  /** Where the user sees it: `spec.image`, `spec.config.maxmemory`, ... (the RedisInstance's
   * field when there is one, else `statefulSet.` and the StatefulSet's path). */
  readonly path: string;
  readonly from: unknown;
  readonly to: unknown;
}

const ALWAYS_RESTART: ReadonlySet<ChangeKind> = new Set(['storageSize', 'storageClass', 'volumeClaimTemplate', 'immutableField']);

/** Whether this change, alone, needs the StatefulSet recreated under the given policy. */
function isRestartChange(change: Change, configPolicy: ConfigUpdatePolicy): boolean {
  if (ALWAYS_RESTART.has(change.kind)) return true;
  return change.kind === 'config' && configPolicy === 'Recreate';
}

/** The seed's `needsStatefulSetRestart`: any change of the restart class. */
export function needsStatefulSetRestart(changes: readonly Change[], configPolicy: ConfigUpdatePolicy): boolean {
  return changes.some((change) => isRestartChange(change, configPolicy));
}

/** The seed's `needsStatefulSetUpdate`: any change of the rolling class. */
export function needsStatefulSetUpdate(changes: readonly Change[], configPolicy: ConfigUpdatePolicy): boolean {
  return changes.some((change) => !isRestartChange(change, configPolicy));
}

/** A value as a short string for status, Events and logs. */
export function describeValue(value: unknown): string {
  if (value === undefined || value === null) return '<none>';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** Changes as Events and conditions list them: `spec.image redis:6.2 -> redis:7.0, ...`. */
export function summarize(changes: readonly Change[]): string {
  return changes.map((c) => `${c.path} ${describeValue(c.from)} -> ${describeValue(c.to)}`).join(', ');
}

/** The seed's per-cause log lines, which users monitor. */
function causeLine(change: Change): string {
  switch (change.kind) {
    case 'config': return 'Redis config change detected';
    case 'storageSize': return 'Storage size change detected';
    case 'storageClass': return 'Storage class change detected';
    case 'image': return 'Image change detected';
    case 'replicas': return 'Replicas change detected';
    case 'resources': return 'Resources change detected';
    default: return 'StatefulSet field change detected';
  }
}

/** The seed's summary line, then one line per cause, each with the instance's log fields. */
export function logChanges(logger: Logger, line: string, changes: readonly Change[], fields: Readonly<Record<string, string>>): void {
  logger.info(line, { ...fields, changes: changes.map((c) => c.path) });
  for (const change of changes) {
    logger.info(causeLine(change), { ...fields, path: change.path, from: describeValue(change.from), to: describeValue(change.to) });
  }
}
