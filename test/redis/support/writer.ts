/**
 * A plain client writing through the client Service while a test changes the instance: one
 * connection, one SET after the other, and (like most applications) it keeps its connection
 * whatever Redis answers; only when the server closes it does it connect again, through the
 * Service. Every write is recorded with its outcome and when it ended, so a test can say which
 * keys were acknowledged and where the failures fell.
 */
import { createClient } from '@redis/client';

export interface WriteRecord {
  readonly key: string;
  /** Date.now() when the answer (or the failure) came. */
  readonly at: number;
  /** undefined: acknowledged. Otherwise the Redis error code (READONLY, ...) or `disconnected`/`timeout`. */
  readonly failure?: string;
}

export interface RunningWriter {
  readonly records: readonly WriteRecord[];
  /** Stops after the write in flight; resolves with every record. */
  stop(): Promise<readonly WriteRecord[]>;
}

const REPLY_DEADLINE_MS = 3_000;
const PAUSE_MS = 5;
/** A bound on the loop, whatever the test does: about ten minutes at the pace above. */
const MAX_WRITES = 120_000;

function failureOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return /^([A-Z][A-Z_]+)\b/.exec(message)?.[1] ?? (message.includes('deadline') ? 'timeout' : 'disconnected');
}

export async function startWriter(options: { host: string; port?: number; password?: string; prefix: string }): Promise<RunningWriter> {
  const client = createClient({
    socket: { host: options.host, port: options.port ?? 6379, connectTimeout: 2_000, reconnectStrategy: () => 100 },
    ...(options.password === undefined ? {} : { password: options.password }),
    // A command while disconnected fails at once instead of waiting in a queue.
    disableOfflineQueue: true,
  });
  client.on('error', () => undefined);
  await client.connect();
  const records: WriteRecord[] = [];
  let stopping = false;
  const loop = (async () => {
    for (let i = 0; i < MAX_WRITES && !stopping; i++) {
      const key = `${options.prefix}:${i}`;
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          client.set(key, String(i)),
          new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('no reply before the deadline')), REPLY_DEADLINE_MS); }),
        ]);
        records.push({ key, at: Date.now() });
      } catch (error) {
        records.push({ key, at: Date.now(), failure: failureOf(error) });
      } finally {
        clearTimeout(timer);
      }
      await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
    }
  })();
  return {
    records,
    async stop() {
      stopping = true;
      await loop;
      if (client.isOpen) client.destroy();
      return records;
    },
  };
}

/** Runs of consecutive failed writes, each as its first and last record. */
export function failureBursts(records: readonly WriteRecord[]): Array<{ first: WriteRecord; last: WriteRecord; count: number; kinds: string[] }> {
  const bursts: Array<{ first: WriteRecord; last: WriteRecord; count: number; kinds: string[] }> = [];
  let current: { first: WriteRecord; last: WriteRecord; count: number; kinds: Set<string> } | undefined;
  for (const record of records) {
    if (record.failure === undefined) {
      if (current) bursts.push({ ...current, kinds: [...current.kinds].sort() });
      current = undefined;
    } else if (current) {
      current.last = record;
      current.count++;
      current.kinds.add(record.failure);
    } else {
      current = { first: record, last: record, count: 1, kinds: new Set([record.failure]) };
    }
  }
  if (current) bursts.push({ ...current, kinds: [...current.kinds].sort() });
  return bursts;
}
