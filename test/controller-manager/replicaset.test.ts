// ReplicaSet controller unit tests in sample-controller's shape: filled caches, a
// FakePodControl recording what it was asked, a fake status client, a FakeClock; each
// test calls reconcile(key) and checks the actions. Also the shared pieces on their
// own: expectations, pod ranking for scale-down, claiming, pods from templates.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { forbidden, notFound, StatusError } from '../../api/errors.js';
import { rfc3339 } from '../../api/helpers/time.js';
import { selectorFromLabelSelector } from '../../api/labels.js';
import type { ReplicaSet, ReplicaSetStatus } from '../../api/types/apps.js';
import type { ObjectReference, Pod, ReplicationController } from '../../api/types/core.js';
import type { KubeObject } from '../../api/types/meta.js';
import { FakeClock } from '../../client/clock.js';
import type { WorkQueue } from '../../client/work-queue.js';
import { PodControllerRefManager } from '../../controller-manager/controller-ref-manager.js';
import { ControllerExpectations, EXPECTATIONS_TIMEOUT_MS, UIDTrackingControllerExpectations } from '../../controller-manager/expectations.js';
import { FakePodControl, podFromTemplate, RealPodControl } from '../../controller-manager/pod-control.js';
import { compareActivePods, POD_DELETION_COST_ANNOTATION, podDeletionCost, ranksByRelatedPodsOnSameNode, sortPodsForDeletion } from '../../api/helpers/pod-ranking.js';
import { ReplicaSetController } from '../../controller-manager/replicaset/controller.js';
import { replicaSetKind, type ReplicaSetKind } from '../../controller-manager/replicaset/kinds.js';
import { replicationControllerKind } from '../../controller-manager/replicaset/replication-controller.js';
import { calculateStatus, nextAvailabilityCheck } from '../../controller-manager/replicaset/status.js';
import { slowStartBatch } from '../../controller-manager/replicaset/sync.js';
import { FakeCache } from '../harness/fake-cache.js';

// ---------------------------------------------------------------- fakes


/** The status writes the controller made, and the object an uncached GET returns. */
class FakeStatusClient<T extends KubeObject> {
  readonly updates: T[] = [];
  readonly gets: string[] = [];
  fresh?: T;
  failUpdates = 0;
  getErr?: Error;

  async get(namespace: string, name: string): Promise<T> {
    this.gets.push(`${namespace}/${name}`);
    if (this.getErr) throw this.getErr;
    if (!this.fresh) throw notFound({ group: 'apps', resource: 'replicasets' }, name);
    return structuredClone(this.fresh);
  }
  async updateStatus(_namespace: string, obj: T): Promise<T> {
    this.updates.push(structuredClone(obj));
    if (this.failUpdates > 0) {
      this.failUpdates--;
      throw new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 409, reason: 'Conflict', message: 'the object has been modified' });
    }
    return { ...structuredClone(obj), metadata: { ...obj.metadata, resourceVersion: String(Number(obj.metadata.resourceVersion ?? 0) + 1) } };
  }
}

const silent = pino({ level: 'silent' });
const NS = 'default';
const T0 = Date.UTC(2026, 0, 1);

function newRS(name: string, replicas: number, o: { minReadySeconds?: number; labels?: Record<string, string>; uid?: string; status?: ReplicaSetStatus; owner?: string } = {}): ReplicaSet {
  const labels = o.labels ?? { app: name };
  return {
    apiVersion: 'apps/v1', kind: 'ReplicaSet',
    metadata: {
      name, namespace: NS, uid: o.uid ?? `uid-${name}`, generation: 1, resourceVersion: '1',
      ...(o.owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'd', uid: o.owner, controller: true }] } : {}),
    },
    spec: {
      replicas, minReadySeconds: o.minReadySeconds ?? 0, selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
    },
    status: o.status ?? { replicas: 0 },
  };
}

interface PodOpts {
  owner?: KubeObject;
  labels?: Record<string, string>;
  node?: string;
  phase?: string;
  /** ms when it became Ready; undefined: not ready. */
  readySince?: number;
  created?: number;
  restarts?: number;
  deleting?: boolean;
  uid?: string;
  cost?: string;
}

