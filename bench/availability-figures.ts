/**
 * What a client saw during one change, computed from what the writer and the pod watch
 * recorded. Pure, so that the arithmetic of the availability benchmark has tests of its own.
 */

/** The longest stretch without a successful write, in the clock of the recorded times (ms). */
export interface WriteGap {
  readonly ms: number;
  /** Where it began: the last acknowledgement before it, or the window's start. */
  readonly from: number;
  /** Where it ended: the first acknowledgement after it, or the window's end. */
  readonly to: number;
}

/**
 * The longest window in [start, end] with no acknowledged write. The edges count: a writer
 * that never succeeded after some point has a gap reaching `end`.
 */
export function longestWriteGap(ackTimes: readonly number[], start: number, end: number): WriteGap {
  if (end < start) throw new RangeError(`the window ends (${end}) before it starts (${start})`);
  const points = [start, ...ackTimes.filter((t) => t >= start && t <= end).sort((a, b) => a - b), end];
  let gap: WriteGap = { ms: 0, from: start, to: start };
  for (let i = 1; i < points.length; i++) {
    const ms = points[i]! - points[i - 1]!;
    if (ms > gap.ms) gap = { ms, from: points[i - 1]!, to: points[i]! };
  }
  return gap;
}

/**
 * What the writer went through between `from` and `to` (a gap's edges), as runs of the same
 * event: `+0 ms timeout x412, +2003 ms connected`, times from `from`.
 */
export function gapTimeline(events: ReadonlyArray<{ readonly at: number; readonly what: string }>, from: number, to: number): string {
  const runs: Array<{ at: number; what: string; count: number }> = [];
  for (const event of events) {
    if (event.at < from || event.at > to) continue;
    const last = runs.at(-1);
    if (last?.what === event.what) last.count++;
    else runs.push({ at: event.at, what: event.what, count: 1 });
  }
  return runs.map((run) => `+${Math.round(run.at - from)} ms ${run.what}${run.count > 1 ? ` x${run.count}` : ''}`).join(', ');
}

export interface AcknowledgedWrite {
  readonly key: string;
  readonly value: string;
}

/**
 * The acknowledged writes that the primary no longer holds: missing, or holding another
 * value. `readBack[i]` is what the primary returned for `acknowledged[i].key` (null: absent).
 */
export function lostWrites(acknowledged: readonly AcknowledgedWrite[], readBack: readonly (string | null)[]): string[] {
  if (readBack.length !== acknowledged.length) {
    throw new RangeError(`read back ${readBack.length} values for ${acknowledged.length} acknowledged writes`);
  }
  return acknowledged.filter((write, i) => readBack[i] !== write.value).map((write) => write.key);
}

/** One pod as seen at some moment: its name, UID and its containers' restarts so far. */
export interface PodSighting {
  readonly name: string;
  readonly uid: string;
  readonly restartCount: number;
}

export interface PodRestarts {
  /** Pods replaced by a new one of the same name (a new UID), each replacement counted. */
  readonly recreated: number;
  /** Container restarts inside a pod that kept its UID (restartCount deltas). */
  readonly restartedInPlace: number;
  /** Names that did not exist before (scaling up); their first pod is not a restart. */
  readonly added: number;
  /** Names that existed before and are gone afterwards (scaling down). */
  readonly removed: number;
  /** recreated + restartedInPlace. */
  readonly total: number;
}

/**
 * Counts restarts from the pods before the change, every sighting during it (a watch's events)
 * and the pods afterwards. A name's first UID beyond those it had before is a recreation when
 * the name existed before, and an addition when it did not; every further UID is a recreation.
 */
export function podRestarts(before: readonly PodSighting[], during: readonly PodSighting[], after: readonly PodSighting[]): PodRestarts {
  const restartsBefore = new Map(before.map((pod) => [pod.uid, pod.restartCount]));
  const namesBefore = new Set(before.map((pod) => pod.name));
  const highest = new Map<string, PodSighting>();
  for (const pod of [...before, ...during, ...after]) {
    const seen = highest.get(pod.uid);
    if (seen === undefined || pod.restartCount > seen.restartCount) highest.set(pod.uid, pod);
  }
  let restartedInPlace = 0;
  const newUidsByName = new Map<string, number>();
  for (const pod of highest.values()) {
    restartedInPlace += pod.restartCount - (restartsBefore.get(pod.uid) ?? 0);
    if (!restartsBefore.has(pod.uid)) newUidsByName.set(pod.name, (newUidsByName.get(pod.name) ?? 0) + 1);
  }
  let recreated = 0;
  let added = 0;
  for (const [name, count] of newUidsByName) {
    if (namesBefore.has(name)) recreated += count;
    else {
      added += 1;
      recreated += count - 1;
    }
  }
  const namesAfter = new Set(after.map((pod) => pod.name));
  const removed = [...namesBefore].filter((name) => !namesAfter.has(name)).length;
  return { recreated, restartedInPlace, added, removed, total: recreated + restartedInPlace };
}
