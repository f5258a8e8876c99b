// PodTopologySpread: kube-scheduler's filtering_test.go (TestPreFilterState,
// TestSingleConstraint, TestMultipleConstraints) and scoring_test.go
// (TestPodTopologySpreadScore) cases that apply, ported; plus the default selector
// (helper.DefaultSelector) and the PreFilter extensions preemption uses.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ReplicaSet, StatefulSet } from '../../api/types/apps.js';
import type { Node, Pod, ReplicationController, Service, Taint, TopologySpreadConstraint } from '../../api/types/core.js';
import type { LabelSelector } from '../../api/types/meta.js';
import { buildFramework } from '../../scheduler/config.js';
import { type Code, CycleState } from '../../scheduler/framework.js';
import { type NodeInfo as NodeInfoT, podInfoOf, Snapshot } from '../../scheduler/node-info.js';
import {
  defaultSelector, ERR_REASON_CONSTRAINTS_NOT_MATCH, NAME, ERR_REASON_NODE_LABEL_NOT_MATCH, PreFilterState,
  plugin, podTopologySpreadPlugin, type SelectorListers,
} from '../../scheduler/plugins/pod-topology-spread.js';
import { newRegistry, IN_TREE_PLUGINS } from '../../scheduler/registry.js';
import {
  ASSIGNED_POD_ADD, ASSIGNED_POD_DELETE, ASSIGNED_POD_UPDATE_LABEL, NODE_DELETE, nodeUpdateEvent, SchedulingQueue,
} from '../../scheduler/queue.js';
import { ScheduleAlgorithm } from '../../scheduler/schedule-one.js';
import { makePod } from './fixtures.js';

const HOST = 'kubernetes.io/hostname';
const foo: LabelSelector = { matchExpressions: [{ key: 'foo', operator: 'Exists' }] };
const bar: LabelSelector = { matchExpressions: [{ key: 'bar', operator: 'Exists' }] };

/** A node with exactly these labels (st.MakeNode().Name().Label()...). */
function node(name: string, labels: Record<string, string>, taints?: Taint[]): Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels }, spec: { taints }, status: { allocatable: { cpu: '4', memory: '8Gi', pods: '110' } } };
}
/** zone/node-labelled node as filtering_test.go's: zone=<zone>, node=<name>. */
const zn = (name: string, zone: string): Node => node(name, { zone, node: name });
const hn = (name: string): Node => node(name, { [HOST]: name });

interface P {
  node?: string;
  labels?: Record<string, string>;
  ns?: string;
  terminating?: boolean;
  spread?: TopologySpreadConstraint[];
  affinity?: NonNullable<Pod['spec']>['affinity'];
  tolerations?: NonNullable<Pod['spec']>['tolerations'];
  owner?: { apiVersion: string; kind: string; name: string };
}

function pod(name: string, o: P = {}): Pod {
  const p = makePod(name, { nodeName: o.node, namespace: o.ns, affinity: o.affinity, tolerations: o.tolerations });
  p.metadata.labels = o.labels ?? { foo: '' };
  if (o.terminating) p.metadata.deletionTimestamp = '2024-01-01T00:00:00Z';
  if (o.spread) p.spec!.topologySpreadConstraints = o.spread;
  if (o.owner) p.metadata.ownerReferences = [{ ...o.owner, uid: `uid-${o.owner.name}`, controller: true }];
  return p;
}

const on = (nodeName: string, ...names: string[]): Pod[] => names.map((n) => pod(n, { node: nodeName }));

function sc(maxSkew: number, topologyKey: string, whenUnsatisfiable: string, labelSelector: LabelSelector | undefined, extra: Partial<TopologySpreadConstraint> = {}): TopologySpreadConstraint {
  return { maxSkew, topologyKey, whenUnsatisfiable, labelSelector, ...extra };
}

function snapshot(nodes: Node[], pods: Pod[]): Snapshot {
  const s = new Snapshot();
  for (const n of nodes) s.setNode(n);
  for (const p of pods) s.addPod(p);
  return s;
}

function preFilterState(p: Pod, nodes: Node[], pods: Pod[]): PreFilterState | 'skip' {
  const state = new CycleState(p);
  const st = plugin.preFilter(p, state, snapshot(nodes, pods));
  if (st.code === 'Skip') return 'skip';
  assert.equal(st.code, 'Success');
  return state.read<PreFilterState>('PreFilterPodTopologySpread')!;
}

const counts = (s: PreFilterState): Record<string, number>[] => s.tpValueToMatchNum.map((m) => Object.fromEntries([...m].sort()));

function filterCodes(p: Pod, nodes: Node[], pods: Pod[]): Record<string, Code> {
  const s = snapshot(nodes, pods);
  const state = new CycleState(p);
  const pf = plugin.preFilter(p, state, s);
  const out: Record<string, Code> = {};
  for (const info of s.nodeInfos()) out[info.name] = pf.code === 'Skip' ? 'Success' : plugin.filter(p, info, state).code;
  return out;
}

const fourNodes = (): Node[] => [zn('node-a', 'zone1'), zn('node-b', 'zone1'), zn('node-x', 'zone2'), zn('node-y', 'zone2')];

