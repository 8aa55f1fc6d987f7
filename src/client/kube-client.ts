import http from 'node:http';
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError, type StatusCause } from './api-error.js';
import { loadKubeConfig, type ClusterConnection } from './kubeconfig.js';
import type { KubeObject, ObjectList, WatchEvent } from './objects.js';
import { RateLimitWaitAbortedError, TokenBucketRateLimiter } from './rate-limiter.js';
import { currentSignal, RequestCancelledError } from './request-signal.js';
import { apiVersionOf, resourcePath, type ResourceType } from './resources.js';

export type PatchType = 'json' | 'merge' | 'apply';

/**
 * The field validation of an apply. An apply is parsed as YAML (JSON is YAML), and under the API
 * server's default (Warn) it is parsed a second time only to find keys given twice, which a body
 * made by JSON.stringify cannot hold. Unknown fields are refused all the same: an apply is
 * converted to the type's schema, which refuses a field it does not declare whatever this says.
 */
const APPLY_FIELD_VALIDATION = 'Ignore';

const CONTENT_TYPES: Record<PatchType, string> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

export interface ListOptions {
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly resourceVersion?: string;
  readonly limit?: number;
  readonly continueToken?: string;
  /** Aborting cuts the request (it rejects with RequestCancelledError). */
  readonly signal?: AbortSignal;
}

export interface WatchOptions extends ListOptions {
  /** Ask the API server to end the watch after this long; the caller then resumes it. */
  readonly timeoutSeconds?: number;
  readonly allowWatchBookmarks?: boolean;
  /** Aborting ends the watch (the returned promise resolves). */
  readonly signal?: AbortSignal;
}

export interface DeleteOptions {
  readonly propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string };
}

/** Hears of one request: method, HTTP status (0: no answer) and seconds the server took. */
export type RequestListener = (method: string, status: number, durationSeconds: number) => void;

/** An answer of the API server, read whole. */
export interface Response {
  readonly status: number;
  readonly body: string;
  /** The Retry-After header, when the server sent one. */
  readonly retryAfter?: string;
}

export interface KubeClientOptions {
  /** The User-Agent of every request. @default 'redis-operator' */
  readonly userAgent?: string;
  /**
   * Requests per second on average, as client-go's QPS (`--kube-api-qps`); watches count when
   * they start. 0 or undefined: no client-side limit. @default no limit
   */
  readonly qps?: number;
  /** Requests that may go at once above `qps` (`--kube-api-burst`). @default ceil(qps) */
  readonly burst?: number;
  /** Sends again a request refused with 429 (or a 5xx) and Retry-After at most this often. @default 10 (client-go) */
  readonly maxRetries?: number;
}

