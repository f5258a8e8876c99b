// core/v1 ReplicationControllers against the real apiserver and the real kubectl:
// defaults (replicas, selector and labels from the template), validation with
// Kubernetes' messages, generation and the status subresource, the scale subresource
// (kubectl scale rc), Table columns, field selectors, apply and explain, and the v1
// API's orphaning DELETE.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { http } from '../harness/http.js';
import { kubectl as runKubectl, kubectlFails as runKubectlFails } from '../harness/kubectl.js';
import { tskubectlRun } from '../harness/tskubectl.js';

let cp: ControlPlane;
before(async () => { cp = await startControlPlane(); });
after(async () => { await cp?.stop(); });

const kubectl = (...args: string[]): Promise<string> => runKubectl(cp, ...args);
const kubectlFails = (...args: string[]): Promise<string> => runKubectlFails(cp, ...args);
const api = (method: string, path: string, body?: unknown, type?: string) => http(cp.url, method, path, body, type);
const RCS = '/api/v1/namespaces/default/replicationcontrollers';

/** A manifest; fields left out are left to the apiserver's defaults. */
function manifest(name: string, extra: { selector?: string; replicas?: number; labels?: string; restartPolicy?: string; image?: string } = {}): string {
  return `apiVersion: v1
kind: ReplicationController
metadata:
  name: ${name}
spec:
${extra.replicas === undefined ? '' : `  replicas: ${extra.replicas}\n`}${extra.selector === undefined ? '' : `  selector: ${extra.selector}\n`}  template:
    metadata:
      labels: ${extra.labels ?? '{app: web, tier: fe}'}
    spec:
${extra.restartPolicy ? `      restartPolicy: ${extra.restartPolicy}\n` : ''}      containers:
      - name: nginx
        image: ${extra.image ?? 'nginx:1.25'}
`;
}

async function create(name: string, text: string): Promise<string> {
  const file = join(cp.dir, `${name}.yaml`);
  await writeFile(file, text);
  return kubectl('create', '-f', file);
}

test('create fills in replicas, the selector and the labels from the template; status starts at 0', async () => {
  assert.match(await create('web', manifest('web')), /^replicationcontroller\/web created$/m);
  const rc = JSON.parse(await kubectl('get', 'rc', 'web', '-o', 'json'));
  assert.equal(rc.apiVersion, 'v1');
  assert.equal(rc.kind, 'ReplicationController');
  assert.equal(rc.spec.replicas, 1);
  assert.deepEqual(rc.spec.selector, { app: 'web', tier: 'fe' });
  assert.deepEqual(rc.metadata.labels, { app: 'web', tier: 'fe' });
  assert.deepEqual(rc.status, { replicas: 0 });
  assert.equal(rc.metadata.generation, 1);
  // The template's pod spec is defaulted like a pod's.
  assert.equal(rc.spec.template.spec.restartPolicy, 'Always');
  assert.equal(rc.spec.template.spec.containers[0].imagePullPolicy, 'IfNotPresent');
  // An explicit selector and labels are kept.
  await create('explicit', manifest('explicit', { selector: '{app: web}', replicas: 0 }).replace('  name: explicit\n', '  name: explicit\n  labels: {owner: me}\n'));
  const explicit = JSON.parse(await kubectl('get', 'replicationcontroller', 'explicit', '-o', 'json'));
  assert.deepEqual(explicit.spec.selector, { app: 'web' });
  assert.deepEqual(explicit.metadata.labels, { owner: 'me' });
  assert.equal(explicit.spec.replicas, 0);
});

