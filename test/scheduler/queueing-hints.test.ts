// QueueingHints: which cluster changes move a pod a plugin rejected out of the
// unschedulable pods (kube-scheduler's per-plugin QueueingHintFns; their unit tests are the
// model), and the queue asking them (isPodWorthRequeuing).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from '../../api/types/core.js';
import type { AnyPlugin, ClusterChange } from '../../scheduler/framework.js';
import { Snapshot } from '../../scheduler/node-info.js';
import { assignedPodDeleted, nodeAdded, nodeUpdateEvent, SchedulingQueue } from '../../scheduler/queue.js';
import { inTreeRegistry } from '../../scheduler/registry.js';
import { NAME as INTER_POD_AFFINITY } from '../../scheduler/plugins/inter-pod-affinity.js';
import { NAME as NODE_AFFINITY } from '../../scheduler/plugins/node-affinity.js';
import { NAME as NODE_PORTS } from '../../scheduler/plugins/node-ports.js';
import { NAME as NODE_RESOURCES_FIT } from '../../scheduler/plugins/node-resources-fit.js';
import { NAME as NODE_UNSCHEDULABLE } from '../../scheduler/plugins/node-unschedulable.js';
import { NAME as POD_TOPOLOGY_SPREAD } from '../../scheduler/plugins/pod-topology-spread.js';
import { NAME as TAINT_TOLERATION } from '../../scheduler/plugins/taint-toleration.js';
import { makeNode, makePod, type NodeOpts, type PodOpts } from './fixtures.js';

const snapshot = new Snapshot();

function hint(plugin: string, pod: Pod, change: ClusterChange): boolean {
  const p = inTreeRegistry.get(plugin) as AnyPlugin;
  assert.ok(p.isSchedulableAfter, `${plugin} has a QueueingHint`);
  return p.isSchedulableAfter(pod, change, snapshot);
}

const added = (o: NodeOpts = {}, name = 'new'): ClusterChange => ({ resource: 'Node', newObj: makeNode(name, o) });
const updated = (before: NodeOpts, after: NodeOpts): ClusterChange => ({ resource: 'Node', oldObj: makeNode('n', before), newObj: makeNode('n', after) });
const bound = (name: string, o: PodOpts & { labels?: Record<string, string> } = {}): Pod => {
  const p = makePod(name, { nodeName: 'n1', ...o });
  if (o.labels) p.metadata.labels = o.labels;
  return p;
};
const podAdded = (p: Pod): ClusterChange => ({ resource: 'Pod', newObj: p });
const podDeleted = (p: Pod): ClusterChange => ({ resource: 'Pod', oldObj: p });
const relabelled = (p: Pod, labels: Record<string, string>): ClusterChange => ({ resource: 'Pod', oldObj: p, newObj: { ...p, metadata: { ...p.metadata, labels } } });

describe('QueueingHints of the node filters', () => {
  it('NodeAffinity: a node the selector matches now, and did not before', () => {
    const pod = makePod('p', { nodeSelector: { disk: 'ssd' } });
    assert.equal(hint(NODE_AFFINITY, pod, added({ labels: { disk: 'ssd' } })), true);
    assert.equal(hint(NODE_AFFINITY, pod, added({ labels: { disk: 'hdd' } })), false);
    assert.equal(hint(NODE_AFFINITY, pod, updated({}, { labels: { disk: 'ssd' } })), true);
    assert.equal(hint(NODE_AFFINITY, pod, updated({ labels: { disk: 'ssd' } }, { labels: { disk: 'ssd', other: 'x' } })), false);
    assert.equal(hint(NODE_AFFINITY, pod, updated({}, { labels: { other: 'x' } })), false);
  });

  it('NodeUnschedulable: a node uncordoned, or added schedulable', () => {
    const pod = makePod('p');
    assert.equal(hint(NODE_UNSCHEDULABLE, pod, updated({ unschedulable: true }, {})), true);
    assert.equal(hint(NODE_UNSCHEDULABLE, pod, updated({ unschedulable: true }, { unschedulable: true, labels: { a: 'b' } })), false);
    assert.equal(hint(NODE_UNSCHEDULABLE, pod, added({ unschedulable: true })), false);
    assert.equal(hint(NODE_UNSCHEDULABLE, pod, added()), true);
  });

  it('TaintToleration: a NoSchedule taint the pod does not tolerate removed', () => {
    const taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };
    const pod = makePod('p');
    assert.equal(hint(TAINT_TOLERATION, pod, updated({ taints: [taint] }, {})), true);
    assert.equal(hint(TAINT_TOLERATION, pod, updated({ taints: [taint] }, { taints: [taint, { key: 'x', effect: 'PreferNoSchedule' }] })), false);
    assert.equal(hint(TAINT_TOLERATION, pod, added({ taints: [taint] })), false);
    const tolerating = makePod('t', { tolerations: [{ key: 'dedicated', operator: 'Exists' }] });
    assert.equal(hint(TAINT_TOLERATION, tolerating, added({ taints: [taint] })), true);
  });

  it('NodeResourcesFit: a bound pod deleted; a node the pod fits on added, or grown in what it asks for', () => {
    const pod = makePod('p', { cpu: '2' });
    assert.equal(hint(NODE_RESOURCES_FIT, pod, podDeleted(bound('b'))), true);
    assert.equal(hint(NODE_RESOURCES_FIT, pod, podDeleted(makePod('pending'))), false);
    assert.equal(hint(NODE_RESOURCES_FIT, pod, added({ cpu: '1' })), false);
    assert.equal(hint(NODE_RESOURCES_FIT, pod, added({ cpu: '4' })), true);
    assert.equal(hint(NODE_RESOURCES_FIT, pod, updated({ cpu: '4' }, { cpu: '8' })), true);
    assert.equal(hint(NODE_RESOURCES_FIT, pod, updated({ cpu: '4' }, { cpu: '4', memory: '16Gi' })), false, 'memory grew, the pod asks for none');
    assert.equal(hint(NODE_RESOURCES_FIT, pod, updated({ cpu: '4', pods: '10' }, { cpu: '4', pods: '20' })), true, 'room for more pods');
  });

  it('NodePorts: only a deleted pod that held a port the pod wants', () => {
    const pod = makePod('p', { hostPorts: [{ hostPort: 8080 }] });
    assert.equal(hint(NODE_PORTS, pod, podDeleted(bound('b', { hostPorts: [{ hostPort: 8080 }] }))), true);
    assert.equal(hint(NODE_PORTS, pod, podDeleted(bound('b', { hostPorts: [{ hostPort: 8080, protocol: 'UDP' }] }))), false);
    assert.equal(hint(NODE_PORTS, pod, podDeleted(bound('b', { hostPorts: [{ hostPort: 9090 }] }))), false);
    assert.equal(hint(NODE_PORTS, pod, podDeleted(bound('b'))), false);
    assert.equal(hint(NODE_PORTS, pod, added()), true);
  });
});

