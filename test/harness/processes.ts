// Child processes for integration tests: spawn with output to a log file, stop them
// gracefully or hard, and poll for conditions with a deadline.
//
// Every child spawned here is recorded in one registry; a process 'exit' hook SIGKILLs
// whatever is still running, so a failed or interrupted test never leaves etcd or a
// component behind.

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** How long stop() waits after SIGTERM before it sends SIGKILL. */
export const STOP_GRACE_MS = 5000;

/**
 * A running (or exited) child process. Tests call stop() in `after` hooks; kill9()
 * simulates a crash. Both resolve once the process has exited and are safe to call
 * more than once or after the process exited on its own.
 */
export interface ChildHandle {
  readonly pid: number;
  readonly logFile: string;
  /** True until the process has exited. */
  readonly running: boolean;
  /** Resolves with the exit code (null when killed by a signal) once it has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL after STOP_GRACE_MS; resolves when the process has exited. */
  stop(): Promise<void>;
  /** SIGKILL at once; resolves when the process has exited. */
  kill9(): Promise<void>;
}

export interface SpawnOptions {
  /** stdout and stderr are appended to this file (its directory is created). */
  logFile: string;
  /** Environment of the child; defaults to this process's environment. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: kill() only sends the signal, which is all
  // that is needed for the children not to outlive us.
  process.on('exit', () => {
    for (const child of live) {
      try {
        child.kill('SIGKILL');
      } catch {
        // Already gone between the exit event and now: nothing to clean up.
      }
    }
  });
}

/** Spawns any executable with stdout/stderr appended to opts.logFile. */
export function spawnProcess(command: string, args: string[], opts: SpawnOptions): ChildHandle {
  installExitHook();
  mkdirSync(dirname(opts.logFile), { recursive: true });
  const fd = openSync(opts.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(command, args, {
      stdio: ['ignore', fd, fd],
      env: opts.env ?? process.env,
      cwd: opts.cwd,
    });
  } finally {
    // The child holds its own copy of the descriptor.
    closeSync(fd);
  }

  let running = true;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('exit', (code, signal) => {
      running = false;
      live.delete(child);
      resolve({ code, signal });
    });
    child.on('error', (err) => {
      // spawn failure (e.g. ENOENT): no 'exit' follows. Other errors (a failed kill of
      // an already-reaped process) change nothing here.
      if (child.pid === undefined) {
        running = false;
        live.delete(child);
        reject(new Error(`cannot start ${command}: ${err.message}`, { cause: err }));
      }
    });
  });
  // Callers that never await `exited` must not get an unhandled rejection; the
  // failure still surfaces through pid below and through stop()/exited.
  exited.catch(() => undefined);

  if (child.pid === undefined) {
    // spawn reports ENOENT asynchronously, but pid is already known to be missing.
    throw new Error(`cannot start ${command}: not found or not executable`);
  }
  live.add(child);
  const pid = child.pid;

  async function signalAndWait(first: NodeJS.Signals, graceMs: number): Promise<void> {
    if (!running) return;
    child.kill(first);
    if (first !== 'SIGKILL') {
      const timer = sleep(graceMs, 'timeout' as const, { ref: false });
      const outcome = await Promise.race([exited.then(() => 'exited' as const), timer]);
      if (outcome === 'exited') return;
      if (running) child.kill('SIGKILL');
    }
    await exited.catch(() => undefined);
  }

  return {
    pid,
    logFile: opts.logFile,
    get running() {
      return running;
    },
    exited,
    stop: () => signalAndWait('SIGTERM', STOP_GRACE_MS),
    kill9: () => signalAndWait('SIGKILL', 0),
  };
}

/** Spawns `node script ...args` with the same Node binary that runs the tests. */
export function spawnNode(script: string, args: string[], opts: SpawnOptions): ChildHandle {
  return spawnProcess(process.execPath, [script, ...args], opts);
}

export interface WaitForOptions {
  /** Overall deadline; defaults to 10 s. */
  timeoutMs?: number;
  /** Pause between polls; defaults to 50 ms. */
  intervalMs?: number;
  /** Used in the timeout message: "timed out after 10000ms waiting for <what>". */
  what: string;
}

/**
 * Polls cond until it returns true. A throwing cond counts as "not yet" (the last
 * error is attached to the timeout error as its cause), so conditions like "the
 * server answers" can simply make the request.
 */
export async function waitFor(
  cond: () => Promise<boolean> | boolean,
  opts: WaitForOptions,
): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const intervalMs = opts.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      if (await cond()) return;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs}ms waiting for ${opts.what}${detail}`, {
        cause: lastError,
      });
    }
    await sleep(Math.min(intervalMs, Math.max(0, deadline - Date.now())));
  }
}
