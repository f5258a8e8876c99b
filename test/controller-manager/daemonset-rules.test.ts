// The DaemonSet controller's pure rules and one reconcile over filled caches: node
// eligibility as the scheduler decides it, the daemon tolerations and node pinning,
// the rolling-update arithmetic (maxUnavailable, maxSurge), the manage loop's decisions
// (failed pods with backoff, duplicates), status counts, and the ControllerRevision
// helpers (names, hashes, ordering, equality).
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import type { ControllerRevision, DaemonSet, DaemonSetSpec } from '../../api/types/apps.js';
import type { Node, Pod, Taint } from '../../api/types/core.js';
import { FakeClock } from '../../client/clock.js';
import { DaemonSetController } from '../../controller-manager/daemonset/controller.js';
import type { DaemonSetClient } from '../../controller-manager/daemonset/client.js';
import { daemonSetPatch, matchesRevision, newDaemonSetRevision, templateHash } from '../../controller-manager/daemonset/history.js';
import { calculateCounts, nodesToDaemonPods, podsShouldBeOnNode, type ManageContext } from '../../controller-manager/daemonset/sync.js';
import { planRollingUpdate, updatedDesiredNodeCounts } from '../../controller-manager/daemonset/update.js';
import {
  allowsSurge, daemonPodTemplate, FailedPodsBackoff, isPodUpdated, nodeShouldRunDaemonPod, replaceNodeNameAffinity, surgeCount, targetNodeName,
  unavailableCount,
} from '../../controller-manager/daemonset/util.js';
import { ControllerExpectations } from '../../controller-manager/expectations.js';
import {
  compareRevisions, controllerRevisionName, equalRevision, fnv32, goJSON, hashControllerRevision, newControllerRevision, nextRevision,
} from '../../controller-manager/history/index.js';
import { FakePodControl } from '../../controller-manager/pod-control.js';
import { filledInformer } from '../harness/filled-informer.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const T = (offsetS: number): string => new Date(NOW + offsetS * 1000).toISOString().replace(/\.\d+Z$/, 'Z');

function node(name: string, o: { labels?: Record<string, string>; taints?: Taint[] } = {}): Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name, ...(o.labels ?? {}) } }, spec: { taints: o.taints } };
}

function daemonSet(spec: Partial<DaemonSetSpec> = {}, generation = 1): DaemonSet {
  return {
    apiVersion: 'apps/v1', kind: 'DaemonSet',
    metadata: { name: 'ds', namespace: 'default', uid: 'ds-uid', generation, annotations: { 'deprecated.daemonset.template.generation': String(generation) } },
    spec: {
      selector: { matchLabels: { app: 'ds' } },
      template: { metadata: { labels: { app: 'ds' } }, spec: { containers: [{ name: 'c', image: 'img:1' }] } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
      ...spec,
    },
  };
}

let podSeq = 0;
function pod(nodeName: string, o: { hash?: string; ready?: boolean; readySince?: number; phase?: string; created?: number; deleting?: boolean; name?: string } = {}): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      name: o.name ?? `ds-${++podSeq}`, namespace: 'default', uid: `pod-${podSeq}`, creationTimestamp: T(o.created ?? -100),
      labels: { app: 'ds', 'controller-revision-hash': o.hash ?? 'old' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'ds', uid: 'ds-uid', controller: true, blockOwnerDeletion: true }],
      ...(o.deleting ? { deletionTimestamp: T(0) } : {}),
    },
    spec: { nodeName, containers: [{ name: 'c', image: 'img' }] },
    status: {
      phase: o.phase ?? 'Running',
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True', lastTransitionTime: T(o.readySince ?? -60) }],
    },
  };
}