let rv = 10;
function newPod(name: string, o: PodOpts = {}): Pod {
  const ownerKind = (o.owner?.kind as string | undefined) ?? 'ReplicaSet';
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      name, namespace: NS, uid: o.uid ?? `uid-${name}`, resourceVersion: String(++rv),
      labels: o.labels ?? (o.owner ? { app: o.owner.metadata.name as string } : {}),
      creationTimestamp: rfc3339(o.created ?? T0 - 3600_000),
      ...(o.cost !== undefined ? { annotations: { [POD_DELETION_COST_ANNOTATION]: o.cost } } : {}),
      ...(o.deleting ? { deletionTimestamp: rfc3339(T0) } : {}),
      ...(o.owner ? { ownerReferences: [{ apiVersion: ownerKind === 'ReplicaSet' ? 'apps/v1' : 'v1', kind: ownerKind, name: o.owner.metadata.name as string, uid: o.owner.metadata.uid as string, controller: true, blockOwnerDeletion: true }] } : {}),
    },
    spec: { containers: [{ name: 'c', image: 'busybox' }], ...(o.node !== undefined ? { nodeName: o.node } : { nodeName: 'node-1' }) },
    status: {
      phase: o.phase ?? 'Running',
      conditions: o.readySince !== undefined
        ? [{ type: 'Ready', status: 'True', lastTransitionTime: rfc3339(o.readySince) }]
        : [{ type: 'Ready', status: 'False', lastTransitionTime: rfc3339(T0 - 3600_000) }],
      containerStatuses: [{ name: 'c', ready: o.readySince !== undefined, restartCount: o.restarts ?? 0, image: 'busybox', imageID: '' }],
    },
  };
}

function fixture<T extends KubeObject = ReplicaSet>(kind: ReplicaSetKind<T> = replicaSetKind as unknown as ReplicaSetKind<T>) {
  const clock = new FakeClock(T0);
  const rsCache = new FakeCache<T>();
  const podCache = new FakeCache<Pod>();
  const client = new FakeStatusClient<T>();
  const podControl = new FakePodControl();
  const controller = new ReplicaSetController<T>({ kind, rsInformer: rsCache, podInformer: podCache, client, podControl, clock, log: silent });
  return { clock, rsCache, podCache, client, podControl, controller };
}

/** Keys waiting in the queue now (taken out and marked done). */
async function queued(c: { queue: WorkQueue }): Promise<string[]> {
  const keys: string[] = [];
  while (c.queue.length) {
    const k = (await c.queue.get()) as string;
    keys.push(k);
    c.queue.done(k);
  }
  return keys.sort();
}

const lastStatus = (client: FakeStatusClient<ReplicaSet>): ReplicaSetStatus | undefined => client.updates.at(-1)?.status;

// ---------------------------------------------------------------- manageReplicas

