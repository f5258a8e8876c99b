// The sockets of `port-forward`: client-go's PortForwarder listening side, and the
// WebSocket port-forward protocol of the client libraries for each connection. Every
// accepted local connection gets its own WebSocket to pods/<pod>/portforward?ports=<remote>
// (v4.channel.k8s.io): channel 0 carries the data both ways, channel 1 an error from the
// node; the server first sends the port number (2 bytes, little-endian) on each, which
// is not data. Flow control both ways: the local socket is not read while the WebSocket
// has much unsent, and the WebSocket is not read while the local socket cannot take more.
import { createServer, type Server, type Socket } from 'node:net';
import type { Writable } from 'node:stream';
import type { WebSocket } from 'ws';
import { CHANNEL_PROTOCOLS, decodeFrame, encodeFrame, type ChannelProtocol } from '../api/streaming.js';
import type { RestClient } from '../client/rest-client.js';
import { openWebSocket, pacedWriter, sendPaced } from '../client/stream-client.js';
import { errorText } from './error-text.js';
import { joinHostPort } from './go-net.js';
import { listenerErrorText, type ForwardedPort, type ListenAddress } from './port-forward-ports.js';

const PROTOCOL = CHANNEL_PROTOCOLS.find((p) => p.name === 'v4.channel.k8s.io') as ChannelProtocol;
const DATA = 0;
const ERROR = 1;

export interface PortForwarderOptions {
  rest: RestClient;
  /** The pod's portforward subresource path. */
  path: string;
  addresses: readonly ListenAddress[];
  ports: readonly ForwardedPort[];
  /** "Forwarding from ...", "Handling connection for ..." (kubectl: stdout). */
  out: Writable;
  /** Failures to listen and to forward (kubectl: stderr). */
  err: Writable;
}

/**
 * Listens on every address for every port and forwards each connection to the pod.
 * listen() resolves once listening (ports given as 0 then hold the chosen port), and
 * throws when no port could listen; close() stops listening and ends every connection.
 */
export class PortForwarder {
  readonly ports: ForwardedPort[];
  private readonly servers: Server[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly streams = new Set<WebSocket>();

  constructor(private readonly o: PortForwarderOptions) {
    this.ports = o.ports.map((p) => ({ ...p }));
  }

  async listen(): Promise<void> {
    let any = false;
    for (const port of this.ports) {
      try {
        await this.listenOnPort(port);
        any = true;
      } catch (err) {
        this.o.err.write(`Unable to listen on port ${port.local}: ${(err as Error).message}\n`);
      }
    }
    if (!any) throw new Error(`unable to listen on any of the requested ports: [${this.ports.map((p) => `{${p.local} ${p.remote}}`).join(' ')}]`);
  }

  /** client-go's listenOnPort: the port fails when every "all" address failed, or any "any" address did. */
  private async listenOnPort(port: ForwardedPort): Promise<void> {
    const errors: string[] = [];
    const failed = { all: 0, any: 0 };
    let allOk = 0;
    for (const a of this.o.addresses) {
      try {
        await this.listenOn(port, a);
        if (a.failureMode === 'all') allOk++;
      } catch (err) {
        errors.push(listenerErrorText(a, port.local, err as Error));
        failed[a.failureMode]++;
      }
    }
    if ((allOk === 0 && failed.all > 0) || failed.any > 0) {
      throw new Error(`Listeners failed to create with the following errors: [${errors.join(' ')}]`);
    }
  }

  private listenOn(port: ForwardedPort, a: ListenAddress): Promise<void> {
    return new Promise((resolve, reject) => {
      const server = createServer({ pauseOnConnect: true }, (conn) => this.handle(conn, port));
      server.once('error', reject);
      server.listen({ host: a.address, port: port.local, ipv6Only: a.family === 6 }, () => {
        server.off('error', reject);
        const address = server.address();
        // The first listener of ":REMOTE" picks the port; the others take the same.
        if (address && typeof address === 'object') port.local = address.port;
        this.servers.push(server);
        this.o.out.write(`Forwarding from ${joinHostPort(a.address, port.local)} -> ${port.remote}\n`);
        resolve();
      });
    });
  }

  /** One local connection: its own WebSocket to the pod's port. */
  private handle(conn: Socket, port: ForwardedPort): void {
    this.sockets.add(conn);
    conn.on('close', () => this.sockets.delete(conn));
    conn.on('error', () => undefined);
    this.o.out.write(`Handling connection for ${port.local}\n`);
    const fail = (why: string): void => {
      this.o.err.write(`error: an error occurred forwarding ${port.local} -> ${port.remote}: ${why}\n`);
    };
    openWebSocket(this.o.rest, { path: this.o.path, query: { ports: String(port.remote) }, protocols: [PROTOCOL.name] }).then((ws) => {
      if (conn.destroyed) return ws.close(1000);
      this.streams.add(ws);
      ws.once('close', () => this.streams.delete(ws));
      join(conn, ws, fail);
    }, (err: unknown) => {
      fail(errorText(err));
      conn.destroy();
    });
  }

  async close(): Promise<void> {
    const closed = this.servers.map((s) => new Promise<void>((r) => s.close(() => r())));
    for (const ws of this.streams) ws.terminate();
    for (const s of this.sockets) s.destroy();
    await Promise.all(closed);
  }
}

/** Joins a local connection and its WebSocket until either side ends. */
function join(conn: Socket, ws: WebSocket, fail: (why: string) => void): void {
  // The port number the server sends first on each channel.
  const prefix = [2, 2];
  let error = '';
  const write = pacedWriter(ws);
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    let frame: { channel: number; payload: Buffer };
    try {
      frame = decodeFrame(PROTOCOL, isBinary ? data : data.toString('utf8'));
    } catch {
      return;
    }
    let payload = frame.payload;
    const skip = Math.min(prefix[frame.channel] ?? 0, payload.length);
    if (skip) {
      prefix[frame.channel]! -= skip;
      payload = payload.subarray(skip);
    }
    if (!payload.length) return;
    if (frame.channel === DATA) write(conn, payload);
    else if (frame.channel === ERROR) error += payload.toString('utf8');
  });
  sendPaced(ws, conn, (chunk) => encodeFrame(PROTOCOL, DATA, chunk));
  // The protocol cannot half-close: the local side's end ends the stream (after what was sent).
  conn.on('end', () => ws.close(1000));
  conn.on('close', () => { if (ws.readyState === ws.OPEN) ws.close(1000); });
  ws.once('close', () => {
    if (error) {
      fail(error);
      conn.destroy();
    } else {
      conn.end();
    }
  });
  conn.resume();
  ws.resume();
}
