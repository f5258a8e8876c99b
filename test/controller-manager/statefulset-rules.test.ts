// The StatefulSet controller's rules over filled caches (Kubernetes'
// stateful_set_utils_test.go and stateful_set_control_test.go): ordinal parsing,
// identity and storage, the claims' names and owner references per retention policy,
// OrderedReady against Parallel, scale down from the highest ordinal, a failed pod
// replaced, the rolling update order with a partition, OnDelete, revisions and status.
// A fake object manager records the pod and claim writes; no I/O.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { alreadyExists, notFound } from '../../api/errors.js';
import { rfc3339 } from '../../api/helpers/time.js';
import type { ControllerRevision, StatefulSet, StatefulSetStatus } from '../../api/types/apps.js';
import type { PersistentVolumeClaim, Pod } from '../../api/types/core.js';
import { FakeClock } from '../../client/clock.js';
import { hashControllerRevision } from '../../controller-manager/history/index.js';
import { FakePodControl } from '../../controller-manager/pod-control.js';
import { StatefulSetController } from '../../controller-manager/statefulset/controller.js';
import type { StatefulObjectManager } from '../../controller-manager/statefulset/pod-control.js';
import { completeRollingUpdate } from '../../controller-manager/statefulset/status.js';
import {
  applyRevision, claimName, getPodRevision, identityMatches, isClaimOwnerUpToDate, newRevision, newStatefulSetPod,
  parentNameAndOrdinal, persistentVolumeClaims, POD_INDEX_LABEL, POD_NAME_LABEL, setPodRevision, storageMatches, updateClaimOwnerRefs,
} from '../../controller-manager/statefulset/utils.js';
import { FakeCache } from '../harness/fake-cache.js';

const silent = pino({ level: 'silent' });
const T0 = Date.UTC(2026, 0, 1, 12);
const NS = 'default';

interface SetOpts {
  replicas?: number;
  parallel?: boolean;
  image?: string;
  partition?: number;
  onDelete?: boolean;
  claims?: string[];
  minReadySeconds?: number;
  policy?: { whenDeleted?: string; whenScaled?: string };
  revisionHistoryLimit?: number;
}

function statefulSet(o: SetOpts = {}): StatefulSet {
  return {
    apiVersion: 'apps/v1', kind: 'StatefulSet',
    metadata: { name: 'web', namespace: NS, uid: 'set-uid', generation: 1, resourceVersion: '1' },
    spec: {
      replicas: o.replicas ?? 3,
      selector: { matchLabels: { app: 'web' } },
      serviceName: 'web',
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: o.image ?? 'busybox:1' }] } },
      podManagementPolicy: o.parallel ? 'Parallel' : 'OrderedReady',
      updateStrategy: o.onDelete ? { type: 'OnDelete' } : { type: 'RollingUpdate', rollingUpdate: { partition: o.partition ?? 0 } },
      revisionHistoryLimit: o.revisionHistoryLimit ?? 10,
      minReadySeconds: o.minReadySeconds ?? 0,
      volumeClaimTemplates: (o.claims ?? []).map((name) => ({
        metadata: { name }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      }) as PersistentVolumeClaim),
      ...(o.policy ? { persistentVolumeClaimRetentionPolicy: o.policy } : {}),
    },
    status: { replicas: 0 },
  };
}

/** A pod of set at ordinal made from revision, as the kubelet reports it. */
function pod(set: StatefulSet, ordinal: number, revision: string, o: { ready?: boolean; phase?: string; readySince?: number; terminating?: boolean } = {}): Pod {
  const p = newStatefulSetPod(set, ordinal);
  setPodRevision(p, revision);
  p.metadata.uid = `pod-uid-${ordinal}`;
  p.metadata.resourceVersion = '5';
  if (o.terminating) p.metadata.deletionTimestamp = rfc3339(T0);
  const ready = o.ready ?? true;
  p.status = {
    phase: o.phase ?? 'Running',
    conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: rfc3339(o.readySince ?? T0 - 3600_000) }],
  };
  return p;
}