describe('ReplicaSet reconcile', () => {
  it('creates the missing pods, owned by the ReplicaSet, and writes status', async () => {
    const f = fixture();
    const rs = newRS('web', 3);
    f.rsCache.fill(rs);
    await f.controller.reconcile('default/web');
    assert.equal(f.podControl.templates.length, 3);
    for (const ref of f.podControl.controllerRefs) {
      assert.deepEqual(ref, { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'uid-web', controller: true, blockOwnerDeletion: true });
    }
    assert.deepEqual(f.podControl.templates[0], rs.spec?.template);
    assert.deepEqual(f.controller.expectations.getExpectations('default/web'), { add: 3, del: 0, timestamp: T0 });
    // replicas is still 0 (the cache has no pod yet); observedGeneration is new, so it is written.
    assert.deepEqual(lastStatus(f.client), { replicas: 0, observedGeneration: 1 });
  });

  it('creates in slow-start batches of 1, 2, 4... and stops at the first batch with a failure', async () => {
    const f = fixture();
    f.rsCache.fill(newRS('web', 10));
    f.podControl.createLimit = 4; // a quota for 4 pods: batches 1 and 2 succeed, the batch of 4 has 1 success and 3 failures
    await assert.rejects(f.controller.reconcile('default/web'), /limit 4 already reached/);
    assert.equal(f.podControl.createCallCount, 7, 'batches 1, 2 and 4 were tried; the batch of 3 never was');
    assert.equal(f.podControl.templates.length, 4);
    // 10 expected, 6 skipped or failed taken off at once: only the 4 created are waited for.
    assert.equal(f.controller.expectations.getExpectations('default/web')?.add, 4);
  });

  it('slowStartBatch: batch sizes and the count of successes', async () => {
    // The calls of a batch start together: the first to resume sees how many started.
    const sizes: number[] = [];
    let started = 0;
    const r = await slowStartBatch(10, 1, async () => {
      started++;
      await Promise.resolve();
      if (started) sizes.push(started);
      started = 0;
    });
    assert.deepEqual(r, { successes: 10 });
    assert.deepEqual(sizes, [1, 2, 4, 3]);
    let calls = 0;
    const failing = await slowStartBatch(10, 1, async () => {
      if (++calls === 2) throw new Error('boom');
    });
    assert.equal(failing.successes, 2);
    assert.equal((failing.error as Error).message, 'boom');
    assert.equal(calls, 3);
  });

  it('creates at most burstReplicas (500) pods per sync', async () => {
    const f = fixture();
    f.rsCache.fill(newRS('big', 600));
    await f.controller.reconcile('default/big');
    assert.equal(f.podControl.templates.length, 500);
  });

  it('does nothing while expectations are unsatisfied, and again once they expire', async () => {
    const f = fixture();
    f.rsCache.fill(newRS('web', 3));
    await f.controller.reconcile('default/web');
    assert.equal(f.podControl.templates.length, 3);
    // The cache has not seen the creates yet: the next syncs must not create again.
    await f.controller.reconcile('default/web');
    f.clock.step(EXPECTATIONS_TIMEOUT_MS);
    await f.controller.reconcile('default/web');
    assert.equal(f.podControl.templates.length, 3);
    // Five minutes without the watch events: the creates are taken as lost.
    f.clock.step(1);
    await f.controller.reconcile('default/web');
    assert.equal(f.podControl.templates.length, 6);
  });

  it('observed creations satisfy expectations; then nothing more is created', async () => {
    const f = fixture();
    const rs = newRS('web', 3);
    f.rsCache.fill(rs);
    await f.controller.reconcile('default/web');
    for (let i = 0; i < 2; i++) f.podCache.add(newPod(`web-${i}`, { owner: rs }));
    assert.equal(f.controller.expectations.satisfiedExpectations('default/web'), false);
    f.podCache.add(newPod('web-2', { owner: rs }));
    assert.equal(f.controller.expectations.satisfiedExpectations('default/web'), true);
    assert.deepEqual(await queued(f.controller), ['default/web']);
    f.podControl.clear();
    await f.controller.reconcile('default/web');
    assert.equal(f.podControl.templates.length, 0);
    assert.equal(f.podControl.deletePodNames.length, 0);
    assert.equal(lastStatus(f.client)?.replicas, 3);
  });

  it('deletes the least valuable pods first and expects exactly those deletions', async () => {
    const f = fixture();
    const rs = newRS('web', 2);
    f.rsCache.fill(rs);
    f.podCache.fill(
      newPod('old-ready', { owner: rs, readySince: T0 - 7200_000, created: T0 - 7300_000 }),
      newPod('new-ready', { owner: rs, readySince: T0 - 60_000, created: T0 - 7300_000 }),
      newPod('not-ready', { owner: rs }),
      newPod('pending', { owner: rs, phase: 'Pending' }),
      newPod('unscheduled', { owner: rs, phase: 'Pending', node: '' }),
      newPod('failed', { owner: rs, phase: 'Failed' }), // terminal: not counted, not deleted
      newPod('terminating', { owner: rs, deleting: true }), // being deleted: not counted
    );
    await f.controller.reconcile('default/web');
    assert.deepEqual(f.podControl.deletePodNames.sort(), ['not-ready', 'pending', 'unscheduled']);
    assert.deepEqual([...(f.controller.expectations.getUIDs('default/web') ?? [])].sort(), ['default/not-ready', 'default/pending', 'default/unscheduled']);
    // Seen terminating, then gone: counted once.
    const pending = f.podCache.getByKey('default/pending') as Pod;
    f.podCache.update({ ...pending, metadata: { ...pending.metadata, deletionTimestamp: rfc3339(T0), resourceVersion: '999' } });
    f.podCache.remove(pending);
    assert.equal(f.controller.expectations.getExpectations('default/web')?.del, 2);
    // A pod the controller did not delete does not count.
    f.podCache.remove(f.podCache.getByKey('default/old-ready') as Pod);
    assert.equal(f.controller.expectations.getExpectations('default/web')?.del, 2);
    // A deletion found by a relist arrives with the last state known (the tombstone's object).
    const unscheduled = f.podCache.getByKey('default/unscheduled') as Pod;
    f.podCache.remove(unscheduled, structuredClone(unscheduled));
    f.podCache.remove(f.podCache.getByKey('default/not-ready') as Pod);
    assert.equal(f.controller.expectations.satisfiedExpectations('default/web'), true);
  });

  it('a pod already gone counts as deleted; another delete failure is reported and not waited for', async () => {
    const f = fixture();
    const rs = newRS('web', 0);
    f.rsCache.fill(rs);
    f.podCache.fill(newPod('a', { owner: rs }));
    f.podControl.err = notFound({ group: '', resource: 'pods' }, 'a');
    await f.controller.reconcile('default/web');
    assert.equal(f.controller.expectations.satisfiedExpectations('default/web'), true);
    f.podControl.err = new Error('unable to delete pods: etcd is sad');
    await assert.rejects(f.controller.reconcile('default/web'), /etcd is sad/);
    assert.equal(f.controller.expectations.satisfiedExpectations('default/web'), true);
    assert.deepEqual(lastStatus(f.client)?.conditions?.map((c) => [c.type, c.reason]), [['ReplicaFailure', 'FailedDelete']]);
  });

  it('a failed create sets ReplicaFailure (FailedCreate) and is retried; success removes it', async () => {
    const f = fixture();
    f.rsCache.fill(newRS('web', 2));
    const quota = forbidden('pods "web-x" is forbidden: exceeded quota: q, requested: pods=1, used: pods=5, limited: pods=5');
    f.podControl.err = quota;
    const err = await f.controller.reconcile('default/web').then(() => undefined, (e: unknown) => e);
    // Not the 403 itself: runWorkers would drop a permanent error, and quotas clear.
    assert.ok(err instanceof Error && !(err instanceof StatusError) && err.cause === quota);
    assert.equal(f.podControl.createCallCount, 1, 'the first batch failed: no second');
    const status = lastStatus(f.client);
    assert.deepEqual(status?.conditions, [{ type: 'ReplicaFailure', status: 'True', lastTransitionTime: rfc3339(T0), reason: 'FailedCreate', message: quota.message }]);
    // The write carried the condition; the cache now has it too, and the quota is lifted.
    f.rsCache.update({ ...newRS('web', 2), status: structuredClone(status) });
    f.podControl.err = undefined;
    await f.controller.reconcile('default/web');
    assert.equal(lastStatus(f.client)?.conditions, undefined);
  });

  it('writes status only when it changed, retrying a failed write once on a fresh read', async () => {
    const f = fixture();
    const rs = newRS('web', 1, { status: { replicas: 1, readyReplicas: 1, availableReplicas: 1, fullyLabeledReplicas: 1, observedGeneration: 1 } });
    f.rsCache.fill(rs);
    f.podCache.fill(newPod('a', { owner: rs, readySince: T0 - 1000 }));
    await f.controller.reconcile('default/web');
    assert.equal(f.client.updates.length, 0);
    f.podCache.update(newPod('a', { owner: rs }));
    f.client.fresh = { ...structuredClone(rs), metadata: { ...rs.metadata, resourceVersion: '7' } };
    f.client.failUpdates = 1;
    await f.controller.reconcile('default/web');
    assert.equal(f.client.updates.length, 2);
    assert.equal(f.client.updates[1].metadata.resourceVersion, '7', 'the retry is based on the fresh read');
    assert.deepEqual(f.client.updates[1].status, { replicas: 1, fullyLabeledReplicas: 1, observedGeneration: 1 });
    f.client.failUpdates = 2;
    await assert.rejects(f.controller.reconcile('default/web'), /modified/);
  });

  it('a deleted ReplicaSet forgets its expectations; a ReplicaSet being deleted creates nothing', async () => {
    const f = fixture();
    const rs = newRS('web', 3);
    f.rsCache.fill(rs);
    await f.controller.reconcile('default/web');
    f.rsCache.remove(rs);
    assert.equal(f.controller.expectations.getExpectations('default/web'), undefined);
    await f.controller.reconcile('default/web');
    const dying = newRS('dying', 3);
    dying.metadata.deletionTimestamp = rfc3339(T0);
    f.rsCache.fill(dying);
    f.podControl.clear();
    await f.controller.reconcile('default/dying');
    assert.equal(f.podControl.createCallCount, 0);
  });

  it('bad input never crashes: an invalid selector is logged and dropped, a missing template fails creates', async () => {
    const f = fixture();
    const bad = newRS('bad', 1);
    (bad.spec as { selector: unknown }).selector = { matchExpressions: [{ key: 'a', operator: 'Sideways' }] };
    f.rsCache.fill(bad);
    await f.controller.reconcile('default/bad');
    assert.equal(f.podControl.createCallCount, 0);
    f.podCache.add(newPod('p', { labels: { a: 'b' } })); // its handler skips the bad selector too
    const f2 = fixture();
    const noTemplate = newRS('nt', 1);
    delete noTemplate.spec?.template;
    f2.rsCache.fill(noTemplate);
    await f2.controller.reconcile('default/nt');
    assert.equal(f2.podControl.createCallCount, 1, 'asked; RealPodControl refuses a template without labels');
  });
});