interface RequestOptions {
  readonly query?: Record<string, string | number | boolean | undefined>;
  readonly body?: unknown;
  readonly contentType?: string;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** The field manager of every write the operator makes (server-side apply and updates). */
export const FIELD_MANAGER = 'redis-operator';

/**
 * A resourceVersion no stored object can have: 2^64 - 1, the largest the API server parses,
 * where etcd's revisions, from which resourceVersions come, are signed 64-bit numbers.
 */
const NEVER_STORED_VERSION = '18446744073709551615';

/** What came of a create by server-side apply. */
export type ApplyCreateOutcome<T extends KubeObject> =
  | { readonly kind: 'created'; readonly object: T }
  /** An object of that name exists (anyone's), and nothing was written. */
  | { readonly kind: 'exists' };
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * A small JSON client for the Kubernetes API, on top of a kubeconfig (kubeconfig.ts: files, the
 * in-cluster service account and its rotating token, client-node's exec plugins).
 *
 * Objects stay in wire form. client-node's typed APIs re-serialize bodies through their models,
 * which silently drops fields the models spell differently (`x-kubernetes-validations`,
 * `default`); the operator compares and writes exactly what the API server stores, so it talks
 * JSON directly. Connections are kept alive and shared.
 *
 * Every request made inside `runWithSignal(signal, ...)` (request-signal.ts) carries that
 * signal: once it aborts, requests in flight are cut and no further request, write or read, is
 * sent. That is how a reconcile stops acting the moment its operator loses the Lease.
 */
export class KubeClient {
  private readonly server: URL;
  private agent: http.Agent | undefined;
  /** The CA, client certificate and key the agent was made with. */
  private agentMaterial = '';
  private readonly requestListeners: Array<RequestListener> = [];
  private readonly throttleListeners: Array<(waitSeconds: number) => void> = [];
  private readonly userAgent: string;
  private readonly limiter: TokenBucketRateLimiter | undefined;
  private readonly maxRetries: number;

  constructor(private readonly kubeConfig: ClusterConnection, options: KubeClientOptions = {}) {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    this.server = new URL(cluster.server);
    this.userAgent = options.userAgent ?? 'redis-operator';
    this.maxRetries = options.maxRetries ?? 10;
    this.limiter = options.qps !== undefined && options.qps > 0
      ? new TokenBucketRateLimiter({ qps: options.qps, ...(options.burst !== undefined ? { burst: options.burst } : {}) })
      : undefined;
  }

  /**
   * From a kubeconfig file, or else $KUBECONFIG / ~/.kube/config / the in-cluster service
   * account; throws KubeconfigError when there is none or it cannot be used.
   */
  static load(kubeconfigPath?: string, options: KubeClientOptions = {}): KubeClient {
    return new KubeClient(loadKubeConfig(kubeconfigPath), options);
  }

  get serverUrl(): string {
    return this.server.toString();
  }

  /**
   * Called after every request but watches, with its method, HTTP status (0: no answer) and how
   * long the API server took (from sending to the last byte of the answer).
   */
  onRequest(listener: RequestListener): void {
    this.requestListeners.push(listener);
  }

  /** Called after every wait for the client-side rate limit, with its length (0 when none). */
  onThrottle(listener: (waitSeconds: number) => void): void {
    this.throttleListeners.push(listener);
  }

  private notifyRequest(method: string, status: number, sentAt: number): void {
    const seconds = (performance.now() - sentAt) / 1000;
    for (const listener of this.requestListeners) listener(method, status, seconds);
  }

  /** One object, or undefined when there is none. */
  async get<T extends KubeObject>(resource: ResourceType, name: string, namespace?: string): Promise<T | undefined> {
    try {
      return await this.request<T>('GET', resourcePath(resource, namespace, name));
    } catch (error) {
      if (error instanceof ApiError && error.isNotFound) return undefined;
      throw error;
    }
  }

  async list<T extends KubeObject>(resource: ResourceType, options: ListOptions = {}): Promise<ObjectList<T>> {
    const list = await this.request<ObjectList<T>>('GET', resourcePath(resource, options.namespace), {
      query: listQuery(options),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    // List items omit apiVersion and kind; put them back so every object is self-describing.
    const apiVersion = apiVersionOf(resource);
    return { ...list, items: (list.items ?? []).map((item) => ({ ...item, apiVersion, kind: resource.kind })) };
  }

  create<T extends KubeObject>(resource: ResourceType, body: KubeObject): Promise<T> {
    return this.request<T>('POST', resourcePath(resource, body.metadata.namespace), {
      body, query: { fieldManager: FIELD_MANAGER },
    });
  }

  /** PUT: an update guarded by `metadata.resourceVersion` (409 Conflict when stale). */
  replace<T extends KubeObject>(resource: ResourceType, body: KubeObject, subresource?: string): Promise<T> {
    return this.request<T>('PUT', resourcePath(resource, body.metadata.namespace, body.metadata.name, subresource), {
      body, query: { fieldManager: FIELD_MANAGER },
    });
  }

  patch<T extends KubeObject>(
    resource: ResourceType, namespace: string | undefined, name: string, patch: unknown, type: PatchType,
    options: { subresource?: string; force?: boolean } = {},
  ): Promise<T> {
    return this.request<T>('PATCH', resourcePath(resource, namespace, name, options.subresource), {
      body: patch,
      contentType: CONTENT_TYPES[type],
      query: {
        fieldManager: FIELD_MANAGER,
        ...(options.force ? { force: true } : {}),
        ...(type === 'apply' ? { fieldValidation: APPLY_FIELD_VALIDATION } : {}),
      },
    });
  }

  /** Server-side apply as the operator's field manager, taking over conflicting fields. Fields
   * the operator applied before and leaves out now are removed. */
  apply<T extends KubeObject>(resource: ResourceType, body: KubeObject): Promise<T> {
    return this.patch<T>(resource, body.metadata.namespace, body.metadata.name, body, 'apply', { force: true });
  }

  /**
   * Server-side apply that only a create can carry out, decided by the API server in the one
   * request. An apply to an absent object creates it and ignores the resourceVersion it carries
   * (nor is that field recorded in managedFields, so later applies without it change nothing);
   * to an existing object, a resourceVersion that is not the stored one is refused with 409 and
   * nothing written. So the object in the way is never touched, whoever's it is, and no other
   * writer can slip in between a look and a write. (A `metadata.uid` does not serve: the API
   * server refuses to create an object whose apply names a uid.)
   */
  async applyCreate<T extends KubeObject>(resource: ResourceType, body: KubeObject): Promise<ApplyCreateOutcome<T>> {
    try {
      const object = await this.apply<T>(resource, { ...body, metadata: { ...body.metadata, resourceVersion: NEVER_STORED_VERSION } });
      return { kind: 'created', object };
    } catch (error) {
      if (error instanceof ApiError && (error.isPreconditionConflict || error.isAlreadyExists)) return { kind: 'exists' };
      throw error;
    }
  }

  /** Deletes; true when it was there. */
  async delete(resource: ResourceType, name: string, namespace: string | undefined, options: DeleteOptions = {}): Promise<boolean> {
    try {
      await this.request('DELETE', resourcePath(resource, namespace, name), {
        body: { apiVersion: 'v1', kind: 'DeleteOptions', ...options },
      });
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.isNotFound) return false;
      throw error;
    }
  }

  /** GET of any path, as text (e.g. /metrics, /readyz). */
  async getText(path: string): Promise<string> {
    const { status, body } = await this.send('GET', path, {});
    if (status >= 300) throw new ApiError('GET', path, status, undefined, body.slice(0, 500));
    return body;
  }

  /**
   * Streams watch events to `onEvent` until the server ends the watch, the signal aborts it
   * (both resolve) or the connection fails (rejects). An ERROR event is thrown as ApiError, so
   * "410 Gone" reaches the caller as `isGone`.
   */
  async watch<T extends KubeObject>(resource: ResourceType, options: WatchOptions, onEvent: (event: WatchEvent<T>) => void): Promise<void> {
    const path = resourcePath(resource, options.namespace);
    const query = {
      ...listQuery(options),
      watch: true,
      allowWatchBookmarks: options.allowWatchBookmarks ?? true,
      timeoutSeconds: options.timeoutSeconds,
    };
    const signal = combinedSignal(options.signal);
    if (signal?.aborted) return;
    try {
      await this.throttle('WATCH', path, signal);
    } catch (error) {
      if (error instanceof RequestCancelledError) return;
      throw error;
    }
    const request = await this.prepare('GET', path, { query });
    const apiVersion = apiVersionOf(resource);
    await new Promise<void>((resolve, reject) => {
      const req = this.transport().request(request.url, { ...request.options, ...(signal ? { signal } : {}) }, (res) => {
        if ((res.statusCode ?? 0) >= 300) {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => { text += chunk; });
          res.on('end', () => reject(apiError('GET', path, res.statusCode ?? 0, text)));
          return;
        }
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let newline: number;
          while ((newline = buffer.indexOf('\n')) >= 0) {
            const line = buffer.slice(0, newline).trim();
            buffer = buffer.slice(newline + 1);
            if (line === '') continue;
            let event: WatchEvent<T>;
            try {
              event = JSON.parse(line) as WatchEvent<T>;
            } catch (error) {
              req.destroy(error as Error);
              return;
            }
            if (event.type === 'ERROR') {
              const status = event.object as unknown as { code?: number; reason?: string; message?: string };
              req.destroy(new ApiError('WATCH', path, status.code ?? 0, status.reason, status.message ?? 'watch error'));
              return;
            }
            try {
              onEvent({ type: event.type, object: { ...event.object, apiVersion, kind: resource.kind } });
            } catch (error) {
              req.destroy(error as Error);
              return;
            }
          }
        });
        res.on('end', () => resolve());
        res.on('error', (error) => reject(error));
        res.on('aborted', () => resolve());
      });
      req.on('error', (error) => {
        if (signal?.aborted) resolve();
        else reject(error);
      });
      req.end();
    });
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const { status, body } = await this.send(method, path, options);
    if (status >= 300) throw apiError(method, path, status, body);
    return (body === '' ? undefined : JSON.parse(body)) as T;
  }

