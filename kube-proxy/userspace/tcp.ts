// The TCP side of the userspace proxier (Kubernetes' tcpProxySocket): a listener on
// one address:port of a service port; each accepted connection is dialed through to
// an endpoint the load balancer picks, trying the next endpoint with growing dial
// timeouts when one fails (EndpointDialTimeouts), then relayed (tcp-relay.ts).
// Everything per connection is kept small: short connections cost the proxy about
// what a client and a server together spend on one.
import type { Logger } from 'pino';
import type { ProxyMetrics } from '../metrics.js';
import type { Endpoint } from '../types.js';
import type { EndpointPicker } from './endpoint-picker.js';
import { newConnectReq, newServerHandle, newSocketHandle, uvError, type ConnectReq, type TcpHandle } from './tcp-handle.js';
import { Relay, type RelayResult } from './tcp-relay.js';

/** Kubernetes' EndpointDialTimeouts: one connect attempt per entry, each to the next endpoint. */
export const ENDPOINT_DIAL_TIMEOUTS_MS: readonly number[] = [250, 500, 1000, 2000];

/** Connections the kernel may hold for a listener before the proxy accepts them. */
const BACKLOG = 1024;

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

type DialReq = ConnectReq & { conn?: TcpConnection; handle?: TcpHandle };

function afterConnect(this: DialReq, status: number): void {
  this.conn!.dialed(this.handle!, status);
}

/** An accepted connection: dialing, then relaying. */
export class TcpConnection {
  /** The handle being dialed (one per attempt). */
  private upstream?: TcpHandle;
  private relay?: Relay;
  private endpoint?: Endpoint;
  /** Endpoint keys whose dial failed for this connection (made on the first failure). */
  private tried?: Set<string>;
  private attempt = 0;
  private deadline = 0;
  private clientIPCache?: string;
  private dead = false;

  constructor(
    private readonly client: TcpHandle,
    private readonly portal: TcpPortal,
    private readonly ctx: PortalContext,
  ) {
    // Debug logs name the client even after it has gone (its address cannot be read then).
    if (ctx.log.isLevelEnabled('debug')) this.clientIPCache = this.clientIP;
  }

  /** The client's address (a getpeername, so asked only when affinity or a log needs it). */
  private get clientIP(): string {
    if (this.clientIPCache === undefined) {
      const out: { address?: string } = {};
      this.clientIPCache = this.client.getpeername(out) === 0 ? out.address ?? '' : '';
    }
    return this.clientIPCache;
  }

  start(): void {
    this.ctx.connections.add(this);
    this.dial();
  }

  /** Ends both sides at once (proxier cleanup). */
  destroy(): void {
    if (this.dead) return;
    this.dead = true;
    dialing.delete(this);
    this.ctx.connections.delete(this);
    if (this.relay) {
      this.relay.destroy();
      return;
    }
    this.upstream?.close();
    this.client.close();
  }

  /** Called by the dial watchdog. */
  checkDeadline(now: number): void {
    if (now < this.deadline || !this.upstream) return;
    const ms = ENDPOINT_DIAL_TIMEOUTS_MS[this.attempt - 1];
    this.dialFailed(Object.assign(new Error(`connect to ${this.endpoint?.key} timed out after ${ms}ms`), { code: 'ETIMEDOUT' }));
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
    const up = newSocketHandle();
    this.upstream = up;
    up.setNoDelay(true);
    const req = newConnectReq() as DialReq;
    req.conn = this;
    req.handle = up;
    req.oncomplete = afterConnect;
    const err = up.connect(req, ep.ip, ep.port);
    if (err) this.dialFailed(uvError(err, 'connect', ep.ip, ep.port));
    else watchDial(this);
  }

  /** The connect of `up` completed (status 0) or failed; a dial given up on since is ignored. */
  dialed(up: TcpHandle, status: number): void {
    if (this.dead || up !== this.upstream) return;
    if (status < 0) {
      this.dialFailed(uvError(status, 'connect', this.endpoint?.ip, this.endpoint?.port));
      return;
    }
    dialing.delete(this);
    this.upstream = undefined;
    this.ctx.metrics?.connectionOpened('TCP');
    this.relay = new Relay(this.client, up, this.closed);
    this.relay.start();
  }

  /** The current dial failed or timed out: its handle is closed and the next endpoint tried. */
  private dialFailed(err: NodeJS.ErrnoException): void {
    const ep = this.endpoint!;
    dialing.delete(this);
    this.upstream?.close();
    this.upstream = undefined;
    (this.tried ??= new Set()).add(ep.key);
    const picker = this.portal.picker;
    picker.failed(picker.sticky ? this.clientIP : '', ep.key);
    this.ctx.metrics?.endpointConnectFailed();
    this.ctx.log.debug({ portal: this.portal.name, endpoint: ep.key, client: this.clientIP, err }, 'endpoint dial failed; trying the next');
    this.dial();
  }

  private readonly closed = (r: RelayResult): void => {
    this.ctx.connections.delete(this);
    this.ctx.metrics?.connectionClosed('TCP', r.bytesIn, r.bytesOut);
    if (this.ctx.log.isLevelEnabled('debug')) {
      this.ctx.log.debug({ portal: this.portal.name, endpoint: this.endpoint?.key, client: this.clientIP, bytesIn: r.bytesIn, bytesOut: r.bytesOut, err: r.failure && uvError(r.failure.status, r.failure.syscall) }, 'connection closed');
    }
  };

  /** No endpoint left to try: the client is reset. */
  private giveUp(): void {
    this.dead = true;
    this.ctx.connections.delete(this);
    this.ctx.metrics?.rejected('TCP');
    this.ctx.log.warn({ portal: this.portal.name, client: this.clientIP, tried: [...(this.tried ?? [])] }, 'no endpoint could be reached; connection reset');
    if (this.client.reset() !== 0) this.client.close();
  }
}

/** A TCP listener for one service port on one address; accepts only while it listens. */
export class TcpPortal {
  /** "TCP/10.96.0.10:53". */
  readonly name: string;
  private server?: TcpHandle;

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
    let server: TcpHandle;
    try {
      server = newServerHandle();
    } catch (err) {
      return Promise.reject(err);
    }
    let err = server.bind(this.address, this.port);
    // Accepted sockets inherit TCP_NODELAY from their listener on Linux: one
    // setsockopt here instead of one per connection.
    if (err === 0) err = server.setNoDelay(true);
    if (err === 0) err = server.listen(BACKLOG);
    if (err !== 0) {
      server.close();
      return Promise.reject(uvError(err, 'listen', this.address, this.port));
    }
    server.onconnection = (status, client) => {
      if (status === 0 && client) new TcpConnection(client, this, this.ctx).start();
      else this.ctx.log.warn({ portal: this.name, err: uvError(status, 'accept') }, 'accept failed');
    };
    this.server = server;
    return Promise.resolve();
  }

  /** Stops accepting (new connects are refused by the kernel); open connections go on. */
  close(): void {
    this.server?.close();
    this.server = undefined;
  }
}
