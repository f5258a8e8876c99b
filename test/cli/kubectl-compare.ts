// Runs the real kubectl and tskubectl with the same arguments, each in a namespace of
// its own holding the same objects, for tests that compare the two (set, replace).
import type { ControlPlane } from '../harness/apiserver.js';
import { kubectlRun } from '../harness/kubectl.js';
import { tskubectlRun, type CliResult } from '../harness/tskubectl.js';

/** The real kubectl's exit code and output, with `input` on its stdin. */
export function kubectlWithInput(cp: ControlPlane, args: string[], input = ''): Promise<CliResult> {
  return kubectlRun(cp, args, input);
}

export interface Compared {
  kubectl: CliResult;
  ours: CliResult;
}

/**
 * kubectl with `-n <ns>-k`, tskubectl with `-n <ns>-t`; both namespaces are made ready
 * by `prepare` first. The outputs come back with the namespace names as "NS" and uids as "UID".
 */
export async function runBoth(cp: ControlPlane, ns: string, args: string[], opts: { input?: string; prepare?: (ns: string) => Promise<void> } = {}): Promise<Compared> {
  const k = `${ns}-k`;
  const t = `${ns}-t`;
  await opts.prepare?.(k);
  const kubectl = await kubectlWithInput(cp, ['-n', k, ...args], opts.input);
  await opts.prepare?.(t);
  const ours = await tskubectlRun(cp, ['-n', t, ...args], { input: opts.input });
  // Server-made uids (a Job's controller-uid in an error) differ between the two namespaces.
  const uid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
  const clean = (s: string, name: string): string => s.replaceAll(name, 'NS').replace(uid, 'UID');
  const norm = (r: CliResult, name: string): CliResult => ({ code: r.code, stdout: clean(r.stdout, name), stderr: clean(r.stderr, name) });
  return { kubectl: norm(kubectl, k), ours: norm(ours, t) };
}
