// The kubelet's server: HTTPS on --address:--port with /healthz, /metrics/resource and
// /stats/summary (the node's and its containers' usage, from the stats collector), and
// /containerLogs/<ns>/<pod>/<container> with follow, tailLines, previous, timestamps,
// sinceSeconds, sinceTime and limitBytes, which the apiserver's pods/log proxies to
// (so `kubectl logs` works). Every request is authenticated and authorized first
// (server-auth.ts), as the kubelet's auth filter does. Errors are plain text with 400
// or 404, which the apiserver turns into a Status. Plain /healthz on
// --healthz-bind-address:--healthz-port is startHealthzServer.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { Transform, type Duplex, type Readable } from 'node:stream';
import type { Logger } from 'pino';
import { authorizeRequest, type KubeletAuthOptions } from './server-auth.js';
import { execUpgradeHandler, type ExecTargets } from './exec-server.js';
import { portForwardUpgradeHandler, type PortForwardTargets } from './portforward-server.js';
import { portForwardSpdyHandler } from './portforward-spdy.js';
import { refuseUpgrade } from './upgrade-socket.js';
import { renderResourceMetrics, summaryOf } from './resource-metrics.js';
import type { UsageSource } from './stats-collector.js';

export interface LogOptions {
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines?: number;
  /** Unix seconds: only lines after this time. */
  since?: number;
  limitBytes?: number;
}

/** Where logs come from (the pod workers and the runtime). */
export interface LogSource {
  /** The container's log stream; throws LogError when there is none to give. */
  containerLogs(namespace: string, pod: string, container: string, opts: LogOptions, signal: AbortSignal): Promise<Readable>;
}

/** A request the kubelet cannot answer (with logs, an exec, a port-forward); statusCode 400, 404 or 500 as the kubelet answers it. */
export class LogError extends Error {
  override name = 'LogError';
  constructor(readonly statusCode: 400 | 404 | 500, message: string) {
    super(message);
  }
}

/** The kubelet's default --streaming-connection-idle-timeout: 4h0m0s. */
export const DEFAULT_STREAMING_IDLE_TIMEOUT_MS = 4 * 3600_000;

export interface KubeletServer {
  port: number;
  close(): Promise<void>;
}

export interface ServerOptions {
  address: string;
  port: number;
  logs: LogSource;
  log: Logger;
  /** Answers /healthz: true when the kubelet is healthy. */
  healthy?: () => boolean;
  /**
   * Serve HTTPS with this certificate (PEM, with its chain) and key. clientCA (PEM,
   * --client-ca-file) is what client certificates are verified against; without it
   * none is asked for. Plain HTTP when absent (tests of the routes alone).
   */
  tls?: { cert: string; key: string; clientCA?: string };
  /** Who may do what: every request passes the auth filter first. None: every request is served (tests of the routes alone). */
  auth?: Omit<KubeletAuthOptions, 'clientCertificates'>;
  /** Containers to exec in and attach to, and pods to forward ports of (the WebSocket endpoints); absent: none. */
  exec?: ExecTargets & PortForwardTargets;
  /** The node's and its containers' usage, for /metrics/resource and /stats/summary; absent: those paths are 404. */
  usage?: UsageSource;
  /** --streaming-connection-idle-timeout: an exec, attach or port-forward connection quiet this long is closed (default 4 h; 0 never). */
  streamingIdleTimeoutMs?: number;
}

const nonNegativeInt = (v: string | undefined, name: string): number | undefined => {
  if (v === undefined || v === '') return undefined;
  if (!/^\d+$/.test(v)) throw new LogError(400, `invalid ${name}: ${JSON.stringify(v)} must be a non-negative integer`);
  return Number(v);
};
const bool = (v: string | undefined): boolean => v === 'true' || v === '1';

