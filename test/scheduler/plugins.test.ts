import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, Taint } from '../../api/types/core.js';
import { CycleState, SUCCESS, defaultNormalizeScore, type Status } from '../../scheduler/framework.js';
import { NodeInfo, Snapshot, computePodRequests, podInfoOf } from '../../scheduler/node-info.js';
import * as balanced from '../../scheduler/plugins/balanced-allocation.js';
import * as least from '../../scheduler/plugins/least-allocated.js';
import * as affinity from '../../scheduler/plugins/node-affinity.js';
import * as nodeName from '../../scheduler/plugins/node-name.js';
import * as ports from '../../scheduler/plugins/node-ports.js';
import * as fit from '../../scheduler/plugins/node-resources-fit.js';
import * as unsched from '../../scheduler/plugins/node-unschedulable.js';
import * as taints from '../../scheduler/plugins/taint-toleration.js';
import { toleratesTaint } from '../../api/helpers/taints.js';
import { makeNode, makePod, type NodeOpts } from './fixtures.js';

const info = (name: string, o: NodeOpts = {}, pods: Pod[] = []): NodeInfo => {
  const ni = new NodeInfo(name, makeNode(name, o));
  for (const p of pods) ni.addPod(podInfoOf(p));
  return ni;
};

/** A Snapshot holding these nodes and their pods. */
function snapshotOf(nodes: readonly NodeInfo[]): Snapshot {
  const snap = new Snapshot();
  for (const ni of nodes) {
    if (ni.node) snap.setNode(ni.node);
    for (const pi of ni.pods.values()) snap.addPod(pi.pod, ni.name, pi);
  }
  return snap;
}

/** Runs a plugin as the framework does: PreFilter (honouring Skip) then Filter. */
function filterWith(p: { preFilter?(pod: Pod, s: CycleState, snap: Snapshot): Status; filter(pod: Pod, n: NodeInfo, s: CycleState): Status }, pod: Pod, ni: NodeInfo): Status {
  const state = new CycleState(pod);
  if (p.preFilter && p.preFilter(pod, state, snapshotOf([ni])).code === 'Skip') return SUCCESS;
  return p.filter(pod, ni, state);
}

/** Score then normalize over several nodes, as the framework does. */
function scoreAll(p: { preScore?(pod: Pod, s: CycleState, n: readonly NodeInfo[], snap: Snapshot): Status; score(pod: Pod, n: NodeInfo, s: CycleState): number; normalize?(pod: Pod, s: CycleState, n: readonly NodeInfo[], sc: number[]): void }, pod: Pod, nodes: NodeInfo[]): number[] | 'skip' {
  const state = new CycleState(pod);
  if (p.preScore && p.preScore(pod, state, nodes, snapshotOf(nodes)).code === 'Skip') return 'skip';
  const scores = nodes.map((n) => p.score(pod, n, state));
  p.normalize?.(pod, state, nodes, scores);
  return scores;
}

