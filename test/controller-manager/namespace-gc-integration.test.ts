// The namespace controller and the garbage collector in a real kube-controller-manager
// process against the real apiserver and etcd (hollow kubelet for the pods, so their
// graceful deletion completes): a deleted namespace is emptied and disappears, content
// held by a foreign finalizer keeps it Terminating with Kubernetes' conditions, and
// ownerReferences are collected with each propagation policy, for kinds the
// collector knows only from discovery.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { isNotFound, StatusError } from '../../api/errors.js';
import type { ConfigMap, Event, Namespace, NamespaceCondition, Pod } from '../../api/types/core.js';
import type { KubeObject, OwnerReference } from '../../api/types/meta.js';
import { resourceClient, type ResourceClient } from '../../client/resource-client.js';
import type { RestClient } from '../../client/rest-client.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { adminClient, startControllerManager, type ControllerManagerHandle } from '../harness/controllers.js';
import { HollowKubelet } from '../harness/hollow-kubelet.js';
import { waitFor } from '../harness/processes.js';

let cp: ControlPlane;
let rest: RestClient;
let hollow: HollowKubelet;
let cm: ControllerManagerHandle;
let namespaces: ResourceClient<Namespace>;
let configmaps: ResourceClient<ConfigMap>;
let secrets: ResourceClient;
let pods: ResourceClient<Pod>;

// The namespace controller waits 5 s after a namespace event (Kubernetes'
// namespaceDeletionGracePeriod) and, with finalizers left, 15/2+1 = 8 s before looking
// again; 40 s leaves room for both on a loaded 2-core machine. The collector reacts to
// watch events: 20 s covers its first discovery and informer sync at start.
const NS_TIMEOUT_MS = 40_000;
const GC_TIMEOUT_MS = 20_000;
const GC_NS = 'gc';

const gone = (get: () => Promise<unknown>) => async (): Promise<boolean> => get().then(() => false, (err: unknown) => {
  if (isNotFound(err)) return true;
  throw err;
});

const refTo = (obj: KubeObject, block = false): OwnerReference => ({
  apiVersion: obj.apiVersion as string, kind: obj.kind as string, name: obj.metadata.name as string, uid: obj.metadata.uid as string,
  ...(block ? { blockOwnerDeletion: true } : {}),
});

const cmObj = (name: string, o: { owners?: OwnerReference[]; finalizers?: string[] } = {}): ConfigMap => ({
  apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ownerReferences: o.owners, finalizers: o.finalizers }, data: { k: 'v' },
});

const podObj = (name: string, owners?: OwnerReference[]): Pod => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: 'web' }, ownerReferences: owners },
  spec: { nodeName: 'hollow-node-0', terminationGracePeriodSeconds: 2, containers: [{ name: 'c', image: 'busybox' }] },
});

const condition = (ns: Namespace, type: string): NamespaceCondition | undefined => ns.status?.conditions?.find((c) => c.type === type);

before(async () => {
  cp = await startControlPlane();
  rest = adminClient(cp);
  hollow = new HollowKubelet({ rest, nodes: 1, renewIntervalMs: 1000 });
  await hollow.start();
  cm = await startControllerManager(cp, ['--controllers', 'namespace-controller,garbage-collector-controller']);
  namespaces = resourceClient<Namespace>(rest, 'namespaces');
  configmaps = resourceClient<ConfigMap>(rest, 'configmaps');
  secrets = resourceClient(rest, 'secrets');
  pods = resourceClient<Pod>(rest, 'pods');
  await namespaces.create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: GC_NS } });
});

after(async () => {
  await cm?.stop();
  await hollow?.stop({ deleteNodes: true });
  await rest?.close();
  await cp?.stop();
});

