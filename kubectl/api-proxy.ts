// The server of `proxy` (kubectl's pkg/proxy): a local HTTP server that passes every
// request under the API prefix to the apiserver with the kubeconfig's credentials
// (RestClient.forward, bodies streamed both ways so watches stream through; upgrades
// such as exec and port-forward through client/stream-client.ts), after kubectl's
// request filter (accepted hosts and paths, rejected paths and methods: 403 Forbidden).
// Optionally static files from a directory under another prefix. The routing is Go's
// ServeMux: the longest matching prefix, a redirect to "prefix/" for "prefix".
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { RestClient } from '../client/rest-client.js';
import { openUpgrade } from '../client/stream-client.js';
import { joinSockets } from '../client/join-sockets.js';
import { errorText } from './error-text.js';
import { cleanPath } from './file-spec.js';
import { splitHostPort } from './go-net.js';

export const DEFAULT_HOST_ACCEPT_RE = '^localhost$,^127\\.0\\.0\\.1$,^\\[::1\\]$';
export const DEFAULT_PATH_ACCEPT_RE = '^.*';
export const DEFAULT_PATH_REJECT_RE = '^/api/.*/pods/.*/exec,^/api/.*/pods/.*/attach';
export const DEFAULT_METHOD_REJECT_RE = '^$';

/** MakeRegexpArray: a comma-separated list of regular expressions ("" is none). */
export function makeRegexpArray(list: string): RegExp[] {
  if (list === '') return [];
  return list.split(',').map((part) => {
    try {
      return new RegExp(part);
    } catch (err) {
      throw new Error(`Error compiling re: error parsing regexp: ${(err as Error).message}`);
    }
  });
}

/** kubectl's FilterServer rules. */
export interface RequestFilter {
  acceptPaths: RegExp[];
  rejectPaths: RegExp[];
  acceptHosts: RegExp[];
  rejectMethods: RegExp[];
}

const matchesAny = (s: string, res: readonly RegExp[]): boolean => res.some((re) => re.test(s));

/** FilterServer.accept: not a rejected path or method, and an accepted path on an accepted host. */
export function accepts(f: RequestFilter, method: string, path: string, host: string): boolean {
  if (matchesAny(path, f.rejectPaths) || matchesAny(method, f.rejectMethods)) return false;
  return matchesAny(path, f.acceptPaths) && matchesAny(host, f.acceptHosts);
}

/** extractHost: the host of a Host header ("localhost:8001" → "localhost"), the header itself when it has no port. */
export function extractHost(header: string): string {
  return splitHostPort(header)?.host ?? header;
}

/** stripLeaveSlash: the path below prefix, always starting with "/"; undefined when it is not below it (404). */
export function stripLeaveSlash(prefix: string, path: string): string | undefined {
  if (!path.startsWith(prefix) || prefix.length === 0) return undefined;
  const p = path.slice(prefix.length);
  return p.length > 0 && !p.startsWith('/') ? `/${p}` : p;
}

export type Route = { to: 'api' | 'static' } | { to: 'redirect'; location: string } | { to: 'none' };

/**
 * Go's ServeMux for the two patterns (both end in "/"): "prefix" without its slash is
 * redirected to "prefix/" first; otherwise the longest matching prefix wins.
 */
export function route(path: string, apiPrefix: string, staticPrefix?: string): Route {
  const patterns: { prefix: string; to: 'api' | 'static' }[] = [{ prefix: apiPrefix, to: 'api' }];
  if (staticPrefix) patterns.push({ prefix: staticPrefix, to: 'static' });
  if (!patterns.some((p) => p.prefix === path)) {
    const sub = patterns.find((p) => p.prefix === `${path}/`);
    if (sub) return { to: 'redirect', location: sub.prefix };
  }
  patterns.sort((a, b) => b.prefix.length - a.prefix.length);
  const hit = patterns.find((p) => path.startsWith(p.prefix));
  return hit ? { to: hit.to } : { to: 'none' };
}

