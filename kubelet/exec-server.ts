// The kubelet's exec and attach endpoints over WebSocket (GET|POST /exec/<ns>/<pod>/<container>?
// command=...&stdin=1&stdout=1&stderr=1&tty=1, and /attach/... without command), as the kubelet's streaming server serves
// it: the channel protocol negotiated from Sec-WebSocket-Protocol (api/streaming.ts),
// each channel wired to the runtime's interactive exec, the exit code on the error
// channel, and the Docker exec torn down when either side closes. A client that stops
// reading pauses the command's output instead of growing the kubelet's memory.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  CLOSE, decodeFrame, encodeFrame, ERROR, exitStatus, failureStatus, negotiateChannelProtocol, parseResize, RESIZE, STDERR, STDIN, STDOUT,
  type ChannelProtocol,
} from '../api/streaming.js';
import type { ExecStream, ExecStreamOptions } from './runtime/types.js';
import { closeWhenIdle, refuseUpgrade, type StreamHandlerOptions } from './upgrade-socket.js';

/** Output waits while this much is queued for a slow client. */
const HIGH_WATER_BYTES = 1 << 20;

/** What an exec needs of the node: the container's runtime id, or why there is none. */
export interface ExecTargets {
  /** Throws an error with statusCode 400 or 404 and Kubernetes' message when the container cannot be exec'd. */
  containerId(namespace: string, pod: string, container: string): Promise<string>;
  execStream(id: string, cmd: string[], opts: ExecStreamOptions): Promise<ExecStream>;
  attachStream(id: string, opts: ExecStreamOptions): Promise<ExecStream>;
}

export interface ExecRequest {
  /** exec runs command; attach joins the container's own stdio. */
  kind: 'exec' | 'attach';
  namespace: string;
  pod: string;
  container: string;
  command: string[];
  opts: ExecStreamOptions;
}

const truthy = (v: string | null): boolean => v !== null && ['1', 'true', 'True', 'TRUE', 't', 'T'].includes(v);

/** The exec request a path and query name; undefined when the path is not an exec path. */
export function parseExecRequest(url: URL): ExecRequest | { error: string } | undefined {
  const m = /^\/(exec|attach)\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
  if (!m) return undefined;
  const kind = m[1] as 'exec' | 'attach';
  const [namespace, pod, container] = m.slice(2).map(decodeURIComponent);
  const q = url.searchParams;
  const command = q.getAll('command');
  const opts = { stdin: truthy(q.get('stdin')), stdout: truthy(q.get('stdout')), stderr: truthy(q.get('stderr')), tty: truthy(q.get('tty')) };
  if (kind === 'exec' && !command.length) return { error: 'you must specify at least 1 command' };
  if (!opts.stdin && !opts.stdout && !opts.stderr) return { error: 'you must specify at least 1 of stdin, stdout, stderr' };
  // With a TTY there is no separate stderr, as the kubelet says.
  if (opts.tty && opts.stderr) opts.stderr = false;
  return { kind, namespace, pod, container, command, opts };
}