  /**
   * Sends a request, through the rate limiter, and sends it again when the API server answers
   * 429 Too Many Requests or a 5xx with Retry-After (API Priority and Fairness rejecting it, a
   * server starting up): after the time Retry-After names, at most `maxRetries` times, as
   * client-go does. Both waits end at once when the signal aborts.
   */
  private async send(method: string, path: string, options: RequestOptions): Promise<Response> {
    const signal = combinedSignal(options.signal);
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    for (let attempt = 0; ; attempt++) {
      await this.throttle(method, path, signal);
      const response = await this.sendOnce(method, path, options, payload, signal);
      const retryInMs = retryAfterMs(response);
      if (retryInMs === undefined || attempt >= this.maxRetries) return response;
      // A cut wait ends here; the next attempt then refuses to send (RequestCancelledError).
      await sleep(retryInMs, undefined, signal ? { signal } : {}).catch(() => undefined);
    }
  }

  /** Waits for the rate limiter's token; a cancelled wait sends nothing. */
  private async throttle(method: string, path: string, signal: AbortSignal | undefined): Promise<void> {
    if (!this.limiter) return;
    const started = performance.now();
    try {
      await this.limiter.acquire(signal);
      const waited = (performance.now() - started) / 1000;
      for (const listener of this.throttleListeners) listener(waited);
    } catch (error) {
      if (error instanceof RateLimitWaitAbortedError) throw new RequestCancelledError(method, path, signal?.reason);
      throw error;
    }
  }

