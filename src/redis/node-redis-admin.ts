import { isIP } from 'node:net';
import { createClient, ErrorReply, TimeoutError } from '@redis/client';
import { configValueMatches } from './config-readback.js';
import type {
  AppliedConfig,
  DialGuard,
  FailoverOptions,
  FailoverOutcome,
  OpenRedisNodeSession,
  RedisAdmin,
  RedisAuth,
  RedisNodeAddress,
} from './redis-admin.js';
import { RedisOperationError, redact, type RedisErrorKind } from './redis-error.js';
import { parseReplicationInfo, type ReplicationInfo } from './replication-info.js';

export interface NodeRedisAdminOptions {
  /** Rules out addresses before any socket is opened. */
  readonly dialGuard: DialGuard;
  /** @default 2_000 */
  readonly connectTimeoutMs?: number;
  /** How long any one command may wait for its reply. @default 5_000 */
  readonly commandTimeoutMs?: number;
  /** Between two looks at a failover's progress. @default 20 */
  readonly failoverPollMs?: number;
}

// Directives whose values are secrets: never echoed in an error.
const SENSITIVE_DIRECTIVES: ReadonlySet<string> = new Set(['requirepass', 'masterauth', 'masteruser', 'tls-key-file-pass', 'tls-client-key-file-pass']);

// WRONGPASS (6.0+ with a password), NOAUTH (none given), ERR invalid password (the old AUTH path).
const AUTH_REPLY = /^(WRONGPASS|NOAUTH|NOPERM)|invalid password/i;

/**
 * How often a hand-over looks again (and asks the target to acknowledge) while it is under way:
 * writes are paused until it is seen done and the client Service moved, and it lasts
 * milliseconds, so a slower look would be most of the pause.
 */
const HAND_OVER_POLL_MS = 20;

type Client = ReturnType<typeof createClient<Record<string, never>, Record<string, never>, Record<string, never>, 2>>;

/** RedisAdmin over node-redis (`@redis/client`): one connection per session, no reconnects. */
export class NodeRedisAdmin implements RedisAdmin {
  private readonly connectTimeoutMs: number;
  private readonly commandTimeoutMs: number;
  private readonly failoverPollMs: number;

  constructor(private readonly options: NodeRedisAdminOptions) {
    this.connectTimeoutMs = options.connectTimeoutMs ?? 2_000;
    this.commandTimeoutMs = options.commandTimeoutMs ?? 5_000;
    this.failoverPollMs = options.failoverPollMs ?? HAND_OVER_POLL_MS;
  }

  /** Throws `dial-refused` unless the guard allows `address` and its host is an IP address. */
  checkDial(address: RedisNodeAddress): void {
    if (isIP(address.host) === 0) {
      throw new RedisOperationError('dial-refused', address, 'not an IP address (the operator dials pod IPs only, and resolves no names)');
    }
    const verdict = this.options.dialGuard(address);
    if (!verdict.allowed) throw new RedisOperationError('dial-refused', address, `not dialed: ${verdict.reason}`);
  }

  async open(address: RedisNodeAddress, auth?: RedisAuth): Promise<NodeRedisSession> {
    this.checkDial(address);
    const secrets = auth === undefined ? [] : [auth.password];
    const client: Client = createClient({
      socket: {
        host: address.host,
        port: address.port,
        connectTimeout: this.connectTimeoutMs,
        // A failed connection is reported, not retried behind the caller's back: the next
        // reconcile tries again with fresh state.
        reconnectStrategy: false,
        noDelay: true,
      },
      ...(auth === undefined ? {} : { password: auth.password, ...(auth.username === undefined ? {} : { username: auth.username }) }),
      RESP: 2,
      disableOfflineQueue: true,
      disableClientInfo: true,
      maintNotifications: 'disabled',
    });
    // node-redis reports socket errors as events too; without a listener Node would crash. The
    // promise that failed carries the same error to the caller.
    client.on('error', () => undefined);
    try {
      // node-redis bounds the TCP connect but not the handshake (AUTH) after it.
      await withinDeadline(client.connect(), this.connectTimeoutMs + this.commandTimeoutMs, () => client.destroy());
    } catch (error) {
      if (client.isOpen) client.destroy();
      throw toOperationError(error, address, secrets, 'connect');
    }
    return new NodeRedisSession(client, address, auth, secrets, this, this.commandTimeoutMs, this.failoverPollMs);
  }
}

class NodeRedisSession implements OpenRedisNodeSession {
  constructor(
    private readonly client: Client,
    readonly address: RedisNodeAddress,
    private readonly auth: RedisAuth | undefined,
    private readonly secrets: readonly string[],
    private readonly admin: NodeRedisAdmin,
    private readonly commandTimeoutMs: number,
    private readonly failoverPollMs: number,
  ) {}

  private async run<T>(command: string, send: () => Promise<T>, extraSecrets: readonly string[] = []): Promise<T> {
    try {
      // A server that did not answer in time gets no more commands queued behind the lost reply:
      // the connection is dropped, and the session fails from then on.
      return await withinDeadline(send(), this.commandTimeoutMs, () => this.client.destroy());
    } catch (error) {
      throw toOperationError(error, this.address, [...this.secrets, ...extraSecrets], command);
    }
  }

  async ping(): Promise<void> {
    await this.run('PING', () => this.client.ping());
  }

  async replicationInfo(): Promise<ReplicationInfo> {
    const text = await this.run('INFO replication', () => this.client.info('replication'));
    try {
      return parseReplicationInfo(text);
    } catch (error) {
      throw new RedisOperationError('command', this.address, (error as Error).message);
    }
  }