describe('NodeUnschedulable', () => {
  it('passes schedulable nodes and rejects cordoned ones as unresolvable', () => {
    assert.equal(unsched.fits(makePod('p'), info('n')).code, 'Success');
    const s = unsched.fits(makePod('p'), info('n', { unschedulable: true }));
    assert.equal(s.code, 'UnschedulableAndUnresolvable');
    assert.deepEqual(s.reasons, ['node(s) were unschedulable']);
  });

  it('lets pods that tolerate the unschedulable taint onto cordoned nodes', () => {
    const cordoned = info('n', { unschedulable: true });
    const ok = [
      { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/unschedulable', operator: 'Exists' },
      { operator: 'Exists' },
    ];
    for (const t of ok) assert.equal(unsched.fits(makePod('p', { tolerations: [t] }), cordoned).code, 'Success', JSON.stringify(t));
    const notOk = [
      { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoExecute' },
      { key: 'other', operator: 'Exists' },
      { key: 'node.kubernetes.io/unschedulable', operator: 'Equal', value: 'true' },
    ];
    for (const t of notOk) assert.equal(unsched.fits(makePod('p', { tolerations: [t] }), cordoned).code, 'UnschedulableAndUnresolvable', JSON.stringify(t));
  });
});

describe('NodeName', () => {
  it('matches only the requested node', () => {
    assert.equal(nodeName.fits(makePod('p'), info('a')).code, 'Success');
    assert.equal(nodeName.fits(makePod('p', { nodeName: 'a' }), info('a')).code, 'Success');
    const s = nodeName.fits(makePod('p', { nodeName: 'a' }), info('b'));
    assert.equal(s.code, 'UnschedulableAndUnresolvable');
    assert.deepEqual(s.reasons, ["node(s) didn't match the requested node name"]);
  });
});

describe('TaintToleration', () => {
  const taint = (key: string, effect: string, value?: string): Taint => ({ key, value, effect });

  it('matches tolerations like core/v1 ToleratesTaint', () => {
    const t = taint('dedicated', 'NoSchedule', 'gpu');
    assert.equal(toleratesTaint({ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }, t), true);
    assert.equal(toleratesTaint({ key: 'dedicated', value: 'gpu' }, t), true, 'empty operator is Equal, empty effect is any');
    assert.equal(toleratesTaint({ key: 'dedicated', operator: 'Equal', value: 'cpu' }, t), false);
    assert.equal(toleratesTaint({ key: 'dedicated', operator: 'Exists' }, t), true);
    assert.equal(toleratesTaint({ operator: 'Exists' }, t), true, 'empty key with Exists tolerates everything');
    assert.equal(toleratesTaint({ key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }, t), false);
    assert.equal(toleratesTaint({ key: 'other', operator: 'Exists' }, t), false);
    assert.equal(toleratesTaint({ key: 'dedicated', operator: 'Bogus', value: 'gpu' }, t), false);
    assert.equal(toleratesTaint({ key: 'k', operator: 'Equal' }, taint('k', 'NoSchedule')), true, 'missing values are equal');
  });

  it('rejects untolerated NoSchedule and NoExecute taints, naming the first one', () => {
    const node = info('n', { taints: [taint('soft', 'PreferNoSchedule', 'x'), taint('dedicated', 'NoSchedule', 'gpu'), taint('node.kubernetes.io/unreachable', 'NoExecute')] });
    let s = taints.fits(makePod('p'), node);
    assert.equal(s.code, 'UnschedulableAndUnresolvable');
    assert.deepEqual(s.reasons, ['node(s) had untolerated taint {dedicated: gpu}']);
    s = taints.fits(makePod('p', { tolerations: [{ key: 'dedicated', operator: 'Exists' }] }), node);
    assert.deepEqual(s.reasons, ['node(s) had untolerated taint {node.kubernetes.io/unreachable: }']);
    s = taints.fits(makePod('p', { tolerations: [{ key: 'dedicated', operator: 'Exists' }, { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }] }), node);
    assert.equal(s.code, 'Success', 'PreferNoSchedule never blocks');
  });

  it('scores fewer intolerable PreferNoSchedule taints higher', () => {
    const nodes = [
      info('a'),
      info('b', { taints: [taint('x', 'PreferNoSchedule')] }),
      info('c', { taints: [taint('x', 'PreferNoSchedule'), taint('y', 'PreferNoSchedule'), taint('z', 'NoSchedule')] }),
    ];
    assert.deepEqual(scoreAll(taints.plugin, makePod('p'), nodes), [100, 50, 0]);
    // Tolerating x (PreferNoSchedule or any effect) leaves only y on c.
    assert.deepEqual(scoreAll(taints.plugin, makePod('p', { tolerations: [{ key: 'x', operator: 'Exists' }] }), nodes), [100, 100, 0]);
    // A toleration for NoSchedule does not count for PreferNoSchedule taints.
    assert.deepEqual(scoreAll(taints.plugin, makePod('p', { tolerations: [{ key: 'x', operator: 'Exists', effect: 'NoSchedule' }] }), nodes), [100, 50, 0]);
    assert.deepEqual(scoreAll(taints.plugin, makePod('p'), [info('a'), info('b')]), [100, 100]);
  });
});

describe('NodeAffinity', () => {
  const labels = { zone: 'z1', disk: 'ssd', gen: '5' };
  const node = info('n1', { labels });
  const podWith = (nodeSelectorTerms: { matchExpressions?: { key: string; operator: string; values?: string[] }[]; matchFields?: { key: string; operator: string; values?: string[] }[] }[]): Pod =>
    makePod('p', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms } } } });
  const expr = (key: string, operator: string, values?: string[]) => podWith([{ matchExpressions: [{ key, operator, values }] }]);
  const ok = (pod: Pod, ni: NodeInfo = node): boolean => filterWith(affinity.plugin, pod, ni).code === 'Success';

  it('requires every nodeSelector label', () => {
    assert.equal(ok(makePod('p', { nodeSelector: { zone: 'z1' } })), true);
    assert.equal(ok(makePod('p', { nodeSelector: { zone: 'z1', disk: 'hdd' } })), false);
    assert.equal(ok(makePod('p', { nodeSelector: { missing: '' } })), false);
    const s = filterWith(affinity.plugin, makePod('p', { nodeSelector: { zone: 'z2' } }), node);
    assert.equal(s.code, 'UnschedulableAndUnresolvable');
    assert.deepEqual(s.reasons, ["node(s) didn't match Pod's node affinity/selector"]);
  });

  it('evaluates In, NotIn, Exists, DoesNotExist, Gt and Lt', () => {
    assert.equal(ok(expr('zone', 'In', ['z1', 'z2'])), true);
    assert.equal(ok(expr('zone', 'In', ['z2'])), false);
    assert.equal(ok(expr('zone', 'NotIn', ['z2'])), true);
    assert.equal(ok(expr('zone', 'NotIn', ['z1'])), false);
    assert.equal(ok(expr('absent', 'NotIn', ['x'])), true, 'NotIn matches a missing label');
    assert.equal(ok(expr('disk', 'Exists')), true);
    assert.equal(ok(expr('absent', 'Exists')), false);
    assert.equal(ok(expr('absent', 'DoesNotExist')), true);
    assert.equal(ok(expr('disk', 'DoesNotExist')), false);
    assert.equal(ok(expr('gen', 'Gt', ['4'])), true);
    assert.equal(ok(expr('gen', 'Gt', ['5'])), false);
    assert.equal(ok(expr('gen', 'Lt', ['6'])), true);
    assert.equal(ok(expr('gen', 'Lt', ['-1'])), false);
    assert.equal(ok(expr('zone', 'Gt', ['1'])), false, 'a non-integer label never compares');
    assert.equal(ok(expr('absent', 'Lt', ['100'])), false);
  });

  it('treats malformed requirements as matching nothing', () => {
    assert.equal(ok(expr('gen', 'Gt', ['x'])), false);
    assert.equal(ok(expr('gen', 'Gt', ['1', '2'])), false);
    assert.equal(ok(expr('zone', 'In', [])), false);
    assert.equal(ok(expr('disk', 'Exists', ['ssd'])), false);
    assert.equal(ok(expr('zone', 'Matches', ['z1'])), false);
    assert.equal(ok(expr('bad key!', 'DoesNotExist')), false);
  });

  it('ORs terms, ANDs expressions, and never matches an empty term or list', () => {
    assert.equal(ok(podWith([{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z9'] }] }, { matchExpressions: [{ key: 'disk', operator: 'Exists' }] }])), true);
    assert.equal(ok(podWith([{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z1'] }, { key: 'disk', operator: 'In', values: ['hdd'] }] }])), false);
    assert.equal(ok(podWith([{}])), false);
    assert.equal(ok(podWith([])), false);
    assert.equal(ok(podWith([{}, { matchExpressions: [{ key: 'zone', operator: 'Exists' }] }])), true);
  });

  it('matches fields on metadata.name only, with In/NotIn and one value', () => {
    assert.equal(ok(podWith([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }])), true);
    assert.equal(ok(podWith([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n2'] }] }])), false);
    assert.equal(ok(podWith([{ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['n2'] }] }])), true);
    assert.equal(ok(podWith([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1', 'n2'] }] }])), false);
    assert.equal(ok(podWith([{ matchFields: [{ key: 'metadata.uid', operator: 'In', values: ['n1'] }] }])), false);
    assert.equal(ok(podWith([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }], matchExpressions: [{ key: 'zone', operator: 'In', values: ['z2'] }] }])), false);
  });

  it('needs both nodeSelector and required affinity', () => {
    const pod = makePod('p', { nodeSelector: { zone: 'z1' }, affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator: 'In', values: ['hdd'] }] }] } } } });
    assert.equal(ok(pod), false);
  });

  it('skips its Filter and Score for pods without constraints or preferences', () => {
    const state = new CycleState(makePod('p'));
    assert.equal(affinity.plugin.preFilter(makePod('p'), state, new Snapshot()).code, 'Skip');
    assert.equal(affinity.plugin.preScore(makePod('p'), state, [], new Snapshot()).code, 'Skip');
  });

  it('scores the preferred terms by weight, normalized to 0-100', () => {
    const pod = makePod('p', {
      affinity: {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 2, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['z1'] }] } },
            { weight: 8, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } },
            { weight: 50, preference: {} },
          ],
        },
      },
    });
    const nodes = [
      info('both', { labels: { zone: 'z1', disk: 'ssd' } }),
      info('ssd', { labels: { disk: 'ssd' } }),
      info('z1', { labels: { zone: 'z1' } }),
      info('none'),
    ];
    assert.deepEqual(scoreAll(affinity.plugin, pod, nodes), [100, 80, 20, 0]);
    assert.deepEqual(scoreAll(affinity.plugin, pod, [info('none')]), [0]);
  });
});

