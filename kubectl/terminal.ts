// The local terminal during exec and attach (kubectl's util/term TTY): whether a TTY
// can be used at all (SetupTTY), raw mode on stdin for the session and restored after
// it whatever happens (an error, a signal, the process exiting), the terminal's size
// and its changes (MonitorSize, SIGWINCH), and the signals that end a session (kubectl's
// interrupt handler: the session stops and the CLI exits 1).
import type { Readable, Writable } from 'node:stream';
import type { TerminalSize } from '../api/streaming.js';
import type { TerminalSizes } from './remote-command.js';

/** stdin as Node gives it: a tty.ReadStream when it is a terminal. */
export interface TerminalInput extends Readable {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
}

/** stdout as Node gives it: a tty.WriteStream (columns, rows, 'resize') when it is a terminal. */
export interface TerminalOutput extends Writable {
  isTTY?: boolean;
  columns?: number;
  rows?: number;
}

export const TTY_UNAVAILABLE = 'Unable to use a TTY - input is not a terminal or the right kind of file';

/**
 * kubectl's StreamOptions.SetupTTY, as a decision: a raw terminal needs stdin (-i), a
 * TTY (-t) and stdin being a terminal. -t without -i quietly means no TTY; -i -t on a
 * stdin that is not a terminal means no TTY and kubectl's warning (unless quiet).
 */
export function ttyDecision(o: { stdin: boolean; tty: boolean; quiet: boolean; stdinIsTerminal: boolean }): { raw: boolean; warning?: string } {
  if (!o.stdin || !o.tty) return { raw: false };
  if (!o.stdinIsTerminal) return o.quiet ? { raw: false } : { raw: false, warning: TTY_UNAVAILABLE };
  return { raw: true };
}

const SESSION_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];

/**
 * Runs a session (exec, attach) with kubectl's interrupt handling: a signal aborts the
 * session's AbortSignal and makes the exit code 1. With `raw`, stdin is in raw mode for
 * the session (keys go to the remote side as they are typed, Ctrl-C included) and is
 * restored when it ends, on an error, and, should the process exit first, at exit.
 */
export async function runSession<T>(input: TerminalInput, raw: boolean, session: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const stop = new AbortController();
  const onSignal = (): void => {
    process.exitCode = 1;
    stop.abort();
  };
  let restored = !raw;
  const restore = (): void => {
    if (restored) return;
    restored = true;
    input.setRawMode?.(false);
  };
  for (const s of SESSION_SIGNALS) process.on(s, onSignal);
  process.once('exit', restore);
  try {
    if (raw) input.setRawMode?.(true);
    return await session(stop.signal);
  } finally {
    restore();
    process.off('exit', restore);
    for (const s of SESSION_SIGNALS) process.off(s, onSignal);
  }
}

function sizeOf(out: TerminalOutput): TerminalSize | undefined {
  if (!out.isTTY || !out.columns || !out.rows) return undefined;
  return { Width: out.columns, Height: out.rows };
}

/**
 * The sizes of the terminal on `out` (kubectl's MonitorSize): the size now, then every
 * change (Node emits 'resize' on a terminal's stdout at SIGWINCH). undefined when `out`
 * is not a terminal. With `redraw` (attach), the first size is sent one larger, then the
 * real one, so that a program redraws its screen for the new client.
 */
export function terminalSizes(out: TerminalOutput, redraw = false): TerminalSizes | undefined {
  if (!sizeOf(out)) return undefined;
  return {
    initial() {
      const now = sizeOf(out);
      if (!now) return [];
      return redraw ? [{ Width: now.Width + 1, Height: now.Height + 1 }, now] : [now];
    },
    onChange(listener) {
      let last = sizeOf(out);
      const onResize = (): void => {
        const now = sizeOf(out);
        if (!now || (last && now.Width === last.Width && now.Height === last.Height)) return;
        last = now;
        listener(now);
      };
      out.on('resize', onResize);
      return () => { out.off('resize', onResize); };
    },
  };
}