  private async sendOnce(method: string, path: string, options: RequestOptions, payload: string | undefined, signal: AbortSignal | undefined): Promise<Response> {
    // Checked last thing before the request leaves: nothing awaited after this line can let a
    // cancelled reconcile's write through.
    const refuseIfCancelled = (): void => {
      if (signal?.aborted) throw new RequestCancelledError(method, path, signal.reason);
    };
    refuseIfCancelled();
    const request = await this.prepare(method, path, options);
    refuseIfCancelled();
    const sentAt = performance.now();
    return new Promise((resolve, reject) => {
      const headers = payload === undefined
        ? request.options.headers
        : { ...request.options.headers, 'Content-Length': String(Buffer.byteLength(payload)) };
      const req = this.transport().request(request.url, {
        ...request.options,
        headers,
        timeout: options.timeoutMs ?? REQUEST_TIMEOUT_MS,
        ...(signal ? { signal } : {}),
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          this.notifyRequest(method, res.statusCode ?? 0, sentAt);
          const retryAfter = res.headers['retry-after'];
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ...(retryAfter ? { retryAfter } : {}) });
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new ApiError(method, path, 0, 'Timeout', 'request timed out')));
      req.on('error', (error) => {
        this.notifyRequest(method, 0, sentAt);
        reject(signal?.aborted ? new RequestCancelledError(method, path, signal.reason) : error);
      });
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  private transport(): typeof https | typeof http {
    return this.server.protocol === 'http:' ? http : https;
  }

  private async prepare(method: string, path: string, options: RequestOptions): Promise<{ url: URL; options: https.RequestOptions }> {
    // KubeConfig fills in credentials (and refreshes rotating tokens) on every call, reading
    // certificate files afresh each time; the TLS material goes into one keep-alive agent that
    // all requests share, replaced as soon as that material changes (a client certificate
    // rotated on disk by cert-manager or a kubelet-style rotation), since an agent's
    // connections keep presenting the certificate it was made with.
    const auth: https.RequestOptions = { headers: {} };
    await this.kubeConfig.applyToHTTPSOptions(auth);
    const material = `${String(auth.ca ?? '')}\n${String(auth.cert ?? '')}\n${String(auth.key ?? '')}`;
    if (!this.agent || material !== this.agentMaterial) {
      if (this.agent) retire(this.agent);
      const agentOptions = {
        keepAlive: true,
        ca: auth.ca, cert: auth.cert, key: auth.key,
        ...(auth.rejectUnauthorized !== undefined ? { rejectUnauthorized: auth.rejectUnauthorized } : {}),
        ...(auth.servername ? { servername: auth.servername } : {}),
      };
      this.agent = this.server.protocol === 'http:' ? new http.Agent({ keepAlive: true }) : new https.Agent(agentOptions);
      this.agentMaterial = material;
    }
    const url = new URL(this.server.toString().replace(/\/$/, '') + path);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'User-Agent': this.userAgent,
    };
    for (const [key, value] of Object.entries(auth.headers ?? {})) {
      if (typeof value === 'string') headers[key] = value;
    }
    if (auth.auth) headers.Authorization = `Basic ${Buffer.from(auth.auth).toString('base64')}`;
    if (options.body !== undefined) headers['Content-Type'] = options.contentType ?? 'application/json';
    return { url, options: { method, headers, agent: this.agent } };
  }
}

