// RestClient: the one HTTP client to the apiserver (DESIGN section 5). An undici Pool
// per server (keep-alive, unlimited connections so long watches never starve short
// requests), TLS and credentials from a ClientConfig, timeouts on every request, and
// failures rebuilt as the StatusError the server sent (or one made from the status
// code when the body is not a Status, as client-go's newUnstructuredResponseError).
import { Pool } from './undici-pool.js';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { makeStatus, StatusError, type StatusReason } from '../api/errors.js';
import type { Status } from '../api/types/meta.js';
import type { Clock } from './clock.js';
import { TokenFile, type ClientConfig } from './kubeconfig.js';

/** Query parameters; an array repeats its parameter (exec's command=sh&command=-c). */
export type Query = Record<string, string | number | boolean | readonly string[] | undefined | null>;

export interface RequestOptions {
  method?: string;
  /** Absolute API path, e.g. /api/v1/namespaces/default/pods. */
  path: string;
  query?: Query;
  /** An object is sent as JSON; a string or Buffer as is. */
  body?: unknown;
  contentType?: string;
  accept?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Deadline of ordinary requests: the headers within it, and no longer pause in the body (default: the client's, 30 s). */
  timeoutMs?: number;
}

export interface StreamResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: Readable;
}

export interface RestClientOptions {
  /** Sent as User-Agent, e.g. "kube-scheduler". */
  userAgent?: string;
  timeoutMs?: number;
  /**
   * Most connections to the server (default: no limit). Requests beyond it wait in the
   * client for a free one. Each open watch holds one for as long as it runs, so set it
   * well above the number of watches.
   */
  connections?: number;
  /** How often a config's tokenFile is read again (1 min, as client-go). */
  tokenFileRereadMs?: number;
  /** The clock of the tokenFile re-reads (tests step a FakeClock). */
  clock?: Clock;
  /** Where a failed re-read of the tokenFile is reported (the previous token stays in use). */
  log?: Logger;
  /**
   * Where each request's bearer token comes from, when something other than a file
   * rotates it (the controller manager's per-controller service-account tokens). Asked
   * before every request; replaces the config's token, tokenFile and basic auth.
   */
  tokenSource?: TokenSource;
  /** Told of each request and response (kubectl's -v=6..9 round-tripper logging). */
  trace?: RequestTrace;
}

/**
 * What a RestClient reports of each request it sends through its Pool, as client-go's
 * debugging round tripper sees it: the request before it goes out, the response once its
 * headers arrive, and the body of responses read whole. Headers are as sent: the
 * Authorization value included, so a tracer that prints them masks it.
 */
export interface RequestTrace {
  request(r: { method: string; url: string; headers: Record<string, string | string[]>; body?: string | Buffer }): void;
  response(r: { method: string; url: string; statusCode: number; ms: number; headers: Record<string, string | string[] | undefined> }): void;
  responseBody?(r: { method: string; url: string; body: string }): void;
}

/**
 * A bearer token that changes while a client runs (client-go's oauth2.TokenSource
 * behind ResettableTokenSourceWrapTransport). The RestClient calls token() before each
 * request and rejected() when the server answers 401 to one.
 */
export interface TokenSource {
  /** The token for the next request. A rejection fails that request with its error. */
  token(): string | Promise<string>;
  /**
   * The server answered 401 Unauthorized to a request sent with `token`: a source that
   * still holds that token should drop it, so the next request gets a new one.
   */
  rejected?(token: string): void;
}

/**
 * The server could not be reached at all (refused, reset, DNS, TLS). Not a StatusError:
 * callers treat it as transient; the CLI prints kubectl's "connection refused" line.
 */
