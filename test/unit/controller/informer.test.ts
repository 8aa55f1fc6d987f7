/**
 * The informer's recovery paths in exact detail (which relist reports what, every backoff
 * delay, repeated errors), driven by a scripted list/watch client. The real-server behaviour
 * (cut and frozen connections, server-ended watches, a real 410 Gone) is in
 * test/integration/controller/informer.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/client/api-error.js';
import type { ListOptions, WatchOptions } from '../../../src/client/kube-client.js';
import type { KubeObject, ObjectList, WatchEvent } from '../../../src/client/objects.js';
import { Resources, type ResourceType } from '../../../src/client/resources.js';
import { Informer, LAST_APPLIED_ANNOTATION, withoutServerBookkeeping, type ListWatchClient, type Restart, type RestartReason } from '../../../src/controller/informer.js';
import { createLogger } from '../../../src/observability/logger.js';
import { pollResult, waitFor } from '../../cluster/wait.js';

const logger = createLogger({ silent: true });
const informers: Array<Informer<KubeObject>> = [];

afterEach(async () => {
  await Promise.all(informers.splice(0).map((informer) => informer.stop()));
});

function cm(name: string, resourceVersion: string): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns', resourceVersion } };
}

type WatchStep = (emit: (event: WatchEvent) => void, options: WatchOptions) => Promise<void>;

/** Lists answer from `lists` in turn (the last repeats); watches run `watches` in turn, then hang until aborted. */
class ScriptedClient {
  readonly listCalls: ListOptions[] = [];
  readonly watchCalls: WatchOptions[] = [];
  constructor(private readonly lists: Array<KubeObject[] | Error>, private readonly watches: WatchStep[]) {}

  async list<T extends KubeObject>(_resource: ResourceType, options: ListOptions = {}): Promise<ObjectList<T>> {
    this.listCalls.push(options);
    const answer = this.lists[Math.min(this.listCalls.length - 1, this.lists.length - 1)]!;
    if (answer instanceof Error) throw answer;
    return { metadata: { resourceVersion: String(100 * this.listCalls.length) }, items: answer as T[] };
  }

  async watch<T extends KubeObject>(_resource: ResourceType, options: WatchOptions, onEvent: (event: WatchEvent<T>) => void): Promise<void> {
    this.watchCalls.push(options);
    const step = this.watches[this.watchCalls.length - 1];
    if (step) return step(onEvent as (event: WatchEvent) => void, options);
    await new Promise<void>((resolve) => options.signal?.addEventListener('abort', () => resolve(), { once: true }));
  }
}

interface Started {
  readonly informer: Informer<KubeObject>;
  readonly log: string[];
  readonly restarts: RestartReason[];
  /** Every restart with its delay. */
  readonly delays: Restart[];
}

/** Base 20 ms doubling to 80 ms, without jitter so that every delay is known. */
const BACKOFF = { baseDelayMs: 20, maxDelayMs: 80, jitter: 0 };

function started(client: ScriptedClient, options = {}): Started {
  const informer = new Informer<KubeObject>(client as unknown as ListWatchClient, Resources.configMap, logger, {
    backoff: BACKOFF, ...options,
  });
  const log: string[] = [];
  const restarts: RestartReason[] = [];
  const delays: Restart[] = [];
  informer.addHandlers({
    onAdd: (o) => log.push(`add ${o.metadata.name}@${o.metadata.resourceVersion}`),
    onUpdate: (_, o) => log.push(`update ${o.metadata.name}@${o.metadata.resourceVersion}`),
    onDelete: (o) => log.push(`delete ${o.metadata.name}@${o.metadata.resourceVersion}`),
  });
  informer.onRestart((restart) => {
    restarts.push(restart.reason);
    delays.push(restart);
  });
  informers.push(informer);
  informer.start();
  return { informer, log, restarts, delays };
}

const until = (condition: () => boolean, description: string): Promise<true> =>
  waitFor(async () => pollResult(condition() || undefined), { description, timeoutMs: 5_000, intervalMs: 5 });

