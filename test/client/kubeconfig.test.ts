// Kubeconfig parsing, merging (KUBECONFIG with several files) and resolution.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import {
  KubeconfigError, loadClientConfig, loadKubeconfig, normalizeServer, parseKubeconfig, resolveClientConfig,
} from '../../client/kubeconfig.js';

let dir: string;
const b64 = (s: string): string => Buffer.from(s).toString('base64');

const fileA = `apiVersion: v1
kind: Config
current-context: a
clusters:
- name: one
  cluster:
    server: https://one.example:6443
    certificate-authority-data: ${b64('CA-ONE')}
- name: shared
  cluster:
    server: https://from-a:6443
users:
- name: alice
  user:
    client-certificate: certs/alice.crt
    client-key-data: ${b64('KEY-ALICE')}
contexts:
- name: a
  context: { cluster: one, user: alice, namespace: team-a }
`;

const fileB = `apiVersion: v1
kind: Config
current-context: b
clusters:
- name: shared
  cluster:
    server: https://from-b:6443
- name: two
  cluster:
    server: http://127.0.0.1:8080
    insecure-skip-tls-verify: true
users:
- name: bob
  user:
    token: s3cret
contexts:
- name: b
  context: { cluster: two, user: bob }
- name: shared-ctx
  context: { cluster: shared, user: bob }
`;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tskube-kubeconfig-'));
  await mkdir(join(dir, 'certs'));
  await writeFile(join(dir, 'certs', 'alice.crt'), 'CERT-ALICE');
  await writeFile(join(dir, 'a.yaml'), fileA);
  await writeFile(join(dir, 'b.yaml'), fileB);
  await mkdir(join(dir, 'home', '.kube'), { recursive: true });
  await writeFile(join(dir, 'home', '.kube', 'config'), fileB);
});
after(async () => { await rm(dir, { recursive: true, force: true }); });

test('parses clusters, users, contexts and current-context; relative paths resolve against the file', () => {
  const kc = parseKubeconfig(fileA, join(dir, 'a.yaml'));
  assert.equal(kc.currentContext, 'a');
  assert.deepEqual(kc.clusters.map((c) => c.name), ['one', 'shared']);
  assert.equal(kc.users[0]!.value['client-certificate'], join(dir, 'certs', 'alice.crt'));
  const cfg = resolveClientConfig(kc);
  assert.equal(cfg.server, 'https://one.example:6443');
  assert.equal(cfg.ca?.toString(), 'CA-ONE');
  assert.equal(cfg.cert?.toString(), 'CERT-ALICE');
  assert.equal(cfg.key?.toString(), 'KEY-ALICE');
  assert.equal(cfg.namespace, 'team-a');
  assert.equal(cfg.contextName, 'a');
});

test('KUBECONFIG merges several files: the first to set a name or current-context wins', () => {
  const kc = loadKubeconfig({ env: { KUBECONFIG: [join(dir, 'a.yaml'), join(dir, 'missing.yaml'), join(dir, 'b.yaml')].join(delimiter) } });
  assert.equal(kc.currentContext, 'a');
  assert.deepEqual(kc.clusters.map((c) => c.name), ['one', 'shared', 'two']);
  assert.equal(kc.clusters.find((c) => c.name === 'shared')!.value.server, 'https://from-a:6443');
  assert.deepEqual(kc.contexts.map((c) => c.name), ['a', 'b', 'shared-ctx']);
  // A context from the second file, using a user from the second file.
  const cfg = resolveClientConfig(kc, { context: 'b' });
  assert.equal(cfg.server, 'http://127.0.0.1:8080');
  assert.equal(cfg.token, 's3cret');
  assert.equal(cfg.insecureSkipTLSVerify, true);
  assert.equal(cfg.namespace, 'default');
  // The cluster name both files define resolves to the first file's.
  assert.equal(resolveClientConfig(kc, { context: 'shared-ctx' }).server, 'https://from-a:6443');
});

test('~/.kube/config is the default; --kubeconfig must exist', () => {
  const kc = loadKubeconfig({ env: {}, home: join(dir, 'home') });
  assert.equal(kc.currentContext, 'b');
  assert.throws(() => loadKubeconfig({ kubeconfig: join(dir, 'nope.yaml') }), (err: unknown) =>
    err instanceof KubeconfigError && /nope\.yaml: no such file or directory/.test(err.message));
});

test('overrides: --server, --namespace, --token, --context', () => {
  const kc = loadKubeconfig({ kubeconfig: join(dir, 'b.yaml') });
  const cfg = resolveClientConfig(kc, { server: 'localhost:9999', namespace: 'x', token: 't2' });
  assert.equal(cfg.server, 'http://localhost:9999');
  assert.equal(cfg.namespace, 'x');
  assert.equal(cfg.token, 't2');
  assert.throws(() => resolveClientConfig(kc, { context: 'nope' }), /context "nope" does not exist/);
});

test('no config anywhere: a message that says what to do; --master alone is enough', () => {
  assert.throws(() => loadClientConfig({ env: {}, home: join(dir, 'nohome') }), (err: unknown) =>
    err instanceof KubeconfigError && /no server found: set one with --server/.test(err.message) && /npm run cluster/.test(err.message));
  const cfg = loadClientConfig({ master: 'http://127.0.0.1:8080', env: {}, home: join(dir, 'nohome') });
  assert.equal(cfg.server, 'http://127.0.0.1:8080');
});

test('broken files are one-line errors naming the file', () => {
  assert.throws(() => parseKubeconfig('clusters: [\n', '/x/broken.yaml'), (err: unknown) =>
    err instanceof KubeconfigError && err.message.startsWith('error loading config file "/x/broken.yaml"') && !err.message.includes('\n'));
  assert.throws(() => parseKubeconfig('- just a list', '/x/list.yaml'), /not a kubeconfig/);
  assert.throws(() => parseKubeconfig('clusters:\n- cluster: {server: x}', '/x/noname.yaml'), /clusters\[0\] has no name/);
  const kc = parseKubeconfig(`clusters:\n- name: c\n  cluster: {server: "https://x", certificate-authority: /nonexistent/ca.crt}\ncontexts:\n- name: c\n  context: {cluster: c}\ncurrent-context: c\n`);
  assert.throws(() => resolveClientConfig(kc), /unable to read certificate-authority from "\/nonexistent\/ca.crt"/);
});

test('server addresses are normalized', () => {
  assert.equal(normalizeServer('localhost:8080'), 'http://localhost:8080');
  assert.equal(normalizeServer('example.com:443'), 'https://example.com:443');
  assert.equal(normalizeServer('https://x:6443/'), 'https://x:6443');
});
