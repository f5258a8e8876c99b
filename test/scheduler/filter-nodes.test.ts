// The batch forms of filters and scores (FilterPlugin.filterNodes, runFiltersOnNodes,
// ScorePlugin.scoreNodes): the statuses and scores they write are those filter() and
// score() give node by node, and a node an earlier filter rejected is left alone.
// schedule-one.test.ts checks the decisions made with them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../api/types/core.js';
import { buildFramework } from '../../scheduler/config.js';
import { CycleState, type FilterPlugin, runFilters, runFiltersOnNodes, type ScorePlugin, type Status, withPlugin } from '../../scheduler/framework.js';
import { Snapshot } from '../../scheduler/node-info.js';
import { IN_TREE_PLUGINS } from '../../scheduler/registry.js';
import { makeNode, makePod } from './fixtures.js';

function snapshot(): Snapshot {
  const s = new Snapshot();
  s.setNode(makeNode('plain'));
  s.setNode(makeNode('cordoned', { unschedulable: true }));
  s.setNode(makeNode('tainted', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }));
  s.setNode(makeNode('preferred', { taints: [{ key: 'soft', effect: 'PreferNoSchedule' }] }));
  s.setNode(makeNode('small', { cpu: '500m', memory: '256Mi' }));
  s.setNode(makeNode('crowded', { pods: '1' }));
  s.addPod(makePod('resident', { nodeName: 'crowded' }));
  return s;
}

const pods: Pod[] = [
  makePod('plain', { cpu: '1', memory: '1Gi' }),
  makePod('named', { nodeName: 'tainted' }),
  makePod('tolerant', { tolerations: [{ key: 'dedicated', operator: 'Exists' }, { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] }),
  makePod('huge', { cpu: '64', memory: '1Ti' }),
];

const show = (s: Status | undefined): string => (s ? `${s.plugin}:${s.code}:${s.reasons.join('|')}` : 'pass');

test('each filterNodes writes what its filter says node by node, and skips nodes already rejected', () => {
  const s = snapshot();
  const nodes = s.nodeInfos();
  const batched = IN_TREE_PLUGINS.filter((p): p is FilterPlugin & typeof p => typeof p.filter === 'function' && typeof p.filterNodes === 'function');
  assert.deepEqual(batched.map((p) => p.name).sort(), ['NodeName', 'NodeResourcesFit', 'NodeUnschedulable', 'TaintToleration']);
  const earlier: Status = { code: 'Unschedulable', reasons: ['rejected earlier'], plugin: 'Earlier' };
  for (const pod of pods) {
    for (const p of batched) {
      const state = new CycleState(pod);
      const one = nodes.map((n) => {
        const r = p.filter(pod, n, state);
        return r.code === 'Success' ? undefined : withPlugin(r, p.name);
      });
      const out: (Status | undefined)[] = nodes.map((_n, i) => (i === 0 ? earlier : undefined));
      p.filterNodes!(pod, state, nodes, out);
      assert.equal(out[0], earlier, `${p.name} overwrote a rejection for ${pod.metadata.name}`);
      assert.deepEqual(out.slice(1).map(show), one.slice(1).map(show), `${p.name} for ${pod.metadata.name}`);
    }
  }
});

test('runFiltersOnNodes gives each node the status runFilters gives it', () => {
  const s = snapshot();
  const nodes = s.nodeInfos();
  const fw = buildFramework();
  for (const pod of pods) {
    const state = new CycleState(pod);
    const out: (Status | undefined)[] = new Array(nodes.length);
    runFiltersOnNodes(pod, nodes, state, fw.filter, out);
    const one = nodes.map((n) => runFilters(fw, pod, n, state, fw.filter));
    assert.deepEqual(out.map(show), one.map((r) => (r.code === 'Success' ? 'pass' : show(r))), pod.metadata.name ?? '');
    assert.ok(out.some((r) => r !== undefined), `${pod.metadata.name}: some node rejects it`);
  }
});

test('each scoreNodes writes the score its score() gives node by node, after PreScore', () => {
  const s = snapshot();
  s.addPod(makePod('busy', { cpu: '3', memory: '6Gi', nodeName: 'plain' }));
  const nodes = s.nodeInfos();
  const batched = IN_TREE_PLUGINS.filter((p): p is ScorePlugin & typeof p => typeof p.score === 'function' && typeof p.scoreNodes === 'function');
  assert.deepEqual(batched.map((p) => p.name).sort(), ['NodeResourcesBalancedAllocation', 'NodeResourcesFit', 'TaintToleration']);
  for (const pod of [...pods, makePod('soft', { tolerations: [{ key: 'soft', operator: 'Exists', effect: 'PreferNoSchedule' }] })]) {
    for (const p of batched) {
      const state = new CycleState(pod);
      p.preScore?.(pod, state, nodes, s);
      const out = nodes.map(() => -1);
      p.scoreNodes!(pod, state, nodes, out);
      assert.deepEqual(out, nodes.map((n) => p.score(pod, n, state)), `${p.name} for ${pod.metadata.name}`);
    }
  }
  // The scores differ between nodes, so the comparison above compares something.
  const state = new CycleState(pods[0]);
  assert.ok(new Set(nodes.map((n) => batched.find((p) => p.name === 'NodeResourcesFit')!.score(pods[0], n, state))).size > 1);
});