describe('Informer recovery', () => {
  it('relists on 410 Gone and reports what changed meanwhile as updates and deletions', async () => {
    const client = new ScriptedClient(
      [[cm('a', '1'), cm('b', '2'), cm('c', '3')], [cm('a', '1'), cm('b', '7'), cm('d', '8')]],
      [async () => { throw new ApiError('WATCH', '/api/v1/configmaps', 410, 'Expired', 'too old resource version'); }],
    );
    const { informer, log, restarts } = started(client);
    await until(() => client.listCalls.length === 2 && informer.get('ns/d') !== undefined, 'the relist');
    expect(restarts).toEqual(['expired']);
    expect(log).toEqual(['add a@1', 'add b@2', 'add c@3', 'update b@7', 'add d@8', 'delete c@3']);
    expect(informer.list().map((o) => o.metadata.name).sort()).toEqual(['a', 'b', 'd']);
    // The new watch starts from the relist's resourceVersion, not the expired one.
    await until(() => client.watchCalls.length === 2, 'the second watch');
    expect(client.watchCalls[1]!.resourceVersion).toBe('200');
  });

  it('resumes from the last bookmark when the server ends the watch', async () => {
    const client = new ScriptedClient([[cm('a', '1')]], [
      async (emit) => {
        emit({ type: 'MODIFIED', object: cm('a', '150') });
        emit({ type: 'BOOKMARK', object: cm('', '170') });
      },
    ]);
    const { log, restarts } = started(client);
    await until(() => client.watchCalls.length === 2, 'the resumed watch');
    expect(client.listCalls).toHaveLength(1);
    expect(client.watchCalls[1]!.resourceVersion).toBe('170');
    expect(restarts).toEqual(['watch-ended']);
    expect(log).toEqual(['add a@1', 'update a@150']);
  });

  it('keeps retrying a failing list with growing delays up to the cap, and never gives up', async () => {
    const refused = new Error('connect ECONNREFUSED 127.0.0.1:6443');
    const client = new ScriptedClient([refused, refused, refused, refused, [cm('a', '1')]], []);
    const { informer, delays } = started(client);
    expect(informer.hasSynced).toBe(false);
    await until(() => informer.hasSynced, 'the informer to sync once the API server answers');
    // Neither a hot loop (0) nor a constant delay: doubling from the base, then capped.
    expect(delays).toEqual([20, 40, 80, 80].map((retryInMs) => ({ reason: 'error', retryInMs })));
    expect(informer.get('ns/a')).toBeDefined();
  });

  it('starts the backoff again after a successful list and a watch that delivered events', async () => {
    // Each watch is healthy (it delivers an event) and then fails: every failure is a first one.
    const healthyThenReset = (version: string) => async (emit: (event: WatchEvent) => void): Promise<void> => {
      emit({ type: 'MODIFIED', object: cm('a', version) });
      throw new Error('read ECONNRESET');
    };
    const client = new ScriptedClient([[cm('a', '1')]], ['2', '3', '4', '5'].map(healthyThenReset));
    const { delays } = started(client);
    await until(() => client.watchCalls.length === 5, 'four failed watches and a fifth one');
    expect(delays).toEqual([20, 20, 20, 20].map((retryInMs) => ({ reason: 'error', retryInMs })));
  });

  it('grows the delay for watches the server ends at once, and resets it once one delivers events', async () => {
    const endsAtOnce = async (): Promise<void> => undefined;
    const client = new ScriptedClient([[cm('a', '1')]], [
      endsAtOnce, endsAtOnce, endsAtOnce,
      async (emit) => { emit({ type: 'MODIFIED', object: cm('a', '2') }); },
      endsAtOnce,
    ]);
    const { delays } = started(client);
    await until(() => client.watchCalls.length === 6, 'the sixth watch');
    expect(delays).toEqual([20, 40, 80, 0, 20].map((retryInMs) => ({ reason: 'watch-ended', retryInMs })));
    expect(client.listCalls).toHaveLength(1);
  });

  it('watches again from the same resourceVersion, without a relist, when the server says 429', async () => {
    const client = new ScriptedClient([[cm('a', '1')]], [
      async (emit) => { emit({ type: 'MODIFIED', object: cm('a', '150') }); },
      async () => { throw new ApiError('WATCH', '/api/v1/configmaps', 429, 'TooManyRequests', 'storage is (re)initializing'); },
      async () => { throw new ApiError('WATCH', '/api/v1/configmaps', 429, 'TooManyRequests', 'storage is (re)initializing'); },
    ]);
    const { delays, informer } = started(client);
    await until(() => client.watchCalls.length === 4, 'the fourth watch');
    expect(client.listCalls).toHaveLength(1);
    expect(client.watchCalls.map((call) => call.resourceVersion)).toEqual(['100', '150', '150', '150']);
    expect(delays).toEqual([{ reason: 'watch-ended', retryInMs: 0 }, { reason: 'error', retryInMs: 20 }, { reason: 'error', retryInMs: 40 }]);
    expect(informer.lastError).toMatch(/429 TooManyRequests: storage is \(re\)initializing/);
  });

  it('survives a handler that throws', async () => {
    const client = new ScriptedClient([[]], [async (emit) => {
      emit({ type: 'ADDED', object: cm('boom', '5') });
      emit({ type: 'ADDED', object: cm('fine', '6') });
    }]);
    const informer = new Informer<KubeObject>(client as unknown as ListWatchClient, Resources.configMap, logger);
    informers.push(informer);
    const added: string[] = [];
    informer.addHandlers({ onAdd: (o) => { if (o.metadata.name === 'boom') throw new Error('handler bug'); } });
    informer.addHandlers({ onAdd: (o) => added.push(o.metadata.name) });
    informer.start();
    await until(() => added.length === 2, 'both additions');
    expect(added).toEqual(['boom', 'fine']);
    expect(informer.get('ns/fine')).toBeDefined();
  });

  it('restarts with a relist when the watch is silent past the silence timeout', async () => {
    const client = new ScriptedClient([[cm('a', '1')], [cm('a', '2')]], []);
    const { informer, log, restarts } = started(client, { silenceTimeoutMs: 50 });
    await until(() => restarts.includes('silent') && informer.get('ns/a')?.metadata.resourceVersion === '2', 'a silent restart');
    expect(log.slice(0, 2)).toEqual(['add a@1', 'update a@2']);
  });

  it('resolves waitForSync and stops its loop on stop()', async () => {
    const client = new ScriptedClient([new Error('down')], []);
    const { informer } = started(client);
    const sync = informer.waitForSync();
    // stop() resolves only once the list/watch loop has returned, backoff sleep included.
    await informer.stop();
    await expect(sync).resolves.toBeUndefined();
    expect(informer.hasSynced).toBe(false);
    const calls = client.listCalls.length;
    informer.start();
    expect(client.listCalls.length).toBe(calls);
  });

  it('caches and hands out listed and watched objects as the transform leaves them, bookmarks untouched', async () => {
    const withData = (name: string, resourceVersion: string): KubeObject => ({ ...cm(name, resourceVersion), data: { big: 'x'.repeat(100) } });
    const client = new ScriptedClient([[withData('a', '1')]], [
      async (emit) => {
        emit({ type: 'ADDED', object: withData('b', '2') });
        emit({ type: 'BOOKMARK', object: cm('', '5') });
      },
    ]);
    const { informer, log } = started(client, { transform: ({ data: _dropped, ...rest }: KubeObject) => rest });
    await until(() => client.watchCalls.length === 2, 'the resumed watch');
    expect(log).toEqual(['add a@1', 'add b@2']);
    expect(informer.list().map((o) => Object.keys(o).sort())).toEqual([['apiVersion', 'kind', 'metadata'], ['apiVersion', 'kind', 'metadata']]);
    expect(client.watchCalls[1]!.resourceVersion).toBe('5');
  });
});

