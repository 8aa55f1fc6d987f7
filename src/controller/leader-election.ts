/**
 * Leader election on a `coordination.k8s.io/v1` Lease, in the manner of client-go's
 * leaderelection package, so two operator replicas never reconcile at once.
 *
 * Safety rests on two clocks never being compared: a follower never trusts the `renewTime` in
 * the Lease (another machine's clock) but counts the lease duration from the moment *it* saw the
 * record last change; and the leader gives up as soon as `renewDeadline` (shorter than the lease
 * duration) has passed since it *sent* its last successful renew. So the old leader stops
 * believing it leads before any follower may take over, however the network fails. All writes go
 * through resourceVersion-guarded create/replace: on 409 someone else wrote first and we lost
 * the race.
 *
 * Both durations are measured on a monotonic clock. The wall clock jumps (NTP corrections, a VM
 * resumed, someone setting the date): a follower whose wall clock stepped forward would count
 * the lease as expired while the leader is still renewing it, and both would lead. Wall time is
 * written only into the Lease's `acquireTime` and `renewTime`, for people and kubectl.
 */
import { ApiError } from '../client/api-error.js';
import type { KubeClient } from '../client/kube-client.js';
import type { KubeObject } from '../client/objects.js';
import { Resources } from '../client/resources.js';
import { runWithSignal } from '../client/request-signal.js';
import type { Logger } from '../observability/logger.js';
import { abortableSleep } from './abortable-sleep.js';

/** The calls an elector makes; a KubeClient satisfies it. */
export type LeaseClient = Pick<KubeClient, 'get' | 'create' | 'replace'>;

export interface LeaseSpec {
  readonly holderIdentity?: string | null;
  readonly leaseDurationSeconds?: number;
  readonly acquireTime?: string | null;
  readonly renewTime?: string | null;
  readonly leaseTransitions?: number;
}

export interface Lease extends KubeObject {
  readonly spec?: LeaseSpec;
}

/** The two clocks an elector reads; injectable so that tests can step one of them. */
export interface ElectionClock {
  /** Milliseconds on a clock that never jumps (performance.now()): every expiry and deadline. */
  monotonicMs(): number;
  /** Wall time: only what the Lease records in `acquireTime` and `renewTime`. */
  wallTime(): Date;
}

export const systemClock: ElectionClock = {
  monotonicMs: () => performance.now(),
  wallTime: () => new Date(),
};

export interface LeaderElectionOptions {
  readonly namespace: string;
  /** The Lease's name, shared by every replica. */
  readonly name: string;
  /** This replica's identity (pod name plus a random suffix): unique among replicas. */
  readonly identity: string;
  /** How long followers wait after the last renew they saw before taking over. @default 15_000 */
  readonly leaseDurationMs?: number;
  /** The leader steps down when it could not renew for this long. @default 10_000 */
  readonly renewDeadlineMs?: number;
  /** Time between attempts to acquire or renew. @default 2_000 */
  readonly retryPeriodMs?: number;
  /** @default systemClock */
  readonly clock?: ElectionClock;
}

export class LeaderElectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LeaderElectionError';
  }
}

/** Why leadership ended without stop() or release() being called. */
export type LeadershipLossReason = 'renew-deadline-exceeded' | 'lease-taken';

export class LeaderElector {
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly clock: ElectionClock;
  private leading = false;
  private stopped = false;
  /** Aborted by stop() and by a loss: cuts the elector's sleeps and its requests in flight. */
  private readonly halt = new AbortController();
  /** The Lease as we last wrote or read it (its resourceVersion guards the next write). */
  private lease: Lease | undefined;
  /** When this replica saw the Lease record last change, on its monotonic clock. */
  private observedAt = 0;
  private observedRecord = '';
  private observedSpec: LeaseSpec | undefined;
  private renewLoop: Promise<void> | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private readonly lossListeners: Array<(reason: LeadershipLossReason) => void> = [];

