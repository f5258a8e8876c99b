// The TCP side of the userspace proxier (Kubernetes' tcpProxySocket): a listener on
// one address:port of a service port; each accepted connection is dialed through to
// an endpoint the load balancer picks, trying the next endpoint with growing dial
// timeouts when one fails (EndpointDialTimeouts), then relayed (tcp-relay.ts).
import { connect, createServer, Socket, type Server } from 'node:net';
import type { Logger } from 'pino';
import type { ProxyMetrics } from '../metrics.js';
import type { Endpoint } from '../types.js';
import type { EndpointPicker } from './endpoint-picker.js';
import { Pump, relay } from './tcp-relay.js';

/** Kubernetes' EndpointDialTimeouts: one connect attempt per entry, each to the next endpoint. */
export const ENDPOINT_DIAL_TIMEOUTS_MS: readonly number[] = [250, 500, 1000, 2000];

/** What every listener of a proxier shares. */
export interface PortalContext {
  log: Logger;
  metrics?: ProxyMetrics;
  /** Every TCP connection being dialed or relayed, whichever listener took it (cleanup ends them). */
  connections: Set<TcpConnection>;
}

/** An accepted connection: dialing, then relaying. */
export class TcpConnection {
  private upstream?: Socket;
  private client?: Socket;
  private timer?: NodeJS.Timeout;
  private readonly tried = new Set<string>();
  private attempt = 0;
  private readonly clientIP: string;

  constructor(
    private readonly raw: Socket,
    private readonly picker: EndpointPicker,
    private readonly ctx: PortalContext,
    private readonly portal: string,
  ) {
    this.clientIP = raw.remoteAddress ?? '';
  }

  start(): void {
    this.ctx.connections.add(this);
    this.dial();
  }

  /** Ends both sides at once (proxier cleanup). */
  destroy(): void {
    clearTimeout(this.timer);
    this.upstream?.destroy();
    (this.client ?? this.raw).destroy();
    this.ctx.connections.delete(this);
  }

  private dial(): void {
    let ep: Endpoint | undefined;
    if (this.attempt < ENDPOINT_DIAL_TIMEOUTS_MS.length) {
      ep = this.picker.next(this.clientIP, this.tried);
      // Every endpoint failed once: as Kubernetes' loop, the attempts left go round
      // again (a lone endpoint is retried with longer timeouts).
      if (!ep && this.tried.size > 0) {
        this.tried.clear();
        ep = this.picker.next(this.clientIP, this.tried);
      }
    }
    if (!ep) {
      this.giveUp();
      return;
    }
    const timeoutMs = ENDPOINT_DIAL_TIMEOUTS_MS[this.attempt++]!;
    const toClient = new Pump();
    const up = connect({ host: ep.ip, port: ep.port, allowHalfOpen: true, noDelay: true, onread: toClient.onread });
    toClient.src = up;
    this.upstream = up;
    this.timer = setTimeout(() => up.destroy(Object.assign(new Error(`connect to ${ep.key} timed out after ${timeoutMs}ms`), { code: 'ETIMEDOUT' })), timeoutMs);
    const onError = (err: NodeJS.ErrnoException): void => {
      clearTimeout(this.timer);
      toClient.release();
      this.tried.add(ep.key);
      this.picker.failed(this.clientIP, ep.key);
      this.ctx.metrics?.endpointConnectFailed();
      this.ctx.log.debug({ portal: this.portal, endpoint: ep.key, client: this.clientIP, err }, 'endpoint dial failed; trying the next');
      this.dial();
    };
    up.once('error', onError);
    up.once('connect', () => {
      clearTimeout(this.timer);
      up.off('error', onError);
      this.connected(ep, up, toClient);
    });
  }

  private connected(ep: Endpoint, up: Socket, toClient: Pump): void {
    const toUpstream = new Pump();
    toUpstream.dst = up;
    const client = adopt(this.raw, toUpstream);
    toUpstream.src = client;
    toClient.dst = client;
    this.client = client;
    this.ctx.metrics?.connectionOpened('TCP');
    relay(client, up, toUpstream, toClient, (r) => {
      this.ctx.connections.delete(this);
      this.ctx.metrics?.connectionClosed('TCP', r.bytesIn, r.bytesOut);
      if (this.ctx.log.isLevelEnabled('debug')) {
        this.ctx.log.debug({ portal: this.portal, endpoint: ep.key, client: this.clientIP, bytesIn: r.bytesIn, bytesOut: r.bytesOut, err: r.error }, 'connection closed');
      }
    });
  }

  /** No endpoint left to try: the client is reset. */
  private giveUp(): void {
    this.ctx.connections.delete(this);
    this.ctx.metrics?.rejected('TCP');
    this.ctx.log.warn({ portal: this.portal, client: this.clientIP, tried: [...this.tried] }, 'no endpoint could be reached; connection reset');
    this.raw.resetAndDestroy();
  }
}

/**
 * The accepted socket made anew around the same handle, reading into pump's buffer:
 * net.Server cannot give accepted sockets an `onread`. The server accepted it paused
 * (pauseOnConnect), so no byte has been read yet; the first object is dropped
 * without being destroyed (that would close the shared handle).
 */
function adopt(raw: Socket, pump: Pump): Socket {
  const r = raw as unknown as { _handle: unknown };
  const handle = r._handle;
  r._handle = null;
  return new Socket({ handle, allowHalfOpen: true, onread: pump.onread } as ConstructorParameters<typeof Socket>[0]);
}

/** A TCP listener for one service port on one address; accepts only while it listens. */
export class TcpPortal {
  private server?: Server;

  constructor(
    readonly address: string,
    readonly port: number,
    readonly picker: EndpointPicker,
    private readonly ctx: PortalContext,
  ) {}

  get name(): string {
    return `TCP/${this.address}:${this.port}`;
  }

  get listening(): boolean {
    return this.server !== undefined;
  }

  /** Binds and listens; rejects with the bind error (EADDRINUSE, EADDRNOTAVAIL...). */
  listen(): Promise<void> {
    if (this.server) return Promise.resolve();
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, (raw) => this.accept(raw));
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

  private accept(raw: Socket): void {
    // A client that reset before we got to it: nothing to do.
    if (!raw.remoteAddress) {
      raw.destroy();
      return;
    }
    new TcpConnection(raw, this.picker, this.ctx, this.name).start();
  }
}
