import { describe, expect, it } from 'vitest';
import type { PodRole } from '../../../src/api/names.js';
import { decideReplication, ENDPOINTS_QUIET_MS, type ObservedPod, type RedisView, type ReplicationInput } from '../../../src/reconcile/replication-decision.js';
import type { ReplicationInfo } from '../../../src/redis/replication-info.js';
import { podAddress, primaryInfo, replicaInfo } from '../../support/replication-states.js';

const NOW = new Date('2026-03-01T12:00:00Z');
const seconds = (n: number) => new Date(NOW.getTime() - n * 1000);

interface PodOptions {
  readonly role?: PodRole;
  readonly ready?: boolean;
  readonly readyChangedAt?: Date;
  readonly terminating?: boolean;
  readonly outdated?: boolean;
  readonly uid?: string;
  readonly ip?: string | null;
}

/** Pod `cache-N`, Ready and current; `redis` is what INFO replication said, or another view. */
function pod(ordinal: number, redis: ReplicationInfo | RedisView, options: PodOptions = {}): ObservedPod {
  const view: RedisView = 'kind' in redis ? redis : { kind: 'answered', info: redis };
  return {
    name: `cache-${ordinal}`,
    uid: options.uid ?? `uid-${ordinal}`,
    ordinal,
    ip: options.ip === null ? undefined : options.ip ?? podAddress(ordinal).host,
    nodeName: 'node-a',
    ready: options.ready ?? true,
    readyChangedAt: options.readyChangedAt,
    terminating: options.terminating ?? false,
    revision: options.outdated ? 'cache-old' : 'cache-new',
    role: options.role,
    object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: `cache-${ordinal}` } },
    redis: view,
    outdated: options.outdated ?? false,
  };
}

const UNREACHABLE: RedisView = { kind: 'failed', error: 'unreachable', message: 'Redis at 10.1.0.10:6379: connect failed: ECONNREFUSED' };
const NOT_DIALED: RedisView = { kind: 'not-dialed', reason: 'pod x runs on simulated node kwok-node-0' };
/** What a freshly started pod says: a replica of the client Service's name, never linked. */
const fresh = (offset = 0): ReplicationInfo => replicaInfo(0, offset, { primaryHost: 'cache.shop.svc', linkUp: false, lastIoSecondsAgo: undefined });

function input(pods: ObservedPod[], overrides: Partial<ReplicationInput> = {}): ReplicationInput {
  return {
    replicas: 3, afterSeconds: 5, now: NOW, record: { primary: 'cache-0', primaryUID: 'uid-0' }, pods,
    replacementAllowed: true, syncBound: 0, ...overrides,
  };
}

/** A settled instance: cache-0 primary, two replicas following it, every role label set. */
function settled(): ObservedPod[] {
  return [
    pod(0, primaryInfo(100), { role: 'primary' }),
    pod(1, replicaInfo(0, 100), { role: 'replica' }),
    pod(2, replicaInfo(0, 100), { role: 'replica' }),
  ];
}

function step(i: ReplicationInput) {
  return decideReplication(i).step;
}

