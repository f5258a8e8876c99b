// Persistent volumes end to end with the real parts: etcd, the apiserver (its
// DefaultStorageClass and StorageObjectInUseProtection admission), the controller
// manager (PV binder, PVC and PV protection, local-path provisioner), the scheduler
// (VolumeBinding) and a hollow kubelet of 2 nodes whose local-path helper pods succeed.
// A claim of the default `local-path` class stays Pending until a pod uses it, then is
// bound to a volume pinned to the pod's node; deleting the claim deletes the volume
// under Delete (after its helper pod), leaves it Released under Retain; the protection
// finalizer keeps a used claim until its pod is gone; a static volume binds at once; a
// pod whose claim does not exist stays unschedulable with Kubernetes' message.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Event, PersistentVolume, PersistentVolumeClaim, Pod } from '../../api/types/core.js';
import type { StorageClass } from '../../api/types/storage.js';
import { informerFor } from '../../client/informer.js';
import { resourceClient } from '../../client/resource-client.js';
import type { RestClient } from '../../client/rest-client.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { adminClient, startControllerManager, startScheduler, type ControllerManagerHandle } from '../harness/controllers.js';
import { HollowKubelet } from '../harness/hollow-kubelet.js';
import { kubectl } from '../harness/kubectl.js';
import { waitFor, type ChildHandle } from '../harness/processes.js';

const TIMEOUT = 30_000;
const NS = 'default';
let cp: ControlPlane;
let rest: RestClient;
let hollow: HollowKubelet;
let scheduler: ChildHandle;
let cm: ControllerManagerHandle;
let root: string;

const claims = () => resourceClient<PersistentVolumeClaim>(rest, 'persistentvolumeclaims');
const volumes = () => resourceClient<PersistentVolume>(rest, 'persistentvolumes');
const pods = () => resourceClient<Pod>(rest, 'pods');
const classes = () => resourceClient<StorageClass>(rest, 'storageclasses');

const claim = (name: string, storageClassName?: string): PersistentVolumeClaim => ({
  apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: NS },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '128Mi' } }, ...(storageClassName !== undefined ? { storageClassName } : {}) },
});
const podUsing = (name: string, claimName: string): Pod => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS },
  spec: {
    terminationGracePeriodSeconds: 0,
    containers: [{ name: 'c', image: 'busybox', volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
    volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }],
  },
});

const getOrUndefined = async <T>(p: Promise<T>): Promise<T | undefined> => p.catch(() => undefined);

async function eventsFor(kind: string, name: string): Promise<Event[]> {
  const list = await resourceClient<Event>(rest, 'events').list(NS);
  return list.items.filter((e) => e.involvedObject?.kind === kind && e.involvedObject.name === name);
}

async function boundClaim(name: string): Promise<{ pvc: PersistentVolumeClaim; pv: PersistentVolume }> {
  let pvc: PersistentVolumeClaim | undefined;
  await waitFor(async () => {
    pvc = await claims().get(NS, name);
    return pvc.status?.phase === 'Bound';
  }, { timeoutMs: TIMEOUT, what: `claim ${name} Bound (last: ${JSON.stringify(pvc?.status)} ${JSON.stringify(pvc?.metadata.annotations)})` });
  const pv = await volumes().get('', pvc!.spec!.volumeName!);
  return { pvc: pvc!, pv };
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'tskube-local-path-'));
  cp = await startControlPlane();
  rest = adminClient(cp);
  hollow = new HollowKubelet({
    rest, nodes: ['pvi-0', 'pvi-1'], labels: (n) => ({ 'kubernetes.io/hostname': n }),
    // The provisioner's helper pods run to completion; everything else keeps running.
    podPhase: (p) => (p.metadata.name?.startsWith('helper-pod-') ? 'Succeeded' : 'Running'),
  });
  await hollow.start();
  scheduler = startScheduler(cp);
  cm = await startControllerManager(cp, [
    '--controllers', 'persistentvolume-binder-controller,persistentvolumeclaim-protection-controller,persistentvolume-protection-controller,local-path-provisioner',
    '--local-path-root', root,
  ]);
});

