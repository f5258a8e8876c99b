// The tskube image (Dockerfile, built offline on tskube.local/node): one image, the
// command picks the component; its entrypoint is PID 1 and behaves as tini does:
// `docker stop` reaches the component as SIGTERM at once, the container exits with the
// component's status, and an orphaned child is reaped. The control-plane components
// run as the non-root user.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { buildTskubeImage, TSKUBE_IMAGE } from '../../scripts/images.js';
import { NODE_FLAGS } from '../../client/node-flags.js';

const run = promisify(execFile);
const LABEL = `io.tskube.test=image-${randomBytes(4).toString('hex')}`;
const docker = async (...args: string[]): Promise<string> => (await run('docker', args, { timeout: 60_000 })).stdout.trim();
let size = 0;

before(async () => { size = await buildTskubeImage({ log: () => undefined }); });
after(async () => {
  const ids = (await docker('ps', '-aq', '--filter', `label=${LABEL}`)).split('\n').filter(Boolean);
  if (ids.length) await docker('rm', '-f', ...ids);
});

test('the image is small and lists its components', async () => {
  assert.ok(size > 0 && size < 250e6, `${(size / 1e6).toFixed(0)} MB`);
  const help = await docker('run', '--rm', '--label', LABEL, TSKUBE_IMAGE);
  for (const c of ['kube-apiserver', 'kube-scheduler', 'kube-controller-manager', 'kubelet', 'kube-proxy', 'metrics-server', 'kubectl']) assert.match(help, new RegExp(`\\n  ${c} `));
  assert.match(await docker('run', '--rm', '--label', LABEL, TSKUBE_IMAGE, 'kube-scheduler', '--help'), /Usage: kube-scheduler/);
});

test('an unknown component is refused with status 64', async () => {
  const err = await run('docker', ['run', '--rm', '--label', LABEL, TSKUBE_IMAGE, 'kube-nothing']).then(() => undefined, (e: { code: number; stderr: string }) => e);
  assert.equal(err?.code, 64);
  assert.match(err!.stderr, /unknown component 'kube-nothing'/);
});

/** The container's init (PID 1 inside) and its children, as host PIDs. */
async function initAndChildren(id: string): Promise<{ init: number; children: number[] }> {
  const init = Number(await docker('inspect', '--format', '{{.State.Pid}}', id));
  const children = (await readFile(`/proc/${init}/task/${init}/children`, 'utf8')).trim().split(/\s+/).filter(Boolean).map(Number);
  return { init, children };
}

/**
 * Waits until the scheduler in container `id` is running its informers, so its SIGTERM
 * handler is in place: a fixed sleep lost that race on a loaded CI machine (the signal
 * came before Node had loaded the component, and the container exited 143).
 */
async function waitStarted(id: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!/"informer":/.test((await run('docker', ['logs', id])).stdout)) {
    if (Date.now() > deadline) throw new Error(`the scheduler in ${id} logged nothing in 30 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('the control plane runs as uid 10001, under the init, with its Node flags', async () => {
  const id = await docker('run', '-d', '--label', LABEL, TSKUBE_IMAGE, 'kube-scheduler', '--master', 'http://127.0.0.1:1');
  await waitStarted(id);
  const { stdout } = await run('docker', ['top', id, '-o', 'pid,uid,args']);
  assert.match(stdout, /10001\s+\/bin\/sh \/usr\/local\/bin\/tskube kube-scheduler/);
  const flags = NODE_FLAGS['kube-scheduler'].map((f) => `${f} `).join('').replace(/[.]/g, '\\.');
  assert.match(stdout, new RegExp(`10001\\s+node ${flags}/opt/tskube/dist/scheduler/kube-scheduler\\.js --master`));
  const { children } = await initAndChildren(id);
  assert.equal(children.length, 1);
  assert.match(await readFile(`/proc/${children[0]}/cmdline`, 'utf8'), /dist\/scheduler\/kube-scheduler\.js/);
});

test('docker stop reaches the component as SIGTERM at once; the container exits with its status', async () => {
  const id = await docker('run', '-d', '--label', LABEL, TSKUBE_IMAGE, 'kube-scheduler', '--master', 'http://127.0.0.1:1');
  await waitStarted(id);
  const t0 = Date.now();
  await docker('stop', '-t', '20', id);
  assert.ok(Date.now() - t0 < 10_000, `docker stop took ${Date.now() - t0} ms: SIGTERM did not reach the scheduler`);
  assert.equal(await docker('inspect', '--format', '{{.State.ExitCode}}', id), '0');
  assert.match(await docker('logs', id), /"msg":"[^"]*(stop|shut|exit)/i);
});

test('the init passes on the component\'s exit status, and a killed component\'s signal as 128+n', async () => {
  const exited = await run('docker', ['run', '--rm', '--label', LABEL, TSKUBE_IMAGE, 'healthcheck', 'http://127.0.0.1:1/']).then(() => 0, (e: { code: number }) => e.code);
  assert.equal(exited, 1);
  const id = await docker('run', '-d', '--label', LABEL, TSKUBE_IMAGE, 'kube-scheduler', '--master', 'http://127.0.0.1:1');
  await waitStarted(id);
  // SIGKILL to the component (not the init): the init reaps it and exits 137.
  const { children } = await initAndChildren(id);
  process.kill(children[0]!, 'SIGKILL');
  await run('docker', ['wait', id], { timeout: 20_000 });
  assert.equal(await docker('inspect', '--format', '{{.State.ExitCode}}', id), '137');
});

test('a process orphaned in the container is reaped by the init, not left a zombie', async () => {
  const id = await docker('run', '-d', '--label', LABEL, TSKUBE_IMAGE, 'kube-scheduler', '--master', 'http://127.0.0.1:1');
  // The exec'd shell exits at once; its `sleep 1` is orphaned to PID 1 and exits a second later.
  await docker('exec', id, 'sh', '-c', 'sleep 1 & exit 0');
  await new Promise((r) => setTimeout(r, 3000));
  const { init } = await initAndChildren(id);
  const states: string[] = [];
  for (const pid of (await readFile(`/proc/${init}/task/${init}/children`, 'utf8')).trim().split(/\s+/).filter(Boolean)) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    states.push(`${pid}:${stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)}`);
  }
  assert.ok(states.every((s) => !s.endsWith(':Z')), `children of the init: ${states.join(' ')}`);
});

test('the component reads the container\'s stdin (docker run -i ... kubectl apply -f -)', async () => {
  const out = await new Promise<string>((resolve) => {
    const child = spawn('docker', ['run', '-i', '--rm', '--label', LABEL, TSKUBE_IMAGE, 'kubectl', 'apply', '-f', '-', '--server', 'http://127.0.0.1:1']);
    let text = '';
    child.stdout.on('data', (d: Buffer) => { text += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { text += d.toString(); });
    child.on('close', () => resolve(text));
    child.stdin.end('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n');
  });
  // It read the object and went on to the server (there is none): not "no objects passed to apply".
  assert.match(out, /connection to the server 127\.0\.0\.1:1 was refused/);
});
