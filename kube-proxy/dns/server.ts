// The cluster DNS server kube-proxy runs on every node, bound to the kube-dns ClusterIP
// port 53: the sockets (UDP, and TCP with 2-byte length framing, several queries per
// connection, an idle timeout) around answer() over a DnsView that follows the
// Services and EndpointSlices informers. Encoded answers are cached by question until
// the view changes, so a repeated question costs a map lookup and a copy. Names that
// are not the cluster's go to the upstream when one is configured, else get SERVFAIL.
import dgram from 'node:dgram';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Service } from '../../api/types/core.js';
import type { EndpointSlice } from '../../api/types/discovery.js';
import type { Informer } from '../../client/informer.js';
import type { ProxyMetrics } from '../metrics.js';
import { answer, DnsView, type DnsAnswer } from './records.js';
import { Upstream } from './upstream.js';
import { className, encodeResponse, MAX_UDP_SIZE, parseQuery, patchResponse, rcodeName, RCODES, typeName, type ParsedQuery } from './wire.js';

export interface ClusterDnsOptions {
  /** Informers the caller has started; the server follows them until close(). */
  services: Informer<Service>;
  endpointSlices: Informer<EndpointSlice>;
  /** The cluster domain: 'cluster.local'. */
  domain: string;
  /** Where to listen, UDP and TCP on the same port (port 0: any free one, for tests). */
  listen: { address: string; port: number };
  /** Where names outside the cluster go; none (the default): they get SERVFAIL and nothing leaves the node. */
  upstream?: { address: string; port: number };
  /** How long the upstream has to answer (2000 ms). */
  upstreamTimeoutMs?: number;
  /** A TCP connection with no query for this long is closed (10000 ms). */
  tcpIdleTimeoutMs?: number;
  /** Keep encoded answers for repeated questions (true); false measures the uncached path. */
  responseCache?: boolean;
  log: Logger;
  metrics?: ProxyMetrics;
}

export interface ClusterDns {
  /** The port UDP and TCP listen on. */
  port: number;
  /** Stops listening, closes connections and upstream sockets, and stops following the informers. */
  close(): Promise<void>;
}

const CACHE_MAX_ENTRIES = 20_000;
const TCP_MAX_IN_FLIGHT = 64;
const TCP_MAX_CONNECTIONS = 1000;

/** Binds UDP and TCP on one port and answers until close(). Rejects when it cannot listen. */
export async function startClusterDns(o: ClusterDnsOptions): Promise<ClusterDns> {
  // The caller names the component (kube-proxy's log.child({ component: 'dns' })).
  const log = o.log;
  const unspecified = o.listen.address === '0.0.0.0' || o.listen.address === '::';
  const view = new DnsView({ domain: o.domain, nameservers: unspecified ? [] : [o.listen.address] });
  const stopFollowing = view.follow(o.services, o.endpointSlices);
  const upstream = o.upstream ? new Upstream({ ...o.upstream, timeoutMs: o.upstreamTimeoutMs ?? 2000, log }) : undefined;
  const responder = new Responder(view, upstream, o.responseCache ?? true, log, o.metrics);
  let sockets: Listening;
  try {
    sockets = await listen(o.listen, responder, o.tcpIdleTimeoutMs ?? 10_000, log);
  } catch (err) {
    stopFollowing();
    upstream?.close();
    throw err;
  }
  const { udp, tcp, open } = sockets;
  const port = (udp.address() as net.AddressInfo).port;
  log.debug({ address: o.listen.address, port, domain: view.zone, upstream: o.upstream ?? null }, 'cluster DNS listening');
  let closing: Promise<void> | undefined;
  return {
    port,
    close() {
      closing ??= (async () => {
        stopFollowing();
        upstream?.close();
        responder.closed = true;
        await Promise.all([
          new Promise<void>((resolve) => udp.close(() => resolve())),
          new Promise<void>((resolve) => { tcp.close(() => resolve()); for (const s of open) s.destroy(); }),
        ]);
        log.debug('cluster DNS stopped');
      })();
      return closing;
    },
  };
}

interface Listening {
  udp: dgram.Socket;
  tcp: net.Server;
  /** Open TCP connections, destroyed at close. */
  open: Set<net.Socket>;
}

