// Running the node's tools (ip, nft, conntrack): one child process, input on stdin,
// stdout collected, a non-zero exit or a failed start rejected with what the tool
// printed. One copy for NodeNet, the nftables runner and the conntrack cleaner.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

/** A tool failed to start (code: ENOENT, ABORT_ERR, ...) or exited non-zero (exitCode, signal, stderr). */
export class CommandError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
    readonly exitCode: number | null,
    readonly signal: NodeJS.Signals | null,
    /** Set when the process could not run or was aborted: the spawn error's code. */
    readonly code?: string,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}

export interface RunCommandOptions {
  /** Written to the tool's stdin, which is then closed (empty when absent). */
  stdin?: string;
  /** Kills the tool and rejects (code ABORT_ERR), e.g. AbortSignal.timeout(ms). */
  signal?: AbortSignal;
}

/** Runs bin with args; resolves with its stdout once it exits 0. */
export function runCommand(bin: string, args: readonly string[], o: RunCommandOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'], signal: o.signal });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e: NodeJS.ErrnoException) => {
      reject(new CommandError(`${bin} could not run: ${e.message}`, '', null, null, e.code ?? e.name));
    });
    child.on('close', (code, signal) => {
      if (code === 0) {
        resolve(Buffer.concat(out).toString());
        return;
      }
      const stderr = Buffer.concat(err).toString();
      reject(new CommandError(`${bin} ${args.join(' ')} failed (${signal ?? `exit ${code}`}): ${stderr.trim()}`, stderr, code, signal));
    });
    // A failed spawn or an early exit closes stdin under us: 'error' or the exit status says why.
    child.stdin.on('error', () => {});
    child.stdin.end(o.stdin ?? '');
  });
}

/**
 * Where a tool of /usr/sbin lives (a non-login PATH may lack it): the first executable
 * of /usr/sbin, /sbin, /usr/local/sbin and /usr/bin, else the bare name for PATH.
 */
export function sbinBinary(name: string): string {
  for (const dir of ['/usr/sbin', '/sbin', '/usr/local/sbin', '/usr/bin']) {
    try {
      accessSync(`${dir}/${name}`, constants.X_OK);
      return `${dir}/${name}`;
    } catch {
      // not here
    }
  }
  return name;
}
