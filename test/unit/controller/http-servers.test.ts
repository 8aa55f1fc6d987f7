import { afterEach, describe, expect, it } from 'vitest';
import { Metrics } from '../../../src/observability/metrics.js';
import {
  BindAddressError, createMetricsServer, createProbeServer, parseBindAddress, type EndpointServer,
} from '../../../src/observability/http-servers.js';
import { createLogger } from '../../../src/observability/logger.js';

const logger = createLogger({ silent: true });
const servers: EndpointServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function listening(server: EndpointServer): Promise<EndpointServer> {
  servers.push(server);
  await server.listen();
  return server;
}

describe('parseBindAddress', () => {
  it.each([
    ['127.0.0.1:8080', { host: '127.0.0.1', port: 8080 }],
    [':8081', { host: '0.0.0.0', port: 8081 }],
    ['[::1]:0', { host: '::1', port: 0 }],
    ['localhost:0', { host: 'localhost', port: 0 }],
  ])('reads %s', (input, expected) => {
    expect(parseBindAddress(input)).toEqual(expected);
  });

  it.each(['8080', '127.0.0.1', '127.0.0.1:99999', 'host:port'])('refuses %s', (input) => {
    expect(() => parseBindAddress(input)).toThrow(BindAddressError);
  });
});

describe('probe and metrics servers', () => {
  it('answers /healthz always and /readyz from the readiness callback', async () => {
    let ready = false;
    const probes = await listening(createProbeServer('127.0.0.1:0', { ready: () => ready }, logger));
    expect(probes.port).toBeGreaterThan(0);
    expect((await fetch(`${probes.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${probes.url}/readyz`)).status).toBe(503);
    ready = true;
    const readyz = await fetch(`${probes.url}/readyz`);
    expect(readyz.status).toBe(200);
    expect(await readyz.text()).toBe('ok\n');
    expect((await fetch(`${probes.url}/metrics`)).status).toBe(404);
  });

  it('serves the Prometheus metrics on their own address', async () => {
    const metrics = new Metrics();
    let depth = 3;
    metrics.trackQueueDepth(() => depth);
    metrics.observeReconcile('success', 0.02);
    metrics.observeReconcile('error', 0.5);
    metrics.inc('Rolling');
    metrics.inc('Rolling');
    metrics.inc('Recreate');
    const server = await listening(createMetricsServer('127.0.0.1:0', metrics, logger));
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toContain('redis_operator_reconcile_total{result="success"} 1');
    expect(text).toContain('redis_operator_reconcile_total{result="error"} 1');
    expect(text).toContain('redis_operator_reconcile_total{result="requeue"} 0');
    expect(text).toContain('redis_operator_reconcile_duration_seconds_count{result="error"} 1');
    expect(text).toContain('redis_operator_work_queue_depth 3');
    expect(text).toContain('redis_operator_strategy_executions_total{strategy="Rolling"} 2');
    expect(text).toContain('redis_operator_strategy_executions_total{strategy="Recreate"} 1');
    expect(text).toContain('process_resident_memory_bytes');
    depth = 0;
    expect(await (await fetch(`${server.url}/metrics`)).text()).toContain('redis_operator_work_queue_depth 0');
  });

  it('keeps two Metrics instances apart', async () => {
    const first = new Metrics({ processMetrics: false });
    const second = new Metrics({ processMetrics: false });
    first.inc('Rolling');
    expect(await second.expose()).not.toContain('strategy="Rolling"');
  });

  it('closes with keep-alive connections open, and frees the port', async () => {
    const probes = await listening(createProbeServer('127.0.0.1:0', { ready: () => true }, logger));
    const port = probes.port;
    // fetch keeps the connection alive; close() must not wait for it to time out.
    expect((await fetch(`${probes.url}/healthz`)).status).toBe(200);
    const started = Date.now();
    await probes.close();
    expect(Date.now() - started).toBeLessThan(1_000);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });
});
