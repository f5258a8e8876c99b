// The node lifecycle, taint eviction and pod GC controllers' rules, without I/O: caches
// filled by the test (a small fake of the shared informers on the real Indexer), a
// FakeClock stepped instead of waiting, and fake clients that record each write and
// apply it to the caches as the watch would. Covers the grace periods (monitor and
// startup), Unknown conditions and their taints, taint removal on recovery, the
// eviction rate and full disruption; eviction scheduling and cancelling; orphaned and
// terminated pod collection.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { conflict, notFound } from '../../api/errors.js';
import { rfc3339, rfc3339Micro } from '../../api/helpers/time.js';
import type { Lease } from '../../api/types/coordination.js';
import type { Node, NodeCondition, ObjectReference, Pod, PodCondition, PodStatus, Taint, Toleration } from '../../api/types/core.js';
import type { KubeObject } from '../../api/types/meta.js';
import { FakeClock } from '../../client/clock.js';
import { keyOf } from '../../client/informer.js';
import type { NodeLifecycleClient } from '../../controller-manager/node-lifecycle/client.js';
import { NodeLifecycleController, type NodeLifecycleOptions } from '../../controller-manager/node-lifecycle/controller.js';
import { computeZoneState, zoneKey, zoneQps } from '../../controller-manager/node-lifecycle/zones.js';
import { byEvictionAndCreation, PodGCController, type PodGCClient } from '../../controller-manager/pod-gc/controller.js';
import { evictionPlan, TaintEvictionController, type TaintEvictionClient } from '../../controller-manager/taint-eviction/controller.js';
import { FakeCache } from '../harness/fake-cache.js';

const log = pino({ level: 'silent' });
const T0 = Date.UTC(2026, 0, 1);

// ---------------------------------------------------------------- fakes


interface Recorded { ref: ObjectReference; type: string; reason: string; message: string }

class FakeRecorder {
  readonly events: Recorded[] = [];
  event(obj: KubeObject | ObjectReference, type: string, reason: string, message: string): void {
    this.events.push({ ref: obj as ObjectReference, type, reason, message });
  }
  messages(reason?: string): string[] {
    return this.events.filter((e) => !reason || e.reason === reason).map((e) => e.message);
  }
}

const nodeKind = { group: '', resource: 'nodes' };
const podKind = { group: '', resource: 'pods' };

/** Records node lifecycle writes and applies them to the caches. */
class FakeNodeClient implements NodeLifecycleClient {
  readonly actions: string[] = [];
  constructor(private readonly nodes: FakeCache<Node>, private readonly pods: FakeCache<Pod>) {}

  async getNode(name: string): Promise<Node> {
    const n = this.nodes.getByKey(name);
    if (!n) throw notFound(nodeKind, name);
    return structuredClone(n);
  }
  async updateNodeStatus(node: Node): Promise<Node> {
    const name = node.metadata.name as string;
    const cur = this.nodes.getByKey(name);
    if (!cur) throw notFound(nodeKind, name);
    if (node.metadata.resourceVersion !== cur.metadata.resourceVersion) throw conflict(nodeKind, name, 'the object has been modified');
    this.actions.push(`status ${name} Ready=${node.status?.conditions?.find((c) => c.type === 'Ready')?.status}`);
    return this.nodes.set({ ...structuredClone(cur), status: structuredClone(node.status) });
  }
  async patchNode(name: string, p: { resourceVersion?: string; taints?: Taint[]; labels?: Record<string, string> }): Promise<Node> {
    const cur = this.nodes.getByKey(name);
    if (!cur) throw notFound(nodeKind, name);
    if (p.resourceVersion && p.resourceVersion !== cur.metadata.resourceVersion) throw conflict(nodeKind, name, 'the object has been modified');
    const next = structuredClone(cur);
    if (p.taints) {
      next.spec = { ...next.spec, taints: p.taints };
      this.actions.push(`taints ${name} [${p.taints.map((t) => `${t.key}:${t.effect}`).join(' ')}]`);
    }
    if (p.labels) {
      next.metadata.labels = { ...next.metadata.labels, ...p.labels };
      this.actions.push(`labels ${name} ${JSON.stringify(p.labels)}`);
    }
    return this.nodes.set(next);
  }
  async patchPodCondition(pod: Pod, condition: PodCondition): Promise<Pod> {
    const cur = this.pods.getByKey(keyOf(pod));
    if (!cur) throw notFound(podKind, pod.metadata.name as string);
    this.actions.push(`pod ${keyOf(pod)} ${condition.type}=${condition.status}`);
    const next = structuredClone(cur);
    next.status = { ...next.status, conditions: [...(next.status?.conditions ?? []).filter((c) => c.type !== condition.type), condition] };
    return this.pods.set(next);
  }
}