/** Parses the query of a containerLogs request, as the kubelet validates PodLogOptions. */
export function parseLogOptions(q: Record<string, string | undefined>, now = Date.now()): LogOptions {
  const sinceSeconds = nonNegativeInt(q.sinceSeconds, 'sinceSeconds');
  if (sinceSeconds !== undefined && sinceSeconds < 1) throw new LogError(400, 'sinceSeconds must be greater than 0');
  let since: number | undefined;
  if (q.sinceTime) {
    if (sinceSeconds !== undefined) throw new LogError(400, 'at most one of sinceTime or sinceSeconds may be specified');
    const t = Date.parse(q.sinceTime);
    if (Number.isNaN(t)) throw new LogError(400, `invalid sinceTime: ${JSON.stringify(q.sinceTime)} is not an RFC 3339 time`);
    since = Math.floor(t / 1000);
  } else if (sinceSeconds !== undefined) since = Math.floor(now / 1000) - sinceSeconds;
  const limitBytes = nonNegativeInt(q.limitBytes, 'limitBytes');
  if (limitBytes !== undefined && limitBytes < 1) throw new LogError(400, 'limitBytes must be greater than 0');
  return {
    follow: bool(q.follow), previous: bool(q.previous), timestamps: bool(q.timestamps),
    tailLines: nonNegativeInt(q.tailLines, 'tailLines'), since, limitBytes,
  };
}

/** Passes through at most n bytes, then ends the stream. */
function limitTo(n: number): Transform {
  let left = n;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (left <= 0) return done();
      const part = chunk.length > left ? chunk.subarray(0, left) : chunk;
      left -= part.length;
      this.push(part);
      if (left <= 0) this.push(null);
      done();
    },
  });
}

/** The three path segments of /containerLogs/<ns>/<pod>/<container>, or undefined. */
function containerLogsPath(pathname: string): { namespace: string; pod: string; container: string } | undefined {
  const m = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)\/?$/.exec(pathname);
  if (!m) return undefined;
  try {
    return { namespace: decodeURIComponent(m[1]), pod: decodeURIComponent(m[2]), container: decodeURIComponent(m[3]) };
  } catch {
    return undefined;
  }
}

