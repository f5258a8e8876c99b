// Pure parts of taint and drain: parsing taint arguments, the new taint list and
// kubectl's word for the change; which pods drain may delete and how it words refusals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, Taint } from '../../api/types/core.js';
import { alreadyPresent, conflictingTaints, parseTaints, reorganizeTaints, taintString } from '../../kubectl/taints.js';
import { podDeleteList, podVerdict, type DaemonSetLookup, type DrainFlags } from '../../kubectl/node-drain.js';

test('taint arguments: forms, effects and kubectl\'s errors', () => {
  assert.deepEqual(parseTaints(['a=b:NoSchedule', 'c:NoExecute', 'd-', 'e:PreferNoSchedule-']), {
    add: [{ key: 'a', value: 'b', effect: 'NoSchedule' }, { key: 'c', effect: 'NoExecute' }],
    remove: [{ key: 'd', effect: '' }, { key: 'e', effect: 'PreferNoSchedule' }],
  });
  assert.throws(() => parseTaints(['a:Sometimes']), { message: 'invalid taint effect: Sometimes, unsupported taint effect' });
  assert.throws(() => parseTaints(['a']), { message: 'invalid taint spec: a' });
  assert.throws(() => parseTaints(['a=b=c:NoSchedule']), { message: 'invalid taint spec: a=b=c:NoSchedule' });
  assert.throws(() => parseTaints(['a:b:NoSchedule']), { message: 'invalid taint spec: a:b:NoSchedule' });
  assert.throws(() => parseTaints(['a:NoSchedule', 'a=x:NoSchedule']), { message: 'duplicated taints with the same key and effect: {a x NoSchedule <nil>}' });
  assert.throws(() => parseTaints(['-bad:NoSchedule']), /^Error: invalid taint spec: -bad:NoSchedule, name part must consist of alphanumeric characters/);
  assert.deepEqual(conflictingTaints([{ key: 'a', effect: 'NoSchedule' }], [{ key: 'a', effect: '' }]), ['a=']);
  assert.equal(taintString({ key: 'a', value: 'b', effect: 'NoSchedule' }), 'a=b:NoSchedule');
});

test('the new taint list and whether kubectl calls it tainted, untainted or modified', () => {
  const old: Taint[] = [{ key: 'a', value: '1', effect: 'NoSchedule' }, { key: 'b', effect: 'NoExecute' }];
  assert.equal(alreadyPresent(old, [{ key: 'a', value: '2', effect: 'NoSchedule' }]), 'a');
  assert.equal(alreadyPresent(old, [{ key: 'a', value: '2', effect: 'NoExecute' }]), '');
  assert.deepEqual(reorganizeTaints(old, false, [{ key: 'c', effect: 'NoSchedule' }], []), {
    taints: [{ key: 'c', effect: 'NoSchedule' }, ...old], operation: 'tainted',
  });
  assert.deepEqual(reorganizeTaints(old, true, [{ key: 'a', value: '2', effect: 'NoSchedule' }], []), {
    taints: [{ key: 'a', value: '2', effect: 'NoSchedule' }, old[1]!], operation: 'modified',
  });
  assert.deepEqual(reorganizeTaints(old, false, [], [{ key: 'a', effect: '' }]), { taints: [old[1]!], operation: 'untainted' });
  assert.deepEqual(reorganizeTaints(old, false, [{ key: 'c', effect: 'NoSchedule' }], [{ key: 'b', effect: 'NoExecute' }]).operation, 'modified');
  assert.throws(() => reorganizeTaints(old, false, [], [{ key: 'z', effect: '' }]), { message: 'taint "z" not found' });
  assert.throws(() => reorganizeTaints(old, false, [], [{ key: 'a', effect: 'NoExecute' }]), { message: 'taint "a:NoExecute" not found' });
});

const flags = (f: Partial<DrainFlags> = {}): DrainFlags => ({ force: false, ignoreDaemonSets: false, deleteEmptyDirData: false, skipWaitForDeleteTimeoutSeconds: 0, ...f });
const exists: DaemonSetLookup = () => 'exists';
const missing: DaemonSetLookup = () => ({ notFound: true, message: 'daemonsets.apps "ds" not found' });

