// DefaultTolerationSeconds admission against the real apiserver: pods that do not
// tolerate node.kubernetes.io/not-ready and /unreachable NoExecute taints get
// tolerations of them, for the seconds the apiserver's flags say, on create and on
// updates of the pod; the real kubectl shows them.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { componentCommand, startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { http } from '../harness/http.js';
import { kubectl as runKubectl } from '../harness/kubectl.js';

let cp: ControlPlane;
// The unreachable one is set, the not-ready one left at its default (300).
before(async () => { cp = await startControlPlane({ args: ['--default-unreachable-toleration-seconds', '120'] }); });
after(async () => { await cp?.stop(); });

const PODS = '/api/v1/namespaces/default/pods';
const NOT_READY = { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 };
const UNREACHABLE = { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 120 };

type Toleration = Record<string, unknown>;
async function created(name: string, tolerations?: Toleration[]): Promise<Toleration[]> {
  const r = await http(cp.url, 'POST', PODS, {
    apiVersion: 'v1', kind: 'Pod', metadata: { name },
    spec: { containers: [{ name: 'c', image: 'busybox' }], ...(tolerations ? { tolerations } : {}) },
  });
  assert.equal(r.status, 201, r.text);
  return r.json.spec.tolerations;
}

test('a pod without tolerations gets both, with the configured seconds', async () => {
  assert.deepEqual(await created('plain'), [NOT_READY, UNREACHABLE]);
  // The toleration's fields in Go's order, as kube-apiserver writes them.
  const text = (await http(cp.url, 'GET', `${PODS}/plain`)).text;
  assert.match(text, /"tolerations":\[\{"key":"node.kubernetes.io\/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300\},/);
});

test('a pod that already tolerates a taint keeps its own toleration and gets only the other', async () => {
  const own = { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 };
  assert.deepEqual(await created('own-not-ready', [own]), [own, UNREACHABLE]);
  const forever = { key: 'node.kubernetes.io/unreachable', operator: 'Exists' };
  assert.deepEqual(await created('forever-unreachable', [forever]), [forever, NOT_READY]);
  // An empty key tolerates every taint, an empty effect every effect.
  assert.deepEqual(await created('everything', [{ operator: 'Exists' }]), [{ operator: 'Exists' }]);
  assert.deepEqual(await created('every-noexecute', [{ operator: 'Exists', effect: 'NoExecute' }]), [{ operator: 'Exists', effect: 'NoExecute' }]);
  // Another effect does not count.
  const noSchedule = { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoSchedule' };
  assert.deepEqual(await created('no-schedule', [noSchedule]), [noSchedule, NOT_READY, UNREACHABLE]);
});

test('an update of the pod that leaves the tolerations out gets them back; status writes are not admitted', async () => {
  const pod = (await http(cp.url, 'GET', `${PODS}/plain`)).json;
  delete pod.spec.tolerations;
  const put = await http(cp.url, 'PUT', `${PODS}/plain`, pod);
  // Without admission this would be a 422: existing tolerations may not be removed.
  assert.equal(put.status, 200, put.text);
  assert.deepEqual(put.json.spec.tolerations, [NOT_READY, UNREACHABLE]);
  assert.equal(put.json.metadata.resourceVersion, pod.metadata.resourceVersion, 'nothing changed, nothing written');
  const status = await http(cp.url, 'PATCH', `${PODS}/plain/status`, { status: { message: 'hi' } }, 'application/merge-patch+json');
  assert.equal(status.status, 200, status.text);
  assert.deepEqual(status.json.spec.tolerations, [NOT_READY, UNREACHABLE]);
});

test('kubectl run and kubectl describe show the tolerations', async () => {
  await runKubectl(cp, 'run', 'shown', '--image=busybox');
  const tolerations = JSON.parse(await runKubectl(cp, 'get', 'pod', 'shown', '-o', 'jsonpath={.spec.tolerations}'));
  assert.deepEqual(tolerations, [NOT_READY, UNREACHABLE]);
  const described = await runKubectl(cp, 'describe', 'pod', 'shown');
  assert.match(described, /^Tolerations: +node\.kubernetes\.io\/not-ready:NoExecute op=Exists for 300s\n +node\.kubernetes\.io\/unreachable:NoExecute op=Exists for 120s$/m);
});

test('the flags are documented and refuse what is not an integer', () => {
  const help = spawnSync(process.execPath, [...componentCommand('apiserver'), '--help'], { encoding: 'utf8' });
  assert.match(help.stdout, /--default-not-ready-toleration-seconds <seconds>/);
  assert.match(help.stdout, /--default-unreachable-toleration-seconds <seconds>/);
  const bad = spawnSync(process.execPath, [...componentCommand('apiserver'), '--default-not-ready-toleration-seconds', '5m'], { encoding: 'utf8' });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /--default-not-ready-toleration-seconds <seconds>' argument '5m' is invalid\. strconv\.ParseInt: parsing "5m": invalid syntax/);
});
