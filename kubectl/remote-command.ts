// The client side of exec and attach: client-go's remotecommand over WebSocket, as
// kubectl 1.30+ speaks it. One WebSocket (v5.channel.k8s.io, else v4) to pods/exec or
// pods/attach; stdin goes out on its channel and, at its end, v5's close signal for it;
// stdout and stderr come back on theirs; terminal sizes go out on the resize channel;
// the error channel's Status says how the command ended (api/streaming.ts frames all of
// it). Flow control both ways: stdin is paused while the socket has much unsent, and the
// socket is paused while stdout or stderr cannot take more.
import type { Readable, Writable } from 'node:stream';
import type { WebSocket } from 'ws';
import {
  CHANNEL_PROTOCOLS, closeFrame, decodeFrame, encodeFrame, ERROR, exitCodeOf, RESIZE, STDERR, STDIN, STDOUT, type TerminalSize,
} from '../api/streaming.js';
import type { Status } from '../api/types/meta.js';
import type { Query, RestClient } from '../client/rest-client.js';
import { openWebSocket, pacedWriter, sendPaced } from '../client/stream-client.js';
import { CliError } from './errors.js';

/** What we offer, best first: v5 has stdin's close signal. */
export const REMOTE_COMMAND_PROTOCOLS: readonly string[] = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];

/** The remote command ended with a non-zero code: kubectl prints this line (no "error: ") and exits with the code. */
export class ExitCodeError extends CliError {
  override name = 'ExitCodeError';
  constructor(readonly code: number) {
    super(`command terminated with exit code ${code}`, code);
  }
}

/** Where terminal sizes come from (kubectl's TerminalSizeQueue): the sizes to send first, then each change. */
export interface TerminalSizes {
  initial(): TerminalSize[];
  /** Calls listener on each change; the returned function stops that. */
  onChange(listener: (size: TerminalSize) => void): () => void;
}

/** PodExecOptions (with a command) or PodAttachOptions (without). */
export interface RemoteCommandParams {
  container: string;
  command?: readonly string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

export interface RemoteCommandStreams {
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  sizes?: TerminalSizes;
  /** Aborting ends the session at once (the command goes on, as with kubectl). */
  signal?: AbortSignal;
}

/** The query of an exec or attach request, as client-go's parameter codec writes PodExecOptions. */
export function remoteCommandQuery(p: RemoteCommandParams): Query {
  return {
    stdin: p.stdin || undefined,
    stdout: p.stdout || undefined,
    stderr: p.stderr || undefined,
    tty: p.tty || undefined,
    container: p.container,
    command: p.command && p.command.length ? p.command : undefined,
  };
}

/**
 * How the error channel's content ends the session: undefined for success, an
 * ExitCodeError for a non-zero exit, else an Error with the server's message.
 */
export function errorChannelOutcome(payload: Buffer): Error | undefined {
  const code = exitCodeOf(payload);
  if (code === 0) return undefined;
  if (code !== undefined) return new ExitCodeError(code);
  const text = payload.toString('utf8');
  try {
    const status = JSON.parse(text) as Status;
    if (status && typeof status === 'object') return new Error(status.message || 'error stream protocol error: unknown error');
  } catch {
    // not a Status: an older kubelet's (or a failed start's) plain text
  }
  return new Error(text.trim());
}

/**
 * Runs an exec or attach session on `path` (pods/<name>/exec or attach) until the
 * server closes it. Resolves when the command succeeded (or `signal` ended the session);
 * rejects with ExitCodeError for a non-zero exit, with the server's refusal (StatusError,
 * "unable to upgrade connection: ...") or its error message otherwise.
 */
export async function streamRemoteCommand(rest: RestClient, path: string, params: RemoteCommandParams, io: RemoteCommandStreams): Promise<void> {
  let ws: WebSocket;
  try {
    ws = await openWebSocket(rest, { path, query: remoteCommandQuery(params), protocols: REMOTE_COMMAND_PROTOCOLS, signal: io.signal });
  } catch (err) {
    // Stopped (a signal) before the session began: nothing ran, nothing to report.
    if (io.signal?.aborted) return;
    throw err;
  }
  const protocol = CHANNEL_PROTOCOLS.find((p) => p.name === ws.protocol)!;
  return new Promise<void>((resolve, reject) => {
    const errorChunks: Buffer[] = [];
    const cleanups: (() => void)[] = [];
    let failure: Error | undefined;
    const fail = (err: Error): void => {
      failure ??= err;
      ws.terminate();
    };

    // Output: the socket waits while a stream it writes to is full.
    const write = pacedWriter(ws);
    for (const out of new Set([io.stdout, io.stderr])) {
      if (!out) continue;
      const onError = (err: Error): void => fail(err);
      out.on('error', onError);
      cleanups.push(() => out.off('error', onError));
    }
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      let frame: { channel: number; payload: Buffer };
      try {
        frame = decodeFrame(protocol, isBinary ? data : data.toString('utf8'));
      } catch {
        return; // an empty message: nothing to deliver
      }
      if (frame.channel === STDOUT) write(io.stdout, frame.payload);
      else if (frame.channel === STDERR) write(io.stderr, frame.payload);
      else if (frame.channel === ERROR) errorChunks.push(frame.payload);
    });

    // Input: stdin is read only as fast as the socket sends it.
    const stdin = io.stdin;
    if (params.stdin && stdin) {
      const stopSending = sendPaced(ws, stdin, (chunk) => encodeFrame(protocol, STDIN, chunk));
      // v4 has no way to say stdin ended: the command sees it open until the session ends.
      const onEnd = (): void => {
        if (protocol.version >= 5 && ws.readyState === ws.OPEN) ws.send(closeFrame(protocol, STDIN));
      };
      const onError = (err: Error): void => fail(err);
      stdin.once('end', onEnd);
      stdin.once('error', onError);
      cleanups.push(() => {
        stopSending();
        stdin.off('end', onEnd);
        stdin.off('error', onError);
        stdin.pause();
      });
    }

    if (io.sizes) {
      const sendSize = (size: TerminalSize): void => {
        if (ws.readyState === ws.OPEN) ws.send(encodeFrame(protocol, RESIZE, Buffer.from(JSON.stringify({ Width: size.Width, Height: size.Height }))));
      };
      for (const size of io.sizes.initial()) sendSize(size);
      cleanups.push(io.sizes.onChange(sendSize));
    }

    const onAbort = (): void => ws.terminate();
    io.signal?.addEventListener('abort', onAbort, { once: true });
    cleanups.push(() => io.signal?.removeEventListener('abort', onAbort));

    ws.once('close', (code: number, reason: Buffer) => {
      for (const c of cleanups) c();
      if (failure) return reject(failure);
      if (errorChunks.length) {
        const outcome = errorChannelOutcome(Buffer.concat(errorChunks));
        return outcome ? reject(outcome) : resolve();
      }
      // No word on the error channel: a normal close is a success (attach), anything else a lost connection.
      if (io.signal?.aborted || code === 1000 || code === 1005) return resolve();
      reject(new Error(`websocket: close ${code}${reason.length ? ` ${reason.toString('utf8')}` : ''}: the connection to the server was lost`));
    });
    ws.resume();
  });
}