describe('nodeShouldRunDaemonPod: the scheduler\'s predicates', () => {
  it('runs everywhere without constraints', () => {
    assert.deepEqual(nodeShouldRunDaemonPod(node('a'), daemonSet()), { shouldRun: true, shouldContinueRunning: true });
  });

  it('honours the node selector and required node affinity', () => {
    const ds = daemonSet();
    ds.spec!.template.spec!.nodeSelector = { disk: 'ssd' };
    assert.equal(nodeShouldRunDaemonPod(node('a', { labels: { disk: 'ssd' } }), ds).shouldRun, true);
    assert.deepEqual(nodeShouldRunDaemonPod(node('b'), ds), { shouldRun: false, shouldContinueRunning: false });
    const aff = daemonSet();
    aff.spec!.template.spec!.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['x', 'y'] }] }] } } };
    assert.equal(nodeShouldRunDaemonPod(node('a', { labels: { zone: 'y' } }), aff).shouldRun, true);
    assert.equal(nodeShouldRunDaemonPod(node('a', { labels: { zone: 'z' } }), aff).shouldRun, false);
    const named = daemonSet();
    named.spec!.template.spec!.nodeName = 'a';
    assert.equal(nodeShouldRunDaemonPod(node('a'), named).shouldRun, true);
    assert.equal(nodeShouldRunDaemonPod(node('b'), named).shouldRun, false);
  });

  it('a NoSchedule taint keeps new pods off but lets a running one stay; NoExecute evicts; tolerations admit', () => {
    const noSchedule = node('a', { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] });
    assert.deepEqual(nodeShouldRunDaemonPod(noSchedule, daemonSet()), { shouldRun: false, shouldContinueRunning: true });
    const noExecute = node('a', { taints: [{ key: 'dedicated', value: 'db', effect: 'NoExecute' }] });
    assert.deepEqual(nodeShouldRunDaemonPod(noExecute, daemonSet()), { shouldRun: false, shouldContinueRunning: false });
    const tolerant = daemonSet();
    tolerant.spec!.template.spec!.tolerations = [{ key: 'dedicated', operator: 'Equal', value: 'db' }];
    assert.deepEqual(nodeShouldRunDaemonPod(noExecute, tolerant), { shouldRun: true, shouldContinueRunning: true });
    // PreferNoSchedule never keeps a daemon pod off.
    assert.equal(nodeShouldRunDaemonPod(node('a', { taints: [{ key: 'k', effect: 'PreferNoSchedule' }] }), daemonSet()).shouldRun, true);
  });

  it('the daemon tolerations admit not-ready, unreachable, pressure and unschedulable nodes; network-unavailable only with hostNetwork', () => {
    for (const [key, effect] of [['node.kubernetes.io/not-ready', 'NoExecute'], ['node.kubernetes.io/unreachable', 'NoExecute'],
      ['node.kubernetes.io/memory-pressure', 'NoSchedule'], ['node.kubernetes.io/disk-pressure', 'NoSchedule'],
      ['node.kubernetes.io/pid-pressure', 'NoSchedule'], ['node.kubernetes.io/unschedulable', 'NoSchedule']]) {
      assert.equal(nodeShouldRunDaemonPod(node('a', { taints: [{ key, effect }] }), daemonSet()).shouldRun, true, key);
    }
    const unavailable = node('a', { taints: [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }] });
    assert.equal(nodeShouldRunDaemonPod(unavailable, daemonSet()).shouldRun, false);
    const host = daemonSet();
    host.spec!.template.spec!.hostNetwork = true;
    assert.equal(nodeShouldRunDaemonPod(unavailable, host).shouldRun, true);
  });
});

