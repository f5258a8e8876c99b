// Moving bytes between a client's TCP connection and its endpoint's (the copy loops of
// Kubernetes' userspace proxysocket.go, with half-close kept): each direction reads
// into a buffer of its own that is reused for every read (net.Socket's `onread`), so
// relaying allocates nothing per chunk. A write the kernel does not take at once
// keeps referring to that buffer, so the direction stops reading until the write is
// done: the proxy never holds more than one buffer of unsent data per direction, and
// a slow reader slows its sender through TCP's own flow control. A direction whose
// reads fill its 64 KiB buffer moves to a 1 MiB one (fewer reads, writes and
// callbacks per byte: about a fifth less CPU for bulk transfers), within a budget for
// the whole process, and back after a run of small reads. A FIN is passed on as a FIN
// (the other direction keeps flowing), an error or reset on one side resets the other.
import type { Socket } from 'node:net';

/** The read buffer every direction starts with (the size Node reads with by default). */
export const SMALL_BUFFER_BYTES = 64 * 1024;
/** The read buffer of a direction moving bulk data. */
export const LARGE_BUFFER_BYTES = 1024 * 1024;
/** Large buffers that may exist at once over all connections (16 MiB). */
const LARGE_BUDGET = 16;
/** Consecutive reads smaller than a small buffer after which a large one is given back. */
const SHRINK_AFTER = 8;
/** Idle small buffers kept for new connections (4 MiB), so short connections allocate none. */
const SMALL_POOL_MAX = 64;

const smallPool: Buffer[] = [];
const largePool: Buffer[] = [];
let largeAllocated = 0;

function takeSmall(): Buffer {
  return smallPool.pop() ?? Buffer.allocUnsafe(SMALL_BUFFER_BYTES);
}

/** A large buffer, or undefined when the budget is spent. */
function takeLarge(): Buffer | undefined {
  const b = largePool.pop();
  if (b) return b;
  if (largeAllocated >= LARGE_BUDGET) return undefined;
  largeAllocated++;
  return Buffer.allocUnsafe(LARGE_BUFFER_BYTES);
}

function give(b: Buffer): void {
  if (b.length === LARGE_BUFFER_BYTES) largePool.push(b);
  else if (smallPool.length < SMALL_POOL_MAX) smallPool.push(b);
}

/**
 * One direction, src to dst. Its `onread` goes into src's socket options (net.connect
 * or new Socket), so src reads straight into this direction's buffer.
 */
export class Pump {
  /** Bytes read from src (and handed to dst). */
  bytes = 0;
  /** src's and dst's sockets; set by whoever makes them, before src can read. */
  src!: Socket;
  dst!: Socket;
  /** The buffer the next read goes into. */
  private buf: Buffer | undefined = takeSmall();
  /** A buffer a pending write still refers to, after buf was swapped for another size. */
  private held: Buffer | undefined;
  private waiting = false;
  private smallReads = 0;
  /** Node asks `buffer` for the next read's buffer after every read. */
  readonly onread = {
    buffer: (): Buffer => this.buf!,
    callback: (n: number, b: Uint8Array): boolean => this.read(n, b as Buffer),
  };
  private readonly afterWrite = (err?: Error | null): void => {
    if (!this.waiting) return;
    this.waiting = false;
    if (this.held) give(this.held);
    this.held = undefined;
    // A failed write destroys dst; the relay's error handling ends src too.
    if (!err) this.src.resume();
  };

  private read(n: number, b: Buffer): boolean {
    this.bytes += n;
    this.dst.write(n === b.length ? b : b.subarray(0, n), this.afterWrite);
    // Not written through to the kernel: dst still holds part of b.
    const pending = this.dst.writableLength !== 0;
    this.resize(n, b, pending);
    if (!pending) return true;
    // Reading stops (returning false does readStop) until afterWrite resumes it.
    this.waiting = true;
    return false;
  }

  /** Moves to a large buffer after a full small read, back after a run of small reads. */
  private resize(n: number, b: Buffer, pending: boolean): void {
    let next: Buffer | undefined;
    if (b.length === LARGE_BUFFER_BYTES) {
      this.smallReads = n < SMALL_BUFFER_BYTES ? this.smallReads + 1 : 0;
      if (this.smallReads >= SHRINK_AFTER) next = takeSmall();
    } else if (n === b.length) {
      next = takeLarge();
    }
    if (!next) return;
    this.smallReads = 0;
    if (pending) this.held = b;
    else give(b);
    this.buf = next;
  }

  /** Gives the buffers back; only once neither socket can touch them (both closed). */
  release(): void {
    if (this.buf) give(this.buf);
    if (this.held) give(this.held);
    this.buf = this.held = undefined;
  }
}

/**
 * Sends a FIN to sock. When sock's own FIN has come already and everything written to
 * it is with the kernel, closing it sends the FIN just as well and saves a shutdown
 * and its callbacks (short connections mostly end this way).
 */
function finish(sock: Socket): void {
  if (sock.readableEnded && sock.writableLength === 0) sock.destroy();
  else sock.end();
}

/** What a relay moved, for metrics and logs. */
export interface RelayResult {
  /** Client to endpoint. */
  bytesIn: number;
  /** Endpoint to client. */
  bytesOut: number;
  /** The first error either side saw (a reset, a timeout); undefined for a clean close. */
  error?: Error;
}

/**
 * Relays between two connected sockets, both made with allowHalfOpen and an onread of
 * the given pumps: `toUpstream` reads the client, `toClient` reads the upstream (an
 * onread socket reads as soon as it is connected, and emits 'end' at EOF without
 * being in flowing mode). done is called once, after both sockets have closed.
 */
export function relay(client: Socket, upstream: Socket, toUpstream: Pump, toClient: Pump, done: (r: RelayResult) => void): void {
  let open = 2;
  let error: Error | undefined;
  const closed = (): void => {
    if (--open > 0) return;
    toUpstream.release();
    toClient.release();
    done({ bytesIn: toUpstream.bytes, bytesOut: toClient.bytes, error });
  };
  const failed = (other: Socket) => (err: Error): void => {
    error ??= err;
    // The peer of a connection that broke sees it broken too, as through a NAT.
    if (!other.destroyed) other.resetAndDestroy();
  };
  client.on('error', failed(upstream));
  upstream.on('error', failed(client));
  // A FIN from one side becomes a FIN to the other; the other direction goes on.
  client.on('end', () => finish(upstream));
  upstream.on('end', () => finish(client));
  client.on('close', closed);
  upstream.on('close', closed);
}
