// The storage controllers' decisions without I/O: volume matching (class, access
// modes, capacity, selector, node affinity, pre-binding), the PV binder's next step for
// a claim and a volume, the writes a bind makes (over filled caches and a recording
// client), the protection rules, the local-path provisioner's volume and helper pods,
// and the scheduler's VolumeBinding verdicts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { findMatchingVolume, volumeNodeAffinityMatches } from '../../api/helpers/storage.js';
import type { Node, PersistentVolume, PersistentVolumeClaim, Pod } from '../../api/types/core.js';
import type { StorageClass } from '../../api/types/storage.js';
import { FakeClock } from '../../client/clock.js';
import { decideClaim, decideVolume, shouldDelayBinding, type BinderView } from '../../controller-manager/volume/persistentvolume/binder.js';
import { PersistentVolumeController } from '../../controller-manager/volume/persistentvolume/controller.js';
import { helperPod, LocalPathProvisioner, localPathStorageClass, provisionedVolume, volumeNode, volumePath } from '../../controller-manager/volume/local-path/provisioner.js';
import { podUsesClaim, withoutFinalizer } from '../../controller-manager/volume/protection/controller.js';
import { NodeInfo } from '../../scheduler/node-info.js';
import { podVolumeClaims, volumesFit, type VolumeView } from '../../scheduler/plugins/volume-binding.js';
import { FakeCache } from '../harness/fake-cache.js';

const silent = pino({ level: 'silent' });

function pv(name: string, size: string, extra: Partial<NonNullable<PersistentVolume['spec']>> = {}, phase = 'Available', labels: Record<string, string> = {}): PersistentVolume {
  return {
    apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name, uid: `uid-${name}`, labels, resourceVersion: '1' },
    spec: { capacity: { storage: size }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', volumeMode: 'Filesystem', storageClassName: 'manual', hostPath: { path: `/data/${name}` }, ...extra },
    status: { phase: phase as 'Available' },
  };
}

function pvc(name: string, size: string, extra: Partial<NonNullable<PersistentVolumeClaim['spec']>> = {}, annotations: Record<string, string> = {}): PersistentVolumeClaim {
  return {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: 'ns', uid: `uid-${name}`, annotations, resourceVersion: '1' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } }, storageClassName: 'manual', volumeMode: 'Filesystem', ...extra },
    status: { phase: 'Pending' },
  };
}

const node = (name: string): Node => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } } });
const onNode = (n: string): NonNullable<PersistentVolume['spec']>['nodeAffinity'] =>
  ({ required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [n] }] }] } });
const sc = (name: string, mode: 'Immediate' | 'WaitForFirstConsumer', provisioner = 'rancher.io/local-path'): StorageClass =>
  ({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name }, provisioner, volumeBindingMode: mode, reclaimPolicy: 'Delete' });

function view(volumes: PersistentVolume[], claims: PersistentVolumeClaim[] = [], classes: StorageClass[] = [], nodes: Node[] = []): BinderView & VolumeView {
  return {
    volume: (n) => volumes.find((v) => v.metadata.name === n),
    volumes: () => volumes,
    claim: (ns, n) => claims.find((c) => c.metadata.namespace === ns && c.metadata.name === n),
    storageClass: (n) => classes.find((c) => c.metadata.name === n),
    node: (n) => nodes.find((x) => x.metadata.name === n),
  };
}