describe('NodeResourcesFit', () => {
  it('sums containers, takes the max of init containers, adds sidecars and overhead', () => {
    const pod = makePod('p', {
      containers: [
        { name: 'a', resources: { requests: { cpu: '250m', memory: '64Mi' } } },
        { name: 'b', resources: { requests: { cpu: '0.5', memory: '1Gi' } } },
      ],
      initContainers: [
        { name: 'i1', resources: { requests: { cpu: '2', memory: '10Mi' } } },
        { name: 'i2', resources: { requests: { cpu: '100m', memory: '2Gi' } } },
      ],
      overhead: { cpu: '10m', memory: '1Mi' },
    });
    const r = computePodRequests(pod);
    assert.equal(r.milliCPU, 2000 + 10);
    assert.equal(r.memory, 2 * 1024 ** 3 + 1024 ** 2);

    // A sidecar (restartable init container) runs with the app containers and with every later init container.
    const withSidecar = makePod('p', {
      containers: [{ name: 'a', resources: { requests: { cpu: '1' } } }],
      initContainers: [
        { name: 'side', restartPolicy: 'Always', resources: { requests: { cpu: '500m' } } },
        { name: 'init', resources: { requests: { cpu: '1200m' } } },
      ],
    });
    assert.equal(computePodRequests(withSidecar).milliCPU, 1700);
  });

  it('defaults missing cpu/memory requests only for scoring', () => {
    const pi = podInfoOf(makePod('p', { containers: [{ name: 'a' }, { name: 'b', resources: { requests: { cpu: '0' } } }] }));
    assert.equal(pi.requests.milliCPU, 0);
    assert.equal(pi.requests.memory, 0);
    assert.equal(pi.nonZeroMilliCPU, 100, 'an explicit 0 stays 0');
    assert.equal(pi.nonZeroMemory, 2 * 200 * 1024 * 1024);
  });

  it('rejects pods that exceed allocatable minus requested, with every reason', () => {
    const node = info('n', { cpu: '2', memory: '4Gi', pods: '3' }, [makePod('a', { cpu: '1500m', memory: '1Gi' })]);
    assert.equal(filterWith(fit.plugin, makePod('p', { cpu: '500m', memory: '3Gi' }), node).code, 'Success');
    let s = filterWith(fit.plugin, makePod('p', { cpu: '501m' }), node);
    assert.equal(s.code, 'Unschedulable');
    assert.deepEqual(s.reasons, ['Insufficient cpu']);
    s = filterWith(fit.plugin, makePod('p', { cpu: '1', memory: '3073Mi' }), node);
    assert.deepEqual(s.reasons, ['Insufficient cpu', 'Insufficient memory']);
    node.addPod(podInfoOf(makePod('b')));
    node.addPod(podInfoOf(makePod('c')));
    s = filterWith(fit.plugin, makePod('p', { cpu: '4' }), node);
    assert.deepEqual(s.reasons, ['Too many pods', 'Insufficient cpu']);
  });

  it('admits zero-request pods onto a full node but not past the pod limit', () => {
    const node = info('n', { cpu: '1', pods: '2' }, [makePod('a', { cpu: '2' })]);
    assert.equal(filterWith(fit.plugin, makePod('p'), node).code, 'Success');
    node.addPod(podInfoOf(makePod('b')));
    assert.deepEqual(filterWith(fit.plugin, makePod('p'), node).reasons, ['Too many pods']);
    assert.deepEqual(filterWith(fit.plugin, makePod('p'), info('nopods', { pods: '0' })).reasons, ['Too many pods']);
  });

  it('accounts extended resources and ephemeral storage', () => {
    const node = info('n', { extra: { 'example.com/gpu': '2', 'ephemeral-storage': '10Gi' } }, [makePod('a', { requests: { 'example.com/gpu': '1' } })]);
    assert.equal(filterWith(fit.plugin, makePod('p', { requests: { 'example.com/gpu': '1' } }), node).code, 'Success');
    assert.deepEqual(filterWith(fit.plugin, makePod('p', { requests: { 'example.com/gpu': '2' } }), node).reasons, ['Insufficient example.com/gpu']);
    assert.deepEqual(filterWith(fit.plugin, makePod('p', { requests: { 'other.io/fpga': '1' } }), node).reasons, ['Insufficient other.io/fpga']);
    assert.deepEqual(filterWith(fit.plugin, makePod('p', { requests: { 'ephemeral-storage': '11Gi' } }), node).reasons, ['Insufficient ephemeral-storage']);
  });
});