class FakeObjects implements StatefulObjectManager {
  readonly created: string[] = [];
  readonly deleted: string[] = [];
  readonly updated: Pod[] = [];
  readonly claims = new Map<string, PersistentVolumeClaim>();
  readonly createdClaims: PersistentVolumeClaim[] = [];
  readonly updatedClaims: PersistentVolumeClaim[] = [];
  readonly createdPods: Pod[] = [];
  async createPod(p: Pod): Promise<Pod> {
    this.created.push(p.metadata.name ?? '');
    this.createdPods.push(p);
    return { ...p, metadata: { ...p.metadata, uid: `new-${p.metadata.name}` } };
  }
  async getPod(_ns: string, name: string): Promise<Pod> { throw notFound({ group: '', resource: 'pods' }, name); }
  async updatePod(p: Pod): Promise<Pod> { this.updated.push(p); return p; }
  async deletePod(p: Pod): Promise<void> { this.deleted.push(p.metadata.name ?? ''); }
  async createClaim(c: PersistentVolumeClaim): Promise<PersistentVolumeClaim> {
    const name = c.metadata.name ?? '';
    if (this.claims.has(name)) throw alreadyExists({ group: '', resource: 'persistentvolumeclaims' }, name);
    this.createdClaims.push(c);
    this.claims.set(name, { ...c, metadata: { ...c.metadata, uid: `claim-${name}` } });
    return c;
  }
  async getClaim(_ns: string, name: string): Promise<PersistentVolumeClaim> {
    const c = this.claims.get(name);
    if (!c) throw notFound({ group: '', resource: 'persistentvolumeclaims' }, name);
    return c;
  }
  async updateClaim(c: PersistentVolumeClaim): Promise<PersistentVolumeClaim> {
    this.updatedClaims.push(c);
    this.claims.set(c.metadata.name ?? '', c);
    return c;
  }
}

function fixture(set: StatefulSet, pods: Pod[] = [], revisions: ControllerRevision[] = []) {
  const clock = new FakeClock(T0);
  const setCache = new FakeCache<StatefulSet>();
  const podCache = new FakeCache<Pod>();
  const revCache = new FakeCache<ControllerRevision>();
  const claimCache = new FakeCache<PersistentVolumeClaim>();
  setCache.fill(set);
  podCache.fill(...pods);
  revCache.fill(...revisions);
  const objects = new FakeObjects();
  const statuses: StatefulSetStatus[] = [];
  const revisionsCreated: ControllerRevision[] = [];
  const revisionsDeleted: string[] = [];
  const events: string[] = [];
  const controller = new StatefulSetController({
    setInformer: setCache, podInformer: podCache, revisionInformer: revCache, claimInformer: claimCache,
    client: {
      get: async () => set,
      updateStatus: async (_ns, s) => { statuses.push(structuredClone(s.status as StatefulSetStatus)); return s; },
    },
    revisions: {
      create: async (_ns, r) => { revisionsCreated.push(r); return { ...r, metadata: { ...r.metadata, creationTimestamp: rfc3339(T0) } }; },
      get: async (_ns, name) => { throw notFound({ group: 'apps', resource: 'controllerrevisions' }, name); },
      update: async (_ns, r) => r,
      delete: async (_ns, name) => { revisionsDeleted.push(name); },
      patch: async () => { throw new Error('no patch expected'); },
    },
    objects, podControl: new FakePodControl(),
    recorder: { event: (_o, type, reason, message) => events.push(`${type} ${reason} ${message}`) },
    clock, log: silent,
  });
  const sync = () => controller.reconcile(`${NS}/web`);
  return { controller, objects, statuses, revisionsCreated, revisionsDeleted, events, sync, clock, podCache };
}

/** The revision a set's template makes (its name is what pods carry), numbered n. */
function revisionOf(set: StatefulSet, n: number): ControllerRevision {
  const r = newRevision(set, n, 0);
  r.metadata.uid = `rev-${n}`;
  r.metadata.creationTimestamp = rfc3339(T0 - 1000 * (10 - n));
  return r;
}