  async replicaOf(primary: RedisNodeAddress): Promise<void> {
    // Redis dials the primary itself; the same guard keeps it off unroutable addresses.
    this.admin.checkDial(primary);
    await this.run('REPLICAOF', () => this.client.replicaOf(primary.host, primary.port));
  }

  async promote(): Promise<void> {
    await this.run('REPLICAOF NO ONE', () => this.client.sendCommand(['REPLICAOF', 'NO', 'ONE']));
  }

  async failover(target: RedisNodeAddress, options: FailoverOptions): Promise<FailoverOutcome> {
    this.admin.checkDial(target);
    // While writes are paused, Redis waits for the target to acknowledge the last of them, and a
    // replica acknowledges on its own only once a second (the primary sends no GETACK while
    // paused): up to a second of no writes. Asked directly, the target acknowledges at once.
    // Best effort: without it the hand-over is only slower.
    const nudge = await this.admin.open(target, this.auth).catch(() => undefined);
    try {
      await this.run('FAILOVER', () => this.client.sendCommand(['FAILOVER', 'TO', target.host, String(target.port), 'TIMEOUT', String(options.timeoutMs)]));
      const deadline = Date.now() + options.timeoutMs + (options.settleMs ?? 5_000);
      for (;;) {
        nudge?.requestAcknowledgement();
        const info = await this.replicationInfo();
        if (info.failoverState === 'no-failover') {
          return info.role === 'replica' && info.primaryHost === target.host && info.primaryPort === target.port
            ? { kind: 'completed' }
            : { kind: 'aborted' };
        }
        if (Date.now() >= deadline) return { kind: 'undecided', state: info.failoverState };
        // The target may not have read the last writes when first asked: it is asked again.
        await new Promise((resolve) => setTimeout(resolve, Math.min(this.failoverPollMs, Math.max(0, deadline - Date.now()))));
      }
    } finally {
      await nudge?.close();
    }
  }

  /**
   * REPLCONF GETACK *: a replica sends its primary its offset now. Redis sends the asker no
   * reply, so nothing else may be sent on this session afterwards (a later reply would be taken
   * for this one's): it is only closed.
   */
  requestAcknowledgement(): void {
    this.client.sendCommand(['REPLCONF', 'GETACK', '*']).catch(() => undefined);
  }

  async abortFailover(): Promise<void> {
    await this.run('FAILOVER ABORT', () => this.client.sendCommand(['FAILOVER', 'ABORT']));
  }

  async disconnectClients(): Promise<number> {
    // SKIPME yes is the default: the operator's own connection stays open.
    const closed = await this.run('CLIENT KILL', () => this.client.sendCommand(['CLIENT', 'KILL', 'TYPE', 'normal']));
    return typeof closed === 'number' ? closed : 0;
  }

  async configSet(settings: Readonly<Record<string, string>>): Promise<readonly AppliedConfig[]> {
    const applied: AppliedConfig[] = [];
    for (const [name, requested] of Object.entries(settings)) {
      const sensitive = SENSITIVE_DIRECTIVES.has(name.toLowerCase());
      const secrets = requested === '' ? [] : [requested];
      await this.run(`CONFIG SET ${name}`, () => this.client.configSet(name, requested), sensitive ? secrets : []);
      const reply = await this.run(`CONFIG GET ${name}`, () => this.client.configGet(name), sensitive ? secrets : []);
      const observed = reply[name];
      if (observed === undefined || !configValueMatches(name, requested, observed)) {
        const shown = sensitive ? '' : `: set ${JSON.stringify(requested)}, reads back ${observed === undefined ? 'nothing' : JSON.stringify(observed)}`;
        throw new RedisOperationError('verification', this.address, redact(`CONFIG GET ${name} does not show the value CONFIG SET was given${shown}`, this.secrets));
      }
      applied.push({ name, requested, observed });
    }
    return applied;
  }

  async configGet(names: readonly string[]): Promise<Readonly<Record<string, string>>> {
    const values: Record<string, string> = {};
    // One name per command: 6.2 takes a single pattern, and a name is matched as a glob, so
    // only the exact key is kept.
    for (const name of names) {
      const reply = await this.run(`CONFIG GET ${name}`, () => this.client.configGet(name));
      const value = reply[name];
      if (value !== undefined) values[name] = value;
    }
    return values;
  }

  async close(): Promise<void> {
    if (this.client.isOpen) this.client.destroy();
  }
}

/** Raised when a reply does not come in time. */
class ReplyDeadlineExceeded extends Error {}

/**
 * `work`, or a ReplyDeadlineExceeded after `ms` (calling `onTimeout` first). node-redis's own
 * command timeout stops counting once a command is written, so a server that accepts commands
 * and never answers would hold the caller forever without this.
 */
async function withinDeadline<T>(work: Promise<T>, ms: number, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new ReplyDeadlineExceeded());
    }, ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function toOperationError(error: unknown, address: RedisNodeAddress, secrets: readonly string[], command: string): RedisOperationError {
  const text = redact(error instanceof Error ? error.message : String(error), secrets);
  // Anything but a reply or a command timeout (refused, reset, connect timeout, closed) means
  // the node could not be reached.
  let kind: RedisErrorKind = 'unreachable';
  if (error instanceof ErrorReply) kind = AUTH_REPLY.test(error.message) ? 'auth' : 'command';
  else if (error instanceof ReplyDeadlineExceeded || error instanceof TimeoutError) kind = 'timeout';
  const what = kind === 'timeout' ? `${command}: no reply in time` : kind === 'unreachable' ? `${command} failed: ${text}` : `${command}: ${text}`;
  return new RedisOperationError(kind, address, what);
}