// ---------------------------------------------------------------- objects

const readyCondition = (status: string, at: number, transition = at): NodeCondition =>
  ({ type: 'Ready', status, reason: status === 'True' ? 'KubeletReady' : 'KubeletNotReady', message: '', lastHeartbeatTime: rfc3339(at), lastTransitionTime: rfc3339(transition) });

const kubeletConditions = (at: number): NodeCondition[] => [
  readyCondition('True', at),
  ...['MemoryPressure', 'DiskPressure', 'PIDPressure'].map((type) => ({ type, status: 'False', reason: `KubeletHasNo${type}`, lastHeartbeatTime: rfc3339(at), lastTransitionTime: rfc3339(at) })),
];

function node(name: string, o: { conditions?: NodeCondition[]; labels?: Record<string, string>; taints?: Taint[]; created?: number } = {}): Node {
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: { name, uid: `uid-${name}`, creationTimestamp: rfc3339(o.created ?? T0), labels: o.labels ?? { 'kubernetes.io/hostname': name } },
    spec: o.taints ? { taints: o.taints } : {},
    status: o.conditions ? { conditions: o.conditions } : {},
  };
}

const lease = (name: string, renewed: number): Lease => ({
  apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
  metadata: { name, namespace: 'kube-node-lease' }, spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: rfc3339Micro(renewed) },
});

function pod(name: string, nodeName: string | undefined, o: { tolerations?: Toleration[]; status?: PodStatus; created?: number; deleting?: boolean } = {}): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      name, namespace: 'ns', uid: `uid-${name}`, creationTimestamp: rfc3339(o.created ?? T0),
      ...(o.deleting ? { deletionTimestamp: rfc3339(T0), deletionGracePeriodSeconds: 30 } : {}),
    },
    spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'c', image: 'busybox' }], ...(o.tolerations ? { tolerations: o.tolerations } : {}) },
    status: o.status ?? {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: rfc3339(T0) }],
    },
  };
}

const taintsOf = (n: Node | undefined): string[] => (n?.spec?.taints ?? []).map((t) => `${t.key}:${t.effect}`).sort();
const cond = (n: Node | undefined, type: string): NodeCondition | undefined => n?.status?.conditions?.find((c) => c.type === type);

// ---------------------------------------------------------------- node lifecycle

const NL_OPTIONS: NodeLifecycleOptions = {
  monitorPeriodMs: 5_000, monitorGracePeriodMs: 40_000, startupGracePeriodMs: 60_000,
  evictionQps: 0.1, secondaryEvictionQps: 0.01, unhealthyZoneThreshold: 0.55, largeClusterThreshold: 50,
};

function lifecycle(options: Partial<NodeLifecycleOptions> = {}) {
  const clock = new FakeClock(T0);
  const nodes = new FakeCache<Node>();
  const pods = new FakeCache<Pod>();
  const leases = new FakeCache<Lease>();
  const client = new FakeNodeClient(nodes, pods);
  const recorder = new FakeRecorder();
  const nc = new NodeLifecycleController({ nodes, pods, leases, client, recorder, clock, log, options: { ...NL_OPTIONS, ...options } });
  /** One monitor pass, the NoExecute tainting pass, and the node worker over every queued node. */
  const pass = async (): Promise<void> => {
    await nc.monitorNodeHealth();
    await nc.doNoExecuteTaintingPass();
    await drain(nc.nodeQueue, (k) => nc.syncNode(k));
  };
  /** Steps the clock by ms in monitor periods, renewing the Leases of `alive` nodes and passing each period. */
  const run = async (ms: number, alive: string[] = []): Promise<void> => {
    for (let t = 0; t < ms; t += NL_OPTIONS.monitorPeriodMs) {
      clock.step(Math.min(NL_OPTIONS.monitorPeriodMs, ms - t));
      for (const n of alive) leases.set(lease(n, clock.now()));
      await pass();
    }
  };
  return { clock, nodes, pods, leases, client, recorder, nc, pass, run };
}

/** Processes every key waiting in a queue (a worker, without the loop). */
async function drain(queue: { length: number; get(): Promise<string | undefined>; done(k: string): void }, fn: (key: string) => Promise<void>): Promise<void> {
  while (queue.length > 0) {
    const key = await queue.get();
    if (key === undefined) return;
    try {
      await fn(key);
    } finally {
      queue.done(key);
    }
  }
}

