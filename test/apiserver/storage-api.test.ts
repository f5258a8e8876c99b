// core/v1 PersistentVolumes and PersistentVolumeClaims and storage.k8s.io/v1
// StorageClasses against the real apiserver and the real kubectl: defaults, the
// DefaultStorageClass and StorageObjectInUseProtection admission plugins, validation with
// Kubernetes' messages, the status subresource, Table columns and kubectl explain.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { http } from '../harness/http.js';
import { kubectl as runKubectl } from '../harness/kubectl.js';
import { waitFor } from '../harness/processes.js';

let cp: ControlPlane;
before(async () => { cp = await startControlPlane(); });
after(async () => { await cp?.stop(); });

const kubectl = (...args: string[]): Promise<string> => runKubectl(cp, ...args);
const api = (method: string, path: string, body?: unknown, type?: string) => http(cp.url, method, path, body, type);
const PVS = '/api/v1/persistentvolumes';
const PVCS = '/api/v1/namespaces/default/persistentvolumeclaims';
const SCS = '/apis/storage.k8s.io/v1/storageclasses';

type Json = Record<string, unknown>;
const pv = (name: string, spec: Json = {}): Json => ({
  apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name },
  spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: `/tmp/${name}` }, ...spec },
});
const pvc = (name: string, spec: Json = {}): Json => ({
  apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '500Mi' } }, ...spec },
});
const sc = (name: string, fields: Json = {}, annotations: Record<string, string> = {}): Json =>
  ({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name, annotations }, provisioner: 'example.com/disk', ...fields });

/** The causes of a 422, as [field, message] pairs. */
async function invalid(method: string, path: string, body: Json): Promise<[string, string][]> {
  const r = await api(method, path, body);
  assert.equal(r.status, 422, r.text);
  return r.json.details.causes.map((c: { field: string; message: string }) => [c.field, c.message]);
}