/** Serves exec and attach upgrades for a kubelet server (handle(req, socket, head, url) on its 'upgrade' event). */
export function execUpgradeHandler(targets: ExecTargets, o: StreamHandlerOptions): (req: IncomingMessage, socket: Duplex, head: Buffer, url: URL) => void {
  const wss = new WebSocketServer({
    noServer: true, perMessageDeflate: false,
    handleProtocols: (offered) => negotiateChannelProtocol([...offered])?.name ?? false,
  });
  return (req, socket, head, url) => {
    const parsed = parseExecRequest(url);
    if (!parsed) return refuseUpgrade(socket, 404, `404 page not found: ${url.pathname}`);
    if ('error' in parsed) return refuseUpgrade(socket, 400, parsed.error);
    const spdy = /^spdy\//i.test(String(req.headers.upgrade ?? ''));
    const protocol = negotiateChannelProtocol(String(req.headers['sec-websocket-protocol'] ?? '').split(','));
    if (!spdy && !protocol) return refuseUpgrade(socket, 400, 'websocket: the client is not using the websocket protocol: a channel subprotocol (v5.channel.k8s.io, v4.channel.k8s.io...) is required');
    targets.containerId(parsed.namespace, parsed.pod, parsed.container).then((id) => {
      // SPDY is what clients fall back to when the WebSocket upgrade failed; the container is there, so say what to use.
      if (spdy || !protocol) return refuseUpgrade(socket, 400, `unable to upgrade: ${parsed.kind} over SPDY/3.1 is not served: use WebSocket (v5.channel.k8s.io)`);
      wss.handleUpgrade(req, socket, head, (ws) => {
        closeWhenIdle(socket, o.idleTimeoutMs);
        void serveExec(ws, protocol, id, parsed, targets, o.log);
      });
    }, (err: Error & { statusCode?: number }) => refuseUpgrade(socket, err.statusCode ?? 500, err.message));
  };
}

async function serveExec(ws: WebSocket, protocol: ChannelProtocol, id: string, r: ExecRequest, targets: ExecTargets, log: Logger): Promise<void> {
  const send = (channel: number, data: Uint8Array, done?: () => void): void => {
    if (ws.readyState !== ws.OPEN) return;
    ws.send(encodeFrame(protocol, channel, data), { binary: !protocol.base64 }, () => done?.());
  };
  // Messages may arrive before the exec is running: they wait for it, in order.
  const early: { channel: number; payload: Buffer }[] = [];
  let exec: ExecStream | undefined;
  const apply = (frame: { channel: number; payload: Buffer }): void => {
    if (!exec) return void early.push(frame);
    if (frame.channel === STDIN && r.opts.stdin) {
      // A command that does not read its stdin stops the client's messages being read, not the kubelet's memory growing.
      if (!exec.writeStdin(frame.payload)) ws.pause();
    }
    else if (frame.channel === RESIZE) {
      const size = parseResize(frame.payload);
      if (size) void exec.resize(size.Width, size.Height);
    } else if (frame.channel === CLOSE && protocol.version >= 5 && frame.payload[0] === STDIN) exec.closeStdin();
  };
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    try {
      apply(decodeFrame(protocol, isBinary ? data : data.toString('utf8')));
    } catch {
      // an empty or malformed message: ignored, as the kubelet ignores it
    }
  });
  let closed = false;
  // The client went away: the Docker exec is detached (Docker cannot kill it; the kubelet neither).
  ws.on('close', () => { closed = true; exec?.close(); });
  ws.on('error', (err) => log.debug({ err }, 'exec stream error'));
  let started: ExecStream;
  try {
    started = r.kind === 'attach' ? await targets.attachStream(id, r.opts) : await targets.execStream(id, r.command, r.opts);
  } catch (err) {
    send(ERROR, failureStatus(protocol, r.kind, (err as Error).message));
    ws.close(1000);
    return;
  }
  if (closed) return started.close();
  let paused = false;
  started.onOutput((stream, data) => {
    if ((stream === 1 && !r.opts.stdout) || (stream === 2 && !r.opts.stderr)) return;
    send(stream === 2 ? STDERR : STDOUT, data, () => {
      if (paused && ws.bufferedAmount < HIGH_WATER_BYTES / 2) {
        paused = false;
        started.resume();
      }
    });
    if (!paused && ws.bufferedAmount > HIGH_WATER_BYTES) {
      paused = true;
      started.pause();
    }
  });
  started.onDrain(() => ws.resume());
  exec = started;
  for (const f of early.splice(0)) apply(f);
  const code = await started.exited;
  // An attach ends when the container does: a success, as the kubelet reports it.
  const status = exitStatus(protocol, r.command, r.kind === 'attach' ? 0 : code ?? 1);
  if (status) send(ERROR, status);
  ws.close(1000);
}