describe('PodTopologySpread PreFilter state', () => {
  it('clean cluster with one spreadConstraint', () => {
    const s = preFilterState(pod('p', { spread: [sc(5, 'zone', 'DoNotSchedule', { matchLabels: { foo: 'bar' } })] }), fourNodes(), []);
    assert.ok(s !== 'skip');
    assert.deepEqual(counts(s), [{ zone1: 0, zone2: 0 }]);
    assert.equal(s.minMatchNum(0, 1), 0);
    assert.equal(s.constraints[0].maxSkew, 5);
    assert.equal(s.constraints[0].minDomains, 1);
    assert.equal(s.constraints[0].nodeAffinityPolicy, 'Honor');
    assert.equal(s.constraints[0].nodeTaintsPolicy, 'Ignore');
  });

  const existing = (): Pod[] => [...on('node-a', 'p-a1', 'p-a2'), ...on('node-b', 'p-b1'), ...on('node-y', 'p-y1', 'p-y2')];

  it('normal case with one spreadConstraint', () => {
    const s = preFilterState(pod('p', { spread: [sc(1, 'zone', 'DoNotSchedule', foo)] }), fourNodes(), existing());
    assert.ok(s !== 'skip');
    assert.deepEqual(counts(s), [{ zone1: 3, zone2: 2 }]);
    assert.equal(s.minMatchNum(0, 1), 2);
  });

  it('normal case with null label selector: nothing matches', () => {
    const s = preFilterState(pod('p', { spread: [sc(1, 'zone', 'DoNotSchedule', undefined)] }), fourNodes(), existing());
    assert.ok(s !== 'skip');
    assert.deepEqual(counts(s), [{ zone1: 0, zone2: 0 }]);
  });

  it('one spreadConstraint on a 3-zone cluster', () => {
    const nodes = [...fourNodes(), zn('node-o', 'zone3'), zn('node-p', 'zone3')];
    const s = preFilterState(pod('p', { spread: [sc(1, 'zone', 'DoNotSchedule', foo)] }), nodes, existing());
    assert.ok(s !== 'skip');
    assert.deepEqual(counts(s), [{ zone1: 3, zone2: 2, zone3: 0 }]);
    assert.equal(s.minMatchNum(0, 1), 0);
  });

  it("namespace mismatch doesn't count", () => {
    const pods = [pod('p-a1', { node: 'node-a' }), pod('p-a2', { node: 'node-a', ns: 'ns1' }), pod('p-b1', { node: 'node-b' }),
      pod('p-y1', { node: 'node-y', ns: 'ns2' }), pod('p-y2', { node: 'node-y' })];
    const s = preFilterState(pod('p', { spread: [sc(1, 'zone', 'DoNotSchedule', foo)] }), fourNodes(), pods);
    assert.ok(s !== 'skip');
    assert.deepEqual(counts(s), [{ zone1: 2, zone2: 1 }]);
  });

  it('two spreadConstraints; soft ones are bypassed', () => {
    const pods = [...on('node-a', 'p-a1', 'p-a2'), ...on('node-b', 'p-b1'), ...on('node-y', 'p-y1', 'p-y2', 'p-y3', 'p-y4')];
    const s = preFilterState(pod('p', { spread: [
      sc(1, 'zone', 'ScheduleAnyway', foo), sc(1, 'zone', 'DoNotSchedule', foo), sc(1, 'node', 'ScheduleAnyway', foo), sc(1, 'node', 'DoNotSchedule', foo),
    ] }), fourNodes(), pods);
    assert.ok(s !== 'skip');
    assert.equal(s.constraints.length, 2);
    assert.deepEqual(counts(s), [{ zone1: 3, zone2: 4 }, { 'node-a': 2, 'node-b': 1, 'node-x': 0, 'node-y': 4 }]);
    assert.deepEqual([s.minMatchNum(0, 1), s.minMatchNum(1, 1)], [3, 0]);
  });

  it('different labelSelectors', () => {
    const pods = [pod('p-a', { node: 'node-a', labels: { foo: '' } }), pod('p-b', { node: 'node-b', labels: { bar: '' } })];
    const nodes = [zn('node-a', 'zone1'), zn('node-b', 'zone1'), zn('node-y', 'zone2')];
    const s = preFilterState(pod('p', { labels: { foo: '', bar: '' }, spread: [sc(1, 'zone', 'DoNotSchedule', foo), sc(1, 'node', 'DoNotSchedule', bar)] }), nodes, pods);
    assert.ok(s !== 'skip');
    assert.deepEqual(counts(s), [{ zone1: 1, zone2: 0 }, { 'node-a': 0, 'node-b': 1, 'node-y': 0 }]);
  });

  it('nodes missing any topology key are left out; nodeAffinity Honor excludes non-matching nodes', () => {
    const nodes = [zn('node-a', 'zone1'), node('node-b', { zone: 'zone1' }), zn('node-x', 'zone2'), zn('node-y', 'zone2')];
    const pods = [...on('node-a', 'p-a1'), ...on('node-b', 'p-b1'), ...on('node-y', 'p-y1', 'p-y2')];
    const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'node', operator: 'NotIn', values: ['node-y'] }] }] } } };
    const s = preFilterState(pod('p', { affinity, spread: [sc(1, 'zone', 'DoNotSchedule', foo), sc(1, 'node', 'DoNotSchedule', foo)] }), nodes, pods);
    assert.ok(s !== 'skip');
    assert.deepEqual(counts(s), [{ zone1: 1, zone2: 0 }, { 'node-a': 1, 'node-x': 0 }]);
    // nodeAffinityPolicy Ignore counts node-y again.
    const s2 = preFilterState(pod('p', { affinity, spread: [sc(1, 'zone', 'DoNotSchedule', foo, { nodeAffinityPolicy: 'Ignore' })] }), nodes, pods);
    assert.ok(s2 !== 'skip');
    assert.deepEqual(counts(s2), [{ zone1: 2, zone2: 2 }]);
  });

  it('nodeTaintsPolicy Honor leaves out nodes with untolerated NoSchedule/NoExecute taints', () => {
    const taints: Taint[] = [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }];
    const nodes = [zn('node-a', 'zone1'), node('node-b', { zone: 'zone1', node: 'node-b' }, taints), zn('node-x', 'zone2')];
    const pods = [...on('node-a', 'p-a1'), ...on('node-b', 'p-b1', 'p-b2')];
    const honor = sc(1, 'node', 'DoNotSchedule', foo, { nodeTaintsPolicy: 'Honor' });
    const s = preFilterState(pod('p', { spread: [honor] }), nodes, pods);
    assert.ok(s !== 'skip');
    assert.deepEqual(counts(s), [{ 'node-a': 1, 'node-x': 0 }]);
    const tolerated = preFilterState(pod('p', { spread: [honor], tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists' }] }), nodes, pods);
    assert.ok(tolerated !== 'skip');
    assert.deepEqual(counts(tolerated), [{ 'node-a': 1, 'node-b': 2, 'node-x': 0 }]);
    const ignore = preFilterState(pod('p', { spread: [sc(1, 'node', 'DoNotSchedule', foo)] }), nodes, pods);
    assert.ok(ignore !== 'skip');
    assert.deepEqual(counts(ignore), [{ 'node-a': 1, 'node-b': 2, 'node-x': 0 }]);
  });

  it('matchLabelKeys merges the pod’s values into the selector', () => {
    const pods = [pod('p-a1', { node: 'node-a', labels: { foo: '', rev: '1' } }), pod('p-a2', { node: 'node-a', labels: { foo: '', rev: '2' } }),
      pod('p-x1', { node: 'node-x', labels: { foo: '', rev: '2' } })];
    const mk = (labelSelector: LabelSelector | undefined): PreFilterState => {
      const s = preFilterState(pod('p', { labels: { foo: '', rev: '2' }, spread: [sc(1, 'zone', 'DoNotSchedule', labelSelector, { matchLabelKeys: ['rev', 'absent'] })] }), fourNodes(), pods);
      assert.ok(s !== 'skip');
      return s;
    };
    assert.deepEqual(counts(mk(foo)), [{ zone1: 1, zone2: 1 }]);
    // A missing labelSelector (nothing) with matchLabelKeys selects by those labels alone.
    assert.deepEqual(counts(mk(undefined)), [{ zone1: 1, zone2: 1 }]);
  });

  it('skips pods without hard constraints (and the system defaults are all soft)', () => {
    assert.equal(preFilterState(pod('p'), fourNodes(), []), 'skip');
    assert.equal(preFilterState(pod('p', { spread: [sc(1, 'zone', 'ScheduleAnyway', foo)] }), fourNodes(), []), 'skip');
  });

  it('a bad selector is an Error status', () => {
    const p = pod('p', { spread: [sc(1, 'zone', 'DoNotSchedule', { matchExpressions: [{ key: 'foo', operator: 'Bogus' as 'In' }] })] });
    const st = plugin.preFilter(p, new CycleState(p), snapshot(fourNodes(), []));
    assert.equal(st.code, 'Error');
    assert.match(st.reasons[0], /^get constraints from pod: "Bogus" is not a valid label selector operator/);
  });
});

