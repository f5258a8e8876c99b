// Kubernetes' WebSocket channel protocols for exec and attach (wsstream and
// remotecommand): which subprotocol a client and server agree on, and how each
// message carries a channel. Pure framing, no sockets: the kubelet serves with it and
// our CLI talks with it.
//
//   channel.k8s.io / v2..v5.channel.k8s.io   binary messages: [channel byte][payload]
//   base64.channel.k8s.io / v4.base64...      text messages: [channel digit '0'..'9'][base64 payload]
//
// Channels: 0 stdin, 1 stdout, 2 stderr, 3 error (v4+: a JSON Status; before: text),
// 4 resize (JSON {"Width","Height"}, v3+). v5 adds the close signal: a message on channel
// 255 whose one payload byte names a channel the sender will not write to again (stdin's
// half-close, which kubectl 1.30+ sends).
import type { Status } from './types/meta.js';

export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;
export const ERROR = 3;
export const RESIZE = 4;
/** v5.channel.k8s.io: a message on this channel closes the channel named by its byte. */
export const CLOSE = 255;

export interface ChannelProtocol {
  /** The Sec-WebSocket-Protocol value. */
  name: string;
  /** 1 (channel.k8s.io) to 5. */
  version: number;
  /** base64 text frames instead of binary. */
  base64: boolean;
}

/** Every exec/attach subprotocol, the server's preference first (as the kubelet lists them). */
export const CHANNEL_PROTOCOLS: readonly ChannelProtocol[] = [
  { name: 'v5.channel.k8s.io', version: 5, base64: false },
  { name: 'v4.channel.k8s.io', version: 4, base64: false },
  { name: 'v4.base64.channel.k8s.io', version: 4, base64: true },
  { name: 'v3.channel.k8s.io', version: 3, base64: false },
  { name: 'v2.channel.k8s.io', version: 2, base64: false },
  { name: 'channel.k8s.io', version: 1, base64: false },
  { name: 'base64.channel.k8s.io', version: 1, base64: true },
];

/** The bearer-token carrier some clients put in Sec-WebSocket-Protocol; never a channel protocol. */
const TOKEN_PROTOCOL_PREFIX = 'base64url.bearer.authorization.k8s.io.';

/**
 * The protocol the server answers with, from the client's Sec-WebSocket-Protocol list:
 * the client's first that the server speaks (wsstream picks in the client's order).
 * undefined when none matches: the server refuses the upgrade (400).
 */
export function negotiateChannelProtocol(offered: readonly string[]): ChannelProtocol | undefined {
  for (const p of offered.map((s) => s.trim())) {
    if (!p || p.startsWith(TOKEN_PROTOCOL_PREFIX)) continue;
    const found = CHANNEL_PROTOCOLS.find((c) => c.name === p);
    if (found) return found;
  }
  return undefined;
}

/** A message for channel: binary or base64 text as the protocol says. */
export function encodeFrame(protocol: ChannelProtocol, channel: number, payload: Uint8Array): Buffer | string {
  if (protocol.base64) return `${String.fromCharCode(48 + channel)}${Buffer.from(payload).toString('base64')}`;
  const out = Buffer.allocUnsafe(payload.length + 1);
  out[0] = channel;
  out.set(payload, 1);
  return out;
}

/** A received message's channel and payload; throws on an empty or malformed message. */
export function decodeFrame(protocol: ChannelProtocol, data: Buffer | string): { channel: number; payload: Buffer } {
  if (protocol.base64) {
    const text = typeof data === 'string' ? data : data.toString('utf8');
    if (!text.length) throw new Error('empty message');
    const channel = text.charCodeAt(0) - 48;
    if (channel < 0 || channel > 9) throw new Error(`bad channel ${JSON.stringify(text[0])}`);
    return { channel, payload: Buffer.from(text.slice(1), 'base64') };
  }
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  if (!buf.length) throw new Error('empty message');
  return { channel: buf[0], payload: buf.subarray(1) };
}

/** The v5 close signal for channel (stdin's half-close). */
export function closeFrame(protocol: ChannelProtocol, channel: number): Buffer | string {
  return encodeFrame(protocol, CLOSE, Uint8Array.of(channel));
}

/** A terminal size from the resize channel. */
export interface TerminalSize { Width: number; Height: number }

/** Parses a resize message; undefined when it is not one. */
export function parseResize(payload: Uint8Array): TerminalSize | undefined {
  try {
    const v = JSON.parse(Buffer.from(payload).toString('utf8')) as Partial<TerminalSize>;
    if (Number.isInteger(v.Width) && Number.isInteger(v.Height) && (v.Width as number) >= 0 && (v.Height as number) >= 0) return { Width: v.Width as number, Height: v.Height as number };
  } catch {
    // not JSON: ignored, as the kubelet ignores a bad resize
  }
  return undefined;
}

/**
 * What the error channel carries when a command ends: for v4+ a Status (Success, or
 * NonZeroExitCode with the code as its ExitCode cause, worded as the kubelet words it);
 * before v4 the error text alone, nothing on success.
 */
export function exitStatus(protocol: ChannelProtocol, command: readonly string[], exitCode: number): Buffer | undefined {
  const message = `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${exitCode}`;
  if (protocol.version < 4) return exitCode === 0 ? undefined : Buffer.from(message);
  // The kubelet marshals the bare metav1.Status (no kind or apiVersion), in Go's field order.
  const status = exitCode === 0
    ? { metadata: {}, status: 'Success' }
    : { metadata: {}, status: 'Failure', message, reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] } };
  return Buffer.from(JSON.stringify(status));
}

/**
 * What the kubelet writes on the error channel when the exec or attach could not start
 * (its remotecommand server's writeStatus of an InternalError): a bare Status from v4
 * on, the message alone before.
 */
export function failureStatus(protocol: ChannelProtocol, kind: 'exec' | 'attach', err: string): Buffer {
  const cause = `error ${kind === 'attach' ? 'attaching to container' : 'executing command in container'}: ${err}`;
  if (protocol.version < 4) return Buffer.from(cause);
  return Buffer.from(JSON.stringify({
    metadata: {}, status: 'Failure', message: `Internal error occurred: ${cause}`, reason: 'InternalError',
    details: { causes: [{ message: cause }] }, code: 500,
  }));
}

/**
 * The exit code a client reads from the error channel's content (v4+ Status): 0 for
 * Success, the ExitCode cause for NonZeroExitCode; undefined when it reports another error.
 */
export function exitCodeOf(payload: Uint8Array): number | undefined {
  try {
    const s = JSON.parse(Buffer.from(payload).toString('utf8')) as Status;
    if (s.status === 'Success') return 0;
    if (s.reason === 'NonZeroExitCode') {
      const cause = s.details?.causes?.find((c) => c.reason === 'ExitCode');
      const n = Number(cause?.message);
      if (Number.isInteger(n)) return n;
    }
  } catch {
    // not a Status: an older protocol's text, or another error
  }
  return undefined;
}