describe('findMatchingVolume', () => {
  it('takes the smallest Available volume of the class with the capacity and access modes asked for', () => {
    const vols = [pv('big', '10Gi'), pv('small', '1Gi'), pv('tiny', '100Mi'), pv('rwx', '1Gi', { accessModes: ['ReadWriteMany'] }), pv('other', '1Gi', { storageClassName: 'fast' })];
    assert.equal(findMatchingVolume(pvc('c', '500Mi'), vols, undefined, false)?.metadata.name, 'small');
    assert.equal(findMatchingVolume(pvc('c', '2Gi'), vols, undefined, false)?.metadata.name, 'big');
    assert.equal(findMatchingVolume(pvc('c', '20Gi'), vols, undefined, false), undefined);
    assert.equal(findMatchingVolume(pvc('c', '1Gi', { accessModes: ['ReadWriteMany'] }), vols, undefined, false)?.metadata.name, 'rwx');
    assert.equal(findMatchingVolume(pvc('c', '1Gi', { storageClassName: 'fast' }), vols, undefined, false)?.metadata.name, 'other');
    assert.equal(findMatchingVolume(pvc('c', '1Gi', { volumeMode: 'Block' }), vols, undefined, false), undefined);
  });

  it('skips volumes that are bound, not Available, being deleted or not matching the selector', () => {
    const bound = pv('bound', '1Gi', { claimRef: { namespace: 'ns', name: 'someone', uid: 'x' } });
    const released = pv('released', '1Gi', {}, 'Released');
    const deleting = { ...pv('deleting', '1Gi'), metadata: { name: 'deleting', deletionTimestamp: '2026-01-01T00:00:00Z' } };
    const labelled = pv('labelled', '5Gi', {}, 'Available', { tier: 'fast' });
    assert.equal(findMatchingVolume(pvc('c', '1Gi'), [bound, released, deleting], undefined, false), undefined);
    assert.equal(findMatchingVolume(pvc('c', '1Gi', { selector: { matchLabels: { tier: 'fast' } } }), [pv('plain', '1Gi'), labelled], undefined, false)?.metadata.name, 'labelled');
  });

  it('prefers a volume pre-bound to the claim (by name, or by name and uid), whatever its phase', () => {
    const claim = pvc('c', '1Gi');
    const pre = pv('pre', '5Gi', { claimRef: { namespace: 'ns', name: 'c' } }, 'Released');
    assert.equal(findMatchingVolume(claim, [pv('small', '1Gi'), pre], undefined, false)?.metadata.name, 'pre');
    const otherUid = pv('other', '5Gi', { claimRef: { namespace: 'ns', name: 'c', uid: 'someone-else' } });
    assert.equal(findMatchingVolume(claim, [otherUid], undefined, false), undefined);
  });

  it('with a node, needs node affinity admitting it; with delayed binding and no node, only pre-bound volumes', () => {
    const vols = [pv('a', '1Gi', { nodeAffinity: onNode('node-a') }), pv('b', '1Gi', { nodeAffinity: onNode('node-b') })];
    assert.equal(findMatchingVolume(pvc('c', '1Gi'), vols, node('node-b'), true)?.metadata.name, 'b');
    assert.equal(findMatchingVolume(pvc('c', '1Gi'), vols, node('node-c'), true), undefined);
    assert.equal(findMatchingVolume(pvc('c', '1Gi'), vols, undefined, true), undefined);
    assert.ok(volumeNodeAffinityMatches(pv('any', '1Gi'), node('node-z')));
  });
});

