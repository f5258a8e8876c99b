// `tskubectl describe` of PersistentVolumes, PersistentVolumeClaims and StorageClasses
// against a real apiserver, compared with the real kubectl: sources, node affinity,
// claim refs, capacity once bound, Used By, finalizers, default class, parameters,
// mount options and allowed topologies.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/types/meta.js';
import type { RestClient } from '../../client/rest-client.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { tskubectl } from '../harness/tskubectl.js';
import { clientFor, restFor, sameAsKubectl } from './get-fixtures.js';

let cp: ControlPlane;
let rest: RestClient;

before(async () => {
  cp = await startControlPlane();
  rest = restFor(cp);
  const pvs = clientFor(rest, 'persistentvolumes');
  await pvs.create('', {
    apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv-local', labels: { tier: 'fast' }, annotations: { 'pv.kubernetes.io/provisioned-by': 'rancher.io/local-path' } },
    spec: {
      capacity: { storage: '2Gi' }, accessModes: ['ReadWriteOnce', 'ReadOnlyMany'], persistentVolumeReclaimPolicy: 'Delete', storageClassName: 'local-path',
      hostPath: { path: '/var/lib/data/pv-local', type: 'DirectoryOrCreate' },
      claimRef: { kind: 'PersistentVolumeClaim', namespace: 'default', name: 'data', uid: 'x' },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-1', 'node-2'] }, { key: 'disk', operator: 'Exists' }] }] } },
    },
  } as KubeObject);
  await pvs.create('', {
    apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv-nfs' },
    spec: { capacity: { storage: '10Gi' }, accessModes: ['ReadWriteMany'], nfs: { server: 'nfs.example', path: '/exports/a', readOnly: true } },
  } as KubeObject);
  const claims = clientFor(rest, 'persistentvolumeclaims');
  const data = await claims.create('default', {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', labels: { app: 'db' } },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'local-path', volumeName: 'pv-local' },
  } as KubeObject);
  await claims.updateStatus('default', { ...data, status: { phase: 'Bound', capacity: { storage: '2Gi' }, accessModes: ['ReadWriteOnce', 'ReadOnlyMany'] } } as KubeObject);
  await claims.create('default', {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'waiting' },
    spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: '5Gi' } }, storageClassName: '', dataSource: { kind: 'PersistentVolumeClaim', name: 'data' } },
  } as KubeObject);
  const pods = clientFor(rest, 'pods');
  for (const name of ['db-0', 'db-1']) {
    await pods.create('default', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name },
      spec: { containers: [{ name: 'c', image: 'busybox' }], volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }] },
    } as KubeObject);
  }
  const classes = clientFor(rest, 'storageclasses');
  await classes.create('', {
    apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'local-path', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
    provisioner: 'rancher.io/local-path', reclaimPolicy: 'Delete', volumeBindingMode: 'WaitForFirstConsumer',
  } as KubeObject);
  await classes.create('', {
    apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'fancy' },
    provisioner: 'example.com/disk', parameters: { type: 'ssd', zone: 'a' }, allowVolumeExpansion: true, mountOptions: ['ro', 'soft'],
    allowedTopologies: [{ matchLabelExpressions: [{ key: 'topology.kubernetes.io/zone', values: ['a', 'b'] }] }],
  } as KubeObject);
});

after(async () => {
  await rest?.destroy();
  await cp?.stop();
});

test('persistent volumes, claims and storage classes are described as kubectl describes them', async () => {
  for (const args of [
    ['describe', 'pv', 'pv-local'], ['describe', 'pv', 'pv-nfs'],
    ['describe', 'pvc', 'data'], ['describe', 'pvc', 'waiting'],
    ['describe', 'sc', 'local-path'], ['describe', 'sc', 'fancy'],
  ]) await sameAsKubectl(cp, args);
  const pvc = await tskubectl(cp, 'describe', 'pvc', 'data');
  assert.match(pvc, /\nStatus: +Bound\nVolume: +pv-local\n/);
  assert.match(pvc, /\nFinalizers: +\[kubernetes\.io\/pvc-protection\]\nCapacity: +2Gi\nAccess Modes: +RWO,ROX\nVolumeMode: +Filesystem\nUsed By: +db-0\n +db-1\n/);
  const pv = await tskubectl(cp, 'describe', 'pv', 'pv-local');
  assert.match(pv, /\nNode Affinity: +\n {2}Required Terms: +\n {4}Term 0: +kubernetes\.io\/hostname in \[node-1, node-2\]\n +disk exists\n/);
  assert.match(pv, /\n {4}Type: +HostPath \(bare host directory volume\)\n {4}Path: +\/var\/lib\/data\/pv-local\n {4}HostPathType: +DirectoryOrCreate\n/);
  const sc = await tskubectl(cp, 'describe', 'sc', 'local-path');
  assert.match(sc, /^Name: +local-path\nIsDefaultClass: +Yes\n/);
});
