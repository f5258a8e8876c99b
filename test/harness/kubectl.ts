// Runs the real kubectl (Debian's package) against a test control plane, with its
// kubeconfig and a private HOME so nothing of the machine's own config leaks in.
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import type { ControlPlane } from './apiserver.js';

const run = promisify(execFile);
/** What kubectl needs of a cluster: its kubeconfig, and a folder for kubectl's HOME. */
export type KubectlTarget = Pick<ControlPlane, 'kubeconfig' | 'dir'>;
const env = (cp: KubectlTarget): NodeJS.ProcessEnv => ({ ...process.env, KUBECONFIG: cp.kubeconfig, HOME: cp.dir });

/** kubectl's stdout; throws with its stderr when it fails. */
export async function kubectl(cp: KubectlTarget, ...args: string[]): Promise<string> {
  try {
    const { stdout } = await run('kubectl', args, { env: env(cp), timeout: 60_000 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`kubectl ${args.join(' ')} failed: ${e.stderr || e.message}`);
  }
}

/** kubectl's stderr for a command that must fail; throws when it succeeds. */
export async function kubectlFails(cp: KubectlTarget, ...args: string[]): Promise<string> {
  try {
    await run('kubectl', args, { env: env(cp), timeout: 60_000 });
  } catch (err) {
    return (err as { stderr: string }).stderr;
  }
  throw new Error(`kubectl ${args.join(' ')} succeeded but should have failed`);
}

/** The environment kubectl runs with, for tests that spawn it themselves (get -w). */
export const kubectlEnv = env;

/** The real kubectl's exit code, stdout and stderr, whatever the outcome; `input`, when given, is its stdin. */
export function kubectlRun(cp: KubectlTarget, args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('kubectl', args, { env: env(cp) });
    if (input !== undefined) {
      child.stdin.on('error', () => undefined);
      child.stdin.end(input);
    }
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}
