// DefaultPreemption's pure rules (kube-scheduler's default_preemption_test.go is the model):
// which pods on a node are victims, how budgets steer the choice, which node is picked.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from '../../api/types/core.js';
import { selectorFromLabelSelector } from '../../api/labels.js';
import { buildFramework } from '../../scheduler/config.js';
import { CycleState } from '../../scheduler/framework.js';
import { podInfoOf, Snapshot } from '../../scheduler/node-info.js';
import {
  type Candidate, type DisruptionBudgetView, pickOneNode, preempt, selectVictimsOnNode, splitByPDBViolation,
} from '../../scheduler/plugins/default-preemption.js';
import { preEnqueue } from '../../scheduler/plugins/scheduling-gates.js';
import { ScheduleAlgorithm } from '../../scheduler/schedule-one.js';
import { Nominator } from '../../scheduler/nominator.js';
import { makeNode, makePod, type NodeOpts, type PodOpts } from './fixtures.js';

const fw = buildFramework();

function snapshotOf(nodes: [string, NodeOpts?][], pods: Pod[] = []): Snapshot {
  const s = new Snapshot();
  for (const [name, o] of nodes) s.setNode(makeNode(name, o));
  for (const p of pods) s.addPod(p);
  return s;
}

function pod(name: string, o: PodOpts & { labels?: Record<string, string>; startTime?: string } = {}): Pod {
  const p = makePod(name, o);
  if (o.labels) p.metadata.labels = o.labels;
  if (o.startTime) p.status = { startTime: o.startTime };
  return p;
}

const budget = (app: string, disruptionsAllowed: number, disrupted: string[] = []): DisruptionBudgetView => ({
  namespace: 'default', selector: selectorFromLabelSelector({ matchLabels: { app } }), disruptionsAllowed, disruptedPods: new Set(disrupted),
});

/** The cycle state after PreFilter, as the decision has it when preemption runs. */
function prefiltered(p: Pod, snap: Snapshot): CycleState {
  const state = new CycleState(p);
  for (const plugin of fw.preFilter) if (plugin.preFilter(p, state, snap).code === 'Skip') state.skipFilter.add(plugin.name);
  return state;
}

const names = (c: Candidate | undefined): string[] => c?.victims.map((v) => v.pod.metadata.name ?? '') ?? [];

describe('selectVictimsOnNode', () => {
  it('evicts the fewest, least important lower-priority pods that make room', () => {
    const s = snapshotOf([['n1', { cpu: '4' }]], [
      pod('p1', { cpu: '1', priority: 10, nodeName: 'n1' }),
      pod('p2', { cpu: '1', priority: 5, nodeName: 'n1' }),
      pod('p3', { cpu: '1', priority: 1, nodeName: 'n1' }),
      pod('keep', { cpu: '1', priority: 100, nodeName: 'n1' }),
    ]);
    const incoming = pod('high', { cpu: '2', priority: 100 });
    const r = selectVictimsOnNode(incoming, prefiltered(incoming, s), s.get('n1')!, fw, []);
    assert.ok('victims' in r, JSON.stringify(r));
    // Two cpus are needed: p1 (priority 10) is reprieved first; p2 and p3 go.
    assert.deepEqual(names(r), ['p2', 'p3']);
    assert.equal(r.numPDBViolations, 0);
    // The snapshot itself is untouched.
    assert.equal(s.get('n1')!.pods.size, 4);
  });

  it('reports why preemption cannot help on the node', () => {
    const s = snapshotOf([['n1', { cpu: '2' }]], [pod('same', { cpu: '1', priority: 100, nodeName: 'n1' }), pod('low', { cpu: '1', nodeName: 'n1' })]);
    const big = pod('big', { cpu: '3', priority: 100 });
    const r = selectVictimsOnNode(big, prefiltered(big, s), s.get('n1')!, fw, []);
    assert.ok(!('victims' in r));
    assert.deepEqual(r.reasons, ['Insufficient cpu']);
    const equal = pod('eq', { cpu: '1', priority: 0 });
    const none = selectVictimsOnNode(equal, prefiltered(equal, s), s.get('n1')!, fw, []);
    assert.ok(!('victims' in none));
    assert.deepEqual(none.reasons, ['No preemption victims found for incoming pod']);
  });

  it('prefers keeping pods whose eviction would break a budget, and counts the violations it cannot avoid', () => {
    const s = snapshotOf([['n1', { cpu: '2' }]], [
      pod('guarded', { cpu: '1', priority: 1, nodeName: 'n1', labels: { app: 'db' } }),
      pod('free', { cpu: '1', priority: 5, nodeName: 'n1', labels: { app: 'web' } }),
    ]);
    const incoming = pod('high', { cpu: '1', priority: 100 });
    const r = selectVictimsOnNode(incoming, prefiltered(incoming, s), s.get('n1')!, fw, [budget('db', 0)]);
    assert.ok('victims' in r);
    // Without the budget the lower-priority "guarded" would go; the budget keeps it.
    assert.deepEqual(names(r), ['free']);
    assert.equal(r.numPDBViolations, 0);
    const both = pod('both', { cpu: '2', priority: 100 });
    const r2 = selectVictimsOnNode(both, prefiltered(both, s), s.get('n1')!, fw, [budget('db', 0)]);
    assert.ok('victims' in r2);
    assert.deepEqual(names(r2), ['free', 'guarded']);
    assert.equal(r2.numPDBViolations, 1);
  });
});

