// -k against a control plane: `tskubectl apply -k`, `get -k`, `diff -k`, `describe -k`,
// `delete -k` and `create -k`, each compared with the real kubectl doing the same, and
// kubectl's rules for -k beside -f and -R on every command that reads files.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { kubectlRun } from '../harness/kubectl.js';
import { tskubectlRun } from '../harness/tskubectl.js';

let cp: ControlPlane;
let dir: string;

const KUSTOMIZATION = `namePrefix: kz-
commonLabels:
  app: kz
resources:
- app.yaml
configMapGenerator:
- name: settings
  literals:
  - MODE=prod
secretGenerator:
- name: creds
  literals:
  - password=hunter2
images:
- name: nginx
  newTag: "1.27"
`;

const APP = `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports:
  - port: 80
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels:
      tier: web
  template:
    metadata:
      labels:
        tier: web
    spec:
      containers:
      - name: web
        image: nginx
        envFrom:
        - configMapRef:
            name: settings
        - secretRef:
            name: creds
`;

before(async () => {
  cp = await startControlPlane();
  dir = await mkdtemp(join(tmpdir(), 'tskubectl-kustomize-'));
  await mkdir(join(dir, 'app'));
  await writeFile(join(dir, 'app', 'kustomization.yaml'), KUSTOMIZATION);
  await writeFile(join(dir, 'app', 'app.yaml'), APP);
});
after(async () => {
  await cp?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const ours = (...args: string[]) => tskubectlRun(cp, args);
const theirs = (...args: string[]) => kubectlRun(cp, args);
// diff's temporary directories and file times differ from run to run.
const diffText = (s: string): string => s.replace(/\/tmp\/(LIVE|MERGED)-[^/\s]+/g, '/tmp/$1').replace(/\t\d{4}-\d\d-\d\d [\d:.]+ [+-]\d{4}/g, '');

test('apply -k creates what kubectl apply -k would, and kubectl then finds nothing to change', async () => {
  const app = join(dir, 'app');
  const dry = await theirs('apply', '-k', app, '--dry-run=server');
  assert.equal(dry.code, 0, dry.stderr);
  const r = await ours('apply', '-k', app);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, dry.stderr);
  assert.equal(r.stdout, dry.stdout.replace(/ \(server dry run\)/g, ''));
  assert.match(r.stdout, /^configmap\/kz-settings-[a-z0-9]{10} created\nsecret\/kz-creds-[a-z0-9]{10} created\nservice\/kz-web created\ndeployment\.apps\/kz-web created\n$/);

  // The objects, their last-applied annotations included, are what kubectl would have sent.
  const diff = await theirs('diff', '-k', app);
  assert.equal(diff.code, 0, diff.stdout + diff.stderr);
  const again = await theirs('apply', '-k', app);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stdout, r.stdout.replace(/ created$/gm, ' unchanged'));
  const oursAgain = await ours('apply', '-k', app);
  assert.equal(oursAgain.stdout, again.stdout);

  const deployment = JSON.parse((await ours('get', 'deployment', 'kz-web', '-o', 'json')).stdout) as {
    spec: { selector: { matchLabels: Record<string, string> }; template: { spec: { containers: { image: string; envFrom: { configMapRef?: { name: string }; secretRef?: { name: string } }[] }[] } } };
  };
  assert.deepEqual(deployment.spec.selector.matchLabels, { app: 'kz', tier: 'web' });
  const container = deployment.spec.template.spec.containers[0]!;
  assert.equal(container.image, 'nginx:1.27');
  assert.match(container.envFrom[0]!.configMapRef!.name, /^kz-settings-[a-z0-9]{10}$/);
  assert.match(container.envFrom[1]!.secretRef!.name, /^kz-creds-[a-z0-9]{10}$/);
});

test('get -k, describe -k and diff -k read the kustomization as kubectl does', async () => {
  const app = join(dir, 'app');
  for (const args of [['get', '-k', app, '-o', 'name'], ['diff', '-k', app]]) {
    const want = await theirs(...args);
    const got = await ours(...args);
    assert.deepEqual([got.code, got.stdout, got.stderr], [want.code, want.stdout, want.stderr], args.join(' '));
  }
  // replace -k puts the same objects back: kubectl's lines, then ours.
  const replacedByThem = await theirs('replace', '-k', app);
  const replacedByUs = await ours('replace', '-k', app);
  assert.equal(replacedByThem.code, 0, replacedByThem.stderr);
  assert.deepEqual([replacedByUs.code, replacedByUs.stdout, replacedByUs.stderr], [0, replacedByThem.stdout, replacedByThem.stderr]);
  const described = await ours('describe', '-k', app);
  assert.equal(described.code, 0, described.stderr);
  assert.match(described.stdout, /^Name: +kz-settings-/m);
  assert.match(described.stdout, /^Name: +kz-web\n/m);

  // A change in the kustomization shows in diff -k (exit status 1), as with kubectl.
  const changed = join(dir, 'changed');
  await mkdir(changed, { recursive: true });
  await writeFile(join(changed, 'kustomization.yaml'), 'resources:\n- ../app\nreplicas:\n- name: kz-web\n  count: 3\n');
  const want = await theirs('diff', '-k', changed);
  const got = await ours('diff', '-k', changed);
  assert.equal(want.code, 1);
  assert.equal(got.code, 1);
  assert.match(got.stdout, /^\+  replicas: 3$/m);
  assert.equal(diffText(got.stdout), diffText(want.stdout));
});

test('delete -k deletes every object of the kustomization', async () => {
  const app = join(dir, 'app');
  const r = await ours('delete', '-k', app);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^configmap "kz-settings-[a-z0-9]{10}" deleted\nsecret "kz-creds-[a-z0-9]{10}" deleted\nservice "kz-web" deleted\ndeployment\.apps "kz-web" deleted\n$/);
  const left = await ours('get', '-k', app, '--ignore-not-found', '-o', 'name');
  assert.deepEqual([left.code, left.stdout], [0, '']);
  // kubectl agrees there is nothing left to delete.
  const want = await theirs('delete', '-k', app);
  const got = await ours('delete', '-k', app);
  assert.equal(got.code, want.code);
  assert.equal(got.stderr, want.stderr);
});

test('create -k creates, and a second create -k fails as kubectl fails', async () => {
  const app = join(dir, 'app');
  const r = await ours('create', '-k', app);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^configmap\/kz-settings-[a-z0-9]{10} created\n/);
  const want = await theirs('create', '-k', app);
  const got = await ours('create', '-k', app);
  assert.equal(got.code, want.code);
  assert.equal(got.stderr, want.stderr);
  await ours('delete', '-k', app);
});

test('-k with -f or -R, and a broken kustomization, fail with kubectl\'s words', async () => {
  const app = join(dir, 'app');
  const missing = join(dir, 'missing');
  const cases: string[][] = [];
  for (const verb of ['apply', 'create', 'delete', 'get', 'describe', 'diff']) {
    cases.push([verb, '-k', app, '-f', join(app, 'app.yaml')], [verb, '-k', app, '-R']);
  }
  cases.push(['apply', '-k', missing], ['delete', '-k', missing], ['get', '-k', missing], ['apply', '-k', app, '-f', 'x', '-R']);
  for (const args of cases) {
    const want = await theirs(...args);
    const got = await ours(...args);
    assert.deepEqual([got.code, got.stdout, got.stderr], [want.code, want.stdout, want.stderr], args.join(' '));
  }
});
