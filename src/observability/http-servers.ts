/**
 * The operator's two HTTP endpoints, on separate bind addresses as controller-runtime has them
 * (`--health-probe-bind-address`, `--metrics-bind-address`), so a NetworkPolicy can expose
 * metrics to Prometheus without exposing probes, and the other way round.
 *
 * - probes: `/healthz` answers 200 while the process serves at all (liveness must not depend on
 *   the API server, or an apiserver outage restarts every operator); `/readyz` answers 200 only
 *   when the readiness callback says so (caches synced).
 * - metrics: `/metrics` in Prometheus text format.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from './logger.js';

export class BindAddressError extends Error {
  constructor(readonly bindAddress: string) {
    super(`invalid bind address ${JSON.stringify(bindAddress)}: expected host:port, :port or [ipv6]:port`);
    this.name = 'BindAddressError';
  }
}

export interface BindAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * Parses `host:port`, `:port` (every interface) or `[::1]:port`. Port 0 asks the system for a
 * free port (read it back from `port` once listening).
 */
export function parseBindAddress(bindAddress: string): BindAddress {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(bindAddress.trim());
  if (!match) throw new BindAddressError(bindAddress);
  const port = Number(match[3]);
  if (port > 65_535) throw new BindAddressError(bindAddress);
  const host = match[1] ?? (match[2] === '' ? '0.0.0.0' : match[2]!);
  return { host, port };
}

type Handler = (request: http.IncomingMessage) => Promise<{ status: number; contentType: string; body: string }>;

/** One small HTTP server with a fixed set of GET routes. */
export class EndpointServer {
  private readonly server: http.Server;
  private listening: AddressInfo | undefined;

  constructor(
    /** What it serves, in logs: `probes` or `metrics`. */
    readonly name: string,
    private readonly bindAddress: string,
    private readonly routes: Readonly<Record<string, Handler>>,
    private readonly logger: Logger,
  ) {
    this.server = http.createServer((request, response) => void this.handle(request, response));
    // Probes and scrapes are short; don't let a slow client hold a socket for long.
    this.server.requestTimeout = 10_000;
    this.server.keepAliveTimeout = 5_000;
  }

  /** Binds; resolves once listening. */
  async listen(): Promise<void> {
    const { host, port } = parseBindAddress(this.bindAddress);
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.listening = this.server.address() as AddressInfo;
    this.logger.info('Serving HTTP endpoint', { server: this.name, address: `${this.listening.address}:${this.listening.port}`, paths: Object.keys(this.routes) });
  }

  /** The bound port (the real one when the bind address asked for port 0). */
  get port(): number {
    if (!this.listening) throw new Error(`${this.name} server is not listening`);
    return this.listening.port;
  }

  /** `http://host:port` as a client on this machine would reach it. */
  get url(): string {
    const address = this.listening?.address ?? '127.0.0.1';
    const host = address === '0.0.0.0' ? '127.0.0.1' : address === '::' ? '[::1]' : address.includes(':') ? `[${address}]` : address;
    return `http://${host}:${this.port}`;
  }

  /** Stops listening and closes every connection, idle keep-alive ones included. */
  async close(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const route: Handler | undefined = Object.hasOwn(this.routes, path) ? this.routes[path] : undefined;
    if (!route || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(route ? 405 : 404, { 'Content-Type': 'text/plain' }).end(route ? 'method not allowed\n' : 'not found\n');
      return;
    }
    try {
      const { status, contentType, body } = await route(request);
      response.writeHead(status, { 'Content-Type': contentType }).end(request.method === 'HEAD' ? undefined : body);
    } catch (error) {
      this.logger.error('HTTP endpoint failed', { server: this.name, path, error: error instanceof Error ? error.message : String(error) });
      response.writeHead(500, { 'Content-Type': 'text/plain' }).end('internal error\n');
    }
  }
}

export interface ProbeChecks {
  /** Ready to serve: typically every informer has synced. */
  readonly ready: () => boolean | Promise<boolean>;
  /** Alive. @default always true */
  readonly healthy?: () => boolean | Promise<boolean>;
}

/** `/healthz` and `/readyz` on `bindAddress`. */
export function createProbeServer(bindAddress: string, checks: ProbeChecks, logger: Logger): EndpointServer {
  const probe = (check: () => boolean | Promise<boolean>): Handler => async () => {
    const ok = await check();
    return { status: ok ? 200 : 503, contentType: 'text/plain', body: ok ? 'ok\n' : 'not ready\n' };
  };
  return new EndpointServer('probes', bindAddress, {
    '/healthz': probe(checks.healthy ?? (() => true)),
    '/readyz': probe(checks.ready),
  }, logger);
}

/** Where the metrics text comes from: the Metrics class satisfies it. */
export interface MetricsSource {
  expose(): Promise<string>;
  readonly contentType: string;
}

/** Prometheus `/metrics` on `bindAddress`. */
export function createMetricsServer(bindAddress: string, metrics: MetricsSource, logger: Logger): EndpointServer {
  return new EndpointServer('metrics', bindAddress, {
    '/metrics': async () => ({ status: 200, contentType: metrics.contentType, body: await metrics.expose() }),
  }, logger);
}