after(async () => {
  await cm?.stop();
  await scheduler?.stop();
  await hollow?.stop();
  await rest?.close();
  await cp?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('the local-path StorageClass', () => {
  it('exists at start, marked default, WaitForFirstConsumer with the rancher.io/local-path provisioner', async () => {
    await waitFor(async () => (await getOrUndefined(classes().get('', 'local-path'))) !== undefined, { timeoutMs: TIMEOUT, what: 'the local-path class' });
    const out = await kubectl(cp, 'get', 'storageclass');
    assert.match(out, /\nlocal-path \(default\)\s+rancher\.io\/local-path\s+Delete\s+WaitForFirstConsumer\s+false\s+/);
  });
});

describe('a claim of the default class', () => {
  it('stays Pending until a pod uses it, then binds to a volume on the pod\'s node', async () => {
    const created = await claims().create(NS, claim('data'));
    assert.equal(created.spec?.storageClassName, 'local-path');
    await waitFor(async () => (await eventsFor('PersistentVolumeClaim', 'data')).some((e) => e.reason === 'WaitForFirstConsumer'),
      { timeoutMs: TIMEOUT, what: 'the WaitForFirstConsumer event' });
    const pending = await claims().get(NS, 'data');
    assert.equal(pending.status?.phase, 'Pending');
    assert.equal(pending.spec?.volumeName, undefined);
    assert.equal((await volumes().list()).items.length, 0);

    await pods().create(NS, podUsing('user', 'data'));
    const { pvc, pv } = await boundClaim('data');
    const pod = await pods().get(NS, 'user');
    await waitFor(async () => (await pods().get(NS, 'user')).spec?.nodeName !== undefined, { timeoutMs: TIMEOUT, what: 'the pod bound' });
    const node = (await pods().get(NS, 'user')).spec?.nodeName;
    assert.ok(node === 'pvi-0' || node === 'pvi-1', `pod on ${node} (${JSON.stringify(pod.status)})`);
    assert.equal(pvc.metadata.annotations?.['volume.kubernetes.io/selected-node'], node);
    assert.equal(pvc.metadata.annotations?.['volume.kubernetes.io/storage-provisioner'], 'rancher.io/local-path');
    assert.equal(pvc.metadata.annotations?.['pv.kubernetes.io/bind-completed'], 'yes');
    assert.deepEqual(pvc.status?.capacity, { storage: '128Mi' });
    assert.deepEqual(pvc.status?.accessModes, ['ReadWriteOnce']);
    assert.equal(pv.metadata.name, `pvc-${pvc.metadata.uid}`);
    assert.equal(pv.status?.phase, 'Bound');
    assert.equal(pv.spec?.persistentVolumeReclaimPolicy, 'Delete');
    assert.equal(pv.spec?.hostPath?.path, join(root, `${pv.metadata.name}_${NS}_data`));
    assert.deepEqual(pv.spec?.nodeAffinity?.required?.nodeSelectorTerms?.[0].matchExpressions, [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }]);
    assert.deepEqual(pv.metadata.finalizers, ['kubernetes.io/pv-protection']);
    assert.equal(pv.spec?.claimRef?.uid, pvc.metadata.uid);
    await waitFor(async () => (await pods().get(NS, 'user')).status?.phase === 'Running', { timeoutMs: TIMEOUT, what: 'the pod Running' });
    // The helper pod that made the directory is gone.
    await waitFor(async () => (await pods().list('kube-system')).items.every((p) => !p.metadata.name?.startsWith('helper-pod-create-')),
      { timeoutMs: TIMEOUT, what: 'the create helper pod removed' });
    const table = await kubectl(cp, 'get', 'pvc', 'data');
    assert.match(table, new RegExp(`\\ndata\\s+Bound\\s+${pv.metadata.name}\\s+128Mi\\s+RWO\\s+local-path\\s+<unset>\\s+`));
  });

  it('is kept by its finalizer while a pod uses it; once the pod is gone the claim goes and, under Delete, its volume too', async () => {
    const { pv } = await boundClaim('data');
    // Every helper pod the provisioner runs, as a watch of kube-system sees them.
    const helpers: Pod[] = [];
    const seen = informerFor<Pod>(rest, 'pods', { namespace: 'kube-system' });
    seen.addEventHandler({ add: (p) => { helpers.push(p); } });
    const stopWatch = new AbortController();
    void seen.run(stopWatch.signal);
    await seen.waitForSync();
    await claims().delete(NS, 'data');
    const held = await claims().get(NS, 'data');
    assert.ok(held.metadata.deletionTimestamp);
    assert.deepEqual(held.metadata.finalizers, ['kubernetes.io/pvc-protection']);
    assert.match(await kubectl(cp, 'get', 'pvc', 'data'), /\ndata\s+Terminating\s+/);
    // A new pod cannot use a claim being deleted.
    await pods().create(NS, podUsing('late', 'data'));
    await waitFor(async () => (await pods().get(NS, 'late')).status?.conditions?.some((c) => c.type === 'PodScheduled' && c.message?.includes('persistentvolumeclaim "data" is being deleted')) === true,
      { timeoutMs: TIMEOUT, what: 'the late pod unschedulable' });
    await pods().delete(NS, 'late', { gracePeriodSeconds: 0 });
    assert.ok(await getOrUndefined(claims().get(NS, 'data')), 'still held while the pod runs');

    await pods().delete(NS, 'user', { gracePeriodSeconds: 0 });
    await waitFor(async () => (await getOrUndefined(claims().get(NS, 'data'))) === undefined, { timeoutMs: TIMEOUT, what: 'the claim gone' });
    // Released, torn down on its node by a helper pod, then deleted (the pv-protection finalizer let go).
    await waitFor(async () => (await getOrUndefined(volumes().get('', pv.metadata.name!))) === undefined, { timeoutMs: TIMEOUT, what: 'the volume deleted' });
    stopWatch.abort();
    const teardown = helpers.find((p) => p.metadata.name === `helper-pod-delete-${pv.metadata.name}`);
    assert.ok(teardown, `a delete helper pod ran (saw ${helpers.map((p) => p.metadata.name).join(', ')})`);
    assert.equal(teardown.spec?.nodeName, pv.spec?.nodeAffinity?.required?.nodeSelectorTerms?.[0].matchExpressions?.[0].values?.[0]);
    assert.deepEqual(teardown.spec?.containers[0].env?.[0], { name: 'VOL_DIR', value: pv.spec?.hostPath?.path });
    // It is removed once done.
    await waitFor(async () => (await getOrUndefined(pods().get('kube-system', teardown.metadata.name!))) === undefined, { timeoutMs: TIMEOUT, what: 'the delete helper pod removed' });
  });
});

describe('reclaim policy Retain', () => {
  it('leaves the volume Released with its claimRef when its claim is deleted', async () => {
    await classes().create('', {
      apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'keep' },
      provisioner: 'rancher.io/local-path', reclaimPolicy: 'Retain', volumeBindingMode: 'WaitForFirstConsumer',
    });
    await claims().create(NS, claim('kept', 'keep'));
    await pods().create(NS, podUsing('keeper', 'kept'));
    const { pvc, pv } = await boundClaim('kept');
    assert.equal(pv.spec?.persistentVolumeReclaimPolicy, 'Retain');
    await pods().delete(NS, 'keeper', { gracePeriodSeconds: 0 });
    await claims().delete(NS, 'kept');
    await waitFor(async () => (await volumes().get('', pv.metadata.name!)).status?.phase === 'Released', { timeoutMs: TIMEOUT, what: 'the volume Released' });
    const released = await volumes().get('', pv.metadata.name!);
    assert.equal(released.spec?.claimRef?.uid, pvc.metadata.uid);
    assert.equal(released.metadata.deletionTimestamp, undefined);
    assert.equal((await pods().list('kube-system')).items.filter((p) => p.metadata.name === `helper-pod-delete-${pv.metadata.name}`).length, 0);
    assert.match(await kubectl(cp, 'get', 'pv', pv.metadata.name!), new RegExp(`\\n${pv.metadata.name}\\s+128Mi\\s+RWO\\s+Retain\\s+Released\\s+default/kept\\s+keep\\s+`));
  });
});

