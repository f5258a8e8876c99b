// A SPDY/3.1 server session, the part Kubernetes' streams use (moby/spdystream): the
// client opens streams with SYN_STREAM (headers in a zlib block compressed with SPDY's
// dictionary, one zlib context per direction for the whole session), the server answers
// each with SYN_REPLY, both send DATA (FIN ends a side), RST_STREAM resets, PING is
// echoed, GOAWAY ends the session. SETTINGS and WINDOW_UPDATE are read and ignored, as
// spdystream does (it has no flow control). Memory stays bounded by the connection
// instead: a stream's writes wait while the socket's buffer is full, and the socket
// stops being read while a stream's reader is behind. spdy-transport cannot be used:
// it refuses streams without HTTP's :method and :path headers.
import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import { constants, createDeflate, createInflate, type Deflate, type Inflate } from 'node:zlib';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
/** SPDY/3's zlib dictionary (the spec's), as spdy-transport ships it. */
const DICTIONARY = (require('spdy-transport/lib/spdy-transport/protocol/spdy/dictionary.js') as Record<number, Buffer>)[3];

const VERSION = 3;
const SYN_STREAM = 1;
const SYN_REPLY = 2;
const RST_STREAM = 3;
const PING = 6;
const GOAWAY = 7;
const FLAG_FIN = 0x01;

/** One stream: a Duplex of its DATA, with the headers its SYN_STREAM carried. */
export class SpdyStream extends Duplex {
  private remoteEnded = false;
  constructor(readonly id: number, readonly headers: Record<string, string>, private readonly session: SpdySession) {
    super({ allowHalfOpen: true });
  }

  override _read(): void {
    this.session.caughtUp(this);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error) => void): void {
    if (this.session.writeData(this.id, chunk, false)) cb();
    else this.session.whenDrained(cb);
  }

  override _final(cb: (err?: Error) => void): void {
    this.session.writeData(this.id, Buffer.alloc(0), true);
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (!this.remoteEnded || !this.writableFinished) this.session.reset(this.id);
    cb(err);
  }

  /** Data from the peer; fin: the peer sends no more. */
  receive(data: Buffer, fin: boolean): void {
    if (data.length && !this.push(data)) this.session.fellBehind(this);
    if (fin) {
      this.remoteEnded = true;
      this.push(null);
    }
  }
}

/**
 * A server session on socket (after the 101). Emits 'stream' (SpdyStream) for each
 * stream the client opens, once its reply is on the way; 'close' when the connection ends.
 */
export class SpdySession extends EventEmitter {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly streams = new Map<number, SpdyStream>();
  private readonly inflate: Inflate;
  private readonly deflate: Deflate;
  /** Frames are handled one at a time: header blocks go through the session's zlib streams in order. */
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  /** Streams whose readers are behind: the socket is not read while there is one. */
  private readonly behind = new Set<SpdyStream>();

