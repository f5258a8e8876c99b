import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../api/types/core.js';
import { DEFAULT_PLUGINS, buildFramework, mergePluginSet } from '../../scheduler/config.js';
import { SUCCESS, errorStatus, unresolvable, unschedulable, type AnyPlugin, type Status } from '../../scheduler/framework.js';
import { Snapshot, podInfoOf } from '../../scheduler/node-info.js';
import { IN_TREE_PLUGINS, inTreeRegistry, newRegistry } from '../../scheduler/registry.js';
import {
  ScheduleAlgorithm, fitErrorMessage, numFeasibleNodesToFind, selectHost, type ScheduleResult,
} from '../../scheduler/schedule-one.js';
import type { ReplicaSet } from '../../api/types/apps.js';
import { podTopologySpreadPlugin } from '../../scheduler/plugins/pod-topology-spread.js';
import { makeNode, makePod, type NodeOpts } from './fixtures.js';

function snapshotOf(nodes: [string, NodeOpts?][], pods: Pod[] = []): Snapshot {
  const s = new Snapshot();
  for (const [name, o] of nodes) s.setNode(makeNode(name, o));
  for (const p of pods) s.addPod(p);
  return s;
}

const scheduled = (r: ScheduleResult): Extract<ScheduleResult, { kind: 'Scheduled' }> => {
  assert.equal(r.kind, 'Scheduled', JSON.stringify(r));
  return r as Extract<ScheduleResult, { kind: 'Scheduled' }>;
};
const unschedulableResult = (r: ScheduleResult): Extract<ScheduleResult, { kind: 'Unschedulable' }> => {
  assert.equal(r.kind, 'Unschedulable', JSON.stringify(r));
  return r as Extract<ScheduleResult, { kind: 'Unschedulable' }>;
};

describe('numFeasibleNodesToFind (percentageOfNodesToScore)', () => {
  it('follows the adaptive rule: 50 - nodes/125 percent, at least 5%, at least 100 nodes', () => {
    const cases: [number, number, number][] = [
      // [percentage, nodes, expected]
      [0, 0, 0],
      [0, 50, 50],
      [0, 99, 99],
      [0, 100, 100],
      [0, 199, 100],
      [0, 250, 120], // 48%
      [0, 1000, 420], // 42%
      [0, 1500, 570], // 38%
      [0, 5000, 500], // 10%
      [0, 5624, 337], // 50 - 44 = 6%
      [0, 6000, 300], // 2% -> 5%
      [0, 15000, 750], // 5%
      [10, 500, 100], // 50 -> at least 100
      [10, 5000, 500],
      [100, 5000, 5000],
      [1, 50, 50],
    ];
    for (const [pct, n, want] of cases) assert.equal(numFeasibleNodesToFind(pct, n), want, `${pct}% of ${n}`);
  });
});