  constructor(
    private readonly client: LeaseClient,
    private readonly logger: Logger,
    private readonly options: LeaderElectionOptions,
  ) {
    this.leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
    this.clock = options.clock ?? systemClock;
    if (this.renewDeadlineMs >= this.leaseDurationMs) {
      throw new LeaderElectionError('renewDeadlineMs must be shorter than leaseDurationMs, or two replicas could both lead');
    }
    if (this.retryPeriodMs >= this.renewDeadlineMs) {
      throw new LeaderElectionError('retryPeriodMs must be shorter than renewDeadlineMs, or the leader never gets a second try');
    }
  }

  get identity(): string {
    return this.options.identity;
  }

  /** True from the moment leadership is acquired until it is lost, stopped or released. */
  get isLeader(): boolean {
    return this.leading;
  }

  /**
   * Called once when leadership ends for any reason other than release() or stop(): the caller
   * must stop acting at once (the usual reaction is to exit and let the pod restart, as
   * controller-runtime does).
   */
  onLost(listener: (reason: LeadershipLossReason) => void): void {
    this.lossListeners.push(listener);
  }

  /**
   * Tries every retry period until this replica leads; resolves true then (and keeps renewing in
   * the background), or false if stop()/release() came first.
   */
  run(): Promise<boolean> {
    // Every request of the campaign and of the renew loop it starts is cut by stop() or a loss:
    // a renew sent after the deadline passed would hold the Lease for a replica that no longer
    // acts, and a request hanging on an unreachable API server must not delay a stop.
    return runWithSignal(this.halt.signal, () => this.campaign());
  }

  private async campaign(): Promise<boolean> {
    this.logger.info('Waiting for leadership', { lease: this.options.name, namespace: this.options.namespace, identity: this.identity });
    while (!this.stopped) {
      const attemptStarted = this.clock.monotonicMs();
      let acquired = false;
      try {
        acquired = await this.tryAcquireOrRenew();
      } catch (error) {
        this.logger.warn('Leader election attempt failed', { lease: this.options.name, reason: errorMessage(error) });
      }
      if (this.stopped) break;
      if (acquired) {
        this.becomeLeader(attemptStarted);
        return true;
      }
      await this.sleep(this.nextAttemptDelay());
    }
    return false;
  }

  /** Stops renewing without touching the Lease (followers take over when it expires). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.halt.abort(new Error('leader election stopped'));
    const wasLeading = this.leading;
    this.leading = false;
    clearTimeout(this.deadlineTimer);
    await this.renewLoop;
    if (wasLeading) this.logger.info('Stopped leading', { lease: this.options.name, identity: this.identity, reason: 'stopped' });
  }

  /**
   * Stops, and if this replica still holds the Lease, clears the holder so another replica
   * takes over at its next retry instead of waiting out the lease duration.
   */
  async release(): Promise<void> {
    const held = this.leading;
    await this.stop();
    if (!held || !this.lease) return;
    try {
      const current = await this.client.get<Lease>(Resources.lease, this.options.name, this.options.namespace);
      if (!current || current.spec?.holderIdentity !== this.identity) return;
      const now = microTime(this.clock.wallTime());
      await this.client.replace<Lease>(Resources.lease, {
        ...current,
        spec: { ...current.spec, holderIdentity: null, leaseDurationSeconds: 1, renewTime: now, acquireTime: now },
      });
      this.logger.info('Released leadership', { lease: this.options.name, identity: this.identity });
    } catch (error) {
      // Followers take over when the lease expires; the release only makes it faster.
      this.logger.warn('Could not release the lease', { lease: this.options.name, reason: errorMessage(error) });
    }
  }

  private becomeLeader(renewSentAt: number): void {
    this.leading = true;
    this.armDeadline(renewSentAt);
    this.logger.info('Became leader', { lease: this.options.name, namespace: this.options.namespace, identity: this.identity });
    this.renewLoop = this.renew();
  }

  private async renew(): Promise<void> {
    while (this.leading && !this.stopped) {
      await this.sleep(this.retryPeriodMs);
      if (!this.leading || this.stopped) return;
      const sentAt = this.clock.monotonicMs();
      try {
        if (await this.tryAcquireOrRenew()) {
          if (this.leading) this.armDeadline(sentAt);
          continue;
        }
        this.lose('lease-taken');
        return;
      } catch (error) {
        // Keep trying until the deadline timer says otherwise.
        this.logger.warn('Could not renew the lease', { lease: this.options.name, reason: errorMessage(error) });
      }
    }
  }

