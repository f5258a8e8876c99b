// The namespace controller's and the garbage collector's rules without I/O: the
// namespace deletion conditions and their messages, the deleter against a fake client
// that records each call (discovery fixtures from the apiserver's own discovery
// documents), the requeue after the content estimate on a FakeClock; the dependency
// graph built from events, the collector's decision for each case and the requests it
// makes for it (sample-controller's controller_test.go shape: fill, reconcile, compare
// actions).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { conflict, makeStatus, notFound, StatusError } from '../../api/errors.js';
import { rfc3339 } from '../../api/helpers/time.js';
import type { ResourceInfo } from '../../api/registry.js';
import type { Namespace, NamespaceStatus, ObjectReference } from '../../api/types/core.js';
import type { APIResourceList, DeleteOptions, KubeObject, OwnerReference } from '../../api/types/meta.js';
import { apiResourceList } from '../../apiserver/discovery.js';
import { FakeClock } from '../../client/clock.js';
import { GroupDiscoveryFailedError, type Discovery } from '../../client/discovery.js';
import type { EventHandler, Informer } from '../../client/informer.js';
import type { PatchType } from '../../client/resource-client.js';
import { WorkQueue } from '../../client/work-queue.js';
import { decideDeletion, deletableResources, GarbageCollector } from '../../controller-manager/garbage-collector/garbage-collector.js';
import { GraphBuilder, partitionDependents, referencesDiffs } from '../../controller-manager/garbage-collector/graph-builder.js';
import { ReferenceCache } from '../../controller-manager/garbage-collector/graph.js';
import { RestMapper, type GcClient } from '../../controller-manager/garbage-collector/operations.js';
import { NamespaceConditionUpdater, updateConditions } from '../../controller-manager/namespace/conditions.js';
import { NamespaceController } from '../../controller-manager/namespace/controller.js';
import { NamespacedResourcesDeleter, ResourcesRemainingError, type NamespaceDeleterClient } from '../../controller-manager/namespace/deleter.js';

const log = pino({ level: 'silent' });
const T0 = Date.UTC(2026, 0, 1);

/** Discovery as our apiserver serves it, optionally with extra lists. */
function fixtureDiscovery(extra: APIResourceList[] = []): Discovery {
  const lists = [apiResourceList('', 'v1'), apiResourceList('apps', 'v1'), apiResourceList('coordination.k8s.io', 'v1')]
    .filter((l): l is APIResourceList => !!l).concat(extra);
  const preferred = lists.map((l) => ({ ...l, resources: l.resources.filter((r) => !r.name.includes('/')) }));
  return { lists, preferred };
}

// ---------------------------------------------------------------- namespace: conditions

describe('namespace deletion conditions', () => {
  const now = rfc3339(T0);
  const table = (s: NamespaceStatus): string[][] => (s.conditions ?? []).map((c) => [c.type, c.status, c.reason ?? '', c.message ?? '']);

  it('are all False with their ok reasons when nothing failed', () => {
    const status: NamespaceStatus = { phase: 'Terminating' };
    assert.equal(new NamespaceConditionUpdater().update(status, now), true);
    assert.deepEqual(table(status), [
      ['NamespaceDeletionDiscoveryFailure', 'False', 'ResourcesDiscovered', 'All resources successfully discovered'],
      ['NamespaceDeletionGroupVersionParsingFailure', 'False', 'ParsedGroupVersions', 'All legacy kube types successfully parsed'],
      ['NamespaceDeletionContentFailure', 'False', 'ContentDeleted', 'All content successfully deleted, may be waiting on finalization'],
      ['NamespaceContentRemaining', 'False', 'ContentRemoved', 'All content successfully removed'],
      ['NamespaceFinalizersRemaining', 'False', 'ContentHasNoFinalizers', 'All content-preserving finalizers finished'],
    ]);
    assert.equal(new NamespaceConditionUpdater().update(status, now), false, 'no change the second time');
  });

  it('say what remains, sorted, per resource and per finalizer', () => {
    const u = new NamespaceConditionUpdater();
    u.processContentTotals({
      remainingByResource: new Map([['pods.', 2], ['deployments.apps', 1]]),
      remainingByFinalizer: new Map([['foo.example/bar', 1], ['a.example/z', 3]]),
    });
    const status: NamespaceStatus = {};
    u.update(status, now);
    assert.deepEqual(table(status).slice(3), [
      ['NamespaceContentRemaining', 'True', 'SomeResourcesRemain', 'Some resources are remaining: deployments.apps has 1 resource instances, pods. has 2 resource instances'],
      ['NamespaceFinalizersRemaining', 'True', 'SomeFinalizersRemain', 'Some content in the namespace has finalizers remaining: a.example/z in 3 resource instances, foo.example/bar in 1 resource instances'],
    ]);
  });

  it('report discovery, group version and content failures with their messages', () => {
    const u = new NamespaceConditionUpdater();
    u.processDiscoverResourcesErr(new GroupDiscoveryFailedError(new Map([['metrics.k8s.io/v1beta1', new Error('the server is currently unable to handle the request')]])));
    u.processGroupVersionErr(new Error('unexpected GroupVersion string: a/b/c'));
    u.processDeleteContentErr(new Error('unexpected items still remain in namespace: x for gvr: /v1, Resource=pods'));
    u.processDeleteContentErr(new Error('boom'));
    const status: NamespaceStatus = {};
    u.update(status, now);
    assert.deepEqual(table(status).slice(0, 3), [
      ['NamespaceDeletionDiscoveryFailure', 'True', 'DiscoveryFailed', 'Discovery failed for some groups, 1 failing: unable to retrieve the complete list of server APIs: metrics.k8s.io/v1beta1: the server is currently unable to handle the request'],
      ['NamespaceDeletionGroupVersionParsingFailure', 'True', 'GroupVersionParsingFailed', 'unexpected GroupVersion string: a/b/c'],
      ['NamespaceDeletionContentFailure', 'True', 'ContentDeletionFailed', 'Failed to delete all resource types, 2 remaining: boom, unexpected items still remain in namespace: x for gvr: /v1, Resource=pods'],
    ]);
  });

  it('move lastTransitionTime only when the status flips', () => {
    const status: NamespaceStatus = {};
    updateConditions(status, [{ type: 'NamespaceContentRemaining', status: 'True', reason: 'SomeResourcesRemain', message: 'a' }], 't1');
    updateConditions(status, [{ type: 'NamespaceContentRemaining', status: 'True', reason: 'SomeResourcesRemain', message: 'b' }], 't2');
    const c = () => status.conditions?.find((x) => x.type === 'NamespaceContentRemaining');
    assert.deepEqual([c()?.message, c()?.lastTransitionTime], ['b', 't1']);
    updateConditions(status, [], 't3');
    assert.deepEqual([c()?.status, c()?.lastTransitionTime], ['False', 't3']);
  });
});

