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

const PROTOCOL_VERSION = 'portforward.k8s.io';

/** Handles a SPDY upgrade of /portForward; false when the path is not one. */
export function portForwardSpdyHandler(targets: PortForwardTargets, log: Logger): (req: IncomingMessage, socket: Duplex, head: Buffer, url: URL) => boolean {
  return (req, socket, head, url) => {
    const m = /^\/portForward\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (!m) return false;
    const [namespace, pod] = [decodeURIComponent(m[1]), decodeURIComponent(m[2])];
    const offered = String(req.headers['x-stream-protocol-version'] ?? '').split(',').map((s) => s.trim());
    if (!offered.includes(PROTOCOL_VERSION)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nunable to upgrade: unable to negotiate protocol: client supports ' + JSON.stringify(offered) + ', server supports ["portforward.k8s.io"]');
      return true;
    }
    targets.podAddress(namespace, pod).then((ip) => {
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${PROTOCOL_VERSION}\r\n\r\n`);
      if (head.length) socket.unshift(head);
      serve(socket, ip, log);
    }, (err: Error & { statusCode?: number }) => {
      const text = err.message;
      socket.end(`HTTP/1.1 ${err.statusCode ?? 500} Error\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
    });
    return true;
  };
}

function serve(socket: Duplex, ip: string, log: Logger): void {
  const session = new SpdySession(socket);
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
    pending.set(id, pair);
    if (!pair.data || !pair.error) return;
    pending.delete(id);
    const { data, error } = pair;
    const tcp = connect({ host: ip, port });
    sockets.add(tcp);
    tcp.on('error', (err) => {
      error.end(`error forwarding port ${port} to pod: ${err.message}`);
      data.destroy();
    });
    data.pipe(tcp);
    tcp.pipe(data);
    tcp.on('close', () => { sockets.delete(tcp); error.end(); });
    data.on('error', (err) => { log.debug({ err, port }, 'port-forward stream failed'); tcp.destroy(); });
  });
  session.on('close', () => { for (const s of sockets) s.destroy(); });
}