describe('NodePorts', () => {
  const existing = (...hp: { hostPort: number; protocol?: string; hostIP?: string }[]) => info('n', {}, [makePod('a', { hostPorts: hp })]);
  const fitsOn = (ni: NodeInfo, hp: { hostPort: number; protocol?: string; hostIP?: string }) => filterWith(ports.plugin, makePod('p', { hostPorts: [hp] }), ni);

  it('rejects a used protocol/port, with wildcard 0.0.0.0 semantics', () => {
    const cases: [{ hostPort: number; protocol?: string; hostIP?: string }, { hostPort: number; protocol?: string; hostIP?: string }, boolean][] = [
      [{ hostPort: 80 }, { hostPort: 80 }, false],
      [{ hostPort: 80 }, { hostPort: 8080 }, true],
      [{ hostPort: 80 }, { hostPort: 80, protocol: 'UDP' }, true],
      [{ hostPort: 80, protocol: 'TCP' }, { hostPort: 80 }, false],
      [{ hostPort: 80, hostIP: '10.0.0.1' }, { hostPort: 80, hostIP: '10.0.0.2' }, true],
      [{ hostPort: 80, hostIP: '10.0.0.1' }, { hostPort: 80, hostIP: '10.0.0.1' }, false],
      [{ hostPort: 80, hostIP: '10.0.0.1' }, { hostPort: 80 }, false],
      [{ hostPort: 80, hostIP: '10.0.0.1' }, { hostPort: 80, hostIP: '0.0.0.0' }, false],
      [{ hostPort: 80 }, { hostPort: 80, hostIP: '10.0.0.1' }, false],
      [{ hostPort: 80, hostIP: '0.0.0.0', protocol: 'UDP' }, { hostPort: 80, hostIP: '10.0.0.1', protocol: 'TCP' }, true],
    ];
    for (const [have, want, fits] of cases) {
      const s = fitsOn(existing(have), want);
      assert.equal(s.code === 'Success', fits, `${JSON.stringify(have)} vs ${JSON.stringify(want)}`);
      if (!fits) {
        assert.equal(s.code, 'Unschedulable');
        assert.deepEqual(s.reasons, ["node(s) didn't have free ports for the requested pod ports"]);
      }
    }
  });

  it('skips pods without host ports and frees ports when pods leave', () => {
    assert.equal(ports.plugin.preFilter(makePod('p'), new CycleState(makePod('p')), new Snapshot()).code, 'Skip');
    const a = makePod('a', { hostPorts: [{ hostPort: 80 }] });
    const b = makePod('b', { hostPorts: [{ hostPort: 80, hostIP: '10.0.0.1' }] });
    const ni = info('n', {}, [a, b]);
    assert.equal(fitsOn(ni, { hostPort: 80, hostIP: '10.0.0.2' }).code, 'Unschedulable');
    ni.removePod(podInfoOf(a).key);
    assert.equal(fitsOn(ni, { hostPort: 80, hostIP: '10.0.0.2' }).code, 'Success');
    assert.equal(fitsOn(ni, { hostPort: 80 }).code, 'Unschedulable');
    ni.removePod(podInfoOf(b).key);
    assert.equal(fitsOn(ni, { hostPort: 80 }).code, 'Success');
  });
});