describe('FailedScheduling message', () => {
  it('counts reasons per node and explains preemption like kube-scheduler 1.32', () => {
    const s = snapshotOf([['n1', { unschedulable: true }], ['n2', { cpu: '1' }], ['n3', { cpu: '1' }]]);
    const r = unschedulableResult(new ScheduleAlgorithm(buildFramework()).schedule(makePod('p', { cpu: '2' }), s));
    assert.equal(
      r.message,
      '0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient cpu. ' +
        'preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.',
    );
    assert.deepEqual([...r.fitError!.diagnosis.unschedulablePlugins].sort(), ['NodeResourcesFit', 'NodeUnschedulable']);
    // No candidate: any nomination is cleared (kube-scheduler's NewPostFilterResultWithNominatedNode("")).
    assert.equal(r.nominatedNodeName, '');
  });

  it('sorts "<count> <reason>" as strings, as Go sort.Strings does', () => {
    const nodes: [string, NodeOpts?][] = [];
    for (let i = 0; i < 10; i++) nodes.push([`c${i}`, { unschedulable: true }]);
    nodes.push(['a', { cpu: '1', memory: '1Gi' }], ['b', { cpu: '1', memory: '1Gi' }], ['t', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }]);
    const r = unschedulableResult(new ScheduleAlgorithm(buildFramework()).schedule(makePod('p', { cpu: '8', memory: '16Gi' }), snapshotOf(nodes)));
    assert.equal(
      r.message,
      '0/13 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 10 node(s) were unschedulable, 2 Insufficient cpu, 2 Insufficient memory. ' +
        'preemption: 0/13 nodes are available: 11 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.',
    );
  });

  it('reports a node-selector mismatch and "no nodes available"', () => {
    const r = unschedulableResult(new ScheduleAlgorithm(buildFramework()).schedule(makePod('p', { nodeSelector: { disk: 'ssd' } }), snapshotOf([['a'], ['b']])));
    assert.equal(r.message, "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.");
    const none = unschedulableResult(new ScheduleAlgorithm(buildFramework()).schedule(makePod('p'), new Snapshot()));
    assert.equal(none.message, 'no nodes available to schedule pods');
    assert.equal(none.fitError, undefined);
  });

  it('nominates a node where evicting lower-priority pods makes room', () => {
    const low = makePod('low', { cpu: '3', priority: 0, nodeName: 'n1' });
    const s = snapshotOf([['n1'], ['n2', { cpu: '1' }]], [low, makePod('same', { cpu: '500m', priority: 100, nodeName: 'n2' })]);
    const r = unschedulableResult(new ScheduleAlgorithm(buildFramework()).schedule(makePod('p', { cpu: '2', priority: 100 }), s));
    assert.equal(r.message, '0/2 nodes are available: 2 Insufficient cpu.', 'a candidate exists, so no preemption message');
    assert.equal(r.nominatedNodeName, 'n1');
    assert.deepEqual(r.victims?.map((v) => v.pod.metadata.name), ['low']);

    // Even with the victims gone the pod does not fit: the filter reason is reported.
    const r2 = unschedulableResult(new ScheduleAlgorithm(buildFramework()).schedule(makePod('p', { cpu: '5', priority: 100 }), s));
    assert.equal(r2.message, '0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 1 Insufficient cpu, 1 No preemption victims found for incoming pod.');

    const never = unschedulableResult(new ScheduleAlgorithm(buildFramework()).schedule(makePod('p', { cpu: '2', priority: 100, preemptionPolicy: 'Never' }), s));
    assert.equal(never.message, '0/2 nodes are available: 2 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.');
  });

  it('uses the PreFilter message when a PreFilter rejects the pod', () => {
    const gate = (s: Status): AnyPlugin => ({ name: 'Gate', preFilter: () => s, filter: () => SUCCESS });
    const build = (s: Status) => buildFramework({ plugins: { multiPoint: { enabled: [{ name: 'Gate' }] } } }, newRegistry([...IN_TREE_PLUGINS, gate(s)]));
    const snap = snapshotOf([['a'], ['b']]);
    let r = unschedulableResult(new ScheduleAlgorithm(build(unschedulable('waiting for volume'))).schedule(makePod('p'), snap));
    assert.equal(r.message, '0/2 nodes are available: waiting for volume. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.');
    assert.deepEqual([...r.fitError!.diagnosis.unschedulablePlugins], ['Gate']);
    r = unschedulableResult(new ScheduleAlgorithm(build(unresolvable('a', 'b'))).schedule(makePod('p'), snap));
    assert.equal(r.message, '0/2 nodes are available: a, b. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.');
  });

  it('formats a FitError with absent nodes and no reasons', () => {
    const diagnosis = { nodeToStatus: new Map<string, Status>([['a', unschedulable('x')]]), absentNodesStatus: unresolvable('y'), unschedulablePlugins: new Set<string>(), preFilterMsg: '', postFilterMsg: '' };
    assert.equal(fitErrorMessage({ numAllNodes: 3, diagnosis }), '0/3 nodes are available: 1 x, 2 y.');
    assert.equal(fitErrorMessage({ numAllNodes: 0, diagnosis: { ...diagnosis, nodeToStatus: new Map(), absentNodesStatus: unresolvable() } }), '0/0 nodes are available:');
  });
});

