// The cluster DNS server kube-proxy runs on every node, bound to the kube-dns ClusterIP
// port 53: the sockets (UDP, and TCP with 2-byte length framing, several queries per
// connection, an idle timeout) around answer() over a DnsView that follows the
// Services and EndpointSlices informers. dns-packet decodes the queries and encodes
// the answers (message.ts); answers that do not fit the client's UDP size are cut with
// TC set, and the client asks again over TCP. Encoded answers are cached by query
// bytes until the view changes, so a repeated query costs a map lookup and a copy.
// Names that are not the cluster's go to the upstream when one is configured, else
// get SERVFAIL.
import dgram from 'node:dgram';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Service } from '../../api/types/core.js';
import type { EndpointSlice } from '../../api/types/discovery.js';
import type { Informer } from '../../client/informer.js';
import type { ProxyMetrics } from '../metrics.js';
import { encodeReply, MAX_TCP_SIZE, MIN_UDP_SIZE, RCODE, rcodeName, readQuery, udpLimit, type Query } from './message.js';
import { answer, canonicalName, DnsView, type DnsAnswer, type Rr } from './records.js';
import { Upstream } from './upstream.js';

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

/**
 * TCP then UDP on the same port. With port 0 the kernel picks a port free for a TCP
 * listener (outgoing connections and their TIME_WAIT can hold many more ports than UDP
 * sockets do), and it tries again when UDP finds that port taken.
 */
async function listen(at: { address: string; port: number }, r: Responder, idleMs: number, log: Logger): Promise<Listening> {
  for (let attempt = 0; ; attempt++) {
    const open = new Set<net.Socket>();
    const tcp = await listenTcp(at, r, idleMs, log, open);
    const port = (tcp.address() as net.AddressInfo).port;
    try {
      const udp = await bindUdp({ address: at.address, port }, r, log);
      return { udp, tcp, open };
    } catch (err) {
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
      if (at.port !== 0 || attempt >= 9 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
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
 * Turns a query into an answer for either transport: cached bytes, or dns-packet's
 * decoding, answer() and dns-packet's encoding, or the upstream. Each query gets at
 * most one reply() call; a dropped one gets dropped() instead.
 *
 * The cache is keyed on the transport and the query's bytes after its ID (flags,
 * question in the asker's case, OPT record with the client's size and DO bit): the
 * same bytes always get the same answer until the view changes, so a hit decodes
 * nothing and costs a map lookup and a copy with the query's ID.
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
      let key: string | undefined;
      if (this.caching) {
        const gen = this.view.generation();
        if (gen !== this.generation) {
          this.cache.clear();
          this.generation = gen;
        }
        key = `${transport === 'tcp' ? 't' : 'u'}${msg.toString('latin1', 2)}`;
        const hit = this.cache.get(key);
        if (hit) {
          const out = Buffer.allocUnsafe(hit.length);
          hit.copy(out);
          out[0] = msg[0];
          out[1] = msg[1];
          send(out);
          return;
        }
      }
      const read = readQuery(msg);
      if (read.kind === 'drop') return drop();
      if (read.kind === 'error') {
        send(encodeReply(read, { rcode: read.rcode, ...EMPTY }, MIN_UDP_SIZE));
        return;
      }
      this.answerQuery(msg, read.query, transport, key, send, drop);
    } catch (err) {
      this.log.error({ err }, 'DNS query failed');
      if (replied) return;
      try {
        const read = readQuery(msg);
        if (read.kind === 'query') send(encodeReply(read.query, { rcode: RCODE.SERVFAIL, ...EMPTY }, limit(read.query, transport)));
      } catch { /* nothing more to try */ }
      drop();
    }
  }

  private answerQuery(msg: Buffer, q: Query, transport: 'udp' | 'tcp', key: string | undefined, send: (out: Buffer) => void, drop: () => void): void {
    if (q.edns && q.edns.version > 0) {
      // RFC 6891: only EDNS version 0 exists.
      send(encodeReply(q, { rcode: RCODE.BADVERS, ...EMPTY }, MIN_UDP_SIZE));
      return;
    }
    const { name, type } = q.question;
    const a = answer({ name, type, class: q.question.class ?? 'IN' }, this.view);
    if (a.forward && this.upstream) {
      void this.upstream.exchange(msg, q.question, transport === 'tcp').then((out) => {
        if (out) send(out);
        else send(this.encode(q, a, transport));
      }, (err) => {
        this.log.error({ err }, 'upstream exchange failed');
        drop();
      });
      return;
    }
    if (a.chase && this.upstream && (type === 'A' || type === 'AAAA' || type === 'TXT')) {
      void this.upstream.lookup(a.chase, type).then((more) => {
        send(this.encode(q, { ...a, answers: [...a.answers, ...more] }, transport));
      }, (err) => {
        this.log.error({ err }, 'upstream lookup failed');
        drop();
      });
      return;
    }
    const out = this.encode(q, a, transport);
    if (key !== undefined) {
      // A flood of distinct questions must not grow memory without bound.
      if (this.cache.size >= CACHE_MAX_ENTRIES) this.cache.clear();
      this.cache.set(key, out);
    }
    send(out);
  }

  /** The answer's records (owners that are the question's name in the asker's case), within the transport's size. */
  private encode(q: Query, a: DnsAnswer, transport: 'udp' | 'tcp'): Buffer {
    const asked = q.question.name;
    const lower = canonicalName(asked);
    // The view's names are lowercase; a record of the name asked carries it as asked (0x20).
    const echo = (rs: Rr[]): Rr[] => (asked === lower ? rs : rs.map((r) => (r.name === lower ? { ...r, name: asked } : r)));
    return encodeReply(q, {
      rcode: RCODE[a.rcode], authoritative: a.authoritative, answers: echo(a.answers), authorities: echo(a.authority), additionals: echo(a.additional),
    }, limit(q, transport));
  }
}

const EMPTY = { authoritative: false, answers: [], authorities: [], additionals: [] } as const;

/** The largest answer the client takes: 65535 bytes over TCP; over UDP 512, or its EDNS0 size up to 4096. */
function limit(q: Query, transport: 'udp' | 'tcp'): number {
  return transport === 'tcp' ? MAX_TCP_SIZE : udpLimit(q.edns);
}