describe('QueueingHints of InterPodAffinity and PodTopologySpread', () => {
  const HOST = 'kubernetes.io/hostname';
  const ZONE = 'topology.kubernetes.io/zone';
  const term = (app: string, topologyKey = HOST) => ({ labelSelector: { matchLabels: { app } }, topologyKey });

  it('InterPodAffinity: peers bound or relabelled in, anti-affinity peers gone, nodes with the topology key', () => {
    const withAffinity = makePod('p', { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('db', ZONE)] } } });
    assert.equal(hint(INTER_POD_AFFINITY, withAffinity, podAdded(bound('db-0', { labels: { app: 'db' } }))), true);
    assert.equal(hint(INTER_POD_AFFINITY, withAffinity, podAdded(bound('web-0', { labels: { app: 'web' } }))), false);
    assert.equal(hint(INTER_POD_AFFINITY, withAffinity, podAdded({ ...bound('db-1', { labels: { app: 'db' } }), spec: { containers: [] } })), false, 'a pending pod');
    assert.equal(hint(INTER_POD_AFFINITY, withAffinity, relabelled(bound('x', { labels: { app: 'web' } }), { app: 'db' })), true);
    assert.equal(hint(INTER_POD_AFFINITY, withAffinity, podDeleted(bound('db-0', { labels: { app: 'db' } }))), false);
    assert.equal(hint(INTER_POD_AFFINITY, withAffinity, added({ labels: { [ZONE]: 'a' } })), true);
    assert.equal(hint(INTER_POD_AFFINITY, withAffinity, added({}, 'no-zone')), false);
    assert.equal(hint(INTER_POD_AFFINITY, withAffinity, updated({ labels: { [ZONE]: 'a' } }, { labels: { [ZONE]: 'a', x: 'y' } })), false);

    const withAnti = makePod('q', { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('web')] } } });
    assert.equal(hint(INTER_POD_AFFINITY, withAnti, podDeleted(bound('web-0', { labels: { app: 'web' } }))), true);
    assert.equal(hint(INTER_POD_AFFINITY, withAnti, podDeleted(bound('db-0', { labels: { app: 'db' } }))), false);
    assert.equal(hint(INTER_POD_AFFINITY, withAnti, relabelled(bound('web-0', { labels: { app: 'web' } }), { app: 'old' })), true);
    assert.equal(hint(INTER_POD_AFFINITY, withAnti, podAdded(bound('web-1', { labels: { app: 'web' } }))), false);
    assert.equal(hint(INTER_POD_AFFINITY, withAnti, added()), true);

    // Kept away by an existing pod's anti-affinity (symmetry): that pod's deletion helps.
    const plain = makePod('r');
    plain.metadata.labels = { app: 'web' };
    const guard = bound('guard', { labels: { app: 'guard' }, affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('web')] } } });
    assert.equal(hint(INTER_POD_AFFINITY, plain, podDeleted(guard)), true);
    assert.equal(hint(INTER_POD_AFFINITY, plain, podDeleted(bound('other'))), false);
    assert.equal(hint(INTER_POD_AFFINITY, plain, added()), true);
  });

  it('PodTopologySpread: matching bound pods of the namespace, nodes with every topology key', () => {
    const pod = makePod('p');
    pod.metadata.labels = { app: 'web' };
    pod.spec!.topologySpreadConstraints = [{ maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } } }];
    assert.equal(hint(POD_TOPOLOGY_SPREAD, pod, podDeleted(bound('web-0', { labels: { app: 'web' } }))), true);
    assert.equal(hint(POD_TOPOLOGY_SPREAD, pod, podAdded(bound('web-1', { labels: { app: 'web' } }))), true);
    assert.equal(hint(POD_TOPOLOGY_SPREAD, pod, podDeleted(bound('db-0', { labels: { app: 'db' } }))), false);
    assert.equal(hint(POD_TOPOLOGY_SPREAD, pod, podDeleted(bound('web-x', { labels: { app: 'web' }, namespace: 'other' }))), false);
    assert.equal(hint(POD_TOPOLOGY_SPREAD, pod, relabelled(bound('web-2', { labels: { app: 'web' } }), { app: 'web', v: '2' })), false);
    assert.equal(hint(POD_TOPOLOGY_SPREAD, pod, relabelled(bound('web-2', { labels: { app: 'web' } }), { app: 'old' })), true);
    assert.equal(hint(POD_TOPOLOGY_SPREAD, pod, added({ labels: { [ZONE]: 'c' } })), true);
    assert.equal(hint(POD_TOPOLOGY_SPREAD, pod, added()), false);
    assert.equal(hint(POD_TOPOLOGY_SPREAD, pod, { resource: 'Node', oldObj: makeNode('gone', { labels: { [ZONE]: 'c' } }) }), true);
    assert.equal(hint(POD_TOPOLOGY_SPREAD, pod, updated({ labels: { [ZONE]: 'a' } }, { labels: { [ZONE]: 'b' } })), true);
    assert.equal(hint(POD_TOPOLOGY_SPREAD, pod, updated({ labels: { [ZONE]: 'a' } }, { labels: { [ZONE]: 'a', x: 'y' } })), false);
  });
});

