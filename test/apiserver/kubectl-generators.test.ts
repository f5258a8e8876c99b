// The real kubectl's generator commands. `create namespace/configmap/secret/deployment/
// service` go through client-go's typed clients and send their bodies as Kubernetes protobuf
// (application/vnd.kubernetes.protobuf); `run` and `expose` send JSON. All must work.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { http } from '../harness/http.js';
import { kubectl as runKubectl } from '../harness/kubectl.js';

let cp: ControlPlane;

const kubectl = (...args: string[]): Promise<string> => runKubectl(cp, ...args);
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test convenience
const getJson = async (...args: string[]): Promise<any> => JSON.parse(await kubectl('get', ...args, '-o', 'json'));

before(async () => { cp = await startControlPlane(); });
after(async () => { await cp?.stop(); });

test('kubectl create namespace', async () => {
  assert.match(await kubectl('create', 'namespace', 'gen'), /namespace\/gen created/);
  const ns = await getJson('namespace', 'gen');
  assert.equal(ns.status.phase, 'Active');
  assert.ok(ns.metadata.uid);
  assert.match(ns.metadata.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
});

test('kubectl create configmap --from-literal', async () => {
  assert.match(await kubectl('create', 'configmap', 'settings', '-n', 'gen', '--from-literal=color=blue', '--from-literal=size=L'), /configmap\/settings created/);
  const cm = await getJson('configmap', 'settings', '-n', 'gen');
  assert.deepEqual(cm.data, { color: 'blue', size: 'L' });
  assert.equal(cm.metadata.namespace, 'gen');
});

test('kubectl create secret generic --from-literal', async () => {
  assert.match(await kubectl('create', 'secret', 'generic', 'creds', '--from-literal=user=admin', '--from-literal=password=s3cr3t!'), /secret\/creds created/);
  const s = await getJson('secret', 'creds');
  assert.equal(s.type, 'Opaque');
  assert.deepEqual(s.data, { user: Buffer.from('admin').toString('base64'), password: Buffer.from('s3cr3t!').toString('base64') });
});

test('kubectl create deployment --image --replicas', async () => {
  assert.match(await kubectl('create', 'deployment', 'web', '--image=nginx', '--replicas=2', '--port=80'), /deployment.apps\/web created/);
  const d = await getJson('deployment', 'web');
  assert.equal(d.spec.replicas, 2);
  assert.deepEqual(d.metadata.labels, { app: 'web' });
  assert.deepEqual(d.spec.selector, { matchLabels: { app: 'web' } });
  assert.deepEqual(d.spec.template.metadata.labels, { app: 'web' });
  const [c] = d.spec.template.spec.containers;
  assert.equal(c.name, 'nginx');
  assert.equal(c.image, 'nginx');
  assert.deepEqual(c.ports, [{ containerPort: 80, protocol: 'TCP' }]);
  // Server-side defaults still apply: the zero values gogo writes are not taken as set.
  assert.equal(d.spec.strategy.type, 'RollingUpdate');
  assert.equal(d.spec.template.spec.restartPolicy, 'Always');
  assert.equal(d.spec.template.spec.dnsPolicy, 'ClusterFirst');
  assert.ok(d.metadata.creationTimestamp);

  assert.match(await kubectl('create', 'deployment', 'idle', '--image=busybox', '--replicas=0', '--', 'sleep', '3600'), /deployment.apps\/idle created/);
  const idle = await getJson('deployment', 'idle');
  assert.equal(idle.spec.replicas, 0);
  assert.deepEqual(idle.spec.template.spec.containers[0].command, ['sleep', '3600']);
});

test('kubectl run --image', async () => {
  assert.match(await kubectl('run', 'box', '--image=busybox', '--labels=tier=tools', '--env=MODE=debug', '--', 'sleep', '60'), /pod\/box created/);
  const p = await getJson('pod', 'box');
  assert.equal(p.spec.containers[0].image, 'busybox');
  assert.deepEqual(p.spec.containers[0].args, ['sleep', '60']);
  assert.deepEqual(p.spec.containers[0].env, [{ name: 'MODE', value: 'debug' }]);
  assert.deepEqual(p.metadata.labels, { tier: 'tools' });
  assert.equal(p.status.phase, 'Pending');
});

test('kubectl expose deployment --port', async () => {
  assert.match(await kubectl('expose', 'deployment', 'web', '--port=80'), /service\/web exposed/);
  const svc = await getJson('service', 'web');
  assert.equal(svc.spec.type, 'ClusterIP');
  assert.deepEqual(svc.spec.selector, { app: 'web' });
  assert.equal(svc.spec.ports.length, 1);
  assert.equal(svc.spec.ports[0].port, 80);
  assert.equal(svc.spec.ports[0].targetPort, 80);
  assert.equal(svc.spec.ports[0].protocol, 'TCP');
  assert.match(svc.spec.clusterIP, /^10\./);
});

test('kubectl create service nodeport and --dry-run=server', async () => {
  assert.match(await kubectl('create', 'service', 'nodeport', 'edge', '--tcp=8080:80'), /service\/edge created/);
  const svc = await getJson('service', 'edge');
  assert.equal(svc.spec.type, 'NodePort');
  assert.deepEqual(svc.spec.selector, { app: 'edge' });
  assert.equal(svc.spec.ports[0].port, 8080);
  assert.equal(svc.spec.ports[0].targetPort, 80);
  assert.ok(svc.spec.ports[0].nodePort >= 30000 && svc.spec.ports[0].nodePort <= 32767);

  assert.match(await kubectl('create', 'configmap', 'ghost', '--from-literal=a=b', '--dry-run=server'), /configmap\/ghost created \(server dry run\)/);
  const missing = await http(cp.url, 'GET', '/api/v1/namespaces/default/configmaps/ghost');
  assert.equal(missing.status, 404);
});

test('a malformed or unsupported protobuf body is a 400 Status', async () => {
  const bad = await http(cp.url, 'POST', '/api/v1/namespaces/default/configmaps', Buffer.from('k8s\0\x0a\x7f'), 'application/vnd.kubernetes.protobuf');
  assert.equal(bad.status, 400);
  assert.equal(bad.json.kind, 'Status');
  assert.equal(bad.json.reason, 'BadRequest');
  assert.match(bad.json.message, /could not be decoded as protobuf/);
  // runtime.Unknown{typeMeta{apiVersion "policy/v1", kind "PodDisruptionBudget"}, raw ""}
  const pdb = Buffer.concat([Buffer.from('k8s\0'), Buffer.from([0x0a, 0x20, 0x0a, 0x09]), Buffer.from('policy/v1'), Buffer.from([0x12, 0x13]), Buffer.from('PodDisruptionBudget'), Buffer.from([0x12, 0x00])]);
  const unsupported = await http(cp.url, 'POST', '/api/v1/namespaces/default/configmaps', pdb, 'application/vnd.kubernetes.protobuf');
  assert.equal(unsupported.status, 400);
  assert.match(unsupported.json.message, /protobuf encoding is not supported for kind PodDisruptionBudget/);
  // The apiserver is still fine.
  assert.equal((await http(cp.url, 'GET', '/healthz')).status, 200);
});