describe('the PV binder\'s decisions', () => {
  it('binds an unbound claim to a matching volume, asks the provisioner when none matches, waits for a first consumer under WaitForFirstConsumer', () => {
    const classes = [sc('manual', 'Immediate', 'kubernetes.io/no-provisioner'), sc('local-path', 'WaitForFirstConsumer'), sc('fast', 'Immediate', 'example.com/fast')];
    const v = view([pv('small', '1Gi')], [], classes);
    assert.deepEqual(decideClaim(pvc('c', '1Gi'), v), { type: 'bind', volume: pv('small', '1Gi') });
    assert.equal(decideClaim(pvc('c', '5Gi'), v).type, 'pending');
    assert.deepEqual(decideClaim(pvc('c', '5Gi', { storageClassName: 'fast' }), v), { type: 'provision', provisioner: 'example.com/fast' });
    const waiting = pvc('w', '1Gi', { storageClassName: 'local-path' });
    assert.ok(shouldDelayBinding(waiting, v));
    assert.deepEqual(decideClaim(waiting, v), { type: 'pending', eventType: 'Normal', reason: 'WaitForFirstConsumer', message: 'waiting for first consumer to be created before binding' });
    const selected = pvc('w', '1Gi', { storageClassName: 'local-path' }, { 'volume.kubernetes.io/selected-node': 'node-a' });
    assert.ok(!shouldDelayBinding(selected, v));
    assert.deepEqual(decideClaim(selected, v), { type: 'provision', provisioner: 'rancher.io/local-path' });
    assert.deepEqual(decideClaim(pvc('c', '1Gi', { storageClassName: 'gone' }), v), { type: 'pending', eventType: 'Warning', reason: 'ProvisioningFailed', message: 'storageclass.storage.k8s.io "gone" not found' });
  });

  it('with volumeName set: binds to that volume unless another claim holds it', () => {
    const mine = pv('mine', '1Gi');
    const taken = pv('taken', '1Gi', { claimRef: { namespace: 'ns', name: 'other', uid: 'uid-other' } });
    const v = view([mine, taken]);
    assert.deepEqual(decideClaim(pvc('c', '1Gi', { volumeName: 'mine' }), v), { type: 'bind', volume: mine });
    assert.equal(decideClaim(pvc('c', '1Gi', { volumeName: 'taken' }), v).type, 'pending');
    assert.deepEqual(decideClaim(pvc('c', '1Gi', { volumeName: 'missing' }), v), { type: 'pending' });
  });

  it('a bound claim stays Bound while its volume names it, and is Lost without its volume', () => {
    const done = { 'pv.kubernetes.io/bind-completed': 'yes' };
    const vol = pv('v', '1Gi', { claimRef: { namespace: 'ns', name: 'c', uid: 'uid-c' } }, 'Bound');
    assert.equal(decideClaim(pvc('c', '1Gi', { volumeName: 'v' }, done), view([vol])).type, 'bound');
    assert.deepEqual(decideClaim(pvc('c', '1Gi', { volumeName: 'v' }, done), view([])), { type: 'lost', message: 'Bound claim has lost its PersistentVolume. Data on the volume is lost!' });
    const stolen = pv('v', '1Gi', { claimRef: { namespace: 'ns', name: 'c', uid: 'old' } }, 'Bound');
    assert.equal(decideClaim(pvc('c', '1Gi', { volumeName: 'v' }, done), view([stolen])).type, 'lost');
  });

  it('a volume: Available without a claim, Bound with its claim, Released once the claim is gone, then reclaimed by its policy', () => {
    assert.deepEqual(decideVolume(pv('free', '1Gi', {}, 'Pending'), view([])), { type: 'phase', phase: 'Available' });
    assert.deepEqual(decideVolume(pv('free', '1Gi'), view([])), { type: 'none' });
    const claim = pvc('c', '1Gi', { volumeName: 'v' });
    const vol = pv('v', '1Gi', { claimRef: { namespace: 'ns', name: 'c', uid: 'uid-c' } });
    assert.deepEqual(decideVolume(vol, view([], [claim])), { type: 'phase', phase: 'Bound' });
    assert.deepEqual(decideVolume(vol, view([], [])), { type: 'phase', phase: 'Released' });
    // A new claim of the same name is another claim.
    assert.deepEqual(decideVolume(vol, view([], [{ ...claim, metadata: { ...claim.metadata, uid: 'new' } }])), { type: 'phase', phase: 'Released' });
    const released = pv('v', '1Gi', { claimRef: { namespace: 'ns', name: 'c', uid: 'uid-c' }, persistentVolumeReclaimPolicy: 'Delete' }, 'Released');
    assert.deepEqual(decideVolume(released, view([])), { type: 'reclaim', policy: 'Delete' });
    // The claim is not bound yet: its own sync finishes the binding.
    assert.deepEqual(decideVolume(vol, view([], [pvc('c', '1Gi')])), { type: 'enqueueClaim', namespace: 'ns', name: 'c' });
  });
});