describe('StatefulSet identity', () => {
  it('parses "<parent>-<ordinal>" names', () => {
    const parse = (name: string) => parentNameAndOrdinal({ metadata: { name } });
    assert.deepEqual(parse('web-0'), { parent: 'web', ordinal: 0 });
    assert.deepEqual(parse('my-web-12'), { parent: 'my-web', ordinal: 12 });
    assert.deepEqual(parse('web'), { parent: '', ordinal: -1 });
    assert.deepEqual(parse('web-a'), { parent: '', ordinal: -1 });
    assert.deepEqual(parse('web-99999999999'), { parent: 'web', ordinal: -1 });
  });

  it('a new pod is named "<set>-<ordinal>", with hostname, subdomain, the identity labels and one claim volume per template', () => {
    const set = statefulSet({ claims: ['www', 'logs'] });
    const p = newStatefulSetPod(set, 2);
    assert.equal(p.metadata.name, 'web-2');
    assert.equal(p.metadata.generateName, undefined);
    assert.equal(p.spec?.hostname, 'web-2');
    assert.equal(p.spec?.subdomain, 'web');
    assert.deepEqual(p.metadata.labels, { app: 'web', [POD_NAME_LABEL]: 'web-2', [POD_INDEX_LABEL]: '2' });
    assert.deepEqual(p.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'set-uid', controller: true, blockOwnerDeletion: true }]);
    assert.deepEqual(p.spec?.volumes, [
      { name: 'www', persistentVolumeClaim: { claimName: 'www-web-2' } },
      { name: 'logs', persistentVolumeClaim: { claimName: 'logs-web-2' } },
    ]);
    assert.ok(identityMatches(set, p));
    assert.ok(storageMatches(set, p));
    const relabelled = structuredClone(p);
    relabelled.metadata.labels = { app: 'web' };
    assert.ok(!identityMatches(set, relabelled));
    const noVolume = structuredClone(p);
    noVolume.spec!.volumes = [{ name: 'www', persistentVolumeClaim: { claimName: 'www-web-1' } }];
    assert.ok(!storageMatches(set, noVolume));
    assert.ok(!identityMatches({ ...set, metadata: { ...set.metadata, name: 'db' } }, p));
  });

  it('claims are "<template>-<set>-<ordinal>" in the set\'s namespace with the selector\'s labels added', () => {
    const set = statefulSet({ claims: ['www'] });
    set.spec!.volumeClaimTemplates![0].metadata.labels = { tier: 'data' };
    const claims = persistentVolumeClaims(set, newStatefulSetPod(set, 1));
    const c = claims.get('www');
    assert.equal(c?.metadata.name, 'www-web-1');
    assert.equal(c?.metadata.namespace, NS);
    assert.deepEqual(c?.metadata.labels, { tier: 'data', app: 'web' });
    assert.equal(claimName(set, set.spec!.volumeClaimTemplates![0], 7), 'www-web-7');
  });

  it('claim owner references follow persistentVolumeClaimRetentionPolicy', () => {
    const check = (policy: { whenDeleted: string; whenScaled: string }, ordinal: number, want: string[]) => {
      const set = statefulSet({ claims: ['www'], replicas: 2, policy });
      const p = pod(set, ordinal, 'r');
      const claim = [...persistentVolumeClaims(set, p).values()][0];
      updateClaimOwnerRefs(claim, set, p);
      assert.deepEqual((claim.metadata.ownerReferences ?? []).map((r) => `${r.kind}/${r.name}`), want, `${JSON.stringify(policy)} ordinal ${ordinal}`);
      assert.ok(isClaimOwnerUpToDate(claim, set, p));
    };
    check({ whenDeleted: 'Retain', whenScaled: 'Retain' }, 0, []);
    check({ whenDeleted: 'Delete', whenScaled: 'Retain' }, 0, ['StatefulSet/web']);
    check({ whenDeleted: 'Delete', whenScaled: 'Retain' }, 5, ['StatefulSet/web']);
    check({ whenDeleted: 'Retain', whenScaled: 'Delete' }, 0, []);
    check({ whenDeleted: 'Retain', whenScaled: 'Delete' }, 5, ['Pod/web-5']);
    check({ whenDeleted: 'Delete', whenScaled: 'Delete' }, 1, ['StatefulSet/web']);
    check({ whenDeleted: 'Delete', whenScaled: 'Delete' }, 2, ['Pod/web-2']);
    // A claim without references under Delete/Delete is out of date.
    const set = statefulSet({ claims: ['www'], policy: { whenDeleted: 'Delete', whenScaled: 'Delete' } });
    const p = pod(set, 0, 'r');
    assert.ok(!isClaimOwnerUpToDate([...persistentVolumeClaims(set, p).values()][0], set, p));
  });

  it('a revision holds the template as a replacing patch; applying it restores the template', () => {
    const set = statefulSet({ image: 'a:1' });
    const r = newRevision(set, 3, 0);
    assert.equal(r.revision, 3);
    // As Go writes the typed template (creationTimestamp null, resources {}), keys sorted.
    assert.equal(JSON.stringify(r.data), JSON.stringify({ spec: { template: {
      $patch: 'replace',
      metadata: { creationTimestamp: null, labels: { app: 'web' } },
      spec: { containers: [{ image: 'a:1', name: 'c', resources: {} }] },
    } } }));
    const hash = hashControllerRevision(r, 0);
    assert.equal(r.metadata.name, `web-${hash}`);
    assert.equal(r.metadata.labels?.['controller-revision-hash'], hash);
    assert.equal(r.metadata.ownerReferences?.[0].uid, 'set-uid');
    const changed = statefulSet({ image: 'b:2' });
    assert.deepEqual(applyRevision(changed, r).spec?.template, {
      metadata: { creationTimestamp: null, labels: { app: 'web' } }, spec: { containers: [{ image: 'a:1', name: 'c', resources: {} }] },
    });
    assert.notEqual(newRevision(changed, 3, 0).metadata.name, r.metadata.name);
  });
});