describe('scheduling a pod', () => {
  it('picks the highest weighted total', () => {
    const s = snapshotOf([['busy'], ['idle'], ['half']], [
      makePod('a', { cpu: '3', memory: '6Gi', nodeName: 'busy' }),
      makePod('b', { cpu: '2', memory: '4Gi', nodeName: 'half' }),
    ]);
    const r = scheduled(new ScheduleAlgorithm(buildFramework()).schedule(makePod('p', { cpu: '1', memory: '2Gi' }), s));
    assert.equal(r.nodeName, 'idle');
    assert.equal(r.feasibleNodes, 3);
    assert.equal(r.evaluatedNodes, 3);
    // idle: TaintToleration 100 x 3 + LeastAllocated 75 + BalancedAllocation 100 (NodeAffinity and spreading skipped).
    assert.equal(r.scores.find((x) => x.name === 'idle')!.total, 475);
  });

  it('honours affinity preference weights, taints and nodeName', () => {
    const s = snapshotOf([['a', { labels: { disk: 'hdd' } }], ['b', { labels: { disk: 'ssd' } }], ['c', { taints: [{ key: 'k', effect: 'NoSchedule' }] }]]);
    const prefer = makePod('p', { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } }] } } });
    assert.equal(scheduled(new ScheduleAlgorithm(buildFramework()).schedule(prefer, s)).nodeName, 'b');
    const pinned = scheduled(new ScheduleAlgorithm(buildFramework()).schedule(makePod('p', { nodeName: 'a' }), s));
    assert.equal(pinned.nodeName, 'a');
    assert.deepEqual(pinned.scores, [], 'a single feasible node is not scored');
  });

  it('breaks ties with the injected random source', () => {
    const s = snapshotOf([['a'], ['b'], ['c']]);
    assert.equal(scheduled(new ScheduleAlgorithm(buildFramework(), { random: () => 0.99 }).schedule(makePod('p'), s)).nodeName, 'a');
    assert.equal(scheduled(new ScheduleAlgorithm(buildFramework(), { random: () => 0 }).schedule(makePod('p'), s)).nodeName, 'c');
    assert.equal(selectHost([{ name: 'x', total: 1 }, { name: 'y', total: 5 }, { name: 'z', total: 5 }], () => 0.99), 'y');
    assert.throws(() => selectHost([]));
  });

  it('spreads a ReplicaSet across nodes as pods are assumed', () => {
    const s = snapshotOf([['a'], ['b'], ['c']]);
    const algo = new ScheduleAlgorithm(buildFramework(), { random: () => 0 });
    for (let i = 0; i < 6; i++) {
      const pod = makePod(`web-${i}`, { owner: 'web' });
      s.assumePod(pod, scheduled(algo.schedule(pod, s)).nodeName);
    }
    assert.deepEqual(['a', 'b', 'c'].map((n) => s.get(n)!.podCount), [2, 2, 2]);
  });

  it('fills nodes until resources run out, then reports why', () => {
    const s = snapshotOf([['a', { cpu: '1' }], ['b', { cpu: '1' }]]);
    const algo = new ScheduleAlgorithm(buildFramework());
    for (let i = 0; i < 4; i++) {
      const pod = makePod(`p${i}`, { cpu: '500m' });
      s.assumePod(pod, scheduled(algo.schedule(pod, s)).nodeName);
    }
    const r = unschedulableResult(algo.schedule(makePod('p', { cpu: '500m' }), s));
    assert.match(r.message, /^0\/2 nodes are available: 2 Insufficient cpu\. preemption: /);
  });

  it('returns Error for a plugin error status or exception', () => {
    const bad = (name: string, f: () => Status): AnyPlugin => ({ name, filter: f });
    const reg = newRegistry([...IN_TREE_PLUGINS, bad('Broken', () => errorStatus('boom')), bad('Throws', () => { throw new Error('kaput'); })]);
    let r = new ScheduleAlgorithm(buildFramework({ plugins: { filter: { enabled: [{ name: 'Broken' }] } } }, reg)).schedule(makePod('p'), snapshotOf([['a']]));
    assert.deepEqual(r, { kind: 'Error', message: 'running Filter plugin "Broken": boom' });
    r = new ScheduleAlgorithm(buildFramework({ plugins: { filter: { enabled: [{ name: 'Throws' }] } } }, reg)).schedule(makePod('p'), snapshotOf([['a']]));
    assert.equal(r.kind, 'Error');
    const outOfRange: AnyPlugin = { name: 'Wild', score: () => 101 };
    r = new ScheduleAlgorithm(buildFramework({ plugins: { score: { enabled: [{ name: 'Wild' }] } } }, newRegistry([...IN_TREE_PLUGINS, outOfRange]))).schedule(makePod('p'), snapshotOf([['a'], ['b']]));
    assert.equal(r.kind, 'Error');
    assert.match((r as { message: string }).message, /invalid score 101/);
  });
});

