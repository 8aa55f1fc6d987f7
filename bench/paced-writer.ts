/**
 * A client as a typical application writes: one connection, SETs at a steady rate without
 * waiting for the previous answer, a deadline on each, and on any error (refused, closed,
 * READONLY, deadline) the connection is dropped and a new one opened, with a short backoff.
 * Every acknowledged key is recorded, so that what the primary holds afterwards can be checked.
 */
import { createClient, type RedisClientType } from '@redis/client';
import type { AcknowledgedWrite } from './availability-figures.js';

export interface PacedWriterOptions {
  readonly host: string;
  readonly port: number;
  readonly password?: string;
  /** SETs per second. */
  readonly rate: number;
  /** Keys are `PREFIX:N`, values `N`. */
  readonly keyPrefix: string;
  /** A SET not answered by then counts as failed and the connection is dropped. @default 2_000 */
  readonly commandTimeoutMs?: number;
  /** The writer stops by itself after this long, whatever happens. */
  readonly maxDurationMs: number;
}

export interface TimedWrite extends AcknowledgedWrite {
  /** performance.now() when the acknowledgement arrived. */
  readonly at: number;
}

export interface WriterRecord {
  /** performance.now() at the first attempt and after the last answer. */
  readonly startedAt: number;
  readonly stoppedAt: number;
  readonly attempts: number;
  readonly acknowledged: readonly TimedWrite[];
  readonly failed: number;
  /** Failures by cause (the Redis error code, the socket error code, `timeout`, `not connected`). */
  readonly failures: Readonly<Record<string, number>>;
  /** Connections opened after the first. */
  readonly reconnects: number;
  /** Ticks not sent because the event loop fell behind by more than a burst. */
  readonly skipped: number;
  /** Failures and connections opened, in order (the first MAX_EVENTS). */
  readonly events: readonly WriterEvent[];
}

export interface WriterEvent {
  /** performance.now() when it happened. */
  readonly at: number;
  /** A failure's cause, or `connected` when a connection opened. */
  readonly what: string;
}

const CONNECT_TIMEOUT_MS = 1_000;
const BACKOFF_FIRST_MS = 50;
const BACKOFF_MAX_MS = 500;
/** The most SETs sent at once to catch up after the event loop was late. */
const MAX_BURST = 100;
/** Beyond this many unanswered SETs a new one fails at once instead of queueing. */
const MAX_IN_FLIGHT = 2_000;
/** About ten seconds of tries with the backoff above. */
const FIRST_CONNECT_ATTEMPTS = 25;
/** Bounds the timeline: a run of 10 minutes of failures at 200 a second is 120,000. */
const MAX_EVENTS = 20_000;

type Redis = RedisClientType;

function causeOf(error: unknown): string {
  if (error instanceof DeadlineError) return 'timeout';
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  const message = error instanceof Error ? error.message : String(error);
  // Redis replies start with their error code: READONLY, LOADING, MASTERDOWN, NOAUTH, ...
  const word = /^([A-Z][A-Z_]+)\b/.exec(message)?.[1];
  return word ?? (error instanceof Error ? error.name : 'error');
}