// ---------------------------------------------------------------- claiming

describe('adoption and release', () => {
  it('adopts matching orphans after an uncached re-read; releases owned pods that stopped matching', async () => {
    const f = fixture();
    const rs = newRS('web', 2);
    const other = newRS('other', 1);
    f.rsCache.fill(rs, other);
    f.client.fresh = rs;
    f.podCache.fill(
      newPod('orphan', { labels: { app: 'web' } }),
      newPod('owned-moved', { owner: rs, labels: { app: 'elsewhere' } }),
      newPod('others', { owner: other, labels: { app: 'web' } }),
      newPod('orphan-dying', { labels: { app: 'web' }, deleting: true }),
      newPod('owned', { owner: rs }),
    );
    await f.controller.reconcile('default/web');
    assert.deepEqual(f.client.gets, ['default/web'], 'one uncached GET, before adopting');
    assert.deepEqual(f.podControl.patches, [
      { namespace: 'default', name: 'orphan', patch: { metadata: { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'uid-web', controller: true, blockOwnerDeletion: true }], uid: 'uid-orphan' } } },
      { namespace: 'default', name: 'owned-moved', patch: { metadata: { uid: 'uid-owned-moved', ownerReferences: [{ $patch: 'delete', uid: 'uid-web' }] } } },
    ]);
    // owned + adopted orphan = 2: nothing to create or delete.
    assert.equal(f.podControl.createCallCount, 0);
    assert.equal(f.podControl.deletePodNames.length, 0);
    assert.equal(lastStatus(f.client)?.replicas, 2);
  });

  it('does not adopt when the fresh read shows the ReplicaSet being deleted, or a different one', async () => {
    const rs = newRS('web', 1);
    const pods = [newPod('orphan', { labels: { app: 'web' } })];
    const podControl = new FakePodControl();
    const deleting = { ...rs, metadata: { ...rs.metadata, deletionTimestamp: rfc3339(T0) } };
    const m = new PodControllerRefManager({
      podControl, controller: rs, selector: selectorFromLabelSelector(rs.spec?.selector), kind: { apiVersion: 'apps/v1', kind: 'ReplicaSet' },
      canAdopt: async () => { if (deleting.metadata.deletionTimestamp) throw new Error('default/web has just been deleted'); },
    });
    await assert.rejects(m.claimPods(pods), /can't adopt Pod default\/orphan \(uid-orphan\): default\/web has just been deleted/);
    assert.equal(podControl.patches.length, 0);

    const f = fixture();
    f.rsCache.fill(rs);
    f.podCache.fill(...pods);
    f.client.fresh = { ...rs, metadata: { ...rs.metadata, uid: 'uid-new' } };
    await assert.rejects(f.controller.reconcile('default/web'), /original ReplicaSet default\/web is gone: got uid uid-new, wanted uid-web/);
    assert.equal(f.podControl.patches.length, 0);
    assert.equal(f.podControl.createCallCount, 0, 'a failed claim stops the sync');
  });

  it('a ReplicaSet being deleted neither adopts nor releases', async () => {
    const rs = newRS('web', 1);
    rs.metadata.deletionTimestamp = rfc3339(T0);
    const podControl = new FakePodControl();
    const m = new PodControllerRefManager({ podControl, controller: rs, selector: selectorFromLabelSelector(rs.spec?.selector), kind: { apiVersion: 'apps/v1', kind: 'ReplicaSet' } });
    const claimed = await m.claimPods([newPod('orphan', { labels: { app: 'web' } }), newPod('moved', { owner: rs, labels: { app: 'x' } }), newPod('mine', { owner: rs })]);
    assert.deepEqual(claimed.map((p) => p.metadata.name), ['mine']);
    assert.equal(podControl.patches.length, 0);
  });
});

