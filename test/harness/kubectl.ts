// Runs the real kubectl (Debian's package) against a test control plane, with its
// kubeconfig and a private HOME so nothing of the machine's own config leaks in.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { ControlPlane } from './apiserver.js';

const run = promisify(execFile);
const env = (cp: ControlPlane): NodeJS.ProcessEnv => ({ ...process.env, KUBECONFIG: cp.kubeconfig, HOME: cp.dir });

/** kubectl's stdout; throws with its stderr when it fails. */
export async function kubectl(cp: ControlPlane, ...args: string[]): Promise<string> {
  try {
    const { stdout } = await run('kubectl', args, { env: env(cp), timeout: 60_000 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`kubectl ${args.join(' ')} failed: ${e.stderr || e.message}`);
  }
}

/** kubectl's stderr for a command that must fail; throws when it succeeds. */
export async function kubectlFails(cp: ControlPlane, ...args: string[]): Promise<string> {
  try {
    await run('kubectl', args, { env: env(cp), timeout: 60_000 });
  } catch (err) {
    return (err as { stderr: string }).stderr;
  }
  throw new Error(`kubectl ${args.join(' ')} succeeded but should have failed`);
}

/** The environment kubectl runs with, for tests that spawn it themselves (get -w). */
export const kubectlEnv = env;
