/**
 * Where the operator's credentials come from, in client-go's order: an explicit file, else the
 * files `$KUBECONFIG` names, else `~/.kube/config`, else the pod's service account. Finding none
 * is an error that says so; client-node would instead fall back to `http://localhost:8080`, and
 * the first request would fail with "HTTP protocol is not allowed when skipTLSVerify is not set",
 * which names neither the cause nor the fix.
 *
 * The loader is our own, and the authentication is client-node's: its `KubeConfig` module
 * imports the whole generated API (every model and client of every Kubernetes group) and the
 * OpenID client, which took a process from 39 to 113 MiB of RSS and stayed for the operator's
 * life, while the operator sends plain JSON and uses none of it. So the kubeconfig is read here
 * with client-node's own parsing of clusters, users and contexts (config_types.js), and
 * credentials come from client-node's authenticators: exec plugins (ExecAuth) and token files
 * (FileAuth, the in-cluster service account's rotating token) always, the deprecated azure, gcp
 * and oidc auth-providers loaded only for a user that names one. Those three modules cost 3 MiB.
 */
import { accessSync, constants, readFileSync } from 'node:fs';
import type https from 'node:https';
import { isIPv6 } from 'node:net';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import {
  newClusters, newContexts, newUsers, type Cluster, type Context, type User,
} from '@kubernetes/client-node/dist/config_types.js';
import { ExecAuth } from '@kubernetes/client-node/dist/exec_auth.js';
import { FileAuth } from '@kubernetes/client-node/dist/file_auth.js';
import { parse } from 'yaml';

export type { Cluster, Context, User };

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
const SERVICE_ACCOUNT_TOKEN = `${SERVICE_ACCOUNT_DIR}/token`;

/** No usable kubeconfig: the user must pass or fix one (the CLI exits 2). */
export class KubeconfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KubeconfigError';
  }
}

/**
 * What the client needs of a configuration: the server, and credentials put into each request's
 * options. client-node's KubeConfig satisfies it too (tests build one by hand).
 */
export interface ClusterConnection {
  getCurrentCluster(): { readonly server: string } | null;
  /** Fills in CA, client certificate and key, TLS options and the Authorization header. */
  applyToHTTPSOptions(options: https.RequestOptions): Promise<void>;
}

/** client-node's authenticator shape (its auth.d.ts also names WebSocket options we never pass). */
interface Authenticator {
  isAuthProvider(user: User): boolean;
  applyAuthentication(user: User, options: https.RequestOptions): Promise<void>;
}

/** The auth-providers kubectl dropped in 1.26, each loaded from client-node on first use. */
const AUTH_PROVIDER_MODULES: Readonly<Record<string, () => Promise<Authenticator>>> = {
  azure: async () => new (await import('@kubernetes/client-node/dist/azure_auth.js')).AzureAuth(),
  gcp: async () => new (await import('@kubernetes/client-node/dist/gcp_auth.js')).GoogleCloudPlatformAuth(),
  oidc: async () => new (await import('@kubernetes/client-node/dist/oidc_auth.js')).OpenIDConnectAuth(),
};

interface KubeconfigDocument {
  readonly clusters?: unknown;
  readonly users?: unknown;
  readonly contexts?: unknown;
  readonly 'current-context'?: string;
}

/**
 * A loaded kubeconfig: clusters, users and contexts as client-node parses them, and the
 * credentials of the current context applied to requests as client-node's KubeConfig applies
 * them (certificate files are read again on every request, so rotated ones are used at once;
 * tokens from exec plugins and token files are cached and refreshed by client-node's code).
 */
export class Kubeconfig implements ClusterConnection {
  private clusters: Cluster[] = [];
  private users: User[] = [];
  private contexts: Context[] = [];
  private currentContext: string | undefined;
  /** One of each, so their token caches live as long as the configuration. */
  private readonly authenticators: Authenticator[] = [new ExecAuth(), new FileAuth()];
  private readonly providers = new Map<string, Promise<Authenticator>>();

  /** Parses one kubeconfig file; relative certificate paths are relative to the file. */
  static fromFile(file: string): Kubeconfig {
    const document = (parse(readFileSync(file, 'utf8')) ?? {}) as KubeconfigDocument;
    const config = new Kubeconfig();
    config.clusters = newClusters(document.clusters);
    config.users = newUsers(document.users);
    config.contexts = newContexts(document.contexts);
    config.currentContext = document['current-context'] || undefined;
    const root = dirname(file);
    const absolute = (path: string | undefined): string | undefined => (path && !isAbsolute(path) ? join(root, path) : path);
    for (const cluster of config.clusters) cluster.caFile = absolute(cluster.caFile);
    for (const user of config.users) {
      user.certFile = absolute(user.certFile);
      user.keyFile = absolute(user.keyFile);
    }
    return config;
  }

  /**
   * The pod's service account, as client-go's rest.InClusterConfig: the API server from
   * KUBERNETES_SERVICE_HOST/PORT, the mounted CA, and the mounted token, read again as the
   * kubelet rotates it.
   */
  static inCluster(env: NodeJS.ProcessEnv, directory = SERVICE_ACCOUNT_DIR): Kubeconfig {
    const host = env.KUBERNETES_SERVICE_HOST ?? '';
    const port = env.KUBERNETES_SERVICE_PORT ?? '443';
    const config = new Kubeconfig();
    config.clusters = [{
      name: 'inCluster',
      server: `https://${isIPv6(host) ? `[${host}]` : host}:${port}`,
      caFile: `${directory}/ca.crt`,
      skipTLSVerify: false,
    }];
    config.users = [{ name: 'inClusterUser', authProvider: { name: 'tokenFile', config: { tokenFile: `${directory}/token` } } }];
    config.contexts = [{ name: 'inClusterContext', cluster: 'inCluster', user: 'inClusterUser' }];
    config.currentContext = 'inClusterContext';
    return config;
  }

