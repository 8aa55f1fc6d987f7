/**
 * The operator's only way to speak to Redis (see docs/redis-aware-ha.md). The container injects
 * an implementation (TOKENS.RedisAdmin): NodeRedisAdmin in the operator, the fake in
 * test/support/fake-redis.ts in pure unit tests of strategies.
 */
import type { ReplicationInfo } from './replication-info.js';

/** A Redis node as the operator dials it: a pod IP (never a name, so nothing is resolved) and port. */
export interface RedisNodeAddress {
  readonly host: string;
  readonly port: number;
}

/** Credentials from the instance's auth Secret. */
export interface RedisAuth {
  readonly password: string;
  /** @default the `default` user */
  readonly username?: string;
}

export type DialVerdict = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

/**
 * Decides whether the operator may open a connection to an address, or tell Redis to connect to
 * it (REPLICAOF, FAILOVER TO). The operator passes one that allows only pods on real nodes:
 * pods on simulated nodes have addresses that exist on no interface, and dialing them would
 * only hang until a timeout.
 */
export type DialGuard = (address: RedisNodeAddress) => DialVerdict;

/** The outcome of a coordinated FAILOVER, as the old primary reports it. */
export type FailoverOutcome =
  /** The old primary now replicates from the target: the target took over. */
  | { readonly kind: 'completed' }
  /** The old primary is primary again: the target did not catch up within the timeout or could
   * not be reached. Nothing was lost; writes resumed on the old primary. */
  | { readonly kind: 'aborted' }
  /** Still in progress when the wait ended; `state` is Redis's `master_failover_state`. */
  | { readonly kind: 'undecided'; readonly state: string };

export interface FailoverOptions {
  /** How long the primary may pause writes waiting for the target to catch up (FAILOVER's
   * TIMEOUT). Past it Redis aborts the failover rather than lose writes. */
  readonly timeoutMs: number;
  /** How long to wait for the outcome beyond `timeoutMs`. @default 5_000 */
  readonly settleMs?: number;
}

/** One applied directive: what CONFIG SET was given and what CONFIG GET then showed. */
export interface AppliedConfig {
  readonly name: string;
  readonly requested: string;
  readonly observed: string;
}

/**
 * One open connection to one node. Every command has a bounded reply timeout; a failure is a
 * RedisOperationError.
 */
export interface RedisNodeSession {
  readonly address: RedisNodeAddress;
  ping(): Promise<void>;
  /** INFO replication, parsed. */
  replicationInfo(): Promise<ReplicationInfo>;
  /** REPLICAOF host port: the node drops its data and follows `primary`. */
  replicaOf(primary: RedisNodeAddress): Promise<void>;
  /** REPLICAOF NO ONE: the node stops following and takes writes. */
  promote(): Promise<void>;
  /**
   * FAILOVER TO host port TIMEOUT ms on the current primary, then waits for the outcome. Redis
   * pauses writes until `target` (a connected replica) has every write, then swaps roles; no
   * acknowledged write is lost. Never FORCE: past the timeout Redis aborts instead.
   */
  failover(target: RedisNodeAddress, options: FailoverOptions): Promise<FailoverOutcome>;
  /** FAILOVER ABORT. */
  abortFailover(): Promise<void>;
  /**
   * CLIENT KILL TYPE normal: closes every ordinary client connection but this session's own
   * (replicas and pub/sub clients stay). After the primary moved, clients that kept their TCP
   * connection to the old one would get READONLY for good; closed, they reconnect through the
   * client Service to the new one. Returns how many were closed.
   */
  disconnectClients(): Promise<number>;
  /**
   * CONFIG SET for each directive (one command each, which every version accepts), then CONFIG
   * GET to check that the server holds what it was given (modulo the server's own spelling:
   * `100mb` reads back as `104857600`). Throws a `verification` error naming the directive when
   * it does not. The values of sensitive directives never appear in errors.
   */
  configSet(settings: Readonly<Record<string, string>>): Promise<readonly AppliedConfig[]>;
  /** CONFIG GET for each name; a name the server does not know is absent from the result. */
  configGet(names: readonly string[]): Promise<Readonly<Record<string, string>>>;
}

/** A session as `open` returns it: whoever opened it closes it. */
export interface OpenRedisNodeSession extends RedisNodeSession {
  close(): Promise<void>;
}

export interface RedisAdmin {
  /**
   * Connects (after the dial guard allowed the address) and authenticates. The caller must close
   * the session; `withRedisNode` does that.
   */
  open(address: RedisNodeAddress, auth?: RedisAuth): Promise<OpenRedisNodeSession>;
}

/**
 * Runs one batch of commands on one node over one connection, closed afterwards whatever
 * happens. The operator holds no connection to an idle instance: a reconcile opens what it
 * needs and closes it before it returns.
 */
export async function withRedisNode<T>(
  admin: RedisAdmin,
  address: RedisNodeAddress,
  auth: RedisAuth | undefined,
  work: (node: RedisNodeSession) => Promise<T>,
): Promise<T> {
  const session = await admin.open(address, auth);
  try {
    return await work(session);
  } finally {
    await session.close();
  }
}