// ---------------------------------------------------------------- namespace: deleter

interface Call { verb: string; resource?: string; namespace?: string; name?: string; body?: unknown }

/** A fake apiserver for the deleter: objects by resource and namespace; every call recorded. */
class FakeDeleterClient implements NamespaceDeleterClient {
  readonly calls: Call[] = [];
  readonly objects = new Map<string, KubeObject[]>();
  discovery: Discovery = fixtureDiscovery();
  /** Answers a verb on a resource with an error instead (`deletecollection configmaps`). */
  readonly failures = new Map<string, StatusError>();
  finalizeConflicts = 0;
  /** What deleting leaves behind: items with finalizers stay (marked deleting), pods stay while graceful. */
  keepPods = false;

  constructor(public ns: Namespace) {}

  private fail(key: string): void {
    const err = this.failures.get(key);
    if (err) throw err;
  }

  async getNamespace(name: string): Promise<Namespace> {
    this.calls.push({ verb: 'get', resource: 'namespaces', name });
    if (name !== this.ns.metadata.name) throw notFound({ group: '', resource: 'namespaces' }, name);
    return structuredClone(this.ns);
  }

  async updateNamespaceStatus(ns: Namespace): Promise<Namespace> {
    this.calls.push({ verb: 'update', resource: 'namespaces/status', name: ns.metadata.name, body: structuredClone(ns.status) });
    this.ns = { ...this.ns, status: structuredClone(ns.status), metadata: { ...this.ns.metadata, resourceVersion: String(Number(this.ns.metadata.resourceVersion ?? 1) + 1) } };
    return structuredClone(this.ns);
  }

  async finalizeNamespace(ns: Namespace): Promise<Namespace> {
    this.calls.push({ verb: 'update', resource: 'namespaces/finalize', name: ns.metadata.name, body: ns.spec?.finalizers });
    if (this.finalizeConflicts > 0) {
      this.finalizeConflicts--;
      throw conflict({ group: '', resource: 'namespaces' }, ns.metadata.name as string, 'the object has been modified; please apply your changes to the latest version and try again');
    }
    this.ns = { ...this.ns, spec: { finalizers: ns.spec?.finalizers ?? [] } };
    return structuredClone(this.ns);
  }

  async deleteCollection(ri: ResourceInfo, namespace: string, opts: DeleteOptions): Promise<void> {
    this.calls.push({ verb: 'deletecollection', resource: ri.plural, namespace, body: opts });
    this.fail(`deletecollection ${ri.plural}`);
    for (const item of this.items(ri, namespace)) this.deleteItem(ri, namespace, item);
  }

  async list(ri: ResourceInfo, namespace: string): Promise<KubeObject[]> {
    this.calls.push({ verb: 'list', resource: ri.plural, namespace });
    this.fail(`list ${ri.plural}`);
    return structuredClone(this.items(ri, namespace));
  }

  async delete(ri: ResourceInfo, namespace: string, name: string, opts: DeleteOptions): Promise<void> {
    this.calls.push({ verb: 'delete', resource: ri.plural, namespace, name, body: opts });
    const item = this.items(ri, namespace).find((i) => i.metadata.name === name);
    if (!item) throw notFound({ group: ri.group, resource: ri.plural }, name);
    this.deleteItem(ri, namespace, item);
  }

  async discover(): Promise<Discovery> {
    this.calls.push({ verb: 'discover' });
    return this.discovery;
  }

  add(plural: string, obj: KubeObject): void {
    this.objects.set(plural, [...(this.objects.get(plural) ?? []), obj]);
  }

  private items(ri: ResourceInfo, namespace: string): KubeObject[] {
    return (this.objects.get(ri.plural) ?? []).filter((o) => o.metadata.namespace === namespace);
  }

  private deleteItem(ri: ResourceInfo, _namespace: string, item: KubeObject): void {
    if (item.metadata.finalizers?.length || (ri.plural === 'pods' && this.keepPods)) {
      item.metadata.deletionTimestamp ??= rfc3339(T0);
      return;
    }
    this.objects.set(ri.plural, (this.objects.get(ri.plural) ?? []).filter((o) => o !== item));
  }

  verbs(): string[] {
    return this.calls.map((c) => [c.verb, c.resource, c.name].filter(Boolean).join(' '));
  }
}

const terminating = (name: string, finalizers = ['kubernetes']): Namespace => ({
  apiVersion: 'v1', kind: 'Namespace',
  metadata: { name, uid: `uid-${name}`, resourceVersion: '1', deletionTimestamp: rfc3339(T0), deletionGracePeriodSeconds: 0 },
  spec: { finalizers }, status: { phase: 'Terminating' },
});
const item = (name: string, namespace: string, extra: Partial<KubeObject['metadata']> = {}): KubeObject => ({ metadata: { name, namespace, uid: randomUUID(), ...extra } });

