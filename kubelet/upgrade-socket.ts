// The raw socket of a streaming request (exec, attach, port-forward) around its
// upgrade: the answer when it will not be upgraded, and the idle timeout once it is.
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';

/** Answers an upgrade that will not happen with a plain-text HTTP response and closes the connection, as the kubelet writes its streaming errors. */
export function refuseUpgrade(socket: Duplex, code: number, text: string): void {
  socket.end(`HTTP/1.1 ${code} ${STATUS_CODES[code] ?? 'Error'}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
}

/**
 * Closes an upgraded connection once no byte has gone either way for idleMs
 * (--streaming-connection-idle-timeout); 0 never. Call it after the upgrade: the
 * WebSocket library clears the socket's timeout when it takes the socket over.
 */
export function closeWhenIdle(socket: Duplex, idleMs: number): void {
  const s = socket as Duplex & { setTimeout?: (ms: number, cb?: () => void) => void };
  if (idleMs > 0 && typeof s.setTimeout === 'function') s.setTimeout(idleMs, () => socket.destroy());
}

/** What every streaming handler is given. */
export interface StreamHandlerOptions {
  log: Logger;
  /** --streaming-connection-idle-timeout in ms; 0 never. */
  idleTimeoutMs: number;
}