export class ConnectionError extends Error {
  override name = 'ConnectionError';
  constructor(readonly server: string, readonly code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

const REASON_BY_CODE: Record<number, StatusReason> = {
  400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 405: 'MethodNotAllowed',
  406: 'NotAcceptable', 409: 'Conflict', 410: 'Gone', 413: 'RequestEntityTooLarge', 415: 'UnsupportedMediaType',
  422: 'Invalid', 429: 'TooManyRequests', 500: 'InternalError', 503: 'ServiceUnavailable', 504: 'Timeout',
};

/** Rebuilds the StatusError for a failed response from its status code and body text. */
export function statusErrorFrom(code: number, bodyText: string): StatusError {
  try {
    const parsed = JSON.parse(bodyText) as Partial<Status>;
    if (parsed && parsed.kind === 'Status' && typeof parsed.code === 'number') return new StatusError(parsed as Status);
  } catch { /* not JSON: fall through */ }
  const reason = REASON_BY_CODE[code] ?? (code >= 500 ? 'InternalError' : 'BadRequest');
  const text = bodyText.trim();
  const message = code === 404 ? 'the server could not find the requested resource'
    : text ? `an error on the server ("${text.slice(0, 200)}") has prevented the request from succeeding`
      : `the server responded with the status code ${code} but did not return more information`;
  return new StatusError(makeStatus(code, reason, message));
}

export function buildQuery(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (Array.isArray(v)) for (const item of v as readonly string[]) params.append(k, item);
    else if (v !== undefined && v !== null && v !== '') params.append(k, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

/** The TLS settings of a connection to the server, as node:tls and undici take them. */
export interface ServerTls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  rejectUnauthorized: boolean;
  servername?: string;
}

/** A request passed on as a proxy received it (RestClient.forward). */
export interface ForwardOptions {
  method: string;
  /** The path and query as the server should see them. */
  path: string;
  headers: Record<string, string | string[]>;
  body?: Readable;
  signal?: AbortSignal;
}

export class RestClient {
  readonly config: ClientConfig;
  readonly server: URL;
  /** TLS of every connection to an https server: the Pool's, and the streams client/stream-client.ts opens. */
  readonly tls?: ServerTls;
  private readonly pool: Pool;
  private readonly baseHeaders: Record<string, string | string[]>;
  private readonly trace?: RequestTrace;
  /** A rotated bearer token (in-cluster, kubeconfig tokenFile): read per request, cached for the re-read period. */
  private readonly tokenFile?: TokenFile;
  private readonly tokenSource?: TokenSource;
  private readonly timeoutMs: number;

  constructor(config: ClientConfig, opts: RestClientOptions = {}) {
    this.config = config;
    this.server = new URL(config.server);
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    if (this.server.protocol === 'https:') {
      this.tls = {
        ca: config.ca, cert: config.cert, key: config.key,
        rejectUnauthorized: !config.insecureSkipTLSVerify,
        servername: config.tlsServerName,
      };
    }
    this.pool = new Pool(this.server.origin, {
      connections: opts.connections ?? null,
      keepAliveTimeout: 30_000,
      connect: this.tls,
    });
    this.baseHeaders = { 'user-agent': opts.userAgent ?? 'tskube-client' };
    this.trace = opts.trace;
    if (opts.tokenSource) this.tokenSource = opts.tokenSource;
    else if (config.tokenFile) {
      this.tokenFile = new TokenFile(config.tokenFile, {
        initial: config.token, periodMs: opts.tokenFileRereadMs, clock: opts.clock,
        onError: (err) => opts.log?.error({ err, tokenFile: config.tokenFile }, 'unable to rotate token; the previous one stays in use'),
      });
    } else if (config.token) this.baseHeaders.authorization = `Bearer ${config.token}`;
    else if (config.username) this.baseHeaders.authorization = `Basic ${Buffer.from(`${config.username}:${config.password ?? ''}`).toString('base64')}`;
    // client-go's ImpersonatingRoundTripper: one Impersonate-Group header per group.
    if (config.impersonate) {
      this.baseHeaders['impersonate-user'] = config.impersonate.user;
      if (config.impersonate.groups?.length) this.baseHeaders['impersonate-group'] = [...config.impersonate.groups];
      if (config.impersonate.uid) this.baseHeaders['impersonate-uid'] = config.impersonate.uid;
    }
  }

  /** Sends a request and parses the JSON answer; a non-2xx answer throws StatusError. */
  async request<T = unknown>(o: RequestOptions): Promise<T> {
    const text = await this.requestText(o);
    if (text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new StatusError(makeStatus(500, 'InternalError', `the server returned a body that is not JSON for ${o.method ?? 'GET'} ${o.path}`));
    }
  }

  /**
   * Sends a request and returns the body as text (logs, YAML). The deadline is kept by
   * undici's own timers (the answer's headers within timeoutMs, and no longer pause in its
   * body): an AbortSignal per request costs more CPU than the rest of a small request.
   */
  async requestText(o: RequestOptions): Promise<string> {
    const timeoutMs = o.timeoutMs ?? this.timeoutMs;
    try {
      const res = await this.send(o, o.signal, timeoutMs, timeoutMs);
      const text = await res.body.text();
      this.trace?.responseBody?.({ method: o.method ?? 'GET', url: this.urlOf(o), body: text });
      if (res.statusCode >= 300) throw statusErrorFrom(res.statusCode, text);
      return text;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if ((code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') && !o.signal?.aborted) {
        throw new StatusError(makeStatus(504, 'Timeout', `the request ${o.method ?? 'GET'} ${o.path} did not finish within ${timeoutMs / 1000}s`));
      }
      throw err;
    }
  }

  /**
   * Opens a long-lived response (watch, logs -f): no body timeout. A non-2xx answer is
   * read fully and thrown as StatusError. The caller consumes or destroys the body.
   */
  async stream(o: RequestOptions): Promise<StreamResponse> {
    const res = await this.send(o, o.signal, this.timeoutMs, 0);
    if (res.statusCode >= 300) throw statusErrorFrom(res.statusCode, await res.body.text());
    return { statusCode: res.statusCode, headers: res.headers, body: res.body };
  }

  /**
   * The headers that identify this client on a connection it does not make through
   * its Pool (WebSocket streams): User-Agent and the Authorization the next request
   * would carry (bearer from the token source or file, else the config's token or basic auth).
   */
  async credentialHeaders(): Promise<Record<string, string | string[]>> {
    const headers = { ...this.baseHeaders };
    if (this.tokenSource) headers.authorization = `Bearer ${await this.tokenSource.token()}`;
    else if (this.tokenFile) headers.authorization = `Bearer ${this.tokenFile.token()}`;
    return headers;
  }

  /**
   * Passes a request on as a proxy received it (kubectl proxy): its method, path, query,
   * headers and streamed body, with this client's credentials unless it carries its own
   * Authorization. Answers whatever the server answered, any status, the body unread,
   * with no deadline (watches stream through). Only an unreachable server throws.
   */
  async forward(o: ForwardOptions): Promise<StreamResponse> {
    const headers: Record<string, string | string[]> = { ...(await this.credentialHeaders()), ...o.headers };
    try {
      const res = await this.pool.request({
        method: o.method as 'GET', path: o.path, headers, body: o.body, signal: o.signal,
        headersTimeout: 0, bodyTimeout: 0,
      });
      return { statusCode: res.statusCode, headers: res.headers, body: res.body };
    } catch (err) {
      throw toConnectionError(err, this.server.host);
    }
  }

  async close(): Promise<void> {
    await this.pool.close().catch(() => undefined);
  }

  /** Closes at once, aborting open streams. */
  async destroy(): Promise<void> {
    await this.pool.destroy().catch(() => undefined);
  }

  /** The full URL of a request, as client-go logs it. */
  private urlOf(o: RequestOptions): string {
    return `${this.server.origin}${this.server.pathname.replace(/\/$/, '')}${o.path}${buildQuery(o.query)}`;
  }

  private async send(o: RequestOptions, signal: AbortSignal | undefined, headersTimeout: number, bodyTimeout: number) {
    const headers: Record<string, string | string[]> = { ...this.baseHeaders, accept: o.accept ?? 'application/json', ...o.headers };
    // The token this request carries from the tokenSource, to tell it when refused.
    const sourced = this.tokenSource && !o.headers?.authorization ? await this.tokenSource.token() : undefined;
    if (sourced !== undefined) headers.authorization = `Bearer ${sourced}`;
    if (this.tokenFile && !o.headers?.authorization) headers.authorization = `Bearer ${this.tokenFile.token()}`;
    let body: string | Buffer | undefined;
    if (o.body !== undefined) {
      body = typeof o.body === 'string' || Buffer.isBuffer(o.body) ? o.body : JSON.stringify(o.body);
      headers['content-type'] = o.contentType ?? 'application/json';
    }
    const method = o.method ?? 'GET';
    const started = this.trace ? performance.now() : 0;
    this.trace?.request({ method, url: this.urlOf(o), headers, body });
    try {
      const res = await this.pool.request({
        method: method as 'GET',
        path: this.server.pathname.replace(/\/$/, '') + o.path + buildQuery(o.query),
        headers, body, signal,
        headersTimeout,
        bodyTimeout,
      });
      this.trace?.response({ method, url: this.urlOf(o), statusCode: res.statusCode, ms: Math.round(performance.now() - started), headers: res.headers });
      if (res.statusCode === 401 && sourced !== undefined) this.tokenSource?.rejected?.(sourced);
      return res;
    } catch (err) {
      throw toConnectionError(err, this.server.host);
    }
  }
}

/** A failure to reach host as kubectl words it (ConnectionError); StatusErrors and aborts pass as they are. */
export function toConnectionError(err: unknown, host: string): unknown {
  if (err instanceof StatusError) return err;
  const e = err as { code?: string; name?: string; message?: string; cause?: { code?: string } };
  if (e?.name === 'AbortError' || e?.code === 'UND_ERR_ABORTED' || e?.code === 'ABORT_ERR') return err;
  const code = e?.code ?? e?.cause?.code ?? 'ECONNERROR';
  const message = code === 'ECONNREFUSED' ? `The connection to the server ${host} was refused - did you specify the right host or port?`
    : code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? `Unable to connect to the server: dial tcp: lookup ${host.split(':')[0]}: no such host`
      : code === 'UND_ERR_HEADERS_TIMEOUT' ? `Unable to connect to the server: the server ${host} did not answer in time`
        : `Unable to connect to the server: ${e?.message ?? String(err)}`;
  return new ConnectionError(host, code, message, { cause: err });
}