describe('NamespacedResourcesDeleter', () => {
  it('does nothing to a namespace that is not being deleted, or is gone', async () => {
    const active: Namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a', uid: 'u' }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } };
    const client = new FakeDeleterClient(active);
    const d = new NamespacedResourcesDeleter(client, new FakeClock(T0 + 60_000));
    await d.delete('a');
    await d.delete('missing');
    assert.deepEqual(client.verbs(), ['get namespaces a', 'get namespaces missing']);
  });

  it('empties every deletable namespaced resource with deletecollection (background), then finalizes keeping other tokens', async () => {
    const client = new FakeDeleterClient(terminating('ns', ['kubernetes', 'z.example/token', 'a.example/token']));
    client.add('configmaps', item('c1', 'ns'));
    client.add('configmaps', item('other', 'elsewhere'));
    client.add('secrets', item('s1', 'ns'));
    await new NamespacedResourcesDeleter(client, new FakeClock(T0 + 60_000)).delete('ns');
    const collections = client.calls.filter((c) => c.verb === 'deletecollection');
    // Every namespaced resource with delete, none cluster-scoped (namespaces, nodes).
    assert.deepEqual(collections.map((c) => c.resource).sort(), [
      'configmaps', 'controllerrevisions', 'daemonsets', 'deployments', 'endpoints', 'events', 'leases', 'persistentvolumeclaims', 'pods',
      'replicasets', 'replicationcontrollers', 'secrets', 'serviceaccounts', 'services', 'statefulsets',
    ].sort());
    assert.ok(collections.every((c) => c.namespace === 'ns' && (c.body as DeleteOptions).propagationPolicy === 'Background'));
    assert.deepEqual(client.objects.get('configmaps')?.map((o) => o.metadata.name), ['other']);
    const finalize = client.calls.filter((c) => c.resource === 'namespaces/finalize');
    assert.deepEqual(finalize.map((c) => c.body), [['a.example/token', 'z.example/token']]);
    // Conditions written once, all ok.
    const status = client.calls.filter((c) => c.resource === 'namespaces/status');
    assert.equal(status.length, 1);
    assert.ok((status[0]?.body as NamespaceStatus).conditions?.every((c) => c.status === 'False'));
  });

  it('waits for pods within their grace period: ResourcesRemainingError with the longest grace, no finalize', async () => {
    const client = new FakeDeleterClient(terminating('ns'));
    client.keepPods = true;
    client.add('pods', { ...item('p1', 'ns'), spec: { terminationGracePeriodSeconds: 30 }, status: { phase: 'Running' } });
    client.add('pods', { ...item('p2', 'ns'), spec: { terminationGracePeriodSeconds: 90 }, status: { phase: 'Succeeded' } });
    const d = new NamespacedResourcesDeleter(client, new FakeClock(T0 + 10_000));
    await assert.rejects(d.delete('ns'), (err: unknown) => err instanceof ResourcesRemainingError && err.estimate === 30
      && err.message === 'some content remains in the namespace, estimate 30 seconds before it is removed');
    assert.equal(client.calls.some((c) => c.resource === 'namespaces/finalize'), false);
    assert.match(JSON.stringify(client.ns.status?.conditions), /Some resources are remaining: pods\. has 2 resource instances/);
  });

  it('past the grace period, pods still there are a content failure (retried), not a wait', async () => {
    const client = new FakeDeleterClient(terminating('ns'));
    client.keepPods = true;
    client.add('pods', { ...item('p1', 'ns'), spec: { terminationGracePeriodSeconds: 30 }, status: { phase: 'Running' } });
    const d = new NamespacedResourcesDeleter(client, new FakeClock(T0 + 31_000));
    await assert.rejects(d.delete('ns'), { message: 'unexpected items still remain in namespace: ns for gvr: /v1, Resource=pods' });
    const c = client.ns.status?.conditions?.find((x) => x.type === 'NamespaceDeletionContentFailure');
    assert.deepEqual([c?.status, c?.reason, c?.message], ['True', 'ContentDeletionFailed', 'Failed to delete all resource types, 1 remaining: unexpected items still remain in namespace: ns for gvr: /v1, Resource=pods']);
  });

  it('content held by finalizers waits 15 s and says which finalizers remain', async () => {
    const client = new FakeDeleterClient(terminating('ns'));
    client.add('configmaps', item('held', 'ns', { finalizers: ['foo.example/bar'] }));
    const d = new NamespacedResourcesDeleter(client, new FakeClock(T0 + 60_000));
    await assert.rejects(d.delete('ns'), (err: unknown) => err instanceof ResourcesRemainingError && err.estimate === 15);
    const byType = Object.fromEntries((client.ns.status?.conditions ?? []).map((c) => [c.type, c]));
    assert.equal(byType.NamespaceFinalizersRemaining?.message, 'Some content in the namespace has finalizers remaining: foo.example/bar in 1 resource instances');
    assert.equal(byType.NamespaceFinalizersRemaining?.reason, 'SomeFinalizersRemain');
    assert.equal(byType.NamespaceContentRemaining?.message, 'Some resources are remaining: configmaps. has 1 resource instances');
  });

  it('without deletecollection (by discovery or a 405), lists and deletes one by one, and remembers', async () => {
    const client = new FakeDeleterClient(terminating('ns'));
    const custom: APIResourceList = {
      kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'example.com/v1',
      resources: [{ name: 'widgets', singularName: 'widget', namespaced: true, kind: 'Widget', verbs: ['delete', 'get', 'list'] }],
    };
    client.discovery = fixtureDiscovery([custom]);
    client.add('widgets', item('w1', 'ns'));
    client.add('secrets', item('s1', 'ns'));
    client.failures.set('deletecollection secrets', new StatusError(makeStatus(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource')));
    const d = new NamespacedResourcesDeleter(client, new FakeClock(T0 + 60_000));
    await d.delete('ns');
    const about = (plural: string): string[] => client.calls.filter((c) => c.resource === plural).map((c) => [c.verb, c.name].filter(Boolean).join(' '));
    assert.deepEqual(about('widgets'), ['list', 'delete w1', 'list']);
    assert.deepEqual(about('secrets'), ['deletecollection', 'list', 'delete s1', 'list']);
    client.ns = terminating('ns');
    client.calls.length = 0;
    await d.delete('ns');
    assert.deepEqual(about('secrets'), ['list', 'list'], 'deletecollection not tried again');
  });

  it('a group version that does not parse leaves nothing deleted and sets GroupVersionParsingFailure', async () => {
    const client = new FakeDeleterClient(terminating('ns'));
    client.discovery = fixtureDiscovery([{ kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'a/b/c', resources: [{ name: 'things', singularName: '', namespaced: true, kind: 'Thing', verbs: ['delete'] }] }]);
    client.add('configmaps', item('c1', 'ns'));
    await assert.rejects(new NamespacedResourcesDeleter(client, new FakeClock(T0)).delete('ns'), { message: 'unexpected GroupVersion string: a/b/c' });
    assert.equal(client.calls.some((c) => c.verb === 'deletecollection'), false);
    const c = client.ns.status?.conditions?.find((x) => x.type === 'NamespaceDeletionGroupVersionParsingFailure');
    assert.deepEqual([c?.status, c?.reason], ['True', 'GroupVersionParsingFailed']);
  });

  it('retries finalize on a conflict from a fresh read', async () => {
    const client = new FakeDeleterClient(terminating('ns'));
    client.finalizeConflicts = 1;
    await new NamespacedResourcesDeleter(client, new FakeClock(T0 + 60_000)).delete('ns');
    assert.deepEqual(client.verbs().filter((v) => v.startsWith('update namespaces/finalize') || v.startsWith('get')),
      ['get namespaces ns', 'update namespaces/finalize ns', 'get namespaces ns', 'update namespaces/finalize ns']);
    assert.deepEqual(client.ns.spec?.finalizers, []);
  });

  it('marks a deleted namespace Terminating first if the apiserver has not', async () => {
    const ns = terminating('ns');
    ns.status = { phase: 'Active' };
    const client = new FakeDeleterClient(ns);
    await new NamespacedResourcesDeleter(client, new FakeClock(T0 + 60_000)).delete('ns');
    assert.equal((client.calls.find((c) => c.resource === 'namespaces/status')?.body as NamespaceStatus).phase, 'Terminating');
  });
});

describe('NamespaceController', () => {
  /** The informer surface the controller reads, filled by the test. */
  const fakeNamespaces = (items: Namespace[]): Informer<Namespace> => ({
    addEventHandler: (_h: EventHandler<Namespace>) => () => undefined,
    getByKey: (key: string) => items.find((n) => n.metadata.name === key),
    list: () => items,
  }) as unknown as Informer<Namespace>;

  it('queues only namespaces being deleted, 5 s after the event; content remaining comes back after estimate/2+1 s', async () => {
    const clock = new FakeClock(T0);
    const deleted: string[] = [];
    const ns = terminating('ns');
    const c = new NamespaceController({
      namespaces: fakeNamespaces([ns]), clock, log, workers: 1, resyncPeriodMs: 0,
      deleter: { delete: async (name: string) => { deleted.push(name); throw new ResourcesRemainingError(30); } },
    });
    c.enqueue({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'live' } });
    c.enqueue(ns);
    clock.step(4999);
    assert.equal(c.queue.length, 0);
    clock.step(1);
    assert.equal(await c.queue.get(), 'ns');
    await c.reconcile('ns');
    c.queue.done('ns');
    assert.deepEqual(deleted, ['ns']);
    clock.step(15_999);
    assert.equal(c.queue.length, 0);
    clock.step(1);
    assert.equal(c.queue.length, 1, 'requeued after 30/2+1 = 16 s');
  });
});

// ---------------------------------------------------------------- garbage collector: graph

interface Recorded { ref: ObjectReference; type: string; reason: string; message: string }

function newBuilder(): { builder: GraphBuilder; attemptToDelete: WorkQueue; attemptToOrphan: WorkQueue; events: Recorded[] } {
  const attemptToDelete = new WorkQueue({ clock: new FakeClock(T0) });
  const attemptToOrphan = new WorkQueue({ clock: new FakeClock(T0) });
  const events: Recorded[] = [];
  const builder = new GraphBuilder({
    attemptToDelete, attemptToOrphan, log,
    recorder: { event: (ref, type, reason, message) => { events.push({ ref: ref as ObjectReference, type, reason, message }); } },
  });
  return { builder, attemptToDelete, attemptToOrphan, events };
}

/** Every key waiting in a queue, drained. */
async function drain(q: WorkQueue): Promise<string[]> {
  const out: string[] = [];
  while (q.length) {
    const k = (await q.get()) as string;
    q.done(k);
    out.push(k);
  }
  return out.sort();
}

interface Obj extends KubeObject { apiVersion: string; kind: string }
const obj = (apiVersion: string, kind: string, name: string, namespace: string | undefined, extra: Partial<KubeObject['metadata']> = {}): Obj => ({
  apiVersion, kind, metadata: { name, namespace, uid: `uid-${name}`, resourceVersion: '10', ...extra },
});
const ownerRef = (o: Obj, extra: Partial<OwnerReference> = {}): OwnerReference => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name as string, uid: o.metadata.uid as string, ...extra });
const add = (b: GraphBuilder, o: Obj): void => b.process({ type: 'add', obj: o, apiVersion: o.apiVersion, kind: o.kind });
const update = (b: GraphBuilder, old: Obj, o: Obj): void => b.process({ type: 'update', obj: o, oldObj: old, apiVersion: o.apiVersion, kind: o.kind });
const remove = (b: GraphBuilder, o: Obj): void => b.process({ type: 'delete', obj: o, apiVersion: o.apiVersion, kind: o.kind });