test('a PersistentVolume gets Retain, Filesystem, phase Pending with its transition time, and the pv-protection finalizer', async () => {
  const r = await api('POST', PVS, pv('pv-defaults', { capacity: { storage: '1024Mi' } }));
  assert.equal(r.status, 201, r.text);
  const v = r.json;
  assert.equal(v.spec.persistentVolumeReclaimPolicy, 'Retain');
  assert.equal(v.spec.volumeMode, 'Filesystem');
  assert.equal(v.spec.capacity.storage, '1Gi');
  assert.equal(v.status.phase, 'Pending');
  assert.match(v.status.lastPhaseTransitionTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.deepEqual(v.metadata.finalizers, ['kubernetes.io/pv-protection']);
  assert.equal(v.metadata.namespace, undefined);

  // A create cannot set its own status; the status subresource can, and stamps the change.
  const withStatus = await api('POST', PVS, { ...pv('pv-status'), status: { phase: 'Bound' } });
  assert.equal(withStatus.json.status.phase, 'Pending');
  const moved = await api('PUT', `${PVS}/pv-status/status`, { ...withStatus.json, status: { phase: 'Available' } });
  assert.equal(moved.status, 200, moved.text);
  assert.equal(moved.json.status.phase, 'Available');
  assert.ok(moved.json.status.lastPhaseTransitionTime);
  const bad = await invalid('PUT', `${PVS}/pv-status/status`, { ...moved.json, status: { phase: 'Gone' } });
  assert.deepEqual(bad, [['status.phase', 'Unsupported value: "Gone": supported values: "Available", "Bound", "Failed", "Pending", "Released"']]);
});

test('PersistentVolume validation: access modes, capacity, exactly one source, local needs node affinity, the source is immutable', async () => {
  assert.deepEqual(await invalid('POST', PVS, { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv-empty' }, spec: {} }), [
    ['spec.accessModes', 'Required value: must specify at least 1 access mode'],
    ['spec.capacity', 'Required value'],
    ['spec', 'Invalid value: map[string]string{}: must specify a volume type'],
  ]);
  assert.deepEqual(await invalid('POST', PVS, pv('pv-two', { nfs: { server: 'nfs.example', path: '/export' }, accessModes: ['ReadWriteSometimes'] })), [
    ['spec.accessModes', 'Unsupported value: "ReadWriteSometimes": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"'],
    ['spec.nfs', 'Forbidden: may not specify more than 1 volume type'],
  ]);
  assert.deepEqual(await invalid('POST', PVS, pv('pv-local', { hostPath: undefined, local: { path: '/mnt/disk' }, persistentVolumeReclaimPolicy: 'Keep' })), [
    ['spec.persistentVolumeReclaimPolicy', 'Unsupported value: "Keep": supported values: "Delete", "Recycle", "Retain"'],
    ['spec.nodeAffinity', 'Required value: Local volume requires node affinity'],
  ]);
  const created = await api('POST', PVS, pv('pv-immutable'));
  assert.equal(created.status, 201, created.text);
  const changed = await invalid('PUT', `${PVS}/pv-immutable`, { ...created.json, spec: { ...created.json.spec, hostPath: { path: '/elsewhere', type: '' } } });
  assert.deepEqual(changed, [['spec.persistentvolumesource', 'Forbidden: spec.persistentvolumesource is immutable after creation']]);
});

test('StorageClasses: Delete and Immediate by default, validation, immutable parameters, provisioner and reclaim policy', async () => {
  const r = await api('POST', SCS, sc('sc-plain'));
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.reclaimPolicy, 'Delete');
  assert.equal(r.json.volumeBindingMode, 'Immediate');
  assert.deepEqual(await invalid('POST', SCS, sc('sc-bad', { provisioner: '', reclaimPolicy: 'Recycle', volumeBindingMode: 'Later' })), [
    ['provisioner', 'Required value'],
    ['reclaimPolicy', 'Unsupported value: "Recycle": supported values: "Delete", "Retain"'],
    ['volumeBindingMode', 'Unsupported value: "Later": supported values: "Immediate", "WaitForFirstConsumer"'],
  ]);
  const upd = await invalid('PUT', `${SCS}/sc-plain`, { ...r.json, provisioner: 'other.example/x', parameters: { a: 'b' }, reclaimPolicy: 'Retain', volumeBindingMode: 'WaitForFirstConsumer' });
  assert.deepEqual(upd, [
    ['parameters', 'Forbidden: updates to parameters are forbidden.'],
    ['provisioner', 'Forbidden: updates to provisioner are forbidden.'],
    ['reclaimPolicy', 'Forbidden: updates to reclaimPolicy are forbidden.'],
    ['volumeBindingMode', 'Invalid value: "WaitForFirstConsumer": field is immutable'],
  ]);
});

test('a claim gets the default StorageClass (the newest default), Pending, Filesystem and the pvc-protection finalizer; "" stays ""', async () => {
  assert.equal((await api('POST', SCS, sc('sc-old-default', {}, { 'storageclass.kubernetes.io/is-default-class': 'true' }))).status, 201);
  // Creation timestamps have a one-second resolution: the newer default must be a second younger.
  await new Promise((r) => setTimeout(r, 1100));
  assert.equal((await api('POST', SCS, sc('sc-default', { volumeBindingMode: 'WaitForFirstConsumer' }, { 'storageclass.kubernetes.io/is-default-class': 'true' }))).status, 201);
  // Admission reads the classes from the watch cache, which may lag the create just answered
  // (as kube-apiserver's informer does): dry runs go through admission until it sees the new one.
  await waitFor(async () => (await api('POST', `${PVCS}?dryRun=All`, pvc('claim-default'))).json?.spec?.storageClassName === 'sc-default', { what: 'admission to see sc-default' });
  const r = await api('POST', PVCS, pvc('claim-default'));
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.spec.storageClassName, 'sc-default');
  assert.equal(r.json.spec.volumeMode, 'Filesystem');
  assert.deepEqual(r.json.status, { phase: 'Pending' });
  assert.deepEqual(r.json.metadata.finalizers, ['kubernetes.io/pvc-protection']);
  const none = await api('POST', PVCS, pvc('claim-no-class', { storageClassName: '' }));
  assert.equal(none.json.spec.storageClassName, '');
  const named = await api('POST', PVCS, pvc('claim-named', { storageClassName: 'sc-plain' }));
  assert.equal(named.json.spec.storageClassName, 'sc-plain');
  // The claim is held by its finalizer: DELETE marks it, the protection controller would release it.
  const del = await api('DELETE', `${PVCS}/claim-named`);
  assert.equal(del.status, 202, del.text);
  assert.ok(del.json.metadata.deletionTimestamp);
  assert.equal((await api('GET', `${PVCS}/claim-named`)).status, 200);
  await api('DELETE', `${SCS}/sc-old-default`);
});