describe('sampling feasible nodes', () => {
  const names = (n: number, from = 0) => Array.from({ length: n }, (_, i) => [`n${String(i + from).padStart(3, '0')}`] as [string]);

  it('stops filtering after numFeasibleNodesToFind feasible nodes and rotates the start', () => {
    const s = snapshotOf(names(200));
    const algo = new ScheduleAlgorithm(buildFramework());
    const r1 = scheduled(algo.schedule(makePod('p'), s));
    assert.equal(r1.feasibleNodes, 100);
    assert.equal(r1.evaluatedNodes, 100);
    assert.equal(algo.nextStartNodeIndex, 100);
    assert.ok(r1.scores.every((x) => x.name < 'n100'), 'only the first 100 nodes were considered');
    const r2 = scheduled(algo.schedule(makePod('q'), s));
    assert.ok(r2.scores.every((x) => x.name >= 'n100'), 'the next decision starts where the last stopped');
    assert.equal(algo.nextStartNodeIndex, 0);
  });

  it('counts rejected nodes as evaluated and scores only the sample', () => {
    const nodes: [string, NodeOpts?][] = [];
    for (let i = 0; i < 300; i++) nodes.push([`n${String(i).padStart(3, '0')}`, i < 10 ? { unschedulable: true } : i >= 250 ? { cpu: '64', memory: '256Gi' } : {}]);
    const s = snapshotOf(nodes);
    const algo = new ScheduleAlgorithm(buildFramework());
    const r = scheduled(algo.schedule(makePod('p', { cpu: '1' }), s));
    // 300 nodes: 50 - 2 = 48% -> 144 feasible to find, after passing the 10 cordoned ones.
    assert.equal(r.feasibleNodes, 144);
    assert.equal(r.evaluatedNodes, 154);
    assert.equal(algo.nextStartNodeIndex, 154);
    assert.ok(r.nodeName < 'n154', 'the much emptier nodes n250+ were not in the sample');
  });

  it('respects a configured percentageOfNodesToScore', () => {
    const s = snapshotOf(names(1000));
    const r = scheduled(new ScheduleAlgorithm(buildFramework({ percentageOfNodesToScore: 100 })).schedule(makePod('p'), s));
    assert.equal(r.feasibleNodes, 1000);
  });
});