describe('GraphBuilder', () => {
  it('a dependent seen before its owner makes a virtual owner node, queued for verification; the owner observed makes it real', async () => {
    const { builder, attemptToDelete } = newBuilder();
    const rs = obj('apps/v1', 'ReplicaSet', 'rs', 'ns');
    const pod = obj('v1', 'Pod', 'p', 'ns', { ownerReferences: [ownerRef(rs, { controller: true, blockOwnerDeletion: true })] });
    add(builder, pod);
    const owner = builder.uidToNode.get('uid-rs');
    assert.equal(owner?.virtual, true);
    assert.deepEqual(owner?.identity, { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'uid-rs', namespace: 'ns' });
    assert.deepEqual([...(owner?.dependents ?? [])].map((d) => d.identity.name), ['p']);
    assert.deepEqual(await drain(attemptToDelete), ['uid-rs']);
    add(builder, rs);
    assert.equal(builder.uidToNode.get('uid-rs')?.virtual, false);
    assert.deepEqual(await drain(attemptToDelete), []);
  });

  it('an owner deleted queues its dependents and is remembered as absent', async () => {
    const { builder, attemptToDelete } = newBuilder();
    const cm = obj('v1', 'ConfigMap', 'owner', 'ns');
    const secret = obj('v1', 'Secret', 's', 'ns', { ownerReferences: [ownerRef(cm)] });
    add(builder, cm);
    add(builder, secret);
    remove(builder, cm);
    assert.equal(builder.uidToNode.has('uid-owner'), false);
    assert.deepEqual(await drain(attemptToDelete), ['uid-s']);
    assert.equal(builder.absentOwnerCache.has({ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: 'uid-owner', namespace: 'ns' }), true);
  });

  it('deletion starting with foregroundDeletion marks the owner and queues it and its dependents; with orphan queues an orphaning', async () => {
    const { builder, attemptToDelete, attemptToOrphan } = newBuilder();
    const d = obj('apps/v1', 'Deployment', 'd', 'ns');
    const rs = obj('apps/v1', 'ReplicaSet', 'rs', 'ns', { ownerReferences: [ownerRef(d, { blockOwnerDeletion: true })] });
    add(builder, d);
    add(builder, rs);
    update(builder, d, { ...d, metadata: { ...d.metadata, deletionTimestamp: rfc3339(T0), finalizers: ['foregroundDeletion'] } });
    assert.equal(builder.uidToNode.get('uid-d')?.deletingDependents, true);
    assert.deepEqual(await drain(attemptToDelete), ['uid-d', 'uid-rs']);
    update(builder, rs, { ...rs, metadata: { ...rs.metadata, deletionTimestamp: rfc3339(T0), finalizers: ['orphan'] } });
    assert.deepEqual(await drain(attemptToOrphan), ['uid-rs']);
    assert.equal(builder.uidToNode.get('uid-rs')?.beingDeleted, true);
  });

  it('a blocking reference removed or unblocked queues its owner; owners are kept in step with the references', async () => {
    const { builder, attemptToDelete } = newBuilder();
    const a = obj('v1', 'ConfigMap', 'a', 'ns');
    const b = obj('v1', 'ConfigMap', 'b', 'ns');
    add(builder, a);
    add(builder, b);
    const child = obj('v1', 'Secret', 'c', 'ns', { ownerReferences: [ownerRef(a, { blockOwnerDeletion: true }), ownerRef(b, { blockOwnerDeletion: true })] });
    add(builder, child);
    update(builder, child, { ...child, metadata: { ...child.metadata, ownerReferences: [ownerRef(b, { blockOwnerDeletion: false })] } });
    assert.deepEqual(await drain(attemptToDelete), ['uid-a', 'uid-b']);
    assert.equal(builder.uidToNode.get('uid-a')?.dependents.size, 0);
    assert.equal(builder.uidToNode.get('uid-b')?.dependents.size, 1);
  });

  it('an owner observed in another namespace: OwnerRefInvalidNamespace on the dependent, which is queued', async () => {
    const { builder, attemptToDelete, events } = newBuilder();
    const owner = obj('v1', 'ConfigMap', 'owner', 'other');
    add(builder, owner);
    add(builder, obj('v1', 'ConfigMap', 'child', 'ns', { ownerReferences: [ownerRef(owner)] }));
    assert.deepEqual(events, [{
      ref: { kind: 'ConfigMap', apiVersion: 'v1', namespace: 'ns', name: 'child', uid: 'uid-child' },
      type: 'Warning', reason: 'OwnerRefInvalidNamespace',
      message: 'ownerRef [v1/ConfigMap, namespace: ns, name: owner, uid: uid-owner] does not exist in namespace "ns"',
    }]);
    assert.deepEqual(await drain(attemptToDelete), ['uid-child']);
  });

  it('a cluster-scoped owner of namespaced dependents is a valid reference', async () => {
    const { builder, attemptToDelete, events } = newBuilder();
    const node = obj('v1', 'Node', 'n1', undefined);
    add(builder, node);
    add(builder, obj('v1', 'ConfigMap', 'child', 'ns', { ownerReferences: [ownerRef(node)] }));
    assert.deepEqual(events, []);
    assert.deepEqual(await drain(attemptToDelete), []);
  });

  it('a virtual delete event removes a virtual node whose dependents agree on its coordinates', async () => {
    const { builder, attemptToDelete } = newBuilder();
    const ghost = obj('v1', 'ConfigMap', 'ghost', 'ns');
    add(builder, obj('v1', 'Secret', 's', 'ns', { ownerReferences: [ownerRef(ghost)] }));
    await drain(attemptToDelete);
    builder.enqueueVirtualDeleteEvent({ apiVersion: 'v1', kind: 'ConfigMap', name: 'ghost', uid: 'uid-ghost', namespace: 'ns' });
    assert.equal(builder.uidToNode.has('uid-ghost'), false);
    assert.deepEqual(await drain(attemptToDelete), ['uid-s']);
  });

  it('objects without a uid or with malformed ownerReferences do not break the graph', () => {
    const { builder } = newBuilder();
    builder.process({ type: 'add', obj: { metadata: { name: 'x' } }, apiVersion: 'v1', kind: 'ConfigMap' });
    add(builder, obj('v1', 'ConfigMap', 'bad', 'ns', { ownerReferences: [null as unknown as OwnerReference, { uid: '' } as OwnerReference] }));
    assert.deepEqual([...builder.uidToNode.keys()], ['uid-bad']);
  });

  it('referencesDiffs and partitionDependents', () => {
    const r = (uid: string, extra: Partial<OwnerReference> = {}): OwnerReference => ({ apiVersion: 'v1', kind: 'ConfigMap', name: uid, uid, ...extra });
    const d = referencesDiffs([r('a'), r('b'), r('c', { blockOwnerDeletion: true })], [r('b'), r('c'), r('d')]);
    assert.deepEqual([d.added.map((x) => x.uid), d.removed.map((x) => x.uid), d.changed.map((x) => x.newRef.uid)], [['d'], ['a'], ['c']]);
    const { builder } = newBuilder();
    add(builder, obj('v1', 'Secret', 'same', 'ns', { ownerReferences: [r('o')] }));
    add(builder, obj('v1', 'Secret', 'renamed', 'ns', { ownerReferences: [r('o', { name: 'other' })] }));
    add(builder, obj('v1', 'Secret', 'far', 'elsewhere', { ownerReferences: [r('o')] }));
    const deps = [...(builder.uidToNode.get('o')?.dependents ?? [])];
    const p = partitionDependents(deps, { apiVersion: 'v1', kind: 'ConfigMap', name: 'o', uid: 'o', namespace: 'ns' });
    assert.deepEqual([p.matching.map((n) => n.identity.name), p.nonmatching.map((n) => n.identity.name).sort()], [['same'], ['far', 'renamed']]);
  });
});

