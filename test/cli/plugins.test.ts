// Plugins: `tskubectl foo ...` runs tskubectl-foo from PATH as kubectl runs kubectl-foo,
// and `plugin list` prints what kubectl's prints (with its warnings), compared with the
// real kubectl on the same PATH layout (kubectl-* and tskubectl-* twins of each file).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findPlugin } from '../../kubectl/plugins.js';
import { tskubectlRun, type CliResult } from '../harness/tskubectl.js';

let dir: string;
let first: string;
let second: string;

/** name (without prefix) → script body; mode 0 means not executable. */
const PLUGINS: [string, string, number, 'first' | 'second'][] = [
  ['foo', 'echo "foo args: $*"; exit 3', 0o755, 'first'],
  ['foo-bar', 'echo "foo-bar args: $*"', 0o755, 'first'],
  ['a_b', 'echo "a_b args: $*"', 0o755, 'first'],
  ['get', 'echo never', 0o755, 'first'],
  ['config-view', 'echo never', 0o755, 'first'],
  ['noexec', 'echo never', 0o644, 'first'],
  ['foo', 'echo "shadowed"', 0o755, 'second'],
  ['env', 'echo "KUBECONFIG=$KUBECONFIG"; echo "to stderr" >&2; kill -TERM $$', 0o755, 'second'],
];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'plugins-'));
  first = join(dir, 'bin1');
  second = join(dir, 'bin2');
  for (const d of [first, second]) await mkdir(d);
  for (const [name, body, mode, where] of PLUGINS) {
    for (const prefix of ['kubectl-', 'tskubectl-']) {
      const file = join(where === 'first' ? first : second, prefix + name);
      await writeFile(file, `#!/bin/sh\n${body}\n`);
      await chmod(file, mode);
    }
  }
});

after(async () => { await rm(dir, { recursive: true, force: true }); });

function kubectlRun(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile('/usr/bin/kubectl', args, { env: { ...process.env, ...env }, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** Same stdout, stderr (tskubectl read as kubectl) and exit code from both. */
async function same(args: string[], path = `${first}:${second}`): Promise<CliResult> {
  const env = { PATH: path, HOME: dir, KUBECONFIG: join(dir, 'none') };
  const [ours, theirs] = await Promise.all([tskubectlRun(undefined, args, { env }), kubectlRun(args, env)]);
  const unbrand = (s: string): string => s.replaceAll('tskubectl', 'kubectl');
  const what = `tskubectl ${args.join(' ')}`;
  assert.equal(unbrand(ours.stdout), theirs.stdout, `${what}: stdout`);
  assert.equal(unbrand(ours.stderr), theirs.stderr, `${what}: stderr`);
  assert.equal(ours.code, theirs.code, `${what}: exit code`);
  return ours;
}

describe('plugins', { timeout: 60_000 }, () => {
  it('finds the longest name on PATH, passes the rest of the arguments and the exit code', async () => {
    const foo = await same(['foo']);
    assert.equal(foo.stdout, 'foo args: \n');
    assert.equal(foo.code, 3);
    assert.equal((await same(['foo', 'bar', 'baz', '-x', '--y'])).stdout, 'foo-bar args: baz -x --y\n');
    assert.equal((await same(['foo', '-n', 'x', 'bar'])).stdout, 'foo args: -n x bar\n');
    assert.equal((await same(['a-b', 'c-d'])).stdout, 'a_b args: c-d\n');
    await same(['a_b']);
    const flagsFirst = await same(['-n', 'x', 'foo']);
    assert.equal(flagsFirst.stderr, 'Error: flags cannot be placed before plugin name: -n\n');
    // A command's own flag before the verb takes the verb as its value (cobra), so the
    // next word is looked up as a plugin: kubectl's error again.
    const commandFlagFirst = await same(['-A', 'get', 'ns']);
    assert.equal(commandFlagFirst.stderr, 'Error: flags cannot be placed before plugin name: -A\n');
    // A built-in command wins over a plugin of the same name.
    const get = await tskubectlRun(undefined, ['get', '--help'], { env: { PATH: first } });
    assert.doesNotMatch(get.stdout, /never/);
  });

  it('a plugin killed by a signal ends tskubectl the same way', async () => {
    const r = await tskubectlRun(undefined, ['env'], { env: { PATH: second, KUBECONFIG: '/k' } });
    assert.equal(r.stdout, 'KUBECONFIG=/k\n');
    assert.equal(r.stderr, 'to stderr\n');
    assert.notEqual(r.code, 0);
  });

  it('plugin list: paths or names, with kubectl\'s warnings and errors', async () => {
    const list = await same(['plugin', 'list']);
    assert.match(list.stdout, /^The following compatible plugins are available:\n\n/);
    assert.match(list.stderr, /overshadowed by a similarly named plugin/);
    assert.match(list.stderr, /identified as a kubectl plugin, but it is not executable/);
    assert.match(list.stderr, / tskubectl-get overwrites existing command: "tskubectl get"/);
    assert.match(list.stderr, / tskubectl-config-view overwrites existing command: "tskubectl config view"/);
    assert.match(list.stderr, /error: 4 plugin warnings were found\n$/);
    await same(['plugin', 'list', '--name-only']);
    const none = await tskubectlRun(undefined, ['plugin', 'list'], { env: { PATH: join(dir, 'missing') } });
    assert.equal(none.stderr, `Unable to read directory "${join(dir, 'missing')}" from your PATH: open ${join(dir, 'missing')}: no such file or directory. Skipping...\nerror: unable to find any tskubectl plugins in your PATH\n`);
    assert.equal(none.code, 1);
  });

  it('findPlugin: kubectl\'s HandlePluginCommand rules', () => {
    const have = new Set(['foo', 'foo-bar', 'a_b']);
    const lookup = (n: string): string | undefined => (have.has(n) ? `/bin/tskubectl-${n}` : undefined);
    assert.deepEqual(findPlugin(['foo', 'bar', 'x'], lookup), { path: '/bin/tskubectl-foo-bar', args: ['x'] });
    assert.deepEqual(findPlugin(['foo', 'baz'], lookup), { path: '/bin/tskubectl-foo', args: ['baz'] });
    assert.deepEqual(findPlugin(['a-b'], lookup), { path: '/bin/tskubectl-a_b', args: [] });
    assert.equal(findPlugin(['nope', 'foo'], lookup), undefined);
    assert.deepEqual(findPlugin(['--x', 'foo'], lookup), { error: 'flags cannot be placed before plugin name: --x' });
  });
});
