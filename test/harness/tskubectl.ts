// Runs our CLI (its bundle, dist/kubectl/tskubectl.js) against a test control plane, with its
// kubeconfig and a private HOME, like test/harness/kubectl.ts does for the real one.
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { componentCommand, type ControlPlane } from './apiserver.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliRunOptions {
  /** Written to stdin, then stdin is closed. */
  input?: string;
  /** tskubectlStart: leave stdin open for CliProcess.write and endInput. */
  openStdin?: boolean;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** A tskubectl that keeps running (port-forward, proxy): its output so far, and a way to stop it. */
export interface CliProcess {
  readonly pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves with stdout once it matches re (rejects when the process exits first or after timeoutMs). */
  waitForStdout(re: RegExp, timeoutMs?: number): Promise<string>;
  /** With openStdin: writes to its stdin. */
  write(text: string): void;
  /** With openStdin: ends its stdin. */
  endInput(): void;
  /** Resolves with how the process ended, once it ended by itself (rejects after timeoutMs). */
  exited(timeoutMs?: number): Promise<CliResult>;
  /** Sends signal (SIGINT by default) and resolves with how the process ended. */
  stop(signal?: NodeJS.Signals): Promise<CliResult>;
}

/** Starts `tskubectl args...` in the background; the caller stops it (in a finally or an after hook). */
export function tskubectlStart(cp: ControlPlane | undefined, args: string[], opts: CliRunOptions = {}): CliProcess {
  const env = { ...process.env, ...(cp ? { KUBECONFIG: cp.kubeconfig, HOME: cp.dir } : {}), ...opts.env };
  const child = spawn(process.execPath, [...componentCommand('kubectl'), ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  // A command that exits without reading its stdin must not fail the test with EPIPE.
  child.stdin.on('error', () => undefined);
  if (opts.openStdin) child.stdin.write(opts.input ?? '');
  else child.stdin.end(opts.input ?? '');
  let code: number | null | undefined;
  const exited = new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (c) => { code = c; resolve(); });
  });
  exited.catch(() => undefined);
  return {
    pid: child.pid!,
    write: (text) => { child.stdin.write(text); },
    endInput: () => { child.stdin.end(); },
    async exited(timeoutMs = 30_000) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`tskubectl ${args.join(' ')} did not finish in ${timeoutMs} ms; stdout: ${stdout} stderr: ${stderr}`)), timeoutMs);
      });
      try {
        await Promise.race([exited, timeout]);
      } finally {
        clearTimeout(timer);
      }
      return { code: code ?? 1, stdout, stderr };
    },
    stdout: () => stdout,
    stderr: () => stderr,
    async waitForStdout(re, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!re.test(stdout)) {
        if (code !== undefined) throw new Error(`tskubectl ${args.join(' ')} exited ${code} before printing ${re}; stdout: ${stdout} stderr: ${stderr}`);
        if (Date.now() > deadline) throw new Error(`tskubectl ${args.join(' ')} did not print ${re} in ${timeoutMs} ms; stdout: ${stdout} stderr: ${stderr}`);
        await sleep(50);
      }
      return stdout;
    },
    async stop(signal = 'SIGINT') {
      if (code === undefined) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
      return { code: code ?? 1, stdout, stderr };
    },
  };
}

/** Runs `tskubectl args...` and collects its output; never throws for a non-zero exit. */
export async function tskubectlRun(cp: ControlPlane | undefined, args: string[], opts: CliRunOptions = {}): Promise<CliResult> {
  const p = tskubectlStart(cp, args, { ...opts, openStdin: false });
  try {
    return await p.exited(opts.timeoutMs ?? 60_000);
  } catch (err) {
    await p.stop('SIGKILL');
    throw err;
  }
}

/** stdout of a command that must succeed; throws with stderr otherwise. */
export async function tskubectl(cp: ControlPlane | undefined, ...args: string[]): Promise<string> {
  const r = await tskubectlRun(cp, args);
  if (r.code !== 0) throw new Error(`tskubectl ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** stderr of a command that must fail with exit code 1. */
export async function tskubectlFails(cp: ControlPlane | undefined, ...args: string[]): Promise<string> {
  const r = await tskubectlRun(cp, args);
  if (r.code !== 1) throw new Error(`tskubectl ${args.join(' ')} exited ${r.code}, expected 1; stdout: ${r.stdout} stderr: ${r.stderr}`);
  return r.stderr;
}