describe('pod templates, node pinning and revisions of pods', () => {
  it('daemonPodTemplate adds the tolerations (replacing a matching one) and the generation and hash labels', () => {
    const t = daemonPodTemplate({ metadata: { labels: { app: 'ds' } }, spec: { containers: [], tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 }] } }, 3, 'h1');
    assert.deepEqual(t.metadata?.labels, { app: 'ds', 'pod-template-generation': '3', 'controller-revision-hash': 'h1' });
    const notReady = t.spec?.tolerations?.filter((x) => x.key === 'node.kubernetes.io/not-ready') ?? [];
    assert.deepEqual(notReady, [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' }]);
    assert.equal(t.spec?.tolerations?.length, 6);
  });

  it('replaceNodeNameAffinity pins the pod, keeping preferred terms; targetNodeName reads it back', () => {
    const aff = replaceNodeNameAffinity({ nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] },
      preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [{ key: 'x', operator: 'Exists' }] } }],
    } }, 'n1');
    assert.deepEqual(aff.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution, { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }] });
    assert.equal(aff.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.length, 1);
    const p = pod('');
    delete p.spec!.nodeName;
    p.spec!.affinity = aff;
    assert.equal(targetNodeName(p), 'n1');
    assert.equal(targetNodeName(pod('n2')), 'n2');
  });

  it('isPodUpdated: the hash label, or the template generation of older controllers', () => {
    const p = pod('a', { hash: 'h2' });
    assert.equal(isPodUpdated(p, 'h2', undefined), true);
    assert.equal(isPodUpdated(p, 'h3', undefined), false);
    p.metadata.labels!['pod-template-generation'] = '4';
    assert.equal(isPodUpdated(p, 'h3', 4), true);
  });
});

describe('rolling update arithmetic', () => {
  it('maxUnavailable and maxSurge scale against the desired nodes, rounded up', () => {
    const ds = daemonSet({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: 0 } } });
    assert.equal(unavailableCount(ds, 10), 3);
    assert.equal(unavailableCount(ds, 4), 1);
    assert.equal(unavailableCount(ds, 0), 0);
    const surge = daemonSet({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '10%' } } });
    assert.equal(surgeCount(surge, 25), 3);
    assert.equal(allowsSurge(surge), true);
    assert.equal(allowsSurge(ds), false);
    assert.equal(surgeCount(daemonSet({ updateStrategy: { type: 'OnDelete' } }), 10), 0);
    // Both 0 (never valid) still lets an update progress one node at a time.
    const stuck = daemonSet({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } } });
    assert.deepEqual(updatedDesiredNodeCounts(stuck, [node('a'), node('b')], new Map()), { maxSurge: 0, maxUnavailable: 1, desiredNumberScheduled: 2 });
  });

  it('without surge: deletes available old pods only while fewer than maxUnavailable nodes are unavailable', () => {
    const nodes = ['a', 'b', 'c', 'd', 'e'].map((n) => node(n));
    const ds = daemonSet();
    // All old and available: one goes.
    let map = new Map(nodes.map((n) => [n.metadata.name!, [pod(n.metadata.name!, { name: `old-${n.metadata.name}` })]]));
    assert.deepEqual(planRollingUpdate(ds, nodes, map, 'new', NOW), { podsToDelete: ['old-a'], nodesToCreate: [] });
    // Node a has a new pod that is not ready yet: nothing more.
    map.set('a', [pod('a', { hash: 'new', ready: false })]);
    assert.deepEqual(planRollingUpdate(ds, nodes, map, 'new', NOW).podsToDelete, []);
    // Ready: the next one goes.
    map.set('a', [pod('a', { hash: 'new' })]);
    assert.deepEqual(planRollingUpdate(ds, nodes, map, 'new', NOW).podsToDelete, ['old-b']);
    // An unavailable old pod is replaced whatever the budget; a node without a pod uses the budget.
    map = new Map(nodes.map((n) => [n.metadata.name!, [pod(n.metadata.name!, { name: `old-${n.metadata.name}` })]]));
    map.set('c', [pod('c', { name: 'old-c', ready: false })]);
    map.delete('e');
    assert.deepEqual(planRollingUpdate(ds, nodes, map, 'new', NOW).podsToDelete, ['old-c']);
    // maxUnavailable 2: two at once; minReadySeconds counts a fresh ready pod as unavailable.
    const two = daemonSet({ minReadySeconds: 30, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 2, maxSurge: 0 } } });
    map = new Map(nodes.map((n) => [n.metadata.name!, [pod(n.metadata.name!, { name: `old-${n.metadata.name}` })]]));
    assert.deepEqual(planRollingUpdate(two, nodes, map, 'new', NOW).podsToDelete, ['old-a', 'old-b']);
    map.set('a', [pod('a', { hash: 'new', readySince: -5 })]);
    assert.deepEqual(planRollingUpdate(two, nodes, map, 'new', NOW).podsToDelete, ['old-b']);
  });

  it('with surge: a new pod beside an available old one up to maxSurge; the old one goes once the new one is available', () => {
    const nodes = ['a', 'b', 'c'].map((n) => node(n));
    const ds = daemonSet({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } });
    const map = new Map(nodes.map((n) => [n.metadata.name!, [pod(n.metadata.name!, { name: `old-${n.metadata.name}` })]]));
    assert.deepEqual(planRollingUpdate(ds, nodes, map, 'new', NOW), { podsToDelete: [], nodesToCreate: ['a'] });
    map.get('a')!.push(pod('a', { hash: 'new', ready: false }));
    assert.deepEqual(planRollingUpdate(ds, nodes, map, 'new', NOW), { podsToDelete: [], nodesToCreate: [] });
    map.set('a', [pod('a', { name: 'old-a' }), pod('a', { hash: 'new' })]);
    assert.deepEqual(planRollingUpdate(ds, nodes, map, 'new', NOW), { podsToDelete: ['old-a'], nodesToCreate: ['b'] });
    // An unavailable old pod gets its replacement at once, beyond the surge budget.
    map.set('c', [pod('c', { name: 'old-c', ready: false })]);
    assert.deepEqual(planRollingUpdate(ds, nodes, map, 'new', NOW).nodesToCreate, ['c', 'b']);
  });
});

