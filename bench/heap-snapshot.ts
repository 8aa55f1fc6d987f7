/**
 * A heap snapshot summed up by what holds the memory, as the Summary view of Chrome's DevTools
 * does: self size per constructor for objects (Object, Array, Map, a class), per kind for the
 * rest (string, code, closure, hidden), largest first.
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  readonly snapshot: { readonly meta: { readonly node_fields: string[]; readonly node_types: [string[], ...unknown[]] } };
  readonly nodes: number[];
  readonly strings: string[];
}

export interface HeapType {
  readonly type: string;
  readonly count: number;
  readonly bytes: number;
}

export interface HeapSummary {
  readonly totalBytes: number;
  readonly types: readonly HeapType[];
}

export function summarizeHeapSnapshot(file: string): HeapSummary {
  const snapshot = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = snapshot.snapshot.meta.node_fields;
  const typeNames = snapshot.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const byType = new Map<string, { count: number; bytes: number }>();
  let totalBytes = 0;
  for (let i = 0; i < snapshot.nodes.length; i += width) {
    const kind = typeNames[snapshot.nodes[i + typeAt]!]!;
    const bytes = snapshot.nodes[i + sizeAt]!;
    const key = kind === 'object' ? snapshot.strings[snapshot.nodes[i + nameAt]!]! : `(${kind})`;
    const entry = byType.get(key) ?? { count: 0, bytes: 0 };
    entry.count++;
    entry.bytes += bytes;
    byType.set(key, entry);
    totalBytes += bytes;
  }
  const types = [...byType].map(([type, { count, bytes }]) => ({ type, count, bytes })).sort((a, b) => b.bytes - a.bytes);
  return { totalBytes, types };
}