describe('Informer cache contents', () => {
  const bulky = (name: string, resourceVersion: string): KubeObject => ({
    ...cm(name, resourceVersion),
    metadata: {
      ...cm(name, resourceVersion).metadata,
      managedFields: [{ manager: 'kubectl', operation: 'Apply', fieldsV1: { 'f:data': {} } }],
      annotations: { [LAST_APPLIED_ANNOTATION]: '{"a whole":"copy"}', kept: 'yes' },
    },
    data: { key: 'value' },
  });

  it('stores and reports what the transform returns, for listed and for watched objects', async () => {
    const client = new ScriptedClient([[bulky('a', '1')]], [async (emit) => emit({ type: 'MODIFIED', object: bulky('a', '2') })]);
    const transform = (object: KubeObject): KubeObject => ({ apiVersion: object.apiVersion, kind: object.kind, metadata: { name: object.metadata.name, namespace: 'ns', resourceVersion: object.metadata.resourceVersion } });
    const updates: KubeObject[] = [];
    const { informer } = started(client, { transform });
    informer.addHandlers({ onUpdate: (old, object) => updates.push(old, object) });
    await until(() => updates.length === 2, 'the watched update');
    expect(updates).toEqual([transform(bulky('a', '1')), transform(bulky('a', '2'))]);
    expect(informer.get('ns/a')).toBe(updates[1]);
  });

  it('drops managedFields and the last-applied annotation by default, and keeps the rest', async () => {
    const client = new ScriptedClient([[bulky('a', '1')]], []);
    const { informer } = started(client);
    await until(() => informer.hasSynced, 'the list');
    expect(informer.get('ns/a')).toEqual({
      apiVersion: 'v1', kind: 'ConfigMap', data: { key: 'value' },
      metadata: { name: 'a', namespace: 'ns', resourceVersion: '1', annotations: { kept: 'yes' } },
    });
    expect(withoutServerBookkeeping(cm('b', '1'))).toEqual(cm('b', '1'));
  });
});
