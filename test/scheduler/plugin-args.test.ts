// pluginConfig: the plugins' arguments as kube-scheduler reads them (decoding, v1 defaults,
// validation_pluginargs.go's checks and wording) and what each one changes in a decision.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from '../../api/types/core.js';
import { loadSchedulerConfiguration, SchedulerConfigError } from '../../scheduler/component-config.js';
import { buildFramework } from '../../scheduler/config.js';
import { CycleState } from '../../scheduler/framework.js';
import { NodeInfo, Snapshot } from '../../scheduler/node-info.js';
import { nodeResourcesFitPlugin } from '../../scheduler/plugins/node-resources-fit.js';
import { brokenLinear } from '../../scheduler/plugins/resource-allocation.js';
import { preempt } from '../../scheduler/plugins/default-preemption.js';
import { podTopologySpreadPlugin } from '../../scheduler/plugins/pod-topology-spread.js';
import { newRegistry, IN_TREE_PLUGINS } from '../../scheduler/registry.js';
import { ScheduleAlgorithm } from '../../scheduler/schedule-one.js';
import { makeNode, makePod } from './fixtures.js';

const HEAD = 'apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n- schedulerName: default-scheduler\n  pluginConfig:\n';

function refused(yaml: string): string {
  try {
    loadSchedulerConfiguration(HEAD + yaml);
  } catch (err) {
    assert.ok(err instanceof SchedulerConfigError, String(err));
    return err.message;
  }
  assert.fail('accepted');
}

