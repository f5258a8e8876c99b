// Shell completion: `tskubectl completion bash` sourced in a real bash asks
// `tskubectl __completeNoDesc` for each word, and completes commands, subcommands,
// flags, resource types and names from the server, and kubeconfig names. The answers of
// __completeNoDesc themselves are compared with the real kubectl's (same cluster).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { componentCommand, startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { kubectl, kubectlRun } from '../harness/kubectl.js';
import { tskubectl, tskubectlRun } from '../harness/tskubectl.js';

const run = promisify(execFile);

describe('completion', { timeout: 300_000 }, () => {
  let cp: ControlPlane;
  let bin: string;
  let script: string;
  before(async () => {
    cp = await startControlPlane();
    await kubectl(cp, 'create', 'namespace', 'team');
    await kubectl(cp, 'create', 'deployment', 'web', '--image=tskube.local/busybox:1.35');
    await kubectl(cp, 'create', 'configmap', 'settings', '--from-literal=a=b');
    await kubectl(cp, 'create', 'configmap', 'other', '-n', 'team', '--from-literal=a=b');
    await kubectl(cp, 'run', 'p1', '--image=tskube.local/busybox:1.35');
    bin = await mkdtemp(join(tmpdir(), 'completion-'));
    await writeFile(join(bin, 'tskubectl'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${componentCommand('kubectl').map((a) => JSON.stringify(a)).join(' ')} "$@"\n`);
    await chmod(join(bin, 'tskubectl'), 0o755);
    script = join(bin, 'completion.bash');
    await writeFile(script, await tskubectl(cp, 'completion', 'bash'));
    await writeFile(join(bin, 'app.yaml'), 'x: 1\n');
    await writeFile(join(bin, 'notes.txt'), 'x\n');
  });
  after(async () => {
    await cp?.stop();
    if (bin) await rm(bin, { recursive: true, force: true });
  });

  /** COMPREPLY after bash's completion function ran for the words (the last one being typed). */
  async function bashComplete(...words: string[]): Promise<string[]> {
    const program = `source ${JSON.stringify(script)}
COMP_WORDS=(${words.map((w) => `'${w.replaceAll("'", "'\\''")}'`).join(' ')})
COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 ))
cd ${JSON.stringify(bin)}
__start_tskubectl
printf '%s\\n' "\${COMPREPLY[@]}"`;
    const { stdout } = await run('bash', ['--norc', '--noprofile', '-c', program], {
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, KUBECONFIG: cp.kubeconfig, HOME: cp.dir },
    });
    return stdout.split('\n').filter((l) => l !== '');
  }

  it('bash completes commands, subcommands and flags', async () => {
    assert.deepEqual(await bashComplete('tskubectl', 'ge'), ['get']);
    assert.deepEqual(await bashComplete('tskubectl', 'config', 'use-'), ['use-context']);
    assert.deepEqual(await bashComplete('tskubectl', 'auth', ''), ['can-i', 'whoami']);
    assert.deepEqual(await bashComplete('tskubectl', 'get', '--all-n'), ['--all-namespaces']);
    assert.deepEqual(await bashComplete('tskubectl', 'completion', ''), ['bash', 'zsh', 'fish']);
  });

  it('bash completes resource types and names from the server, and kubeconfig names', async () => {
    const types = await bashComplete('tskubectl', 'get', 'de');
    assert.ok(types.includes('deployments.apps'), types.join(' '));
    assert.deepEqual(await bashComplete('tskubectl', 'get', 'configmaps', ''), ['settings']);
    assert.deepEqual(await bashComplete('tskubectl', '-n', 'team', 'get', 'cm', ''), ['other']);
    assert.deepEqual(await bashComplete('tskubectl', 'describe', 'deploy/'), ['deploy/web']);
    assert.deepEqual(await bashComplete('tskubectl', 'get', 'ns', 'te'), ['team']);
    assert.deepEqual(await bashComplete('tskubectl', '-n', 'te'), ['team']);
    assert.deepEqual(await bashComplete('tskubectl', 'logs', 'p'), ['p1', 'pods/']);
    assert.deepEqual(await bashComplete('tskubectl', 'config', 'use-context', ''), ['tskube']);
    assert.deepEqual(await bashComplete('tskubectl', 'get', '-o', 'js'), ['json', 'jsonpath', 'jsonpath-as-json', 'jsonpath-file']);
  });

  it('bash: -f offers manifests and directories, not other files', async () => {
    assert.deepEqual((await bashComplete('tskubectl', 'apply', '-f', '')).sort(), ['app.yaml']);
  });

  it('__completeNoDesc answers as kubectl\'s', async () => {
    for (const args of [['get', ''], ['get', 'pod/'], ['get', '--nam'], ['-n', ''], ['get', '-o', ''], ['config', ''],
      ['logs', ''], ['get', '-f', ''], ['get', '--namespace='], ['-n', 'team', 'get', 'cm', '']]) {
      const [ours, theirs] = await Promise.all([tskubectlRun(cp, ['__completeNoDesc', ...args]), kubectlRun(cp, ['__completeNoDesc', ...args])]);
      assert.equal(ours.stdout, theirs.stdout, `__completeNoDesc ${args.join(' ')}`);
      assert.equal(ours.stderr, theirs.stderr, `__completeNoDesc ${args.join(' ')}: stderr`);
    }
    const described = await tskubectlRun(cp, ['__complete', 'auth', '']);
    assert.match(described.stdout, /^can-i\tCheck whether an action is allowed\n/);
  });

  it('completion: the zsh script, and kubectl\'s errors', async () => {
    assert.match(await tskubectl(cp, 'completion', 'zsh'), /^#compdef tskubectl\n[\s\S]*__complete/);
    const none = await tskubectlRun(cp, ['completion']);
    assert.equal(none.stderr, 'error: Shell not specified.\nSee \'tskubectl completion -h\' for help and examples\n');
    const bad = await tskubectlRun(cp, ['completion', 'tcsh']);
    assert.equal(bad.stderr, 'error: Unsupported shell type "tcsh".\n');
    assert.equal(bad.code, 1);
  });
});
