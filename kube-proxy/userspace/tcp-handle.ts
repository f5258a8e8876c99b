// Node's own TCP handles: the libuv-backed objects net.Socket and net.Server are built
// on (process.binding('tcp_wrap') and 'stream_wrap', which Node keeps on its allow-list
// of public bindings). The userspace proxier relays on them directly: a relayed
// connection then costs two handles and a few small objects instead of two net.Socket
// streams, which halves the proxy's CPU per short connection (bench/proxy.ts).
// Everything here is typed to the parts of the handle API the relay uses, and checked
// once, at first use, so a Node.js whose handles differ fails with one clear message.
import { getSystemErrorMap } from 'node:util';

/** A connect in flight (TCPConnectWrap); oncomplete gets libuv's status (0 or -errno). */
export interface ConnectReq {
  oncomplete: (status: number) => void;
}

/** A write in flight (WriteWrap); used only when the kernel did not take it all at once. */
export interface WriteReq {
  handle: TcpHandle;
  oncomplete: (status: number) => void;
  async: boolean;
}

/** A shutdown in flight (ShutdownWrap). */
export interface ShutdownReq {
  handle: TcpHandle;
  oncomplete: (status: number) => void;
}

/**
 * A TCP socket or server handle. Methods returning a number return 0 or a negative
 * libuv error code. After close() or reset() the handle must not be used again.
 */
export interface TcpHandle {
  bind(address: string, port: number): number;
  listen(backlog: number): number;
  connect(req: ConnectReq, address: string, port: number): number;
  setNoDelay(on: boolean): number;
  getpeername(out: { address?: string; port?: number }): number;
  /** Every read goes into buf until onread returns another buffer. */
  useUserBuffer(buf: Uint8Array): void;
  readStart(): number;
  readStop(): number;
  /** Writes buf; when lastWriteWasAsync() after it, req.oncomplete runs once buf is sent. */
  writeBuffer(req: WriteReq, buf: Uint8Array): number;
  shutdown(req: ShutdownReq): number;
  close(cb?: () => void): void;
  /** Closes with an RST (SO_LINGER 0). Fails (and leaves the handle unusable) after a shutdown. */
  reset(cb?: () => void): number;
  /** Called after each read: lastRead() is the byte count or a negative error (UV_EOF at EOF). */
  onread: ((this: TcpHandle) => Uint8Array | undefined) | null;
  /** Server handles: called per accepted connection. */
  onconnection: ((status: number, handle?: TcpHandle) => void) | null;
}

interface Bindings {
  TCP: new (type: number) => TcpHandle;
  TCPConnectWrap: new () => ConnectReq;
  WriteWrap: new () => WriteReq;
  ShutdownWrap: new () => ShutdownReq;
  SOCKET: number;
  SERVER: number;
  state: Int32Array;
  readBytesOrError: number;
  lastWriteWasAsync: number;
}

let bindings: Bindings | undefined;

function load(): Bindings {
  if (bindings) return bindings;
  const binding = (process as unknown as { binding?: (name: string) => Record<string, unknown> }).binding;
  const tcp = binding?.('tcp_wrap');
  const stream = binding?.('stream_wrap');
  const constants = tcp?.constants as Record<string, number> | undefined;
  const b = {
    TCP: tcp?.TCP,
    TCPConnectWrap: tcp?.TCPConnectWrap,
    WriteWrap: stream?.WriteWrap,
    ShutdownWrap: stream?.ShutdownWrap,
    SOCKET: constants?.SOCKET,
    SERVER: constants?.SERVER,
    state: stream?.streamBaseState,
    readBytesOrError: stream?.kReadBytesOrError,
    lastWriteWasAsync: stream?.kLastWriteWasAsync,
  };
  const proto = (b.TCP as { prototype?: Record<string, unknown> } | undefined)?.prototype;
  const methods = ['bind', 'listen', 'connect', 'setNoDelay', 'getpeername', 'useUserBuffer', 'readStart', 'readStop', 'writeBuffer', 'shutdown', 'close', 'reset'];
  const ok = typeof b.TCP === 'function' && typeof b.TCPConnectWrap === 'function' && typeof b.WriteWrap === 'function'
    && typeof b.ShutdownWrap === 'function' && typeof b.SOCKET === 'number' && typeof b.SERVER === 'number'
    && b.state instanceof Int32Array && typeof b.readBytesOrError === 'number' && typeof b.lastWriteWasAsync === 'number'
    && methods.every((m) => typeof proto?.[m] === 'function');
  if (!ok) {
    throw new Error(`Node.js ${process.version} does not offer the TCP handles the userspace proxy relays on (process.binding('tcp_wrap'), 'stream_wrap'); run kube-proxy with --proxy-mode=nftables, or on the Node.js version in package.json's engines`);
  }
  bindings = b as Bindings;
  return bindings;
}

/** Throws the one-line reason when this Node.js lacks the handles (checked at proxier start). */
export function checkTcpHandles(): void {
  load();
}

export const newSocketHandle = (): TcpHandle => {
  const b = load();
  return new b.TCP(b.SOCKET);
};
export const newServerHandle = (): TcpHandle => {
  const b = load();
  return new b.TCP(b.SERVER);
};
export const newConnectReq = (): ConnectReq => new (load().TCPConnectWrap)();
export const newWriteReq = (): WriteReq => new (load().WriteWrap)();
export const newShutdownReq = (): ShutdownReq => new (load().ShutdownWrap)();

/** In onread: the bytes just read (> 0), 0 for nothing, or a negative error (UV_EOF). */
export function lastRead(): number {
  const b = bindings!;
  return b.state[b.readBytesOrError]!;
}

/** After writeBuffer: whether the kernel kept part of the buffer to send later. */
export function lastWriteWasAsync(): boolean {
  const b = bindings!;
  return b.state[b.lastWriteWasAsync] !== 0;
}

const errors = getSystemErrorMap();
/** libuv's end-of-stream code. */
export const UV_EOF = [...errors].find(([, [name]]) => name === 'EOF')?.[0] ?? -4095;

/**
 * A libuv error as net reports it: code 'ECONNREFUSED', errno, syscall, and net's
 * message ("connect ECONNREFUSED 10.0.0.1:80", "listen EADDRINUSE: address already in
 * use 10.0.0.1:80", "read ECONNRESET").
 */
export function uvError(status: number, syscall: string, address?: string, port?: number): NodeJS.ErrnoException {
  const [name, description] = errors.get(status) ?? [`UV${status}`, 'unknown error'];
  const where = address !== undefined ? ` ${address}${port !== undefined ? `:${port}` : ''}` : '';
  const message = syscall === 'connect' || where === '' ? `${syscall} ${name}${where}` : `${syscall} ${name}: ${description}${where}`;
  const err: NodeJS.ErrnoException & { address?: string; port?: number } = Object.assign(new Error(message), { code: name, errno: status, syscall });
  if (address !== undefined) err.address = address;
  if (port !== undefined) err.port = port;
  return err;
}