export interface ApiProxyOptions {
  rest: RestClient;
  /** Ends in "/". */
  apiPrefix: string;
  /** undefined: --disable-filter. */
  filter?: RequestFilter;
  /** --www: a directory to serve under staticPrefix (ends in "/"). */
  staticDir?: string;
  staticPrefix: string;
  /** --append-server-path: the server URL's own path goes before every request's. */
  appendServerPath: boolean;
  /** TCP keep-alive of upgraded connections to the server (0: off). */
  keepAliveMs: number;
  /** Where errors are reported, as kubectl logs them. */
  log: (line: string) => void;
}

/** Go's http.Error: a plain-text answer. */
function httpError(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' });
  res.end(`${text}\n`);
}

/** Headers that belong to one connection, never passed on (Go's ReverseProxy hopHeaders). */
const HOP_HEADERS = new Set(['connection', 'proxy-connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'expect']);

function forwardedHeaders(req: IncomingMessage, keep: readonly string[] = []): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v !== undefined && (!HOP_HEADERS.has(k) || keep.includes(k))) out[k] = v;
  }
  const client = req.socket.remoteAddress;
  if (client) {
    const prior = req.headers['x-forwarded-for'];
    out['x-forwarded-for'] = prior ? `${String(prior)}, ${client}` : client;
  }
  return out;
}

/** The path a request goes to upstream, and the one the filter judges (decoded), or why there is none. */
function target(o: ApiProxyOptions, req: IncomingMessage): { path: string; query: string; decoded: string } | { status: 404 } {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  let path = q === -1 ? url : url.slice(0, q);
  const query = q === -1 ? '' : url.slice(q);
  if (!o.apiPrefix.startsWith('/api')) {
    const stripped = stripLeaveSlash(o.apiPrefix, path);
    if (stripped === undefined) return { status: 404 };
    path = stripped;
  }
  let decoded = path;
  try {
    decoded = decodeURIComponent(path);
  } catch { /* kept as sent */ }
  const base = o.appendServerPath ? o.rest.server.pathname.replace(/\/$/, '') : '';
  return { path: base + path, query, decoded };
}

export class ApiProxy {
  readonly server: Server;

