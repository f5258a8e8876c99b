// Custom resources and the controllers that work on every kind from discovery, in a
// real kube-controller-manager against the real apiserver: the garbage collector
// notices a CRD created after it started and deletes a custom object whose owner is
// gone (and an object owned by a custom one), and the namespace controller empties a
// deleted namespace of custom objects.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { startControllerManager, type ControllerManagerHandle } from '../harness/controllers.js';
import { http } from '../harness/http.js';
import { waitFor } from '../harness/processes.js';

let cp: ControlPlane;
let cm: ControllerManagerHandle;

const api = (method: string, path: string, body?: unknown, contentType?: string) => http(cp.url, method, path, body, contentType);
// The namespace controller waits 5 s after a namespace event; the collector re-reads discovery each second here.
const TIMEOUT_MS = 40_000;

before(async () => {
  cp = await startControlPlane();
  cm = await startControllerManager(cp, ['--controllers', 'garbage-collector-controller,namespace-controller', '--gc-discovery-sync-period', '1s']);
  // Created after the controller manager started: it must discover the new kind.
  const crd = await api('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.acme.example.com' },
    spec: {
      group: 'acme.example.com', scope: 'Namespaced', names: { plural: 'widgets', kind: 'Widget' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
    },
  });
  assert.equal(crd.status, 201, crd.text);
  await waitFor(async () => (await api('GET', '/apis/acme.example.com/v1/widgets')).status === 200, { timeoutMs: 5000, what: 'widgets served' });
});
after(async () => {
  await cm?.stop();
  await cp?.stop();
});

const widgets = (ns: string): string => `/apis/acme.example.com/v1/namespaces/${ns}/widgets`;
const widget = (name: string, extra: Record<string, unknown> = {}) => ({ apiVersion: 'acme.example.com/v1', kind: 'Widget', metadata: { name, ...extra }, size: 1 });

test('the garbage collector deletes a custom object whose owner is gone, and what a custom object owns', async () => {
  const owner = await api('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owner' } });
  assert.equal(owner.status, 201);
  const ref = { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.json.metadata.uid };
  const child = await api('POST', widgets('default'), widget('child', { ownerReferences: [ref] }));
  assert.equal(child.status, 201, child.text);
  const parent = await api('POST', widgets('default'), widget('parent'));
  const grandchild = await api('POST', '/api/v1/namespaces/default/configmaps', {
    apiVersion: 'v1', kind: 'ConfigMap',
    metadata: { name: 'grandchild', ownerReferences: [{ apiVersion: 'acme.example.com/v1', kind: 'Widget', name: 'parent', uid: parent.json.metadata.uid }] },
  });
  assert.equal(grandchild.status, 201);
  assert.equal((await api('DELETE', '/api/v1/namespaces/default/configmaps/owner')).status, 200);
  assert.equal((await api('DELETE', `${widgets('default')}/parent`)).status, 200);
  await waitFor(async () => (await api('GET', `${widgets('default')}/child`)).status === 404, { timeoutMs: TIMEOUT_MS, what: 'the orphaned widget collected' });
  await waitFor(async () => (await api('GET', '/api/v1/namespaces/default/configmaps/grandchild')).status === 404, { timeoutMs: TIMEOUT_MS, what: 'the widget\'s dependent collected' });
});

test('foreground deletion of a custom owner waits for its custom dependents', async () => {
  const owner = await api('POST', widgets('default'), widget('fg-owner'));
  const dep = await api('POST', widgets('default'), widget('fg-dep', {
    ownerReferences: [{ apiVersion: 'acme.example.com/v1', kind: 'Widget', name: 'fg-owner', uid: owner.json.metadata.uid, blockOwnerDeletion: true }],
  }));
  assert.equal(dep.status, 201, dep.text);
  const del = await api('DELETE', `${widgets('default')}/fg-owner`, { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Foreground' });
  assert.ok(del.status === 200 || del.status === 202, del.text);
  await waitFor(async () => (await api('GET', `${widgets('default')}/fg-owner`)).status === 404, { timeoutMs: TIMEOUT_MS, what: 'the foreground owner gone' });
  assert.equal((await api('GET', `${widgets('default')}/fg-dep`)).status, 404);
});

test('deleting a namespace deletes the custom objects in it, then the namespace', async () => {
  assert.equal((await api('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } })).status, 201);
  assert.equal((await api('POST', widgets('team'), widget('w1'))).status, 201);
  assert.equal((await api('POST', widgets('team'), widget('w2'))).status, 201);
  assert.ok((await api('DELETE', '/api/v1/namespaces/team')).status < 300);
  await waitFor(async () => (await api('GET', '/api/v1/namespaces/team')).status === 404, { timeoutMs: TIMEOUT_MS, what: 'namespace team gone' });
  const left = (await api('GET', widgets('team'))).json;
  assert.deepEqual(left.items, []);
});
