/**
 * A light, periodic look at each replicated instance's primary, for what no Kubernetes event
 * reports: Redis that hangs or is cut off while its pod stays Ready, a primary demoted behind
 * the operator's back, a replica's link dropping. Every period it opens one connection to each
 * watched primary, reads INFO replication, closes it, and wakes the instance's reconcile when
 * the answer is missing or differs from what the last reconcile saw. It decides nothing itself:
 * the reconcile looks at everything again and does what the level says.
 */
import type { Logger } from '../observability/logger.js';
import { withRedisNode, type RedisAdmin, type RedisAuth, type RedisNodeAddress } from '../redis/redis-admin.js';
import type { ReplicationInfo } from '../redis/replication-info.js';

/**
 * Two seconds: with the default failover delay of 5 s a hung primary is replaced within about
 * 7 s plus the reply timeout, and a check costs one short connection per replicated instance,
 * which even a hundred instances make light (50 connections a second, none left open).
 */
export const PRIMARY_CHECK_PERIOD_MS = 2_000;

/** What the last reconcile saw of the primary, to compare the next look with. */
export interface WatchedPrimary {
  readonly address: RedisNodeAddress;
  readonly auth: RedisAuth | undefined;
  /** `replicationSignature` of the primary's INFO replication. */
  readonly signature: string;
}

/**
 * The parts of INFO replication whose change is worth a reconcile: the role and which replicas
 * stream (offsets move with every write and would wake the instance for nothing).
 */
export function replicationSignature(info: ReplicationInfo): string {
  const replicas = info.connectedReplicas.map((r) => `${r.host}:${r.port}=${r.state}`).sort();
  return `${info.role};${replicas.join(',')}`;
}

export class PrimaryMonitor {
  private readonly watched = new Map<string, WatchedPrimary>();
  private timer: NodeJS.Timeout | undefined;
  private checking = false;

  constructor(
    private readonly redis: RedisAdmin,
    private readonly logger: Logger,
    private readonly periodMs: number = PRIMARY_CHECK_PERIOD_MS,
  ) {}

  /** Looks at this instance's primary from now on (or with new facts). */
  watch(key: string, primary: WatchedPrimary): void {
    this.watched.set(key, primary);
  }

  forget(key: string): void {
    this.watched.delete(key);
  }

  /** How many instances are watched (for tests and metrics). */
  get size(): number {
    return this.watched.size;
  }

  /** Checks every period, calling `wake` with the key of each instance whose primary changed. */
  start(wake: (key: string) => void): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.checkAll(wake), this.periodMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.watched.clear();
  }

  /** One round; a round still running when the next is due is not overlapped. */
  async checkAll(wake: (key: string) => void): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      await Promise.all([...this.watched].map(async ([key, primary]) => {
        if (!(await this.unchanged(primary))) {
          // Forgotten until the reconcile has looked: it registers the primary again.
          if (this.watched.get(key) === primary) this.watched.delete(key);
          wake(key);
        }
      }));
    } finally {
      this.checking = false;
    }
  }

  private async unchanged(primary: WatchedPrimary): Promise<boolean> {
    try {
      const info = await withRedisNode(this.redis, primary.address, primary.auth, (node) => node.replicationInfo());
      return replicationSignature(info) === primary.signature;
    } catch (error) {
      this.logger.debug('Primary check failed', { address: `${primary.address.host}:${primary.address.port}`, reason: (error as Error).message });
      return false;
    }
  }
}
