import type { AvailabilityReport, ClassResult } from './availability.js';

const HEADER = ['change', 'longest gap', 'failed ops', 'acked / sent', 'lost', 'pods restarted', 'StatefulSet', 'at rest after'] as const;

function restarts(result: Extract<ClassResult, { kind: 'measured' }>): string {
  const { recreated, restartedInPlace, added, removed, total } = result.pods;
  const parts = [
    recreated > 0 ? `${recreated} recreated` : '',
    restartedInPlace > 0 ? `${restartedInPlace} in place` : '',
    added > 0 ? `+${added} new` : '',
    removed > 0 ? `-${removed} removed` : '',
  ].filter(Boolean);
  return parts.length > 0 ? `${total} (${parts.join(', ')})` : String(total);
}

function row(result: ClassResult): string[] {
  if (result.kind === 'not-supported') return [result.title, 'not supported by this operator'];
  if (result.kind === 'skipped') return [result.title, `skipped: ${result.reason}`];
  return [
    result.title,
    `${result.longestGapMs} ms`,
    String(result.failedOperations),
    `${result.acknowledged} / ${result.attempts}`,
    String(result.lost),
    restarts(result),
    result.statefulSetRecreated ? 'recreated' : 'kept',
    `${(result.readyAfterMs / 1000).toFixed(1)} s${result.settled ? '' : ' (not at rest)'}`,
  ];
}

/** The report as a plain-text table, with what the figures depend on above it and notes below. */
export function availabilityTable(report: AvailabilityReport): string {
  const rows = [[...HEADER], ...report.classes.map(row)];
  const widths = HEADER.map((_, column) => Math.max(...rows.filter((cells) => cells.length === HEADER.length).map((cells) => cells[column]!.length)));
  const render = (cells: string[]) => (cells.length === HEADER.length
    ? cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ')
    : `${cells[0]!.padEnd(widths[0]!)}  ${cells.slice(1).join(' ')}`);
  const load = (values: readonly number[]) => values.map((value) => value.toFixed(2)).join(' ');
  const notes = report.classes.flatMap((result) => (result.kind === 'measured'
    ? [
        ...result.notes.map((note) => `${result.title}: ${note}`),
        ...(result.lost > 0 ? [`${result.title}: lost ${result.lostSample.join(' ')}${result.lost > result.lostSample.length ? ' ...' : ''}`] : []),
      ]
    : []));
  return [
    `operator at ${report.commit.slice(0, 12) || 'an unknown commit'}${report.uncommittedChanges ? ' (with uncommitted changes)' : ''}; ${report.rate} SETs/s ${report.writer}`,
    `load average ${load(report.loadAverage.start)} at the start, ${load(report.loadAverage.end)} at the end; ${report.durationS} s in all`,
    '',
    ...rows.map(render),
    ...(notes.length > 0 ? ['', ...notes] : []),
  ].join('\n');
}