describe('config', () => {
  it('has kube-scheduler default filters and weights', () => {
    const fw = buildFramework();
    assert.equal(fw.schedulerName, 'default-scheduler');
    assert.deepEqual(fw.preEnqueue.map((p) => p.name), ['SchedulingGates']);
    assert.deepEqual(fw.filter.map((p) => p.name), ['NodeUnschedulable', 'NodeName', 'TaintToleration', 'NodeAffinity', 'NodePorts', 'NodeResourcesFit', 'VolumeBinding', 'PodTopologySpread', 'InterPodAffinity']);
    assert.deepEqual(fw.preFilter.map((p) => p.name), ['NodeAffinity', 'NodePorts', 'NodeResourcesFit', 'VolumeBinding', 'PodTopologySpread', 'InterPodAffinity']);
    assert.deepEqual(fw.postFilter.map((p) => p.name), ['DefaultPreemption']);
    assert.deepEqual(fw.score.map((s) => [s.plugin.name, s.weight]), [
      ['TaintToleration', 3], ['NodeAffinity', 2], ['NodeResourcesFit', 1], ['PodTopologySpread', 2], ['InterPodAffinity', 2], ['NodeResourcesBalancedAllocation', 1],
    ]);
    assert.equal(fw.percentageOfNodesToScore, 0);
    assert.equal(inTreeRegistry.size, 12);
  });

  it('disables, re-weights and adds plugins', () => {
    const fw = buildFramework({
      schedulerName: 'mine',
      plugins: {
        filter: { disabled: [{ name: 'NodePorts' }] },
        score: { enabled: [{ name: 'NodeResourcesBalancedAllocation', weight: 5 }], disabled: [{ name: 'PodTopologySpread' }] },
      },
    });
    assert.equal(fw.schedulerName, 'mine');
    assert.ok(!fw.filter.some((p) => p.name === 'NodePorts'));
    // Enabled at Score as well as at multiPoint: an override, first in order, with its own weight.
    assert.deepEqual(fw.score.map((s) => [s.plugin.name, s.weight]), [['NodeResourcesBalancedAllocation', 5], ['TaintToleration', 3], ['NodeAffinity', 2], ['NodeResourcesFit', 1], ['InterPodAffinity', 2]]);
    // Disabled at Filter only: its PreFilter still runs, as in kube-scheduler.
    assert.ok(fw.preFilter.some((p) => p.name === 'NodePorts'));
    assert.deepEqual(mergePluginSet(DEFAULT_PLUGINS.multiPoint, { disabled: [{ name: '*' }], enabled: [{ name: 'X', weight: 4 }] }), [{ name: 'X', weight: 4 }]);
  });

  it('expands multiPoint as kube-scheduler: disabling there removes a plugin everywhere; a point\'s "*" keeps only its own', () => {
    const noPreemption = buildFramework({ plugins: { multiPoint: { disabled: [{ name: 'DefaultPreemption' }] } } });
    assert.deepEqual(noPreemption.postFilter, []);
    const s = snapshotOf([['n1']], [makePod('low', { cpu: '3', nodeName: 'n1' })]);
    const r = unschedulableResult(new ScheduleAlgorithm(noPreemption).schedule(makePod('p', { cpu: '2', priority: 100 }), s));
    assert.equal(r.message, '0/1 nodes are available: 1 Insufficient cpu.');
    assert.equal(r.nominatedNodeName, undefined);
    const onlyFit = buildFramework({ plugins: { filter: { disabled: [{ name: '*' }], enabled: [{ name: 'NodeResourcesFit' }] } } });
    assert.deepEqual(onlyFit.filter.map((p) => p.name), ['NodeResourcesFit']);
    const ungated = buildFramework({ plugins: { preEnqueue: { disabled: [{ name: 'SchedulingGates' }] } } });
    assert.deepEqual(ungated.preEnqueue, []);
    // Configurations written for kube-scheduler disable plugins this scheduler lacks.
    assert.doesNotThrow(() => buildFramework({ plugins: { multiPoint: { disabled: [{ name: 'ImageLocality' }] }, score: { disabled: [{ name: 'VolumeZone' }] } } }));
    assert.throws(() => buildFramework({ plugins: { multiPoint: { enabled: [{ name: 'ImageLocality' }] } } }), /plugin "ImageLocality" is not built into this scheduler/);
    assert.throws(() => buildFramework({ plugins: { queueSort: { disabled: [{ name: '*' }] } } }), /one queue sort plugin required for profile with scheduler name "default-scheduler"/);
    assert.throws(() => buildFramework({ plugins: { multiPoint: { disabled: [{ name: 'DefaultBinder' }] } } }), /at least one bind plugin is needed/);
  });

  it('rejects unknown plugins, wrong extension points, duplicates and bad numbers', () => {
    assert.throws(() => buildFramework({ plugins: { filter: { enabled: [{ name: 'Nope' }] } } }), /plugin "Nope" does not exist/);
    assert.throws(() => buildFramework({ plugins: { filter: { enabled: [{ name: 'NodeResourcesBalancedAllocation' }] } } }), /plugin "NodeResourcesBalancedAllocation" does not extend FilterPlugin plugin/);
    assert.throws(() => buildFramework({ plugins: { score: { enabled: [{ name: 'NodeName' }] } } }), /does not extend ScorePlugin plugin/);
    assert.throws(() => buildFramework({ plugins: { score: { enabled: [{ name: 'NodeAffinity' }, { name: 'NodeAffinity' }] } } }), /plugin "NodeAffinity" already registered as "ScorePlugin"/);
    assert.throws(() => buildFramework({ plugins: { score: { enabled: [{ name: 'TaintToleration', weight: 0 }] } } }), /positive integer/);
    assert.throws(() => buildFramework({ percentageOfNodesToScore: 101 }), /0\.\.100/);
    assert.throws(() => newRegistry([...IN_TREE_PLUGINS, { name: 'NodeName' }]), /already exists/);
  });
});