  constructor(private readonly socket: Duplex) {
    super();
    this.inflate = createInflate({ dictionary: DICTIONARY });
    this.deflate = createDeflate({ dictionary: DICTIONARY });
    // Every stream waiting for 'drain' listens on both.
    this.setMaxListeners(0);
    socket.setMaxListeners(0);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => this.shutdown());
    socket.on('error', () => this.shutdown());
  }

  private shutdown(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.streams.values()) s.destroy();
    this.streams.clear();
    this.inflate.close();
    this.deflate.close();
    this.emit('close');
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    while (this.buffer.length >= 8) {
      const length = this.buffer.readUIntBE(5, 3);
      if (this.buffer.length < 8 + length) break;
      const frame = this.buffer.subarray(0, 8 + length);
      this.buffer = this.buffer.subarray(8 + length);
      this.chain = this.chain.then(() => this.handle(frame)).catch(() => { this.socket.destroy(); });
    }
  }

  private async handle(frame: Buffer): Promise<void> {
    const control = (frame[0] & 0x80) !== 0;
    const flags = frame[4];
    const body = frame.subarray(8);
    if (!control) {
      const id = frame.readUInt32BE(0) & 0x7fffffff;
      this.streams.get(id)?.receive(Buffer.from(body), (flags & FLAG_FIN) !== 0);
      return;
    }
    const type = frame.readUInt16BE(2);
    switch (type) {
      case SYN_STREAM: {
        const id = body.readUInt32BE(0) & 0x7fffffff;
        const headers = parseHeaderBlock(await this.inflateBlock(body.subarray(10)));
        const stream = new SpdyStream(id, headers, this);
        this.streams.set(id, stream);
        await this.reply(id);
        stream.on('close', () => {
          this.streams.delete(id);
          this.caughtUp(stream);
        });
        if ((flags & FLAG_FIN) !== 0) stream.receive(Buffer.alloc(0), true);
        this.emit('stream', stream);
        return;
      }
      case RST_STREAM: {
        const id = body.readUInt32BE(0) & 0x7fffffff;
        this.streams.get(id)?.destroy();
        this.streams.delete(id);
        return;
      }
      case PING:
        this.write(frame);
        return;
      case GOAWAY:
        this.socket.end();
        return;
      default:
        // SETTINGS, WINDOW_UPDATE, HEADERS, NOOP: nothing to do.
    }
  }

  private inflateBlock(block: Buffer): Promise<Buffer> {
    return flushThrough(this.inflate, block);
  }

  private deflateBlock(block: Buffer): Promise<Buffer> {
    return flushThrough(this.deflate, block);
  }

  private async reply(id: number): Promise<void> {
    const headers = await this.deflateBlock(headerBlock({}));
    const body = Buffer.alloc(4 + headers.length);
    body.writeUInt32BE(id & 0x7fffffff, 0);
    headers.copy(body, 4);
    this.write(controlFrame(SYN_REPLY, 0, body));
  }

  fellBehind(stream: SpdyStream): void {
    this.behind.add(stream);
    this.socket.pause();
  }

  caughtUp(stream: SpdyStream): void {
    if (this.behind.delete(stream) && this.behind.size === 0 && !this.closed) this.socket.resume();
  }

  /** cb once the socket's buffer has drained (or the session is gone). */
  whenDrained(cb: () => void): void {
    if (this.closed) return cb();
    const done = (): void => {
      this.socket.off('drain', done);
      this.off('close', done);
      cb();
    };
    this.socket.on('drain', done);
    this.on('close', done);
  }

  /** Sends data on stream id; false when the socket's buffer is full (wait for whenDrained). */
  writeData(id: number, data: Buffer, fin: boolean): boolean {
    let flushed = true;
    // One DATA frame holds at most 16 MiB - 1; spdystream's peers send far less.
    for (let off = 0; off < data.length || (fin && off === 0); off += 0xffffff) {
      const part = data.subarray(off, off + 0xffffff);
      const last = off + 0xffffff >= data.length;
      const head = Buffer.alloc(8);
      head.writeUInt32BE(id & 0x7fffffff, 0);
      head[4] = fin && last ? FLAG_FIN : 0;
      head.writeUIntBE(part.length, 5, 3);
      flushed = this.write(Buffer.concat([head, part]));
      if (data.length === 0) break;
    }
    return flushed;
  }

  reset(id: number): void {
    if (this.closed) return;
    const body = Buffer.alloc(8);
    body.writeUInt32BE(id & 0x7fffffff, 0);
    body.writeUInt32BE(5, 4); // CANCEL
    this.write(controlFrame(RST_STREAM, 0, body));
  }

  private write(buf: Buffer): boolean {
    if (this.closed || this.socket.destroyed) return true;
    return this.socket.write(buf);
  }
}

/** What block becomes through the session's zlib stream (one context for the whole session: a sync flush, never an end). */
function flushThrough(z: Inflate | Deflate, block: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const onData = (d: Buffer): void => { out.push(d); };
    const onError = (err: Error): void => {
      z.off('data', onData);
      reject(err);
    };
    z.on('data', onData);
    z.once('error', onError);
    z.write(block);
    z.flush(constants.Z_SYNC_FLUSH, () => {
      z.off('data', onData);
      z.off('error', onError);
      resolve(Buffer.concat(out));
    });
  });
}

function controlFrame(type: number, flags: number, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt16BE(0x8000 | VERSION, 0);
  head.writeUInt16BE(type, 2);
  head[4] = flags;
  head.writeUIntBE(body.length, 5, 3);
  return Buffer.concat([head, body]);
}

/** A SPDY/3 name/value block: count, then length-prefixed names and values (32-bit lengths). */
function headerBlock(headers: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  const n = Buffer.alloc(4);
  n.writeUInt32BE(Object.keys(headers).length);
  parts.push(n);
  for (const [k, v] of Object.entries(headers)) {
    for (const s of [k, v]) {
      const b = Buffer.from(s);
      const len = Buffer.alloc(4);
      len.writeUInt32BE(b.length);
      parts.push(len, b);
    }
  }
  return Buffer.concat(parts);
}

function parseHeaderBlock(block: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let off = 0;
  const count = block.readUInt32BE(off);
  off += 4;
  for (let i = 0; i < count; i++) {
    const nl = block.readUInt32BE(off);
    const name = block.subarray(off + 4, off + 4 + nl).toString().toLowerCase();
    off += 4 + nl;
    const vl = block.readUInt32BE(off);
    out[name] = block.subarray(off + 4, off + 4 + vl).toString();
    off += 4 + vl;
  }
  return out;
}