describe('PersistentVolumeController', () => {
  it('binds in Kubernetes\' order: the volume\'s claimRef, its phase, the claim\'s volumeName and annotations, the claim\'s status', async () => {
    const volumes = new FakeCache<PersistentVolume>();
    const claims = new FakeCache<PersistentVolumeClaim>();
    const classes = new FakeCache<StorageClass>();
    const nodes = new FakeCache<Node>();
    volumes.fill(pv('v', '2Gi'));
    claims.fill(pvc('c', '1Gi'));
    const calls: [string, PersistentVolume | PersistentVolumeClaim][] = [];
    const rec = <T extends PersistentVolume | PersistentVolumeClaim>(verb: string) => async (o: T): Promise<T> => { calls.push([verb, o]); return structuredClone(o); };
    const events: string[] = [];
    const c = new PersistentVolumeController({
      volumes, claims, classes, nodes, clock: new FakeClock(), log: silent,
      client: { updateVolume: rec('updateVolume'), updateVolumeStatus: rec('updateVolumeStatus'), updateClaim: rec('updateClaim'), updateClaimStatus: rec('updateClaimStatus') },
      recorder: { event: (_o, type, reason, message) => { events.push(`${type} ${reason} ${message}`); } },
    });
    await c.syncClaim('ns/c');
    assert.deepEqual(calls.map(([v]) => v), ['updateVolume', 'updateVolumeStatus', 'updateClaim', 'updateClaimStatus']);
    const [, volume] = calls[0] as [string, PersistentVolume];
    assert.deepEqual(volume.spec?.claimRef, { kind: 'PersistentVolumeClaim', namespace: 'ns', name: 'c', uid: 'uid-c', apiVersion: 'v1', resourceVersion: '1' });
    assert.equal(volume.metadata.annotations?.['pv.kubernetes.io/bound-by-controller'], 'yes');
    assert.equal((calls[1][1] as PersistentVolume).status?.phase, 'Bound');
    const claim = calls[2][1] as PersistentVolumeClaim;
    assert.equal(claim.spec?.volumeName, 'v');
    assert.deepEqual(claim.metadata.annotations, { 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes' });
    assert.deepEqual((calls[3][1] as PersistentVolumeClaim).status, { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '2Gi' } });

    // A claim nothing matches, of a class with an external provisioner: annotated, with the event.
    calls.length = 0;
    classes.fill(sc('fast', 'Immediate', 'example.com/fast'));
    claims.fill(pvc('p', '1Gi', { storageClassName: 'fast' }));
    await c.syncClaim('ns/p');
    assert.deepEqual(calls.map(([v]) => v), ['updateClaim']);
    assert.equal(calls[0][1].metadata.annotations?.['volume.kubernetes.io/storage-provisioner'], 'example.com/fast');
    assert.equal(calls[0][1].metadata.annotations?.['volume.beta.kubernetes.io/storage-provisioner'], 'example.com/fast');
    assert.match(events.at(-1)!, /^Normal ExternalProvisioning Waiting for a volume to be created either by the external provisioner 'example\.com\/fast'/);

    // A released volume under Retain stays; a non-provisioned one under Delete fails as Kubernetes' (no deleter plugin).
    calls.length = 0;
    volumes.fill(pv('kept', '1Gi', { claimRef: { namespace: 'ns', name: 'gone', uid: 'g' } }, 'Released'));
    await c.syncVolume('kept');
    assert.deepEqual(calls, []);
    volumes.fill(pv('manual-delete', '1Gi', { claimRef: { namespace: 'ns', name: 'gone', uid: 'g' }, persistentVolumeReclaimPolicy: 'Delete' }, 'Released'));
    await c.syncVolume('manual-delete');
    assert.equal((calls[0][1] as PersistentVolume).status?.phase, 'Failed');
    assert.equal((calls[0][1] as PersistentVolume).status?.reason, 'VolumeFailedDelete');
  });
});

describe('protection', () => {
  it('a claim is in use by a scheduled pod that has not finished', () => {
    const pod = (nodeName: string | undefined, phase: string): Pod => ({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns' },
      spec: { nodeName, containers: [], volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'c' } }] }, status: { phase: phase as 'Running' },
    });
    assert.ok(podUsesClaim(pod('n', 'Running'), 'ns', 'c'));
    assert.ok(!podUsesClaim(pod(undefined, 'Pending'), 'ns', 'c'));
    assert.ok(!podUsesClaim(pod('n', 'Succeeded'), 'ns', 'c'));
    assert.ok(!podUsesClaim(pod('n', 'Running'), 'other', 'c'));
    const claim = { ...pvc('c', '1Gi'), metadata: { ...pvc('c', '1Gi').metadata, finalizers: ['kubernetes.io/pvc-protection', 'x/y'] } };
    assert.deepEqual(withoutFinalizer(claim, 'kubernetes.io/pvc-protection')?.metadata.finalizers, ['x/y']);
    assert.equal(withoutFinalizer(pvc('c', '1Gi'), 'kubernetes.io/pvc-protection'), undefined);
  });
});