describe('the manage loop and status', () => {
  const ctx = (o: Partial<ManageContext> = {}): ManageContext & { events: string[]; delays: number[] } => {
    const events: string[] = [];
    const delays: number[] = [];
    return {
      key: 'default/ds', podControl: new FakePodControl(), expectations: new ControllerExpectations(new FakeClock(NOW)), backoff: new FailedPodsBackoff(),
      recorder: { event: (_o, type, reason, message) => events.push(`${type} ${reason} ${message}`) }, now: NOW,
      enqueueAfter: (ms) => delays.push(ms), burstReplicas: 250, log: { debug: () => undefined }, events, delays, ...o,
    };
  };

  it('creates on a node without a pod, prunes duplicates to the oldest, deletes pods where the node no longer fits', () => {
    const ds = daemonSet();
    const c = ctx();
    assert.deepEqual(podsShouldBeOnNode(c, node('a'), new Map(), ds, 'h'), { create: ['a'], remove: [] });
    const older = pod('a', { name: 'older', created: -200 });
    const newer = pod('a', { name: 'newer', created: -100 });
    assert.deepEqual(podsShouldBeOnNode(c, node('a'), new Map([['a', [newer, older]]]), ds, 'h'), { create: [], remove: ['newer'] });
    const evict = node('a', { taints: [{ key: 'x', effect: 'NoExecute' }] });
    assert.deepEqual(podsShouldBeOnNode(c, evict, new Map([['a', [older]]]), ds, 'h'), { create: [], remove: ['older'] });
    // NoSchedule: the running pod stays, no new one is made.
    const cordoned = node('a', { taints: [{ key: 'x', effect: 'NoSchedule' }] });
    assert.deepEqual(podsShouldBeOnNode(c, cordoned, new Map([['a', [older]]]), ds, 'h'), { create: [], remove: [] });
    assert.deepEqual(podsShouldBeOnNode(c, cordoned, new Map(), ds, 'h'), { create: [], remove: [] });
  });

  it('deletes a failed pod with a FailedDaemonPod event, then backs off 1 s, 2 s...', () => {
    const ds = daemonSet();
    const failed = pod('a', { name: 'ds-x', phase: 'Failed' });
    const c = ctx();
    assert.deepEqual(podsShouldBeOnNode(c, node('a'), new Map([['a', [failed]]]), ds, 'h').remove, ['ds-x']);
    assert.deepEqual(c.events, ['Warning FailedDaemonPod Found failed daemon pod default/ds-x on node a, will try to kill it']);
    // Within the second: held back and requeued after the delay.
    assert.deepEqual(podsShouldBeOnNode({ ...c, now: NOW + 500 }, node('a'), new Map([['a', [failed]]]), ds, 'h').remove, []);
    assert.deepEqual(c.delays, [1000]);
    assert.deepEqual(podsShouldBeOnNode({ ...c, now: NOW + 1000 }, node('a'), new Map([['a', [failed]]]), ds, 'h').remove, ['ds-x']);
    assert.equal(c.backoff.get('ds-uid/a'), 2000);
    assert.equal(c.backoff.isInBackOffSinceUpdate('ds-uid/a', NOW + 2500), true);
    assert.equal(c.backoff.isInBackOffSinceUpdate('ds-uid/a', NOW + 3000), false);
  });

  it('counts desired, current, ready, available, updated and misscheduled nodes', () => {
    const ds = daemonSet({ minReadySeconds: 10, template: { metadata: { labels: { app: 'ds' } }, spec: { containers: [{ name: 'c' }], nodeSelector: { role: 'worker' } } } });
    const nodes = [node('a', { labels: { role: 'worker' } }), node('b', { labels: { role: 'worker' } }), node('c', { labels: { role: 'worker' } }), node('d')];
    const pods = [pod('a', { hash: 'h' }), pod('b', { readySince: -5 }), pod('d')];
    const counts = calculateCounts(ds, nodes, nodesToDaemonPods(pods, targetNodeName), 'h', NOW);
    assert.deepEqual(counts, {
      desiredNumberScheduled: 3, currentNumberScheduled: 2, numberMisscheduled: 1, numberReady: 2,
      updatedNumberScheduled: 1, numberAvailable: 1, numberUnavailable: 2,
    });
  });
});