/** UDP then TCP on the same port; with port 0, tries again when TCP finds UDP's port taken. */
async function listen(at: { address: string; port: number }, r: Responder, idleMs: number, log: Logger): Promise<Listening> {
  for (let attempt = 0; ; attempt++) {
    const udp = await bindUdp(at, r, log);
    const port = (udp.address() as net.AddressInfo).port;
    try {
      const open = new Set<net.Socket>();
      const tcp = await listenTcp({ address: at.address, port }, r, idleMs, log, open);
      return { udp, tcp, open };
    } catch (err) {
      await new Promise<void>((resolve) => udp.close(() => resolve()));
      if (at.port !== 0 || attempt >= 4 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    }
  }
}

function bindUdp(at: { address: string; port: number }, r: Responder, log: Logger): Promise<dgram.Socket> {
  const udp = dgram.createSocket({ type: net.isIPv6(at.address) ? 'udp6' : 'udp4' });
  return new Promise((resolve, reject) => {
    const failed = (err: Error): void => {
      try { udp.close(); } catch { /* already closed */ }
      reject(err);
    };
    udp.once('error', failed);
    udp.bind(at.port, at.address, () => {
      udp.off('error', failed);
      udp.on('error', (err) => log.error({ err }, 'UDP socket failed'));
      try {
        // Room for bursts while the loop is busy; the kernel caps it at rmem_max.
        udp.setRecvBufferSize(4 << 20);
      } catch { /* the default buffer still works */ }
      udp.on('message', (msg, rinfo) => {
        r.respond(msg, 'udp', (out) => udp.send(out, rinfo.port, rinfo.address, (err) => {
          if (err) log.debug({ err, client: rinfo.address }, 'UDP answer not sent');
        }));
      });
      resolve(udp);
    });
  });
}

function listenTcp(at: { address: string; port: number }, r: Responder, idleMs: number, log: Logger, open: Set<net.Socket>): Promise<net.Server> {
  // Half-open: a client may shut its side after its last query and still read the answers.
  const server = net.createServer({ allowHalfOpen: true }, (sock) => serveConnection(sock, r, idleMs, log, open));
  server.maxConnections = TCP_MAX_CONNECTIONS;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: at.address, port: at.port }, () => {
      server.off('error', reject);
      server.on('error', (err) => log.error({ err }, 'TCP server failed'));
      resolve(server);
    });
  });
}

/** One TCP client: length-prefixed queries in, answers out as they are ready (RFC 7766 allows any order). */
function serveConnection(sock: net.Socket, r: Responder, idleMs: number, log: Logger, open: Set<net.Socket>): void {
  open.add(sock);
  sock.setNoDelay(true);
  sock.setTimeout(idleMs, () => sock.destroy());
  sock.on('error', (err) => log.debug({ err }, 'DNS TCP connection failed'));
  sock.on('close', () => open.delete(sock));
  let buf: Buffer = Buffer.alloc(0);
  let inFlight = 0;
  let ended = false;
  const finished = (): void => {
    inFlight--;
    if (ended && inFlight === 0) sock.end();
  };
  sock.on('end', () => {
    ended = true;
    if (inFlight === 0) sock.end();
  });
  sock.on('data', (chunk) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    while (buf.length >= 2) {
      const len = buf.readUInt16BE(0);
      if (len < 12) {
        // Too short for a header: nothing to answer, and the framing cannot be trusted.
        sock.destroy();
        return;
      }
      if (buf.length < 2 + len) break;
      const msg = buf.subarray(2, 2 + len);
      buf = buf.subarray(2 + len);
      inFlight++;
      if (inFlight >= TCP_MAX_IN_FLIGHT) sock.pause();
      r.respond(msg, 'tcp', (out) => {
        if (!sock.destroyed && sock.writable) {
          const framed = Buffer.allocUnsafe(out.length + 2);
          framed.writeUInt16BE(out.length, 0);
          out.copy(framed, 2);
          sock.write(framed);
          if (inFlight <= TCP_MAX_IN_FLIGHT && sock.isPaused()) sock.resume();
        }
        finished();
      }, finished);
    }
  });
}

/**
 * Turns a query into an answer for either transport: parse, cached bytes or answer()
 * plus encoding, or the upstream. Each query gets at most one reply() call; a
 * dropped one gets dropped() instead.
 */
class Responder {
  closed = false;
  private readonly cache = new Map<string, Buffer>();
  private generation = -1;

  constructor(private readonly view: DnsView, private readonly upstream: Upstream | undefined, private readonly caching: boolean,
    private readonly log: Logger, private readonly metrics?: ProxyMetrics) {}