describe('local-path provisioner', () => {
  it('makes a hostPath volume under the root, pre-bound to the claim, pinned to the node, with the class\' reclaim policy', () => {
    const claim = pvc('data', '1Gi', { storageClassName: 'local-path' });
    const path = volumePath('/var/lib/tskube/local-path-provisioner', 'pvc-uid-data', claim);
    assert.equal(path, '/var/lib/tskube/local-path-provisioner/pvc-uid-data_ns_data');
    const vol = provisionedVolume(claim, { ...sc('local-path', 'WaitForFirstConsumer'), reclaimPolicy: 'Retain' }, 'node-a', path);
    assert.equal(vol.metadata.name, 'pvc-uid-data');
    assert.equal(vol.metadata.annotations?.['pv.kubernetes.io/provisioned-by'], 'rancher.io/local-path');
    assert.deepEqual(vol.spec?.hostPath, { path, type: 'DirectoryOrCreate' });
    assert.equal(vol.spec?.persistentVolumeReclaimPolicy, 'Retain');
    assert.deepEqual(vol.spec?.claimRef, { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: 'ns', name: 'data', uid: 'uid-data', resourceVersion: '1' });
    assert.equal(volumeNode(vol), 'node-a');
    const helper = helperPod('delete', 'pvc-uid-data', 'node-a', path, { root: '/r', helperImage: 'img', helperNamespace: 'kube-system', className: 'local-path' }, 'volume:pvc-uid-data');
    assert.equal(helper.metadata.name, 'helper-pod-delete-pvc-uid-data');
    assert.equal(helper.spec?.nodeName, 'node-a');
    assert.deepEqual(helper.spec?.volumes, [{ name: 'data', hostPath: { path: '/var/lib/tskube/local-path-provisioner', type: 'DirectoryOrCreate' } }]);
    assert.deepEqual(helper.spec?.containers[0].command, ['/bin/sh', '-c', 'rm -rf "$VOL_DIR"']);
    assert.deepEqual(helper.spec?.containers[0].env?.[0], { name: 'VOL_DIR', value: path });
  });

  // Its caches lag its own writes: once a volume is deleted (it may linger, being
  // deleted, under the pv-protection finalizer) or provisioned, the helper pod's
  // deletion must not start another helper; a helper that did outlive its work goes.
  it('starts no helper for a volume being deleted, and removes a helper left after its volume or for a provisioned claim', async () => {
    const options = { root: '/r', helperImage: 'img', helperNamespace: 'kube-system', className: 'local-path' };
    const volumes = new FakeCache<PersistentVolume>();
    const claims = new FakeCache<PersistentVolumeClaim>();
    const classes = new FakeCache<StorageClass>();
    const pods = new FakeCache<Pod>();
    classes.fill(localPathStorageClass('local-path'));
    const calls: string[] = [];
    const p = new LocalPathProvisioner({
      volumes, claims, classes, pods, clock: new FakeClock(), log: silent, options,
      recorder: { event: () => undefined },
      client: {
        createVolume: async (v) => { calls.push(`createVolume ${v.metadata.name}`); return v; },
        deleteVolume: async (n) => { calls.push(`deleteVolume ${n}`); },
        createPod: async (x) => { calls.push(`createPod ${x.metadata.name}`); return x; },
        deletePod: async (_ns, n) => { calls.push(`deletePod ${n}`); },
        getStorageClass: async () => undefined, createStorageClass: async (x) => x,
      },
    });
    const claim = pvc('data', '1Gi', { storageClassName: 'local-path' }, { 'volume.kubernetes.io/storage-provisioner': 'rancher.io/local-path', 'volume.kubernetes.io/selected-node': 'node-a' });
    const vol = provisionedVolume(claim, localPathStorageClass('local-path'), 'node-a', volumePath('/r', 'pvc-uid-data', claim));
    const released = { ...vol, metadata: { ...vol.metadata, finalizers: ['kubernetes.io/pv-protection'] }, status: { phase: 'Released' as const } };

    volumes.fill({ ...released, metadata: { ...released.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } });
    await p.sync('volume:pvc-uid-data');
    assert.deepEqual(calls, [], 'a volume being deleted gets no new helper');

    volumes.remove('pvc-uid-data');
    const doneHelper = (x: Pod): Pod => ({ ...x, status: { phase: 'Succeeded' } });
    pods.fill(doneHelper(helperPod('delete', 'pvc-uid-data', 'node-a', '/r/x', options, 'volume:pvc-uid-data')));
    await p.sync('volume:pvc-uid-data');
    assert.deepEqual(calls, ['deletePod helper-pod-delete-pvc-uid-data'], 'a helper outliving its volume goes');

    calls.length = 0;
    claims.fill(claim);
    volumes.fill(vol);
    pods.fill(doneHelper(helperPod('create', 'pvc-uid-data', 'node-a', '/r/x', options, 'claim:ns/data')));
    await p.sync('claim:ns/data');
    assert.deepEqual(calls, ['deletePod helper-pod-create-pvc-uid-data'], 'a create helper outliving its provisioning goes');
  });
});