describe('PodTopologySpread Filter (single constraint)', () => {
  /** `sel` null: no labelSelector. */
  const one = (maxSkew = 1, key = 'zone', sel: LabelSelector | null = foo, extra: Partial<TopologySpreadConstraint> = {}): TopologySpreadConstraint[] => [sc(maxSkew, key, 'DoNotSchedule', sel ?? undefined, extra)];
  const S = 'Success';
  const U = 'Unschedulable';
  const R = 'UnschedulableAndUnresolvable';

  it('no existing pods; incoming pod not matching itself', () => {
    assert.deepEqual(filterCodes(pod('p', { spread: one() }), fourNodes(), []), { 'node-a': S, 'node-b': S, 'node-x': S, 'node-y': S });
    assert.deepEqual(filterCodes(pod('p', { spread: one(1, 'zone', bar) }), fourNodes(), []), { 'node-a': S, 'node-b': S, 'node-x': S, 'node-y': S });
  });

  it('existing pods in a different namespace do not count', () => {
    const pods = [pod('p-a1', { node: 'node-a', ns: 'ns1' }), pod('p-b1', { node: 'node-a', ns: 'ns2' }), ...on('node-x', 'p-x1'), ...on('node-y', 'p-y1')];
    assert.deepEqual(filterCodes(pod('p', { spread: one() }), fourNodes(), pods), { 'node-a': S, 'node-b': S, 'node-x': U, 'node-y': U });
  });

  it('existing pods do not match a null selector', () => {
    const pods = [...on('node-x', 'p-x1'), ...on('node-y', 'p-y1')];
    assert.deepEqual(filterCodes(pod('p', { spread: one(1, 'zone', null) }), fourNodes(), pods), { 'node-a': S, 'node-b': S, 'node-x': S, 'node-y': S });
  });

  it('pods spread across zones as 3/3, all nodes fit', () => {
    const pods = [...on('node-a', 'p-a1', 'p-a2'), ...on('node-b', 'p-b1'), ...on('node-y', 'p-y1', 'p-y2', 'p-y3')];
    assert.deepEqual(filterCodes(pod('p', { spread: one() }), fourNodes(), pods), { 'node-a': S, 'node-b': S, 'node-x': S, 'node-y': S });
  });

  it("pods spread across zones as 1/2 due to absence of label 'zone' on node-b", () => {
    const nodes = [zn('node-a', 'zone1'), node('node-b', { zon: 'zone1', node: 'node-b' }), zn('node-x', 'zone2'), zn('node-y', 'zone2')];
    const pods = [...on('node-a', 'p-a1'), ...on('node-b', 'p-b1'), ...on('node-x', 'p-x1'), ...on('node-y', 'p-y1')];
    assert.deepEqual(filterCodes(pod('p', { spread: one() }), nodes, pods), { 'node-a': S, 'node-b': R, 'node-x': U, 'node-y': U });
  });

  it("pod cannot be scheduled as all nodes don't have label 'rack'", () => {
    assert.deepEqual(filterCodes(pod('p', { spread: one(1, 'rack') }), [zn('node-a', 'zone1'), zn('node-x', 'zone2')], []), { 'node-a': R, 'node-x': R });
  });

  const twoOneZeroThree = (): Pod[] => [...on('node-a', 'p-a1', 'p-a2'), ...on('node-b', 'p-b1'), ...on('node-y', 'p-y1', 'p-y2', 'p-y3')];

  it('pods spread across nodes as 2/1/0/3: only node-x fits; maxSkew 2: node-b and node-x', () => {
    assert.deepEqual(filterCodes(pod('p', { spread: one(1, 'node') }), fourNodes(), twoOneZeroThree()), { 'node-a': U, 'node-b': U, 'node-x': S, 'node-y': U });
    assert.deepEqual(filterCodes(pod('p', { spread: one(2, 'node') }), fourNodes(), twoOneZeroThree()), { 'node-a': U, 'node-b': S, 'node-x': S, 'node-y': U });
  });

  it("pods spread across nodes as 2/1/0/3, but pod doesn't match itself", () => {
    assert.deepEqual(filterCodes(pod('p', { labels: { bar: '' }, spread: one(1, 'node') }), fourNodes(), twoOneZeroThree()), { 'node-a': U, 'node-b': S, 'node-x': S, 'node-y': U });
  });

  it('incoming pod has nodeAffinity, pods spread as 2/~1~/~0~/3, hence node-a fits', () => {
    const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'node', operator: 'In', values: ['node-a', 'node-y'] }] }] } } };
    // NodeAffinity's own Filter is not run here, so node-b and node-x still pass this one.
    assert.deepEqual(filterCodes(pod('p', { affinity, spread: one(1, 'node') }), fourNodes(), twoOneZeroThree()), { 'node-a': S, 'node-b': S, 'node-x': S, 'node-y': U });
  });

  it('terminating pods are excluded', () => {
    const nodes = [node('node-a', { node: 'node-a' }), node('node-b', { node: 'node-b' })];
    const pods = [pod('p-a', { node: 'node-a', terminating: true }), pod('p-b', { node: 'node-b' })];
    assert.deepEqual(filterCodes(pod('p', { spread: one(1, 'node') }), nodes, pods), { 'node-a': S, 'node-b': U });
  });

  it('incoming pod has nodeAffinity, pods spread as 0/~2~/0/1, hence node-a fits', () => {
    const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'node', operator: 'NotIn', values: ['node-b'] }] }] } } };
    const pods = [...on('node-b', 'p-b1', 'p-b2'), ...on('node-y', 'p-y1')];
    assert.deepEqual(filterCodes(pod('p', { affinity, spread: one() }), fourNodes(), pods), { 'node-a': S, 'node-b': S, 'node-x': U, 'node-y': U });
  });

  it('minDomains: fewer domains than minDomains makes the global minimum 0', () => {
    const nodes = [node('node-a', { node: 'node-a' }), node('node-b', { node: 'node-b' }), node('node-c', { node: 'node-c' })];
    const pods = [...on('node-a', 'p-a1', 'p-a2'), ...on('node-b', 'p-b1', 'p-b2'), ...on('node-c', 'p-c1')];
    assert.deepEqual(filterCodes(pod('p', { spread: one(2, 'node', foo, { minDomains: 4 }) }), nodes, pods), { 'node-a': U, 'node-b': U, 'node-c': S });
    assert.deepEqual(filterCodes(pod('p', { spread: one(2, 'node', foo, { minDomains: 2 }) }), nodes, pods), { 'node-a': S, 'node-b': S, 'node-c': S });
  });

  it('uses kube-scheduler reasons', () => {
    const nodes = [zn('node-a', 'zone1'), node('node-b', { node: 'node-b' }), zn('node-x', 'zone2')];
    const s = snapshot(nodes, on('node-a', 'p-a1', 'p-a2'));
    const p = pod('p', { spread: one() });
    const state = new CycleState(p);
    plugin.preFilter(p, state, s);
    assert.deepEqual(plugin.filter(p, s.get('node-a')!, state), { code: 'Unschedulable', reasons: [ERR_REASON_CONSTRAINTS_NOT_MATCH], plugin: NAME });
    assert.deepEqual(plugin.filter(p, s.get('node-b')!, state), { code: 'UnschedulableAndUnresolvable', reasons: [ERR_REASON_NODE_LABEL_NOT_MATCH], plugin: NAME });
    assert.equal(ERR_REASON_NODE_LABEL_NOT_MATCH, "node(s) didn't match pod topology spread constraints (missing required label)");
    assert.equal(plugin.filter(p, s.get('node-x')!, new CycleState(p)).code, 'Error', 'Filter without PreFilter state');
  });
});

