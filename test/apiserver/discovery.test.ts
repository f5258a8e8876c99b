// Discovery, version, health, metrics and OpenAPI endpoints of the real apiserver.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { http } from '../harness/http.js';

let cp: ControlPlane;
const get = (path: string, headers?: Record<string, string>) => http(cp.url, 'GET', path, undefined, undefined, headers);

before(async () => { cp = await startControlPlane(); });
after(async () => { await cp?.stop(); });

test('/version, /healthz, /livez, /readyz', async () => {
  const v = await get('/version');
  assert.equal(v.json.major, '1');
  assert.match(v.json.gitVersion, /^v1\.\d+\.\d+/);
  for (const p of ['/healthz', '/livez', '/readyz']) {
    const r = await get(p);
    assert.equal(r.status, 200, p);
    assert.equal(r.text, 'ok');
  }
  assert.match((await get('/readyz?verbose')).text, /\[\+\]etcd ok/);
});

test('discovery: /api, /api/v1, /apis, /apis/<group>, /apis/<group>/<version>', async () => {
  assert.deepEqual((await get('/api')).json.versions, ['v1']);
  const core = (await get('/api/v1')).json;
  assert.equal(core.kind, 'APIResourceList');
  const pods = core.resources.find((r: { name: string }) => r.name === 'pods');
  assert.deepEqual(pods.shortNames, ['po']);
  assert.ok(pods.verbs.includes('watch'));
  assert.ok(core.resources.some((r: { name: string; kind: string }) => r.name === 'pods/binding' && r.kind === 'Binding'));
  assert.ok(core.resources.some((r: { name: string }) => r.name === 'pods/status'));
  const groups = (await get('/apis')).json;
  assert.deepEqual(groups.groups.map((g: { name: string }) => g.name).sort(), ['admissionregistration.k8s.io', 'apiextensions.k8s.io', 'apiregistration.k8s.io', 'apps', 'authentication.k8s.io', 'authorization.k8s.io', 'autoscaling', 'batch', 'certificates.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io', 'policy', 'rbac.authorization.k8s.io', 'scheduling.k8s.io', 'storage.k8s.io']);
  // The Metrics API is metrics-server's, behind its APIService (test/kubelet/top-e2e.test.ts): none registered here.
  assert.equal((await get('/apis/metrics.k8s.io')).status, 404);
  assert.equal((await get('/apis/metrics.k8s.io/v1beta1')).status, 404);
  const ar = (await get('/apis/apiregistration.k8s.io/v1')).json.resources.map((r: { name: string; kind: string; namespaced: boolean; categories?: string[] }) => [r.name, r.kind, r.namespaced, r.categories]);
  assert.deepEqual(ar, [['apiservices', 'APIService', false, ['api-extensions']], ['apiservices/status', 'APIService', false, undefined]]);
  const rc = core.resources.find((r: { name: string }) => r.name === 'replicationcontrollers');
  assert.deepEqual([rc.kind, rc.shortNames, rc.categories], ['ReplicationController', ['rc'], ['all']]);
  const rcScale = core.resources.find((r: { name: string }) => r.name === 'replicationcontrollers/scale');
  assert.deepEqual([rcScale.group, rcScale.version, rcScale.kind], ['autoscaling', 'v1', 'Scale']);
  const pv = core.resources.find((r: { name: string }) => r.name === 'persistentvolumes');
  assert.deepEqual([pv.kind, pv.shortNames, pv.namespaced], ['PersistentVolume', ['pv'], false]);
  const pvc = core.resources.find((r: { name: string }) => r.name === 'persistentvolumeclaims');
  assert.deepEqual([pvc.kind, pvc.shortNames, pvc.namespaced], ['PersistentVolumeClaim', ['pvc'], true]);
  assert.ok(core.resources.some((r: { name: string }) => r.name === 'persistentvolumeclaims/status'));
  const storage = (await get('/apis/storage.k8s.io/v1')).json.resources;
  assert.deepEqual(storage.map((r: { name: string; kind: string; namespaced: boolean; shortNames: string[] }) => [r.name, r.kind, r.namespaced, r.shortNames]),
    [['storageclasses', 'StorageClass', false, ['sc']]]);
  const admissionregistration = (await get('/apis/admissionregistration.k8s.io/v1')).json.resources;
  assert.deepEqual(admissionregistration.map((r: { name: string; kind: string; namespaced: boolean; categories?: string[] }) => [r.name, r.kind, r.namespaced, r.categories]),
    [['mutatingwebhookconfigurations', 'MutatingWebhookConfiguration', false, ['api-extensions']],
      ['validatingwebhookconfigurations', 'ValidatingWebhookConfiguration', false, ['api-extensions']],
      ['validatingadmissionpolicies', 'ValidatingAdmissionPolicy', false, ['api-extensions']],
      ['validatingadmissionpolicies/status', 'ValidatingAdmissionPolicy', false, undefined],
      ['validatingadmissionpolicybindings', 'ValidatingAdmissionPolicyBinding', false, ['api-extensions']]]);
  const slices = (await get('/apis/discovery.k8s.io/v1')).json.resources;
  assert.deepEqual(slices.map((r: { name: string; kind: string; namespaced: boolean }) => [r.name, r.kind, r.namespaced]), [['endpointslices', 'EndpointSlice', true]]);
  assert.equal((await get('/apis/apps')).json.preferredVersion.groupVersion, 'apps/v1');
  const apps = (await get('/apis/apps/v1')).json;
  const scale = apps.resources.find((r: { name: string }) => r.name === 'deployments/scale');
  assert.deepEqual([scale.group, scale.version, scale.kind], ['autoscaling', 'v1', 'Scale']);
  const byName = (n: string) => apps.resources.find((r: { name: string }) => r.name === n);
  assert.deepEqual([byName('daemonsets').shortNames, byName('daemonsets').categories], [['ds'], ['all']]);
  assert.deepEqual([byName('statefulsets').shortNames, byName('statefulsets').categories], [['sts'], ['all']]);
  assert.equal(byName('statefulsets/scale').kind, 'Scale');
  assert.equal(byName('daemonsets/status').kind, 'DaemonSet');
  assert.equal(byName('daemonsets/scale'), undefined);
  assert.deepEqual([byName('controllerrevisions').kind, byName('controllerrevisions').shortNames], ['ControllerRevision', undefined]);
  const autoscaling = (await get('/apis/autoscaling')).json;
  assert.deepEqual(autoscaling.versions.map((v: { groupVersion: string }) => v.groupVersion), ['autoscaling/v2', 'autoscaling/v1']);
  assert.equal(autoscaling.preferredVersion.groupVersion, 'autoscaling/v2');
  assert.deepEqual((await get('/apis/autoscaling/v1')).json.resources.map((r: { name: string }) => r.name), ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']);
  const hpa = (await get('/apis/autoscaling/v2')).json.resources;
  assert.deepEqual(hpa.map((r: { name: string; kind: string; shortNames?: string[]; categories?: string[] }) => [r.name, r.kind, r.shortNames, r.categories]),
    [['horizontalpodautoscalers', 'HorizontalPodAutoscaler', ['hpa'], ['all']], ['horizontalpodautoscalers/status', 'HorizontalPodAutoscaler', undefined, undefined]]);
  assert.equal((await get('/apis/nope/v1')).status, 404);
});

test('/metrics counts requests by verb, resource and code', async () => {
  await http(cp.url, 'POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'counted' } });
  await get('/api/v1/namespaces/default/configmaps/missing');
  const m = (await get('/metrics')).text;
  assert.match(m, /apiserver_request_total\{verb="create",resource="configmaps",code="201"\} 1/);
  assert.match(m, /apiserver_request_total\{verb="get",resource="configmaps",code="404"\} 1/);
  assert.match(m, /apiserver_request_duration_seconds_bucket\{le="[^"]+",verb="create",resource="configmaps",code="201"\}/);
});

test('OpenAPI v3 root links every group version; v2 answers JSON and protobuf', async () => {
  const root = (await get('/openapi/v3')).json;
  for (const p of ['api/v1', 'apis/apps/v1', 'apis/coordination.k8s.io/v1']) {
    const url = root.paths[p]?.serverRelativeURL;
    assert.match(url, /\?hash=[0-9A-F]+$/, p);
    const doc = await get(url);
    assert.equal(doc.status, 200);
    assert.ok(Object.keys(doc.json.components.schemas).length > 10);
  }
  const v2 = await get('/openapi/v2');
  assert.equal(v2.json.swagger, '2.0');
  const pb = await get('/openapi/v2', { accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' });
  assert.equal(pb.headers['content-type'], 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
});

test('Table responses have the columns kubectl prints', async () => {
  const t = (await get('/api/v1/namespaces', { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' })).json;
  assert.equal(t.kind, 'Table');
  assert.deepEqual(t.columnDefinitions.map((c: { name: string }) => c.name), ['Name', 'Status', 'Age']);
  assert.ok(t.rows.some((r: { cells: string[] }) => r.cells[0] === 'kube-system' && r.cells[1] === 'Active'));
  assert.equal(t.rows[0].object.kind, 'PartialObjectMetadata');
  const y = await get('/api/v1/namespaces/default', { accept: 'application/yaml' });
  // As sigs.k8s.io/yaml writes it: keys sorted, lists not indented under their key.
  assert.match(y.text, /^apiVersion: v1\nkind: Namespace\nmetadata:\n  creationTimestamp: "?[\dTZ:-]+"?\n/);
  assert.match(y.text, /\nspec:\n  finalizers:\n  - kubernetes\nstatus:\n  phase: Active\n$/);
  assert.equal((await get('/api/v1/namespaces', { accept: 'application/vnd.kubernetes.protobuf' })).status, 406);
});

test('HTTPS: the kubeconfig CA verifies the serving certificate; a foreign client certificate is refused', async () => {
  const { request } = await import('undici');
  const { Agent } = await import('undici');
  const ok = await request(`${cp.secureUrl}/version`, { dispatcher: new Agent({ connect: { ca: cp.ca } }) });
  assert.equal(ok.statusCode, 200);
  await ok.body.text();
  // Without credentials only health and version answer.
  const anonymous = await request(`${cp.secureUrl}/api/v1/namespaces`, { dispatcher: new Agent({ connect: { ca: cp.ca } }) });
  assert.equal(anonymous.statusCode, 401);
  await anonymous.body.text();
  await assert.rejects(request(`${cp.secureUrl}/version`, { dispatcher: new Agent({ connect: { ca: undefined } }) }), /certificate/);
  // A client certificate from another CA is a 401 Status.
  const { mkdtemp, rm } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const { loadOrCreateServingCerts, issueClientCert } = await import('../../apiserver/tls.js');
  const other = await mkdtemp(join(tmpdir(), 'tskube-other-ca-'));
  try {
    await loadOrCreateServingCerts(other, []);
    const foreign = await issueClientCert(other, 'mallory', ['system:masters']);
    const res = await request(`${cp.secureUrl}/api/v1/namespaces`, { dispatcher: new Agent({ connect: { ca: cp.ca, cert: foreign.cert, key: foreign.key } }) });
    assert.equal(res.statusCode, 401);
    const body = await res.body.json() as { kind: string; reason: string };
    assert.equal(body.kind, 'Status');
    assert.equal(body.reason, 'Unauthorized');
  } finally {
    await rm(other, { recursive: true, force: true });
  }
});
