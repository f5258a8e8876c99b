// cp's pure rules and its tar streams without a cluster: kubectl's file specs, Go's path
// functions, where a pod's tar member lands, and untarAll on archives made here
// (members outside the copied path, members escaping the destination, symlinks), and
// the names makeTar gives what it packs.
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it, test } from 'node:test';
import { extract, pack } from 'tar-stream';
import {
  basePath, cleanPath, dirPath, isInside, joinPath, memberDestination, memberPrefix, parseFileSpec, stripPathShortcuts, FILE_SPEC_FORMAT_ERROR,
} from '../../kubectl/file-spec.js';
import { makeTar, untarAll } from '../../kubectl/pod-tar.js';

test('file specs: pod:path, namespace/pod:path, local paths, and the malformed ones', () => {
  assert.deepEqual(parseFileSpec('/tmp/foo/'), { file: '/tmp/foo' });
  assert.deepEqual(parseFileSpec('web:/tmp/foo'), { podName: 'web', file: '/tmp/foo' });
  assert.deepEqual(parseFileSpec('ns/web:/tmp/dir/'), { podNamespace: 'ns', podName: 'web', file: '/tmp/dir' });
  assert.deepEqual(parseFileSpec('web:'), { podName: 'web', file: '' });
  assert.deepEqual(parseFileSpec('web:C:\\x\\y'), { podName: 'web', file: 'C:/x/y' });
  assert.throws(() => parseFileSpec(':/tmp'), { message: FILE_SPEC_FORMAT_ERROR });
  assert.throws(() => parseFileSpec('a/b/c:/tmp'), { message: FILE_SPEC_FORMAT_ERROR });
});

test('Go\'s path.Clean, Dir, Base and Join', () => {
  assert.deepEqual(['', 'a/b/', '/../a', 'a/../..', './x//y/.'].map(cleanPath), ['.', 'a/b', '/a', '..', 'x/y']);
  assert.deepEqual(['a', '/a', 'a/b/', '/tmp/x'].map(dirPath), ['.', '/', 'a/b', '/tmp']);
  assert.deepEqual(['', '/', 'a/b/', 'x'].map(basePath), ['.', '/', 'b', 'x']);
  assert.equal(joinPath('a', '', '/b/'), 'a/b');
  assert.equal(joinPath('', ''), '');
});

test('the member prefix kubectl strips, and where members land', () => {
  assert.equal(memberPrefix('/tmp/dir/'), 'tmp/dir');
  assert.equal(memberPrefix('../../etc'), 'etc');
  assert.equal(stripPathShortcuts('../../a/b'), 'a/b');
  assert.equal(stripPathShortcuts('..'), '');
  assert.deepEqual(memberDestination('out', 'tmp/dir', 'tmp/dir/'), { path: 'out', inside: true });
  assert.deepEqual(memberDestination('out', 'tmp/dir', 'tmp/dir/a/b.txt'), { path: 'out/a/b.txt', inside: true });
  assert.deepEqual(memberDestination('out', 'tmp/f.bin', 'tmp/f.bin'), { path: 'out', inside: true });
  assert.deepEqual(memberDestination('out', 'tmp/dir', 'tmp/dir/../../../etc/passwd'), { path: '../../etc/passwd', inside: false });
  assert.deepEqual(memberDestination('/abs/out', 'tmp/dir', 'tmp/dir/../../x'), { path: '/x', inside: false });
  assert.equal(memberDestination('out', 'tmp/dir', 'etc/passwd'), undefined);
  assert.equal(isInside('out', 'out'), true);
  assert.equal(isInside('out', '/out/x'), false);
  assert.equal(isInside('a/b', 'a/bc'), false);
});

describe('untarAll and makeTar', () => {
  let dir: string;
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'tskube-cp-rules-')); });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  /** A tar stream of the given members, as `tar cf - /tmp/dir` in a pod would send. */
  const archive = (members: { name: string; type?: 'file' | 'directory' | 'symlink'; body?: string; linkname?: string }[]): PassThrough => {
    const p = pack();
    const out = new PassThrough();
    p.pipe(out);
    for (const m of members) {
      if (m.type === 'directory' || m.type === 'symlink') p.entry({ name: m.name, type: m.type, linkname: m.linkname });
      else p.entry({ name: m.name }, m.body ?? '');
    }
    p.finalize();
    return out;
  };

  it('unpacks the copied path below dest, skips members that would leave it and symlinks, with kubectl\'s warnings', async () => {
    const dest = join(dir, 'out');
    const warnings: string[] = [];
    await untarAll(archive([
      { name: 'tmp/dir/', type: 'directory' },
      { name: 'tmp/dir/a.txt', body: 'a' },
      { name: 'tmp/dir/sub/b.txt', body: 'b' },
      { name: 'tmp/dir/../evil.txt', body: 'evil' },
      { name: 'tmp/dir/l1', type: 'symlink', linkname: '/etc/passwd' },
      { name: 'tmp/dir/l2', type: 'symlink', linkname: 'a.txt' },
    ]), { dest, prefix: memberPrefix('/tmp/dir'), warn: (l) => warnings.push(l), symlinkHint: 'consider using "x"' });
    assert.deepEqual((await readdir(dest)).sort(), ['a.txt', 'sub']);
    assert.equal(await readFile(join(dest, 'sub', 'b.txt'), 'utf8'), 'b');
    assert.deepEqual(await readdir(dir), ['out']);
    assert.deepEqual(warnings, [
      `warning: file "${join(dir, 'evil.txt')}" is outside target destination, skipping`,
      `warning: skipping symlink: "${dest}/l1" -> "/etc/passwd" (consider using "x")`,
      `warning: skipping symlink: "${dest}/l2" -> "a.txt"`,
    ]);
  });

  it('refuses an archive whose members are not below the copied path', async () => {
    await assert.rejects(untarAll(archive([{ name: 'etc/passwd', body: 'x' }]), { dest: join(dir, 'x'), prefix: 'tmp/dir', warn: () => undefined }),
      { message: 'tar contents corrupted' });
  });

  it('makeTar names everything below dest\'s base name: nested files, empty directories, symlinks', async () => {
    const src = join(dir, 'src');
    await mkdir(join(src, 'sub', 'empty'), { recursive: true });
    await writeFile(join(src, 'a.txt'), 'alpha');
    await writeFile(join(src, 'sub', 'b.txt'), 'beta');
    await symlink('a.txt', join(src, 'link'));
    const seen: string[] = [];
    const x = extract();
    makeTar(src, '/remote/target').pipe(x);
    for await (const entry of x) {
      let body = '';
      for await (const chunk of entry) body += (chunk as Buffer).toString();
      seen.push(`${entry.header.type} ${entry.header.name}${entry.header.linkname ? ` -> ${entry.header.linkname}` : ''}${body ? ` ${body}` : ''}`);
    }
    assert.deepEqual(seen, ['file target/a.txt alpha', 'symlink target/link -> a.txt', 'file target/sub/b.txt beta', 'directory target/sub/empty']);
  });

  it('makeTar fails with Go\'s words when the source cannot be read', async () => {
    const s = makeTar(join(dir, 'missing'), '/x');
    await assert.rejects(s.toArray(), { message: `lstat ${join(dir, 'missing')}: no such file or directory` });
  });
});
