// Server-side apply and managedFields against real etcd, the apiserver and the real
// kubectl: managers recorded by create, update and patch; apply patches
// (application/apply-patch+yaml) that create, merge, prune, conflict and force;
// `kubectl apply --server-side` and `kubectl diff`; bad apply bodies answered with
// Kubernetes' 400s and 422s.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { http } from '../harness/http.js';
import { kubectl as runKubectl, kubectlFails, kubectlRun } from '../harness/kubectl.js';

let cp: ControlPlane;
const kubectl = (...args: string[]): Promise<string> => runKubectl(cp, ...args);
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test convenience
const getJson = async (...args: string[]): Promise<any> => JSON.parse(await kubectl('get', ...args, '-o', 'json', '--show-managed-fields'));
const APPLY = 'application/apply-patch+yaml';

before(async () => { cp = await startControlPlane(); });
after(async () => { await cp?.stop(); });

async function file(name: string, text: string): Promise<string> {
  const p = join(cp.dir, name);
  await writeFile(p, text);
  return p;
}

const cmYaml = (name: string, data: Record<string, string>): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: default\ndata:\n${Object.entries(data).map(([k, v]) => `  ${k}: "${v}"`).join('\n')}\n`;

const apply = (path: string, body: string, query: string): ReturnType<typeof http> =>
  http(cp.url, 'PATCH', `${path}?${query}`, body, APPLY);

test('create, update and patch record their managers (fieldManager, else the User-Agent prefix) with operation Update', async () => {
  const base = '/api/v1/namespaces/default/configmaps';
  let r = await http(cp.url, 'POST', base, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'mf', labels: { a: '1' } }, data: { x: '1' } },
    'application/json', { 'user-agent': 'my-tool/1.2.3 (linux/amd64)' });
  assert.equal(r.status, 201);
  assert.equal(r.json.metadata.managedFields.length, 1);
  const [e] = r.json.metadata.managedFields;
  assert.equal(e.manager, 'my-tool');
  assert.equal(e.operation, 'Update');
  assert.equal(e.apiVersion, 'v1');
  assert.match(e.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(e.fieldsType, 'FieldsV1');
  assert.deepEqual(e.fieldsV1, { 'f:data': { '.': {}, 'f:x': {} }, 'f:metadata': { 'f:labels': { '.': {}, 'f:a': {} } } });
  // Key order is Kubernetes': manager, operation, apiVersion, time, fieldsType, fieldsV1.
  assert.deepEqual(Object.keys(e), ['manager', 'operation', 'apiVersion', 'time', 'fieldsType', 'fieldsV1']);

  r = await http(cp.url, 'PATCH', `${base}/mf?fieldManager=patcher`, { data: { y: '2' } }, 'application/merge-patch+json');
  assert.equal(r.status, 200);
  const byManager = Object.fromEntries(r.json.metadata.managedFields.map((m: { manager: string }) => [m.manager, m]));
  assert.deepEqual(byManager.patcher.fieldsV1, { 'f:data': { 'f:y': {} } });
  assert.deepEqual(byManager['my-tool'].fieldsV1, { 'f:data': { '.': {}, 'f:x': {} }, 'f:metadata': { 'f:labels': { '.': {}, 'f:a': {} } } });

  // The same manager again: its entry grows, no second entry.
  r = await http(cp.url, 'PATCH', `${base}/mf?fieldManager=patcher`, { data: { z: '3' } }, 'application/merge-patch+json');
  const patcher = r.json.metadata.managedFields.filter((m: { manager: string }) => m.manager === 'patcher');
  assert.equal(patcher.length, 1);
  assert.deepEqual(patcher[0].fieldsV1, { 'f:data': { 'f:y': {}, 'f:z': {} } });

  // A no-op update changes nothing, timestamps included.
  const before = r.json;
  r = await http(cp.url, 'PATCH', `${base}/mf?fieldManager=other`, { data: { z: '3' } }, 'application/merge-patch+json');
  assert.deepEqual(r.json.metadata.managedFields, before.metadata.managedFields);
  assert.equal(r.json.metadata.resourceVersion, before.metadata.resourceVersion);

  // Removing a field takes it from its owner.
  r = await http(cp.url, 'PATCH', `${base}/mf?fieldManager=cleaner`, { data: { y: null } }, 'application/merge-patch+json');
  const p2 = r.json.metadata.managedFields.find((m: { manager: string }) => m.manager === 'patcher');
  assert.deepEqual(p2.fieldsV1, { 'f:data': { 'f:z': {} } });
  assert.equal(r.json.metadata.managedFields.find((m: { manager: string }) => m.manager === 'cleaner'), undefined);

  // A PUT without managedFields keeps them; managedFields: [{}] clears them.
  const cur = (await http(cp.url, 'GET', `${base}/mf`)).json;
  delete cur.metadata.managedFields;
  cur.data.w = '4';
  r = await http(cp.url, 'PUT', `${base}/mf?fieldManager=putter`, cur);
  assert.equal(r.status, 200);
  assert.ok(r.json.metadata.managedFields.some((m: { manager: string }) => m.manager === 'my-tool'));
  assert.deepEqual(r.json.metadata.managedFields.find((m: { manager: string }) => m.manager === 'putter').fieldsV1, { 'f:data': { 'f:w': {} } });
  r = await http(cp.url, 'PATCH', `${base}/mf`, { metadata: { managedFields: [{}] } }, 'application/merge-patch+json');
  assert.equal(r.status, 200);
  assert.equal(r.json.metadata.managedFields, undefined);
  // Invalid managedFields in a request are ignored: the stored ones stay.
  await http(cp.url, 'PATCH', `${base}/mf?fieldManager=again`, { data: { v: '5' } }, 'application/merge-patch+json');
  r = await http(cp.url, 'PATCH', `${base}/mf?fieldManager=again`, { metadata: { managedFields: [{ manager: 'x', operation: 'Bogus' }] }, data: { v: '6' } }, 'application/merge-patch+json');
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.metadata.managedFields.map((m: { manager: string }) => m.manager), ['again']);
});

test('deployments: list items keyed by merge keys, status and scale subresources', async () => {
  await kubectl('create', 'deployment', 'web', '--image=nginx', '--port=80');
  const d = await getJson('deployment', 'web');
  const create = d.metadata.managedFields.find((m: { manager: string }) => m.manager === 'kubectl-create');
  assert.equal(create.operation, 'Update');
  assert.equal(create.apiVersion, 'apps/v1');
  const c = create.fieldsV1['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"nginx"}'];
  assert.deepEqual(c['.'], {});
  assert.deepEqual(c['f:ports']['k:{"containerPort":80,"protocol":"TCP"}'], { '.': {}, 'f:containerPort': {}, 'f:protocol': {} });
  assert.deepEqual(create.fieldsV1['f:spec']['f:selector'], {});
  assert.equal(create.fieldsV1['f:spec']['.'], undefined, 'spec is a struct, not added');
  assert.equal(create.fieldsV1['f:status'], undefined, 'status is not tracked on the main resource');

  await kubectl('scale', 'deployment', 'web', '--replicas=3');
  const scaled = await getJson('deployment', 'web');
  const scale = scaled.metadata.managedFields.find((m: { subresource?: string }) => m.subresource === 'scale');
  assert.equal(scale.manager, 'kubectl');
  assert.deepEqual(scale.fieldsV1, { 'f:spec': { 'f:replicas': {} } });
  const after = scaled.metadata.managedFields.find((m: { manager: string }) => m.manager === 'kubectl-create');
  assert.equal(after.fieldsV1['f:spec']['f:replicas'], undefined, 'scale took spec.replicas');

  const st = await http(cp.url, 'PATCH', '/apis/apps/v1/namespaces/default/deployments/web/status?fieldManager=ctrl',
    { status: { observedGeneration: 1 } }, 'application/merge-patch+json');
  assert.equal(st.status, 200);
  const se = st.json.metadata.managedFields.find((m: { manager: string }) => m.manager === 'ctrl');
  assert.equal(se.subresource, 'status');
  assert.deepEqual(se.fieldsV1, { 'f:status': { 'f:observedGeneration': {} } });
  assert.deepEqual(Object.keys(se), ['manager', 'operation', 'apiVersion', 'time', 'fieldsType', 'fieldsV1', 'subresource']);
});

test('apply creates the object, a second manager conflicts, force takes ownership, shared values share it', async () => {
  const path = '/api/v1/namespaces/default/configmaps/applied';
  let r = await apply(path, cmYaml('applied', { a: 'x', b: 'y' }), 'fieldManager=alice');
  assert.equal(r.status, 201);
  assert.deepEqual(r.json.data, { a: 'x', b: 'y' });
  assert.deepEqual(r.json.metadata.managedFields.map((m: { manager: string; operation: string }) => [m.manager, m.operation]), [['alice', 'Apply']]);
  assert.deepEqual(r.json.metadata.managedFields[0].fieldsV1, { 'f:data': { 'f:a': {}, 'f:b': {} } });
  assert.equal(r.json.metadata.managedFields[0].apiVersion, 'v1');

  // Again, unchanged: 200, same object.
  const rv = r.json.metadata.resourceVersion;
  r = await apply(path, cmYaml('applied', { a: 'x', b: 'y' }), 'fieldManager=alice');
  assert.equal(r.status, 200);
  assert.equal(r.json.metadata.resourceVersion, rv);

  // bob applies a different value of a: a conflict, worded as Kubernetes words it.
  r = await apply(path, cmYaml('applied', { a: 'z' }), 'fieldManager=bob');
  assert.equal(r.status, 409);
  assert.equal(r.json.reason, 'Conflict');
  assert.equal(r.json.message, 'Apply failed with 1 conflict: conflict with "alice": .data.a');
  assert.deepEqual(r.json.details, { causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "alice"', field: '.data.a' }] });

  // bob applies the same value: shared ownership, no conflict.
  r = await apply(path, cmYaml('applied', { b: 'y' }), 'fieldManager=bob');
  assert.equal(r.status, 200);
  const owners = (f: string): string[] => r.json.metadata.managedFields.filter((m: { fieldsV1: { 'f:data'?: Record<string, unknown> } }) => m.fieldsV1['f:data']?.[f]).map((m: { manager: string }) => m.manager).sort();
  assert.deepEqual(owners('f:b'), ['alice', 'bob']);

  // With force bob takes a.
  r = await apply(path, cmYaml('applied', { a: 'z', b: 'y' }), 'fieldManager=bob&force=true');
  assert.equal(r.status, 200);
  assert.equal(r.json.data.a, 'z');
  assert.deepEqual(owners('f:a'), ['bob']);

  // alice drops b from her configuration: bob still owns it, so it stays.
  r = await apply(path, cmYaml('applied', { c: '1' }), 'fieldManager=alice');
  assert.deepEqual(r.json.data, { a: 'z', b: 'y', c: '1' });
  // bob drops b too: nobody owns it, it is removed.
  r = await apply(path, cmYaml('applied', { a: 'z' }), 'fieldManager=bob');
  assert.deepEqual(r.json.data, { a: 'z', c: '1' });
  // A field set by an Update (not applied) is never pruned by an applier.
  await http(cp.url, 'PATCH', `${path}?fieldManager=editor`, { data: { e: '9' } }, 'application/merge-patch+json');
  r = await apply(path, cmYaml('applied', { c: '1' }), 'fieldManager=alice');
  assert.equal(r.json.data.e, '9');

  // Conflict with an updater names its apiVersion.
  r = await apply(path, cmYaml('applied', { e: '10' }), 'fieldManager=alice');
  assert.equal(r.status, 409);
  assert.equal(r.json.message, 'Apply failed with 1 conflict: conflict with "editor" using v1: .data.e');
});

test('apply merges associative lists by their keys and keeps other managers\' items', async () => {
  const path = '/apis/apps/v1/namespaces/default/deployments/lists';
  const dep = (containers: string): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: lists
spec:
  selector:
    matchLabels: {app: lists}
  template:
    metadata:
      labels: {app: lists}
    spec:
      containers:
${containers}`;
  let r = await apply(path, dep('      - name: a\n        image: nginx\n'), 'fieldManager=one');
  assert.equal(r.status, 201, r.text);
  r = await apply(path, dep('      - name: b\n        image: busybox\n'), 'fieldManager=two');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.spec.template.spec.containers.map((c: { name: string }) => c.name), ['a', 'b']);
  // Two managers own the selector and template labels with the same values: no conflict.
  const two = r.json.metadata.managedFields.find((m: { manager: string }) => m.manager === 'two');
  assert.deepEqual(Object.keys(two.fieldsV1['f:spec']['f:template']['f:spec']['f:containers']), ['k:{"name":"b"}']);
  // one drops container a: removed, b stays.
  r = await apply(path, dep('      - name: c\n        image: nginx\n'), 'fieldManager=one');
  assert.deepEqual(r.json.spec.template.spec.containers.map((c: { name: string }) => c.name), ['b', 'c']);
  // A container image owned by another manager conflicts, under its key.
  r = await apply(path, dep('      - name: b\n        image: nginx\n'), 'fieldManager=one');
  assert.equal(r.status, 409);
  assert.equal(r.json.message, 'Apply failed with 1 conflict: conflict with "two": .spec.template.spec.containers[name="b"].image');
});