describe('cost of a decision', () => {
  it('schedules against 5,000 nodes with 10,000 bound pods in well under 20 ms per pod', () => {
    const s = new Snapshot();
    const zones = ['z1', 'z2', 'z3'];
    for (let i = 0; i < 5000; i++) s.setNode(makeNode(`node-${i}`, { cpu: '32', memory: '128Gi', labels: { 'topology.kubernetes.io/zone': zones[i % 3] } }));
    for (let i = 0; i < 10_000; i++) {
      const pod = makePod(`bound-${i}`, { cpu: '100m', memory: '128Mi', owner: `rs-${i % 50}`, nodeName: `node-${i % 5000}` });
      s.addPod(pod, pod.spec!.nodeName, podInfoOf(pod));
    }
    assert.equal(s.numPods, 10_000);
    const algo = new ScheduleAlgorithm(buildFramework());
    const pods = Array.from({ length: 300 }, (_, i) => makePod(`new-${i}`, { cpu: '250m', memory: '256Mi', owner: `rs-${i % 50}` }));
    // Warm up the JIT so the measurement is of the algorithm, not compilation.
    for (let i = 0; i < 20; i++) algo.schedule(pods[i], s);
    const t0 = performance.now();
    for (const pod of pods) {
      const r = scheduled(algo.schedule(pod, s));
      assert.equal(r.evaluatedNodes, 500, '10% of 5,000 nodes');
      s.assumePod(pod, r.nodeName);
    }
    const perPod = (performance.now() - t0) / pods.length;
    assert.ok(perPod < 20, `average ${perPod.toFixed(3)} ms per pod`);
    console.log(`# scheduleOne: ${perPod.toFixed(3)} ms per pod at 5,000 nodes / 10,000 pods`);
  });

  it("stays cheap when every pod gets PodTopologySpread's default constraints from its ReplicaSet", () => {
    const s = new Snapshot();
    const zones = ['z1', 'z2', 'z3'];
    for (let i = 0; i < 5000; i++) s.setNode(makeNode(`node-${i}`, { cpu: '32', memory: '128Gi', labels: { 'topology.kubernetes.io/zone': zones[i % 3] } }));
    const labelled = (p: Pod, rs: string): Pod => {
      p.metadata.labels = { app: rs };
      return p;
    };
    for (let i = 0; i < 10_000; i++) {
      const pod = labelled(makePod(`bound-${i}`, { cpu: '100m', memory: '128Mi', owner: `rs-${i % 50}`, nodeName: `node-${i % 5000}` }), `rs-${i % 50}`);
      s.addPod(pod, pod.spec!.nodeName, podInfoOf(pod));
    }
    const replicaSets = new Map(Array.from({ length: 50 }, (_, i) => [`rs-${i}`, { metadata: { name: `rs-${i}`, namespace: 'default' }, spec: { selector: { matchLabels: { app: `rs-${i}` } } } } as ReplicaSet]));
    const spread = podTopologySpreadPlugin({
      services: () => [], replicationController: () => undefined, statefulSet: () => undefined,
      replicaSet: (_ns, name) => replicaSets.get(name),
    });
    const registry = newRegistry([...IN_TREE_PLUGINS.filter((p) => p.name !== spread.name), spread]);
    const algo = new ScheduleAlgorithm(buildFramework({}, registry));
    // Replicas of a few ReplicaSets in turn, as a Deployment scaling up sends them.
    const pods = Array.from({ length: 300 }, (_, i) => labelled(makePod(`new-${i}`, { cpu: '250m', memory: '256Mi', owner: `rs-${Math.floor(i / 60)}` }), `rs-${Math.floor(i / 60)}`));
    for (let i = 0; i < 20; i++) algo.schedule(pods[i], s);
    const t0 = performance.now();
    for (const pod of pods) {
      const r = scheduled(algo.schedule(pod, s));
      s.assumePod(pod, r.nodeName);
    }
    const perPod = (performance.now() - t0) / pods.length;
    assert.ok(perPod < 20, `average ${perPod.toFixed(3)} ms per pod`);
    console.log(`# scheduleOne with default spreading: ${perPod.toFixed(3)} ms per pod at 5,000 nodes / 10,000 pods`);
  });
});
