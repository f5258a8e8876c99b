// The kubelet's port-forward endpoint over WebSocket (GET /portForward/<ns>/<pod>?port=80
// &port=8080), as the kubelet's streaming server serves the client libraries: one
// WebSocket is one TCP connection to each asked port of the pod; port i has the data
// channel 2i and the error channel 2i+1, and the server first sends the port number
// (two bytes, little-endian) on both. Bytes from the client's data channel go to the
// pod's port and back; a connection that fails says why on the error channel.
import type { IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { decodeFrame, encodeFrame, type ChannelProtocol } from '../api/streaming.js';

/** The port-forward subprotocols: the v4 channel protocol (binary or base64), or none (binary). */
const PORT_FORWARD_PROTOCOLS: readonly ChannelProtocol[] = [
  { name: 'v4.channel.k8s.io', version: 4, base64: false },
  { name: 'v4.base64.channel.k8s.io', version: 4, base64: true },
  { name: 'portforward.k8s.io', version: 4, base64: false },
];
const HIGH_WATER_BYTES = 1 << 20;

export interface PortForwardTargets {
  /** The pod's IP on the pod network; throws an error with statusCode and Kubernetes' message when it has none. */
  podAddress(namespace: string, pod: string): Promise<string>;
}

export function parsePortForwardRequest(url: URL): { namespace: string; pod: string; ports: number[] } | { error: string } | undefined {
  const m = /^\/portForward\/([^/]+)\/([^/]+)$/.exec(url.pathname);
  if (!m) return undefined;
  const ports: number[] = [];
  for (const raw of url.searchParams.getAll('port')) {
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < 1 || n > 65535) return { error: `unable to parse "${raw}" as a port: invalid port` };
    ports.push(n);
  }
  if (!ports.length) return { error: 'query parameter "port" is required' };
  return { namespace: decodeURIComponent(m[1]), pod: decodeURIComponent(m[2]), ports };
}

export function portForwardUpgradeHandler(targets: PortForwardTargets, log: Logger): (req: IncomingMessage, socket: Duplex, head: Buffer, url: URL) => boolean {
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const refuse = (socket: Duplex, code: number, text: string): void => {
    socket.end(`HTTP/1.1 ${code} ${code === 400 ? 'Bad Request' : code === 404 ? 'Not Found' : 'Internal Server Error'}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
  };
  return (req, socket, head, url) => {
    const parsed = parsePortForwardRequest(url);
    if (!parsed) return false;
    if ('error' in parsed) {
      refuse(socket, 400, parsed.error);
      return true;
    }
    const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim()).filter(Boolean);
    const protocol = offered.length ? PORT_FORWARD_PROTOCOLS.find((p) => offered.includes(p.name)) : PORT_FORWARD_PROTOCOLS[0];
    if (!protocol) {
      refuse(socket, 400, 'websocket: a port-forward subprotocol (v4.channel.k8s.io) is required');
      return true;
    }
    targets.podAddress(parsed.namespace, parsed.pod).then((ip) => {
      wss.handleUpgrade(req, socket, head, (ws) => forward(ws, protocol, ip, parsed.ports, offered.length > 0, log));
    }, (err: Error & { statusCode?: number }) => refuse(socket, err.statusCode ?? 500, err.message));
    return true;
  };
}

function forward(ws: WebSocket, protocol: ChannelProtocol, ip: string, ports: number[], named: boolean, log: Logger): void {
  const send = (channel: number, data: Uint8Array, done?: () => void): void => {
    if (ws.readyState === ws.OPEN) ws.send(encodeFrame(protocol, channel, data), { binary: !protocol.base64 }, () => done?.());
  };
  const sockets: Socket[] = [];
  ports.forEach((port, i) => {
    const portBytes = Buffer.alloc(2);
    portBytes.writeUInt16LE(port);
    send(2 * i, portBytes);
    send(2 * i + 1, portBytes);
    const sock = connect({ host: ip, port });
    sockets[i] = sock;
    sock.on('data', (data: Buffer) => {
      send(2 * i, data, () => { if (sock.isPaused() && ws.bufferedAmount < HIGH_WATER_BYTES / 2) sock.resume(); });
      if (ws.bufferedAmount > HIGH_WATER_BYTES) sock.pause();
    });
    sock.on('error', (err) => {
      send(2 * i + 1, Buffer.from(`error forwarding port ${port} to pod, uid : ${err.message}`));
      log.debug({ err, port }, 'port-forward connection failed');
    });
    // The pod's side ended: so does this WebSocket (one connection per WebSocket).
    sock.on('close', () => ws.close(1000));
  });
  void named;
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    let frame: { channel: number; payload: Buffer };
    try {
      frame = decodeFrame(protocol, isBinary ? data : data.toString('utf8'));
    } catch {
      return;
    }
    if (frame.channel % 2 !== 0) return;
    sockets[frame.channel / 2]?.write(frame.payload);
  });
  ws.on('close', () => { for (const s of sockets) s.destroy(); });
  ws.on('error', () => { for (const s of sockets) s.destroy(); });
}