describe('StatefulSet scaling', () => {
  it('OrderedReady creates web-0 (its claim first) and nothing more until it is Running and Ready', async () => {
    const set = statefulSet({ claims: ['www'] });
    const f = fixture(set);
    await f.sync();
    assert.deepEqual(f.objects.created, ['web-0']);
    assert.deepEqual(f.objects.createdClaims.map((c) => c.metadata.name), ['www-web-0']);
    assert.equal(f.revisionsCreated.length, 1);
    assert.equal(getPodRevision(f.objects.createdPods[0]), f.revisionsCreated[0].metadata.name);
    assert.deepEqual(f.events, [
      'Normal SuccessfulCreate create Claim www-web-0 Pod web-0 in StatefulSet web success',
      'Normal SuccessfulCreate create Pod web-0 in StatefulSet web successful',
    ]);
    const rev = f.revisionsCreated[0].metadata.name ?? '';
    assert.equal(f.statuses.at(-1)?.updateRevision, rev);
    assert.equal(f.statuses.at(-1)?.currentRevision, rev);
    assert.equal(f.statuses.at(-1)?.observedGeneration, 1);

    // web-0 running but not ready: still nothing.
    const r1 = revisionOf(set, 1);
    const notReady = fixture(set, [pod(set, 0, r1.metadata.name ?? '', { ready: false })], [r1]);
    await notReady.sync();
    assert.deepEqual(notReady.objects.created, []);
    // Pending (no phase change yet) is not Running either.
    const pending = fixture(set, [pod(set, 0, r1.metadata.name ?? '', { phase: 'Pending', ready: false })], [r1]);
    await pending.sync();
    assert.deepEqual(pending.objects.created, []);
    // web-0 ready: web-1 next, and only web-1.
    const ready = fixture(set, [pod(set, 0, r1.metadata.name ?? '')], [r1]);
    await ready.sync();
    assert.deepEqual(ready.objects.created, ['web-1']);
    assert.equal(ready.revisionsCreated.length, 0, 'the existing revision is reused');
  });

  it('OrderedReady waits minReadySeconds before the next ordinal', async () => {
    const set = statefulSet({ minReadySeconds: 10 });
    const r1 = revisionOf(set, 1);
    const f = fixture(set, [pod(set, 0, r1.metadata.name ?? '', { readySince: T0 - 5000 })], [r1]);
    await f.sync();
    assert.deepEqual(f.objects.created, []);
    const later = fixture(set, [pod(set, 0, r1.metadata.name ?? '', { readySince: T0 - 11_000 })], [r1]);
    await later.sync();
    assert.deepEqual(later.objects.created, ['web-1']);
  });

  it('Parallel creates every missing pod at once, whatever the others\' state', async () => {
    const set = statefulSet({ replicas: 4, parallel: true });
    const r1 = revisionOf(set, 1);
    const f = fixture(set, [pod(set, 1, r1.metadata.name ?? '', { ready: false })], [r1]);
    await f.sync();
    assert.deepEqual([...f.objects.created].sort(), ['web-0', 'web-2', 'web-3']);
  });

  it('scales down from the highest ordinal, one at a time under OrderedReady, all at once under Parallel', async () => {
    const set = statefulSet({ replicas: 1 });
    const r1 = revisionOf(set, 1);
    const name = r1.metadata.name ?? '';
    const f = fixture(set, [pod(set, 0, name), pod(set, 1, name), pod(set, 2, name)], [r1]);
    await f.sync();
    assert.deepEqual(f.objects.deleted, ['web-2']);
    assert.ok(f.events.includes('Normal SuccessfulDelete delete Pod web-2 in StatefulSet web successful'));
    // web-2 terminating: OrderedReady waits for it to go before web-1.
    const waiting = fixture(set, [pod(set, 0, name), pod(set, 1, name), pod(set, 2, name, { terminating: true })], [r1]);
    await waiting.sync();
    assert.deepEqual(waiting.objects.deleted, []);
    const parallel = statefulSet({ replicas: 1, parallel: true });
    const p = fixture(parallel, [pod(parallel, 0, name), pod(parallel, 1, name), pod(parallel, 2, name)], [revisionOf(parallel, 1)]);
    await p.sync();
    assert.deepEqual([...p.objects.deleted].sort(), ['web-1', 'web-2']);
  });

  it('a failed pod is deleted, and the next sync creates it again under the same name', async () => {
    const set = statefulSet();
    const r1 = revisionOf(set, 1);
    const name = r1.metadata.name ?? '';
    const f = fixture(set, [pod(set, 0, name), pod(set, 1, name, { phase: 'Failed', ready: false }), pod(set, 2, name)], [r1]);
    await f.sync();
    assert.deepEqual(f.objects.deleted, ['web-1']);
    assert.deepEqual(f.objects.created, []);
    const gone = fixture(set, [pod(set, 0, name), pod(set, 2, name)], [r1]);
    await gone.sync();
    assert.deepEqual(gone.objects.created, ['web-1']);
  });

  it('status counts replicas, ready, available, current and updated pods', async () => {
    const set = statefulSet({ minReadySeconds: 10 });
    const r1 = revisionOf(set, 1);
    const name = r1.metadata.name ?? '';
    set.status = { replicas: 0, currentRevision: name };
    const f = fixture(set, [pod(set, 0, name), pod(set, 1, name, { readySince: T0 - 1000 }), pod(set, 2, name, { ready: false })], [r1]);
    await f.sync();
    assert.deepEqual(f.statuses.at(-1), {
      observedGeneration: 1, replicas: 3, readyReplicas: 2, availableReplicas: 1, currentReplicas: 3, updatedReplicas: 3,
      currentRevision: name, updateRevision: name, collisionCount: 0,
    });
  });
});