describe('VolumeBinding', () => {
  const podWith = (...claims: string[]): Pod => ({
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns' },
    spec: { containers: [], volumes: claims.map((c) => ({ name: c, persistentVolumeClaim: { claimName: c } })) },
  });
  const info = (n: string): NodeInfo => new NodeInfo(n, node(n));

  it('a missing claim, a deleting claim or an unbound Immediate claim makes the pod unschedulable everywhere', () => {
    const v = view([], [pvc('imm', '1Gi', { storageClassName: 'manual' }), { ...pvc('del', '1Gi'), metadata: { ...pvc('del', '1Gi').metadata, deletionTimestamp: 'x' } }], [sc('manual', 'Immediate')]);
    assert.deepEqual(podVolumeClaims(podWith('nope'), v), { code: 'UnschedulableAndUnresolvable', reasons: ['persistentvolumeclaim "nope" not found'] });
    assert.deepEqual(podVolumeClaims(podWith('del'), v), { code: 'UnschedulableAndUnresolvable', reasons: ['persistentvolumeclaim "del" is being deleted'] });
    assert.deepEqual(podVolumeClaims(podWith('imm'), v), { code: 'UnschedulableAndUnresolvable', reasons: ['pod has unbound immediate PersistentVolumeClaims'] });
  });

  it('a bound volume pins the pod to its nodes; an unbound WaitForFirstConsumer claim fits where a volume or the provisioner can serve it', () => {
    const bound = pv('v', '1Gi', { nodeAffinity: onNode('node-a'), claimRef: { namespace: 'ns', name: 'b', uid: 'uid-b' } }, 'Bound');
    const classes = [sc('local-path', 'WaitForFirstConsumer'), sc('static', 'WaitForFirstConsumer', 'kubernetes.io/no-provisioner')];
    const claims = [pvc('b', '1Gi', { volumeName: 'v' }), pvc('w', '1Gi', { storageClassName: 'local-path' }), pvc('s', '1Gi', { storageClassName: 'static' }),
      pvc('sel', '1Gi', { storageClassName: 'local-path' }, { 'volume.kubernetes.io/selected-node': 'node-b' })];
    const staticVol = pv('static-b', '1Gi', { storageClassName: 'static', nodeAffinity: onNode('node-b') });
    const v = view([bound, staticVol], claims, classes);
    const fit = (pod: Pod, n: string): string => {
      const c = podVolumeClaims(pod, v);
      assert.ok(!('code' in c));
      const s = volumesFit(c, info(n), v);
      return s.code === 'Success' ? 'fits' : s.reasons.join();
    };
    assert.equal(fit(podWith('b'), 'node-a'), 'fits');
    assert.equal(fit(podWith('b'), 'node-b'), 'node(s) had volume node affinity conflict');
    assert.equal(fit(podWith('w'), 'node-b'), 'fits');
    assert.equal(fit(podWith('s'), 'node-b'), 'fits');
    assert.equal(fit(podWith('s'), 'node-a'), "node(s) didn't find available persistent volumes to bind");
    assert.equal(fit(podWith('sel'), 'node-a'), "node(s) didn't find available persistent volumes to bind");
  });
});