describe('node lifecycle: grace periods', () => {
  it('a node whose Lease and status stop moving goes Unknown after --node-monitor-grace-period, not before', async () => {
    const t = lifecycle();
    t.nodes.set(node('n1', { conditions: kubeletConditions(T0) }));
    t.leases.set(lease('n1', T0));
    await t.pass();
    assert.deepEqual(t.client.actions, []);
    await t.run(40_000);
    // 40 s passed exactly: "after" the grace period means strictly more.
    assert.equal(cond(t.nodes.getByKey('n1'), 'Ready')?.status, 'True');
    await t.run(5_000);
    const n1 = t.nodes.getByKey('n1');
    for (const type of ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure']) {
      const c = cond(n1, type);
      assert.equal(c?.status, 'Unknown', type);
      assert.equal(c?.reason, 'NodeStatusUnknown');
      assert.equal(c?.message, 'Kubelet stopped posting node status.');
      assert.equal(c?.lastTransitionTime, rfc3339(T0 + 45_000));
      assert.equal(c?.lastHeartbeatTime, rfc3339(T0), 'the kubelet\'s heartbeat is kept');
    }
    assert.deepEqual(t.recorder.messages('NodeNotReady'), ['Node n1 status is now: NodeNotReady']);
    assert.deepEqual(t.recorder.events.find((e) => e.reason === 'NodeNotReady')?.ref, { apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'uid-n1' });
  });

  it('a renewed Lease keeps a node Ready however old its status heartbeat is', async () => {
    const t = lifecycle();
    t.nodes.set(node('n1', { conditions: kubeletConditions(T0) }));
    await t.run(120_000, ['n1']);
    assert.equal(cond(t.nodes.getByKey('n1'), 'Ready')?.status, 'True');
    assert.deepEqual(t.client.actions.filter((a) => a.startsWith('status')), []);
  });

  it('a status heartbeat alone (no Lease) also counts', async () => {
    const t = lifecycle();
    t.nodes.set(node('n1', { conditions: kubeletConditions(T0) }));
    for (let i = 1; i <= 12; i++) {
      t.clock.step(10_000);
      const n = structuredClone(t.nodes.getByKey('n1') as Node);
      n.status = { conditions: [readyCondition('True', t.clock.now(), T0)] };
      t.nodes.set(n);
      await t.pass();
    }
    assert.equal(cond(t.nodes.getByKey('n1'), 'Ready')?.status, 'True');
  });

  it('a node that never posted Ready gets --node-startup-grace-period from its creation, then NodeStatusNeverUpdated', async () => {
    const t = lifecycle();
    t.nodes.set(node('fresh'));
    await t.run(55_000);
    assert.equal(cond(t.nodes.getByKey('fresh'), 'Ready'), undefined, 'within the startup grace period');
    await t.run(10_000);
    const fresh = t.nodes.getByKey('fresh');
    for (const type of ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure']) {
      const c = cond(fresh, type);
      assert.equal(c?.status, 'Unknown', type);
      assert.equal(c?.reason, 'NodeStatusNeverUpdated');
      assert.equal(c?.message, 'Kubelet never posted node status.');
    }
    // Never Ready, so never "went" NotReady: no status change Event and no pods marked.
    assert.deepEqual(t.recorder.messages('NodeNotReady'), []);
  });
});

