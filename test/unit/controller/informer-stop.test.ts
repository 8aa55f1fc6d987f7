/**
 * stop() cuts the informer's requests in flight: a list on a connection that hangs (a peer that
 * accepts and never answers, as a stuck proxy or a half-open connection does) must not hold the
 * stop for the request's 30 s timeout, nor may a list waiting for the client-side rate limit.
 */
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { KubeClient } from '../../../src/client/kube-client.js';
import type { KubeObject } from '../../../src/client/objects.js';
import { Resources } from '../../../src/client/resources.js';
import { Informer } from '../../../src/controller/informer.js';
import { createLogger } from '../../../src/observability/logger.js';
import { pollResult, waitFor } from '../../cluster/wait.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** A TCP server on 127.0.0.1 that accepts, reads and never answers. */
async function blackHole(): Promise<{ port: number; received: () => number; open: () => number; connections: () => number }> {
  const sockets = new Set<Socket>();
  let received = 0;
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('data', (chunk: Buffer) => { received += chunk.length; });
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { port: (server.address() as AddressInfo).port, received: () => received, open: () => sockets.size, connections: () => connections };
}

const until = (condition: () => boolean, description: string, timeoutMs = 5_000): Promise<true> =>
  waitFor(async () => pollResult(condition() || undefined), { description, timeoutMs, intervalMs: 10 });

describe('Informer stop', () => {
  it('cuts a list that hangs at once instead of waiting for its timeout', async () => {
    const peer = await blackHole();
    const client = new KubeClient({ getCurrentCluster: () => ({ server: `https://127.0.0.1:${peer.port}` }), applyToHTTPSOptions: async () => undefined });
    const informer = new Informer<KubeObject>(client, Resources.configMap, createLogger({ silent: true }));
    informer.start();
    await until(() => peer.received() > 0 && peer.open() === 1, 'the list to be on the wire');
    let stopped = false;
    void informer.stop().then(() => { stopped = true; });
    // Well inside the request's 30 s timeout: the stop cut the list and closed its connection.
    await until(() => stopped && peer.open() === 0, 'the informer to stop and close the connection of its list');
    expect(informer.hasSynced).toBe(false);
  });

  it('cuts a list that waits for the client-side rate limit, and sends nothing', async () => {
    const peer = await blackHole();
    const client = new KubeClient({ getCurrentCluster: () => ({ server: `https://127.0.0.1:${peer.port}` }), applyToHTTPSOptions: async () => undefined }, { qps: 0.001, burst: 1 });
    // The only token goes to a request of its own; the next one would wait some 1000 s.
    const first = new AbortController();
    const hanging = client.list(Resources.configMap, { signal: first.signal }).catch(() => undefined);
    await until(() => peer.open() === 1, 'the first request to connect');
    const informer = new Informer<KubeObject>(client, Resources.configMap, createLogger({ silent: true }));
    informer.start();
    let stopped = false;
    void informer.stop().then(() => { stopped = true; });
    await until(() => stopped, 'the informer to stop while its list waits for a token');
    first.abort();
    await hanging;
    await until(() => peer.open() === 0, 'the first request to be cut');
    expect(peer.connections()).toBe(1);
  });
});
