// Moving bytes between a client's TCP connection and its endpoint's (the copy loops of
// Kubernetes' userspace proxysocket.go, with half-close kept), on Node's TCP handles
// (tcp-handle.ts). Each direction reads into a buffer of its own that is reused for
// every read, so relaying allocates nothing per chunk. A write the kernel does not take
// at once keeps referring to that buffer, so the direction stops reading until the
// write is done: the proxy never holds more than one buffer of unsent data per
// direction, and a slow reader slows its sender through TCP's own flow control. A
// direction whose reads fill its 64 KiB buffer moves to a 1 MiB one (fewer reads,
// writes and callbacks per byte: about a fifth less CPU for bulk transfers), within a
// budget for the whole process, and back after a run of small reads. A FIN is passed
// on as a FIN (the other direction keeps flowing); an error or reset on one side
// resets the other.
import {
  lastRead, lastWriteWasAsync, newShutdownReq, newWriteReq, UV_EOF,
  type ShutdownReq, type TcpHandle, type WriteReq,
} from './tcp-handle.js';

/** The read buffer every direction starts with (the size Node reads with by default). */
export const SMALL_BUFFER_BYTES = 16 * 1024;
/** The read buffer of a direction moving bulk data. */
export const LARGE_BUFFER_BYTES = 1024 * 1024;
/** Large buffers that may exist at once over all connections (16 MiB). */
const LARGE_BUDGET = 16;
/** Consecutive reads smaller than a small buffer after which a large one is given back. */
const SHRINK_AFTER = 8;
/** Idle small buffers kept for new connections (4 MiB), so short connections allocate none. */
const SMALL_POOL_MAX = 512;

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

/** What a relay moved, for metrics and logs. */
export interface RelayResult {
  /** Client to endpoint. */
  bytesIn: number;
  /** Endpoint to client. */
  bytesOut: number;
  /**
   * The first error either side saw (a reset, a failed write) as libuv's status and
   * the call that got it; undefined for a clean close. Kept as numbers: an Error (and
   * its stack) per reset connection would cost a short connection a twentieth of its
   * CPU, for a log line that is off by default (uvError makes one).
   */
  failure?: { status: number; syscall: string };
}

/** One connection of the two: its handle and how far each of its directions has got. */
class Side {
  /** Its FIN came (everything it sent has been read). */
  readEnded = false;
  /** Our FIN to it: not asked, shutdown in flight, or sent. */
  shut: 'open' | 'shutting' | 'done' = 'open';
  closed = false;
  /** The direction that reads this side. */
  reader!: Pump;
  /** The direction that writes to this side. */
  writer!: Pump;

  constructor(
    readonly handle: TcpHandle,
    readonly relay: Relay,
  ) {}
}

type ReadingHandle = TcpHandle & { pump?: Pump };
type PumpWrite = WriteReq & { pump?: Pump };
type SideShutdown = ShutdownReq & { side?: Side };

/**
 * A write request not yet used, shared by every direction: a write the kernel takes
 * at once (the usual case) never touches it, so only a write left pending uses one up.
 */
let spareWrite: PumpWrite | undefined;

/** The handle's onread, shared by every handle (`this` is the handle that read). */
function onRead(this: TcpHandle): Uint8Array | undefined {
  return (this as ReadingHandle).pump!.read();
}

function afterWrite(this: PumpWrite, status: number): void {
  this.pump!.written(status);
}

function afterShutdown(this: SideShutdown, status: number): void {
  const side = this.side!;
  side.relay.shutDone(side, status);
}

/** One direction, src to dst. */
class Pump {
  /** Bytes read from src (and handed to dst). */
  bytes = 0;
  /** A write to dst is in flight; src does not read meanwhile. */
  waiting = false;
  /** The buffer the next read goes into. */
  private buf: Buffer | undefined = takeSmall();
  /** A buffer a pending write still refers to, after buf was swapped for another size. */
  private held: Buffer | undefined;
  private smallReads = 0;

  constructor(
    readonly src: Side,
    readonly dst: Side,
  ) {
    src.reader = this;
    dst.writer = this;
  }

  start(): void {
    const h = this.src.handle as ReadingHandle;
    h.pump = this;
    h.onread = onRead;
    h.useUserBuffer(this.buf!);
    const err = h.readStart();
    if (err) this.src.relay.fail(this.src, err, 'read');
  }

  read(): Uint8Array | undefined {
    const n = lastRead();
    if (n > 0) return this.forward(n);
    if (n === UV_EOF) this.src.relay.ended(this.src);
    else if (n < 0) this.src.relay.fail(this.src, n, 'read');
    return undefined;
  }

  /** Hands n bytes just read to dst; returns the buffer the next read goes into when it changes. */
  private forward(n: number): Uint8Array | undefined {
    this.bytes += n;
    const b = this.buf!;
    const req = (spareWrite ??= newWriteReq() as PumpWrite);
    const err = this.dst.handle.writeBuffer(req, n === b.length ? b : b.subarray(0, n));
    if (err) {
      this.dst.relay.fail(this.dst, err, 'write');
      return undefined;
    }
    const pending = lastWriteWasAsync();
    if (pending) {
      // dst keeps part of b: reading stops until afterWrite.
      spareWrite = undefined;
      req.pump = this;
      req.oncomplete = afterWrite;
      this.waiting = true;
      this.src.handle.readStop();
    }
    return this.resize(n, b, pending);
  }