describe('StatefulSet updates', () => {
  /** Three healthy pods of the old template, the set now on a new image. */
  function rolling(o: SetOpts, updated: number[] = []) {
    const old = statefulSet({ ...o, image: 'busybox:1' });
    const cur = statefulSet({ ...o, image: 'busybox:2' });
    const r1 = revisionOf(old, 1);
    const r2 = revisionOf(cur, 2);
    const oldName = r1.metadata.name ?? '';
    cur.status = { replicas: 3, currentRevision: oldName, currentReplicas: 3 - updated.length };
    const pods = [0, 1, 2].map((i) => (updated.includes(i) ? pod(cur, i, r2.metadata.name ?? '') : pod(old, i, oldName)));
    return { f: fixture(cur, pods, updated.length ? [r1, r2] : [r1]), oldName, newName: r2.metadata.name ?? '' };
  }

  it('RollingUpdate deletes the highest ordinal not at the update revision, one at a time', async () => {
    const { f, newName, oldName } = rolling({});
    await f.sync();
    assert.equal(f.revisionsCreated[0]?.metadata.name, newName);
    assert.deepEqual(f.objects.deleted, ['web-2']);
    assert.equal(f.statuses.at(-1)?.updateRevision, newName);
    assert.equal(f.statuses.at(-1)?.currentRevision, oldName);
    const next = rolling({}, [2]);
    await next.f.sync();
    assert.deepEqual(next.f.objects.deleted, ['web-1']);
  });

  it('with partition 1 only ordinals >= 1 are updated; web-0 keeps the current revision', async () => {
    const first = rolling({ partition: 1 });
    await first.f.sync();
    assert.deepEqual(first.f.objects.deleted, ['web-2']);
    const second = rolling({ partition: 1 }, [2]);
    await second.f.sync();
    assert.deepEqual(second.f.objects.deleted, ['web-1']);
    const done = rolling({ partition: 1 }, [1, 2]);
    await done.f.sync();
    assert.deepEqual(done.f.objects.deleted, []);
    assert.equal(done.f.statuses.at(-1)?.updatedReplicas, 2);
    assert.equal(done.f.statuses.at(-1)?.currentRevision, done.oldName, 'not complete while web-0 is old');
  });

  it('a pod recreated below the partition gets the current revision, above it the update revision', async () => {
    const old = statefulSet({ image: 'busybox:1', partition: 2 });
    const cur = statefulSet({ image: 'busybox:2', partition: 2 });
    const r1 = revisionOf(old, 1);
    const r2 = revisionOf(cur, 2);
    cur.status = { replicas: 3, currentRevision: r1.metadata.name, currentReplicas: 2 };
    const f = fixture(cur, [pod(old, 0, r1.metadata.name ?? ''), pod(cur, 2, r2.metadata.name ?? '')], [r1, r2]);
    await f.sync();
    assert.deepEqual(f.objects.created, ['web-1']);
    assert.equal(getPodRevision(f.objects.createdPods[0]), r1.metadata.name);
    assert.equal(f.objects.createdPods[0].spec?.containers[0].image, 'busybox:1');
  });

  it('OnDelete deletes nothing for an update', async () => {
    const { f } = rolling({ onDelete: true });
    await f.sync();
    assert.deepEqual(f.objects.deleted, []);
  });

  it('a finished rolling update makes the update revision current', () => {
    const set = statefulSet();
    const status: StatefulSetStatus = { replicas: 3, readyReplicas: 3, updatedReplicas: 3, currentReplicas: 0, currentRevision: 'a', updateRevision: 'b' };
    completeRollingUpdate(set, status);
    assert.equal(status.currentRevision, 'b');
    assert.equal(status.currentReplicas, 3);
  });

  it('revisions beyond revisionHistoryLimit that no pod uses are deleted, oldest first', async () => {
    const set = statefulSet({ revisionHistoryLimit: 1, image: 'v:5' });
    const revs = [1, 2, 3, 4].map((n) => revisionOf(statefulSet({ image: `v:${n}` }), n));
    const cur = revisionOf(set, 5);
    set.status = { replicas: 3, currentRevision: cur.metadata.name };
    const name = cur.metadata.name ?? '';
    const f = fixture(set, [pod(set, 0, name), pod(set, 1, revs[3].metadata.name ?? ''), pod(set, 2, name)], [...revs, cur]);
    await f.sync();
    // Live: revision 5 (current and update) and 4 (web-1's); of 1..3 one is kept.
    assert.deepEqual(f.revisionsDeleted, [revs[0].metadata.name, revs[1].metadata.name]);
  });

  it('a template changed back to an older revision reuses that revision (a rollback)', async () => {
    const set = statefulSet({ image: 'v:1' });
    const r1 = revisionOf(set, 1);
    const r2 = revisionOf(statefulSet({ image: 'v:2' }), 2);
    set.status = { replicas: 0, currentRevision: r2.metadata.name };
    const f = fixture(set, [], [r1, r2]);
    await f.sync();
    assert.equal(f.revisionsCreated.length, 0);
    assert.equal(f.statuses.at(-1)?.updateRevision, r1.metadata.name);
  });
});