// ---------------------------------------------------------------- garbage collector: decisions

describe('decideDeletion', () => {
  const r = (uid: string): OwnerReference => ({ apiVersion: 'v1', kind: 'ConfigMap', name: uid, uid });
  const latest = (finalizers?: string[]): KubeObject => ({ metadata: { name: 'x', finalizers } });
  const none = { dependents: 0, someDependentDeletingDependents: false };
  const cases: [string, Parameters<typeof decideDeletion>, ReturnType<typeof decideDeletion>][] = [
    ['a solid owner alone keeps the item', [latest(), { solid: [r('a')], dangling: [], waiting: [] }, none], { action: 'none' }],
    ['a solid owner: dead and waiting owners are removed', [latest(), { solid: [r('a')], dangling: [r('b')], waiting: [r('c')] }, none], { action: 'removeOwnerRefs', ownerUids: ['b', 'c'] }],
    ['all owners gone: background', [latest(), { solid: [], dangling: [r('a'), r('b')], waiting: [] }, none], { action: 'delete', policy: 'Background', unblockFirst: false }],
    ['all owners gone, orphan finalizer already there: orphan', [latest(['orphan']), { solid: [], dangling: [r('a')], waiting: [] }, none], { action: 'delete', policy: 'Orphan', unblockFirst: false }],
    ['all owners gone, foregroundDeletion already there: foreground', [latest(['foregroundDeletion']), { solid: [], dangling: [r('a')], waiting: [] }, none], { action: 'delete', policy: 'Foreground', unblockFirst: false }],
    ['owner waiting, item without dependents: background', [latest(), { solid: [], dangling: [], waiting: [r('a')] }, none], { action: 'delete', policy: 'Background', unblockFirst: false }],
    ['owner waiting, item with dependents: foreground', [latest(), { solid: [], dangling: [], waiting: [r('a')] }, { dependents: 2, someDependentDeletingDependents: false }], { action: 'delete', policy: 'Foreground', unblockFirst: false }],
    ['owner waiting, a dependent deleting its own: unblock first (cycle)', [latest(), { solid: [], dangling: [], waiting: [r('a')] }, { dependents: 1, someDependentDeletingDependents: true }], { action: 'delete', policy: 'Foreground', unblockFirst: true }],
  ];
  for (const [name, args, want] of cases) it(name, () => assert.deepEqual(decideDeletion(...args), want));
});