describe('static volumes and missing claims', () => {
  it('a claim binds at once to a matching Available volume of its class', async () => {
    await volumes().create('', {
      apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'static-1' },
      spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce', 'ReadWriteMany'], storageClassName: 'manual', hostPath: { path: join(root, 'static-1') } },
    });
    await waitFor(async () => (await volumes().get('', 'static-1')).status?.phase === 'Available', { timeoutMs: TIMEOUT, what: 'the static volume Available' });
    await claims().create(NS, claim('static-claim', 'manual'));
    const { pvc, pv } = await boundClaim('static-claim');
    assert.equal(pv.metadata.name, 'static-1');
    assert.equal(pv.metadata.annotations?.['pv.kubernetes.io/bound-by-controller'], 'yes');
    assert.deepEqual(pvc.status?.capacity, { storage: '1Gi' });
    assert.deepEqual(pvc.status?.accessModes, ['ReadWriteOnce', 'ReadWriteMany']);
  });

  it('a pod whose claim does not exist stays unschedulable: persistentvolumeclaim "x" not found', async () => {
    await pods().create(NS, podUsing('orphan', 'nowhere'));
    let pod: Pod | undefined;
    await waitFor(async () => {
      pod = await pods().get(NS, 'orphan');
      return pod.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False') === true;
    }, { timeoutMs: TIMEOUT, what: 'the PodScheduled=False condition' });
    const cond = pod!.status!.conditions!.find((c) => c.type === 'PodScheduled')!;
    assert.equal(cond.reason, 'Unschedulable');
    assert.match(cond.message ?? '', /^0\/2 nodes are available: persistentvolumeclaim "nowhere" not found\./);
    assert.equal(pod!.spec?.nodeName, undefined);
  });
});