describe('pluginConfig decoding and validation', () => {
  it('decodes and defaults the arguments of the plugins it applies', () => {
    const c = loadSchedulerConfiguration(`${HEAD}  - name: NodeResourcesFit
    args:
      scoringStrategy:
        type: MostAllocated
        resources:
        - name: cpu
          weight: 3
        - name: example.com/gpu
      ignoredResourceGroups: [example.org]
  - name: InterPodAffinity
    args:
      kind: InterPodAffinityArgs
      hardPodAffinityWeight: 5
  - name: DefaultPreemption
    args: { minCandidateNodesAbsolute: 2 }
  - name: PodTopologySpread
    args:
      defaultingType: List
      defaultConstraints:
      - maxSkew: 2
        topologyKey: topology.kubernetes.io/zone
        whenUnsatisfiable: DoNotSchedule
  - name: VolumeBinding
    args: { bindTimeoutSeconds: 30 }
`);
    assert.deepEqual(c.profiles[0].pluginArgs, {
      NodeResourcesFit: {
        ignoredResources: [], ignoredResourceGroups: ['example.org'],
        scoringStrategy: { type: 'MostAllocated', resources: [{ name: 'cpu', weight: 3 }, { name: 'example.com/gpu', weight: 1 }] },
      },
      InterPodAffinity: { hardPodAffinityWeight: 5, ignorePreferredTermsOfExistingPods: false },
      DefaultPreemption: { minCandidateNodesPercentage: 10, minCandidateNodesAbsolute: 2 },
      PodTopologySpread: { defaultingType: 'List', defaultConstraints: [{ maxSkew: 2, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule' }] },
      VolumeBinding: { bindTimeoutSeconds: 30 },
    });
  });

  it('refuses bad arguments with kube-scheduler\'s field paths and messages', () => {
    const cases: [string, string][] = [
      ['  - name: InterPodAffinity\n    args: { hardPodAffinityWeight: 101 }\n',
        'profiles[0].pluginConfig[0].args.hardPodAffinityWeight: Invalid value: 101: not in valid range [0, 100]'],
      ['  - name: DefaultPreemption\n    args: { minCandidateNodesPercentage: 0, minCandidateNodesAbsolute: 0 }\n',
        'profiles[0].pluginConfig[0].args.minCandidateNodesPercentage: Invalid value: 0: cannot be zero at the same time as minCandidateNodesAbsolute'],
      ['  - name: DefaultPreemption\n    args: { minCandidateNodesPercentage: 120 }\n',
        'profiles[0].pluginConfig[0].args.minCandidateNodesPercentage: Invalid value: 120: not in valid range [0, 100]'],
      ['  - name: NodeResourcesFit\n    args: { scoringStrategy: { type: Spread } }\n',
        'profiles[0].pluginConfig[0].args.scoringStrategy.type: Unsupported value: "Spread": supported values: "LeastAllocated", "MostAllocated", "RequestedToCapacityRatio"'],
      ['  - name: NodeResourcesFit\n    args: { scoringStrategy: { resources: [{ name: cpu, weight: 0 }] } }\n',
        'profiles[0].pluginConfig[0].args.scoringStrategy.resources[0].weight: Invalid value: 0: resource weight of cpu not in valid range [1, 100]'],
      ['  - name: NodeResourcesFit\n    args: { ignoredResourceGroups: [a/b] }\n',
        'profiles[0].pluginConfig[0].args.ignoredResourceGroups[0]: Invalid value: "a/b": resource group name can\'t contain \'/\''],
      ['  - name: NodeResourcesFit\n    args: { scoringStrategy: { type: RequestedToCapacityRatio, requestedToCapacityRatio: { shape: [{ utilization: 50, score: 5 }, { utilization: 10, score: 11 }] } } }\n',
        'profiles[0].pluginConfig[0].args.scoringStrategy.requestedToCapacityRatio.shape[1].utilization: Invalid value: 10: utilization values must be sorted in increasing order'],
      ['  - name: PodTopologySpread\n    args: { defaultConstraints: [{ maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule }] }\n',
        'profiles[0].pluginConfig[0].args.defaultingType: Invalid value: "System": when .defaultConstraints are not empty'],
      ['  - name: PodTopologySpread\n    args: { defaultingType: List, defaultConstraints: [{ maxSkew: 0, topologyKey: zone, whenUnsatisfiable: Maybe, labelSelector: {} }] }\n',
        'profiles[0].pluginConfig[0].args.defaultConstraints[0].maxSkew: Invalid value: 0: not in valid range (0, inf), '
        + 'profiles[0].pluginConfig[0].args.defaultConstraints[0].whenUnsatisfiable: Unsupported value: "Maybe": supported values: "DoNotSchedule", "ScheduleAnyway", '
        + 'profiles[0].pluginConfig[0].args.defaultConstraints[0].labelSelector: Forbidden: constraint must not define a selector, as they deduced for each pod'],
      ['  - name: VolumeBinding\n    args: { bindTimeoutSeconds: -1 }\n',
        'profiles[0].pluginConfig[0].args.bindTimeoutSeconds: Invalid value: -1: invalid BindTimeoutSeconds, should not be a negative value'],
      ['  - name: InterPodAffinity\n  - name: InterPodAffinity\n', 'profiles[0].pluginConfig[1]: Duplicate value: "InterPodAffinity"'],
      ['  - name: NodeAffinity\n    args: { addedAffinity: {} }\n',
        'profiles[0].pluginConfig[0].args: Invalid value: "NodeAffinity": arguments for this plugin are not supported by this scheduler'],
    ];
    for (const [yaml, want] of cases) assert.ok(refused(yaml).includes(want), `${yaml}\n→ ${refused(yaml)}\nwant: ${want}`);
    assert.equal(refused('  - name: InterPodAffinity\n    args: { hardPodAffinityWeigth: 2 }\n'),
      'strict decoding error: unknown field "profiles[0].pluginConfig[0].args.hardPodAffinityWeigth"');
  });
});

describe('pluginConfig of the wrong shape', () => {
  it('refuses wrong types, nulls and deep nesting with a message, never a crash', () => {
    const cases: [string, string][] = [
      ['  - name: NodeResourcesFit\n    args: "text"\n', 'profiles[0].pluginConfig[0].args: Invalid value: has to match plugin args'],
      ['  - null\n', 'profiles[0].pluginConfig[0]: Invalid value: must be an object'],
      ['  - name: 7\n', 'profiles[0].pluginConfig[0].name: Required value'],
      ['  - name: InterPodAffinity\n    args: {hardPodAffinityWeight: "x"}\n', 'args.hardPodAffinityWeight: Invalid value: "x": must be an integer'],
      ['  - name: InterPodAffinity\n    args: {ignorePreferredTermsOfExistingPods: 3}\n', 'args.ignorePreferredTermsOfExistingPods: Invalid value: 3: must be a boolean'],
      ['  - name: NodeResourcesFit\n    args: {ignoredResources: {a: 1}}\n', 'args.ignoredResources: Invalid value: must be a list of strings'],
      ['  - name: NodeResourcesFit\n    args: {scoringStrategy: []}\n', 'args.scoringStrategy: Invalid value: must be an object'],
      ['  - name: NodeResourcesFit\n    args: {scoringStrategy: {resources: [null]}}\n', 'args.scoringStrategy.resources[0].name: Required value'],
      ['  - name: NodeResourcesFit\n    args: {scoringStrategy: {resources: [{name: cpu, weight: "w"}]}}\n', 'args.scoringStrategy.resources[0].weight: Invalid value: "w": must be an integer'],
      ['  - name: PodTopologySpread\n    args: {defaultingType: List, defaultConstraints: [null]}\n', 'args.defaultConstraints[0]: Invalid value: must be an object'],
      ['  - name: DefaultPreemption\n    args: {minCandidateNodesPercentage: 1.5}\n', 'args.minCandidateNodesPercentage: Invalid value: 1.5: must be an integer'],
      ['  - name: NodeResourcesFit\n    args: {scoringStrategy: {type: {a: [[[[[[[[[[[[1]]]]]]]]]]]]}}}\n', 'args.scoringStrategy.type: Unsupported value'],
    ];
    for (const [yaml, want] of cases) {
      const message = refused(yaml);
      assert.ok(message.includes(want), `${yaml}\n→ ${message}\nwant: ${want}`);
    }
  });
});

describe('what the arguments change', () => {
  const state = (p: Pod): CycleState => new CycleState(p);
  function nodeWith(name: string, cpu: string, used: string): NodeInfo {
    const info = new NodeInfo(name, makeNode(name, { cpu, memory: '100Gi' }));
    info.addPod({ ...new CycleState(makePod(`${name}-used`, { cpu: used, memory: '1Gi', nodeName: name })).podInfo });
    return info;
  }

  it('NodeResourcesFit scoring strategies: MostAllocated packs, LeastAllocated spreads, RequestedToCapacityRatio follows its shape', () => {
    const pod = makePod('p', { cpu: '1', memory: '1Gi' });
    const busy = nodeWith('busy', '4', '2');
    const idle = nodeWith('idle', '4', '0');
    const least = nodeResourcesFitPlugin();
    const most = nodeResourcesFitPlugin({ scoringStrategy: { type: 'MostAllocated', resources: [{ name: 'cpu', weight: 1 }] } });
    assert.ok(least.score(pod, idle, state(pod)) > least.score(pod, busy, state(pod)));
    assert.equal(most.score(pod, busy, state(pod)), 75); // (2 + 1) / 4 cpu
    assert.equal(most.score(pod, idle, state(pod)), 25);
    const ratio = nodeResourcesFitPlugin({
      scoringStrategy: { type: 'RequestedToCapacityRatio', resources: [{ name: 'cpu', weight: 1 }], shape: [{ utilization: 0, score: 0 }, { utilization: 100, score: 10 }] },
    });
    assert.equal(ratio.score(pod, busy, state(pod)), 75);
    assert.deepEqual([0, 25, 50, 100, 120].map(brokenLinear([{ utilization: 0, score: 10 }, { utilization: 50, score: 0 }, { utilization: 100, score: 4 }])), [100, 50, 0, 40, 40]);
  });

  it('NodeResourcesFit ignoredResources and ignoredResourceGroups leave extended resources unchecked', () => {
    const pod = makePod('gpu', { requests: { 'example.com/gpu': '1', 'vendor.io/fpga': '1' } });
    const info = new NodeInfo('n', makeNode('n'));
    assert.equal(nodeResourcesFitPlugin().filter(pod, info, state(pod)).code, 'Unschedulable');
    assert.equal(nodeResourcesFitPlugin({ ignoredResources: ['example.com/gpu'] }).filter(pod, info, state(pod)).code, 'Unschedulable');
    assert.equal(nodeResourcesFitPlugin({ ignoredResources: ['example.com/gpu'], ignoredResourceGroups: ['vendor.io'] }).filter(pod, info, state(pod)).code, 'Success');
  });

  it('DefaultPreemption\'s candidate counts bound how many nodes are dry-run', () => {
    const fw = buildFramework();
    const s = new Snapshot();
    for (let i = 0; i < 5; i++) {
      s.setNode(makeNode(`n${i}`, { cpu: '1' }));
      s.addPod(makePod(`low${i}`, { cpu: '1', priority: 4 - i, nodeName: `n${i}` }));
    }
    const pod = makePod('high', { cpu: '1', priority: 100 });
    const st = new CycleState(pod);
    for (const p of fw.preFilter) if (p.preFilter(pod, st, s).code === 'Skip') st.skipFilter.add(p.name);
    const filtered = { nodeToStatus: new Map(), absentNodesStatus: { code: 'Unschedulable' as const, reasons: [] } };
    // All five dry-run: the lowest-priority victim (on n4) wins; with one candidate only the first node is tried.
    assert.equal(preempt(pod, st, s, filtered, fw, []).nominatedNodeName, 'n4');
    assert.equal(preempt(pod, st, s, filtered, fw, [], { minCandidateNodesPercentage: 0, minCandidateNodesAbsolute: 1 }).nominatedNodeName, 'n0');
    assert.equal(preempt(pod, st, s, filtered, fw, [], { minCandidateNodesPercentage: 40, minCandidateNodesAbsolute: 0 }).nominatedNodeName, 'n1');
  });

  it('PodTopologySpread with defaultingType List applies the given constraints to a pod without its own', () => {
    const spread = podTopologySpreadPlugin({
      services: () => [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { selector: { app: 'web' } } }],
      replicationController: () => undefined, replicaSet: () => undefined, statefulSet: () => undefined,
    }, { defaultingType: 'List', defaultConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule' }] });
    const registry = newRegistry([...IN_TREE_PLUGINS.filter((p) => p.name !== spread.name), spread]);
    const algo = new ScheduleAlgorithm(buildFramework({}, registry));
    const s = new Snapshot();
    s.setNode(makeNode('a1', { labels: { zone: 'a' } }));
    s.setNode(makeNode('b1', { labels: { zone: 'b' } }));
    const web = (name: string, node?: string): Pod => {
      const p = makePod(name, { nodeName: node });
      p.metadata.labels = { app: 'web' };
      return p;
    };
    s.addPod(web('w0', 'a1'));
    for (let i = 0; i < 5; i++) {
      const r = algo.schedule(web(`new${i}`), s);
      assert.equal(r.kind, 'Scheduled');
      if (r.kind === 'Scheduled') s.addPod({ ...web(`new${i}`, r.nodeName) });
    }
    const counts = { a: 0, b: 0 };
    for (const info of s.nodeInfos()) counts[info.name === 'a1' ? 'a' : 'b'] = info.podCount;
    assert.deepEqual(counts, { a: 3, b: 3 });
  });
});