test('PersistentVolumeClaim validation: access modes and a positive storage request; the spec is immutable but for a bound claim\'s requests', async () => {
  assert.deepEqual(await invalid('POST', PVCS, { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'claim-empty' }, spec: {} }), [
    ['spec.accessModes', 'Required value: at least 1 access mode is required'],
    ['spec.resources[storage]', 'Required value'],
  ]);
  assert.deepEqual(await invalid('POST', PVCS, pvc('claim-zero', { resources: { requests: { storage: '0' } }, volumeMode: 'Raw' })), [
    ['spec.resources[storage]', 'Invalid value: "0": must be greater than zero'],
    ['spec.volumeMode', 'Unsupported value: "Raw": supported values: "Block", "Filesystem"'],
  ]);
  const created = (await api('POST', PVCS, pvc('claim-update', { storageClassName: '' }))).json;
  const grow = { ...created, spec: { ...created.spec, resources: { requests: { storage: '1Gi' } } } };
  assert.deepEqual(await invalid('PUT', `${PVCS}/claim-update`, grow), [
    ['spec', 'Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims'],
  ]);
  // Binding (setting volumeName once) is allowed.
  const bound = await api('PUT', `${PVCS}/claim-update`, { ...created, spec: { ...created.spec, volumeName: 'pv-x' } });
  assert.equal(bound.status, 200, bound.text);
  const st = await api('PUT', `${PVCS}/claim-update/status`, { ...bound.json, status: { phase: 'Bound', capacity: { storage: '500Mi' }, accessModes: ['ReadWriteOnce'] } });
  assert.equal(st.status, 200, st.text);
  const expanded = await api('PUT', `${PVCS}/claim-update`, { ...st.json, spec: { ...st.json.spec, resources: { requests: { storage: '1Gi' } } } });
  assert.equal(expanded.status, 200, expanded.text);
  assert.deepEqual(await invalid('PUT', `${PVCS}/claim-update`, { ...expanded.json, spec: { ...expanded.json.spec, resources: { requests: { storage: '100Mi' } } } }), [
    ['spec.resources.requests.storage', 'Forbidden: field can not be less than previous value'],
  ]);
});

test('kubectl get prints Kubernetes\' columns for pv, pvc and sc; explain knows the kinds', async () => {
  const claim = (await api('GET', `${PVCS}/claim-update`)).json;
  await api('POST', PVS, pv('pv-table', { storageClassName: 'sc-plain', persistentVolumeReclaimPolicy: 'Delete', claimRef: { namespace: 'default', name: 'claim-update' } }));
  const pvs = await kubectl('get', 'pv', 'pv-table', '-o', 'wide');
  const [head, row] = pvs.trim().split('\n');
  assert.deepEqual(head.split(/\s{2,}/), ['NAME', 'CAPACITY', 'ACCESS MODES', 'RECLAIM POLICY', 'STATUS', 'CLAIM', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'REASON', 'AGE', 'VOLUMEMODE']);
  assert.match(row, /^pv-table\s+1Gi\s+RWO\s+Delete\s+Pending\s+default\/claim-update\s+sc-plain\s+<unset>\s+\S+\s+Filesystem$/);
  const pvcs = await kubectl('get', 'pvc', '-o', 'wide');
  assert.deepEqual(pvcs.split('\n')[0].split(/\s{2,}/), ['NAME', 'STATUS', 'VOLUME', 'CAPACITY', 'ACCESS MODES', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'AGE', 'VOLUMEMODE']);
  assert.match(pvcs, new RegExp(`\\n${claim.metadata.name}\\s+Bound\\s+pv-x\\s+500Mi\\s+RWO\\s+<unset>\\s+\\S+\\s+Filesystem\\n`));
  assert.match(pvcs, /\nclaim-default\s+Pending\s+sc-default\s+<unset>\s+\S+\s+Filesystem\n/);
  assert.match(pvcs, /\nclaim-named\s+Terminating\s+sc-plain\s+/);
  const scs = await kubectl('get', 'sc');
  assert.deepEqual(scs.split('\n')[0].split(/\s{2,}/), ['NAME', 'PROVISIONER', 'RECLAIMPOLICY', 'VOLUMEBINDINGMODE', 'ALLOWVOLUMEEXPANSION', 'AGE']);
  assert.match(scs, /\nsc-default \(default\)\s+example\.com\/disk\s+Delete\s+WaitForFirstConsumer\s+false\s+\S+\n/);
  assert.match(scs, /\nsc-plain\s+example\.com\/disk\s+Delete\s+Immediate\s+false\s+/);
  assert.match(await kubectl('explain', 'pvc.spec.storageClassName'), /storageClassName is the name of the StorageClass required by the claim/);
  assert.match(await kubectl('explain', 'storageclass.volumeBindingMode'), /volumeBindingMode indicates how PersistentVolumeClaims should be provisioned/);
  assert.match(await kubectl('explain', 'pv.spec.hostPath'), /hostPath represents a directory on the host/);
  assert.match(await kubectl('get', 'sc', 'sc-plain', '-o', 'name'), /^storageclass\.storage\.k8s\.io\/sc-plain$/m);
});
