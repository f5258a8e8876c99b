// The real kubectl (Debian's package), unchanged and with no extra flags, against our apiserver.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { waitFor } from '../harness/processes.js';
import { http } from '../harness/http.js';
import { kubectl as runKubectl, kubectlEnv, kubectlFails as runKubectlFails } from '../harness/kubectl.js';

let cp: ControlPlane;

const kubectl = (...args: string[]): Promise<string> => runKubectl(cp, ...args);
const kubectlFails = (...args: string[]): Promise<string> => runKubectlFails(cp, ...args);

before(async () => { cp = await startControlPlane(); });
after(async () => { await cp?.stop(); });

const deployment = (image: string, replicas = 2) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: ${replicas}
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: ${image}
        ports:
        - containerPort: 80
        env:
        - name: MODE
          value: prod
`;

test('kubectl create -f, get (columns), get -o yaml/json', async () => {
  const file = join(cp.dir, 'pod.yaml');
  await writeFile(file, `apiVersion: v1
kind: Pod
metadata:
  name: hello
  labels:
    app: hello
spec:
  containers:
  - name: hello
    image: busybox:1.36
    command: ["sleep", "3600"]
`);
  assert.match(await kubectl('create', '-f', file), /pod\/hello created/);
  const out = await kubectl('get', 'pods');
  const [header, row] = out.trim().split('\n');
  assert.deepEqual(header.split(/\s+/), ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
  assert.deepEqual(row.split(/\s+/).slice(0, 4), ['hello', '0/1', 'Pending', '0']);
  const wide = (await kubectl('get', 'pods', '-o', 'wide')).split('\n')[0];
  assert.match(wide, /NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES/);
  const y = parseYaml(await kubectl('get', 'pod', 'hello', '-o', 'yaml'));
  assert.equal(y.spec.containers[0].image, 'busybox:1.36');
  assert.equal(y.spec.restartPolicy, 'Always');
  const j = JSON.parse(await kubectl('get', 'pod', 'hello', '-o', 'json'));
  assert.equal(j.metadata.name, 'hello');
  assert.match(await kubectl('get', 'pods', '-l', 'app=hello', '-o', 'name'), /^pod\/hello$/m);
  const ns = await kubectl('get', 'namespaces');
  assert.match(ns, /NAME\s+STATUS\s+AGE/);
  assert.match(ns, /kube-system\s+Active/);
  const svc = await kubectl('get', 'svc');
  assert.match(svc, /NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE/);
  assert.match(svc, /kubernetes\s+ClusterIP\s+10\.96\.0\.1\s+<none>\s+443\/TCP/);
});

test('kubectl apply -f creates, then applies a change', async () => {
  const file = join(cp.dir, 'deploy.yaml');
  await writeFile(file, deployment('nginx:1.25'));
  assert.match(await kubectl('apply', '-f', file), /deployment.apps\/web created/);
  await writeFile(file, deployment('nginx:1.27', 3));
  assert.match(await kubectl('apply', '-f', file), /deployment.apps\/web configured/);
  const d = JSON.parse(await kubectl('get', 'deployment', 'web', '-o', 'json'));
  assert.equal(d.spec.template.spec.containers[0].image, 'nginx:1.27');
  assert.equal(d.spec.replicas, 3);
  assert.equal(d.metadata.generation, 2);
  assert.ok(d.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']);
  assert.match(await kubectl('apply', '-f', file), /deployment.apps\/web unchanged/);
  const out = await kubectl('get', 'deploy');
  assert.match(out.split('\n')[0], /NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE/);
  assert.match(out, /web\s+0\/3\s+0\s+0/);
});

test('kubectl scale, label, annotate', async () => {
  assert.match(await kubectl('scale', 'deployment', 'web', '--replicas=5'), /deployment.apps\/web scaled/);
  assert.equal(JSON.parse(await kubectl('get', 'deploy', 'web', '-o', 'json')).spec.replicas, 5);
  assert.match(await kubectl('label', 'pod', 'hello', 'tier=frontend'), /pod\/hello labeled/);
  assert.match(await kubectl('annotate', 'pod', 'hello', 'note=hi'), /pod\/hello annotated/);
  const p = JSON.parse(await kubectl('get', 'pod', 'hello', '-o', 'json'));
  assert.equal(p.metadata.labels.tier, 'frontend');
  assert.equal(p.metadata.annotations.note, 'hi');
  assert.match(await kubectl('label', 'pod', 'hello', 'tier-'), /pod\/hello unlabeled/);
});

test('kubectl describe pod and deployment', async () => {
  const out = await kubectl('describe', 'pod', 'hello');
  assert.match(out, /^Name:\s+hello$/m);
  assert.match(out, /^Namespace:\s+default$/m);
  assert.match(out, /Image:\s+busybox:1\.36/);
  const d = await kubectl('describe', 'deployment', 'web');
  assert.match(d, /^Replicas:\s+5 desired/m);
  assert.match(d, /StrategyType:\s+RollingUpdate/);
});

test('kubectl get -w prints changes as they happen', async () => {
  const child = spawn('kubectl', ['get', 'configmaps', '-w'], { env: kubectlEnv(cp) });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  try {
    // kubectl prints nothing until the first event: wait until its watch is registered.
    await waitFor(async () => /apiserver_registered_watchers\{resource="configmaps"\} [1-9]/.test((await http(cp.url, 'GET', '/metrics')).text),
      { timeoutMs: 15_000, what: 'kubectl to open its watch' });
    const file = join(cp.dir, 'watched.yaml');
    await writeFile(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: watched\ndata:\n  a: b\n');
    await kubectl('create', '-f', file);
    await waitFor(() => /watched\s+1\s+\d+s/.test(out), { timeoutMs: 15_000, what: 'the new configmap in kubectl get -w' });
  } finally {
    child.kill();
  }
});

test('kubectl explain answers from our OpenAPI', async () => {
  const out = await kubectl('explain', 'pod.spec');
  assert.match(out, /KIND:\s+Pod/);
  assert.match(out, /containers\s+<\[\]Container> -required-/);
  const s = await kubectl('explain', 'deployment.spec.strategy');
  assert.match(s, /rollingUpdate/);
});

test('kubectl delete, and errors as kubectl prints them', async () => {
  assert.match(await kubectl('delete', 'pod', 'hello'), /pod "hello" deleted/);
  const err = await kubectlFails('get', 'pod', 'hello');
  assert.match(err, /Error from server \(NotFound\): pods "hello" not found/);
  assert.match(await kubectl('delete', 'deployment', 'web'), /deployment.apps "web" deleted/);
  const bad = join(cp.dir, 'bad.yaml');
  await writeFile(bad, 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: Bad_Name\nspec:\n  containers:\n  - name: c\n    image: x\n');
  const inv = await kubectlFails('create', '-f', bad);
  assert.match(inv, /is invalid: metadata.name: Invalid value: "Bad_Name"/);
});

test('kubectl apply -f of a List validates against our OpenAPI and creates every item', async () => {
  const file = join(cp.dir, 'list.yaml');
  await writeFile(file, 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: listed-a}\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: listed-b}\n');
  const out = await kubectl('apply', '-f', file);
  assert.match(out, /configmap\/listed-a created/);
  assert.match(out, /configmap\/listed-b created/);
});

test('kubectl --dry-run=server: create of a taken name fails, delete keeps the object', async () => {
  await kubectl('create', 'configmap', 'dry');
  assert.match(await kubectlFails('create', 'configmap', 'dry', '--dry-run=server'), /configmaps "dry" already exists/);
  assert.match(await kubectl('delete', 'configmap', 'dry', '--dry-run=server'), /configmap "dry" deleted \(server dry run\)/);
  assert.match(await kubectl('get', 'configmap', 'dry', '-o', 'name'), /configmap\/dry/);
});