  respond(msg: Buffer, transport: 'udp' | 'tcp', reply: (out: Buffer) => void, dropped?: () => void): void {
    const start = performance.now();
    let replied = false;
    const send = (out: Buffer): void => {
      if (replied) return;
      replied = true;
      if (this.closed) return dropped?.();
      this.metrics?.dnsAnswered(rcodeName(out), transport, performance.now() - start);
      reply(out);
    };
    const drop = (): void => {
      if (replied) return;
      replied = true;
      dropped?.();
    };
    try {
      const parsed = parseQuery(msg);
      if (parsed.kind === 'drop') return drop();
      if (parsed.kind === 'error') {
        send(encodeResponse(msg, parsed, { rcode: parsed.rcode, authoritative: false, answers: [], authority: [], additional: [] }, { maxSize: 512 }));
        return;
      }
      this.answerQuery(msg, parsed.query, transport, send, drop);
    } catch (err) {
      this.log.error({ err }, 'DNS query failed');
      if (replied) return;
      try {
        const p = parseQuery(msg);
        if (p.kind === 'query') send(this.encode(msg, p.query, { rcode: 'SERVFAIL', authoritative: false, answers: [], authority: [], additional: [] }, transport));
      } catch { /* nothing more to try */ }
      drop();
    }
  }

  private answerQuery(msg: Buffer, q: ParsedQuery, transport: 'udp' | 'tcp', send: (out: Buffer) => void, drop: () => void): void {
    if (q.edns && q.edns.version > 0) {
      // RFC 6891: only EDNS version 0 exists.
      send(encodeResponse(msg, q, { rcode: RCODES.BADVERS, authoritative: false, answers: [], authority: [], additional: [] },
        { maxSize: 512, edns: { udpSize: MAX_UDP_SIZE, dnssecOk: false } }));
      return;
    }
    const gen = this.view.generation();
    if (gen !== this.generation) {
      this.cache.clear();
      this.generation = gen;
    }
    const key = this.caching ? `${q.qtype}/${q.qclass}/${transport === 'tcp' ? 'tcp' : udpLimit(q)}/${q.edns ? (q.edns.dnssecOk ? 2 : 1) : 0}/${q.name}` : '';
    const hit = this.caching ? this.cache.get(key) : undefined;
    if (hit) {
      send(patchResponse(hit, msg, q.questionEnd));
      return;
    }
    const a = answer({ name: q.name, type: typeName(q.qtype), class: className(q.qclass) }, this.view);
    if (a.forward && this.upstream) {
      void this.upstream.exchange(msg, transport === 'tcp').then((out) => {
        if (out) send(out);
        else send(this.encode(msg, q, a, transport));
      }, (err) => {
        this.log.error({ err }, 'upstream exchange failed');
        drop();
      });
      return;
    }
    if (a.chase && this.upstream && (q.qtype === 1 || q.qtype === 28 || q.qtype === 16)) {
      const type = typeName(q.qtype) as 'A' | 'AAAA' | 'TXT';
      void this.upstream.lookup(a.chase, type).then((more) => {
        send(this.encode(msg, q, { ...a, answers: [...a.answers, ...more] }, transport));
      }, (err) => {
        this.log.error({ err }, 'upstream lookup failed');
        drop();
      });
      return;
    }
    const out = this.encode(msg, q, a, transport);
    if (this.caching) {
      // A flood of distinct names must not grow memory without bound.
      if (this.cache.size >= CACHE_MAX_ENTRIES) this.cache.clear();
      this.cache.set(key, out);
    }
    send(out);
  }

  private encode(msg: Buffer, q: ParsedQuery, a: DnsAnswer, transport: 'udp' | 'tcp'): Buffer {
    const limit = transport === 'tcp' ? 65535 : udpLimit(q);
    return encodeResponse(msg, q, { ...a, rcode: RCODES[a.rcode] }, {
      maxSize: limit, ...(q.edns ? { edns: { udpSize: Math.min(MAX_UDP_SIZE, Math.max(512, q.edns.udpSize)), dnssecOk: q.edns.dnssecOk } } : {}),
    });
  }
}

/** 512 bytes, or the client's EDNS0 size (at least 512, at most 4096). */
function udpLimit(q: ParsedQuery): number {
  return q.edns ? Math.min(MAX_UDP_SIZE, Math.max(512, q.edns.udpSize)) : 512;
}
