// The kubelet's port-forward over SPDY/3.1 (GET /portForward/<ns>/<pod> with "Upgrade:
// SPDY/3.1", X-Stream-Protocol-Version portforward.k8s.io), what kubectl falls back to:
// after the 101 the connection is a SPDY session (spdy-session.ts); the client opens, per forwarded connection, an error stream and
// a data stream naming the port and a request id; the data stream is joined to a TCP
// connection to the pod's port, failures are written on the error stream.
import type { IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { SpdySession, type SpdyStream } from './spdy-session.js';
import type { PortForwardTargets } from './portforward-server.js';
import { closeWhenIdle, refuseUpgrade, type StreamHandlerOptions } from './upgrade-socket.js';

const PROTOCOL_VERSION = 'portforward.k8s.io';
/** How long the second stream of a connection may take to follow the first (the kubelet's 30 s). */
const STREAM_CREATION_TIMEOUT_MS = 30_000;

/** What a connection to the pod's port that failed says on its error stream. */
export function forwardError(port: number | string, reason: string): string {
  return `error forwarding port ${port} to pod: ${reason}`;
}

/** Handles a SPDY upgrade of /portForward; false when the path is not one. */
export function portForwardSpdyHandler(targets: PortForwardTargets, o: StreamHandlerOptions): (req: IncomingMessage, socket: Duplex, head: Buffer, url: URL) => boolean {
  return (req, socket, head, url) => {
    const m = /^\/portForward\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (!m) return false;
    const [namespace, pod] = [decodeURIComponent(m[1]), decodeURIComponent(m[2])];
    const offered = String(req.headers['x-stream-protocol-version'] ?? '').split(',').map((s) => s.trim());
    if (!offered.includes(PROTOCOL_VERSION)) {
      refuseUpgrade(socket, 403, `unable to upgrade: unable to negotiate protocol: client supports ${JSON.stringify(offered)}, server supports ["${PROTOCOL_VERSION}"]`);
      return true;
    }
    targets.podAddress(namespace, pod).then((ip) => {
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${PROTOCOL_VERSION}\r\n\r\n`);
      if (head.length) socket.unshift(head);
      closeWhenIdle(socket, o.idleTimeoutMs);
      servePortForwardSpdy(socket, ip, o.log);
    }, (err: Error & { statusCode?: number }) => refuseUpgrade(socket, err.statusCode ?? 500, err.message));
    return true;
  };
}

/**
 * Serves a port-forward SPDY session on conn (an upgraded socket, or the stream of a
 * WebSocket tunnelling SPDY): each pair of error and data streams with the same
 * requestid is one connection to the pod's port.
 */
export function servePortForwardSpdy(conn: Duplex, ip: string, log: Logger): void {
  const session = new SpdySession(conn);
  const pending = new Map<string, { data?: SpdyStream; error?: SpdyStream }>();
  const sockets = new Set<Socket>();
  session.on('stream', (stream: SpdyStream) => {
    const type = stream.headers.streamtype;
    const id = stream.headers.requestid ?? '';
    const port = Number(stream.headers.port);
    const pair = pending.get(id) ?? {};
    if (type === 'error') pair.error = stream;
    else if (type === 'data') pair.data = stream;
    else {
      stream.destroy();
      return;
    }
    if (!pair.data || !pair.error) {
      // The other half must follow soon (the kubelet's stream creation timeout).
      if (!pending.has(id)) setTimeout(() => {
        if (pending.get(id) !== pair) return;
        pending.delete(id);
        pair.data?.destroy();
        pair.error?.destroy();
      }, STREAM_CREATION_TIMEOUT_MS).unref();
      pending.set(id, pair);
      return;
    }
    pending.delete(id);
    const { data, error } = pair;
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      error.end(forwardError(stream.headers.port ?? '', `invalid port ${JSON.stringify(stream.headers.port ?? '')}`));
      data.destroy();
      return;
    }
    const tcp = connect({ host: ip, port });
    sockets.add(tcp);
    tcp.on('error', (err) => {
      error.end(forwardError(port, err.message));
      data.destroy();
    });
    data.pipe(tcp);
    tcp.pipe(data);
    tcp.on('close', () => { sockets.delete(tcp); error.end(); });
    data.on('error', (err) => { log.debug({ err, port }, 'port-forward stream failed'); tcp.destroy(); });
  });
  session.on('close', () => { for (const s of sockets) s.destroy(); });
}