/**
 * Closes an agent's idle connections now and each busy one when its request is done, so that
 * only the new agent (and its new certificate) is used from here on. Watches still open on the
 * old agent carry on until they end.
 */
function retire(agent: http.Agent): void {
  agent.on('free', (socket) => socket.destroy());
  for (const sockets of Object.values(agent.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
}

/** The caller's signal and that of the work running now (request-signal.ts), either aborting. */
function combinedSignal(explicit: AbortSignal | undefined): AbortSignal | undefined {
  const ambient = currentSignal();
  if (explicit && ambient) return AbortSignal.any([explicit, ambient]);
  return explicit ?? ambient;
}

function listQuery(options: ListOptions): Record<string, string | number | undefined> {
  return {
    labelSelector: options.labelSelector,
    fieldSelector: options.fieldSelector,
    resourceVersion: options.resourceVersion,
    limit: options.limit,
    continue: options.continueToken,
  };
}

/** The longest Retry-After honoured: a server asking for more is answered with an error instead. */
const MAX_RETRY_AFTER_MS = 60_000;

/**
 * How long the server asked the client to wait before sending the request again, or undefined
 * when it did not ask: as client-go, only 429 and 5xx answers that carry Retry-After (seconds)
 * are retried.
 */
export function retryAfterMs(response: Response): number | undefined {
  if (response.status !== 429 && response.status < 500) return undefined;
  if (response.retryAfter === undefined || !/^\d+$/.test(response.retryAfter.trim())) return undefined;
  const ms = Number(response.retryAfter.trim()) * 1000;
  return ms <= MAX_RETRY_AFTER_MS ? ms : undefined;
}

function apiError(method: string, path: string, status: number, body: string): ApiError {
  try {
    const parsed = JSON.parse(body) as { reason?: string; message?: string; details?: { causes?: StatusCause[] } };
    return new ApiError(method, path, status, parsed.reason, parsed.message ?? body, parsed.details?.causes ?? []);
  } catch {
    return new ApiError(method, path, status, undefined, body.slice(0, 500));
  }
}