// ---------------------------------------------------------------- handlers

describe('pod handlers', () => {
  it('map a pod to its controller, an orphan to every matching ReplicaSet, a label change to old and new', async () => {
    const f = fixture();
    const web = newRS('web', 1);
    const api = newRS('api', 1);
    const foreign = newRS('foreign', 1, { labels: { app: 'web' }, uid: 'uid-x' });
    f.rsCache.fill(web, api);
    f.podCache.add(newPod('a', { owner: web }));
    assert.deepEqual(await queued(f.controller), ['default/web']);
    // An owner of another kind, or a ReplicaSet of that name with another uid, is no controller here.
    f.podCache.add(newPod('b', { owner: { ...foreign, kind: 'StatefulSet' } }));
    f.podCache.add(newPod('c', { owner: foreign }));
    assert.deepEqual(await queued(f.controller), []);
    f.podCache.add(newPod('orphan', { labels: { app: 'api' } }));
    assert.deepEqual(await queued(f.controller), ['default/api']);
    f.podCache.update(newPod('orphan', { labels: { app: 'web' } }));
    assert.deepEqual(await queued(f.controller), ['default/web']);
    // Owned by web, relabelled for api: web (to release it) now; api once it is an orphan.
    f.podCache.update(newPod('a', { owner: web, labels: { app: 'api' } }));
    assert.deepEqual(await queued(f.controller), ['default/web']);
    f.podCache.update(newPod('a', { labels: { app: 'api' } }));
    assert.deepEqual(await queued(f.controller), ['default/api', 'default/web']);
    // A resync (same resourceVersion) wakes nobody.
    const same = f.podCache.getByKey('default/a') as Pod;
    f.podCache.update(same);
    assert.deepEqual(await queued(f.controller), []);
  });

  it('a pod becoming Ready requeues its ReplicaSet after minReadySeconds + 1s', async () => {
    const f = fixture();
    const rs = newRS('web', 1, { minReadySeconds: 10 });
    f.rsCache.fill(rs);
    f.podCache.fill(newPod('a', { owner: rs }));
    f.podCache.update(newPod('a', { owner: rs, readySince: T0 }));
    assert.deepEqual(await queued(f.controller), ['default/web']);
    f.clock.step(10_999);
    assert.deepEqual(await queued(f.controller), []);
    f.clock.step(1);
    assert.deepEqual(await queued(f.controller), ['default/web']);
  });

  it('a sync requeues at the moment the next ready pod becomes available', async () => {
    const f = fixture();
    const rs = newRS('web', 2, { minReadySeconds: 10 });
    f.rsCache.fill(rs);
    f.podCache.fill(newPod('a', { owner: rs, readySince: T0 - 4000 }), newPod('b', { owner: rs, readySince: T0 - 60_000 }));
    await f.controller.reconcile('default/web');
    assert.deepEqual(lastStatus(f.client), { replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 1, observedGeneration: 1 });
    f.clock.step(5999);
    assert.deepEqual(await queued(f.controller), []);
    f.clock.step(1);
    assert.deepEqual(await queued(f.controller), ['default/web']);
    f.rsCache.update({ ...rs, metadata: { ...rs.metadata, resourceVersion: '2' }, status: lastStatus(f.client) });
    await f.controller.reconcile('default/web');
    assert.equal(lastStatus(f.client)?.availableReplicas, 2);
  });

  it('a ReplicaSet recreated under the same name starts with clean expectations', async () => {
    const f = fixture();
    const rs = newRS('web', 3);
    f.rsCache.fill(rs);
    await f.controller.reconcile('default/web');
    f.rsCache.update(newRS('web', 3, { uid: 'uid-web-2' }));
    assert.equal(f.controller.expectations.getExpectations('default/web'), undefined);
  });
});