  constructor(private readonly o: ApiProxyOptions) {
    this.server = createServer((req, res) => {
      this.serve(req, res).catch((err: unknown) => {
        this.o.log(`Error while proxying request: ${errorText(err)}`);
        if (!res.headersSent) httpError(res, 500, errorText(err));
        else res.destroy();
      });
    });
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', () => undefined);
      this.serveUpgrade(req, socket as Socket, head).catch((err: unknown) => {
        this.o.log(`Error while proxying request: ${errorText(err)}`);
        socket.end(rawResponse(500, 'Internal Server Error', `${errorText(err)}\n`));
      });
    });
  }

  private allowed(req: IncomingMessage, decodedPath: string): boolean {
    return !this.o.filter || accepts(this.o.filter, req.method ?? 'GET', decodedPath, extractHost(req.headers.host ?? ''));
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    const r = route(path, this.o.apiPrefix, this.o.staticDir ? this.o.staticPrefix : undefined);
    if (r.to === 'redirect') return redirect(res, r.location);
    if (r.to === 'none') return httpError(res, 404, '404 page not found');
    if (r.to === 'static') return serveStatic(res, this.o.staticDir!, path.slice(this.o.staticPrefix.length));
    const t = target(this.o, req);
    if ('status' in t) return httpError(res, 404, '404 page not found');
    if (!this.allowed(req, t.decoded)) return httpError(res, 403, 'Forbidden');
    const hasBody = req.headers['content-length'] !== undefined ? req.headers['content-length'] !== '0' : req.headers['transfer-encoding'] !== undefined;
    const stop = new AbortController();
    res.on('close', () => { if (!res.writableFinished) stop.abort(); });
    const upstream = await this.o.rest.forward({
      method: req.method ?? 'GET', path: t.path + t.query, headers: forwardedHeaders(req), body: hasBody ? req : undefined, signal: stop.signal,
    });
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(upstream.headers)) if (v !== undefined && !HOP_HEADERS.has(k)) headers[k] = v;
    res.writeHead(upstream.statusCode, headers);
    // Each chunk goes out as it comes: a watch streams.
    res.flushHeaders();
    await pipeline(upstream.body, res).catch(() => upstream.body.destroy());
  }

  private async serveUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    const r = route(path, this.o.apiPrefix, this.o.staticDir ? this.o.staticPrefix : undefined);
    const t = r.to === 'api' ? target(this.o, req) : { status: 404 as const };
    if ('status' in t) return void socket.end(rawResponse(404, 'Not Found', '404 page not found\n'));
    if (!this.allowed(req, t.decoded)) return void socket.end(rawResponse(403, 'Forbidden', 'Forbidden\n'));
    const answer = await openUpgrade(this.o.rest, {
      method: req.method ?? 'GET', path: t.path + t.query, headers: forwardedHeaders(req, ['connection', 'upgrade']),
    }, this.o.keepAliveMs);
    const res = answer.response;
    const lines = [`HTTP/1.1 ${res.statusCode ?? 502} ${res.statusMessage ?? ''}`];
    for (let i = 0; i < res.rawHeaders.length; i += 2) {
      const name = res.rawHeaders[i]!;
      if (!answer.switched && ['connection', 'transfer-encoding', 'keep-alive'].includes(name.toLowerCase())) continue;
      lines.push(`${name}: ${res.rawHeaders[i + 1]}`);
    }
    if (!answer.switched) {
      // A refusal (403, 404, a Status) goes back as it came, then the connection ends.
      socket.write(`${lines.join('\r\n')}\r\nConnection: close\r\n\r\n`);
      await pipeline(res, socket).catch(() => socket.destroy());
      return;
    }
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (answer.head.length) socket.write(answer.head);
    if (head.length) answer.socket.write(head);
    joinSockets(socket, answer.socket);
  }
}

function rawResponse(code: number, reason: string, body: string): string {
  return `HTTP/1.1 ${code} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

/** Go's http.Redirect with 301, as ServeMux answers "prefix" for "prefix/". */
function redirect(res: ServerResponse, location: string): void {
  res.writeHead(301, { location, 'content-type': 'text/html; charset=utf-8' });
  res.end(`<a href="${location}">Moved Permanently</a>.\n\n`);
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.htm': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8', '.json': 'application/json', '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.ico': 'image/x-icon',
};

/** http.FileServer(http.Dir(base)) below the static prefix: files, index.html, a listing of other directories. */
async function serveStatic(res: ServerResponse, base: string, rel: string): Promise<void> {
  const clean = cleanPath(`/${rel}`);
  const file = join(base, clean);
  let st;
  try {
    st = await stat(file);
  } catch {
    return httpError(res, 404, '404 page not found');
  }
  if (st.isDirectory()) {
    if (rel !== '' && !rel.endsWith('/')) return redirect(res, `${clean.slice(clean.lastIndexOf('/') + 1)}/`);
    const index = join(file, 'index.html');
    if (await stat(index).then((s) => s.isFile(), () => false)) return sendFile(res, index);
    const names = (await readdir(file, { withFileTypes: true })).map((d) => (d.isDirectory() ? `${d.name}/` : d.name)).sort();
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html>\n<meta name="viewport" content="width=device-width">\n<pre>\n${names.map((n) => `<a href="${encodeURI(n)}">${escapeHtml(n)}</a>`).join('\n')}${names.length ? '\n' : ''}</pre>\n`);
    return;
  }
  await sendFile(res, file);
}

async function sendFile(res: ServerResponse, file: string): Promise<void> {
  const st = await stat(file);
  const ext = file.slice(file.lastIndexOf('.')).toLowerCase();
  res.writeHead(200, { 'content-type': CONTENT_TYPES[ext] ?? 'application/octet-stream', 'content-length': st.size });
  await pipeline(createReadStream(file), res);
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' })[c]!);
}