  written(status: number): void {
    this.waiting = false;
    if (this.held) give(this.held);
    this.held = undefined;
    const relay = this.src.relay;
    if (status < 0) relay.fail(this.dst, status, 'write');
    else if (!this.src.closed) {
      const err = this.src.handle.readStart();
      if (err) relay.fail(this.src, err, 'read');
    }
  }

  /** Moves to a large buffer after a full small read, back after a run of small reads. */
  private resize(n: number, b: Buffer, pending: boolean): Buffer | undefined {
    let next: Buffer | undefined;
    if (b.length === LARGE_BUFFER_BYTES) {
      this.smallReads = n < SMALL_BUFFER_BYTES ? this.smallReads + 1 : 0;
      if (this.smallReads >= SHRINK_AFTER) next = takeSmall();
    } else if (n === b.length) {
      next = takeLarge();
    }
    if (!next) return undefined;
    this.smallReads = 0;
    if (pending) this.held = b;
    else give(b);
    this.buf = next;
    return next;
  }

  /** Gives the buffers back; only once neither handle can touch them (both closed). */
  release(): void {
    if (this.buf) give(this.buf);
    if (this.held) give(this.held);
    this.buf = this.held = undefined;
  }
}

/**
 * Relays between two connected handles: the client's (accepted) and the upstream's
 * (connected to the endpoint). done is called once, after both handles have closed.
 */
export class Relay {
  private readonly client: Side;
  private readonly upstream: Side;
  private readonly toUpstream: Pump;
  private readonly toClient: Pump;
  private open = 2;
  private failure: RelayResult['failure'];
  private finished = false;

  constructor(client: TcpHandle, upstream: TcpHandle, private readonly done: (r: RelayResult) => void) {
    this.client = new Side(client, this);
    this.upstream = new Side(upstream, this);
    this.toUpstream = new Pump(this.client, this.upstream);
    this.toClient = new Pump(this.upstream, this.client);
  }

  start(): void {
    this.toUpstream.start();
    if (!this.finished) this.toClient.start();
  }

  /** side's FIN came: it goes on to the other side; side closes once our FIN to it is out too. */
  ended(side: Side): void {
    side.readEnded = true;
    this.endWrite(side === this.client ? this.upstream : this.client);
    this.closeIfDone(side);
  }

  /** An error on side (a reset, a failed write): side closes, the other is reset. */
  fail(side: Side, status: number, syscall: string): void {
    if (this.finished) return;
    this.finished = true;
    this.failure = { status, syscall };
    this.close(side);
    this.reset(side === this.client ? this.upstream : this.client);
  }

  /** Ends both at once (proxier cleanup). */
  destroy(): void {
    this.finished = true;
    this.close(this.client);
    this.close(this.upstream);
  }

  shutDone(side: Side, status: number): void {
    side.shut = 'done';
    // A shutdown cancelled by the handle's close, or refused by a peer that is gone
    // (its reset shows on the read side too).
    if (status < 0 && !side.closed) this.fail(side, status, 'shutdown');
    else this.closeIfDone(side);
  }

  /**
   * Sends a FIN to side. When side's own FIN has come already and nothing is left to
   * write to it, closing it sends the FIN just as well and saves a shutdown and its
   * callback (short connections mostly end this way).
   */
  private endWrite(side: Side): void {
    if (side.closed || side.shut !== 'open') return;
    if (side.readEnded && !side.writer.waiting) {
      side.shut = 'done';
      this.close(side);
      return;
    }
    const req = newShutdownReq() as SideShutdown;
    req.side = side;
    req.oncomplete = afterShutdown;
    side.shut = 'shutting';
    // ENOTCONN: the peer is gone (its reset shows on the read side).
    if (side.handle.shutdown(req) !== 0) side.shut = 'done';
    this.closeIfDone(side);
  }

  private closeIfDone(side: Side): void {
    if (side.readEnded && side.shut === 'done') this.close(side);
  }

  /**
   * One handle closed. Nothing reads into or writes from the buffers once close (or
   * reset) has returned: libuv stops reading and closes the socket at once, and the
   * writes it still had are only cancelled (their callbacks come later). So the relay
   * ends when its second handle is closed, without waiting for close callbacks.
   */
  private closedOne(): void {
    if (--this.open > 0) return;
    this.finished = true;
    this.toUpstream.release();
    this.toClient.release();
    this.done({ bytesIn: this.toUpstream.bytes, bytesOut: this.toClient.bytes, failure: this.failure });
  }

  private close(side: Side): void {
    if (side.closed) return;
    side.closed = true;
    side.handle.close();
    this.closedOne();
  }

  /**
   * Closes side with an RST, as a peer behind a NAT sees a broken connection. libuv
   * cannot reset a handle it has been asked to shut down: that one is closed.
   */
  private reset(side: Side): void {
    if (side.closed) return;
    if (side.shut !== 'open') {
      this.close(side);
      return;
    }
    side.closed = true;
    // libuv refuses only a handle being shut down (never reset here) or a failing
    // setsockopt(SO_LINGER); the relay still ends then.
    side.handle.reset();
    this.closedOne();
  }
}
