// tskubectl cp end to end: real control plane, kubelet and Docker containers with
// busybox's tar. A 5 MiB random file into a pod and back with the same sha256 (checked
// in the pod too), a directory both ways (nested, an empty directory, a symlink that
// kubectl skips with its warning), copying into a directory that exists in the pod,
// the namespace/pod:path form, and kubectl's errors.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensureLocalImages, LOCAL_BUSYBOX_IMAGE } from '../../scripts/images.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { podApi, startKubelet, type KubeletHandle } from '../harness/kubelet.js';
import { tskubectlRun, type CliResult } from '../harness/tskubectl.js';

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('tskubectl cp', { timeout: 180_000 }, () => {
  let cp: ControlPlane;
  let kubelet: KubeletHandle;
  let dir: string;
  const api = podApi(() => cp, () => kubelet);
  const run = (...args: string[]): Promise<CliResult> => tskubectlRun(cp, args, { timeoutMs: 90_000 });
  const inPod = async (script: string): Promise<string> => {
    const r = await run('exec', 'box', '-c', 'main', '--', 'sh', '-c', script);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  };

  before(async () => {
    await ensureLocalImages();
    dir = await mkdtemp(join(tmpdir(), 'tskube-cp-'));
    cp = await startControlPlane();
    kubelet = await startKubelet(cp, { name: 'cli-cp', cidr: '10.243.0.0/16' });
    await api.create('box', {
      containers: [
        { name: 'main', image: LOCAL_BUSYBOX_IMAGE, command: ['sleep', '3600'] },
        { name: 'other', image: LOCAL_BUSYBOX_IMAGE, command: ['sleep', '3600'] },
      ],
    });
    await api.wait('box', 'running', (p) => p.status?.phase === 'Running');
  });
  after(async () => {
    try {
      await kubelet?.cleanup();
    } finally {
      await cp?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    }
  });

  it('copies a 5 MiB random file into a pod and back unchanged', async () => {
    const data = randomBytes(5 << 20);
    await writeFile(join(dir, 'big.bin'), data);
    let r = await run('cp', join(dir, 'big.bin'), 'box:/tmp/big.bin', '-c', 'main');
    assert.deepEqual(r, { code: 0, stdout: '', stderr: '' });
    assert.equal((await inPod('sha256sum /tmp/big.bin')).split(' ')[0], sha256(data));

    r = await run('cp', 'default/box:/tmp/big.bin', join(dir, 'back.bin'));
    assert.equal(r.code, 0, r.stderr);
    // As kubectl: the notice and tar's own words come out on stdout.
    assert.equal(r.stdout, 'Defaulted container "main" out of: main, other\ntar: removing leading \'/\' from member names\n');
    assert.equal(sha256(await readFile(join(dir, 'back.bin'))), sha256(data));
  });

  it('copies a directory into a pod and back: nested files, an empty directory; symlinks are skipped on the way back', async () => {
    const src = join(dir, 'tree');
    await mkdir(join(src, 'sub', 'deeper'), { recursive: true });
    await mkdir(join(src, 'empty'));
    await writeFile(join(src, 'a.txt'), 'alpha\n');
    await writeFile(join(src, 'sub', 'b.txt'), 'beta\n');
    await writeFile(join(src, 'sub', 'deeper', 'c.txt'), 'gamma\n');
    await symlink('/etc/passwd', join(src, 'link'));

    let r = await run('cp', src, 'box:/tmp/tree', '-c', 'main');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await inPod('cd /tmp/tree && find . | sort && cat sub/deeper/c.txt && readlink link'),
      '.\n./a.txt\n./empty\n./link\n./sub\n./sub/b.txt\n./sub/deeper\n./sub/deeper/c.txt\ngamma\n/etc/passwd\n');

    // Into a directory that exists in the pod: the copy lands inside it, under its own name.
    await inPod('mkdir /tmp/into');
    r = await run('cp', src, 'box:/tmp/into', '-c', 'main');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await inPod('cd /tmp/into && find . -name "*.txt" | sort'), './tree/a.txt\n./tree/sub/b.txt\n./tree/sub/deeper/c.txt\n');

    const back = join(dir, 'back-tree');
    r = await run('cp', 'box:/tmp/tree', back, '-c', 'main');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, `warning: skipping symlink: "${back}/link" -> "/etc/passwd" (consider using "tskubectl exec -n "" "box" -- tar cf - "/tmp/tree" | tar xf -")\n`);
    assert.deepEqual((await readdir(back)).sort(), ['a.txt', 'empty', 'sub']);
    assert.ok((await stat(join(back, 'empty'))).isDirectory());
    assert.equal(await readFile(join(back, 'sub', 'deeper', 'c.txt'), 'utf8'), 'gamma\n');
    assert.equal(await readFile(join(back, 'a.txt'), 'utf8'), 'alpha\n');
  });

  it('keeps the file\'s permissions, unless --no-preserve (then the container\'s umask applies)', async () => {
    const file = join(dir, 'open.txt');
    await writeFile(file, 'x');
    await chmod(file, 0o666);
    let r = await run('cp', file, 'box:/tmp/kept.txt', '-c', 'main');
    assert.equal(r.code, 0, r.stderr);
    r = await run('cp', '--no-preserve', file, 'box:/tmp/umasked.txt', '-c', 'main');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await inPod('stat -c "%A %n" /tmp/kept.txt /tmp/umasked.txt'), '-rw-rw-rw- /tmp/kept.txt\n-rw-r--r-- /tmp/umasked.txt\n');
  });

  it('kubectl\'s errors: two local paths, two pods, a missing local file, a missing pod, a failing tar', async () => {
    let r = await run('cp', 'a', 'b');
    assert.deepEqual(r, { code: 1, stdout: '', stderr: 'error: one of src or dest must be a remote file specification\n' });
    r = await run('cp', 'box:/a', 'box:/b');
    assert.deepEqual(r, { code: 1, stdout: '', stderr: 'error: one of src or dest must be a local file specification\n' });
    r = await run('cp', 'x/y/z:/a', 'b');
    assert.deepEqual(r, { code: 1, stdout: '', stderr: 'error: filespec must match the canonical format: [[namespace/]pod:]file/path\n' });
    r = await run('cp', join(dir, 'nope'), 'box:/tmp/x');
    assert.deepEqual(r, { code: 1, stdout: '', stderr: `error: ${join(dir, 'nope')} doesn't exist in local filesystem\n` });
    r = await run('cp', join(dir, 'big.bin'), 'nopod:/tmp/x');
    assert.deepEqual(r, { code: 1, stdout: '', stderr: 'Error from server (NotFound): pods "nopod" not found\n' });
    r = await run('cp', join(dir, 'big.bin'), 'box:/nonexistent/dir/x', '-c', 'main');
    assert.deepEqual(r, { code: 1, stdout: '', stderr: "tar: can't change directory to '/nonexistent/dir': No such file or directory\ncommand terminated with exit code 1\n" });
  });
});