describe('the queue asks the hints (isPodWorthRequeuing)', () => {
  function queueWith(hintFn: (pod: Pod, plugin: string, change: ClusterChange) => boolean) {
    const clock = { t: 1_000_000 };
    const q = new SchedulingQueue({ now: () => clock.t, queueingHint: hintFn });
    return { q, clock };
  }
  const fromRegistry = (pod: Pod, plugin: string, change: ClusterChange): boolean => {
    const p = inTreeRegistry.get(plugin) as AnyPlugin | undefined;
    return p?.isSchedulableAfter ? p.isSchedulableAfter(pod, change, snapshot) : true;
  };

  async function rejected(q: SchedulingQueue, pod: Pod, plugins: string[]): Promise<void> {
    q.add(pod);
    const p = (await q.pop())!;
    q.addUnschedulableIfNotPresent(p, plugins, q.cycle);
    // A later cycle, so the next move request is not "during" this attempt.
    q.add(makePod('filler'));
    await q.pop();
  }

  it('a pod NodeAffinity rejected stays on an unrelated node event and moves on a matching one', async () => {
    const { q } = queueWith(fromRegistry);
    const pod = makePod('picky', { nodeSelector: { disk: 'ssd' } });
    await rejected(q, pod, [NODE_AFFINITY]);
    assert.equal(q.moveAllToActiveOrBackoffQueue(nodeAdded(makeNode('hdd', { labels: { disk: 'hdd' } }))), 0);
    const relabel = nodeUpdateEvent(makeNode('n'), makeNode('n', { labels: { other: 'x' } }))!;
    assert.equal(q.moveAllToActiveOrBackoffQueue(relabel), 0);
    assert.equal(q.where(pod), 'unschedulable');
    assert.equal(q.moveAllToActiveOrBackoffQueue(nodeUpdateEvent(makeNode('n'), makeNode('n', { labels: { disk: 'ssd' } }))!), 1);
    assert.notEqual(q.where(pod), 'unschedulable');
  });

  it('any one rejecting plugin saying Queue moves the pod; a plugin without hints, or one that throws, counts as Queue', async () => {
    const calls: string[] = [];
    const { q } = queueWith((_pod, plugin) => {
      calls.push(plugin);
      if (plugin === 'Throws') throw new Error('boom');
      return plugin === 'Yes';
    });
    const a = makePod('a');
    await rejected(q, a, ['No', 'Yes']);
    assert.equal(q.moveAllToActiveOrBackoffQueue(nodeAdded(makeNode('x'))), 1);
    const b = makePod('b');
    await rejected(q, b, ['No', 'Throws']);
    assert.equal(q.moveAllToActiveOrBackoffQueue(nodeAdded(makeNode('y'))), 1);
    const c = makePod('c');
    await rejected(q, c, ['No']);
    assert.equal(q.moveAllToActiveOrBackoffQueue(nodeAdded(makeNode('z'))), 0);
    assert.ok(calls.includes('Yes') && calls.includes('Throws'));
    // An event the rejecting plugin does not register for is not asked about at all.
    calls.length = 0;
    assert.equal(q.moveAllToActiveOrBackoffQueue(assignedPodDeleted(bound('w'))), 0);
    assert.deepEqual(calls, []);
  });
});