describe('PodTopologySpread Filter (multiple constraints)', () => {
  const two = (): TopologySpreadConstraint[] => [sc(1, 'zone', 'DoNotSchedule', foo), sc(1, 'node', 'DoNotSchedule', foo)];

  it('two constraints on zone and node, spreads = [3/3, 2/1/0/3]', () => {
    const pods = [...on('node-a', 'p-a1', 'p-a2'), ...on('node-b', 'p-b1'), ...on('node-y', 'p-y1', 'p-y2', 'p-y3')];
    assert.deepEqual(filterCodes(pod('p', { spread: two() }), fourNodes(), pods), { 'node-a': 'Unschedulable', 'node-b': 'Unschedulable', 'node-x': 'Success', 'node-y': 'Unschedulable' });
  });

  it('two constraints on zone and node, spreads = [3/4, 2/1/0/4]', () => {
    const pods = [...on('node-a', 'p-a1', 'p-a2'), ...on('node-b', 'p-b1'), ...on('node-y', 'p-y1', 'p-y2', 'p-y3', 'p-y4')];
    assert.deepEqual(filterCodes(pod('p', { spread: two() }), fourNodes(), pods), { 'node-a': 'Unschedulable', 'node-b': 'Unschedulable', 'node-x': 'Unschedulable', 'node-y': 'Unschedulable' });
  });

  it('constraints hold different labelSelectors, spreads = [1/0, 1/0/0/1]', () => {
    const pods = [pod('p-a1', { node: 'node-a', labels: { foo: '' } }), pod('p-y1', { node: 'node-y', labels: { bar: '' } })];
    const p = pod('p', { labels: { foo: '', bar: '' }, spread: [sc(1, 'zone', 'DoNotSchedule', foo), sc(1, 'node', 'DoNotSchedule', bar)] });
    assert.deepEqual(filterCodes(p, fourNodes(), pods), { 'node-a': 'Unschedulable', 'node-b': 'Unschedulable', 'node-x': 'Success', 'node-y': 'Unschedulable' });
  });
});

