// The TCP side of the userspace proxier (Kubernetes' tcpProxySocket): a listener on
// one address:port of a service port; each accepted connection is dialed through to
// an endpoint the load balancer picks, trying the next endpoint with growing dial
// timeouts when one fails (EndpointDialTimeouts), then relayed (tcp-relay.ts).
// Everything per connection is kept small: short connections cost the proxy about
// what a client and a server together spend on one.
import { connect, createServer, Socket, type Server } from 'node:net';
import type { Logger } from 'pino';
import type { ProxyMetrics } from '../metrics.js';
import type { Endpoint } from '../types.js';
import type { EndpointPicker } from './endpoint-picker.js';
import { Pump, relay, type RelayResult } from './tcp-relay.js';

/** Kubernetes' EndpointDialTimeouts: one connect attempt per entry, each to the next endpoint. */
export const ENDPOINT_DIAL_TIMEOUTS_MS: readonly number[] = [250, 500, 1000, 2000];

/** What every listener of a proxier shares. */
export interface PortalContext {
  log: Logger;
  metrics?: ProxyMetrics;
  /** Every TCP connection being dialed or relayed, whichever listener took it (cleanup ends them). */
  connections: Set<TcpConnection>;
}

// Dial deadlines are checked by one coarse timer rather than a timer per dial: a
// dial gives up at most DIAL_CHECK_MS after its timeout. A check that comes late
// (the event loop was busy) expires nothing: timers run before I/O callbacks, so a
// connect the kernel finished during the stall has not been seen yet.
const DIAL_CHECK_MS = 20;
const dialing = new Set<TcpConnection>();
let watchdog: NodeJS.Timeout | undefined;
let lastCheck = 0;
let skippedLate = false;

function watchDial(c: TcpConnection): void {
  dialing.add(c);
  if (watchdog) return;
  lastCheck = performance.now();
  watchdog = setInterval(() => {
    if (dialing.size === 0) {
      clearInterval(watchdog);
      watchdog = undefined;
      return;
    }
    const now = performance.now();
    const late = now - lastCheck > 3 * DIAL_CHECK_MS;
    lastCheck = now;
    // Never two in a row: a loop that stays busy must not keep dials alive forever.
    if (late && !skippedLate) {
      skippedLate = true;
      return;
    }
    skippedLate = false;
    for (const d of dialing) d.checkDeadline(now);
  }, DIAL_CHECK_MS);
  watchdog.unref();
}

/** An accepted connection: dialing, then relaying. */
export class TcpConnection {
  private upstream?: Socket;
  private client?: Socket;
  private endpoint?: Endpoint;
  /** Endpoint keys whose dial failed for this connection (made on the first failure). */
  private tried?: Set<string>;
  private attempt = 0;
  private deadline = 0;
  private clientIPCache?: string;

  constructor(
    private readonly raw: Socket,
    private readonly portal: TcpPortal,
    private readonly ctx: PortalContext,
  ) {
    // Debug logs name the client even after it has gone (its address cannot be read then).
    if (ctx.log.isLevelEnabled('debug')) this.clientIPCache = raw.remoteAddress;
  }

  /** The client's address (a getpeername, so asked only when affinity or a log needs it). */
  private get clientIP(): string {
    return (this.clientIPCache ??= (this.client ?? this.raw).remoteAddress ?? '');
  }

  start(): void {
    this.ctx.connections.add(this);
    this.dial();
  }

  /** Ends both sides at once (proxier cleanup). */
  destroy(): void {
    dialing.delete(this);
    this.upstream?.destroy();
    (this.client ?? this.raw).destroy();
    this.ctx.connections.delete(this);
  }

  /** Called by the dial watchdog. */
  checkDeadline(now: number): void {
    if (now < this.deadline || !this.upstream) return;
    const ms = ENDPOINT_DIAL_TIMEOUTS_MS[this.attempt - 1];
    this.upstream.destroy(Object.assign(new Error(`connect to ${this.endpoint?.key} timed out after ${ms}ms`), { code: 'ETIMEDOUT' }));
  }

