// tskubectl create: -f manifests (files, directories, -R, stdin, several documents,
// Lists), the generators (deployment, namespace, configmap, secret generic) checked
// against what the real kubectl generates, dry runs, output formats and kubectl's errors.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { kubectl } from '../harness/kubectl.js';
import { tskubectlRun, type CliResult } from '../harness/tskubectl.js';
import { loadKubeconfig, resolveClientConfig } from '../../client/kubeconfig.js';
import { RestClient } from '../../client/rest-client.js';
import { resourceClient } from '../../client/resource-client.js';
import type { KubeObject } from '../../api/types/meta.js';

let cp: ControlPlane;
let rest: RestClient;
let dir: string;

const run = (args: string[], input?: string): Promise<CliResult> => tskubectlRun(cp, args, { input });
const ok = async (...args: string[]): Promise<string> => {
  const r = await run(args);
  assert.equal(r.code, 0, `tskubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
const fails = async (...args: string[]): Promise<CliResult> => {
  const r = await run(args);
  assert.equal(r.code, 1, `tskubectl ${args.join(' ')} should fail: ${r.stdout}`);
  return r;
};
const get = (resource: string, ns: string, name: string): Promise<KubeObject> => resourceClient(rest, resource).get(ns, name);
const exists = async (resource: string, ns: string, name: string): Promise<boolean> =>
  get(resource, ns, name).then(() => true, () => false);

const cm = (name: string, data: Record<string, string> = {}): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n${Object.entries(data).map(([k, v]) => `  ${k}: "${v}"`).join('\n') || '  {}'}\n`;

before(async () => {
  cp = await startControlPlane();
  rest = new RestClient(resolveClientConfig(loadKubeconfig({ kubeconfig: cp.kubeconfig })));
  dir = await mkdtemp(join(tmpdir(), 'tskubectl-create-'));
});
after(async () => {
  await rest?.destroy();
  await cp?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('create -f a file, a multi-document file, a List and JSON', async () => {
  await writeFile(join(dir, 'one.yaml'), cm('one', { a: '1' }));
  assert.equal(await ok('create', '-f', join(dir, 'one.yaml')), 'configmap/one created\n');
  assert.deepEqual((await get('configmaps', 'default', 'one')).data, { a: '1' });

  const multi = `---\n# first\n${cm('m1')}---\n${cm('m2')}---\n`;
  const list = 'apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: l1}}\n- {apiVersion: v1, kind: Secret, metadata: {name: l2}, stringData: {k: v}}\n';
  const json = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"j1"}}\n{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"j2","namespace":"kube-public"}}';
  await writeFile(join(dir, 'multi.yaml'), multi);
  await writeFile(join(dir, 'list.yaml'), list);
  await writeFile(join(dir, 'two.json'), json);
  const out = await ok('create', '-f', join(dir, 'multi.yaml'), '-f', `${join(dir, 'list.yaml')},${join(dir, 'two.json')}`);
  assert.equal(out, 'configmap/m1 created\nconfigmap/m2 created\nconfigmap/l1 created\nsecret/l2 created\nconfigmap/j1 created\nconfigmap/j2 created\n');
  for (const name of ['m1', 'm2', 'l1']) assert.ok(await exists('configmaps', 'default', name), name);
  assert.equal(((await get('secrets', 'default', 'l2')).data as Record<string, string>).k, Buffer.from('v').toString('base64'));
  assert.ok(await exists('configmaps', 'kube-public', 'j2'));
});

test('create -f a directory (-R for subdirectories) and stdin', async () => {
  const d = join(dir, 'tree');
  await mkdir(join(d, 'sub'), { recursive: true });
  await writeFile(join(d, 'a.yaml'), cm('tree-a'));
  await writeFile(join(d, 'b.json'), JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'tree-b' } }));
  await writeFile(join(d, 'notes.txt'), 'not a manifest');
  await writeFile(join(d, 'sub', 'c.yml'), cm('tree-c'));
  assert.equal(await ok('create', '-f', d, '-o', 'name'), 'configmap/tree-a\nconfigmap/tree-b\n');
  assert.equal(await exists('configmaps', 'default', 'tree-c'), false);
  const r = await run(['create', '-f', d, '-R']);
  // The two already there fail, the one in sub/ is created.
  assert.equal(r.code, 1);
  assert.equal(r.stdout, 'configmap/tree-c created\n');
  assert.match(r.stderr, /Error from server \(AlreadyExists\): error when creating ".*a\.yaml": configmaps "tree-a" already exists/);

  const s = await run(['create', '-f', '-', '-n', 'kube-public'], cm('from-stdin', { x: 'y' }));
  assert.equal(s.code, 0, s.stderr);
  assert.equal(s.stdout, 'configmap/from-stdin created\n');
  assert.deepEqual((await get('configmaps', 'kube-public', 'from-stdin')).data, { x: 'y' });
});