function pod(name: string, o: { owner?: string; emptyDir?: boolean; phase?: string; mirror?: boolean; deleted?: string } = {}): Pod {
  return {
    metadata: {
      name, namespace: 'ns',
      ...(o.owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: o.owner, name: 'ds', uid: 'u', controller: true }] } : {}),
      ...(o.mirror ? { annotations: { 'kubernetes.io/config.mirror': 'x' } } : {}),
      ...(o.deleted ? { deletionTimestamp: o.deleted } : {}),
    },
    spec: { nodeName: 'n', containers: [{ name: 'c', image: 'i' }], ...(o.emptyDir ? { volumes: [{ name: 'v', emptyDir: {} }] } : {}) },
    status: { phase: o.phase ?? 'Running' },
  };
}

test('drain filters: what may be deleted, what only with a flag, what is skipped', () => {
  const v = (p: Pod, f: Partial<DrainFlags> = {}, ds: DaemonSetLookup = exists) => podVerdict(p, flags(f), ds);
  assert.equal(v(pod('rs', { owner: 'ReplicaSet' })).reason, 'Okay');
  assert.deepEqual(v(pod('bare')), { reason: 'Error', delete: false, message: 'cannot delete Pods that declare no controller (use --force to override)' });
  assert.deepEqual(v(pod('bare'), { force: true }), { reason: 'Warning', delete: true, message: 'deleting Pods that declare no controller' });
  assert.equal(v(pod('done', { phase: 'Succeeded' })).reason, 'Okay');
  assert.deepEqual(v(pod('ds', { owner: 'DaemonSet' })), { reason: 'Error', delete: false, message: 'DaemonSet-managed Pods (use --ignore-daemonsets to ignore)' });
  assert.deepEqual(v(pod('ds', { owner: 'DaemonSet' }), { ignoreDaemonSets: true }), { reason: 'Warning', delete: false, message: 'ignoring DaemonSet-managed Pods' });
  assert.deepEqual(v(pod('ds', { owner: 'DaemonSet' }), {}, missing), { reason: 'Error', delete: false, message: 'daemonsets.apps "ds" not found' });
  assert.equal(v(pod('ds', { owner: 'DaemonSet' }), { force: true }, missing).reason, 'Okay', 'a later filter has the last word');
  assert.deepEqual(v(pod('local', { owner: 'ReplicaSet', emptyDir: true })), { reason: 'Error', delete: false, message: 'Pods with local storage (use --delete-emptydir-data to override)' });
  assert.equal(v(pod('local', { owner: 'ReplicaSet', emptyDir: true }), { deleteEmptyDirData: true }).reason, 'Okay');
  assert.equal(v(pod('mirror', { mirror: true })).reason, 'Skip');
  const old = new Date(Date.now() - 120_000).toISOString();
  assert.equal(v(pod('old', { deleted: old, owner: 'ReplicaSet' }), { skipWaitForDeleteTimeoutSeconds: 60 }).reason, 'Skip');
});

test('the delete list groups warnings and refusals by message, as kubectl prints them', () => {
  const pods = [pod('a'), pod('b', { owner: 'ReplicaSet', emptyDir: true }), pod('c'), pod('d', { owner: 'ReplicaSet' })];
  const refused = podDeleteList(pods, pods.map((p) => podVerdict(p, flags(), exists)));
  assert.deepEqual(refused.errors, [
    'cannot delete cannot delete Pods that declare no controller (use --force to override): ns/a, ns/c',
    'cannot delete Pods with local storage (use --delete-emptydir-data to override): ns/b',
  ]);
  const forced = podDeleteList(pods, pods.map((p) => podVerdict(p, flags({ force: true, deleteEmptyDirData: true }), exists)));
  assert.deepEqual(forced.errors, []);
  assert.equal(forced.warnings, 'deleting Pods that declare no controller: ns/a, ns/c');
  assert.deepEqual(forced.pods.map((p) => p.metadata.name), ['a', 'b', 'c', 'd']);
});