function sendText(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** The request's URL; undefined when its target does not parse (an absolute-form target may not). */
function requestURL(req: IncomingMessage): URL | undefined {
  try {
    return new URL(req.url ?? '/', 'http://kubelet');
  } catch {
    return undefined;
  }
}

function sendHealthz(res: ServerResponse, healthy: (() => boolean) | undefined): void {
  const ok = healthy?.() ?? true;
  sendText(res, ok ? 200 : 500, ok ? 'ok' : 'unhealthy');
}

/** Listens and resolves the port listened on (the given one, or the one picked for 0). */
async function listen(server: Server | HttpsServer, address: string, port: number): Promise<number> {
  server.listen(port, address);
  await Promise.race([once(server, 'listening'), once(server, 'error').then(([err]) => { throw err; })]);
  const addr = server.address();
  return typeof addr === 'object' && addr ? addr.port : port;
}

function closer(server: Server | HttpsServer): () => Promise<void> {
  return async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
}

// Two routes need no framework: node:http and node:https keep the kubelet's memory low
// (fastify alone would add about 8 MB to every node).
export async function startKubeletServer(o: ServerOptions): Promise<KubeletServer> {
  const containerLogs = async (req: IncomingMessage, res: ServerResponse, p: { namespace: string; pod: string; container: string }, query: URLSearchParams): Promise<void> => {
    const ac = new AbortController();
    let stream: Readable;
    try {
      const q: Record<string, string | undefined> = {};
      for (const key of new Set(query.keys())) q[key] = query.get(key) ?? undefined;
      const opts = parseLogOptions(q);
      stream = await o.logs.containerLogs(p.namespace, p.pod, p.container, opts, ac.signal);
      if (opts.limitBytes !== undefined) stream = stream.pipe(limitTo(opts.limitBytes));
    } catch (err) {
      const code = err instanceof LogError ? err.statusCode : 500;
      if (code === 500) o.log.error({ err, ...p }, 'container logs failed');
      return sendText(res, code, (err as Error).message);
    }
    if (req.destroyed || res.destroyed) {
      ac.abort();
      stream.destroy();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
    // A client that goes away (kubectl logs -f interrupted) stops the follow.
    res.on('close', () => {
      ac.abort();
      stream.destroy();
    });
    stream.on('error', () => res.end());
    stream.pipe(res);
  };

  const route = (req: IncomingMessage, res: ServerResponse, url: URL): void => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return sendText(res, 405, `method ${String(req.method)} not allowed`);
    }
    if (url.pathname === '/healthz') return sendHealthz(res, o.healthy);
    if (o.usage && (url.pathname === '/metrics/resource' || url.pathname === '/stats/summary')) {
      const metrics = url.pathname === '/metrics/resource';
      o.usage.usage().then((u) => {
        const body = metrics ? renderResourceMetrics(u) : `${JSON.stringify(summaryOf(u), null, 2)}\n`;
        res.writeHead(200, { 'Content-Type': metrics ? 'text/plain; version=0.0.4; charset=utf-8' : 'application/json', 'Content-Length': Buffer.byteLength(body) });
        res.end(req.method === 'HEAD' ? undefined : body);
      }, (err: unknown) => {
        o.log.error({ err, path: url.pathname }, 'usage failed');
        sendText(res, 500, `Internal Error: ${(err as Error).message}`);
      });
      return;
    }
    const p = containerLogsPath(url.pathname);
    if (!p) return sendText(res, 404, `404 page not found: ${url.pathname}`);
    containerLogs(req, res, p, url.searchParams).catch((err: unknown) => {
      o.log.error({ err, ...p }, 'container logs failed');
      if (!res.headersSent) sendText(res, 500, 'internal error');
      else res.destroy();
    });
  };

  const auth = o.auth && { ...o.auth, clientCertificates: !!o.tls?.clientCA };
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const url = requestURL(req);
    if (!url) return sendText(res, 400, 'bad request');
    if (!auth) return route(req, res, url);
    // The path decided on is the path routed, so no request is served under attributes of another path.
    authorizeRequest(auth, req, url.pathname).then((r) => {
      if (r.allowed) route(req, res, url);
      else sendText(res, r.code, r.text);
    }, (err: unknown) => {
      o.log.error({ err }, 'auth filter failed');
      sendText(res, 500, 'internal error');
    });
  };

  const server = o.tls
    ? createHttpsServer({
      cert: o.tls.cert, key: o.tls.key,
      // Asked for, not required: a client may authenticate with a token, or not at all.
      ...(o.tls.clientCA ? { ca: o.tls.clientCA, requestCert: true, rejectUnauthorized: false } : {}),
    }, handler)
    : createServer(handler);
  // Stream upgrades (exec, attach, port-forward) pass the same auth filter, then go to their handler.
  const streams = { log: o.log.child({ component: 'streaming' }), idleTimeoutMs: o.streamingIdleTimeoutMs ?? DEFAULT_STREAMING_IDLE_TIMEOUT_MS };
  const execUpgrade = o.exec ? execUpgradeHandler(o.exec, streams) : undefined;
  const portForward = o.exec ? portForwardUpgradeHandler(o.exec, streams) : undefined;
  const spdyPortForward = o.exec ? portForwardSpdyHandler(o.exec, streams) : undefined;
  const upgrade = execUpgrade && portForward && spdyPortForward
    ? (req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): void => {
      // WebSocket (exec, attach, port-forward), or SPDY/3.1 (what kubectl falls back to).
      const spdy = /^spdy\//i.test(String(req.headers.upgrade ?? ''));
      if (!(spdy ? spdyPortForward : portForward)(req, socket, head, url)) execUpgrade(req, socket, head, url);
    }
    : undefined;
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    const url = requestURL(req);
    if (!url || !upgrade) return refuseUpgrade(socket, 404, '404 page not found');
    if (!auth) return upgrade(req, socket, head, url);
    authorizeRequest(auth, req, url.pathname).then((r) => {
      if (r.allowed) upgrade(req, socket, head, url);
      else refuseUpgrade(socket, r.code, r.text);
    }, (err: unknown) => {
      o.log.error({ err }, 'auth filter failed');
      refuseUpgrade(socket, 500, 'internal error');
    });
  });
  const port = await listen(server, o.address, o.port);
  o.log.info({ address: o.address, port, https: !!o.tls, auth: !!auth }, 'kubelet server listening');
  return { port, close: closer(server) };
}

export interface HealthzServerOptions {
  address: string;
  port: number;
  log: Logger;
  healthy?: () => boolean;
}

/**
 * The kubelet's plain-HTTP /healthz (--healthz-bind-address:--healthz-port, 127.0.0.1:10248),
 * with no authentication: what kubeadm and a node's supervisor poll. Nothing else is
 * served there.
 */
export async function startHealthzServer(o: HealthzServerOptions): Promise<KubeletServer> {
  const server = createServer((req, res) => {
    if (requestURL(req)?.pathname === '/healthz') return sendHealthz(res, o.healthy);
    sendText(res, 404, '404 page not found\n');
  });
  const port = await listen(server, o.address, o.port);
  o.log.info({ address: o.address, port }, 'kubelet healthz listening');
  return { port, close: closer(server) };
}