test('apply: dryRun=All writes nothing; status subresource applies', async () => {
  const path = '/api/v1/namespaces/default/configmaps/dry';
  let r = await apply(path, cmYaml('dry', { a: '1' }), 'fieldManager=dry&dryRun=All');
  assert.equal(r.status, 201);
  assert.equal((await http(cp.url, 'GET', path)).status, 404);
  await apply(path, cmYaml('dry', { a: '1' }), 'fieldManager=dry');
  r = await apply(path, cmYaml('dry', { a: '2' }), 'fieldManager=dry&dryRun=All');
  assert.equal(r.json.data.a, '2');
  assert.equal((await http(cp.url, 'GET', path)).json.data.a, '1');

  await kubectl('create', 'deployment', 'st', '--image=nginx');
  r = await apply('/apis/apps/v1/namespaces/default/deployments/st/status',
    'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: st\nstatus:\n  observedGeneration: 7\n', 'fieldManager=statusctl');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.status.observedGeneration, 7);
  const e = r.json.metadata.managedFields.find((m: { manager: string }) => m.manager === 'statusctl');
  assert.deepEqual([e.operation, e.subresource], ['Apply', 'status']);
});

test('bad apply requests: Kubernetes\' 400s and 422s, never a 500', async () => {
  const path = '/api/v1/namespaces/default/configmaps/bad';
  let r = await apply(path, cmYaml('bad', { a: '1' }), '');
  assert.equal(r.status, 422);
  assert.equal(r.json.message, 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
  r = await apply(path, 'a: [b\n', 'fieldManager=x');
  assert.equal(r.status, 400);
  assert.match(r.json.message, /^error encoding patch: yaml: /);
  r = await apply(path, '- a\n- b\n', 'fieldManager=x');
  assert.equal(r.status, 400);
  assert.equal(r.json.message, 'error decoding patch: json: cannot unmarshal array into Go value of type map[string]interface {}');
  r = await apply(path, 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: bad\n', 'fieldManager=x');
  assert.equal(r.status, 400);
  assert.equal(r.json.message, 'invalid object type: /v1, Kind=Secret');
  r = await apply(path, 'apiVersion: v1\nkind: ConfigMap\ndata:\n  a: "1"\n', 'fieldManager=x');
  assert.equal(r.status, 400);
  assert.equal(r.json.message, 'the name of the object () does not match the name on the URL (bad)');
  r = await apply(path, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\nbogus: 1\n', 'fieldManager=x');
  assert.equal(r.status, 400);
  assert.equal(r.json.message, 'failed to create typed patch object (/bad; /v1, Kind=ConfigMap): .bogus: field not declared in schema');
  r = await apply(path, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\n  managedFields: [{manager: x}]\n', 'fieldManager=x');
  assert.equal(r.status, 400);
  assert.equal(r.json.message, 'metadata.managedFields must be nil');
  r = await apply(path, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\ndata: 5\n', 'fieldManager=x');
  assert.equal(r.status, 400);
  assert.match(r.json.message, /\.data: expected map/);
  r = await http(cp.url, 'PATCH', `${path}?fieldManager=x&force=true`, { data: { a: '1' } }, 'application/merge-patch+json');
  assert.equal(r.status, 422);
  assert.equal(r.json.message, 'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch');
  // Invalid objects are refused by validation, as any write.
  r = await apply('/api/v1/namespaces/default/configmaps/Bad_Name', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n', 'fieldManager=x');
  assert.equal(r.status, 422);
});

test('kubectl apply --server-side, --force-conflicts, over a client-side apply', async () => {
  const f = await file('deploy.yaml', `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ssa
spec:
  replicas: 2
  selector:
    matchLabels: {app: ssa}
  template:
    metadata:
      labels: {app: ssa}
    spec:
      containers:
      - name: web
        image: nginx
`);
  assert.equal(await kubectl('apply', '--server-side', '-f', f), 'deployment.apps/ssa serverside-applied\n');
  let d = await getJson('deployment', 'ssa');
  const mine = d.metadata.managedFields.find((m: { manager: string }) => m.manager === 'kubectl');
  assert.equal(mine.operation, 'Apply');
  assert.deepEqual(mine.fieldsV1['f:spec']['f:replicas'], {});

  // Another manager applies replicas: conflict, as kubectl prints it.
  const g = await file('deploy-other.yaml', `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ssa
spec:
  replicas: 5
`);
  const err = await kubectlFails(cp, 'apply', '--server-side', '--field-manager=other', '-f', g);
  assert.match(err, /Apply failed with 1 conflict: conflict with "kubectl": \.spec\.replicas/);
  assert.equal(await kubectl('apply', '--server-side', '--field-manager=other', '--force-conflicts', '-f', g), 'deployment.apps/ssa serverside-applied\n');
  d = await getJson('deployment', 'ssa');
  assert.equal(d.spec.replicas, 5);
  assert.equal(d.metadata.managedFields.find((m: { manager: string }) => m.manager === 'kubectl').fieldsV1['f:spec']['f:replicas'], undefined);

  // Client-side apply records kubectl-client-side-apply; a changed replicas then
  // conflicts with it under Kubernetes' words.
  const h = await file('csa.yaml', `apiVersion: apps/v1
kind: Deployment
metadata:
  name: csa
spec:
  replicas: 1
  selector:
    matchLabels: {app: csa}
  template:
    metadata:
      labels: {app: csa}
    spec:
      containers:
      - name: web
        image: nginx
`);
  await kubectl('apply', '-f', h);
  const csa = await getJson('deployment', 'csa');
  assert.ok(csa.metadata.managedFields.some((m: { manager: string; operation: string }) => m.manager === 'kubectl-client-side-apply' && m.operation === 'Update'));
  // The same configuration server-side: kubectl takes over what its last-applied set.
  assert.equal(await kubectl('apply', '--server-side', '-f', h), 'deployment.apps/csa serverside-applied\n');
  await kubectl('patch', 'deployment', 'csa', '-p', '{"spec":{"replicas":4}}', '--field-manager=kubectl-client-side-apply');
  const err2 = await kubectlFails(cp, 'apply', '--server-side', '--field-manager=third', '-f', await file('csa2.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: csa\nspec:\n  replicas: 2\n'));
  assert.match(err2, /Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps\/v1: \.spec\.replicas/);
});

test('kubectl diff: exit status 0 when the same, 1 when different', async () => {
  const f = await file('diff.yaml', cmYaml('difftest', { a: '1' }));
  await kubectl('apply', '--server-side', '-f', f);
  let r = await kubectlRun(cp, ['diff', '--server-side', '-f', f]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.equal(r.stdout, '');
  const g = await file('diff2.yaml', cmYaml('difftest', { a: '2' }));
  r = await kubectlRun(cp, ['diff', '--server-side', '-f', g]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /-  a: "1"\n\+  a: "2"/);
  // Nothing was written.
  assert.equal((await getJson('configmap', 'difftest')).data.a, '1');
  // Client-side diff (a server-side dry-run patch) and a new object.
  r = await kubectlRun(cp, ['diff', '-f', f]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  r = await kubectlRun(cp, ['diff', '-f', await file('diff3.yaml', cmYaml('diffnew', { a: '1' }))]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /\+  name: diffnew/);
});

test('kubectl apply --server-side of a Service twice: ports keyed with the default protocol, allocations kept', async () => {
  const f = await file('svc.yaml', `apiVersion: v1
kind: Service
metadata:
  name: ssa-svc
spec:
  selector: {app: x}
  ports:
  - port: 80
    targetPort: 8080
`);
  assert.equal(await kubectl('apply', '--server-side', '-f', f), 'service/ssa-svc serverside-applied\n');
  const first = await getJson('service', 'ssa-svc');
  const mine = first.metadata.managedFields.find((m: { manager: string }) => m.manager === 'kubectl');
  assert.deepEqual(Object.keys(mine.fieldsV1['f:spec']['f:ports']), ['k:{"port":80,"protocol":"TCP"}']);
  assert.ok(first.spec.clusterIP);
  assert.equal(await kubectl('apply', '--server-side', '-f', f), 'service/ssa-svc serverside-applied\n');
  const second = await getJson('service', 'ssa-svc');
  assert.equal(second.metadata.resourceVersion, first.metadata.resourceVersion, 'nothing changed');
  assert.equal(second.spec.clusterIP, first.spec.clusterIP);
});

test('kubectl apply --server-side: cluster-scoped kinds, RBAC, pods, several documents; unchanged on the second run', async () => {
  const f = await file('multi.yaml', `apiVersion: v1
kind: Namespace
metadata:
  name: ssa-ns
  labels: {team: a}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: ssa-reader
rules:
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list]
---
apiVersion: v1
kind: Pod
metadata:
  name: ssa-pod
  namespace: ssa-ns
spec:
  containers:
  - name: main
    image: busybox
    env:
    - {name: A, value: "1"}
`);
  assert.equal(await kubectl('apply', '--server-side', '-f', f),
    'namespace/ssa-ns serverside-applied\nclusterrole.rbac.authorization.k8s.io/ssa-reader serverside-applied\npod/ssa-pod serverside-applied\n');
  const rvs = async (): Promise<string[]> => [
    (await getJson('namespace', 'ssa-ns')).metadata.resourceVersion,
    (await getJson('clusterrole', 'ssa-reader')).metadata.resourceVersion,
    (await getJson('pod', 'ssa-pod', '-n', 'ssa-ns')).metadata.resourceVersion,
  ];
  const before = await rvs();
  await kubectl('apply', '--server-side', '-f', f);
  assert.deepEqual(await rvs(), before);
  const pod = await getJson('pod', 'ssa-pod', '-n', 'ssa-ns');
  const mine = pod.metadata.managedFields.find((m: { manager: string }) => m.manager === 'kubectl');
  assert.deepEqual(mine.fieldsV1['f:spec']['f:containers']['k:{"name":"main"}']['f:env'], { 'k:{"name":"A"}': { '.': {}, 'f:name': {}, 'f:value': {} } });
  const role = await getJson('clusterrole', 'ssa-reader');
  assert.deepEqual(role.metadata.managedFields.find((m: { manager: string }) => m.manager === 'kubectl').fieldsV1, { 'f:rules': {} });
});