test('kubectl get rc prints DESIRED CURRENT READY AGE, and CONTAINERS IMAGES SELECTOR with -o wide', async () => {
  const lines = (await kubectl('get', 'rc', 'web')).trimEnd().split('\n');
  assert.deepEqual(lines[0].split(/\s+/), ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE']);
  assert.deepEqual(lines[1].split(/\s+/).slice(0, 4), ['web', '1', '0', '0']);
  const wide = (await kubectl('get', 'rc', 'web', '-o', 'wide')).trimEnd().split('\n');
  assert.deepEqual(wide[0].split(/\s+/), ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
  assert.deepEqual(wide[1].split(/\s+/).slice(5), ['nginx', 'nginx:1.25', 'app=web,tier=fe']);
  // rc is in the "all" category, listed after pods and before services as on a real cluster.
  const all = await kubectl('get', 'all');
  assert.match(all, /^replicationcontroller\/web\s+1\s+0\s+0\s/m);
  assert.ok(all.indexOf('replicationcontroller/web') < all.indexOf('service/kubernetes'), all);
  // Our CLI resolves rc and prints the server's columns too.
  const ours = await tskubectlRun(cp, ['get', 'rc', 'web']);
  assert.equal(ours.code, 0, ours.stderr);
  assert.deepEqual(ours.stdout.trimEnd().split('\n')[0].split(/\s+/), ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE']);
});

test('kubectl scale rc goes through the scale subresource; status.selector is the label string', async () => {
  assert.match(await kubectl('scale', 'rc', 'web', '--replicas=3'), /^replicationcontroller\/web scaled$/m);
  const scale = (await api('GET', `${RCS}/web/scale`)).json;
  assert.equal(scale.kind, 'Scale');
  assert.equal(scale.apiVersion, 'autoscaling/v1');
  assert.deepEqual(scale.spec, { replicas: 3 });
  assert.deepEqual(scale.status, { replicas: 0, selector: 'app=web,tier=fe' });
  const rc = JSON.parse(await kubectl('get', 'rc', 'web', '-o', 'json'));
  assert.equal(rc.spec.replicas, 3);
  assert.equal(rc.metadata.generation, 2);
  assert.match(await kubectl('scale', 'rc', 'web', '--current-replicas=2', '--replicas=1').catch((e: Error) => e.message), /Expected replicas to be 2, was 3/);
  const bad = await api('PUT', `${RCS}/web/scale`, { ...scale, spec: { replicas: -1 } });
  assert.equal(bad.status, 422, bad.text);
  assert.equal((await api('GET', `${RCS}/missing/scale`)).status, 404);
});

test('generation counts spec changes; status is written only through /status', async () => {
  const cur = (await api('GET', `${RCS}/web`)).json;
  const labelled = await api('PATCH', `${RCS}/web`, { metadata: { labels: { extra: 'x' } } }, 'application/merge-patch+json');
  assert.equal(labelled.json.metadata.generation, cur.metadata.generation);
  const st = await api('PUT', `${RCS}/web/status`, { ...labelled.json, spec: { ...labelled.json.spec, replicas: 9 }, status: { replicas: 3, readyReplicas: 2, availableReplicas: 1, observedGeneration: 2 } });
  assert.equal(st.status, 200, st.text);
  assert.equal(st.json.spec.replicas, 3, 'the status subresource leaves spec alone');
  assert.deepEqual(st.json.status, { replicas: 3, readyReplicas: 2, availableReplicas: 1, observedGeneration: 2 });
  assert.equal(st.json.metadata.generation, cur.metadata.generation);
  const main = await api('PUT', `${RCS}/web`, { ...st.json, status: { replicas: 50 } });
  assert.equal(main.status, 200, main.text);
  assert.equal(main.json.status.replicas, 3, 'the main resource leaves status alone');
  const over = await api('PUT', `${RCS}/web/status`, { ...main.json, status: { replicas: 1, readyReplicas: 2 } });
  assert.equal(over.status, 422);
  assert.deepEqual(over.json.details.causes, [
    { reason: 'FieldValueInvalid', message: 'Invalid value: 2: cannot be greater than status.replicas', field: 'status.readyReplicas' },
  ]);
  const rows = (await kubectl('get', 'rc', 'web')).trimEnd().split('\n');
  assert.deepEqual(rows[1].split(/\s+/).slice(0, 4), ['web', '3', '3', '2']);
});

test('validation: Kubernetes\' messages for the selector, template, restart policy and counts', async () => {
  const mismatch = await create('mismatch', manifest('mismatch', { selector: '{app: other}' })).catch((e: Error) => e.message);
  assert.match(mismatch, /The ReplicationController "mismatch" is invalid: spec.template.metadata.labels: Invalid value: map\[string\]string\{"app":"web", "tier":"fe"\}: `selector` does not match template `labels`/);
  const never = await create('never', manifest('never', { restartPolicy: 'Never' })).catch((e: Error) => e.message);
  assert.match(never, /spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"/);
  const r = await api('POST', RCS, { metadata: { name: 'bare' }, spec: { replicas: -1, minReadySeconds: -2 } });
  assert.equal(r.status, 422, r.text);
  assert.equal(r.json.message, 'ReplicationController "bare" is invalid: [spec.minReadySeconds: Invalid value: -2: must be greater than or equal to 0, spec.selector: Required value, spec.replicas: Invalid value: -1: must be greater than or equal to 0, spec.template: Required value]');
  const deadline = await api('POST', RCS, {
    metadata: { name: 'deadline' },
    spec: { template: { metadata: { labels: { a: 'b' } }, spec: { activeDeadlineSeconds: 30, containers: [{ name: 'c', image: 'busybox' }] } } },
  });
  assert.deepEqual(deadline.json.details?.causes, [{ reason: 'FieldValueInvalid', message: 'Invalid value: 30: must not be specified', field: 'spec.template.spec.activeDeadlineSeconds' }]);
  // Unlike apps/v1, the selector of a ReplicationController may change.
  const moved = await api('PATCH', `${RCS}/explicit`, { spec: { selector: { app: null, tier: 'fe' } } }, 'application/merge-patch+json');
  assert.equal(moved.status, 200, moved.text);
  assert.deepEqual(moved.json.spec.selector, { tier: 'fe' });
});

test('field selectors: metadata.name, metadata.namespace and status.replicas, as Kubernetes converts them', async () => {
  const names = async (selector: string): Promise<string[]> => {
    const r = await api('GET', `${RCS}?fieldSelector=${encodeURIComponent(selector)}`);
    assert.equal(r.status, 200, r.text);
    return r.json.items.map((i: { metadata: { name: string } }) => i.metadata.name).sort();
  };
  assert.deepEqual(await names('status.replicas=3'), ['web']);
  assert.deepEqual(await names('status.replicas=0'), ['explicit']);
  assert.deepEqual(await names('metadata.name=explicit,metadata.namespace=default'), ['explicit']);
  const bad = await api('GET', `${RCS}?fieldSelector=spec.replicas%3D1`);
  assert.equal(bad.status, 400);
  assert.equal(bad.json.message, 'field label not supported: spec.replicas');
});

test('kubectl apply configures an rc through strategic merge patch; explain reads the schema', async () => {
  const file = join(cp.dir, 'applied.yaml');
  await writeFile(file, manifest('applied', { replicas: 2 }));
  assert.match(await kubectl('apply', '-f', file), /replicationcontroller\/applied created/);
  await writeFile(file, manifest('applied', { replicas: 2, image: 'nginx:1.27' }));
  assert.match(await kubectl('apply', '-f', file), /replicationcontroller\/applied configured/);
  const rc = JSON.parse(await kubectl('get', 'rc', 'applied', '-o', 'json'));
  assert.equal(rc.spec.template.spec.containers[0].image, 'nginx:1.27');
  assert.equal(rc.metadata.generation, 2);
  assert.match(await kubectl('apply', '-f', file), /replicationcontroller\/applied unchanged/);
  const explain = await kubectl('explain', 'rc.spec');
  assert.match(explain, /KIND:\s+ReplicationController/);
  assert.match(explain, /selector\s+<map\[string\]string>/);
  assert.match(explain, /template\s+<PodTemplateSpec>/);
});

test('a DELETE without a propagation policy orphans the pods (v1 default); kubectl delete does not', async () => {
  const orphaned = await api('DELETE', `${RCS}/explicit`);
  assert.ok(orphaned.status === 200 || orphaned.status === 202, orphaned.text);
  const held = (await api('GET', `${RCS}/explicit`)).json;
  assert.deepEqual(held.metadata.finalizers, ['orphan']);
  assert.ok(held.metadata.deletionTimestamp);
  // What the garbage collector does once it has orphaned the pods.
  const gone = await api('PATCH', `${RCS}/explicit`, { metadata: { finalizers: null } }, 'application/merge-patch+json');
  assert.equal(gone.status, 200, gone.text);
  assert.equal((await api('GET', `${RCS}/explicit`)).status, 404);
  assert.match(await kubectl('delete', 'rc', 'applied'), /replicationcontroller "applied" deleted/);
  assert.equal((await api('GET', `${RCS}/applied`)).status, 404);
  // A Status, not the object, as kube-apiserver answers for this resource.
  const removed = await api('DELETE', `${RCS}/web`, { propagationPolicy: 'Background' });
  assert.equal(removed.status, 200, removed.text);
  assert.equal(removed.json.kind, 'Status');
  assert.deepEqual(removed.json.details, { name: 'web', kind: 'replicationcontrollers', uid: removed.json.details.uid });
});