describe('NodeResourcesFit score (LeastAllocated)', () => {
  it('computes kube-scheduler leastRequestedScore', () => {
    assert.equal(least.leastRequestedScore(1000, 4000), 75);
    assert.equal(least.leastRequestedScore(3999, 4000), 0);
    assert.equal(least.leastRequestedScore(5000, 4000), 0);
    assert.equal(least.leastRequestedScore(0, 0), 0);
    assert.equal(least.leastAllocatedScore([2000, 6], [4000, 8]), 37, '(50 + 25) / 2, truncated');
    assert.equal(least.leastAllocatedScore([2000, 6], [4000, 0]), 50, 'a resource without allocatable is left out');
  });

  it('scores cpu and memory on the fast path exactly as the general formula', () => {
    const cases: [number, number, number, number][] = [[2000, 6, 4000, 8], [2000, 6, 4000, 0], [0, 0, 0, 0], [5000, 1, 4000, 3], [333, 7 * 2 ** 30, 4000, 32 * 2 ** 30]];
    for (const [c, m, ac, am] of cases) {
      assert.equal(least.cpuMemoryScore(c, m, ac, am), least.leastAllocatedScore([c, m], [ac, am]), `least ${[c, m, ac, am]}`);
      assert.equal(balanced.cpuMemoryScore(c, m, ac, am), balanced.balancedScore([c, m], [ac, am]), `balanced ${[c, m, ac, am]}`);
    }
  });

  it('averages cpu and memory left after placing the pod', () => {
    const pod = makePod('p', { cpu: '1', memory: '2Gi' });
    assert.equal(least.score(pod, info('empty')), 75);
    assert.equal(least.score(pod, info('busy', {}, [makePod('a', { cpu: '1', memory: '4Gi' })])), 37);
    assert.equal(least.score(pod, info('small', { cpu: '500m' })), 37, 'over capacity scores 0 for cpu');
  });

  it('counts pods without requests as 100m and 200Mi', () => {
    assert.equal(least.score(makePod('p'), info('n')), 97);
    const crowded = info('n', {}, Array.from({ length: 10 }, (_, i) => makePod(`be${i}`)));
    // 11 x 100m of 4000m -> 72; 11 x 200Mi of 8Gi -> 73; average 72.
    assert.equal(least.score(makePod('p'), crowded), 72);
  });
});