describe('PodTopologySpread PreFilterExtensions', () => {
  it('adds and removes pods on a clone without touching the original', () => {
    const nodes = [node('node-a', { node: 'node-a' }), node('node-b', { node: 'node-b' })];
    const s = snapshot(nodes, on('node-a', 'p-a1'));
    const p = pod('p', { spread: [sc(1, 'node', 'DoNotSchedule', foo)] });
    const state = new CycleState(p);
    assert.equal(plugin.preFilter(p, state, s).code, 'Success');
    assert.equal(plugin.filter(p, s.get('node-a')!, state).code, 'Unschedulable');
    const dry = state.clone();
    const victim = s.get('node-a')!.pods.values().next().value!;
    assert.equal(plugin.preFilterRemovePod!(p, dry, victim, s.get('node-a')!).code, 'Success');
    assert.equal(plugin.filter(p, s.get('node-a')!, dry).code, 'Success');
    assert.equal(plugin.filter(p, s.get('node-a')!, state).code, 'Unschedulable', 'the original state is unchanged');
    // Adding a matching pod on node-b makes node-a the emptiest again.
    assert.equal(plugin.preFilterAddPod!(p, dry, podInfoOf(pod('p-b9', { node: 'node-b' })), s.get('node-b')!).code, 'Success');
    assert.equal(plugin.filter(p, s.get('node-b')!, dry).code, 'Unschedulable');
    // Pods in other namespaces or not matching the selector change nothing.
    plugin.preFilterAddPod!(p, dry, podInfoOf(pod('other', { node: 'node-a', ns: 'ns1' })), s.get('node-a')!);
    plugin.preFilterAddPod!(p, dry, podInfoOf(pod('nolabel', { node: 'node-a', labels: {} })), s.get('node-a')!);
    assert.equal(plugin.filter(p, s.get('node-a')!, dry).code, 'Success');
  });
});

/** Runs PreScore, Score and NormalizeScore over `candidates` in a snapshot that also holds `failed`. */
function scores(p: Pod, candidates: Node[], failed: Node[], pods: Pod[], pl = plugin): number[] | 'skip' {
  const s = snapshot([...candidates, ...failed], pods);
  const infos = candidates.map((n) => s.get(n.metadata.name!)!);
  const state = new CycleState(p);
  const st = pl.preScore(p, state, infos, s);
  if (st.code === 'Skip') return 'skip';
  assert.equal(st.code, 'Success');
  const out = infos.map((i) => pl.score(p, i, state));
  pl.normalize!(p, state, infos, out);
  return out;
}