describe('namespace deletion', { concurrency: true }, () => {
  test('empties a namespace (configmaps, secrets, services, pods, a deployment and its replicaset), then the namespace disappears', async () => {
    const ns = 'ns-content';
    await namespaces.create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    await configmaps.create(ns, cmObj('settings'));
    await secrets.create(ns, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'token' }, stringData: { t: 'x' } });
    await resourceClient(rest, 'services').create(ns, {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] },
    });
    const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
    const deploy = await resourceClient(rest, 'deployments').create(ns, {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template },
    });
    const rs = await resourceClient(rest, 'replicasets').create(ns, {
      apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web-1', ownerReferences: [{ ...refTo(deploy, true), controller: true }] },
      spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template },
    });
    await pods.create(ns, podObj('web-1-a', [{ ...refTo(rs, true), controller: true }]));
    await waitFor(async () => (await pods.get(ns, 'web-1-a')).status?.phase === 'Running', { what: 'the hollow kubelet to run the pod' });

    await namespaces.delete('', ns);
    const terminating = await namespaces.get('', ns);
    assert.equal(terminating.status?.phase, 'Terminating');
    // NamespaceLifecycle: no new content in a namespace being terminated.
    await assert.rejects(configmaps.create(ns, cmObj('late')), (err: unknown) => {
      assert.ok(err instanceof StatusError);
      assert.equal(err.code, 403);
      const why = `unable to create new content in namespace ${ns} because it is being terminated`;
      assert.equal(err.message, `configmaps "late" is forbidden: ${why}`);
      assert.deepEqual(err.status.details, { name: 'late', kind: 'configmaps', causes: [{ reason: 'NamespaceTerminating', message: why, field: 'metadata.namespace' }] });
      return true;
    });

    await waitFor(gone(() => namespaces.get('', ns)), { timeoutMs: NS_TIMEOUT_MS, what: `namespace ${ns} to disappear` });
    for (const resource of ['configmaps', 'secrets', 'services', 'pods', 'deployments', 'replicasets', 'endpoints']) {
      const left = await resourceClient(rest, resource).list(ns);
      assert.deepEqual(left.items.map((i) => i.metadata.name), [], `${resource} left behind`);
    }
  });

  test('content held by a foreign finalizer keeps the namespace Terminating with NamespaceFinalizersRemaining until it is removed', async () => {
    const ns = 'ns-finalizer';
    await namespaces.create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    await configmaps.create(ns, cmObj('held', { finalizers: ['foo.example/bar'] }));
    await configmaps.create(ns, cmObj('free'));
    await namespaces.delete('', ns);

    let seen: Namespace | undefined;
    await waitFor(async () => {
      seen = await namespaces.get('', ns);
      return condition(seen, 'NamespaceFinalizersRemaining')?.status === 'True';
    }, { timeoutMs: NS_TIMEOUT_MS, what: 'NamespaceFinalizersRemaining' });
    const got = seen as Namespace;
    assert.equal(got.status?.phase, 'Terminating');
    assert.deepEqual(got.spec?.finalizers, ['kubernetes']);
    assert.deepEqual(
      (got.status?.conditions ?? []).map((c) => [c.type, c.status, c.reason, c.message]),
      [
        ['NamespaceDeletionDiscoveryFailure', 'False', 'ResourcesDiscovered', 'All resources successfully discovered'],
        ['NamespaceDeletionGroupVersionParsingFailure', 'False', 'ParsedGroupVersions', 'All legacy kube types successfully parsed'],
        ['NamespaceDeletionContentFailure', 'False', 'ContentDeleted', 'All content successfully deleted, may be waiting on finalization'],
        ['NamespaceContentRemaining', 'True', 'SomeResourcesRemain', 'Some resources are remaining: configmaps. has 1 resource instances'],
        ['NamespaceFinalizersRemaining', 'True', 'SomeFinalizersRemain', 'Some content in the namespace has finalizers remaining: foo.example/bar in 1 resource instances'],
      ],
    );
    const held = await configmaps.get(ns, 'held');
    assert.ok(held.metadata.deletionTimestamp, 'the held configmap is being deleted');
    await assert.rejects(configmaps.get(ns, 'free'), isNotFound);

    await configmaps.patch(ns, 'held', 'merge', { metadata: { finalizers: null } });
    await waitFor(gone(() => namespaces.get('', ns)), { timeoutMs: NS_TIMEOUT_MS, what: `namespace ${ns} to disappear` });
  });
});

