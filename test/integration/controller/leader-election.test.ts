import { afterEach, describe, expect, it, vi } from 'vitest';
import { KubeClient } from '../../../src/client/kube-client.js';
import { Resources } from '../../../src/client/resources.js';
import {
  LeaderElector, type ElectionClock, type Lease, type LeaderElectionOptions, type LeadershipLossReason,
} from '../../../src/controller/leader-election.js';
import { createLogger } from '../../../src/observability/logger.js';
import { freshNamespace } from '../../cluster/namespace.js';
import { pollResult, waitFor } from '../../cluster/wait.js';
import { TcpProxy, kubeConfigThroughProxy, serverAddress } from '../../support/tcp-proxy.js';

const logger = createLogger({ silent: true });
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Short timings so hand-overs take seconds, with the same ratios as the defaults' spirit. */
const FAST = { leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 250 };

function elector(client: KubeClient, namespace: string, identity: string, timings: Partial<LeaderElectionOptions> = FAST): LeaderElector {
  const created = new LeaderElector(client, logger, { namespace, name: 'redis-operator', identity, ...timings });
  cleanups.push(() => created.stop());
  return created;
}

/**
 * Samples every few milliseconds, for the whole test, whether more than one elector believes it
 * leads: the property leader election exists for.
 */
function watchForSplitBrain(electors: LeaderElector[]): { readonly violations: string[]; readonly samples: () => number } {
  const violations: string[] = [];
  let samples = 0;
  const timer = setInterval(() => {
    samples++;
    const leaders = electors.filter((candidate) => candidate.isLeader).map((candidate) => candidate.identity);
    if (leaders.length > 1) violations.push(`${new Date().toISOString()}: ${leaders.join(', ')}`);
  }, 5);
  cleanups.push(async () => clearInterval(timer));
  return { violations, samples: () => samples };
}

function leaderAmong(electors: LeaderElector[], timeoutMs: number, description: string): Promise<LeaderElector> {
  return waitFor(async () => pollResult(electors.find((candidate) => candidate.isLeader)), { description, timeoutMs, intervalMs: 10 });
}

/**
 * The leader renews once a second and the follower looks ten times a second, so the follower
 * sees the same record before and after a clock step: the case where expiry measured on the
 * wall clock goes wrong.
 */
const SLOW_RENEWING = { ...FAST, retryPeriodMs: 1_000 };
const QUICK_LOOKING = { ...FAST, retryPeriodMs: 100 };

/**
 * Resolves midway between two renewals: a few of the follower's looks after the last renewal,
 * so that its next look, after the step, finds the record it has already seen. (A look that
 * finds a new record restarts the follower's count whatever the clocks say.)
 */
async function midwayBetweenRenewals(client: KubeClient, namespace: string): Promise<void> {
  const before = (await client.get<Lease>(Resources.lease, 'redis-operator', namespace))?.metadata.resourceVersion;
  const renewedAt = await waitFor(async () => {
    const now = await client.get<Lease>(Resources.lease, 'redis-operator', namespace);
    return pollResult(now !== undefined && now.metadata.resourceVersion !== before && performance.now(), 'not renewed yet');
  }, { description: 'the leader to renew the Lease', timeoutMs: 5_000, intervalMs: 20 });
  const midway = renewedAt + SLOW_RENEWING.retryPeriodMs / 2;
  await waitFor(async () => pollResult(performance.now() >= midway || undefined), { description: 'midway to the next renewal', intervalMs: 10 });
}

/**
 * Through two lease durations the leader keeps renewing (the Lease changes) and the follower
 * never leads.
 */
async function followerStaysOut(client: KubeClient, namespace: string, leader: LeaderElector, follower: LeaderElector): Promise<void> {
  const until = performance.now() + 2 * FAST.leaseDurationMs;
  let renewals = 0;
  let lastVersion: string | undefined;
  await waitFor(async () => {
    const lease = await client.get<Lease>(Resources.lease, 'redis-operator', namespace);
    if (lease?.metadata.resourceVersion !== lastVersion) renewals++;
    lastVersion = lease?.metadata.resourceVersion;
    return pollResult(performance.now() >= until || follower.isLeader || undefined);
  }, { description: 'two lease durations to pass', timeoutMs: 3 * FAST.leaseDurationMs, intervalMs: 50 });
  expect(follower.isLeader).toBe(false);
  expect(leader.isLeader).toBe(true);
  expect(renewals).toBeGreaterThan(2);
  expect((await client.get<Lease>(Resources.lease, 'redis-operator', namespace))?.spec?.holderIdentity).toBe(leader.identity);
}