describe('PodTopologySpread Score', () => {
  /** `sel` null: no labelSelector. */
  const host = (maxSkew: number, sel: LabelSelector | null = foo): TopologySpreadConstraint[] => [sc(maxSkew, HOST, 'ScheduleAnyway', sel ?? undefined)];
  const abcd = (): Node[] => ['node-a', 'node-b', 'node-c', 'node-d'].map(hn);
  const twoOneZeroThree = (): Pod[] => [...on('node-a', 'p-a1', 'p-a2'), ...on('node-b', 'p-b1'), ...on('node-d', 'p-d1', 'p-d2', 'p-d3')];
  const fourThreeTwoOne = (): Pod[] => [...on('node-a', 'p-a1', 'p-a2', 'p-a3', 'p-a4'), ...on('node-b', 'p-b1', 'p-b2', 'p-b3'), ...on('node-c', 'p-c1', 'p-c2'), ...on('node-d', 'p-d1')];

  it('one constraint on node: no pods, one candidate, equal counts', () => {
    assert.deepEqual(scores(pod('p', { spread: host(1) }), [hn('node-a'), hn('node-b')], [], []), [100, 100]);
    assert.deepEqual(scores(pod('p', { spread: host(1) }), [hn('node-a')], [hn('node-b')], [...on('node-a', 'p-a1', 'p-a2'), ...on('node-b', 'p-b1')]), [100]);
    assert.deepEqual(scores(pod('p', { spread: host(1) }), [hn('node-a'), hn('node-b')], [], [...on('node-a', 'p-a1'), ...on('node-b', 'p-b1')]), [100, 100]);
  });

  it('one constraint on node, all 4 nodes are candidates (2/1/0/3), maxSkew 1 and 2; null selector', () => {
    assert.deepEqual(scores(pod('p', { spread: host(1) }), abcd(), [], twoOneZeroThree()), [20, 60, 100, 0]);
    assert.deepEqual(scores(pod('p', { spread: host(2) }), abcd(), [], twoOneZeroThree()), [33, 66, 100, 16]);
    assert.deepEqual(scores(pod('p', { spread: host(1, null) }), abcd(), [], twoOneZeroThree()), [100, 100, 100, 100]);
  });

  it('one constraint on node, maxSkew 3 (4/3/2/1)', () => {
    assert.deepEqual(scores(pod('p', { spread: host(3) }), abcd(), [], fourThreeTwoOne()), [44, 66, 77, 100]);
  });

  it('system defaulting, nodes without zone, pods matching a Service: the same scores as one hostname constraint', () => {
    const listers: SelectorListers = {
      services: (ns) => (ns === 'default' ? [{ metadata: { name: 's', namespace: 'default' }, spec: { selector: { foo: '' } } }] : []),
      replicationController: () => undefined, replicaSet: () => undefined, statefulSet: () => undefined,
    };
    assert.deepEqual(scores(pod('p'), abcd(), [], fourThreeTwoOne(), podTopologySpreadPlugin(listers)), [44, 66, 77, 100]);
    // Without a Service or controller selecting it, a pod has nothing to spread against.
    assert.equal(scores(pod('p', { labels: { other: '' } }), abcd(), [], fourThreeTwoOne(), podTopologySpreadPlugin(listers)), 'skip');
    assert.equal(scores(pod('p'), abcd(), [], fourThreeTwoOne()), 'skip', 'no listers: no default constraints');
  });

  const abxy = (): Pod[] => [...on('node-a', 'p-a1', 'p-a2', 'p-a3', 'p-a4'), ...on('node-b', 'p-b1', 'p-b2'), ...on('node-x', 'p-x1'), ...on('node-y', 'p-y1', 'p-y2', 'p-y3')];

  it('one constraint on node, 3 out of 4 nodes are candidates (4/2/1/~3~)', () => {
    assert.deepEqual(scores(pod('p', { spread: host(1) }), [hn('node-a'), hn('node-b'), hn('node-x')], [hn('node-y')], abxy()), [33, 83, 100]);
  });

  it("one constraint on node, one candidate doesn't have the topology key (4/?2?/1/~3~)", () => {
    assert.deepEqual(scores(pod('p', { spread: host(1) }), [hn('node-a'), node('node-b', { n: 'node-b' }), hn('node-x')], [hn('node-y')], abxy()), [16, 0, 100]);
  });

  const zh = (name: string, zone: string): Node => node(name, { zone, [HOST]: name });

  it('one constraint on zone, 3 out of 4 nodes are candidates (4/2/1/~3~)', () => {
    const p = pod('p', { spread: [sc(1, 'zone', 'ScheduleAnyway', foo)] });
    assert.deepEqual(scores(p, [zh('node-a', 'zone1'), zh('node-b', 'zone1'), zh('node-x', 'zone2')], [zh('node-y', 'zone2')], abxy()), [75, 75, 100]);
  });

  it('two constraints on zone and node, 2 out of 4 nodes are candidates (2/~1~/2/~4~)', () => {
    const p = pod('p', { spread: [sc(1, 'zone', 'ScheduleAnyway', foo), sc(1, HOST, 'ScheduleAnyway', foo)] });
    const pods = [...on('node-a', 'p-a1', 'p-a2'), ...on('node-b', 'p-b1'), ...on('node-x', 'p-x1', 'p-x2'), ...on('node-y', 'p-y1', 'p-y2', 'p-y3', 'p-y4')];
    assert.deepEqual(scores(p, [zh('node-a', 'zone1'), zh('node-x', 'zone2')], [zh('node-b', 'zone1'), zh('node-y', 'zone2')], pods), [100, 63]);
  });

  it('skips pods without soft constraints', () => {
    assert.equal(scores(pod('p', { spread: [sc(1, 'zone', 'DoNotSchedule', foo)] }), abcd(), [], []), 'skip');
  });
});

