// What a person sees when the CLI cannot work: a missing or broken kubeconfig, an
// unreachable server, bad YAML, an unknown type. Each is one line saying what to do,
// exit code 1, and never a stack trace.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { freePort } from '../harness/free-port.js';
import { tskubectlRun } from '../harness/tskubectl.js';

let cp: ControlPlane;
let dir: string;
before(async () => {
  cp = await startControlPlane();
  dir = await mkdtemp(join(tmpdir(), 'tskube-cli-errors-'));
});
after(async () => {
  await cp?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Runs the CLI with only the given environment (no KUBECONFIG, HOME in dir). */
async function fails(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const r = await tskubectlRun(undefined, args, { env: { KUBECONFIG: '', HOME: dir, ...env } });
  assert.equal(r.code, 1, `expected exit 1 for ${args.join(' ')}; stdout: ${r.stdout}`);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(r.stdout, '');
  return r.stderr.trimEnd();
}

test('no kubeconfig anywhere: says where it looked and how to get one', async () => {
  const err = await fails(['get', 'pods']);
  assert.equal(err.split('\n').length, 1);
  assert.match(err, new RegExp(`^error: no server found: set one with --server, or point --kubeconfig / KUBECONFIG at a kubeconfig \\(looked in ${join(dir, '.kube', 'config')}\\)`));
  assert.match(await fails(['--kubeconfig', join(dir, 'nope'), 'get', 'pods']), /^error: stat .*nope: no such file or directory$/);
});

test('a broken kubeconfig names the file and the line', async () => {
  const bad = join(dir, 'broken');
  await writeFile(bad, 'clusters: [\n');
  assert.match(await fails(['--kubeconfig', bad, 'get', 'pods']), new RegExp(`^error: error loading config file "${bad}": yaml: line \\d+, column \\d+: .+[^:]$`));
  assert.match(await fails(['--kubeconfig', cp.kubeconfig, '--context', 'nope', 'get', 'pods']), /^error: context "nope" does not exist$/);
});

test('an unreachable server: kubectl\'s connection-refused line', async () => {
  const port = await freePort();
  assert.equal(await fails(['-s', `http://127.0.0.1:${port}`, 'get', 'pods']),
    `The connection to the server 127.0.0.1:${port} was refused - did you specify the right host or port?`);
});

test('an unknown type and bad YAML, against a live server', async () => {
  const env = { KUBECONFIG: cp.kubeconfig };
  assert.equal(await fails(['get', 'widgets'], env), 'error: the server doesn\'t have a resource type "widgets"');
  const yaml = join(dir, 'bad.yaml');
  await writeFile(yaml, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [oops\n');
  assert.match(await fails(['apply', '-f', yaml], env), new RegExp(`^error: error parsing ${yaml}: `));
  assert.equal(await fails(['get', 'pod', 'ghost'], env), 'Error from server (NotFound): pods "ghost" not found');
});

test('a reader that goes away (| head) ends the CLI quietly, as SIGPIPE ends kubectl', async () => {
  const { execFile } = await import('node:child_process');
  const { componentCommand } = await import('../harness/apiserver.js');
  const cli = [process.execPath, ...componentCommand('kubectl')].map((a) => `'${a}'`).join(' ');
  // cluster-info dump writes far more than a pipe holds, after head has gone.
  const script = `${cli} cluster-info dump | head -c 10 >/dev/null; echo "exit \${PIPESTATUS[0]}"`;
  const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
    execFile('bash', ['-c', script], { env: { ...process.env, KUBECONFIG: cp.kubeconfig, HOME: dir } }, (err, out, errOut) => (err ? reject(err) : resolve({ stdout: out, stderr: errOut })));
  });
  assert.equal(stderr, '');
  assert.equal(stdout, 'exit 141\n');
});