  /** Leadership ends by itself `renewDeadline` after the last successful renew was sent. */
  private armDeadline(renewSentAt: number): void {
    clearTimeout(this.deadlineTimer);
    const remaining = renewSentAt + this.renewDeadlineMs - this.clock.monotonicMs();
    this.deadlineTimer = setTimeout(() => this.lose('renew-deadline-exceeded'), Math.max(0, remaining));
  }

  /** A loss ends this elector for good, as in client-go: the replica exits and starts afresh. */
  private lose(reason: LeadershipLossReason): void {
    if (!this.leading) return;
    this.leading = false;
    this.stopped = true;
    clearTimeout(this.deadlineTimer);
    this.halt.abort(new Error(`leadership lost (${reason})`));
    this.logger.warn('Lost leadership', { lease: this.options.name, identity: this.identity, reason });
    for (const listener of this.lossListeners) listener(reason);
  }

  /**
   * One attempt: true when this replica holds the Lease afterwards. Creates the Lease when
   * absent; takes it when it is free (released) or expired by our own clock; renews it when it
   * is ours. A 409 means another replica wrote first.
   */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.clock.wallTime();
    const current = await this.client.get<Lease>(Resources.lease, this.options.name, this.options.namespace);
    if (!current) {
      try {
        this.lease = await this.client.create<Lease>(Resources.lease, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: this.options.name, namespace: this.options.namespace },
          spec: this.record(now, now, 0),
        });
        this.observe(this.lease);
        return true;
      } catch (error) {
        if (error instanceof ApiError && error.isConflict) return false;
        throw error;
      }
    }
    this.observe(current);
    const spec = current.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const ours = holder === this.identity;
    if (!ours && holder !== '' && !this.expired(spec)) return false;
    if (!ours && this.leading) return false;

    const acquireTime = ours && spec.acquireTime ? spec.acquireTime : microTime(now);
    const transitions = (spec.leaseTransitions ?? 0) + (ours ? 0 : 1);
    try {
      this.lease = await this.client.replace<Lease>(Resources.lease, {
        ...current,
        spec: { ...spec, ...this.record(now, acquireTime, transitions) },
      });
      this.observe(this.lease);
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.isConflict) return false;
      throw error;
    }
  }

  private record(now: Date, acquireTime: Date | string, leaseTransitions: number): LeaseSpec {
    return {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1000),
      acquireTime: typeof acquireTime === 'string' ? acquireTime : microTime(acquireTime),
      renewTime: microTime(now),
      leaseTransitions,
    };
  }

  /** Notes when the record last changed, on this replica's monotonic clock. */
  private observe(lease: Lease): void {
    const record = JSON.stringify(lease.spec ?? {});
    if (record !== this.observedRecord) {
      this.observedRecord = record;
      this.observedSpec = lease.spec;
      this.observedAt = this.clock.monotonicMs();
    }
  }

  private expired(spec: LeaseSpec): boolean {
    const durationMs = (spec.leaseDurationSeconds ?? Math.ceil(this.leaseDurationMs / 1000)) * 1000;
    return this.clock.monotonicMs() >= this.observedAt + durationMs;
  }

  /** The retry period, or sooner when the holder's lease runs out before then. */
  private nextAttemptDelay(): number {
    const spec = this.observedSpec;
    if (!spec?.holderIdentity) return this.retryPeriodMs;
    const durationMs = (spec.leaseDurationSeconds ?? Math.ceil(this.leaseDurationMs / 1000)) * 1000;
    const untilExpiry = this.observedAt + durationMs - this.clock.monotonicMs();
    return Math.max(10, Math.min(this.retryPeriodMs, untilExpiry + 10));
  }

  private sleep(ms: number): Promise<void> {
    return abortableSleep(ms, this.halt.signal);
  }
}

/** metav1.MicroTime: RFC 3339 with exactly six fractional digits, as the API server expects. */
function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