describe('defaultSelector (helper.DefaultSelector)', () => {
  const rs: ReplicaSet = { metadata: { name: 'rs', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['fe'] }] }, template: {} } } as ReplicaSet;
  const ss: StatefulSet = { metadata: { name: 'ss', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'db' } } } } as unknown as StatefulSet;
  const rc: ReplicationController = { metadata: { name: 'rc', namespace: 'default' }, spec: { selector: { app: 'old' } } };
  const svc = (name: string, selector?: Record<string, string>): Service => ({ metadata: { name, namespace: 'default' }, spec: { selector } });
  const listers = (services: Service[]): SelectorListers => ({
    services: (ns) => services.filter((s) => s.metadata.namespace === ns),
    replicationController: (ns, name) => (ns === 'default' && name === 'rc' ? rc : undefined),
    replicaSet: (ns, name) => (ns === 'default' && name === 'rs' ? rs : undefined),
    statefulSet: (ns, name) => (ns === 'default' && name === 'ss' ? ss : undefined),
  });

  it('merges matching Services and ANDs the ReplicaSet or StatefulSet selector', () => {
    const p = pod('p', { labels: { app: 'web', tier: 'fe', team: 'x' }, owner: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs' } });
    const sel = defaultSelector(p, listers([svc('a', { team: 'x' }), svc('b', { app: 'other' }), svc('headless')]))!;
    assert.ok(sel.matches({ app: 'web', tier: 'fe', team: 'x' }));
    assert.ok(!sel.matches({ app: 'web', tier: 'fe' }), 'the Service selector is part of it');
    assert.ok(!sel.matches({ app: 'web', team: 'x' }), 'so is the ReplicaSet expression');
    const st = pod('s', { labels: { app: 'db' }, owner: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'ss' } });
    assert.ok(defaultSelector(st, listers([]))!.matches({ app: 'db' }));
    assert.ok(!defaultSelector(st, listers([]))!.matches({ app: 'web' }));
  });

  it('merges a ReplicationController selector as a set', () => {
    const p = pod('p', { labels: { app: 'old' }, owner: { apiVersion: 'v1', kind: 'ReplicationController', name: 'rc' } });
    const sel = defaultSelector(p, listers([]))!;
    assert.ok(sel.matches({ app: 'old' }) && !sel.matches({ app: 'new' }));
  });

  it('is undefined without Services or a known controller', () => {
    assert.equal(defaultSelector(pod('p', { labels: { app: 'web' } }), listers([])), undefined);
    assert.equal(defaultSelector(pod('p', { labels: { app: 'web' }, owner: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'gone' } }), listers([])), undefined);
    assert.equal(defaultSelector(pod('p', { labels: { app: 'web' }, owner: { apiVersion: 'batch/v1', kind: 'Job', name: 'j' } }), listers([])), undefined);
    assert.equal(defaultSelector(pod('p', { labels: { app: 'web' }, ns: 'other' }), listers([svc('a', { app: 'web' })])), undefined, 'Services of other namespaces');
  });
});

describe('PodTopologySpread in the default profile', () => {
  it('keeps a hard zone spread within maxSkew as replicas are assumed', () => {
    const nodes = ['a', 'b', 'c', 'd', 'e', 'f'].map((n, i) => node(n, { [HOST]: n, 'topology.kubernetes.io/zone': `z${i % 3}` }));
    const s = snapshot(nodes, []);
    const algo = new ScheduleAlgorithm(buildFramework(), { random: () => 0 });
    const spread = [sc(1, 'topology.kubernetes.io/zone', 'DoNotSchedule', { matchLabels: { app: 'web' } })];
    // Every pod is pinned to zone z0 by node affinity until z0 is 1 ahead: then the filter rejects it.
    const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['z0'] }] }] } } };
    const first = pod('w0', { labels: { app: 'web' }, spread, affinity });
    const r = algo.schedule(first, s);
    assert.equal(r.kind, 'Scheduled');
    if (r.kind === 'Scheduled') s.assumePod(first, r.nodeName);
    // nodeAffinityPolicy Honor: only z0's nodes count, so z0 stays the only domain; with Ignore, z1/z2 count at 0.
    const ignoring = pod('w1', { labels: { app: 'web' }, affinity, spread: [{ ...spread[0], nodeAffinityPolicy: 'Ignore' }] });
    const r2 = algo.schedule(ignoring, s);
    assert.equal(r2.kind, 'Unschedulable');
    if (r2.kind === 'Unschedulable') {
      assert.equal(r2.message, "0/6 nodes are available: 2 node(s) didn't match pod topology spread constraints, 4 node(s) didn't match Pod's node affinity/selector. preemption: 0/6 nodes are available: 2 No preemption victims found for incoming pod, 4 Preemption is not helpful for scheduling.");
    }
    for (let i = 2; i < 20; i++) {
      const p = pod(`w${i}`, { labels: { app: 'web' }, spread });
      const d = algo.schedule(p, s);
      assert.equal(d.kind, 'Scheduled');
      if (d.kind === 'Scheduled') s.assumePod(p, d.nodeName);
      const perZone = [0, 0, 0];
      nodes.forEach((n, j) => { perZone[j % 3] += s.get(n.metadata.name!)!.podCount; });
      assert.ok(Math.max(...perZone) - Math.min(...perZone) <= 1, JSON.stringify(perZone));
    }
  });

  it('default constraints spread a ReplicaSet’s pods over hosts (scheduler-built registry)', () => {
    const rs = { metadata: { name: 'web', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'web' } } } } as ReplicaSet;
    const listers: SelectorListers = { services: () => [], replicationController: () => undefined, replicaSet: (_ns, n) => (n === 'web' ? rs : undefined), statefulSet: () => undefined };
    const registry = newRegistry([...IN_TREE_PLUGINS.filter((p) => p.name !== 'PodTopologySpread'), podTopologySpreadPlugin(listers)]);
    const algo = new ScheduleAlgorithm(buildFramework({ plugins: { score: { disabled: [{ name: 'NodeResourcesFit' }, { name: 'NodeResourcesBalancedAllocation' }] } } }, registry), { random: () => 0 });
    const s = snapshot(['a', 'b', 'c'].map(hn), []);
    for (let i = 0; i < 9; i++) {
      const p = pod(`web-${i}`, { labels: { app: 'web' }, owner: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web' } });
      const d = algo.schedule(p, s);
      assert.equal(d.kind, 'Scheduled');
      if (d.kind === 'Scheduled') s.assumePod(p, d.nodeName);
    }
    assert.deepEqual(['a', 'b', 'c'].map((n) => s.get(n)!.podCount), [3, 3, 3]);
  });
});

