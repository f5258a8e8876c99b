// The local images built from this machine's binaries work as pods need them:
// busybox runs shell commands, pause stops at once on SIGTERM, and the test server
// answers HTTP (with switchable health and readiness) and UDP.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { ensureLocalImages, imagePresent, LOCAL_BUSYBOX_IMAGE, LOCAL_PAUSE_IMAGE, LOCAL_TESTSERVER_IMAGE } from '../../scripts/images.js';
import { waitFor } from '../harness/processes.js';

const run = promisify(execFile);
const RUN_LABEL = `io.tskube.test=images-${randomBytes(4).toString('hex')}`;
const docker = async (...args: string[]): Promise<string> => (await run('docker', args, { timeout: 60_000 })).stdout.trim();

before(async () => { await ensureLocalImages({ log: () => undefined }); });
after(async () => {
  const ids = (await docker('ps', '-aq', '--filter', `label=${RUN_LABEL}`)).split('\n').filter(Boolean);
  if (ids.length) await docker('rm', '-f', ...ids);
});

test('all three images exist after ensureLocalImages', async () => {
  for (const ref of [LOCAL_BUSYBOX_IMAGE, LOCAL_PAUSE_IMAGE, LOCAL_TESTSERVER_IMAGE]) assert.ok(await imagePresent(ref), ref);
});

test('busybox runs shell commands and has a writable /tmp', async () => {
  const out = await docker('run', '--rm', '--label', RUN_LABEL, LOCAL_BUSYBOX_IMAGE, 'sh', '-c', 'echo hello > /tmp/x && cat /tmp/x && id -un');
  assert.equal(out, 'hello\nroot');
});

test('pause runs until stopped, and stops at once on SIGTERM', async () => {
  const id = await docker('run', '-d', '--label', RUN_LABEL, LOCAL_PAUSE_IMAGE);
  assert.equal(await docker('inspect', '--format', '{{.State.Running}}', id), 'true');
  const t0 = Date.now();
  await docker('stop', '-t', '10', id);
  assert.ok(Date.now() - t0 < 5000, `stop took ${Date.now() - t0} ms (SIGTERM ignored?)`);
  assert.equal(await docker('inspect', '--format', '{{.State.ExitCode}}', id), '0');
});

test('the test server answers HTTP and UDP; health and readiness switch with files', async () => {
  const id = await docker('run', '-d', '--label', RUN_LABEL, LOCAL_TESTSERVER_IMAGE);
  const ip = await docker('inspect', '--format', '{{.NetworkSettings.IPAddress}}', id);
  assert.match(ip, /^\d+\.\d+\.\d+\.\d+$/);
  const get = async (path: string): Promise<{ status: number; body: string }> => {
    const res = await fetch(`http://${ip}:8080${path}`, { signal: AbortSignal.timeout(2000) });
    return { status: res.status, body: await res.text() };
  };
  await waitFor(async () => (await get('/healthz').catch(() => ({ status: 0 }))).status === 200, { timeoutMs: 15_000, what: 'the test server' });
  assert.equal((await get('/')).body, `${id.slice(0, 12)}\n`);
  assert.equal((await get('/echo?msg=hi')).body, 'hi');
  await docker('exec', id, 'touch', '/tmp/unhealthy', '/tmp/not-ready');
  assert.equal((await get('/healthz')).status, 500);
  assert.equal((await get('/readyz')).status, 503);
  await docker('exec', id, 'rm', '/tmp/unhealthy', '/tmp/not-ready');
  assert.equal((await get('/readyz')).status, 200);
  const sock = createSocket('udp4');
  try {
    const reply = new Promise<string>((resolve, reject) => {
      sock.once('message', (m) => resolve(m.toString()));
      setTimeout(() => reject(new Error('no UDP echo within 3 s')), 3000).unref();
    });
    sock.send('ping', 8081, ip);
    assert.equal(await reply, `${id.slice(0, 12)} ping`);
  } finally {
    sock.close();
  }
  assert.match(await docker('logs', id), /testserver listening on 8080/);
});
