// `tskubectl config` on kubeconfig files, compared with the real kubectl 1.32: what is
// printed (secrets omitted or redacted unless --raw) and, for edits, the files written.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile, cp as copy } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tskubectlRun, type CliResult } from '../harness/tskubectl.js';

let dir: string;

const b64 = (s: string): string => Buffer.from(s).toString('base64');

const MAIN = `apiVersion: v1
kind: Config
preferences: {}
clusters:
- name: prod
  cluster:
    server: https://prod.example.com:6443
    certificate-authority-data: ${b64('-----BEGIN CERTIFICATE-----\nprod\n-----END CERTIFICATE-----\n')}
- name: dev
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority: certs/ca.crt
    insecure-skip-tls-verify: false
users:
- name: admin
  user:
    client-certificate-data: ${b64('cert')}
    client-key-data: ${b64('key')}
- name: bot
  user:
    token: s3cr3t-token
- name: basic
  user:
    username: alice
    password: pa55
contexts:
- name: prod-admin
  context:
    cluster: prod
    user: admin
    namespace: payments
- name: dev
  context:
    cluster: dev
    user: bot
current-context: dev
`;

const EXTRA = `apiVersion: v1
kind: Config
clusters:
- name: staging
  cluster:
    server: https://staging.example.com
users: []
contexts:
- name: staging
  context:
    cluster: staging
    user: basic
    namespace: qa
current-context: staging
`;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tskubectl-config-'));
  await mkdir(join(dir, 'certs'));
  await writeFile(join(dir, 'certs', 'ca.crt'), 'dev-ca\n');
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function kubectlRun(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile('kubectl', args, { env: { ...process.env, ...env }, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** A fresh directory with the given kubeconfig files (and the relative cert they name). */
async function workdir(name: string, files: Record<string, string>): Promise<string> {
  const d = join(dir, name);
  await mkdir(d, { recursive: true });
  await copy(join(dir, 'certs'), join(d, 'certs'), { recursive: true });
  for (const [f, text] of Object.entries(files)) await writeFile(join(d, f), text);
  return d;
}

const envFor = (d: string, files: string[]): NodeJS.ProcessEnv => ({ HOME: d, KUBECONFIG: files.map((f) => join(d, f)).join(':') });
const unbrand = (s: string): string => s.replaceAll('tskubectl', 'kubectl');

/** Same output from both for a read-only command; the workdir path is the same for both. */
async function sameOutput(d: string, files: string[], args: string[]): Promise<CliResult> {
  const env = envFor(d, files);
  const [ours, theirs] = await Promise.all([tskubectlRun(undefined, args, { env }), kubectlRun(args, env)]);
  const what = `tskubectl ${args.join(' ')}`;
  assert.equal(ours.stdout, theirs.stdout, `${what}: stdout`);
  assert.equal(unbrand(ours.stderr), theirs.stderr, `${what}: stderr`);
  assert.equal(ours.code, theirs.code, `${what}: exit code`);
  return ours;
}

/**
 * Runs an editing command with each CLI on its own copy of the files and compares the
 * output and every file afterwards (paths in the output differ only by the directory).
 */
async function sameEdit(name: string, files: Record<string, string>, args: string[], order = Object.keys(files)): Promise<Record<string, string>> {
  const ourDir = await workdir(`${name}-ours`, files);
  const theirDir = await workdir(`${name}-kubectl`, files);
  const ours = await tskubectlRun(undefined, args, { env: envFor(ourDir, order) });
  const theirs = await kubectlRun(args, envFor(theirDir, order));
  const what = `tskubectl ${args.join(' ')}`;
  assert.equal(ours.stdout.replaceAll(ourDir, '<dir>'), theirs.stdout.replaceAll(theirDir, '<dir>'), `${what}: stdout`);
  // The directory first: its name holds "tskubectl".
  assert.equal(unbrand(ours.stderr.replaceAll(ourDir, '<dir>')), theirs.stderr.replaceAll(theirDir, '<dir>'), `${what}: stderr`);
  assert.equal(ours.code, theirs.code, `${what}: exit code`);
  const written: Record<string, string> = {};
  for (const f of Object.keys(files)) {
    const mine = await readFile(join(ourDir, f), 'utf8');
    assert.equal(mine, await readFile(join(theirDir, f), 'utf8'), `${what}: ${f} after the edit`);
    written[f] = mine;
  }
  return written;
}

test('config view: merged, secrets omitted or redacted, --raw, --minify, -o json, jsonpath', async () => {
  const d = await workdir('view', { main: MAIN, extra: EXTRA });
  const view = await sameOutput(d, ['main'], ['config', 'view']);
  assert.match(view.stdout, /certificate-authority-data: DATA\+OMITTED/);
  assert.match(view.stdout, /token: REDACTED/);
  assert.match(view.stdout, /password: REDACTED/);
  assert.match(view.stdout, /certificate-authority: certs\/ca.crt/, 'paths are shown as written');
  const raw = await sameOutput(d, ['main'], ['config', 'view', '--raw']);
  assert.match(raw.stdout, /token: s3cr3t-token/);
  await sameOutput(d, ['main', 'extra'], ['config', 'view']);
  await sameOutput(d, ['main'], ['config', 'view', '-o', 'json']);
  await sameOutput(d, ['main'], ['config', 'view', '--minify']);
  await sameOutput(d, ['main', 'extra'], ['config', 'view', '--minify', '--raw', '--context', 'prod-admin']);
  await sameOutput(d, ['main'], ['config', 'view', '--minify', '--flatten']);
  await sameOutput(d, ['main'], ['config', 'view', '-o', 'jsonpath={.contexts[?(@.name=="prod-admin")].context.namespace}']);
  await sameOutput(d, ['main'], ['config', 'view', '--raw', '-o', 'jsonpath={.users[?(@.name=="bot")].user.token}']);
  await sameOutput(d, ['missing'], ['config', 'view']);
});

test('config get-contexts, current-context, get-clusters, get-users', async () => {
  const d = await workdir('read', { main: MAIN, extra: EXTRA });
  const table = await sameOutput(d, ['main', 'extra'], ['config', 'get-contexts']);
  assert.equal(table.stdout, [
    'CURRENT   NAME         CLUSTER   AUTHINFO   NAMESPACE',
    '*         dev          dev       bot        ',
    '          prod-admin   prod      admin      payments',
    '          staging      staging   basic      qa',
    '',
  ].join('\n'));
  await sameOutput(d, ['main'], ['config', 'get-contexts', 'prod-admin']);
  await sameOutput(d, ['main'], ['config', 'get-contexts', 'nope']);
  await sameOutput(d, ['main'], ['config', 'get-contexts', 'dev', 'nope', 'nada']);
  await sameOutput(d, ['main'], ['config', 'get-contexts', '-o', 'name']);
  await sameOutput(d, ['main'], ['config', 'get-contexts', '--no-headers']);
  const cur = await sameOutput(d, ['extra', 'main'], ['config', 'current-context']);
  assert.equal(cur.stdout, 'staging\n', 'the first file to set current-context wins');
  await sameOutput(d, ['missing'], ['config', 'current-context']);
  // kubectl prints these in Go map order (random); ours are sorted.
  const clusters = await tskubectlRun(undefined, ['config', 'get-clusters'], { env: envFor(d, ['main', 'extra']) });
  assert.equal(clusters.stdout, 'NAME\ndev\nprod\nstaging\n');
  const users = await tskubectlRun(undefined, ['config', 'get-users'], { env: envFor(d, ['main', 'extra']) });
  assert.equal(users.stdout, 'NAME\nadmin\nbasic\nbot\n');
});

test('config use-context and set-context edit the file as kubectl does, keeping the rest', async () => {
  const used = await sameEdit('use', { main: MAIN }, ['config', 'use-context', 'prod-admin']);
  assert.match(used.main!, /current-context: prod-admin/);
  assert.match(used.main!, /certificate-authority: certs\/ca.crt/, 'relative paths stay relative');
  assert.match(used.main!, /token: s3cr3t-token/);
  await sameEdit('use-missing', { main: MAIN }, ['config', 'use-context', 'nope']);
  const ns = await sameEdit('set-current', { main: MAIN }, ['config', 'set-context', '--current', '--namespace=team-x']);
  assert.match(ns.main!, /- context:\n {4}cluster: dev\n {4}namespace: team-x\n {4}user: bot\n {2}name: dev\n/);
  await sameEdit('set-new', { main: MAIN }, ['config', 'set-context', 'new', '--cluster=prod', '--user=bot', '--namespace=n1']);
  await sameEdit('set-existing', { main: MAIN }, ['config', 'set-context', 'prod-admin', '--user=bot']);
  await sameEdit('set-none', { main: MAIN }, ['config', 'set-context']);
  await sameEdit('rename', { main: MAIN }, ['config', 'rename-context', 'dev', 'development']);
  await sameEdit('delete', { main: MAIN }, ['config', 'delete-context', 'prod-admin']);
});

test('with several KUBECONFIG files an edit goes where the entry is defined, current-context to the first file', async () => {
  // The context lives in the second file: it is modified there.
  const a = await sameEdit('multi-a', { main: MAIN, extra: EXTRA }, ['config', 'set-context', 'staging', '--namespace=qa2'], ['main', 'extra']);
  assert.match(a.extra!, /namespace: qa2/);
  assert.doesNotMatch(a.main!, /qa2/);
  // New contexts and current-context go to the first existing file.
  await sameEdit('multi-b', { main: MAIN, extra: EXTRA }, ['config', 'set-context', 'brand-new', '--cluster=staging'], ['main', 'extra']);
  await sameEdit('multi-c', { main: MAIN, extra: EXTRA }, ['config', 'use-context', 'staging'], ['main', 'extra']);
  // --kubeconfig names the one file to read and edit.
  const d = await workdir('explicit', { main: MAIN, extra: EXTRA });
  const r = await tskubectlRun(undefined, ['--kubeconfig', join(d, 'extra'), 'config', 'use-context', 'staging'], { env: envFor(d, ['main']) });
  assert.equal(r.stdout, 'Switched to context "staging".\n');
  const r2 = await tskubectlRun(undefined, ['config', 'set-context', '--current', '--namespace', 'zz', '--kubeconfig', join(d, 'extra')], { env: envFor(d, ['main']) });
  assert.equal(r2.stdout, 'Context "staging" modified.\n');
  assert.match(await readFile(join(d, 'extra'), 'utf8'), /namespace: zz/);
  assert.equal(await readFile(join(d, 'main'), 'utf8'), MAIN, 'the other file is untouched');
});

test('config set-cluster and set-credentials write entries as kubectl does', async () => {
  const ca = join(dir, 'certs', 'ca.crt');
  const added = await sameEdit('set-cluster-new', { main: MAIN }, ['config', 'set-cluster', 'e2e', '--server=https://1.2.3.4', `--certificate-authority=${ca}`, '--embed-certs']);
  assert.match(added.main!, new RegExp(`certificate-authority-data: ${b64('dev-ca\n')}\n {4}server: https://1.2.3.4\n {2}name: e2e\n`));
  await sameEdit('set-cluster-ca', { main: MAIN }, ['config', 'set-cluster', 'prod', `--certificate-authority=${ca}`]);
  await sameEdit('set-cluster-insecure', { main: MAIN }, ['config', 'set-cluster', 'prod', '--insecure-skip-tls-verify=true']);
  await sameEdit('set-cluster-tls', { main: MAIN }, ['config', 'set-cluster', 'dev', '--server=https://10.0.0.1', '--tls-server-name=api', '--proxy-url=http://proxy:3128']);
  await sameEdit('set-cluster-both', { main: MAIN }, ['config', 'set-cluster', 'dev', '--insecure-skip-tls-verify', `--certificate-authority=${ca}`]);
  await sameEdit('set-cluster-embed', { main: MAIN }, ['config', 'set-cluster', 'dev', '--embed-certs']);
  await sameEdit('set-cluster-missing', { main: MAIN }, ['config', 'set-cluster', 'dev', '--embed-certs', '--certificate-authority=/nope/ca.crt']);
  const token = await sameEdit('set-credentials-token', { main: MAIN }, ['config', 'set-credentials', 'basic', '--token=t0k3n']);
  assert.match(token.main!, /- name: basic\n {2}user:\n {4}token: t0k3n\n/, 'a token replaces basic auth');
  await sameEdit('set-credentials-basic', { main: MAIN }, ['config', 'set-credentials', 'bot', '--username=u', '--password=p']);
  await sameEdit('set-credentials-certs', { main: MAIN }, ['config', 'set-credentials', 'new', `--client-certificate=${ca}`, `--client-key=${ca}`, '--embed-certs']);
  await sameEdit('set-credentials-paths', { main: MAIN }, ['config', 'set-credentials', 'admin', `--client-certificate=${ca}`]);
  await sameEdit('set-credentials-exec', { main: MAIN }, ['config', 'set-credentials', 'x', '--exec-command=/bin/cred', '--exec-api-version=client.authentication.k8s.io/v1', '--exec-arg=a', '--exec-arg=b', '--exec-env=K=V']);
  await sameEdit('set-credentials-provider', { main: MAIN }, ['config', 'set-credentials', 'x', '--auth-provider=oidc', '--auth-provider-arg=client-id=c1']);
  await sameEdit('set-credentials-two', { main: MAIN }, ['config', 'set-credentials', 'x', '--token=a', '--username=b']);
  await sameEdit('set-credentials-embed', { main: MAIN }, ['config', 'set-credentials', 'x', '--embed-certs']);
});

test('config set and unset walk kubectl\'s property paths; delete-cluster and delete-user', async () => {
  await sameEdit('set-server', { main: MAIN }, ['config', 'set', 'clusters.dev.server', 'https://5.6.7.8']);
  await sameEdit('set-dotted', { main: MAIN }, ['config', 'set', 'clusters.10.0.0.1.server', 'https://10.0.0.1']);
  await sameEdit('set-ctx', { main: MAIN }, ['config', 'set', 'contexts.new.cluster', 'prod']);
  await sameEdit('set-bytes', { main: MAIN }, ['config', 'set', 'users.bot.client-key-data', b64('key')]);
  await sameEdit('set-raw', { main: MAIN }, ['config', 'set', 'users.bot.client-key-data', 'raw key', '--set-raw-bytes=true']);
  await sameEdit('set-bad-bytes', { main: MAIN }, ['config', 'set', 'users.bot.client-key-data', '!!']);
  await sameEdit('set-bool', { main: MAIN }, ['config', 'set', 'clusters.prod.insecure-skip-tls-verify', 'true']);
  await sameEdit('set-bad-bool', { main: MAIN }, ['config', 'set', 'clusters.prod.insecure-skip-tls-verify', 'maybe']);
  await sameEdit('set-current', { main: MAIN }, ['config', 'set', 'current-context', 'prod-admin']);
  await sameEdit('set-prefs', { main: MAIN }, ['config', 'set', 'preferences.colors', 'true']);
  await sameEdit('set-empty', { main: MAIN }, ['config', 'set', 'clusters.dev.server', '']);
  await sameEdit('set-unknown', { main: MAIN }, ['config', 'set', 'nope.x', 'y']);
  await sameEdit('set-exec', { main: MAIN }, ['config', 'set', 'users.bot.exec.command', 'x']);
  const unset = await sameEdit('unset-user', { main: MAIN }, ['config', 'unset', 'users.basic']);
  assert.doesNotMatch(unset.main!, /alice/);
  await sameEdit('unset-field', { main: MAIN }, ['config', 'unset', 'contexts.prod-admin.namespace']);
  await sameEdit('unset-current', { main: MAIN }, ['config', 'unset', 'current-context']);
  await sameEdit('unset-missing-key', { main: MAIN }, ['config', 'unset', 'clusters.nope.server']);
  await sameEdit('unset-missing', { main: MAIN }, ['config', 'unset', 'clusters.nope']);
  await sameEdit('delete-cluster', { main: MAIN }, ['config', 'delete-cluster', 'prod']);
  await sameEdit('delete-cluster-missing', { main: MAIN }, ['config', 'delete-cluster', 'nope']);
  await sameEdit('delete-user', { main: MAIN }, ['config', 'delete-user', 'bot']);
  await sameEdit('delete-user-missing', { main: MAIN }, ['config', 'delete-user', 'nope']);
  await sameEdit('delete-user-none', { main: MAIN }, ['config', 'delete-user']);
  // In the second file: edited there.
  const multi = await sameEdit('delete-cluster-multi', { main: MAIN, extra: EXTRA }, ['config', 'delete-cluster', 'staging'], ['main', 'extra']);
  assert.doesNotMatch(multi.extra!, /staging.example.com/);
});