describe('ControllerRevisions', () => {
  it('FNV-1 (not 1a), Go\'s JSON key order and escaping, names cut to 223 characters', () => {
    assert.equal(fnv32(Buffer.from('a')), 0x050c5d7e);
    assert.equal(fnv32(Buffer.from('')), 0x811c9dc5);
    assert.equal(goJSON({ b: 1, a: { d: [{ z: 1, y: '<&>' }], c: null } }), '{"a":{"c":null,"d":[{"y":"\\u003c\\u0026\\u003e","z":1}]},"b":1}');
    assert.equal(controllerRevisionName('web', 'abc'), 'web-abc');
    assert.equal(controllerRevisionName('x'.repeat(300), 'abc'), `${'x'.repeat(223)}-abc`);
  });

  it('hashes the data and the collision count; equal data, equal revisions', () => {
    const data = { spec: { template: { $patch: 'replace' } } };
    const h0 = hashControllerRevision({ data });
    assert.equal(h0, hashControllerRevision({ data: JSON.parse(goJSON(data)) as unknown }));
    assert.notEqual(hashControllerRevision({ data }, 1), h0);
    assert.match(h0, /^[bcdfghjklmnpqrstvwxz2456789]+$/);
    const parent = daemonSet();
    const a = newControllerRevision(parent, { apiVersion: 'apps/v1', kind: 'DaemonSet' }, { app: 'ds' }, data, 1);
    assert.equal(a.metadata.name, `ds-${h0}`);
    assert.deepEqual(a.metadata.labels, { app: 'ds', 'controller-revision-hash': h0 });
    assert.equal(a.metadata.ownerReferences?.[0].controller, true);
    const b = newControllerRevision(parent, { apiVersion: 'apps/v1', kind: 'DaemonSet' }, { app: 'ds' }, { spec: { template: { $patch: 'replace' } } }, 2);
    assert.equal(equalRevision(a, b), true);
    assert.equal(equalRevision(a, newControllerRevision(parent, { apiVersion: 'apps/v1', kind: 'DaemonSet' }, {}, { x: 1 }, 1)), false);
    assert.equal(nextRevision([a, b]), 3);
    assert.equal(nextRevision([]), 1);
    const sorted = [b, a].sort(compareRevisions);
    assert.deepEqual(sorted.map((r) => r.revision), [1, 2]);
  });

  it('a DaemonSet\'s revision: named by ComputeHash of the template, a patch replacing the template', () => {
    const ds = daemonSet();
    const cr: ControllerRevision = newDaemonSetRevision(ds, 4);
    assert.equal(cr.metadata.name, `ds-${templateHash(ds)}`);
    assert.equal(cr.metadata.labels?.['controller-revision-hash'], templateHash(ds));
    assert.equal(cr.revision, 4);
    assert.deepEqual(daemonSetPatch(ds).spec.template.$patch, 'replace');
    assert.equal(matchesRevision(ds, cr), true);
    const changed = daemonSet({ template: { metadata: { labels: { app: 'ds' } }, spec: { containers: [{ name: 'c', image: 'img:2' }] } } });
    assert.equal(matchesRevision(changed, cr), false);
    assert.notEqual(templateHash(changed), templateHash(ds));
  });
});