// ---------------------------------------------------------------- garbage collector: workers

/** A fake apiserver for the collector: objects by resource/namespace/name, every call recorded. */
class FakeGcClient implements GcClient {
  readonly calls: Call[] = [];
  readonly store = new Map<string, KubeObject>();
  /** Answers the next calls of a verb with an error (`patch strategic`). */
  readonly failures = new Map<string, StatusError>();

  private key(ri: ResourceInfo, namespace: string, name: string): string {
    return `${ri.plural}/${namespace}/${name}`;
  }

  put(plural: string, o: KubeObject): void {
    this.store.set(`${plural}/${o.metadata.namespace ?? ''}/${o.metadata.name}`, structuredClone(o));
  }

  async get(ri: ResourceInfo, namespace: string, name: string): Promise<KubeObject> {
    this.calls.push({ verb: 'get', resource: ri.plural, namespace, name });
    const o = this.store.get(this.key(ri, namespace, name));
    if (!o) throw notFound({ group: ri.group, resource: ri.plural }, name);
    return structuredClone(o);
  }

  async delete(ri: ResourceInfo, namespace: string, name: string, opts: DeleteOptions): Promise<void> {
    this.calls.push({ verb: 'delete', resource: ri.plural, namespace, name, body: opts });
    if (!this.store.delete(this.key(ri, namespace, name))) throw notFound({ group: ri.group, resource: ri.plural }, name);
  }

  async patch(ri: ResourceInfo, namespace: string, name: string, type: PatchType, patch: unknown): Promise<KubeObject> {
    this.calls.push({ verb: `patch ${type}`, resource: ri.plural, namespace, name, body: patch });
    const err = this.failures.get(`patch ${type}`);
    if (err) throw err;
    const o = this.store.get(this.key(ri, namespace, name));
    if (!o) throw notFound({ group: ri.group, resource: ri.plural }, name);
    return structuredClone(o);
  }

  writes(): Call[] {
    return this.calls.filter((c) => c.verb !== 'get');
  }
}

function newCollector(): { gc: GarbageCollector; client: FakeGcClient } & ReturnType<typeof newBuilder> {
  const b = newBuilder();
  const client = new FakeGcClient();
  const gc = new GarbageCollector({
    ...b, client, mapper: new RestMapper(fixtureDiscovery().lists), discover: async () => fixtureDiscovery(),
    informerFor: () => { throw new Error('no informers in this test'); },
    clock: new FakeClock(T0), log, workers: 1,
  });
  return { gc, client, ...b };
}

/** Puts o in the fake server and the graph. */
function seed(c: ReturnType<typeof newCollector>, plural: string, o: Obj): Obj {
  c.client.put(plural, o);
  add(c.builder, o);
  return o;
}