describe('node lifecycle: Unknown, taints, pods', () => {
  it('marks the pods of a node that went Unknown NotReady at once, then taints it unreachable (NoExecute and NoSchedule)', async () => {
    const t = lifecycle();
    t.nodes.set(node('n1', { conditions: kubeletConditions(T0) }));
    t.nodes.set(node('n2', { conditions: kubeletConditions(T0) }));
    t.pods.set(pod('a', 'n1'));
    t.pods.set(pod('b', 'n1'));
    t.pods.set(pod('c', 'n2'));
    await t.pass();
    await t.run(45_000, ['n2']);
    assert.deepEqual(t.client.actions.filter((a) => a.startsWith('pod')).sort(), ['pod ns/a Ready=False', 'pod ns/b Ready=False']);
    assert.equal(t.pods.getByKey('ns/a')?.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime, rfc3339(T0 + 45_000));
    assert.equal(t.pods.getByKey('ns/c')?.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
    assert.deepEqual(t.recorder.events.filter((e) => e.ref.kind === 'Pod').map((e) => `${e.type} ${e.reason} ${e.ref.name}: ${e.message}`).sort(),
      ['Warning NodeNotReady a: Node is not ready', 'Warning NodeNotReady b: Node is not ready']);
    // The NoSchedule taint follows the condition at once; the NoExecute one from the next pass's queue.
    assert.deepEqual(taintsOf(t.nodes.getByKey('n1')), ['node.kubernetes.io/unreachable:NoSchedule']);
    await t.run(5_000, ['n2']);
    const n1 = t.nodes.getByKey('n1');
    assert.deepEqual(taintsOf(n1), ['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule']);
    assert.equal(n1?.spec?.taints?.find((x) => x.effect === 'NoExecute')?.timeAdded, rfc3339(T0 + 50_000));
    assert.deepEqual(taintsOf(t.nodes.getByKey('n2')), []);
    // Nothing more happens while it stays Unknown: the taint keeps its timeAdded.
    const before = t.client.actions.length;
    await t.run(30_000, ['n2']);
    assert.equal(t.client.actions.length, before);
    assert.equal(t.nodes.getByKey('n1')?.spec?.taints?.find((x) => x.effect === 'NoExecute')?.timeAdded, rfc3339(T0 + 50_000));
  });

  it('a node reporting Ready=False gets the not-ready taints; going Unknown swaps the NoExecute one at once', async () => {
    const t = lifecycle();
    t.nodes.set(node('n1', { conditions: kubeletConditions(T0) }));
    t.nodes.set(node('n2', { conditions: kubeletConditions(T0) }));
    await t.pass();
    const n1 = structuredClone(t.nodes.getByKey('n1') as Node);
    n1.status = { conditions: [readyCondition('False', t.clock.now())] };
    t.nodes.set(n1);
    await t.run(5_000, ['n1', 'n2']);
    assert.deepEqual(taintsOf(t.nodes.getByKey('n1')), ['node.kubernetes.io/not-ready:NoExecute', 'node.kubernetes.io/not-ready:NoSchedule']);
    // Silent from now on: Unknown once the grace period has passed (Ready False -> Unknown), the NoExecute taint swapped on the next pass.
    await t.run(45_000, ['n2']);
    assert.equal(cond(t.nodes.getByKey('n1'), 'Ready')?.status, 'Unknown');
    assert.deepEqual(taintsOf(t.nodes.getByKey('n1')), ['node.kubernetes.io/not-ready:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule']);
    await t.run(5_000, ['n2']);
    assert.deepEqual(taintsOf(t.nodes.getByKey('n1')), ['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule']);
  });

  it('removes the taints when the node is Ready again', async () => {
    const t = lifecycle();
    t.nodes.set(node('n1', { conditions: kubeletConditions(T0) }));
    t.nodes.set(node('n2', { conditions: kubeletConditions(T0) }));
    await t.pass();
    await t.run(50_000, ['n2']);
    assert.deepEqual(taintsOf(t.nodes.getByKey('n1')), ['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule']);
    // The kubelet comes back: it posts Ready and renews its Lease.
    const n1 = structuredClone(t.nodes.getByKey('n1') as Node);
    n1.status = { conditions: kubeletConditions(t.clock.now()) };
    t.nodes.set(n1);
    await t.run(5_000, ['n1', 'n2']);
    assert.deepEqual(taintsOf(t.nodes.getByKey('n1')), []);
    assert.equal(cond(t.nodes.getByKey('n1'), 'Ready')?.status, 'True');
  });

  it('keeps the beta OS and arch labels equal to the stable ones', async () => {
    const t = lifecycle();
    t.nodes.set(node('n1', { conditions: kubeletConditions(T0), labels: { 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', 'beta.kubernetes.io/arch': 'arm64' } }));
    await t.pass();
    assert.deepEqual(t.nodes.getByKey('n1')?.metadata.labels, {
      'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', 'beta.kubernetes.io/arch': 'amd64', 'beta.kubernetes.io/os': 'linux',
    });
  });
});

describe('node lifecycle: zones', () => {
  it('zone keys and states as Kubernetes computes them', () => {
    assert.equal(zoneKey(node('a')), '');
    assert.equal(zoneKey(node('a', { labels: { 'topology.kubernetes.io/region': 'r', 'topology.kubernetes.io/zone': 'z' } })), 'r:\x00:z');
    assert.equal(zoneKey(node('a', { labels: { 'failure-domain.beta.kubernetes.io/zone': 'z' } })), ':\x00:z');
    const c = (s: string): NodeCondition => ({ type: 'Ready', status: s });
    assert.deepEqual(computeZoneState([c('Unknown'), undefined], 0.55), { unhealthy: 2, state: 'FullDisruption' });
    assert.deepEqual(computeZoneState([c('True'), c('False'), c('False')], 0.55), { unhealthy: 2, state: 'Normal' }, 'no more than 2 not Ready is never disruption');
    assert.deepEqual(computeZoneState([c('True'), c('True'), c('False'), c('Unknown'), c('Unknown')], 0.55), { unhealthy: 3, state: 'PartialDisruption' });
    assert.deepEqual(computeZoneState([c('True'), c('True'), c('True'), c('Unknown'), c('Unknown'), c('Unknown')], 0.55), { unhealthy: 3, state: 'Normal' });
    const rates = { evictionQps: 0.1, secondaryEvictionQps: 0.01, largeClusterThreshold: 50 };
    assert.equal(zoneQps('PartialDisruption', 50, rates), 0);
    assert.equal(zoneQps('PartialDisruption', 51, rates), 0.01);
    assert.equal(zoneQps('FullDisruption', 3, rates), 0.1);
    assert.equal(zoneQps('Normal', 3, rates), 0.1);
  });

  it('taints at --node-eviction-rate per zone: a second node 10 s after the first', async () => {
    const t = lifecycle();
    const names = ['n1', 'n2', 'n3', 'n4', 'n5', 'n6'];
    for (const n of names) t.nodes.set(node(n, { conditions: kubeletConditions(T0) }));
    await t.pass();
    await t.run(45_000, ['n3', 'n4', 'n5', 'n6']);
    await t.pass();
    const noExecute = (): string[] => names.filter((n) => t.nodes.getByKey(n)?.spec?.taints?.some((x) => x.effect === 'NoExecute'));
    assert.equal(noExecute().length, 1);
    for (let i = 0; i < 9; i++) {
      t.clock.step(1_000);
      await t.nc.doNoExecuteTaintingPass();
    }
    assert.equal(noExecute().length, 1, 'the token is not back yet');
    t.clock.step(1_000);
    await t.nc.doNoExecuteTaintingPass();
    assert.deepEqual(noExecute(), ['n1', 'n2']);
  });

  it('with every node of the only zone not Ready, enters full disruption: removes the NoExecute taints and taints no node until one is Ready', async () => {
    const t = lifecycle();
    for (const n of ['n1', 'n2', 'n3']) t.nodes.set(node(n, { conditions: kubeletConditions(T0) }));
    await t.pass();
    // n1 dies first and is tainted; then the other two stop too.
    await t.run(20_000, ['n2', 'n3']);
    await t.run(35_000, ['n2', 'n3']);
    assert.deepEqual(taintsOf(t.nodes.getByKey('n1')), ['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule']);
    assert.equal(t.nc.zoneState(''), 'Normal');
    await t.run(60_000);
    assert.equal(t.nc.zoneState(''), 'FullDisruption');
    for (const n of ['n1', 'n2', 'n3']) {
      assert.equal(cond(t.nodes.getByKey(n), 'Ready')?.status, 'Unknown', n);
      assert.deepEqual(taintsOf(t.nodes.getByKey(n)), ['node.kubernetes.io/unreachable:NoSchedule'], `${n}: no NoExecute taint in full disruption`);
    }
    await t.run(60_000);
    for (const n of ['n1', 'n2', 'n3']) assert.ok(!t.nodes.getByKey(n)?.spec?.taints?.some((x) => x.effect === 'NoExecute'), n);
    // n3 comes back: the zone leaves full disruption and the silent nodes are tainted again, at the normal rate.
    const n3 = structuredClone(t.nodes.getByKey('n3') as Node);
    n3.status = { conditions: kubeletConditions(t.clock.now()) };
    t.nodes.set(n3);
    await t.run(5_000, ['n3']);
    assert.equal(t.nc.zoneState(''), 'Normal');
    await t.run(20_000, ['n3']);
    assert.deepEqual(['n1', 'n2'].map((n) => taintsOf(t.nodes.getByKey(n)).includes('node.kubernetes.io/unreachable:NoExecute')), [true, true]);
    assert.deepEqual(taintsOf(t.nodes.getByKey('n3')), []);
  });
});

// ---------------------------------------------------------------- taint eviction

class FakeEvictionClient implements TaintEvictionClient {
  readonly actions: string[] = [];
  constructor(private readonly pods: FakeCache<Pod>) {}
  async getPod(namespace: string, name: string): Promise<Pod> {
    const p = this.pods.get(namespace, name);
    if (!p) throw notFound(podKind, name);
    return structuredClone(p);
  }
  async patchPodCondition(p: Pod, condition: PodCondition): Promise<Pod> {
    this.actions.push(`patch ${keyOf(p)} ${condition.type}=${condition.status} ${condition.reason}: ${condition.message}`);
    const cur = structuredClone(this.pods.getByKey(keyOf(p)) as Pod);
    cur.status = { ...cur.status, conditions: [...(cur.status?.conditions ?? []), condition] };
    return this.pods.set(cur);
  }
  async deletePod(namespace: string, name: string, uid: string | undefined): Promise<void> {
    this.actions.push(`delete ${namespace}/${name} uid=${uid}`);
    const cur = structuredClone(this.pods.get(namespace, name) as Pod);
    cur.metadata.deletionTimestamp = rfc3339(T0);
    this.pods.set(cur);
  }
}

const unreachable = (at: number): Taint => ({ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: rfc3339(at) });
const tolerate = (key: string, seconds?: number): Toleration =>
  ({ key, operator: 'Exists', effect: 'NoExecute', ...(seconds === undefined ? {} : { tolerationSeconds: seconds }) });

function eviction() {
  const clock = new FakeClock(T0);
  const nodes = new FakeCache<Node>();
  const pods = new FakeCache<Pod>();
  const client = new FakeEvictionClient(pods);
  const recorder = new FakeRecorder();
  const tc = new TaintEvictionController({ nodes, pods, client, recorder, clock, log });
  const settle = (): Promise<void> => drain(tc.queue, (k) => tc.reconcile(k));
  return { clock, nodes, pods, client, recorder, tc, settle };
}

describe('taint eviction', () => {
  it('evictionPlan: untolerated or tolerationSeconds <= 0 at once, the shortest limited toleration from timeAdded, unlimited never', () => {
    const seen = (): number => 5_000;
    assert.deepEqual(evictionPlan([], [], seen), { kind: 'none' });
    assert.deepEqual(evictionPlan([unreachable(T0)], [], seen), { kind: 'at', at: 0 });
    assert.deepEqual(evictionPlan([unreachable(T0)], [tolerate('node.kubernetes.io/not-ready', 10)], seen), { kind: 'at', at: 0 });
    assert.deepEqual(evictionPlan([unreachable(T0)], [tolerate('node.kubernetes.io/unreachable', 0)], seen), { kind: 'at', at: 0 });
    assert.deepEqual(evictionPlan([unreachable(T0)], [tolerate('node.kubernetes.io/unreachable')], seen), { kind: 'none' });
    assert.deepEqual(evictionPlan([unreachable(T0)], [{ operator: 'Exists' }], seen), { kind: 'none' }, 'an empty key with Exists tolerates everything');
    assert.deepEqual(evictionPlan([unreachable(T0)], [tolerate('node.kubernetes.io/unreachable', 300)], seen), { kind: 'at', at: T0 + 300_000 });
    const other: Taint = { key: 'example.com/maintenance', effect: 'NoExecute' };
    assert.deepEqual(evictionPlan([unreachable(T0), other], [tolerate('node.kubernetes.io/unreachable', 300), tolerate('example.com/maintenance', 60)], seen),
      { kind: 'at', at: 65_000 }, 'a taint without timeAdded counts from when it was first seen');
    // The first toleration matching a taint decides for it, as GetMatchingTolerations does.
    assert.deepEqual(evictionPlan([unreachable(T0)], [tolerate('node.kubernetes.io/unreachable'), tolerate('node.kubernetes.io/unreachable', 5)], seen), { kind: 'none' });
  });

  it('deletes a pod that does not tolerate the taint at once: Event, DisruptionTarget, delete', async () => {
    const t = eviction();
    t.nodes.set(node('n1'));
    t.pods.set(pod('p', 'n1'));
    t.pods.set(pod('ok', 'n1', { tolerations: [tolerate('node.kubernetes.io/unreachable')] }));
    await t.settle();
    assert.deepEqual(t.client.actions, []);
    t.nodes.set(node('n1', { taints: [unreachable(T0)] }));
    await t.settle();
    assert.deepEqual(t.client.actions, [
      'patch ns/p DisruptionTarget=True DeletionByTaintManager: Taint manager: deleting due to NoExecute taint',
      'delete ns/p uid=uid-p',
    ]);
    assert.deepEqual(t.recorder.events.map((e) => `${e.reason} ${e.ref.kind} ${e.ref.namespace}/${e.ref.name}: ${e.message}`),
      ['TaintManagerEviction Pod ns/p: Marking for deletion Pod ns/p']);
    assert.equal(t.pods.getByKey('ns/p')?.status?.conditions?.find((c) => c.type === 'DisruptionTarget')?.lastTransitionTime, rfc3339(T0));
  });

  it('deletes a tolerating pod when tolerationSeconds have passed since the taint was added', async () => {
    const t = eviction();
    t.nodes.set(node('n1'));
    t.pods.set(pod('p', 'n1', { tolerations: [tolerate('node.kubernetes.io/unreachable', 30)] }));
    t.clock.step(10_000);
    // The taint was added 10 s ago (the node lifecycle controller's timeAdded).
    t.nodes.set(node('n1', { taints: [unreachable(T0)] }));
    await t.settle();
    assert.deepEqual([...t.tc.pending()], [['ns/p', T0 + 30_000]]);
    t.clock.step(19_999);
    await t.settle();
    assert.equal(t.client.actions.length, 0);
    t.clock.step(1);
    await t.settle();
    assert.deepEqual(t.client.actions.map((a) => a.split(' ')[0]), ['patch', 'delete']);
    assert.deepEqual(t.recorder.messages(), ['Marking for deletion Pod ns/p']);
    assert.equal(t.tc.pending().size, 0);
  });

  it('cancels the scheduled deletion when the taint goes, with an Event, and never deletes', async () => {
    const t = eviction();
    t.nodes.set(node('n1', { taints: [unreachable(T0)] }));
    t.pods.set(pod('p', 'n1', { tolerations: [tolerate('node.kubernetes.io/unreachable', 30)] }));
    await t.settle();
    assert.equal(t.tc.pending().size, 1);
    t.clock.step(5_000);
    t.nodes.set(node('n1'));
    await t.settle();
    assert.equal(t.tc.pending().size, 0);
    assert.deepEqual(t.recorder.events.map((e) => `${e.reason}: ${e.message}`), ['TaintManagerEviction: Cancelling deletion of Pod ns/p']);
    t.clock.step(60_000);
    await t.settle();
    assert.deepEqual(t.client.actions, []);
    assert.equal(t.clock.pending(), 0, 'no timer left behind');
  });

  it('cancels when the pod is gone, and when its new tolerations tolerate the taint for good', async () => {
    const t = eviction();
    t.nodes.set(node('n1', { taints: [unreachable(T0)] }));
    t.pods.set(pod('gone', 'n1', { tolerations: [tolerate('node.kubernetes.io/unreachable', 30)] }));
    t.pods.set(pod('forever', 'n1', { tolerations: [tolerate('node.kubernetes.io/unreachable', 30)] }));
    await t.settle();
    assert.equal(t.tc.pending().size, 2);
    t.pods.remove('ns/gone');
    const forever = structuredClone(t.pods.getByKey('ns/forever') as Pod);
    (forever.spec as NonNullable<Pod['spec']>).tolerations = [tolerate('node.kubernetes.io/unreachable')];
    t.pods.set(forever);
    await t.settle();
    assert.equal(t.tc.pending().size, 0);
    assert.deepEqual(t.recorder.messages().sort(), ['Cancelling deletion of Pod ns/forever', 'Cancelling deletion of Pod ns/gone']);
    t.clock.step(60_000);
    await t.settle();
    assert.deepEqual(t.client.actions, []);
  });

  it('a pod already past its toleration when it lands on the node goes at once', async () => {
    const t = eviction();
    t.nodes.set(node('n1', { taints: [unreachable(T0)] }));
    t.clock.step(60_000);
    t.pods.set(pod('late', 'n1', { tolerations: [tolerate('node.kubernetes.io/unreachable', 30)] }));
    await t.settle();
    assert.deepEqual(t.client.actions.map((a) => a.split(' ')[0]), ['patch', 'delete']);
  });
});

// ---------------------------------------------------------------- pod GC

class FakeGCClient implements PodGCClient {
  readonly actions: string[] = [];
  readonly existing = new Set<string>();
  constructor(private readonly pods: FakeCache<Pod>) {}
  async nodeExists(name: string): Promise<boolean> {
    this.actions.push(`get node ${name}`);
    return this.existing.has(name);
  }
  async patchPodStatus(p: Pod, status: PodStatus): Promise<Pod> {
    const c = status.conditions?.[0];
    this.actions.push(`patch ${keyOf(p)} phase=${status.phase}${c ? ` ${c.type}=${c.status} ${c.reason}: ${c.message}` : ''}`);
    return p;
  }
  async forceDeletePod(namespace: string, name: string): Promise<void> {
    this.actions.push(`delete ${namespace}/${name}`);
    this.pods.remove(`${namespace}/${name}`);
  }
}

function podGC(threshold = 12_500) {
  const clock = new FakeClock(T0);
  const nodes = new FakeCache<Node>();
  const pods = new FakeCache<Pod>();
  const client = new FakeGCClient(pods);
  const gc = new PodGCController({ pods, nodes, client, clock, log, options: { terminatedPodThreshold: threshold, periodMs: 20_000, quarantineMs: 40_000 } });
  return { clock, nodes, pods, client, gc };
}

const succeeded = (name: string, created: number, o: { evicted?: boolean } = {}): Pod =>
  pod(name, 'n1', { created, status: o.evicted ? { phase: 'Failed', reason: 'Evicted' } : { phase: 'Succeeded' } });

describe('pod GC', () => {
  it('deletes the pods of a node gone for the quarantine and confirmed by a GET: Failed with DisruptionTarget, then grace 0', async () => {
    const t = podGC();
    t.nodes.set(node('n1'));
    t.pods.set(pod('kept', 'n1'));
    t.pods.set(pod('orphan', 'gone'));
    t.pods.set(pod('late', 'late-node'));
    await t.gc.gc();
    assert.deepEqual(t.client.actions, [], 'quarantined first');
    t.clock.step(20_000);
    await t.gc.gc();
    assert.deepEqual(t.client.actions, []);
    // late-node appears in the apiserver but not yet in the cache: the GET finds it.
    t.client.existing.add('late-node');
    t.clock.step(20_000);
    await t.gc.gc();
    assert.deepEqual(t.client.actions.sort(), [
      'delete ns/orphan',
      'get node gone',
      'get node late-node',
      'patch ns/orphan phase=Failed DisruptionTarget=True DeletionByPodGC: PodGC: node no longer exists',
    ]);
    assert.ok(t.pods.getByKey('ns/late') && t.pods.getByKey('ns/kept'));
  });

  it('keeps --terminated-pod-gc-threshold terminated pods: evicted ones go first, then oldest first, names breaking ties', async () => {
    const t = podGC(1);
    t.nodes.set(node('n1'));
    t.pods.set(succeeded('d', T0 + 1_000));
    t.pods.set(succeeded('c', T0 + 2_000));
    t.pods.set(succeeded('b', T0 + 3_000));
    t.pods.set(succeeded('a', T0 + 3_000));
    t.pods.set(succeeded('newest-evicted', T0 + 9_000, { evicted: true }));
    t.pods.set(pod('running', 'n1', { created: T0 }));
    await t.gc.gc();
    // Terminated pods are deleted as they are: no status patch.
    assert.deepEqual(t.client.actions.sort(), ['delete ns/a', 'delete ns/c', 'delete ns/d', 'delete ns/newest-evicted']);
    // b and a were created in the same second: b sorts after a and is the one kept.
    assert.deepEqual(t.pods.list().map((p) => p.metadata.name).sort(), ['b', 'running']);
    const sorted = [succeeded('b', T0 + 3_000), succeeded('x', T0), succeeded('a', T0 + 3_000), succeeded('e', T0 + 5_000, { evicted: true })].sort(byEvictionAndCreation);
    assert.deepEqual(sorted.map((p) => p.metadata.name), ['e', 'x', 'a', 'b']);
  });

  it('force-deletes terminating pods that were never scheduled, or whose node is not Ready and out of service', async () => {
    const t = podGC();
    t.nodes.set(node('down', { conditions: [readyCondition('Unknown', T0)], taints: [{ key: 'node.kubernetes.io/out-of-service', effect: 'NoExecute' }] }));
    t.nodes.set(node('unreachable', { conditions: [readyCondition('Unknown', T0)] }));
    t.pods.set(pod('unscheduled', undefined, { deleting: true }));
    t.pods.set(pod('on-down', 'down', { deleting: true }));
    t.pods.set(pod('on-unreachable', 'unreachable', { deleting: true }));
    t.pods.set(pod('running-on-down', 'down'));
    await t.gc.gc();
    assert.deepEqual(t.client.actions.sort(), ['delete ns/on-down', 'delete ns/unscheduled', 'patch ns/on-down phase=Failed', 'patch ns/unscheduled phase=Failed']);
  });
});
