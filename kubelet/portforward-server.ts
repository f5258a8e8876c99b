// The kubelet's port-forward endpoint over WebSocket (GET /portForward/<ns>/<pod>?port=80
// &port=8080), as the kubelet's streaming server serves the client libraries: one
// WebSocket is one TCP connection to each asked port of the pod; port i has the data
// channel 2i and the error channel 2i+1, and the server first sends the port number
// (two bytes, little-endian) on both. Bytes from the client's data channel go to the
// pod's port and back; a connection that fails says why on the error channel.
// kubectl 1.31+ instead asks for SPDY/3.1+portforward.k8s.io: SPDY/3.1 tunnelled in the
// WebSocket's binary messages, served as the SPDY upgrade is (portforward-spdy.ts).
import type { IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { createWebSocketStream, WebSocketServer, type WebSocket } from 'ws';
import { decodeFrame, encodeFrame, type ChannelProtocol } from '../api/streaming.js';
import { forwardError, servePortForwardSpdy } from './portforward-spdy.js';
import { closeWhenIdle, refuseUpgrade, type StreamHandlerOptions } from './upgrade-socket.js';

/** The port-forward subprotocols: the v4 channel protocol (binary or base64), or none (binary). */
const PORT_FORWARD_PROTOCOLS: readonly ChannelProtocol[] = [
  { name: 'v4.channel.k8s.io', version: 4, base64: false },
  { name: 'v4.base64.channel.k8s.io', version: 4, base64: true },
  { name: 'portforward.k8s.io', version: 4, base64: false },
];
/** kubectl 1.31+: SPDY/3.1 in WebSocket binary messages (client-go's TunnelingConnection). */
export const SPDY_TUNNEL_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';
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
  return { namespace: decodeURIComponent(m[1]), pod: decodeURIComponent(m[2]), ports };
}

export function portForwardUpgradeHandler(targets: PortForwardTargets, o: StreamHandlerOptions): (req: IncomingMessage, socket: Duplex, head: Buffer, url: URL) => boolean {
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, handleProtocols: (offered) => pickProtocol([...offered]) ?? false });
  // The tunnel's protocol name has a "/", which ws refuses as a subprotocol token: ws
  // is handed the request without it, and the answer gets it back here.
  const tunnelled = new WeakSet<IncomingMessage>();
  wss.on('headers', (headers: string[], req: IncomingMessage) => {
    if (tunnelled.has(req)) headers.push(`Sec-WebSocket-Protocol: ${SPDY_TUNNEL_PROTOCOL}`);
  });
  return (req, socket, head, url) => {
    const parsed = parsePortForwardRequest(url);
    if (!parsed) return false;
    if ('error' in parsed) {
      refuseUpgrade(socket, 400, parsed.error);
      return true;
    }
    const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim()).filter(Boolean);
    const picked = offered.length ? pickProtocol(offered) : PORT_FORWARD_PROTOCOLS[0].name;
    if (!picked) {
      refuseUpgrade(socket, 400, `websocket: a port-forward subprotocol (${SPDY_TUNNEL_PROTOCOL}, v4.channel.k8s.io) is required`);
      return true;
    }
    // Over the channel protocol the ports are the query's; over SPDY each stream names its own.
    if (picked !== SPDY_TUNNEL_PROTOCOL && !parsed.ports.length) {
      refuseUpgrade(socket, 400, 'query parameter "port" is required');
      return true;
    }
    targets.podAddress(parsed.namespace, parsed.pod).then((ip) => {
      if (picked === SPDY_TUNNEL_PROTOCOL) {
        tunnelled.add(req);
        delete req.headers['sec-websocket-protocol'];
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        closeWhenIdle(socket, o.idleTimeoutMs);
        if (picked === SPDY_TUNNEL_PROTOCOL) servePortForwardSpdy(createWebSocketStream(ws), ip, o.log);
        else forward(ws, PORT_FORWARD_PROTOCOLS.find((p) => p.name === picked)!, ip, parsed.ports, o.log);
      });
    }, (err: Error & { statusCode?: number }) => refuseUpgrade(socket, err.statusCode ?? 500, err.message));
    return true;
  };
}

/** The subprotocol to answer with: the SPDY tunnel, else the client's first channel protocol we speak. */
function pickProtocol(offered: string[]): string | undefined {
  if (offered.includes(SPDY_TUNNEL_PROTOCOL)) return SPDY_TUNNEL_PROTOCOL;
  return offered.find((name) => PORT_FORWARD_PROTOCOLS.some((p) => p.name === name));
}

function forward(ws: WebSocket, protocol: ChannelProtocol, ip: string, ports: number[], log: Logger): void {
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
    sock.on('drain', () => ws.resume());
    sock.on('error', (err) => {
      send(2 * i + 1, Buffer.from(forwardError(port, err.message)));
      log.debug({ err, port }, 'port-forward connection failed');
    });
    // The pod's side ended: so does this WebSocket (one connection per WebSocket).
    sock.on('close', () => ws.close(1000));
  });
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    let frame: { channel: number; payload: Buffer };
    try {
      frame = decodeFrame(protocol, isBinary ? data : data.toString('utf8'));
    } catch {
      return;
    }
    if (frame.channel % 2 !== 0) return;
    // A pod that reads slowly stops the client's messages being read, not the kubelet's memory growing.
    if (sockets[frame.channel / 2]?.write(frame.payload) === false) ws.pause();
  });
  ws.on('close', () => { for (const s of sockets) s.destroy(); });
  ws.on('error', () => { for (const s of sockets) s.destroy(); });
}