describe('DaemonSetController.reconcile over filled caches', () => {
  const stop = new AbortController();
  after(() => stop.abort());

  it('creates one pinned pod per eligible node and a first revision, and writes status', async () => {
    const ds = daemonSet();
    const nodes = [node('a'), node('b'), node('c', { taints: [{ key: 'x', effect: 'NoSchedule' }] })];
    const created: ControllerRevision[] = [];
    const statuses: DaemonSet[] = [];
    const client: DaemonSetClient = {
      getDaemonSet: async () => ds,
      updateDaemonSetStatus: async (_ns, d) => {
        statuses.push(d);
        return d;
      },
      revisions: {
        create: async (_ns, cr) => {
          created.push(cr);
          return { ...cr, metadata: { ...cr.metadata, uid: 'cr-1' } };
        },
        get: async () => assert.fail('no get'),
        update: async (_ns, cr) => cr,
        delete: async () => undefined,
        patch: async () => assert.fail('no patch'),
      },
      patchPod: async () => undefined,
    };
    const podControl = new FakePodControl();
    const c = new DaemonSetController({
      daemonSets: await filledInformer([ds], stop.signal),
      revisions: await filledInformer<ControllerRevision>([], stop.signal),
      pods: await filledInformer<Pod>([], stop.signal),
      nodes: await filledInformer(nodes, stop.signal),
      client, podControl, recorder: { event: () => undefined }, clock: new FakeClock(NOW), log: pino({ level: 'silent' }), workers: 1,
    });
    await c.reconcile('default/ds');
    const hash = templateHash(ds);
    assert.deepEqual(created.map((r) => [r.metadata.name, r.revision]), [[`ds-${hash}`, 1]]);
    const pinned = podControl.templates.map((t) => t?.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms[0].matchFields?.[0].values?.[0]);
    assert.deepEqual(pinned.sort(), ['a', 'b']);
    assert.ok(podControl.templates.every((t) => t?.metadata?.labels?.['controller-revision-hash'] === hash));
    assert.deepEqual(podControl.controllerRefs.map((r) => [r.kind, r.uid, r.controller]), [['DaemonSet', 'ds-uid', true], ['DaemonSet', 'ds-uid', true]]);
    assert.deepEqual(c.expectations.getExpectations('default/ds')?.add, 2);
    const st = statuses.at(-1)?.status;
    assert.deepEqual([st?.desiredNumberScheduled, st?.currentNumberScheduled, st?.numberUnavailable, st?.observedGeneration], [2, 0, 2, 1]);
    // Until the creates are observed, a sync writes status only and creates nothing more.
    podControl.clear();
    await c.reconcile('default/ds');
    assert.equal(podControl.createCallCount, 0);
  });
});
