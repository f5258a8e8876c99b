// Runs our CLI (dist/kubectl/main.js) against a test control plane, with its
// kubeconfig and a private HOME, like test/harness/kubectl.ts does for the real one.
import { spawn } from 'node:child_process';
import { componentCommand, type ControlPlane } from './apiserver.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliRunOptions {
  /** Written to stdin, then stdin is closed. */
  input?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** Runs `tskubectl args...` and collects its output; never throws for a non-zero exit. */
export function tskubectlRun(cp: ControlPlane | undefined, args: string[], opts: CliRunOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, ...(cp ? { KUBECONFIG: cp.kubeconfig, HOME: cp.dir } : {}), ...opts.env };
    const child = spawn(process.execPath, [...componentCommand('kubectl'), ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tskubectl ${args.join(' ')} did not finish in ${opts.timeoutMs ?? 60_000} ms; stdout: ${stdout} stderr: ${stderr}`));
    }, opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
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
