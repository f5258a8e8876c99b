// The runtime's interactive exec against the real Docker Engine: stdin in, stdout and
// stderr apart, the exit code, half-closed stdin, and a TTY.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { DockerRuntime } from '../../kubelet/runtime/docker.js';
import { ensureLocalImages, LOCAL_BUSYBOX_IMAGE } from '../../scripts/images.js';

const run = promisify(execFile);
const runtime = new DockerRuntime({ log: pino({ level: 'silent' }) });
let id = '';

before(async () => {
  await ensureLocalImages();
  id = (await run('docker', ['run', '-d', '--rm', '--label', 'io.tskube.test=exec-stream', LOCAL_BUSYBOX_IMAGE, 'sleep', '600'])).stdout.trim();
});
after(async () => { if (id) await run('docker', ['rm', '-f', id]).catch(() => undefined); });

test('stdin in, stdout and stderr apart, the exit code', async () => {
  const exec = await runtime.execStream(id, ['sh', '-c', 'read x; echo got:$x; echo oops >&2; exit 3'], { stdin: true, stdout: true, stderr: true, tty: false });
  const out: Record<number, string> = { 1: '', 2: '' };
  exec.onOutput((stream, data) => { out[stream] += data.toString(); });
  exec.writeStdin(Buffer.from('hello\n'));
  exec.closeStdin();
  assert.equal(await exec.exited, 3);
  assert.equal(out[1], 'got:hello\n');
  assert.equal(out[2], 'oops\n');
});

test('a TTY: the command sees a terminal; a resize reaches it', async () => {
  const exec = await runtime.execStream(id, ['sh', '-c', 'tty; sleep 0.3; stty size'], { stdin: true, stdout: true, stderr: false, tty: true });
  let out = '';
  exec.onOutput((_s, data) => { out += data.toString(); });
  await exec.resize(100, 30);
  // With a TTY, closing stdin hangs the terminal up: the command is left to end by itself.
  assert.equal(await exec.exited, 0);
  assert.match(out, /\/dev\/pts\/\d+/);
  assert.match(out, /30 100/);
});
