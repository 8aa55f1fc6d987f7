/**
 * A TCP proxy on 127.0.0.1 between a client and the API server, so tests can break the network
 * the way real networks break: `cutAll()` destroys every connection (a load balancer restart);
 * `freezeAll()` stops forwarding on the open connections without closing them (a half-open
 * connection, a stuck NAT entry: the client sees silence, no error). New connections always
 * pass. TLS is end to end, so the client still verifies the API server's certificate (issued for
 * 127.0.0.1, which the proxy's address also is).
 */
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

interface ProxiedConnection {
  readonly client: Socket;
  readonly upstream: Socket;
}

export class TcpProxy {
  private readonly connections = new Set<ProxiedConnection>();
  private acceptedCount = 0;

  private constructor(private readonly server: Server, readonly port: number) {}

  /** Starts a proxy to `target` (host:port) on an ephemeral port of 127.0.0.1. */
  static async start(targetHost: string, targetPort: number): Promise<TcpProxy> {
    let proxy: TcpProxy | undefined;
    const server = createServer((client) => proxy!.accept(client, targetHost, targetPort));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    proxy = new TcpProxy(server, (server.address() as AddressInfo).port);
    return proxy;
  }

  /** Connections accepted since the start. */
  get accepted(): number {
    return this.acceptedCount;
  }

  /** Connections open now. */
  get open(): number {
    return this.connections.size;
  }

  /** Destroys every open connection, both sides. */
  cutAll(): number {
    const count = this.connections.size;
    for (const connection of this.connections) {
      connection.client.destroy();
      connection.upstream.destroy();
    }
    this.connections.clear();
    return count;
  }

  /** Stops forwarding on every open connection without closing it; new connections still pass. */
  freezeAll(): number {
    for (const { client, upstream } of this.connections) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
    return this.connections.size;
  }

  async close(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket, host: string, port: number): void {
    this.acceptedCount++;
    const upstream = connect(port, host);
    const connection = { client, upstream };
    this.connections.add(connection);
    const close = (): void => {
      this.connections.delete(connection);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    client.pipe(upstream);
    upstream.pipe(client);
  }
}

/** The same credentials as `kubeConfig`, with the server replaced by the proxy's address. */
export function kubeConfigThroughProxy(kubeConfig: KubeConfig, proxy: TcpProxy): KubeConfig {
  const exported = JSON.parse(kubeConfig.exportConfig()) as {
    clusters: Array<{ name: string; cluster: { server: string } }>;
  };
  for (const cluster of exported.clusters) {
    const url = new URL(cluster.cluster.server);
    url.port = String(proxy.port);
    cluster.cluster.server = url.toString().replace(/\/$/, '');
  }
  const proxied = new KubeConfig();
  proxied.loadFromString(JSON.stringify(exported));
  return proxied;
}

/** host and port of the current cluster's server. */
export function serverAddress(kubeConfig: KubeConfig): { host: string; port: number } {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const url = new URL(cluster.server);
  return { host: url.hostname, port: Number(url.port || 443) };
}
