// A request whose Content-Length is over the body limit gets its 413 Status only after
// the server has read (and discarded) what the client sends, up to a bound. Answering at
// once and closing, as fastify does, makes a client that is still writing the body fail
// with EPIPE/ECONNRESET instead of reading the 413: Go's net/http and undici both can.
import type { IncomingMessage } from 'node:http';

/** Bodies larger than this are not drained: the connection is closed after the 413. */
export const MAX_DRAIN_BYTES = 64 * 1024 * 1024;

/** The declared Content-Length when it is over `limit`, else undefined. */
export function oversizeLength(req: IncomingMessage, limit: number): number | undefined {
  const header = req.headers['content-length'];
  if (header === undefined) return undefined;
  const n = Number(header);
  return Number.isFinite(n) && n > limit ? n : undefined;
}

/**
 * Reads and discards the request body. Resolves when it has all arrived, when the
 * client goes away, or at once (without reading) when it is longer than MAX_DRAIN_BYTES
 * or the client is slower than `timeoutMs`; the caller answers with Connection: close.
 */
export function drainBody(req: IncomingMessage, length: number, timeoutMs = 10_000): Promise<void> {
  if (length > MAX_DRAIN_BYTES || req.complete) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      req.off('end', done).off('error', done).off('close', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    req.on('end', done).on('error', done).on('close', done);
    req.resume();
  });
}