describe('GarbageCollector workers', () => {
  it('deletes a dependent whose owners are all gone (404, or another uid), in background with uid and resourceVersion preconditions', async () => {
    const c = newCollector();
    const gone = obj('v1', 'ConfigMap', 'gone', 'ns');
    const replaced = obj('v1', 'ConfigMap', 'replaced', 'ns');
    c.client.put('configmaps', { ...replaced, metadata: { ...replaced.metadata, uid: 'a-new-uid' } });
    seed(c, 'secrets', obj('v1', 'Secret', 's', 'ns', { ownerReferences: [ownerRef(gone), ownerRef(replaced)] }));
    await c.gc.attemptToDeleteWorker('uid-s');
    assert.deepEqual(c.client.writes(), [{
      verb: 'delete', resource: 'secrets', namespace: 'ns', name: 's',
      body: { preconditions: { uid: 'uid-s', resourceVersion: '10' }, propagationPolicy: 'Background' },
    }]);
  });

  it('a dependent with a live owner loses only the dead owner\'s reference (strategic merge patch)', async () => {
    const c = newCollector();
    const live = seed(c, 'configmaps', obj('v1', 'ConfigMap', 'live', 'ns'));
    const dead = obj('v1', 'ConfigMap', 'dead', 'ns');
    seed(c, 'secrets', obj('v1', 'Secret', 's', 'ns', { ownerReferences: [ownerRef(live), ownerRef(dead)] }));
    await c.gc.attemptToDeleteWorker('uid-s');
    assert.deepEqual(c.client.writes(), [{
      verb: 'patch strategic', resource: 'secrets', namespace: 'ns', name: 's',
      body: { metadata: { ownerReferences: [{ $patch: 'delete', uid: 'uid-dead' }], uid: 'uid-s' } },
    }]);
  });

  it('where strategic merge patch is not served (415), a JSON merge patch of the remaining references with the resourceVersion', async () => {
    const c = newCollector();
    const live = seed(c, 'configmaps', obj('v1', 'ConfigMap', 'live', 'ns'));
    seed(c, 'secrets', obj('v1', 'Secret', 's', 'ns', { ownerReferences: [ownerRef(live), { apiVersion: 'v1', kind: 'ConfigMap', name: 'dead', uid: 'uid-dead' }] }));
    c.client.failures.set('patch strategic', new StatusError(makeStatus(415, 'UnsupportedMediaType', 'the body of the request was in an unknown format')));
    await c.gc.attemptToDeleteWorker('uid-s');
    assert.deepEqual(c.client.writes().at(-1)?.body, { metadata: { resourceVersion: '10', ownerReferences: [ownerRef(live)] } });
  });

  it('an owner that never existed: its virtual node is verified absent and removed; the dependent is then deleted', async () => {
    const c = newCollector();
    seed(c, 'configmaps', obj('v1', 'ConfigMap', 'child', 'ns', { ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'ghost', uid: 'uid-ghost' }] }));
    assert.deepEqual(await drain(c.attemptToDelete), ['uid-ghost']);
    await c.gc.attemptToDeleteWorker('uid-ghost');
    assert.equal(c.builder.uidToNode.has('uid-ghost'), false);
    assert.deepEqual(await drain(c.attemptToDelete), ['uid-child']);
    await c.gc.attemptToDeleteWorker('uid-child');
    assert.deepEqual(c.client.writes().map((w) => [w.verb, w.name]), [['delete', 'child']]);
    // The absent owner is not asked for again.
    assert.equal(c.client.calls.filter((x) => x.name === 'ghost').length, 1);
  });

  it('a namespaced owner is looked for in the dependent\'s namespace; a cluster-scoped owner without one', async () => {
    const c = newCollector();
    const elsewhere = obj('v1', 'ConfigMap', 'owner', 'other');
    c.client.put('configmaps', elsewhere);
    const node = obj('v1', 'Node', 'n1', undefined);
    c.client.put('nodes', node);
    seed(c, 'secrets', obj('v1', 'Secret', 'cross', 'ns', { ownerReferences: [ownerRef(elsewhere)] }));
    seed(c, 'secrets', obj('v1', 'Secret', 'noded', 'ns', { ownerReferences: [ownerRef(node)] }));
    await c.gc.attemptToDeleteWorker('uid-cross');
    await c.gc.attemptToDeleteWorker('uid-noded');
    const gets = c.client.calls.filter((x) => x.verb === 'get' && (x.name === 'owner' || x.name === 'n1'));
    assert.deepEqual(gets.map((g) => [g.resource, g.namespace, g.name]), [['configmaps', 'ns', 'owner'], ['nodes', '', 'n1']]);
    assert.deepEqual(c.client.writes().map((w) => [w.verb, w.name]), [['delete', 'cross']]);
  });

  it('a cluster-scoped dependent naming a namespaced owner is left alone and not retried', async () => {
    const c = newCollector();
    seed(c, 'nodes', obj('v1', 'Node', 'n1', undefined, { ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'cm', uid: 'uid-cm' }] }));
    await c.gc.attemptToDeleteWorker('uid-n1');
    assert.deepEqual(c.client.writes(), []);
  });

  it('foreground: an owner waiting for blocking dependents queues them; once none block, its foregroundDeletion finalizer is removed', async () => {
    const c = newCollector();
    const deleting = { deletionTimestamp: rfc3339(T0), finalizers: ['foregroundDeletion', 'other.example/keep'] };
    const owner = seed(c, 'deployments', obj('apps/v1', 'Deployment', 'd', 'ns', deleting));
    const rs = seed(c, 'replicasets', obj('apps/v1', 'ReplicaSet', 'rs', 'ns', { ownerReferences: [ownerRef(owner, { blockOwnerDeletion: true })] }));
    await drain(c.attemptToDelete);
    await c.gc.attemptToDeleteWorker('uid-d');
    assert.deepEqual(c.client.writes(), []);
    assert.deepEqual(await drain(c.attemptToDelete), ['uid-rs']);
    // The dependent: its owner waits, it has no dependents: deleted in background.
    await c.gc.attemptToDeleteWorker('uid-rs');
    assert.deepEqual(c.client.writes().map((w) => [w.verb, w.name, (w.body as DeleteOptions).propagationPolicy]), [['delete', 'rs', 'Background']]);
    remove(c.builder, rs);
    assert.deepEqual(await drain(c.attemptToDelete), ['uid-d']);
    await c.gc.attemptToDeleteWorker('uid-d');
    assert.deepEqual(c.client.writes().at(-1), {
      verb: 'patch merge', resource: 'deployments', namespace: 'ns', name: 'd',
      body: { metadata: { resourceVersion: '10', finalizers: ['other.example/keep'] } },
    });
  });

  it('a waiting owner\'s dependent that has dependents of its own is deleted in foreground', async () => {
    const c = newCollector();
    const owner = seed(c, 'deployments', obj('apps/v1', 'Deployment', 'd', 'ns', { deletionTimestamp: rfc3339(T0), finalizers: ['foregroundDeletion'] }));
    const rs = seed(c, 'replicasets', obj('apps/v1', 'ReplicaSet', 'rs', 'ns', { ownerReferences: [ownerRef(owner, { blockOwnerDeletion: true })] }));
    seed(c, 'pods', obj('v1', 'Pod', 'p', 'ns', { ownerReferences: [ownerRef(rs, { blockOwnerDeletion: true })] }));
    await c.gc.attemptToDeleteWorker('uid-rs');
    assert.deepEqual(c.client.writes().map((w) => [w.verb, w.name, (w.body as DeleteOptions).propagationPolicy]), [['delete', 'rs', 'Foreground']]);
  });

  it('orphan: the owner leaves each dependent\'s references, then its orphan finalizer goes', async () => {
    const c = newCollector();
    const owner = seed(c, 'replicasets', obj('apps/v1', 'ReplicaSet', 'rs', 'ns', { deletionTimestamp: rfc3339(T0), finalizers: ['orphan'] }));
    seed(c, 'pods', obj('v1', 'Pod', 'p1', 'ns', { ownerReferences: [ownerRef(owner)] }));
    seed(c, 'configmaps', obj('v1', 'ConfigMap', 'c1', 'ns', { ownerReferences: [ownerRef(owner)] }));
    assert.deepEqual(await drain(c.attemptToOrphan), ['uid-rs']);
    await c.gc.attemptToOrphanWorker('uid-rs');
    const writes = c.client.writes().map((w) => [w.verb, w.name, JSON.stringify(w.body)]);
    assert.deepEqual(writes.slice(0, 2).sort(), [
      ['patch strategic', 'c1', JSON.stringify({ metadata: { ownerReferences: [{ $patch: 'delete', uid: 'uid-rs' }], uid: 'uid-c1' } })],
      ['patch strategic', 'p1', JSON.stringify({ metadata: { ownerReferences: [{ $patch: 'delete', uid: 'uid-rs' }], uid: 'uid-p1' } })],
    ]);
    assert.deepEqual(writes[2], ['patch merge', 'rs', JSON.stringify({ metadata: { resourceVersion: '10', finalizers: null } })]);
  });

  it('an item the apiserver no longer has becomes a virtual delete event', async () => {
    const c = newCollector();
    add(c.builder, obj('v1', 'ConfigMap', 'vanished', 'ns', { ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'o', uid: 'uid-o' }] }));
    await c.gc.attemptToDeleteWorker('uid-vanished');
    assert.equal(c.builder.uidToNode.has('uid-vanished'), false);
    assert.deepEqual(c.client.writes(), []);
  });

  it('an owner kind discovery does not know is an error to retry', async () => {
    const c = newCollector();
    seed(c, 'configmaps', obj('v1', 'ConfigMap', 'child', 'ns', { ownerReferences: [{ apiVersion: 'example.com/v1', kind: 'Widget', name: 'w', uid: 'uid-w' }] }));
    await assert.rejects(c.gc.attemptToDeleteWorker('uid-child'), { message: 'unable to get REST mapping for Widget.example.com/v1.' });
  });
});