describe('LeaderElector on a real Lease', () => {
  it('lets exactly one of two electors lead, and records it in the Lease', async () => {
    const { name: namespace, kubeConfig } = await freshNamespace();
    const client = new KubeClient(kubeConfig);
    const electors = [elector(client, namespace, 'replica-a'), elector(client, namespace, 'replica-b')];
    const splitBrain = watchForSplitBrain(electors);
    const results = electors.map((candidate) => candidate.run());

    const leader = await leaderAmong(electors, 10_000, 'a leader');
    const follower = electors.find((candidate) => candidate !== leader)!;
    const lease = await client.get<Lease>(Resources.lease, 'redis-operator', namespace);
    expect(lease?.spec?.holderIdentity).toBe(leader.identity);
    expect(lease?.spec?.leaseDurationSeconds).toBe(3);

    // Through several lease durations of renewing, the follower never gets in.
    const renewedFrom = lease?.metadata.resourceVersion;
    await waitFor(async () => {
      const now = await client.get<Lease>(Resources.lease, 'redis-operator', namespace);
      return pollResult(now && now.metadata.resourceVersion !== renewedFrom && Date.now(), 'no renewal yet');
    }, { description: 'the leader to renew', timeoutMs: 5_000 });
    const until = Date.now() + 2 * FAST.leaseDurationMs;
    await waitFor(async () => pollResult(Date.now() >= until || follower.isLeader || undefined), {
      description: 'two lease durations to pass', timeoutMs: 3 * FAST.leaseDurationMs, intervalMs: 50,
    });
    expect(follower.isLeader).toBe(false);
    expect(leader.isLeader).toBe(true);
    expect(splitBrain.violations).toEqual([]);
    expect(splitBrain.samples()).toBeGreaterThan(100);

    await leader.stop();
    await follower.stop();
    expect(await Promise.all(results)).toEqual(expect.arrayContaining([true, false]));
  });

  it('hands over within the lease duration when the leader stops without releasing', async () => {
    const { name: namespace, kubeConfig } = await freshNamespace();
    const client = new KubeClient(kubeConfig);
    const electors = [elector(client, namespace, 'replica-a'), elector(client, namespace, 'replica-b')];
    const splitBrain = watchForSplitBrain(electors);
    void electors[0]!.run();
    await leaderAmong([electors[0]!], 10_000, 'the first replica to lead');
    void electors[1]!.run();

    // A crash: the leader simply stops renewing; the Lease still names it.
    await electors[0]!.stop();
    const stoppedAt = Date.now();
    await leaderAmong([electors[1]!], 3 * FAST.leaseDurationMs, 'the second replica to take over');
    const handOverMs = Date.now() - stoppedAt;
    // The follower counts the lease from when it saw the last renew (at most one retry period
    // before the stop), and tries again the moment that runs out.
    expect(handOverMs).toBeLessThanOrEqual(FAST.leaseDurationMs + FAST.retryPeriodMs + 500);
    // ...and not before the lease ran out: it must not take a lease that might still be held.
    expect(handOverMs).toBeGreaterThanOrEqual(FAST.leaseDurationMs - FAST.retryPeriodMs - 100);
    const lease = await client.get<Lease>(Resources.lease, 'redis-operator', namespace);
    expect(lease?.spec?.holderIdentity).toBe('replica-b');
    expect(lease?.spec?.leaseTransitions).toBe(1);
    expect(splitBrain.violations).toEqual([]);
  });

  it('hands over at once when the leader releases the Lease', async () => {
    const { name: namespace, kubeConfig } = await freshNamespace();
    const client = new KubeClient(kubeConfig);
    const slow = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 250 };
    const electors = [elector(client, namespace, 'replica-a', slow), elector(client, namespace, 'replica-b', slow)];
    const splitBrain = watchForSplitBrain(electors);
    void electors[0]!.run();
    await leaderAmong([electors[0]!], 10_000, 'the first replica to lead');
    void electors[1]!.run();

    await electors[0]!.release();
    const releasedAt = Date.now();
    expect(electors[0]!.isLeader).toBe(false);
    await leaderAmong([electors[1]!], 5_000, 'the second replica to take over');
    // Far below the 15 s lease: the follower took a free Lease at its next retry.
    expect(Date.now() - releasedAt).toBeLessThan(2_000);
    expect(splitBrain.violations).toEqual([]);
  });

  it('steps down when it cannot renew, before any other replica takes over', async () => {
    const { name: namespace, kubeConfig } = await freshNamespace();
    const { host, port } = serverAddress(kubeConfig);
    const proxy = await TcpProxy.start(host, port);
    const cut = new KubeClient(kubeConfigThroughProxy(kubeConfig, proxy));
    const client = new KubeClient(kubeConfig);
    const isolated = elector(cut, namespace, 'replica-a');
    const healthy = elector(client, namespace, 'replica-b');
    const splitBrain = watchForSplitBrain([isolated, healthy]);
    const losses: Array<{ reason: LeadershipLossReason; at: number }> = [];
    isolated.onLost((reason) => losses.push({ reason, at: Date.now() }));

    void isolated.run();
    await leaderAmong([isolated], 10_000, 'the isolated replica to lead first');
    void healthy.run();

    // The leader's network goes away: open connections die and new ones are refused.
    await proxy.close();
    const cutAt = Date.now();
    await leaderAmong([healthy], 3 * FAST.leaseDurationMs, 'the healthy replica to take over');
    const takenAt = Date.now();

    expect(losses.map((loss) => loss.reason)).toEqual(['renew-deadline-exceeded']);
    expect(losses[0]!.at).toBeLessThan(takenAt);
    expect(losses[0]!.at - cutAt).toBeLessThanOrEqual(FAST.renewDeadlineMs + 100);
    expect(isolated.isLeader).toBe(false);
    expect(splitBrain.violations).toEqual([]);
  });

  it('a follower whose wall clock steps an hour forward does not take over while the leader renews', async () => {
    const { name: namespace, kubeConfig } = await freshNamespace();
    const client = new KubeClient(kubeConfig);
    let offsetMs = 0;
    const steppedClock: ElectionClock = { monotonicMs: () => performance.now(), wallTime: () => new Date(Date.now() + offsetMs) };
    const leader = elector(client, namespace, 'leader', SLOW_RENEWING);
    const follower = elector(client, namespace, 'follower', { ...QUICK_LOOKING, clock: steppedClock });
    const splitBrain = watchForSplitBrain([leader, follower]);
    void leader.run();
    await leaderAmong([leader], 10_000, 'the first replica to lead');
    void follower.run();
    await midwayBetweenRenewals(client, namespace);

    offsetMs = 60 * 60_000;
    await followerStaysOut(client, namespace, leader, follower);
    expect(splitBrain.violations).toEqual([]);
  });

  it('two electors ignore a forward step of the wall clock they share', async () => {
    const { name: namespace, kubeConfig } = await freshNamespace();
    const client = new KubeClient(kubeConfig);
    // Only Date is faked, and it keeps running: performance.now() and the timers stay real.
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    cleanups.push(async () => { vi.useRealTimers(); });
    const leader = elector(client, namespace, 'leader', SLOW_RENEWING);
    const follower = elector(client, namespace, 'follower', QUICK_LOOKING);
    const splitBrain = watchForSplitBrain([leader, follower]);
    const losses: LeadershipLossReason[] = [];
    leader.onLost((reason) => losses.push(reason));
    void leader.run();
    await leaderAmong([leader], 10_000, 'the first replica to lead');
    void follower.run();
    await midwayBetweenRenewals(client, namespace);

    vi.setSystemTime(Date.now() + 60 * 60_000);
    await followerStaysOut(client, namespace, leader, follower);
    expect(losses).toEqual([]);
    expect(splitBrain.violations).toEqual([]);
  });

  it('refuses timings under which two replicas could both lead', () => {
    const client = {} as KubeClient;
    expect(() => new LeaderElector(client, logger, { namespace: 'x', name: 'y', identity: 'z', leaseDurationMs: 5_000, renewDeadlineMs: 5_000 }))
      .toThrow(/renewDeadlineMs must be shorter/);
  });
});
