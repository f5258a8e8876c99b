// tskubectl run with attach (-i, -t, --rm, --attach, --restart=Never) and tskubectl
// debug (ephemeral containers, --copy-to, node/NAME) end to end: a real control plane,
// scheduler, kubelet and Docker, each compared with the real kubectl 1.32 where the
// output is deterministic, and kubectl's errors.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { ensureLocalImages, LOCAL_BUSYBOX_IMAGE } from '../../scripts/images.js';
import type { Pod } from '../../api/types/core.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { startScheduler } from '../harness/controllers.js';
import { kubectlEnv } from '../harness/kubectl.js';
import { podApi, startKubelet, type KubeletHandle } from '../harness/kubelet.js';
import type { ChildHandle } from '../harness/processes.js';
import { tskubectlRun, type CliResult } from '../harness/tskubectl.js';

/** The real kubectl with stdin, as tskubectlRun runs ours. */
function kubectlWithInput(cp: ControlPlane, args: string[], input = ''): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('kubectl', args, { env: kubectlEnv(cp) });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

describe('tskubectl run with attach, and debug', { timeout: 300_000 }, () => {
  let cp: ControlPlane;
  let kubelet: KubeletHandle;
  let scheduler: ChildHandle;
  const api = podApi(() => cp, () => kubelet);
  const ours = (args: string[], input?: string): Promise<CliResult> => tskubectlRun(cp, args, { input, timeoutMs: 90_000 });
  const theirs = (args: string[], input?: string): Promise<CliResult> => kubectlWithInput(cp, args, input);
  /** The same command with ours and the real kubectl, on pods named NAME-ours and NAME-kubectl. */
  const both = async (name: string, args: (n: string) => string[], input?: string): Promise<{ ours: CliResult; theirs: CliResult }> => ({
    ours: await ours(args(`${name}-ours`), input),
    theirs: await theirs(args(`${name}-kubectl`), input),
  });
  const norm = (r: CliResult, name: string, suffix: string): CliResult => ({
    code: r.code, stdout: r.stdout.replaceAll(`${name}-${suffix}`, name).replaceAll('kubectl', 'K'), stderr: r.stderr.replaceAll(`${name}-${suffix}`, name).replaceAll('tskubectl', 'kubectl').replaceAll('kubectl', 'K'),
  });
  const same = async (name: string, args: (n: string) => string[], input?: string): Promise<CliResult> => {
    const r = await both(name, args, input);
    if (process.env.SHOW) console.error(JSON.stringify(r));
    assert.deepEqual(norm(r.ours, name, 'ours'), norm(r.theirs, name, 'kubectl'));
    return r.ours;
  };

  before(async () => {
    await ensureLocalImages();
    cp = await startControlPlane();
    kubelet = await startKubelet(cp, { name: 'cli-debug', cidr: '10.236.0.0/16' });
    scheduler = startScheduler(cp);
  });
  after(async () => {
    try { await scheduler?.stop(); } finally {
      try { await kubelet?.cleanup(); } finally { await cp?.stop(); }
    }
  });

  it('run -i --rm --restart=Never: stdin reaches the command, its output and exit code are ours, the pod is deleted', async () => {
    let r = await same('cat', (n) => ['run', n, '-i', '--rm', '--restart=Never', `--image=${LOCAL_BUSYBOX_IMAGE}`, '--', 'sh', '-c', 'cat; echo done'], 'hello\n');
    assert.equal(r.code, 0);
    assert.match(r.stdout, /hello\ndone\n/);
    r = await same('fail', (n) => ['run', n, '-i', '--rm', '--restart=Never', `--image=${LOCAL_BUSYBOX_IMAGE}`, '--', 'sh', '-c', 'echo out; exit 3']);
    assert.equal(r.code, 3);
    for (const n of ['cat-ours', 'fail-ours']) assert.equal((await api.get(n).catch(() => undefined))?.metadata, undefined);
  });

  it('run --attach without -i prints the output; -t without a terminal warns as kubectl', async () => {
    await same('att', (n) => ['run', n, '--attach', '--rm', '--restart=Never', `--image=${LOCAL_BUSYBOX_IMAGE}`, '--', 'sh', '-c', 'sleep 2; echo attached']);
    await same('tty', (n) => ['run', n, '-it', '--rm', '--restart=Never', `--image=${LOCAL_BUSYBOX_IMAGE}`, '--', 'sh', '-c', 'sleep 2; echo tty']);
  });

  it('run refuses what kubectl refuses', async () => {
    await same('x', (n) => ['run', n, '--image=busybox', '--rm']);
    await same('x', (n) => ['run', n, '--image=busybox', '-i', '--dry-run=client']);
    await same('x', (n) => ['run', n, '--image=busybox', '-t']);
  });
});