describe('NodeResourcesBalancedAllocation', () => {
  it('scores 100 * (1 - std of the cpu and memory fractions)', () => {
    assert.equal(balanced.balancedScore([1000, 2], [4000, 8]), 100);
    assert.equal(balanced.balancedScore([2000, 1], [4000, 8]), 81);
    assert.equal(balanced.balancedScore([8000, 0], [4000, 8]), 50, 'fractions are capped at 1');
    assert.equal(balanced.balancedScore([1, 2, 3], [0, 0, 0]), 100);
    assert.equal(balanced.balancedScore([1, 1, 0], [2, 2, 2]), 76, 'three resources use the full formula');
  });

  it('counts actual requests and skips best-effort pods', () => {
    const node = info('n', {}, [makePod('a', { cpu: '1' })]);
    assert.deepEqual(scoreAll(balanced.plugin, makePod('p', { cpu: '1', memory: '4Gi' }), [node]), [100]);
    assert.deepEqual(scoreAll(balanced.plugin, makePod('p', { memory: '4Gi' }), [node]), [87]);
    assert.equal(scoreAll(balanced.plugin, makePod('p'), [node]), 'skip');
  });
});

describe('defaultNormalizeScore', () => {
  it('scales to 100 with integer division, optionally reversed', () => {
    const s = [1, 2, 3];
    defaultNormalizeScore(s, false);
    assert.deepEqual(s, [33, 66, 100]);
    const r = [1, 2, 3];
    defaultNormalizeScore(r, true);
    assert.deepEqual(r, [67, 34, 0]);
    const z = [0, 0];
    defaultNormalizeScore(z, true);
    assert.deepEqual(z, [100, 100]);
  });
});