test('create -f: -o json|yaml, --dry-run=client|server, --save-config', async () => {
  const file = join(dir, 'dry.yaml');
  await writeFile(file, cm('dry', { a: '1' }));
  assert.equal(await ok('create', '-f', file, '--dry-run=client'), 'configmap/dry created (dry run)\n');
  assert.equal(await ok('create', '-f', file, '--dry-run=server'), 'configmap/dry created (server dry run)\n');
  assert.equal(await exists('configmaps', 'default', 'dry'), false);
  const printed = JSON.parse(await ok('create', '-f', file, '--dry-run=client', '-o', 'json')) as KubeObject;
  assert.equal(printed.metadata.namespace, 'default');
  assert.deepEqual(printed.data, { a: '1' });

  const created = parseYaml(await ok('create', '-f', file, '-o', 'yaml', '--save-config')) as KubeObject;
  assert.ok(created.metadata.uid, 'the server object is printed');
  const live = await get('configmaps', 'default', 'dry');
  assert.equal(live.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'],
    '{"apiVersion":"v1","data":{"a":"1"},"kind":"ConfigMap","metadata":{"annotations":{},"name":"dry","namespace":"default"}}\n');
});

test('create -f errors: missing path, bad YAML, bad JSON, no kind, AlreadyExists, no -f', async () => {
  const missing = join(dir, 'nope.yaml');
  assert.equal((await fails('create', '-f', missing)).stderr, `error: the path "${missing}" does not exist\n`);

  const bad = join(dir, 'bad.yaml');
  await writeFile(bad, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n data: x\n');
  assert.match((await fails('create', '-f', bad)).stderr, new RegExp(`^error: error parsing ${bad}: error converting YAML to JSON: yaml: line \\d+: .+\\n$`));

  const badJson = join(dir, 'bad.json');
  await writeFile(badJson, '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "j"}');
  assert.equal((await fails('create', '-f', badJson)).stderr, `error: error parsing ${badJson}: unexpected EOF\n`);

  const noKind = join(dir, 'nokind.yaml');
  await writeFile(noKind, 'metadata:\n  name: x\n');
  assert.equal((await fails('create', '-f', noKind)).stderr,
    `error: error validating "${noKind}": error validating data: [apiVersion not set, kind not set]; if you choose to ignore these errors, turn validation off with --validate=false\n`);

  const dup = join(dir, 'one-again.yaml');
  await writeFile(dup, cm('one'));
  assert.equal((await fails('create', '-f', dup)).stderr, `Error from server (AlreadyExists): error when creating "${dup}": configmaps "one" already exists\n`);
  assert.equal((await fails('create')).stderr, 'error: must specify one of -f and -k\n');
});

// Our generators next to the real kubectl's, both as client dry runs.
async function bothGenerate(args: string[]): Promise<[KubeObject, KubeObject]> {
  // The flags go before `--`: what follows it is the container command.
  const dash = args.includes('--') ? args.indexOf('--') : args.length;
  const full = [...args.slice(0, dash), '--dry-run=client', '-o', 'json', ...args.slice(dash)];
  const ours = JSON.parse(await ok(...full)) as KubeObject;
  const theirs = JSON.parse(await kubectl(cp, ...full)) as KubeObject;
  return [ours, theirs];
}

test('create deployment/namespace/configmap/secret build what kubectl builds', async () => {
  await writeFile(join(dir, 'color.txt'), 'blue\n');
  await writeFile(join(dir, 'app.env'), '# settings\nMODE=debug\nLEVEL=3\n');
  const cases: string[][] = [
    ['create', 'deployment', 'web', '--image=nginx:1.25', '--replicas=3', '--port=80'],
    ['create', 'deployment', 'idle', '--image=busybox', '-n', 'kube-public', '--', 'sleep', '3600'],
    ['create', 'namespace', 'team-a'],
    ['create', 'configmap', 'settings', '--from-literal=size=L', '--from-file', join(dir, 'color.txt'), `--from-file=shade=${join(dir, 'color.txt')}`],
    ['create', 'configmap', 'envs', `--from-env-file=${join(dir, 'app.env')}`],
    ['create', 'secret', 'generic', 'creds', '--from-literal=user=admin', '--from-literal=password=s3cr3t!', '--type=Opaque'],
  ];
  for (const args of cases) {
    const [ours, theirs] = await bothGenerate(args);
    assert.deepEqual(ours, theirs, args.join(' '));
  }
});

test('create generators send the object to the server and print kubectl\'s messages', async () => {
  assert.equal(await ok('create', 'deployment', 'web', '--image=nginx', '--replicas=2', '--port=8080'), 'deployment.apps/web created\n');
  const d = await get('deployments', 'default', 'web') as KubeObject & { spec: { replicas: number; template: { spec: { containers: { name: string; ports: unknown[] }[] } } } };
  assert.equal(d.spec.replicas, 2);
  assert.deepEqual(d.metadata.labels, { app: 'web' });
  assert.equal(d.spec.template.spec.containers[0]!.name, 'nginx');
  assert.deepEqual(d.spec.template.spec.containers[0]!.ports, [{ containerPort: 8080, protocol: 'TCP' }]);

  assert.equal(await ok('create', 'ns', 'team-b'), 'namespace/team-b created\n');
  assert.equal((await get('namespaces', '', 'team-b') as KubeObject & { status: { phase: string } }).status.phase, 'Active');
  assert.equal(await ok('create', 'cm', 'conf', '--from-literal=k=v=w', '-n', 'team-b'), 'configmap/conf created\n');
  assert.deepEqual((await get('configmaps', 'team-b', 'conf')).data, { k: 'v=w' });
  assert.equal(await ok('create', 'secret', 'generic', 'tok', '--from-literal=token=abc'), 'secret/tok created\n');
  const s = await get('secrets', 'default', 'tok');
  assert.equal(s.type, 'Opaque');
  assert.deepEqual(s.data, { token: Buffer.from('abc').toString('base64') });

  assert.equal((await fails('create', 'deployment', 'web', '--image=nginx')).stderr, 'error: failed to create deployment: deployments.apps "web" already exists\n');
  assert.equal((await fails('create', 'configmap', 'conf', '-n', 'team-b')).stderr, 'error: failed to create configmap: configmaps "conf" already exists\n');
  assert.equal((await fails('create', 'secret', 'generic', 'tok')).stderr, 'error: failed to create secret secrets "tok" already exists\n');
  assert.equal((await fails('create', 'namespace', 'team-b')).stderr, 'Error from server (AlreadyExists): namespaces "team-b" already exists\n');
  assert.equal((await fails('create', 'deployment', 'x')).stderr, 'error: required flag(s) "image" not set\n');
  assert.match((await fails('create', 'configmap')).stderr, /^error: exactly one NAME is required, got 0\n/);
  assert.equal((await fails('create', 'cm', 'x', '--from-literal=noeq')).stderr, 'error: invalid literal source noeq, expected key=value\n');
  assert.equal((await fails('create', 'cm', 'x', '--from-literal=a=1', '--from-literal=a=2')).stderr,
    'error: cannot add key "a", another key by that name already exists in Data for ConfigMap "x"\n');
});