  getClusters(): readonly Cluster[] {
    return this.clusters;
  }

  getUsers(): readonly User[] {
    return this.users;
  }

  getContexts(): readonly Context[] {
    return this.contexts;
  }

  getCurrentContext(): string | undefined {
    return this.currentContext;
  }

  getCurrentCluster(): Cluster | null {
    const context = this.contexts.find((c) => c.name === this.currentContext);
    return this.clusters.find((c) => c.name === context?.cluster) ?? null;
  }

  getCurrentUser(): User | null {
    const context = this.contexts.find((c) => c.name === this.currentContext);
    return this.users.find((u) => u.name === context?.user) ?? null;
  }

  /**
   * Adds another file's entries as client-go merges the files `$KUBECONFIG` names: the first
   * file to name a cluster, user, context or current context wins.
   */
  merge(other: Kubeconfig): void {
    const missing = <T extends { name: string }>(mine: T[], theirs: readonly T[]): T[] =>
      [...mine, ...theirs.filter((entry) => !mine.some((m) => m.name === entry.name))];
    this.clusters = missing(this.clusters, other.clusters);
    this.users = missing(this.users, other.users);
    this.contexts = missing(this.contexts, other.contexts);
    this.currentContext ??= other.currentContext;
  }

  async applyToHTTPSOptions(options: https.RequestOptions): Promise<void> {
    const cluster = this.getCurrentCluster();
    const user = this.getCurrentUser();
    if (cluster?.skipTLSVerify) options.rejectUnauthorized = false;
    if (cluster?.tlsServerName) options.servername = cluster.tlsServerName;
    const ca = fileOrData(cluster?.caFile, cluster?.caData);
    if (ca) options.ca = ca;
    if (!user) return;
    const cert = fileOrData(user.certFile, user.certData);
    if (cert) options.cert = cert;
    const key = fileOrData(user.keyFile, user.keyData);
    if (key) options.key = key;
    const headers = (options.headers ??= {}) as Record<string, string>;
    if (user.impersonateUser) headers['Impersonate-User'] = user.impersonateUser;
    await (await this.authenticatorFor(user))?.applyAuthentication(user, options);
    if (user.token) headers.Authorization = `Bearer ${user.token}`;
    if (user.username) options.auth = `${user.username}:${user.password ?? ''}`;
  }

  private authenticatorFor(user: User): Promise<Authenticator | undefined> | Authenticator | undefined {
    const found = this.authenticators.find((authenticator) => authenticator.isAuthProvider(user));
    if (found) return found;
    const name = (user.authProvider as { name?: unknown } | undefined)?.name;
    if (typeof name !== 'string' || !Object.hasOwn(AUTH_PROVIDER_MODULES, name)) return undefined;
    let provider = this.providers.get(name);
    if (!provider) {
      provider = AUTH_PROVIDER_MODULES[name]!();
      this.providers.set(name, provider);
    }
    return provider;
  }
}

function fileOrData(file: string | undefined, data: string | undefined): Buffer | undefined {
  if (file) return readFileSync(file);
  if (data) return Buffer.from(data, 'base64');
  return undefined;
}

export interface KubeconfigSources {
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** @default os.homedir() */
  readonly home?: string;
  /** The in-cluster service account token. @default /var/run/secrets/kubernetes.io/serviceaccount/token */
  readonly serviceAccountToken?: string;
}

/** The kubeconfig to use, from `path` when given, else from where client-go would look. */
export function loadKubeConfig(path?: string, sources: KubeconfigSources = {}): Kubeconfig {
  const env = sources.env ?? process.env;
  if (path !== undefined) return fromFiles([path], `--kubeconfig ${path}`);
  const listed = (env.KUBECONFIG ?? '').split(delimiter).filter((file) => file !== '');
  if (listed.length > 0) return fromFiles(listed, `KUBECONFIG=${env.KUBECONFIG}`);
  const home = join(sources.home ?? homedir(), '.kube', 'config');
  if (readable(home)) return fromFiles([home], home);
  const token = sources.serviceAccountToken ?? SERVICE_ACCOUNT_TOKEN;
  if (env.KUBERNETES_SERVICE_HOST && readable(token)) return Kubeconfig.inCluster(env, dirname(token));
  throw new KubeconfigError('no kubeconfig found: pass --kubeconfig or set KUBECONFIG (in a cluster, the pod\'s service account is used)');
}

function fromFiles(files: readonly string[], source: string): Kubeconfig {
  let config: Kubeconfig | undefined;
  for (const file of files) {
    try {
      accessSync(file, constants.R_OK);
    } catch (error) {
      throw new KubeconfigError(`cannot read kubeconfig ${file} (${source}): ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    let loaded: Kubeconfig;
    try {
      loaded = Kubeconfig.fromFile(file);
    } catch (error) {
      throw new KubeconfigError(`kubeconfig ${file} is not valid: ${(error as Error).message}`);
    }
    if (config) config.merge(loaded);
    else config = loaded;
  }
  const first = files[0]!;
  const cluster = config!.getCurrentCluster();
  if (!cluster?.server) {
    throw new KubeconfigError(`kubeconfig ${first} has no current context with a cluster server (current-context: ${config!.getCurrentContext() || 'unset'})`);
  }
  if (cluster.server.startsWith('http:') && !cluster.skipTLSVerify) {
    throw new KubeconfigError(`kubeconfig ${first}: cluster ${cluster.name} is plain HTTP (${cluster.server}); use its https:// address`);
  }
  return config!;
}

function readable(file: string): boolean {
  try {
    accessSync(file, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}