describe('budgets and the choice of node', () => {
  it('splitByPDBViolation spends each budget in turn; disrupted pods and other namespaces do not count', () => {
    const pods = ['a', 'b', 'c'].map((n) => podInfoOf(pod(n, { labels: { app: 'db' } })));
    const [violating, fine] = splitByPDBViolation(pods, [budget('db', 1)]);
    assert.deepEqual(violating.map((p) => p.pod.metadata.name), ['b', 'c']);
    assert.deepEqual(fine.map((p) => p.pod.metadata.name), ['a']);
    const [v2] = splitByPDBViolation(pods, [budget('db', 1, ['a'])]);
    assert.deepEqual(v2.map((p) => p.pod.metadata.name), ['c']);
    const other = podInfoOf(pod('x', { labels: { app: 'db' }, namespace: 'other' }));
    assert.deepEqual(splitByPDBViolation([other], [budget('db', 0)])[0], []);
  });

  it('pickOneNode: fewest violations, then lowest top priority, lowest sum, fewest victims, latest start', () => {
    const v = (name: string, priority: number, startTime = '2026-01-01T00:00:00Z') => podInfoOf(pod(name, { priority, startTime }));
    const c = (node: string, victims: ReturnType<typeof v>[], numPDBViolations = 0): Candidate => ({ node, victims, numPDBViolations });
    assert.equal(pickOneNode([c('a', [v('x', 1)], 1), c('b', [v('y', 5), v('z', 5)])])?.node, 'b');
    assert.equal(pickOneNode([c('a', [v('x', 5)]), c('b', [v('y', 3), v('z', 3)])])?.node, 'b');
    assert.equal(pickOneNode([c('a', [v('x', 5), v('y', 4)]), c('b', [v('z', 5), v('w', 1)])])?.node, 'b');
    assert.equal(pickOneNode([c('a', [v('x', 5), v('y', 0)]), c('b', [v('z', 5)])])?.node, 'b');
    assert.equal(pickOneNode([c('a', [v('x', 5, '2026-01-01T00:00:00Z')]), c('b', [v('y', 5, '2026-06-01T00:00:00Z')])])?.node, 'b');
    assert.equal(pickOneNode([]), undefined);
  });

  it('preempt nominates the node a budget does not protect', () => {
    const s = snapshotOf([['n1', { cpu: '1' }], ['n2', { cpu: '1' }]], [
      pod('db-0', { cpu: '1', priority: 0, nodeName: 'n1', labels: { app: 'db' } }),
      pod('web-0', { cpu: '1', priority: 0, nodeName: 'n2', labels: { app: 'web' } }),
    ]);
    const incoming = pod('high', { cpu: '1', priority: 1000 });
    const filtered = { nodeToStatus: new Map(), absentNodesStatus: { code: 'Unschedulable' as const, reasons: [] } };
    for (const [pdbs, want] of [[[budget('db', 0)], 'n2'], [[budget('web', 0)], 'n1']] as const) {
      const r = preempt(incoming, prefiltered(incoming, s), s, filtered, fw, pdbs);
      assert.equal(r.status.code, 'Success');
      assert.equal(r.nominatedNodeName, want);
    }
  });

  it('the whole decision: a nomination without a preemption message; Never and unresolvable nodes explained', () => {
    const s = snapshotOf([['n1', { cpu: '2' }], ['n2', { cpu: '2', unschedulable: true }]], [pod('low', { cpu: '2', priority: 1, nodeName: 'n1' })]);
    const algo = new ScheduleAlgorithm(fw);
    const r = algo.schedule(pod('high', { cpu: '2', priority: 100 }), s);
    assert.equal(r.kind, 'Unschedulable');
    assert.equal(r.kind === 'Unschedulable' && r.message, '0/2 nodes are available: 1 Insufficient cpu, 1 node(s) were unschedulable.');
    assert.equal(r.kind === 'Unschedulable' && r.nominatedNodeName, 'n1');
    const terminating = pod('going', { cpu: '2', priority: 1, nodeName: 'n1' });
    terminating.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
    const again = pod('high', { cpu: '2', priority: 100 });
    again.status = { nominatedNodeName: 'n1' };
    // Deleted by someone else: preempting again is allowed (and finds the pod still there).
    const r2 = algo.schedule(again, snapshotOf([['n1', { cpu: '2' }]], [terminating]));
    assert.equal(r2.kind === 'Unschedulable' && r2.nominatedNodeName, 'n1');
    // Deleted by preemption (DisruptionTarget PreemptionByScheduler): wait for it.
    terminating.status = { conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler' }] };
    const r3 = algo.schedule(again, snapshotOf([['n1', { cpu: '2' }]], [terminating]));
    assert.equal(r3.kind === 'Unschedulable' && r3.message, '0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to a terminating pod on the nominated node.');
    assert.equal(r3.kind === 'Unschedulable' && r3.nominatedNodeName, undefined);
    // The nominated node ruled out altogether (cordoned): eligible again, and with no
    // candidate the nomination is cleared.
    const r4 = algo.schedule(again, snapshotOf([['n1', { cpu: '2', unschedulable: true }]], [terminating]));
    assert.equal(r4.kind === 'Unschedulable' && r4.message, '0/1 nodes are available: 1 node(s) were unschedulable. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.');
    assert.equal(r4.kind === 'Unschedulable' && r4.nominatedNodeName, '');
  });
});

describe('SchedulingGates', () => {
  it('keeps a gated pod out of the queue with kube-scheduler\'s message', () => {
    const p = pod('g');
    assert.equal(preEnqueue(p).code, 'Success');
    p.spec!.schedulingGates = [{ name: 'example.com/a' }, { name: 'b' }];
    const s = preEnqueue(p);
    assert.equal(s.code, 'UnschedulableAndUnresolvable');
    assert.deepEqual(s.reasons, ['waiting for scheduling gates: [example.com/a b]']);
  });
});

describe('nominated pods hold the room preemption made', () => {
  const nominatedTo = (p: Pod, node: string): Pod => ({ ...p, status: { ...p.status, nominatedNodeName: node } });

  it('a pod of no higher priority does not take a node whose room a nominated pod holds; a higher one does', () => {
    const nominator = new Nominator();
    const withNominator = buildFramework({}, undefined, { nominator });
    const s = snapshotOf([['n1', { cpu: '2' }]]);
    const algo = new ScheduleAlgorithm(withNominator);
    // Nothing nominated: it fits.
    assert.equal(algo.schedule(pod('low', { cpu: '1', priority: 10 }), s).kind, 'Scheduled');
    const preemptor = nominatedTo(pod('preemptor', { cpu: '2', priority: 100 }), 'n1');
    nominator.add(preemptor);
    for (const priority of [10, 100]) {
      const r = algo.schedule(pod(`p${priority}`, { cpu: '1', priority }), s);
      assert.equal(r.kind === 'Unschedulable' && r.message.startsWith('0/1 nodes are available: 1 Insufficient cpu.'), true, JSON.stringify(r));
    }
    assert.equal(algo.schedule(pod('urgent', { cpu: '1', priority: 1000 }), s).kind, 'Scheduled');
    // The nominated pod itself is not in its own way, and tries its node first.
    const r = algo.schedule(preemptor, snapshotOf([['n0', { cpu: '4' }], ['n1', { cpu: '2' }], ['n2', { cpu: '4' }]]));
    assert.equal(r.kind === 'Scheduled' && r.nodeName, 'n1');
    // Once it is gone from the nominator, the room is free.
    nominator.delete(preemptor);
    assert.equal(algo.schedule(pod('later', { cpu: '1', priority: 10 }), s).kind, 'Scheduled');
  });

  it('the preemptor waiting for its victims does not preempt again, and another preemptor picks another node', () => {
    const nominator = new Nominator();
    const withNominator = buildFramework({}, undefined, { nominator });
    const going = pod('going', { cpu: '2', priority: 1, nodeName: 'n1' });
    going.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
    going.status = { conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler' }] };
    const s = snapshotOf([['n1', { cpu: '2' }], ['n2', { cpu: '2' }]], [going, pod('other', { cpu: '2', priority: 1, nodeName: 'n2' })]);
    const first = nominatedTo(pod('first', { cpu: '2', priority: 100 }), 'n1');
    nominator.add(first);
    const algo = new ScheduleAlgorithm(withNominator);
    const again = algo.schedule(first, s);
    assert.equal(again.kind === 'Unschedulable' && again.nominatedNodeName, undefined);
    // A second preemptor of the same priority must not count on n1's room: it preempts on n2.
    const second = algo.schedule(pod('second', { cpu: '2', priority: 100 }), s);
    assert.equal(second.kind === 'Unschedulable' && second.nominatedNodeName, 'n2');
    assert.deepEqual(second.kind === 'Unschedulable' && second.victims?.map((v) => v.pod.metadata.name), ['other']);
  });

  it('keeps a nomination made here while the pod\'s status has not caught up, and drops it when the status clears it', () => {
    const nominator = new Nominator();
    const p = pod('p', { cpu: '1', priority: 5 });
    nominator.add(p, 'n1');
    assert.equal(nominator.nominatedNodeOf(p), 'n1');
    // An unrelated update of the pod, both versions without a nomination in the status.
    nominator.update(p, { ...p, metadata: { ...p.metadata, labels: { a: 'b' } } });
    assert.equal(nominator.nominatedNodeOf(p), 'n1');
    assert.equal(nominator.nominatedPodsForNode('n1')?.length, 1);
    // The status names the node, then loses it (preemption found no candidate).
    const named = nominatedTo(p, 'n1');
    nominator.update(p, named);
    nominator.update(named, p);
    assert.equal(nominator.nominatedNodeOf(p), undefined);
    assert.equal(nominator.nominatedPodsForNode('n1'), undefined);
    assert.equal(nominator.size, 0);
  });
});
