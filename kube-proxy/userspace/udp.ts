// The UDP side of the userspace proxier (Kubernetes' udpProxySocket): a socket bound
// to one address:port of a service port. Each client address gets a flow: a socket of
// its own connected to the endpoint the load balancer picked, so the endpoint's
// replies are told apart per client; they go back to the client from the listener
// socket, i.e. from the service address the client sent to. A flow with no datagram
// either way for the idle timeout is closed (Kubernetes' --udp-timeout, 250 ms by
// default), and its client's next datagram picks an endpoint anew.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { Logger } from 'pino';
import type { ProxyMetrics } from '../metrics.js';
import type { Endpoint } from '../types.js';
import type { EndpointPicker } from './endpoint-picker.js';

/** Kubernetes' default --udp-timeout. */
export const DEFAULT_UDP_IDLE_TIMEOUT_MS = 250;
/** Datagrams a flow holds while its socket connects; more are dropped (UDP may drop). */
const MAX_PENDING = 64;
/** Datagrams queued in a socket (the kernel's buffer full) beyond which new ones are dropped, so a flood cannot grow memory. */
const MAX_SEND_QUEUE = 256;
/** Flows (a socket each) one listener keeps at most; datagrams of further clients are dropped until some idle out. */
export const MAX_FLOWS_PER_PORTAL = 4096;

export interface UdpPortalContext {
  log: Logger;
  metrics?: ProxyMetrics;
  idleTimeoutMs: number;
}

/** One client address's traffic to one endpoint. */
class UdpFlow {
  private readonly sock: Socket;
  private connected = false;
  private pending: Buffer[] = [];
  private lastActive = performance.now();
  private timer?: NodeJS.Timeout;
  private closed = false;
  private bytesIn = 0;
  private bytesOut = 0;

  constructor(
    private readonly portal: UdpPortal,
    readonly key: string,
    readonly client: RemoteInfo,
    readonly endpoint: Endpoint,
    private readonly ctx: UdpPortalContext,
  ) {
    this.sock = createSocket('udp4');
    this.sock.on('error', (err) => this.failed(err));
    this.sock.on('message', (msg) => this.reply(msg));
    // Without a callback a failed connect is an 'error' event, as later ICMP errors are.
    this.sock.once('connect', () => {
      this.connected = true;
      for (const m of this.pending) this.sock.send(m);
      this.pending = [];
    });
    this.sock.connect(endpoint.port, endpoint.ip);
    this.armTimer(ctx.idleTimeoutMs);
    ctx.metrics?.connectionOpened('UDP');
  }

  /** Client to endpoint. */
  send(msg: Buffer): void {
    this.lastActive = performance.now();
    this.bytesIn += msg.length;
    if (!this.connected) {
      if (this.pending.length < MAX_PENDING) this.pending.push(msg);
      return;
    }
    if (this.sock.getSendQueueCount() < MAX_SEND_QUEUE) this.sock.send(msg);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.sock.close();
    this.portal.forget(this);
    this.ctx.metrics?.connectionClosed('UDP', this.bytesIn, this.bytesOut);
  }

  /** Endpoint to client, from the listener's address. */
  private reply(msg: Buffer): void {
    this.lastActive = performance.now();
    this.bytesOut += msg.length;
    this.portal.sendToClient(msg, this.client);
  }

  /** Checks idleness only when the timer fires, so traffic costs no timer work. */
  private armTimer(ms: number): void {
    this.timer = setTimeout(() => {
      const idle = performance.now() - this.lastActive;
      if (idle >= this.ctx.idleTimeoutMs) this.close();
      else this.armTimer(this.ctx.idleTimeoutMs - idle);
    }, ms);
    this.timer.unref();
  }

  private failed(err: Error): void {
    // An ICMP error for an earlier datagram (ECONNREFUSED: nothing listens there) or a
    // failed connect: the flow goes, the client's next datagram picks again.
    this.ctx.log.debug({ portal: this.portal.name, endpoint: this.endpoint.key, client: this.key, err }, 'UDP flow failed');
    this.portal.endpointFailed(this);
    this.close();
  }
}

/** A UDP listener for one service port on one address, with its client flows. */
export class UdpPortal {
  private socket?: Socket;
  private readonly flows = new Map<string, UdpFlow>();
  private warnedFull = false;

  constructor(
    readonly address: string,
    readonly port: number,
    readonly picker: EndpointPicker,
    private readonly ctx: UdpPortalContext,
  ) {}

  get name(): string {
    return `UDP/${this.address}:${this.port}`;
  }

  get listening(): boolean {
    return this.socket !== undefined;
  }

  /** The number of open flows (for tests). */
  get flowCount(): number {
    return this.flows.size;
  }

  /** Binds; rejects with the bind error. */
  listen(): Promise<void> {
    if (this.socket) return Promise.resolve();
    const sock = createSocket('udp4');
    return new Promise((resolve, reject) => {
      const onBindError = (err: Error): void => {
        sock.close();
        reject(err);
      };
      sock.once('error', onBindError);
      sock.bind({ address: this.address, port: this.port, exclusive: true }, () => {
        sock.off('error', onBindError);
        sock.on('error', (err) => this.ctx.log.warn({ portal: this.name, err }, 'UDP listener error'));
        sock.on('message', (msg, rinfo) => this.receive(msg, rinfo));
        this.socket = sock;
        resolve();
      });
    });
  }

  /** Closes the socket (the kernel answers port unreachable) and every flow: replies could no longer be sent from it. */
  close(): void {
    for (const f of [...this.flows.values()]) f.close();
    this.socket?.close();
    this.socket = undefined;
  }

  /**
   * Closes the flows whose endpoint is no longer in endpointKeys (the proxier calls it
   * when the port's endpoints changed): a client that keeps sending would otherwise
   * stay with a removed endpoint, never idling out.
   */
  retainFlows(endpointKeys: ReadonlySet<string>): void {
    for (const f of [...this.flows.values()]) if (!endpointKeys.has(f.endpoint.key)) f.close();
  }

  /** Called by a flow that closed. */
  forget(flow: UdpFlow): void {
    if (this.flows.get(flow.key) === flow) this.flows.delete(flow.key);
  }

  /** Called by a flow whose endpoint failed: its client's affinity pin to it goes. */
  endpointFailed(flow: UdpFlow): void {
    this.ctx.metrics?.endpointConnectFailed();
    this.picker.failed(flow.client.address, flow.endpoint.key);
  }

  sendToClient(msg: Buffer, client: RemoteInfo): void {
    const s = this.socket;
    if (s && s.getSendQueueCount() < MAX_SEND_QUEUE) s.send(msg, client.port, client.address);
  }

  private receive(msg: Buffer, rinfo: RemoteInfo): void {
    const key = `${rinfo.address}:${rinfo.port}`;
    let flow = this.flows.get(key);
    if (!flow) {
      if (this.flows.size >= MAX_FLOWS_PER_PORTAL) {
        if (!this.warnedFull) this.ctx.log.warn({ portal: this.name, flows: this.flows.size }, 'too many UDP flows; dropping datagrams of new clients');
        this.warnedFull = true;
        return;
      }
      this.warnedFull = false;
      const ep = this.picker.next(rinfo.address);
      if (!ep) {
        this.ctx.metrics?.rejected('UDP');
        return;
      }
      flow = new UdpFlow(this, key, { ...rinfo }, ep, this.ctx);
      this.flows.set(key, flow);
    }
    flow.send(msg);
  }
}