describe('GarbageCollector sync', () => {
  it('monitors every deletable resource but events, and picks up kinds discovery adds later', async () => {
    const b = newBuilder();
    const monitored: string[] = [];
    let discovery = fixtureDiscovery();
    const fakeInformer = (ri: ResourceInfo): Informer<KubeObject> => {
      monitored.push(`${ri.group}/${ri.plural}`);
      return { addEventHandler: () => () => undefined, hasSynced: () => true, waitForSync: async () => true } as unknown as Informer<KubeObject>;
    };
    const mapper = new RestMapper();
    const gc = new GarbageCollector({
      ...b, client: new FakeGcClient(), mapper, discover: async () => discovery, informerFor: fakeInformer, clock: new FakeClock(T0), log, workers: 1,
    });
    await gc.sync();
    assert.deepEqual(monitored.sort(), [
      '/configmaps', '/endpoints', '/namespaces', '/nodes', '/persistentvolumeclaims', '/persistentvolumes', '/pods', '/replicationcontrollers',
      '/secrets', '/serviceaccounts', '/services',
      'apps/controllerrevisions', 'apps/daemonsets', 'apps/deployments', 'apps/replicasets', 'apps/statefulsets', 'coordination.k8s.io/leases',
    ]);
    assert.equal(b.builder.isSynced(), true);
    discovery = fixtureDiscovery([{
      kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'example.com/v1',
      resources: [
        { name: 'widgets', singularName: 'widget', namespaced: true, kind: 'Widget', verbs: ['delete', 'get', 'list', 'watch'] },
        { name: 'gadgets', singularName: 'gadget', namespaced: true, kind: 'Gadget', verbs: ['get', 'list'] },
      ],
    }]);
    monitored.length = 0;
    await gc.sync();
    assert.deepEqual(monitored, ['example.com/widgets']);
    assert.equal(mapper.resourceFor('example.com/v1', 'Widget').plural, 'widgets');
    assert.equal(deletableResources(discovery).some((r) => r.plural === 'gadgets'), false);
  });
});

describe('ReferenceCache', () => {
  it('keeps the most recently used references up to its size', () => {
    const cache = new ReferenceCache(2);
    const r = (uid: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', name: uid, uid, namespace: 'ns' });
    cache.add(r('a'));
    cache.add(r('b'));
    assert.equal(cache.has(r('a')), true);
    cache.add(r('c'));
    assert.deepEqual([cache.has(r('a')), cache.has(r('b')), cache.has(r('c'))], [true, false, true]);
  });
});
