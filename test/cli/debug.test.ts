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
import { tskubectlRun, tskubectlStart, type CliResult } from '../harness/tskubectl.js';

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
    assert.deepEqual(norm(r.ours, name, 'ours'), norm(r.theirs, name, 'kubectl'));
    return r.ours;
  };

  const waitForEphemeral = async (name: string, cond: (p: Pod) => boolean): Promise<NonNullable<NonNullable<Pod['status']>['ephemeralContainerStatuses']>> => {
    const p = await api.wait(name, 'ephemeral containers', cond, 60_000);
    return p.status?.ephemeralContainerStatuses ?? [];
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
    r = await same('fail', (n) => ['run', n, '-i', '--rm', '--restart=Never', `--image=${LOCAL_BUSYBOX_IMAGE}`, '--', 'sh', '-c', 'sleep 2; echo out; exit 3']);
    assert.equal(r.code, 3);
    for (const n of ['cat-ours', 'fail-ours']) assert.equal((await api.get(n).catch(() => undefined))?.metadata, undefined);
  });

  it('run --attach without -i prints the output; -t without a terminal warns as kubectl', async () => {
    await same('att', (n) => ['run', n, '--attach', '--rm', '--restart=Never', `--image=${LOCAL_BUSYBOX_IMAGE}`, '--', 'sh', '-c', 'sleep 2; echo attached']);
    await same('tty', (n) => ['run', n, '-it', '--rm', '--restart=Never', `--image=${LOCAL_BUSYBOX_IMAGE}`, '--', 'sh', '-c', 'sleep 2; echo tty']);
  });

  /** Random names as kubectl makes them, the same in both outputs. */
  const unrandom = (r: CliResult): CliResult => ({
    code: r.code,
    stdout: r.stdout.replace(/debugger-[a-z0-9]{5}/g, 'debugger-XXXXX').replaceAll('tskubectl', 'kubectl'),
    stderr: r.stderr.replace(/debugger-[a-z0-9]{5}/g, 'debugger-XXXXX').replaceAll('tskubectl', 'kubectl'),
  });

  it('debug POD -i --image adds an ephemeral container, attaches to it, and reports its status as the kubelet runs it', async () => {
    await api.create('target', { containers: [{ name: 'main', image: LOCAL_BUSYBOX_IMAGE, command: ['sh', '-c', 'exec sleep 3600'] }] });
    await api.wait('target', 'running', (p) => p.status?.phase === 'Running');
    const args = ['debug', 'target', '-i', `--image=${LOCAL_BUSYBOX_IMAGE}`, '--', 'sh', '-c', 'read l; echo "got $l"; echo err >&2'];
    // The end of stdin ends an attach (Docker closes the output with it): stdin stays open
    // until the answer came.
    const session = tskubectlStart(cp, args, { openStdin: true });
    let o: CliResult;
    try {
      await session.waitForStdout(/Defaulting debug container name/, 60_000);
      session.write('line\n');
      await session.waitForStdout(/got line\n/, 60_000);
      session.endInput();
      o = unrandom(await session.exited(60_000));
    } finally {
      await session.stop();
    }
    assert.deepEqual(o, {
      code: 0,
      stdout: 'Defaulting debug container name to debugger-XXXXX.\ngot line\n',
      stderr: '--profile=legacy is deprecated and will be removed in the future. It is recommended to explicitly specify a profile, for example "--profile=general".\n'
        + "If you don't see a command prompt, try pressing enter.\nerr\n",
    });
    // The real kubectl prints the same lines (its output races with the end of its stdin).
    const t = unrandom(await theirs(args, 'line\n'));
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stdout, /^Defaulting debug container name to debugger-XXXXX\.\n/);
    assert.match(t.stderr, /^--profile=legacy is deprecated .*\nIf you don't see a command prompt, try pressing enter\.\n/);
    const pod = await api.get('target') as Pod;
    assert.equal(pod.spec?.ephemeralContainers?.length, 2);
    const statuses = await waitForEphemeral('target', (p) => (p.status?.ephemeralContainerStatuses ?? []).filter((s) => s.state?.terminated).length === 2);
    assert.deepEqual(statuses.map((s) => s.state?.terminated?.exitCode), [0, 0]);
    // Its logs are served like any container's.
    const name = pod.spec!.ephemeralContainers![0]!.name;
    const logs = await ours(['logs', 'target', '-c', name]);
    // stdout and stderr interleave by time: the order of two lines written together may vary.
    assert.deepEqual({ ...logs, stdout: logs.stdout.split('\n').sort() }, { code: 0, stdout: ['', 'err', 'got line'], stderr: '' });
  });

  it('debug --target shares the target container\'s processes; -c names the container; exec reaches it', async () => {
    const r = await ours(['debug', 'target', '-q', '--profile=general', '-c', 'dbg', '--target=main', `--image=${LOCAL_BUSYBOX_IMAGE}`, '--', 'sleep', '3600']);
    assert.deepEqual(r, { code: 0, stdout: '', stderr: '' });
    await waitForEphemeral('target', (p) => !!p.status?.ephemeralContainerStatuses?.find((s) => s.name === 'dbg')?.state?.running);
    const ps = await ours(['exec', 'target', '-c', 'dbg', '--', 'ps', '-o', 'args']);
    assert.equal(ps.code, 0, ps.stderr);
    assert.match(ps.stdout, /sleep 3600/);
    // The target's sleep (pid 1 of its namespace) is visible beside our own.
    assert.equal(ps.stdout.split('\n').filter((l) => l.trim() === 'sleep 3600').length, 2, ps.stdout);
    // A name taken by an ephemeral container: what the patch makes of it, as with kubectl.
    const args = ['debug', 'target', '-c', 'dbg', `--image=${LOCAL_BUSYBOX_IMAGE}`, '--', 'sleep', '1'];
    const firstLines = (r: CliResult): unknown => ({ code: r.code, stdout: r.stdout, stderr: r.stderr.split('\n').slice(0, 2) });
    const taken = await ours(args);
    assert.deepEqual(firstLines(taken), firstLines(await theirs(args)));
    assert.match(taken.stderr, /The Pod "target" is invalid: spec\.ephemeralContainers: Forbidden: existing ephemeral containers "dbg" may not be changed\n/);
    const main = ['debug', 'target', '-c', 'main', `--image=${LOCAL_BUSYBOX_IMAGE}`];
    const refused = unrandom(await ours(main));
    assert.deepEqual(refused, unrandom(await theirs(main)));
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /The Pod "target" is invalid: spec\.ephemeralContainers\[\d\]\.name: Duplicate value: "main"/);
  });

  it('debug --copy-to makes the copy kubectl makes, with the debug container added', async () => {
    // The copy runs a while, so both attach to it running (one that ended first would be
    // attached to, or only have its logs read, depending on timing, as kubectl does);
    // --attach without -i: the output until the command ends.
    const args = (n: string): string[] => ['debug', 'target', `--copy-to=${n}`, `--image=${LOCAL_BUSYBOX_IMAGE}`, '-c', 'dbg', '--attach', '--', 'sh', '-c', 'sleep 2; echo copied'];
    const r = await both('copy', args);
    assert.deepEqual(norm(r.ours, 'copy', 'ours'), norm(r.theirs, 'copy', 'kubectl'));
    assert.match(r.ours.stdout, /copied\n/);
    const spec = async (n: string): Promise<unknown> => {
      const p = await api.get(n) as Pod;
      return { labels: p.metadata.labels, spec: { ...p.spec, nodeName: undefined } };
    };
    assert.deepEqual(await spec('copy-ours'), await spec('copy-kubectl'));
  });

  it('debug node/NAME runs a pod in the node\'s namespaces with its root at /host', async () => {
    // --attach without -i: the output until the command ends (the end of stdin would end an attach).
    const args = ['debug', `node/${kubelet.nodeName}`, '--attach', `--image=${LOCAL_BUSYBOX_IMAGE}`, '--', 'sh', '-c', 'sleep 2; test -d /host/proc && echo root; grep -q docker0 /proc/net/dev && echo host-net; pidof dockerd >/dev/null && echo host-pid'];
    const clean = (r: CliResult): CliResult => ({ ...unrandom(r), stdout: r.stdout.replace(/node-debugger-(\S+)-[a-z0-9]{5}/g, 'node-debugger-$1-XXXXX') });
    const o = clean(await ours(args));
    const t = clean(await theirs(args));
    assert.deepEqual(o, t);
    assert.equal(o.code, 0, o.stderr);
    assert.match(o.stdout, new RegExp(`^Creating debugging pod node-debugger-${kubelet.nodeName}-XXXXX with container debugger on node ${kubelet.nodeName}\\.\n`));
    assert.match(o.stdout, /root\nhost-net\nhost-pid\n$/);
  });

  it('debug refuses what kubectl refuses', async () => {
    for (const args of [
      ['debug', 'target'], ['debug', '--image=busybox'], ['debug', 'target', '--image=busybox', '--replace'],
      ['debug', 'target', '--copy-to=x'], ['debug', 'target', '--image=busybox', '-t'],
      ['debug', 'target', '--copy-to=x', '--image=busybox', '--target=main'], ['debug', 'nopod', '--image=busybox'],
    ]) {
      assert.deepEqual(unrandom(await ours(args)), unrandom(await theirs(args)), args.join(' '));
    }
  });

  it('run refuses what kubectl refuses', async () => {
    await same('x', (n) => ['run', n, '--image=busybox', '--rm']);
    await same('x', (n) => ['run', n, '--image=busybox', '-i', '--dry-run=client']);
    await same('x', (n) => ['run', n, '--image=busybox', '-t']);
  });
});