describe('PodTopologySpread cluster events (EventsToRegister)', () => {
  it('moves pods it rejected on pod add/label update/delete and node delete/label/taint changes only', async () => {
    const q = new SchedulingQueue({ now: () => 1_000_000 });
    q.add(makePod('spread'));
    q.add(makePod('cpu'));
    const spreadPod = (await q.pop())!;
    q.addUnschedulableIfNotPresent(spreadPod, ['PodTopologySpread'], q.cycle);
    const cpuPod = (await q.pop())!;
    q.addUnschedulableIfNotPresent(cpuPod, ['NodeResourcesFit'], q.cycle);
    for (const ev of [ASSIGNED_POD_ADD, ASSIGNED_POD_UPDATE_LABEL, ASSIGNED_POD_DELETE, NODE_DELETE]) {
      assert.ok(ev.plugins?.has('PodTopologySpread'), ev.label);
    }
    assert.ok(!ASSIGNED_POD_ADD.plugins!.has('NodeResourcesFit'));
    const relabelled = node('n', { zone: 'b' });
    assert.ok(nodeUpdateEvent(node('n', { zone: 'a' }), relabelled)!.plugins!.has('PodTopologySpread'));
    assert.ok(nodeUpdateEvent(node('n', {}), node('n', {}, [{ key: 'k', effect: 'NoSchedule' }]))!.plugins!.has('PodTopologySpread'));
    assert.equal(q.moveAllToActiveOrBackoffQueue(ASSIGNED_POD_ADD), 1);
    assert.notEqual(q.where(spreadPod.key), 'unschedulable');
    assert.equal(q.where(cpuPod.key), 'unschedulable');
  });
});

describe('PodTopologySpread incremental domain counts', () => {
  it('match a full recount after pods come and go and nodes change labels or leave', () => {
    let seed = 7;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const nodes = new Map(Array.from({ length: 12 }, (_, i) => [`n${i}`, zn(`n${i}`, `zone${i % 3}`)]));
    const pods = new Map<string, Pod>();
    const s = snapshot([...nodes.values()], []);
    const hard = pod('p', { spread: [sc(1, 'zone', 'DoNotSchedule', foo), sc(2, 'node', 'DoNotSchedule', foo)] });
    const soft = pod('q', { spread: [sc(1, 'zone', 'ScheduleAnyway', foo)] });
    for (let step = 0; step < 300; step++) {
      const r = rand(10);
      const names = [...nodes.keys()];
      if (r < 5) {
        const p = pod(`x${step}`, { node: names[rand(names.length)], labels: rand(3) === 0 ? { other: '' } : { foo: '' }, terminating: rand(10) === 0 });
        pods.set(p.metadata.name!, p);
        s.addPod(p);
      } else if (r < 8 && pods.size > 0) {
        const victim = [...pods.values()][rand(pods.size)];
        pods.delete(victim.metadata.name!);
        s.removePod(victim);
      } else if (r === 8) {
        const n = names[rand(names.length)];
        const relabelled = zn(n, `zone${rand(4)}`);
        nodes.set(n, relabelled);
        s.setNode(relabelled);
      } else if (nodes.size > 6) {
        const n = names[rand(names.length)];
        nodes.delete(n);
        s.removeNode(n);
        for (const [k, p] of pods) if (p.spec!.nodeName === n) { pods.delete(k); s.removePod(p); }
      }
      if (step % 10 !== 0) continue;
      const fresh = snapshot([...nodes.values()], [...pods.values()]);
      const st = new CycleState(hard);
      assert.equal(plugin.preFilter(hard, st, s).code, 'Success');
      const want = new CycleState(hard);
      plugin.preFilter(hard, want, fresh);
      assert.deepEqual(counts(st.read<PreFilterState>('PreFilterPodTopologySpread')!), counts(want.read<PreFilterState>('PreFilterPodTopologySpread')!), `step ${step}`);
      const infos = (snap: Snapshot): NodeInfoT[] => [...nodes.keys()].map((n) => snap.get(n)!);
      const sc1 = new CycleState(soft);
      plugin.preScore(soft, sc1, infos(s), s);
      const sc2 = new CycleState(soft);
      plugin.preScore(soft, sc2, infos(fresh), fresh);
      assert.deepEqual(infos(s).map((i) => plugin.score(soft, i, sc1)), infos(fresh).map((i) => plugin.score(soft, i, sc2)), `step ${step}`);
    }
  });

  it('rebuilds when the change log no longer reaches back', () => {
    const s = snapshot(fourNodes(), []);
    const p = pod('p', { spread: [sc(1, 'zone', 'DoNotSchedule', foo)] });
    const stateOf = (): Record<string, number>[] => {
      const st = new CycleState(p);
      plugin.preFilter(p, st, s);
      return counts(st.read<PreFilterState>('PreFilterPodTopologySpread')!);
    };
    assert.deepEqual(stateOf(), [{ zone1: 0, zone2: 0 }]);
    const v = s.version;
    for (let i = 0; i < 5000; i++) s.addPod(pod(`y${i}`, { node: i % 2 === 0 ? 'node-a' : 'node-x', labels: { other: '' } }));
    s.addPod(pod('m', { node: 'node-b' }));
    assert.equal(s.changedSince(v), undefined);
    assert.deepEqual(stateOf(), [{ zone1: 1, zone2: 0 }]);
  });
});