class DeadlineError extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = 'DeadlineError';
  }
}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  promise.catch(() => undefined);
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new DeadlineError(ms)), ms); }),
  ]).finally(() => clearTimeout(timer));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class PacedWriter {
  private client: Redis | undefined;
  private connecting: Promise<void> | undefined;
  private connections = 0;
  private stopped = false;
  private inFlight = new Set<Promise<void>>();
  private readonly acknowledged: TimedWrite[] = [];
  private readonly failures: Record<string, number> = {};
  private readonly events: WriterEvent[] = [];
  private failed = 0;
  private attempts = 0;
  private skipped = 0;
  private startedAt = 0;
  private loop: Promise<void> = Promise.resolve();
  private readonly timeoutMs: number;

  private constructor(private readonly options: PacedWriterOptions) {
    if (!(options.rate > 0)) throw new RangeError(`the rate must be positive, got ${options.rate}`);
    this.timeoutMs = options.commandTimeoutMs ?? 2_000;
  }

  /**
   * Connects, then starts writing: the window opens on a working connection, so the time to
   * open the first one is no part of any gap. Throws when no connection opens within the
   * first connect's bound.
   */
  static async start(options: PacedWriterOptions): Promise<PacedWriter> {
    const writer = new PacedWriter(options);
    await writer.connect(FIRST_CONNECT_ATTEMPTS);
    if (writer.client === undefined) throw new Error(`the writer could not connect to ${options.host}:${options.port}`);
    writer.loop = writer.run();
    return writer;
  }

  /** performance.now() of the latest acknowledgement, if any. */
  get lastAcknowledgedAt(): number | undefined {
    return this.acknowledged.at(-1)?.at;
  }

  /** Stops sending, waits for the answers still due (at most the deadline) and closes the connection. */
  async stop(): Promise<WriterRecord> {
    this.stopped = true;
    await this.loop;
    await Promise.all(this.inFlight);
    const stoppedAt = performance.now();
    await this.connecting;
    this.drop(this.client);
    return {
      startedAt: this.startedAt,
      stoppedAt,
      attempts: this.attempts,
      acknowledged: [...this.acknowledged],
      failed: this.failed,
      failures: { ...this.failures },
      reconnects: Math.max(0, this.connections - 1),
      skipped: this.skipped,
      events: [...this.events],
    };
  }

  private async run(): Promise<void> {
    const interval = 1000 / this.options.rate;
    this.startedAt = performance.now();
    const deadline = this.startedAt + this.options.maxDurationMs;
    let sent = 0;
    while (!this.stopped && performance.now() < deadline) {
      const due = Math.floor((performance.now() - this.startedAt) / interval) + 1;
      if (due - sent > MAX_BURST) {
        this.skipped += due - sent - MAX_BURST;
        sent = due - MAX_BURST;
      }
      while (sent < due) this.attempt(++sent);
      await sleep(Math.max(0, this.startedAt + sent * interval - performance.now()));
    }
    this.stopped = true;
  }

  private attempt(seq: number): void {
    this.attempts++;
    const client = this.client;
    if (client === undefined || !client.isReady) {
      this.fail('not connected');
      this.drop(client);
      this.ensureConnecting();
      return;
    }
    if (this.inFlight.size >= MAX_IN_FLIGHT) {
      this.fail('too many in flight');
      return;
    }
    const write = { key: `${this.options.keyPrefix}:${seq}`, value: String(seq) };
    const pending = withDeadline(client.set(write.key, write.value), this.timeoutMs).then(
      () => { this.acknowledged.push({ ...write, at: performance.now() }); },
      (error: unknown) => {
        this.fail(causeOf(error));
        this.drop(client);
        this.ensureConnecting();
      },
    );
    this.inFlight.add(pending);
    void pending.finally(() => this.inFlight.delete(pending));
  }

  private fail(cause: string): void {
    this.failed++;
    this.failures[cause] = (this.failures[cause] ?? 0) + 1;
    this.note(cause);
  }

  private note(what: string): void {
    if (this.events.length < MAX_EVENTS) this.events.push({ at: performance.now(), what });
  }

  /** Forgets a connection (once): its unanswered SETs fail, the next tick opens another. */
  private drop(client: Redis | undefined): void {
    if (client === undefined) return;
    if (this.client === client) this.client = undefined;
    if (client.isOpen) client.destroy();
  }

  private ensureConnecting(): void {
    if (this.connecting !== undefined || this.client !== undefined || this.stopped) return;
    this.connecting = this.connect().finally(() => { this.connecting = undefined; });
  }

  /** Opens a connection, retrying with a backoff; later ones try until the writer stops. */
  private async connect(attempts = Number.POSITIVE_INFINITY): Promise<void> {
    for (let failures = 0; !this.stopped && failures < attempts; failures++) {
      if (failures > 0) await sleep(Math.min(BACKOFF_FIRST_MS * 2 ** (failures - 1), BACKOFF_MAX_MS));
      if (this.stopped) return;
      const client: Redis = createClient({
        socket: { host: this.options.host, port: this.options.port, connectTimeout: CONNECT_TIMEOUT_MS, reconnectStrategy: false },
        ...(this.options.password === undefined ? {} : { password: this.options.password }),
        // Writes while there is no connection fail at once rather than queue: each is counted.
        disableOfflineQueue: true,
      });
      // Failures surface through the SETs (or the connect) that hit them.
      client.on('error', () => undefined);
      try {
        await withDeadline(client.connect(), CONNECT_TIMEOUT_MS * 2);
        this.connections++;
        this.note('connected');
        if (this.stopped) client.destroy();
        else this.client = client;
        return;
      } catch {
        if (client.isOpen) client.destroy();
      }
    }
  }
}