describe('garbage collection', () => {
  test('background: the owner goes at once, then its dependents of other kinds (a ConfigMap owning a Secret and a ConfigMap)', async () => {
    const owner = await configmaps.create(GC_NS, cmObj('bg-owner'));
    await secrets.create(GC_NS, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'bg-secret', ownerReferences: [refTo(owner, true)] } });
    await configmaps.create(GC_NS, cmObj('bg-cm', { owners: [refTo(owner)] }));
    await configmaps.delete(GC_NS, 'bg-owner', { propagationPolicy: 'Background' });
    await assert.rejects(configmaps.get(GC_NS, 'bg-owner'), isNotFound);
    await waitFor(gone(() => secrets.get(GC_NS, 'bg-secret')), { timeoutMs: GC_TIMEOUT_MS, what: 'the secret to be collected' });
    await waitFor(gone(() => configmaps.get(GC_NS, 'bg-cm')), { timeoutMs: GC_TIMEOUT_MS, what: 'the configmap to be collected' });
  });

  test('foreground: the owner stays with foregroundDeletion until its blocking dependents are gone, then disappears', async () => {
    const owner = await resourceClient(rest, 'replicasets').create(GC_NS, {
      apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'fg-owner' },
      spec: { replicas: 0, selector: { matchLabels: { app: 'fg' } }, template: { metadata: { labels: { app: 'fg' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
    });
    await pods.create(GC_NS, podObj('fg-pod', [{ ...refTo(owner, true), controller: true }]));
    // A blocking dependent that lingers: its own finalizer holds it after the collector deletes it.
    await configmaps.create(GC_NS, cmObj('fg-held', { owners: [refTo(owner, true)], finalizers: ['test.example/hold'] }));
    await resourceClient(rest, 'replicasets').delete(GC_NS, 'fg-owner', { propagationPolicy: 'Foreground' });

    await waitFor(gone(() => pods.get(GC_NS, 'fg-pod')), { timeoutMs: GC_TIMEOUT_MS, what: 'the pod to be deleted in foreground' });
    await waitFor(async () => !!(await configmaps.get(GC_NS, 'fg-held')).metadata.deletionTimestamp, { timeoutMs: GC_TIMEOUT_MS, what: 'the held dependent to be deleted' });
    const waiting = await resourceClient(rest, 'replicasets').get(GC_NS, 'fg-owner');
    assert.ok(waiting.metadata.deletionTimestamp);
    assert.deepEqual(waiting.metadata.finalizers, ['foregroundDeletion']);

    await configmaps.patch(GC_NS, 'fg-held', 'merge', { metadata: { finalizers: null } });
    await waitFor(gone(() => resourceClient(rest, 'replicasets').get(GC_NS, 'fg-owner')), { timeoutMs: GC_TIMEOUT_MS, what: 'the owner to disappear' });
  });

  test('orphan: dependents keep living with the owner reference removed; the owner goes', async () => {
    const owner = await resourceClient(rest, 'deployments').create(GC_NS, {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'orphan-owner' },
      spec: { replicas: 0, selector: { matchLabels: { app: 'o' } }, template: { metadata: { labels: { app: 'o' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
    });
    const other = await configmaps.create(GC_NS, cmObj('orphan-other-owner'));
    await configmaps.create(GC_NS, cmObj('orphan-a', { owners: [refTo(owner, true)] }));
    await configmaps.create(GC_NS, cmObj('orphan-b', { owners: [refTo(owner), refTo(other)] }));
    await resourceClient(rest, 'deployments').delete(GC_NS, 'orphan-owner', { propagationPolicy: 'Orphan' });
    await waitFor(gone(() => resourceClient(rest, 'deployments').get(GC_NS, 'orphan-owner')), { timeoutMs: GC_TIMEOUT_MS, what: 'the owner to go once orphaning is done' });
    assert.deepEqual((await configmaps.get(GC_NS, 'orphan-a')).metadata.ownerReferences ?? [], []);
    assert.deepEqual((await configmaps.get(GC_NS, 'orphan-b')).metadata.ownerReferences?.map((r) => r.name), ['orphan-other-owner']);
  });

  test('a dependent whose owner never existed is deleted; one with two owners loses only the deleted one', async () => {
    await configmaps.create(GC_NS, cmObj('ghost-child', { owners: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'ghost', uid: randomUUID() }] }));
    const a = await configmaps.create(GC_NS, cmObj('two-a'));
    const b = await configmaps.create(GC_NS, cmObj('two-b'));
    await secrets.create(GC_NS, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'two-child', ownerReferences: [refTo(a), refTo(b)] } });
    await configmaps.delete(GC_NS, 'two-a');
    await waitFor(gone(() => configmaps.get(GC_NS, 'ghost-child')), { timeoutMs: GC_TIMEOUT_MS, what: 'the ghost child to be collected' });
    await waitFor(async () => (await secrets.get(GC_NS, 'two-child')).metadata.ownerReferences?.length === 1, { timeoutMs: GC_TIMEOUT_MS, what: 'the dead owner reference removed' });
    assert.deepEqual((await secrets.get(GC_NS, 'two-child')).metadata.ownerReferences?.map((r) => r.uid), [b.metadata.uid]);
  });

  test('a cluster-scoped owner collects namespaced dependents; an owner in another namespace counts as absent (OwnerRefInvalidNamespace)', async () => {
    const node = await resourceClient(rest, 'nodes').create('', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'gc-owner-node' } });
    await configmaps.create(GC_NS, cmObj('node-child', { owners: [refTo(node)] }));
    const elsewhere = await configmaps.create('default', cmObj('elsewhere-owner'));
    await configmaps.create(GC_NS, cmObj('cross-child', { owners: [refTo(elsewhere)] }));
    await resourceClient(rest, 'nodes').delete('', 'gc-owner-node');
    await waitFor(gone(() => configmaps.get(GC_NS, 'node-child')), { timeoutMs: GC_TIMEOUT_MS, what: 'the node\'s dependent to be collected' });
    await waitFor(gone(() => configmaps.get(GC_NS, 'cross-child')), { timeoutMs: GC_TIMEOUT_MS, what: 'the cross-namespace dependent to be collected' });
    await configmaps.get('default', 'elsewhere-owner');
    await waitFor(async () => (await resourceClient<Event>(rest, 'events').list(GC_NS)).items
      .some((e) => e.reason === 'OwnerRefInvalidNamespace' && e.involvedObject.name === 'cross-child'
        && e.message === `ownerRef [v1/ConfigMap, namespace: ${GC_NS}, name: elsewhere-owner, uid: ${elsewhere.metadata.uid}] does not exist in namespace "${GC_NS}"`),
    { timeoutMs: GC_TIMEOUT_MS, what: 'the OwnerRefInvalidNamespace event' });
  });
});