// ---------------------------------------------------------------- status

describe('calculateStatus', () => {
  const rs = newRS('web', 3, { minReadySeconds: 30 });
  const cases: { name: string; pods: Pod[]; err?: Error; status?: ReplicaSetStatus; want: ReplicaSetStatus }[] = [
    { name: 'no pods', pods: [], want: { replicas: 0 } },
    {
      name: 'labels, readiness and availability counted separately',
      pods: [
        newPod('a', { owner: rs, readySince: T0 - 60_000 }), // available
        newPod('b', { owner: rs, readySince: T0 - 30_000 }), // ready exactly minReadySeconds: available
        newPod('c', { owner: rs, readySince: T0 - 29_000 }), // ready, not yet available
        newPod('d', { owner: rs, labels: { app: 'web', extra: 'x' } }), // extra labels still fully labelled
        newPod('e', { owner: rs, labels: { other: 'y' } }), // claimed earlier, template labels missing
      ],
      want: { replicas: 5, fullyLabeledReplicas: 4, readyReplicas: 3, availableReplicas: 2 },
    },
    {
      name: 'a manageReplicas error with too few pods: ReplicaFailure FailedCreate',
      pods: [newPod('a', { owner: rs })], err: new Error('quota'),
      want: { replicas: 1, fullyLabeledReplicas: 1, conditions: [{ type: 'ReplicaFailure', status: 'True', lastTransitionTime: rfc3339(T0), reason: 'FailedCreate', message: 'quota' }] },
    },
    {
      name: 'an existing failure condition is kept as it was',
      pods: [], err: new Error('new message'),
      status: { replicas: 0, observedGeneration: 1, conditions: [{ type: 'ReplicaFailure', status: 'True', lastTransitionTime: 'then', reason: 'FailedCreate', message: 'old' }] },
      want: { replicas: 0, observedGeneration: 1, conditions: [{ type: 'ReplicaFailure', status: 'True', lastTransitionTime: 'then', reason: 'FailedCreate', message: 'old' }] },
    },
    {
      name: 'success removes the condition',
      pods: [], status: { replicas: 0, conditions: [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedDelete', message: 'x' }] },
      want: { replicas: 0 },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(calculateStatus({ ...rs, status: c.status ?? { replicas: 0 } }, c.pods, c.err, T0), c.want);
    });
  }

  it('nextAvailabilityCheck: the wait until the first ready pod becomes available', () => {
    const pods = [newPod('a', { readySince: T0 - 4000 }), newPod('b', { readySince: T0 - 8000 }), newPod('c'), newPod('d', { readySince: T0 - 60_000 })];
    assert.equal(nextAvailabilityCheck(pods, 10, T0), 2000);
    assert.equal(nextAvailabilityCheck(pods, 0, T0), undefined);
    assert.equal(nextAvailabilityCheck([pods[3]], 10, T0), undefined);
  });
});

// ---------------------------------------------------------------- pod ranking

describe('pod ranking for scale-down', () => {
  const names = (pods: Pod[]): string[] => pods.map((p) => p.metadata.name as string);

  it('unassigned < Pending < Unknown < Running; not ready < ready; restarts; newer first', () => {
    const pods = [
      newPod('running-ready', { readySince: T0 - 1000 }),
      newPod('running-restarts', { restarts: 3 }),
      newPod('running', {}),
      newPod('unknown', { phase: 'Unknown' }),
      newPod('pending', { phase: 'Pending' }),
      newPod('unassigned', { phase: 'Pending', node: '' }),
    ];
    assert.deepEqual(names([...pods].sort(compareActivePods)), ['unassigned', 'pending', 'unknown', 'running-restarts', 'running', 'running-ready']);
    const byAge = [newPod('old', { created: T0 - 100_000 }), newPod('new', { created: T0 - 1000 })];
    assert.deepEqual(names([...byAge].sort(compareActivePods)), ['new', 'old']);
  });

  it('deletion cost, then pods doubled up on a node, then ready time on a log scale with uid as tie-break', () => {
    assert.equal(podDeletionCost(newPod('x', { cost: '-007' })), -7);
    assert.equal(podDeletionCost(newPod('x', { cost: '+5' })), 0);
    assert.equal(podDeletionCost(newPod('x', { cost: '08' })), 0);
    assert.equal(podDeletionCost(newPod('x', { cost: '99999999999' })), 0);
    const cheap = newPod('cheap', { readySince: T0 - 1000, cost: '-1' });
    const crowded = newPod('crowded', { readySince: T0 - 1000, node: 'n1' });
    const alone = newPod('alone', { readySince: T0 - 1000, node: 'n2' });
    const related = [crowded, newPod('sibling', { node: 'n1' }), alone];
    const pods = [alone, crowded, cheap];
    assert.deepEqual(names(sortPodsForDeletion(pods, ranksByRelatedPodsOnSameNode(pods, related), T0)), ['cheap', 'crowded', 'alone']);
    // Ready 10 s and 12 s ago share a log2 bucket: the uid decides; 20 s ago is older.
    const p10 = newPod('p10', { readySince: T0 - 10_000, uid: 'b' });
    const p12 = newPod('p12', { readySince: T0 - 12_000, uid: 'a' });
    const p20 = newPod('p20', { readySince: T0 - 20_000, uid: '0' });
    assert.deepEqual(names(sortPodsForDeletion([p20, p10, p12], [0, 0, 0], T0)), ['p12', 'p10', 'p20']);
    // Without now: plain times, the later first.
    assert.deepEqual(names(sortPodsForDeletion([p20, p12, p10], [0, 0, 0])), ['p10', 'p12', 'p20']);
  });

  it('prefers pods on nodes crowded with pods of sibling ReplicaSets (same owner)', async () => {
    const f = fixture();
    const rs = newRS('v2', 1, { owner: 'uid-d', labels: { app: 'd', v: '2' } });
    const sibling = newRS('v1', 2, { owner: 'uid-d', labels: { app: 'd', v: '1' } });
    f.rsCache.fill(rs, sibling);
    f.podCache.fill(
      newPod('v2-on-busy', { owner: rs, labels: { app: 'd', v: '2' }, node: 'busy', readySince: T0 - 1000, created: T0 - 2000 }),
      newPod('v2-on-idle', { owner: rs, labels: { app: 'd', v: '2' }, node: 'idle', readySince: T0 - 1000, created: T0 - 2000 }),
      newPod('v1-a', { owner: sibling, labels: { app: 'd', v: '1' }, node: 'busy', readySince: T0 - 1000 }),
      newPod('v1-b', { owner: sibling, labels: { app: 'd', v: '1' }, node: 'busy', readySince: T0 - 1000 }),
    );
    await f.controller.reconcile('default/v2');
    assert.deepEqual(f.podControl.deletePodNames, ['v2-on-busy']);
  });
});

// ---------------------------------------------------------------- shared pieces

describe('expectations', () => {
  it('are satisfied when none were set, when fulfilled, or when expired; deletions tracked by key count once', () => {
    const clock = new FakeClock(T0);
    const e = new UIDTrackingControllerExpectations(new ControllerExpectations(clock));
    assert.equal(e.satisfiedExpectations('ns/a'), true);
    e.expectCreations('ns/a', 2);
    e.creationObserved('ns/a');
    assert.equal(e.satisfiedExpectations('ns/a'), false);
    e.creationObserved('ns/a');
    assert.equal(e.satisfiedExpectations('ns/a'), true);
    e.expectDeletions('ns/a', ['ns/p1', 'ns/p2']);
    e.deletionObserved('ns/a', 'ns/p1');
    e.deletionObserved('ns/a', 'ns/p1');
    e.deletionObserved('ns/a', 'ns/other');
    assert.deepEqual(e.getExpectations('ns/a'), { add: 0, del: 1, timestamp: T0 });
    clock.step(EXPECTATIONS_TIMEOUT_MS + 1);
    assert.equal(e.satisfiedExpectations('ns/a'), true);
    e.deleteExpectations('ns/a');
    assert.equal(e.getExpectations('ns/a'), undefined);
    assert.equal(e.getUIDs('ns/a'), undefined);
  });
});

describe('RealPodControl', () => {
  const owner = newRS('web', 1);
  const ref = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'uid-web', controller: true, blockOwnerDeletion: true };
  const events: [string, string, string][] = [];
  const recorder = { event: (_o: KubeObject | ObjectReference, type: string, reason: string, message: string) => { events.push([type, reason, message]); } };

  it('builds pods from the template as GetPodFromTemplate does', () => {
    const template = { metadata: { labels: { app: 'web' }, annotations: { a: '1' }, finalizers: ['f'], name: 'ignored' }, spec: { containers: [{ name: 'c', image: 'i' }] } };
    const pod = podFromTemplate(template, owner, ref);
    assert.deepEqual(pod.metadata, { generateName: 'web-', labels: { app: 'web' }, annotations: { a: '1' }, finalizers: ['f'], ownerReferences: [ref] });
    assert.notEqual(pod.spec, template.spec, 'the spec is a copy');
    // "<name>-" is checked as a prefix (its dash masked): 254 characters still pass, 255 do not.
    assert.equal(podFromTemplate(template, { ...owner, metadata: { name: 'x'.repeat(253) } }).metadata.generateName, `${'x'.repeat(253)}-`);
    assert.equal(podFromTemplate(template, { ...owner, metadata: { name: 'x'.repeat(254) } }).metadata.generateName, 'x'.repeat(254));
  });

  it('creates and deletes with Kubernetes Events; refuses a template without labels', async () => {
    const created: Pod[] = [];
    let fail: Error | undefined;
    const pods = {
      create: async (_ns: string, p: Pod | KubeObject) => { if (fail) throw fail; created.push(p as Pod); return { ...p, metadata: { ...p.metadata, name: 'web-abcde' } } as Pod; },
      delete: async (_ns: string, name: string) => { if (fail) throw fail; return { metadata: { name } } as Pod; },
      patch: async () => ({ metadata: {} }) as Pod,
    };
    const pc = new RealPodControl(pods, recorder);
    events.length = 0;
    await pc.createPods('default', owner.spec?.template, owner, ref);
    assert.equal(created[0].metadata.generateName, 'web-');
    await pc.deletePod('default', 'web-abcde', owner);
    fail = forbidden('pods "web-" is forbidden: exceeded quota: q');
    await assert.rejects(pc.createPods('default', owner.spec?.template, owner, ref), (e) => e === fail);
    await assert.rejects(pc.deletePod('default', 'web-abcde', owner), /unable to delete pods: pods "web-" is forbidden/);
    fail = notFound({ group: '', resource: 'pods' }, 'gone');
    await assert.rejects(pc.deletePod('default', 'gone', owner), (e) => e === fail);
    assert.deepEqual(events, [
      ['Normal', 'SuccessfulCreate', 'Created pod: web-abcde'],
      ['Normal', 'SuccessfulDelete', 'Deleted pod: web-abcde'],
      ['Warning', 'FailedCreate', 'Error creating: pods "web-" is forbidden: exceeded quota: q'],
      ['Warning', 'FailedDelete', 'Error deleting: pods "web-" is forbidden: exceeded quota: q'],
    ]);
    await assert.rejects(pc.createPods('default', { spec: { containers: [] } }, owner, ref), /unable to create pods, no labels/);
    await assert.rejects(pc.createPods('default', owner.spec?.template, owner, { ...ref, controller: false }), /controllerRef.Controller is not set to true/);
  });
});