describe('decideReplication', () => {
  describe('electing the first primary', () => {
    it('records and promotes the lowest ordinal when every pod started as a replica with nothing', () => {
      const s = step(input([pod(0, fresh()), pod(1, fresh())], { record: {} }));
      expect(s.kind === 'elect' && [s.pod.name, s.promote]).toEqual(['cache-0', true]);
    });

    it('keeps a pod that already serves as primary (an instance from before roles), promoting nothing', () => {
      const legacy = [pod(0, replicaInfo(1, 90)), pod(1, primaryInfo(90, { connectedReplicas: [{ host: podAddress(0).host, port: 6379, state: 'online', offset: 90, lag: 0 }] })), pod(2, primaryInfo(0))];
      const s = step(input(legacy, { record: {} }));
      expect(s.kind === 'elect' && [s.pod.name, s.promote]).toEqual(['cache-1', false]);
    });

    it('waits while no pod is Ready and answering', () => {
      expect(step(input([pod(0, fresh(), { ready: false }), pod(1, UNREACHABLE)], { record: {} }))).toMatchObject({ kind: 'wait', reason: 'NoPrimaryYet' });
    });
  });

  describe('a healthy primary', () => {
    it('is done when every role is in place and no pod is outdated', () => {
      expect(decideReplication(input(settled()))).toMatchObject({ step: { kind: 'done' }, health: { kind: 'healthy' } });
    });

    it('labels the primary, points strays at its address and admits followers without a label', () => {
      const pods = [
        pod(0, primaryInfo(100)),
        pod(1, fresh()),
        pod(2, replicaInfo(0, 100)),
        pod(3, primaryInfo(0), { role: 'primary' }),
      ];
      const s = step(input(pods, { replicas: 4 }));
      expect(s.kind).toBe('converge');
      if (s.kind !== 'converge') return;
      expect(s.labelPrimary).toBe(true);
      expect(s.follow.map((p) => p.name)).toEqual(['cache-1', 'cache-3']);
      expect(s.admit.map((p) => p.name)).toEqual(['cache-2']);
    });

    it('does not point a pod that is not Ready (still loading) at the primary', () => {
      const pods = [pod(0, primaryInfo(100), { role: 'primary' }), pod(1, fresh(), { ready: false }), pod(2, replicaInfo(0, 100), { role: 'replica' })];
      expect(step(input(pods))).toMatchObject({ kind: 'wait', message: 'waiting for pod cache-1 to be Ready and follow the primary' });
    });

    it('replaces outdated replicas from the highest ordinal, then hands over, then replaces the old primary', () => {
      const outdated = settled().map((p) => ({ ...p, outdated: true }));
      expect(step(input(outdated))).toMatchObject({ kind: 'replace', pod: { name: 'cache-2' }, outage: false });
      const replicasDone = [outdated[0]!, settled()[1]!, settled()[2]!];
      const handOver = step(input(replicasDone));
      expect(handOver.kind === 'hand-over' && [handOver.from.name, handOver.to.name, handOver.why]).toEqual(['cache-0', 'cache-1', 'replace']);
      const after = [pod(0, replicaInfo(1, 100), { outdated: true, role: 'replica' }), pod(1, primaryInfo(100), { role: 'primary' }), pod(2, replicaInfo(1, 100), { role: 'replica' })];
      expect(step(input(after, { record: { primary: 'cache-1', primaryUID: 'uid-1' } }))).toMatchObject({ kind: 'replace', pod: { name: 'cache-0' } });
    });

    it('hands over only once a second has passed since it last changed a role label, so that kube-proxy moves the client Service at once', () => {
      const replicasDone = [{ ...settled()[0]!, outdated: true }, settled()[1]!, settled()[2]!];
      expect(step(input(replicasDone, { rolesChangedAt: seconds(0.5) }))).toMatchObject({ kind: 'wait', reason: 'HandingOver', retryMs: ENDPOINTS_QUIET_MS - 500 });
      expect(step(input(replicasDone, { rolesChangedAt: seconds(ENDPOINTS_QUIET_MS / 1000) }))).toMatchObject({ kind: 'hand-over', to: { name: 'cache-1' } });
      // Replacing a replica does not move the client Service: no wait.
      const outdated = settled().map((p) => ({ ...p, outdated: true }));
      expect(step(input(outdated, { rolesChangedAt: NOW }))).toMatchObject({ kind: 'replace', pod: { name: 'cache-2' } });
      const scaleDown = [pod(0, replicaInfo(2, 100), { role: 'replica' }), pod(1, replicaInfo(2, 100), { role: 'replica' }), pod(2, primaryInfo(100), { role: 'primary' })];
      expect(step(input(scaleDown, { replicas: 2, record: { primary: 'cache-2', primaryUID: 'uid-2' }, rolesChangedAt: NOW }))).toMatchObject({ kind: 'wait', reason: 'HandingOver' });
    });

    it('replaces nothing while the StatefulSet has not caught up with its spec', () => {
      const outdated = settled().map((p) => ({ ...p, outdated: true }));
      expect(step(input(outdated, { replacementAllowed: false }))).toEqual({ kind: 'done' });
    });

    it('replaces the only pod as an outage: there is nobody to hand over to', () => {
      expect(step(input([pod(0, primaryInfo(0), { role: 'primary', outdated: true })], { replicas: 1 }))).toMatchObject({ kind: 'replace', pod: { name: 'cache-0' }, outage: true });
    });

    it('hands over before a scale-down removes the primary\'s ordinal', () => {
      const pods = [pod(0, replicaInfo(2, 100), { role: 'replica' }), pod(1, replicaInfo(2, 100), { role: 'replica' }), pod(2, primaryInfo(100), { role: 'primary' })];
      const s = step(input(pods, { replicas: 2, record: { primary: 'cache-2', primaryUID: 'uid-2' } }));
      expect(s.kind === 'hand-over' && [s.from.name, s.to.name, s.why]).toEqual(['cache-2', 'cache-0', 'scale-down']);
    });
  });

  describe('a lost primary', () => {
    const gone = () => settled().slice(1).map((p) => ({ ...p, redis: { kind: 'answered', info: replicaInfo(0, 100, { linkUp: false }) } as RedisView }));

    it('waits the failover delay for a primary that does not answer, remembering since when, then promotes the most advanced replica', () => {
      const pods = [pod(0, UNREACHABLE, { role: 'primary' }), pod(1, replicaInfo(0, 90, { linkUp: false }), { role: 'replica' }), pod(2, replicaInfo(0, 100, { linkUp: false }), { role: 'replica' })];
      const first = decideReplication(input(pods));
      expect(first.step).toMatchObject({ kind: 'wait', reason: 'PrimaryLost', retryMs: 5_000 });
      expect(first.troubleSince).toEqual({ pod: 'cache-0', since: NOW });
      const later = decideReplication(input(pods, { troubleSince: { pod: 'cache-0', since: seconds(5) } }));
      expect(later.step).toMatchObject({ kind: 'fail-over', from: 'cache-0', to: { name: 'cache-2' }, reason: expect.stringMatching(/^Redis on pod cache-0 Redis at .*ECONNREFUSED$/), coordinated: false });
    });

    it('fails over at once when the primary\'s pod is being deleted or is gone: it will not come back as primary', () => {
      const replicas = [pod(1, replicaInfo(0, 90, { linkUp: false }), { role: 'replica' }), pod(2, replicaInfo(0, 100, { linkUp: false }), { role: 'replica' })];
      expect(step(input(replicas))).toMatchObject({ kind: 'fail-over', to: { name: 'cache-2' }, reason: 'pod cache-0 does not exist' });
      const deleting = [pod(0, primaryInfo(100), { role: 'primary', terminating: true }), ...settled().slice(1)];
      expect(step(input(deleting, { troubleSince: { pod: 'cache-0', since: seconds(2) } })))
        .toMatchObject({ kind: 'fail-over', to: { name: 'cache-1' }, reason: 'pod cache-0 is being deleted', coordinated: true });
    });

    it('fails over with FAILOVER when the primary\'s pod is being deleted and Redis on it still answers as primary, Ready or not, without the failover delay', () => {
      // Its preStop hook holds it until FAILOVER has made it a replica; the failover delay does not apply.
      for (const ready of [true, false]) {
        const deleting = [pod(0, primaryInfo(100), { role: 'primary', terminating: true, ready, readyChangedAt: seconds(3) }), ...settled().slice(1)];
        const decision = decideReplication(input(deleting, { troubleSince: { pod: 'cache-0', since: seconds(ENDPOINTS_QUIET_MS / 1000) } }));
        expect(decision.step).toMatchObject({ kind: 'fail-over', from: 'cache-0', fromPod: { name: 'cache-0' }, to: { name: 'cache-1' }, coordinated: true });
        expect(decision.health).toMatchObject({ kind: 'lost', gone: true, answersAsPrimary: true });
      }
    });

    it('leaves a deleted primary that still answers serving for a moment: kube-proxy has just applied its deletion and would hold the next change back', () => {
      const deleting = [pod(0, primaryInfo(100), { role: 'primary', terminating: true }), ...settled().slice(1)];
      const first = decideReplication(input(deleting));
      expect(first.step).toMatchObject({ kind: 'wait', reason: 'HandingOver', retryMs: ENDPOINTS_QUIET_MS, message: expect.stringMatching(/^pod cache-0 is being deleted; /) });
      expect(first.troubleSince).toEqual({ pod: 'cache-0', since: NOW });
      const later = decideReplication(input(deleting, { now: new Date(NOW.getTime() + ENDPOINTS_QUIET_MS), troubleSince: first.troubleSince }));
      expect(later.step).toMatchObject({ kind: 'fail-over', coordinated: true });
      // One whose Redis is gone has nothing to wait for: writes fail already.
      const stopped = [pod(0, UNREACHABLE, { role: 'primary', terminating: true }), ...settled().slice(1)];
      expect(step(input(stopped))).toMatchObject({ kind: 'fail-over', coordinated: false });
    });

    it('promotes without FAILOVER at once when the deleted primary\'s Redis no longer answers or already is a replica', () => {
      const stopped = [pod(0, UNREACHABLE, { role: 'primary', terminating: true }), ...gone()];
      expect(step(input(stopped))).toMatchObject({ kind: 'fail-over', to: { name: 'cache-1' }, reason: 'pod cache-0 is being deleted', coordinated: false });
      const demoted = [pod(0, replicaInfo(1, 100), { role: 'primary', terminating: true }), ...gone()];
      expect(step(input(demoted))).toMatchObject({ kind: 'fail-over', coordinated: false });
    });

    it('waits for a deleted primary with no replica to take over rather than promote anything (replicas: 1)', () => {
      expect(step(input([pod(0, primaryInfo(100), { role: 'primary', terminating: true })], { replicas: 1 }))).toMatchObject({ kind: 'wait', reason: 'PrimaryLost' });
    });

    it('counts a primary that is not Ready from when its Ready condition changed', () => {
      const pods = [pod(0, UNREACHABLE, { role: 'primary', ready: false, readyChangedAt: seconds(7) }), ...gone()];
      expect(step(input(pods))).toMatchObject({ kind: 'fail-over', to: { name: 'cache-1' } });
    });

    it('hands over with FAILOVER when the lost primary still answers as primary', () => {
      const pods = [pod(0, primaryInfo(100), { role: 'primary', ready: false, readyChangedAt: seconds(6) }), ...settled().slice(1)];
      expect(step(input(pods))).toMatchObject({ kind: 'fail-over', to: { name: 'cache-1' }, coordinated: true });
    });

    it('treats a pod of the recorded name with another UID as the primary lost: it started as a replica', () => {
      const pods = [pod(0, fresh(), { uid: 'uid-0b' }), ...gone()];
      const s = step(input(pods));
      expect(s).toMatchObject({ kind: 'fail-over', to: { name: 'cache-1' }, reason: 'pod cache-0 was deleted and created again, and started as a replica' });
    });

    it('promotes the returned pod with what its volume holds when no replica can take over', () => {
      const pods = [pod(0, fresh(), { uid: 'uid-0b' }), pod(1, UNREACHABLE), pod(2, fresh(), { ready: false })];
      expect(step(input(pods, { troubleSince: { pod: 'cache-0', since: seconds(10) } }))).toMatchObject({ kind: 'promote-recorded', pod: { name: 'cache-0', uid: 'uid-0b' } });
    });

    it('waits, saying why, while nobody can take over and the primary is not back', () => {
      const pods = [pod(0, UNREACHABLE, { ready: false }), pod(1, UNREACHABLE), pod(2, fresh(), { ready: false })];
      expect(step(input(pods, { troubleSince: { pod: 'cache-0', since: seconds(10) } }))).toMatchObject({ kind: 'wait', reason: 'NoReplicaCanTakeOver' });
    });

    it('with a single pod, promotes it as soon as it is back, and waits meanwhile', () => {
      expect(step(input([pod(0, fresh(), { uid: 'uid-0b' })], { replicas: 1 }))).toMatchObject({ kind: 'promote-recorded', pod: { name: 'cache-0' } });
      expect(step(input([], { replicas: 1 }))).toEqual({ kind: 'done' });
      expect(step(input([pod(0, UNREACHABLE, { ready: false })], { replicas: 1 }))).toMatchObject({ kind: 'wait', reason: 'PrimaryLost' });
    });
  });

  it('repairs the record when the recorded primary already handed over (FAILOVER done, status not yet)', () => {
    const pods = [pod(0, replicaInfo(1, 100), { role: 'primary' }), pod(1, primaryInfo(100), { role: 'replica' }), pod(2, replicaInfo(0, 100), { role: 'replica' })];
    expect(step(input(pods))).toMatchObject({ kind: 'repair-record', pod: { name: 'cache-1' } });
  });

  it('promotes the recorded pod when Redis on it is not primary yet (recorded, then interrupted)', () => {
    const pods = [pod(0, replicaInfo(5, 100, { linkUp: false }), { role: 'replica' }), ...settled().slice(1)];
    expect(step(input(pods))).toMatchObject({ kind: 'promote-recorded', pod: { name: 'cache-0' } });
  });

  it('leaves a freshly recorded failover\'s promotion to whoever recorded it, and carries it out once that is long past', () => {
    const pods = [pod(0, replicaInfo(5, 100, { linkUp: false }), { role: 'replica' }), ...settled().slice(1)];
    const record = (ago: number) => ({ primary: 'cache-0', primaryUID: 'uid-0', failedOverAt: seconds(ago) });
    expect(step(input(pods, { record: record(2) }))).toMatchObject({ kind: 'wait', reason: 'FailingOver' });
    expect(step(input(pods, { record: record(11) }))).toMatchObject({ kind: 'promote-recorded', pod: { name: 'cache-0' } });
  });

  it('refuses to act while Redis refuses the password', () => {
    const refused: RedisView = { kind: 'failed', error: 'auth', message: 'Redis at 10.1.0.11:6379: connect: WRONGPASS invalid username-password pair' };
    expect(step(input([...settled().slice(0, 2), pod(2, refused)]))).toMatchObject({ kind: 'auth-failed', pod: { name: 'cache-2' } });
  });

  describe('pods on simulated nodes', () => {
    const kwok = (ordinal: number, options: PodOptions = {}) => pod(ordinal, NOT_DIALED, options);

    it('dials nothing, gives no role, and replaces outdated pods from the highest ordinal, one Ready pod at a time', () => {
      expect(step(input([kwok(0, { outdated: true }), kwok(1, { outdated: true }), kwok(2, { outdated: true })]))).toMatchObject({ kind: 'unobserved', replace: { name: 'cache-2' } });
      expect(step(input([kwok(0, { outdated: true }), kwok(1, { outdated: true }), kwok(2, { ready: false })]))).toMatchObject({ kind: 'unobserved', waiting: 'pod cache-2 is not Ready' });
      // A pod of an undone change that never became Ready is replaced, first.
      expect(step(input([kwok(0), kwok(1, { outdated: true, ready: false }), kwok(2, { outdated: true })]))).toMatchObject({ kind: 'unobserved', replace: { name: 'cache-1' } });
      expect(step(input([kwok(0, { outdated: true }), kwok(1)]))).toMatchObject({ kind: 'unobserved', waiting: 'pod of ordinal 2 does not exist yet' });
      expect(step(input([kwok(0), kwok(1), kwok(2)]))).toEqual({ kind: 'unobserved' });
    });
  });
});
