// `tskubectl kustomize DIR` against the real `kubectl kustomize DIR` (kubectl 1.32,
// kustomize v5.5): the same stdout byte for byte, the same warnings and exit status, on
// fixture directories covering every feature we build (kustomize-fixtures.ts), and the
// same error message (klog's time stamp and pid aside) on kustomizations it refuses.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tskubectlRun } from '../harness/tskubectl.js';
import { ERROR_FIXTURES, FIXTURES, type Fixture } from './kustomize-fixtures.js';

interface Result { code: number; stdout: string; stderr: string }

function realKubectl(args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile('kubectl', args, { env: { ...process.env, KUBECONFIG: '/dev/null' } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function writeFixture(root: string, name: string, files: Fixture): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  for (const [path, text] of Object.entries(files)) {
    const file = join(dir, path);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, Buffer.from(text, 'latin1'));
  }
  return dir;
}

// klog's header carries a time stamp and a pid; kustomize prints one Go pointer.
const klog = (s: string): string => s.replace(/^E\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ /gm, 'E0000 00:00:00.000000 PID ').replace(/&\{0x[0-9a-f]+ <nil>\}/g, '&{0x0 <nil>}');

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'kustomize-compare-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('tskubectl kustomize prints what kubectl kustomize prints', () => {
  for (const [name, files] of Object.entries(FIXTURES)) {
    it(name, async () => {
      const dir = await writeFixture(root, name, files);
      const want = await realKubectl(['kustomize', dir]);
      assert.equal(want.code, 0, `kubectl failed: ${want.stderr}`);
      const got = await tskubectlRun(undefined, ['kustomize', dir]);
      assert.equal(got.stdout, want.stdout);
      assert.equal(got.stderr, want.stderr);
      assert.equal(got.code, 0);
    });
  }
});

describe('tskubectl kustomize refuses what kubectl kustomize refuses, with its words', () => {
  for (const [name, files] of Object.entries(ERROR_FIXTURES)) {
    it(name, async () => {
      const dir = await writeFixture(root, `error-${name}`, files);
      const want = await realKubectl(['kustomize', dir]);
      const got = await tskubectlRun(undefined, ['kustomize', dir]);
      assert.equal(want.code, 1);
      assert.equal(got.code, 1);
      assert.equal(got.stdout, want.stdout);
      assert.equal(klog(got.stderr), klog(want.stderr));
    });
  }

  it('a directory that does not exist, and two directories', async () => {
    for (const args of [['kustomize', join(root, 'nowhere')], ['kustomize', root, root]]) {
      const want = await realKubectl(args);
      const got = await tskubectlRun(undefined, args);
      assert.equal(got.code, want.code);
      assert.equal(klog(got.stderr), klog(want.stderr));
    }
  });

  it('YAML that does not parse: the same prefix and line', async () => {
    const dir = await writeFixture(root, 'bad-yaml', { 'kustomization.yaml': 'namespace: a\nresources: [\n' });
    const want = await realKubectl(['kustomize', dir]);
    const got = await tskubectlRun(undefined, ['kustomize', dir]);
    assert.equal(got.code, want.code);
    const prefix = (s: string): string => klog(s).replace(/(yaml: line).*/s, '$1');
    assert.equal(prefix(got.stderr), prefix(want.stderr));
  });

  it('a remote resource is refused with a clear error (no download)', async () => {
    const dir = await writeFixture(root, 'remote', { 'kustomization.yaml': 'resources:\n- https://github.com/kubernetes-sigs/kustomize//examples/helloWorld?ref=v5.0.0\n' });
    const got = await tskubectlRun(undefined, ['kustomize', dir]);
    assert.equal(got.code, 1);
    assert.match(got.stderr, /accumulating resources from 'https:\/\/github\.com\/kubernetes-sigs\/kustomize\/\/examples\/helloWorld\?ref=v5\.0\.0': remote resources are not supported by tskubectl/);
  });
});