// ---------------------------------------------------------------- ReplicationController

describe('ReplicationController through the adapter', () => {
  const rc: ReplicationController = {
    apiVersion: 'v1', kind: 'ReplicationController',
    metadata: { name: 'legacy', namespace: NS, uid: 'uid-legacy', generation: 2, resourceVersion: '1' },
    spec: { replicas: 2, selector: { app: 'legacy' }, template: { metadata: { labels: { app: 'legacy' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
    status: { replicas: 0 },
  };

  it('creates pods owned by the RC and writes the status back into the RC', async () => {
    const f = fixture<ReplicationController>(replicationControllerKind);
    f.rsCache.fill(rc);
    await f.controller.reconcile('default/legacy');
    assert.equal(f.podControl.templates.length, 2);
    assert.deepEqual(f.podControl.controllerRefs[0], { apiVersion: 'v1', kind: 'ReplicationController', name: 'legacy', uid: 'uid-legacy', controller: true, blockOwnerDeletion: true });
    const written = f.client.updates[0];
    assert.equal(written.kind, 'ReplicationController');
    assert.deepEqual(written.spec?.selector, { app: 'legacy' });
    assert.deepEqual(written.status, { replicas: 0, observedGeneration: 2 });
  });

  it('maps pods by the selector map; an RC with no selector selects nothing', async () => {
    const f = fixture<ReplicationController>(replicationControllerKind);
    const noSelector = { ...structuredClone(rc), metadata: { ...rc.metadata, name: 'nosel', uid: 'uid-nosel' }, spec: { ...rc.spec, selector: {} } };
    f.rsCache.fill(rc, noSelector);
    f.podCache.add(newPod('orphan', { labels: { app: 'legacy' } }));
    assert.deepEqual(await queued(f.controller), ['default/legacy']);
    f.podCache.add(newPod('owned', { owner: rc }));
    assert.deepEqual(await queued(f.controller), ['default/legacy']);
    await f.controller.reconcile('default/nosel');
    assert.equal(f.podControl.patches.length, 0, 'adopts nothing');
  });
});