  private dial(): void {
    const picker = this.portal.picker;
    const clientIP = picker.sticky ? this.clientIP : '';
    let ep: Endpoint | undefined;
    if (this.attempt < ENDPOINT_DIAL_TIMEOUTS_MS.length) {
      ep = picker.next(clientIP, this.tried);
      // Every endpoint failed once: as Kubernetes' loop, the attempts left go round
      // again (a lone endpoint is retried with longer timeouts).
      if (!ep && this.tried) {
        this.tried.clear();
        ep = picker.next(clientIP, this.tried);
      }
    }
    if (!ep) {
      this.giveUp();
      return;
    }
    this.endpoint = ep;
    this.deadline = performance.now() + ENDPOINT_DIAL_TIMEOUTS_MS[this.attempt++]!;
    const toClient = new Pump();
    const up = connect({ host: ep.ip, port: ep.port, allowHalfOpen: true, noDelay: true, onread: toClient.onread });
    toClient.src = up;
    this.upstream = up;
    watchDial(this);
    const onError = (err: NodeJS.ErrnoException): void => {
      dialing.delete(this);
      toClient.release();
      (this.tried ??= new Set()).add(ep.key);
      picker.failed(clientIP, ep.key);
      this.ctx.metrics?.endpointConnectFailed();
      this.ctx.log.debug({ portal: this.portal.name, endpoint: ep.key, client: this.clientIP, err }, 'endpoint dial failed; trying the next');
      this.dial();
    };
    up.once('error', onError);
    up.once('connect', () => {
      dialing.delete(this);
      up.off('error', onError);
      this.connected(up, toClient);
    });
  }

  private connected(up: Socket, toClient: Pump): void {
    const toUpstream = new Pump();
    toUpstream.dst = up;
    const client = adopt(this.raw, toUpstream);
    if (!client) {
      // The accepted socket lost its handle (it cannot: nothing read or wrote it).
      this.ctx.log.error({ portal: this.portal.name }, 'accepted connection has no handle; dropped');
      up.destroy();
      toUpstream.release();
      toClient.release();
      this.ctx.connections.delete(this);
      return;
    }
    toUpstream.src = client;
    toClient.dst = client;
    this.client = client;
    this.ctx.metrics?.connectionOpened('TCP');
    relay(client, up, toUpstream, toClient, this.closed);
  }

  private readonly closed = (r: RelayResult): void => {
    this.ctx.connections.delete(this);
    this.ctx.metrics?.connectionClosed('TCP', r.bytesIn, r.bytesOut);
    if (this.ctx.log.isLevelEnabled('debug')) {
      this.ctx.log.debug({ portal: this.portal.name, endpoint: this.endpoint?.key, client: this.clientIP, bytesIn: r.bytesIn, bytesOut: r.bytesOut, err: r.error }, 'connection closed');
    }
  };

  /** No endpoint left to try: the client is reset. */
  private giveUp(): void {
    this.ctx.connections.delete(this);
    this.ctx.metrics?.rejected('TCP');
    this.ctx.log.warn({ portal: this.portal.name, client: this.clientIP, tried: [...(this.tried ?? [])] }, 'no endpoint could be reached; connection reset');
    this.raw.resetAndDestroy();
  }
}

/**
 * The accepted socket made anew around the same handle, reading into pump's buffer:
 * net.Server cannot give accepted sockets an `onread`. The server accepted it paused
 * (pauseOnConnect), so no byte has been read nor written yet; the first object is
 * dropped without being destroyed (that would close the shared handle).
 */
function adopt(raw: Socket, pump: Pump): Socket | undefined {
  const r = raw as unknown as { _handle: object | null };
  const handle = r._handle;
  if (!handle || raw.destroyed) return undefined;
  r._handle = null;
  return new Socket({ handle, allowHalfOpen: true, onread: pump.onread } as ConstructorParameters<typeof Socket>[0]);
}

/** A TCP listener for one service port on one address; accepts only while it listens. */
export class TcpPortal {
  /** "TCP/10.96.0.10:53". */
  readonly name: string;
  private server?: Server;

  constructor(
    readonly address: string,
    readonly port: number,
    readonly picker: EndpointPicker,
    private readonly ctx: PortalContext,
  ) {
    this.name = `TCP/${address}:${port}`;
  }

  get listening(): boolean {
    return this.server !== undefined;
  }

  /** Binds and listens; rejects with the bind error (EADDRINUSE, EADDRNOTAVAIL...). */
  listen(): Promise<void> {
    if (this.server) return Promise.resolve();
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, (raw) => {
      new TcpConnection(raw, this, this.ctx).start();
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: this.address, port: this.port, backlog: 1024 }, () => {
        server.off('error', reject);
        server.on('error', (err) => this.ctx.log.error({ portal: this.name, err }, 'listener failed'));
        this.server = server;
        resolve();
      });
    });
  }

  /** Stops accepting (new connects are refused by the kernel); open connections go on. */
  close(): void {
    this.server?.close();
    this.server = undefined;
  }
}
