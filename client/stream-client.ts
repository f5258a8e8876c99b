// Streams to the apiserver that leave HTTP: WebSocket upgrades of pods/exec, attach and
// portforward (openWebSocket), and raw upgrades passed on by a proxy (openUpgrade). Each
// connection carries a RestClient's TLS (CA, client certificate, server name, insecure
// skip) and credentials (bearer token or token file, basic auth), as RestClient's own
// requests do. An answer that is not 101 Switching Protocols becomes the server's Status
// as a StatusError, else kubectl's "unable to upgrade connection: <body>" (client-go's
// SPDY round tripper); an unreachable server is RestClient's ConnectionError.
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Duplex, Readable, Writable } from 'node:stream';
import { WebSocket } from 'ws';
import { StatusError } from '../api/errors.js';
import type { Status } from '../api/types/meta.js';
import { buildQuery, toConnectionError, type Query, type RestClient } from './rest-client.js';

/** The server refused an upgrade without a Status: its answer's text, as kubectl prints it. */
export class UpgradeError extends Error {
  override name = 'UpgradeError';
  constructor(readonly statusCode: number, body: string) {
    super(`unable to upgrade connection: ${body.trim() || `${statusCode}`}`);
  }
}

export interface WebSocketRequest {
  /** Absolute API path, e.g. /api/v1/namespaces/default/pods/web/portforward. */
  path: string;
  query?: Query;
  /** Sec-WebSocket-Protocol values, the client's preference first. */
  protocols: readonly string[];
  signal?: AbortSignal;
}

/** The error an answer other than 101 stands for: the server's Status, else its text. */
export function upgradeRefusal(statusCode: number, body: string): Error {
  try {
    const parsed = JSON.parse(body) as Partial<Status>;
    if (parsed && parsed.kind === 'Status' && typeof parsed.code === 'number') return new StatusError(parsed as Status);
  } catch { /* not a Status */ }
  return new UpgradeError(statusCode, body);
}

/**
 * Opens a WebSocket to an API path. Resolves once the server switched protocols to one
 * of `protocols` (ws.protocol says which); rejects with the server's refusal otherwise.
 * The socket comes paused, so that no message the server sent at once is emitted before
 * the caller listens: it calls ws.resume() once its handlers are on. The caller owns the
 * socket: it reads, writes and closes it.
 */
export async function openWebSocket(rest: RestClient, o: WebSocketRequest): Promise<WebSocket> {
  const base = new URL(rest.server);
  base.protocol = base.protocol === 'https:' ? 'wss:' : 'ws:';
  const url = `${base.origin}${base.pathname.replace(/\/$/, '')}${o.path}${buildQuery(o.query)}`;
  const headers = await rest.credentialHeaders();
  return new Promise<WebSocket>((resolve, reject) => {
    let settled = false;
    const fail = (err: unknown): void => {
      if (settled) return;
      settled = true;
      o.signal?.removeEventListener('abort', onAbort);
      ws.terminate();
      reject(err);
    };
    const onAbort = (): void => fail(o.signal?.reason ?? new Error('aborted'));
    const ws = new WebSocket(url, [...o.protocols], {
      headers,
      perMessageDeflate: false,
      ...(rest.tls ?? {}),
    });
    ws.on('unexpected-response', (req, res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        req.destroy();
        fail(upgradeRefusal(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8')));
      });
      res.on('error', (err) => fail(toConnectionError(err, base.host)));
    });
    ws.once('error', (err) => fail(toConnectionError(err, base.host)));
    ws.once('open', () => {
      if (settled) return;
      if (!o.protocols.includes(ws.protocol)) {
        fail(new Error(`the server answered with the stream protocol ${JSON.stringify(ws.protocol)}, not one of ${o.protocols.join(', ')}`));
        return;
      }
      settled = true;
      o.signal?.removeEventListener('abort', onAbort);
      // Later socket errors end in 'close'; the owner listens to that.
      ws.on('error', () => undefined);
      // Frames that came with the handshake would flow before the caller's handlers are on.
      ws.pause();
      resolve(ws);
    });
    if (o.signal?.aborted) onAbort();
    else o.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Unsent bytes on a WebSocket above which sendPaced stops reading its source. */
export const SEND_HIGH_WATER_BYTES = 1 << 20;

/**
 * Sends what `source` reads as messages on `ws` (encode frames each chunk), only as
 * fast as the socket sends them: source is paused while more than
 * SEND_HIGH_WATER_BYTES wait unsent, resumed below half that. Returns what stops it.
 */
export function sendPaced(ws: WebSocket, source: Readable, encode: (chunk: Buffer) => Buffer | string): () => void {
  let paused = false;
  const onData = (chunk: Buffer | string): void => {
    ws.send(encode(typeof chunk === 'string' ? Buffer.from(chunk) : chunk), () => {
      if (paused && ws.bufferedAmount < SEND_HIGH_WATER_BYTES / 2) {
        paused = false;
        source.resume();
      }
    });
    if (ws.bufferedAmount > SEND_HIGH_WATER_BYTES) {
      paused = true;
      source.pause();
    }
  };
  source.on('data', onData);
  return () => { source.off('data', onData); };
}

/**
 * A writer of received payloads to local streams that holds the WebSocket (ws.pause)
 * while a stream it writes to is full, until that stream drains.
 */
export function pacedWriter(ws: WebSocket): (sink: Writable | undefined, data: Buffer) => void {
  const full = new Set<Writable>();
  return (sink, data) => {
    if (!sink || sink.destroyed) return;
    if (sink.write(data) || full.has(sink)) return;
    full.add(sink);
    if (full.size === 1) ws.pause();
    sink.once('drain', () => {
      full.delete(sink);
      if (full.size === 0) ws.resume();
    });
  };
}

export interface UpgradeRequest {
  method: string;
  /** The path and query as the server should see them. */
  path: string;
  headers: IncomingHttpHeaders;
}

/** The server's answer to an upgrade: switched (a socket to join) or refused (a response to pass on). */
export type UpgradeAnswer =
  | { switched: true; response: IncomingMessage; socket: Duplex; head: Buffer }
  | { switched: false; response: IncomingMessage };

/**
 * Sends an upgrade request as a proxy received it (kubectl proxy's UpgradeAwareHandler),
 * with the client's credentials unless it carries its own Authorization, on a connection
 * of its own. keepAliveMs sets TCP keep-alive on it (0: off).
 */
export function openUpgrade(rest: RestClient, o: UpgradeRequest, keepAliveMs = 0): Promise<UpgradeAnswer> {
  return rest.credentialHeaders().then((credentials) => new Promise<UpgradeAnswer>((resolve, reject) => {
    const server = rest.server;
    const headers: IncomingHttpHeaders = { ...credentials, ...o.headers, host: server.host };
    const send = server.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send({
      protocol: server.protocol, hostname: server.hostname.replace(/^\[|\]$/g, ''), port: server.port || undefined,
      method: o.method, path: o.path, headers, agent: false,
      ...(rest.tls ?? {}),
    });
    req.on('socket', (s) => { if (keepAliveMs > 0) s.setKeepAlive(true, keepAliveMs); });
    req.on('upgrade', (response, socket, head) => resolve({ switched: true, response, socket, head }));
    req.on('response', (response) => resolve({ switched: false, response }));
    req.on('error', (err) => reject(toConnectionError(err, server.host)));
    req.end();
  }));
}
