// InterPodAffinity: kube-scheduler 1.32's filtering_test.go and scoring_test.go tables
// (the cases that apply), the PreFilterExtensions, the NodeInfo/Snapshot lists of pods with
// affinity, the plugin inside whole decisions (schedule-one) with kube-scheduler's
// FailedScheduling wording, and the apiserver's matchLabelKeys merge at pod create.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Affinity, Node, Pod, PodAffinityTerm } from '../../api/types/core.js';
import type { LabelSelector, LabelSelectorRequirement } from '../../api/types/meta.js';

type Op = LabelSelectorRequirement['operator'];
import { validateAffinity } from '../../api/validation/scheduling.js';
import { mutatePodAffinity } from '../../apiserver/registry/pods.js';
import { buildFramework } from '../../scheduler/config.js';
import { CycleState, type Status } from '../../scheduler/framework.js';
import { podInfoOf, Snapshot } from '../../scheduler/node-info.js';
import {
  ERR_REASON_AFFINITY_RULES_NOT_MATCH, ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH, ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH,
  interPodAffinityPlugin, type InterPodAffinityArgs, NAME, plugin, PreFilterState,
} from '../../scheduler/plugins/inter-pod-affinity.js';
import {
  ASSIGNED_POD_ADD, ASSIGNED_POD_DELETE, ASSIGNED_POD_UPDATE_LABEL, assignedPodUpdateEvent, nodeUpdateEvent, SchedulingQueue,
} from '../../scheduler/queue.js';
import { ScheduleAlgorithm } from '../../scheduler/schedule-one.js';
import { makeNode, makePod } from './fixtures.js';

// ---- builders in the manner of kube-scheduler's st.MakePod ----

let seq = 0;

class PodWrapper {
  readonly pod: Pod;

  constructor() {
    this.pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: '', namespace: '', uid: `uid-${++seq}` }, spec: { containers: [] } };
  }

  name(n: string): this {
    this.pod.metadata.name = n;
    return this;
  }

  namespace(ns: string): this {
    this.pod.metadata.namespace = ns;
    return this;
  }

  node(n: string): this {
    this.pod.spec!.nodeName = n;
    return this;
  }

  labels(l: Record<string, string>): this {
    this.pod.metadata.labels = { ...this.pod.metadata.labels, ...l };
    return this;
  }

  label(k: string, v: string): this {
    return this.labels({ [k]: v });
  }

  affinity(a: Affinity): this {
    this.pod.spec!.affinity = a;
    return this;
  }

  private term(kind: 'podAffinity' | 'podAntiAffinity', key: string, topologyKey: string, operator: Op, values?: string[]): this {
    const a = (this.pod.spec!.affinity ??= {});
    const pa = (a[kind] ??= {});
    const t: PodAffinityTerm = { labelSelector: { matchExpressions: [{ key, operator, values }] }, topologyKey };
    (pa.requiredDuringSchedulingIgnoredDuringExecution ??= []).push(t);
    return this;
  }

  podAffinityIn(key: string, topo: string, values: string[]): this { return this.term('podAffinity', key, topo, 'In', values); }
  podAffinityNotIn(key: string, topo: string, values: string[]): this { return this.term('podAffinity', key, topo, 'NotIn', values); }
  podAffinityExists(key: string, topo: string): this { return this.term('podAffinity', key, topo, 'Exists'); }
  podAntiAffinityIn(key: string, topo: string, values: string[]): this { return this.term('podAntiAffinity', key, topo, 'In', values); }
  podAntiAffinityNotIn(key: string, topo: string, values: string[]): this { return this.term('podAntiAffinity', key, topo, 'NotIn', values); }
  podAntiAffinityExists(key: string, topo: string): this { return this.term('podAntiAffinity', key, topo, 'Exists'); }

  obj(): Pod {
    return this.pod;
  }
}

const makeP = (): PodWrapper => new PodWrapper();

function node(name: string, labels: Record<string, string>): Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels }, spec: {}, status: {} };
}

const NAMESPACES = [
  { name: 'subteam1.team1', labels: { team: 'team1' } },
  { name: 'subteam2.team1', labels: { team: 'team1' } },
  { name: 'subteam1.team2', labels: { team: 'team2' } },
  { name: 'subteam2.team2', labels: { team: 'team2' } },
];

function snapshotOf(pods: readonly Pod[], nodes: readonly Node[], namespaces: readonly { name: string; labels: Record<string, string> }[] = NAMESPACES): Snapshot {
  const s = new Snapshot();
  for (const n of nodes) s.setNode(n);
  for (const p of pods) s.addPod(p);
  for (const ns of namespaces) s.setNamespace({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns.name, labels: ns.labels } });
  return s;
}

/** createPodWithAffinityTerms of filtering_test.go. */
function withTerms(namespace: string, labels: Record<string, string>, affinity?: PodAffinityTerm[], anti?: PodAffinityTerm[]): Pod {
  return makeP().namespace(namespace).labels(labels).affinity({
    podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: affinity },
    podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: anti },
  }).obj();
}

const expr = (key: string, operator: Op, values?: string[]): LabelSelector['matchExpressions'] => [{ key, operator, values }];

const OK = 'Success';
const SKIPPED = 'Skip';
const AFF = { code: 'UnschedulableAndUnresolvable', reasons: [ERR_REASON_AFFINITY_RULES_NOT_MATCH] };
const ANTI = { code: 'Unschedulable', reasons: [ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH] };
const EXISTING = { code: 'Unschedulable', reasons: [ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH] };
type Want = typeof OK | { code: string; reasons: string[] };

const simple = (s: Status): Want => (s.code === 'Success' ? OK : { code: s.code, reasons: [...s.reasons] });

describe('InterPodAffinity Filter: one node (TestRequiredAffinitySingleNode)', () => {
  const podLabel = { service: 'securityscan' };
  const podLabel2 = { security: 'S1' };
  const node1 = node('node1', { region: 'r1', zone: 'z11' });
  const existing = (): Pod => makeP().labels(podLabel).node('node1').obj();
  const team1Selector: LabelSelector = { matchExpressions: expr('team', 'In', ['team1']) };
  const serviceIn: LabelSelector = { matchExpressions: expr('service', 'In', ['securityscan', 'value2']) };

  const cases: { name: string; pod: Pod; pods?: Pod[]; preFilter?: Want | typeof SKIPPED; filter?: Want }[] = [
    { name: 'a pod without required pod affinity: PreFilter skips', pod: makeP().obj(), preFilter: SKIPPED },
    {
      name: 'satisfies required PodAffinity using In that matches the existing pod',
      pod: makeP().labels(podLabel2).podAffinityIn('service', 'region', ['securityscan', 'value2']).obj(), pods: [existing()], filter: OK,
    },
    {
      name: 'satisfies required PodAffinity using NotIn that matches the existing pod',
      pod: makeP().labels(podLabel2).podAffinityNotIn('service', 'region', ['securityscan3', 'value3']).obj(), pods: [existing()], filter: OK,
    },
    {
      name: 'does not satisfy PodAffinity because of a different namespace',
      pod: withTerms('', podLabel2, [{ labelSelector: serviceIn, namespaces: ['DiffNameSpace'], topologyKey: '' }]),
      pods: [makeP().namespace('ns').label('service', 'securityscan').node('node1').obj()], filter: AFF,
    },
    {
      name: "doesn't satisfy PodAffinity because the labelSelector does not match the existing pod",
      pod: makeP().labels(podLabel).podAffinityIn('service', '', ['antivirusscan', 'value2']).obj(), pods: [existing()], filter: AFF,
    },
    {
      name: 'satisfies PodAffinity with different operators in several required terms',
      pod: withTerms('', podLabel2, [
        { labelSelector: { matchExpressions: [{ key: 'service', operator: 'Exists' }, { key: 'wrongkey', operator: 'DoesNotExist' }] }, topologyKey: 'region' },
        { labelSelector: { matchExpressions: [{ key: 'service', operator: 'In', values: ['securityscan'] }, { key: 'service', operator: 'NotIn', values: ['WrongValue'] }] }, topologyKey: 'region' },
      ]),
      pods: [existing()], filter: OK,
    },
    {
      name: 'matchExpressions are ANDed: one item does not match',
      pod: withTerms('', podLabel2, [
        { labelSelector: { matchExpressions: [{ key: 'service', operator: 'Exists' }, { key: 'wrongkey', operator: 'DoesNotExist' }] }, topologyKey: 'region' },
        { labelSelector: { matchExpressions: [{ key: 'service', operator: 'In', values: ['securityscan2'] }, { key: 'service', operator: 'NotIn', values: ['WrongValue'] }] }, topologyKey: 'region' },
      ]),
      pods: [existing()], filter: AFF,
    },
    {
      name: 'satisfies PodAffinity and PodAntiAffinity with the existing pod',
      pod: makeP().labels(podLabel2).podAffinityIn('service', 'region', ['securityscan', 'value2']).podAntiAffinityIn('service', 'node', ['antivirusscan', 'value2']).obj(),
      pods: [existing()], filter: OK,
    },
    {
      name: 'satisfies PodAffinity, PodAntiAffinity and the existing pod\'s anti-affinity (symmetry)',
      pod: makeP().labels(podLabel2).podAffinityIn('service', 'region', ['securityscan', 'value2']).podAntiAffinityIn('service', 'node', ['antivirusscan', 'value2']).obj(),
      pods: [makeP().node('node1').labels(podLabel).podAntiAffinityIn('service', 'node', ['antivirusscan', 'value2']).obj()], filter: OK,
    },
    {
      name: "satisfies PodAffinity but doesn't satisfy PodAntiAffinity with the existing pod",
      pod: makeP().labels(podLabel2).podAffinityIn('service', 'region', ['securityscan', 'value2']).podAntiAffinityIn('service', 'zone', ['securityscan', 'value2']).obj(),
      pods: [existing()], filter: ANTI,
    },
    {
      name: "satisfies PodAffinity and PodAntiAffinity but doesn't satisfy the existing pod's anti-affinity",
      pod: makeP().labels(podLabel).podAffinityIn('service', 'region', ['securityscan', 'value2']).podAntiAffinityIn('service', 'node', ['antivirusscan', 'value2']).obj(),
      pods: [makeP().labels(podLabel).node('node1').podAntiAffinityIn('service', 'zone', ['securityscan', 'value2']).obj()], filter: EXISTING,
    },
    {
      name: 'pod matches its own label in PodAffinity and that matches the existing pod labels (on another node)',
      pod: makeP().labels(podLabel).podAffinityNotIn('service', 'region', ['securityscan', 'value2']).obj(),
      pods: [makeP().label('service', 'securityscan').node('node2').obj()], filter: AFF,
    },
    {
      name: "an existing pod's anti-affinity is respected when the pod has none: violated",
      pod: makeP().labels(podLabel).obj(),
      pods: [makeP().node('node1').labels(podLabel).podAntiAffinityIn('service', 'zone', ['securityscan', 'value2']).obj()], filter: EXISTING,
    },
    {
      name: "an existing pod's anti-affinity is respected when the pod has none: satisfied, so PreFilter skips",
      pod: makeP().labels(podLabel).obj(),
      pods: [makeP().node('node1').labels(podLabel).podAntiAffinityNotIn('service', 'zone', ['securityscan', 'value2']).obj()], preFilter: SKIPPED,
    },
    {
      name: "satisfies PodAntiAffinity with the existing pod but not the existing pod's anti-affinity toward the incoming pod",
      pod: makeP().labels(podLabel).podAntiAffinityExists('service', 'region').podAntiAffinityExists('security', 'region').obj(),
      pods: [makeP().node('node1').labels(podLabel2).podAntiAffinityExists('security', 'zone').obj()], filter: ANTI,
    },
    {
      name: 'symmetry a1: incoming and existing pods partially match each other',
      pod: makeP().labels(podLabel).podAntiAffinityExists('service', 'zone').podAntiAffinityExists('security', 'zone').obj(),
      pods: [makeP().node('node1').labels(podLabel2).podAntiAffinityExists('security', 'zone').obj()], filter: ANTI,
    },
    {
      name: 'symmetry a2: incoming and existing pods partially match each other',
      pod: makeP().labels(podLabel2).podAntiAffinityExists('security', 'zone').obj(),
      pods: [makeP().node('node1').labels(podLabel).podAntiAffinityExists('service', 'zone').podAntiAffinityExists('security', 'zone').obj()], filter: EXISTING,
    },
    {
      name: 'symmetry b1',
      pod: makeP().labels({ abc: '', xyz: '' }).podAntiAffinityExists('abc', 'zone').podAntiAffinityExists('def', 'zone').obj(),
      pods: [makeP().node('node1').labels({ def: '', xyz: '' }).podAntiAffinityExists('abc', 'zone').podAntiAffinityExists('def', 'zone').obj()], filter: ANTI,
    },
    {
      name: 'symmetry b2',
      pod: makeP().labels({ def: '', xyz: '' }).podAntiAffinityExists('abc', 'zone').podAntiAffinityExists('def', 'zone').obj(),
      pods: [makeP().node('node1').labels({ abc: '', xyz: '' }).podAntiAffinityExists('abc', 'zone').podAntiAffinityExists('def', 'zone').obj()], filter: ANTI,
    },
    {
      name: 'affinity with a NamespaceSelector',
      pod: withTerms('', podLabel2, [{ labelSelector: serviceIn, namespaceSelector: team1Selector, topologyKey: 'region' }]),
      pods: [makeP().node('node1').namespace('subteam1.team1').labels(podLabel).obj()], filter: OK,
    },
    {
      name: 'affinity with a non-matching NamespaceSelector',
      pod: withTerms('', podLabel2, [{ labelSelector: serviceIn, namespaceSelector: team1Selector, topologyKey: 'region' }]),
      pods: [makeP().node('node1').namespace('subteam1.team2').labels(podLabel).obj()], filter: AFF,
    },
    {
      name: 'anti-affinity with a matching NamespaceSelector',
      pod: withTerms('subteam1.team1', podLabel2, undefined, [{ labelSelector: serviceIn, namespaceSelector: team1Selector, topologyKey: 'zone' }]),
      pods: [makeP().node('node1').namespace('subteam2.team1').labels(podLabel).obj()], filter: ANTI,
    },
    {
      name: 'anti-affinity with an empty NamespaceSelector (all namespaces)',
      pod: withTerms('subteam1.team1', podLabel2, undefined, [{ labelSelector: serviceIn, namespaceSelector: {}, topologyKey: 'zone' }]),
      pods: [makeP().node('node1').namespace('subteam2.team1').labels(podLabel).obj()], filter: ANTI,
    },
    {
      name: 'anti-affinity with a non-matching NamespaceSelector',
      pod: withTerms('subteam1.team1', podLabel2, undefined, [{ labelSelector: serviceIn, namespaceSelector: team1Selector, topologyKey: 'zone' }]),
      pods: [makeP().node('node1').namespace('subteam1.team2').labels(podLabel).obj()], filter: OK,
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const snapshot = snapshotOf(c.pods ?? [], [node1]);
      const state = new CycleState(c.pod);
      const pre = plugin.preFilter(c.pod, state, snapshot);
      if (c.preFilter === SKIPPED) {
        assert.equal(pre.code, 'Skip');
        return;
      }
      assert.equal(pre.code, 'Success', JSON.stringify(pre));
      assert.deepEqual(simple(plugin.filter(c.pod, snapshot.get('node1')!, state)), c.filter);
    });
  }

  it('a selector that does not parse fails PreFilter as UnschedulableAndUnresolvable with NewPodInfo\'s wording', () => {
    const pod = makeP().labels(podLabel).podAffinityIn('service', 'region', ['{{.bad-value.}}']).podAffinityIn('service', 'node', ['antivirusscan', 'value2']).obj();
    const s = plugin.preFilter(pod, new CycleState(pod), snapshotOf([], [node1]));
    assert.equal(s.code, 'UnschedulableAndUnresolvable');
    assert.deepEqual(s.reasons, [
      `parsing pod: requiredAffinityTerms: values[0][service]: Invalid value: "{{.bad-value.}}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
    ]);
  });

  it('Filter without PreFilter is an Error (TestPreFilterDisabled)', () => {
    const pod = makeP().obj();
    const s = plugin.filter(pod, snapshotOf([], [node1]).get('node1')!, new CycleState(pod));
    assert.deepEqual(simple(s), { code: 'Error', reasons: ['error reading "PreFilterInterPodAffinity" from cycleState: not found'] });
  });
});

describe('InterPodAffinity Filter: several nodes (TestRequiredAffinityMultipleNodes)', () => {
  const rgChina = { region: 'China' };
  const rgChinaAz1 = { region: 'China', az: 'az1' };
  const rgIndia = { region: 'India' };
  const hostLabels = (name: string, zone: string): Record<string, string> => ({ region: 'r1', zone, hostname: name });

  const cases: { name: string; pod: Pod; pods: Pod[]; nodes: Node[]; preFilter?: typeof SKIPPED; want: Want[] }[] = [
    {
      name: 'all nodes with the same topology value as the node of a matching pod fit',
      pod: makeP().podAffinityIn('foo', 'region', ['bar']).obj(),
      pods: [makeP().name('p1').node('node1').labels({ foo: 'bar' }).obj()],
      nodes: [node('node1', rgChina), node('node2', rgChinaAz1), node('node3', rgIndia)],
      want: [OK, OK, AFF],
    },
    {
      name: 'the first pod of a collection with affinity to itself is not blocked when no pod matches anywhere',
      pod: makeP().labels({ foo: 'bar', service: 'securityscan' }).podAffinityIn('foo', 'zone', ['bar']).podAffinityIn('service', 'zone', ['securityscan']).obj(),
      pods: [makeP().name('p1').node('nodeA').labels({ foo: 'bar' }).obj()],
      nodes: [node('nodeA', { zone: 'az1', hostname: 'h1' }), node('nodeB', { zone: 'az2', hostname: 'h2' })],
      want: [OK, OK],
    },
    {
      name: 'the first pod of a collection still needs nodes with the topology keys',
      pod: makeP().labels({ foo: 'bar', service: 'securityscan' }).podAffinityIn('foo', 'zone', ['bar']).podAffinityIn('service', 'zone', ['securityscan']).obj(),
      pods: [makeP().name('p1').node('nodeA').labels({ foo: 'bar' }).obj()],
      nodes: [node('nodeA', { zoneLabel: 'az1', hostname: 'h1' }), node('nodeB', { zoneLabel: 'az2', hostname: 'h2' })],
      want: [AFF, AFF],
    },
    {
      name: 'anti-affinity: nodes sharing the topology value with a matching pod are excluded',
      pod: makeP().podAntiAffinityIn('foo', 'region', ['abc']).obj(),
      pods: [makeP().node('nodeA').labels({ foo: 'abc' }).obj()],
      nodes: [node('nodeA', { region: 'r1', hostname: 'nodeA' }), node('nodeB', { region: 'r1', hostname: 'nodeB' })],
      want: [ANTI, ANTI],
    },
    {
      name: 'anti-affinity matches a pod when any term matches',
      pod: makeP().podAntiAffinityIn('foo', 'region', ['abc']).podAntiAffinityIn('service', 'zone', ['securityscan']).obj(),
      pods: [makeP().node('nodeA').labels({ foo: 'abc', service: 'securityscan' }).obj()],
      nodes: [node('nodeA', { region: 'r1', zone: 'z1', hostname: 'nodeA' }), node('nodeB', { region: 'r1', zone: 'z2', hostname: 'nodeB' })],
      want: [ANTI, ANTI],
    },
    {
      name: 'anti-affinity: a node in another region fits',
      pod: makeP().podAntiAffinityIn('foo', 'region', ['abc']).obj(),
      pods: [makeP().node('nodeA').labels({ foo: 'abc' }).obj()],
      nodes: [node('nodeA', rgChina), node('nodeB', rgChinaAz1), node('nodeC', rgIndia)],
      want: [ANTI, ANTI, OK],
    },
    {
      name: "an existing pod's anti-affinity in another namespace does not apply",
      pod: makeP().namespace('NS1').labels({ foo: '123' }).podAntiAffinityIn('foo', 'region', ['bar']).obj(),
      pods: [
        makeP().node('nodeA').namespace('NS1').labels({ foo: 'bar' }).obj(),
        makeP().node('nodeC').namespace('NS2').podAntiAffinityIn('foo', 'region', ['123']).obj(),
      ],
      nodes: [node('nodeA', rgChina), node('nodeB', rgChinaAz1), node('nodeC', rgIndia)],
      want: [ANTI, ANTI, OK],
    },
    {
      name: "existing pod's anti-affinity with a topology key no node has: PreFilter skips",
      pod: makeP().label('foo', '').obj(),
      pods: [makeP().node('nodeA').podAntiAffinityExists('foo', 'invalid-node-label').obj()],
      nodes: [node('nodeA', hostLabels('nodeA', 'z1')), node('nodeB', hostLabels('nodeB', 'z1'))],
      preFilter: SKIPPED, want: [],
    },
    {
      name: "incoming pod's anti-affinity: a matching selector still needs the topology key",
      pod: makeP().node('nodeA').podAntiAffinityExists('foo', 'invalid-node-label').obj(),
      pods: [makeP().node('nodeA').labels({ foo: '' }).obj()],
      nodes: [node('nodeA', hostLabels('nodeA', 'z1')), node('nodeB', hostLabels('nodeB', 'z1'))],
      want: [OK, OK],
    },
    {
      name: "existing pods' anti-affinity: each violated on all nodes",
      pod: makeP().label('foo', '').label('bar', '').obj(),
      pods: [makeP().node('nodeA').podAntiAffinityExists('foo', 'zone').obj(), makeP().node('nodeA').podAntiAffinityExists('bar', 'region').obj()],
      nodes: [node('nodeA', hostLabels('nodeA', 'z1')), node('nodeB', hostLabels('nodeB', 'z2'))],
      want: [EXISTING, EXISTING],
    },
    {
      name: "incoming pod's anti-affinity: at least one term violated on every node",
      pod: makeP().podAntiAffinityExists('foo', 'zone').podAntiAffinityExists('bar', 'region').obj(),
      pods: [makeP().node('nodeA').labels({ foo: '' }).obj(), makeP().node('nodeB').labels({ bar: '' }).obj()],
      nodes: [node('nodeA', hostLabels('nodeA', 'z1')), node('nodeB', hostLabels('nodeB', 'z2'))],
      want: [ANTI, ANTI],
    },
    {
      name: "existing pod's anti-affinity: a term counts only when selector and topology key both match (one invalid key)",
      pod: makeP().label('foo', '').label('bar', '').obj(),
      pods: [makeP().node('nodeA').podAntiAffinityExists('foo', 'invalid-node-label').podAntiAffinityExists('bar', 'zone').obj()],
      nodes: [node('nodeA', hostLabels('nodeA', 'z1')), node('nodeB', hostLabels('nodeB', 'z2'))],
      want: [EXISTING, OK],
    },
    {
      name: "incoming pod's anti-affinity: a term counts only when selector and topology key both match (one invalid key)",
      pod: makeP().podAntiAffinityExists('foo', 'invalid-node-label').podAntiAffinityExists('bar', 'zone').obj(),
      pods: [makeP().name('podA').node('nodeA').labels({ foo: '', bar: '' }).obj()],
      nodes: [node('nodeA', hostLabels('nodeA', 'z1')), node('nodeB', hostLabels('nodeB', 'z2'))],
      want: [ANTI, OK],
    },
    {
      name: "existing pod's anti-affinity: all terms with valid topology keys",
      pod: makeP().label('foo', '').label('bar', '').obj(),
      pods: [makeP().node('nodeA').podAntiAffinityExists('foo', 'region').podAntiAffinityExists('bar', 'zone').obj()],
      nodes: [node('nodeA', hostLabels('nodeA', 'z1')), node('nodeB', hostLabels('nodeB', 'z2'))],
      want: [EXISTING, EXISTING],
    },
    {
      name: "incoming pod's anti-affinity: all terms with valid topology keys",
      pod: makeP().podAntiAffinityExists('foo', 'region').podAntiAffinityExists('bar', 'zone').obj(),
      pods: [makeP().node('nodeA').labels({ foo: '', bar: '' }).obj()],
      nodes: [node('nodeA', hostLabels('nodeA', 'z1')), node('nodeB', hostLabels('nodeB', 'z2'))],
      want: [ANTI, ANTI],
    },
    {
      name: "existing pods on nodeA and nodeB each have a term matching the incoming pod: only nodeC fits",
      pod: makeP().label('foo', '').label('bar', '').obj(),
      pods: [
        makeP().node('nodeA').podAntiAffinityExists('foo', 'zone').podAntiAffinityExists('labelA', 'zone').obj(),
        makeP().node('nodeB').podAntiAffinityExists('bar', 'zone').podAntiAffinityExists('labelB', 'zone').obj(),
      ],
      nodes: [node('nodeA', hostLabels('nodeA', 'z1')), node('nodeB', hostLabels('nodeB', 'z2')), node('nodeC', hostLabels('nodeC', 'z3'))],
      want: [EXISTING, EXISTING, OK],
    },
    {
      name: "incoming pod's affinity: all terms match one pod, then all topology keys",
      pod: makeP().podAffinityExists('foo', 'region').podAffinityExists('bar', 'zone').obj(),
      pods: [makeP().name('pod1').labels({ foo: '', bar: '' }).node('nodeA').obj()],
      nodes: [node('nodeA', hostLabels('nodeA', 'z1')), node('nodeB', hostLabels('nodeB', 'z1'))],
      want: [OK, OK],
    },
    {
      name: "incoming pod's affinity: the terms must be satisfied by the same pod",
      pod: makeP().podAffinityExists('foo', 'region').podAffinityExists('bar', 'zone').obj(),
      pods: [makeP().node('nodeA').name('pod1').labels({ foo: '' }).obj(), makeP().node('nodeB').name('pod2').labels({ bar: '' }).obj()],
      nodes: [node('nodeA', hostLabels('nodeA', 'z1')), node('nodeB', hostLabels('nodeB', 'z2'))],
      want: [AFF, AFF],
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const snapshot = snapshotOf(c.pods, c.nodes, [{ name: 'NS1', labels: {} }]);
      const state = new CycleState(c.pod);
      const pre = plugin.preFilter(c.pod, state, snapshot);
      if (c.preFilter === SKIPPED) {
        assert.equal(pre.code, 'Skip');
        return;
      }
      assert.equal(pre.code, 'Success');
      const got = c.nodes.map((n) => simple(plugin.filter(c.pod, snapshot.get(n.metadata.name!)!, state)));
      assert.deepEqual(got, c.want);
    });
  }
});

describe('InterPodAffinity PreFilterExtensions (TestPreFilterStateAddRemovePod)', () => {
  const nodes = [node('nodeA', { region: 'r1', zone: 'z11' }), node('nodeB', { region: 'r1', zone: 'z12' }), node('nodeC', { region: 'r2', zone: 'z21' })];
  const fooBar = { foo: 'bar' };
  const antiFooBar: Affinity['podAntiAffinity'] = {
    requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchExpressions: expr('foo', 'In', ['bar']) }, topologyKey: 'region' }],
  };
  const complexTerms: PodAffinityTerm[] = [
    { labelSelector: { matchExpressions: expr('foo', 'In', ['bar', 'buzz']) }, topologyKey: 'region' },
    { labelSelector: { matchExpressions: expr('service', 'NotIn', ['bar', 'security', 'test']) }, topologyKey: 'zone' },
  ];
  const cases: { name: string; pending: Pod; existing: Pod[]; added: Pod; anti: Record<string, number>; aff: Record<string, number> }[] = [
    {
      name: 'anti-affinity terms are updated after adding and removing a pod',
      pending: makeP().name('pending').labels(fooBar).affinity({ podAntiAffinity: antiFooBar }).obj(),
      existing: [makeP().name('p1').labels(fooBar).node('nodeA').obj(), makeP().name('p2').node('nodeC').affinity({ podAntiAffinity: antiFooBar }).obj()],
      added: makeP().name('addedPod').labels(fooBar).node('nodeB').affinity({ podAntiAffinity: antiFooBar }).obj(),
      anti: { 'region=r1': 2 }, aff: {},
    },
    {
      name: 'complex anti-affinity terms are updated after adding and removing a pod',
      pending: makeP().name('pending').labels(fooBar).affinity({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: complexTerms } }).obj(),
      existing: [makeP().name('p1').labels(fooBar).node('nodeA').obj(), makeP().name('p2').node('nodeC').affinity({ podAntiAffinity: antiFooBar }).obj()],
      added: makeP().name('addedPod').labels(fooBar).node('nodeA').affinity({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: complexTerms } }).obj(),
      anti: { 'region=r1': 2, 'zone=z11': 2, 'zone=z21': 1 }, aff: {},
    },
    {
      name: 'affinity and anti-affinity counts are updated after adding and removing a pod',
      pending: makeP().name('pending').labels(fooBar).affinity({ podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: complexTerms } }).obj(),
      existing: [
        makeP().name('p1').labels(fooBar).node('nodeA').obj(),
        makeP().name('p2').node('nodeC').affinity({ podAntiAffinity: antiFooBar, podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: complexTerms } }).obj(),
      ],
      added: makeP().name('addedPod').labels(fooBar).node('nodeA').affinity({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: complexTerms } }).obj(),
      anti: {}, aff: { 'region=r1': 2, 'zone=z11': 2 },
    },
  ];

  const countsOf = (s: PreFilterState, which: 'antiAffinityCounts' | 'affinityCounts' | 'existingAntiAffinityCounts'): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const n of nodes) {
      for (const [k, v] of Object.entries(n.metadata.labels!)) {
        const c = s[which].get(k, v);
        if (c !== 0) out[`${k}=${v}`] = c;
      }
    }
    return out;
  };
  /** Every count of the state (the representation, shared tallies and changes on top, may differ). */
  const allCounts = (s: PreFilterState): Record<string, Record<string, number>> => ({
    anti: countsOf(s, 'antiAffinityCounts'), aff: countsOf(s, 'affinityCounts'), existing: countsOf(s, 'existingAntiAffinityCounts'),
  });
  const stateFor = (pending: Pod, pods: Pod[]): { state: CycleState; snapshot: Snapshot } => {
    const snapshot = snapshotOf(pods, nodes, []);
    const state = new CycleState(pending);
    assert.equal(plugin.preFilter(pending, state, snapshot).code, 'Success');
    return { state, snapshot };
  };
  const read = (state: CycleState): PreFilterState => state.read<PreFilterState>(`PreFilter${NAME}`)!;

  for (const c of cases) {
    it(c.name, () => {
      const all = allCounts(read(stateFor(c.pending, [...c.existing, c.added]).state));
      const { state, snapshot } = stateFor(c.pending, c.existing);
      const original = allCounts(read(state));
      const nodeInfo = snapshot.get(c.added.spec!.nodeName!)!;
      assert.equal(plugin.preFilterAddPod!(c.pending, state, podInfoOf(c.added), nodeInfo).code, 'Success');
      assert.deepEqual(countsOf(read(state), 'antiAffinityCounts'), c.anti);
      assert.deepEqual(countsOf(read(state), 'affinityCounts'), c.aff);
      assert.deepEqual(allCounts(read(state)), all);
      assert.equal(plugin.preFilterRemovePod!(c.pending, state, podInfoOf(c.added), nodeInfo).code, 'Success');
      assert.deepEqual(allCounts(read(state)), original);
    });
  }

  it('a cloned CycleState carries an independent copy (TestPreFilterStateClone)', () => {
    const { state, snapshot } = stateFor(cases[0].pending, cases[0].existing);
    const copy = state.clone();
    assert.notEqual(read(copy), read(state));
    assert.deepEqual(read(copy), read(state));
    plugin.preFilterAddPod!(cases[0].pending, copy, podInfoOf(cases[0].added), snapshot.get('nodeB')!);
    assert.equal(read(copy).antiAffinityCounts.get('region', 'r1'), 2);
    assert.equal(read(state).antiAffinityCounts.get('region', 'r1'), 1);
  });
});

describe('InterPodAffinity incoming counts (TestGetTPMapMatchingIncomingAffinityAntiAffinity)', () => {
  const nodeA = node('nodeA', { hostname: 'nodeA' });
  const normal = (...labels: string[]): Pod => {
    const w = makeP().name('normal').node('nodeA');
    for (const l of labels) w.label(l, '');
    return w.obj();
  };
  const cases: { name: string; existing: Pod[]; pod: Pod; aff: number; anti: number }[] = [
    { name: 'no pod matches the affinity or anti-affinity', existing: [normal('bbb')], pod: makeP().podAffinityExists('aaa', 'hostname').podAntiAffinityExists('aaa', 'hostname').obj(), aff: 0, anti: 0 },
    { name: 'existing pod matches both, one term each', existing: [normal('aaa')], pod: makeP().podAffinityExists('aaa', 'hostname').podAntiAffinityExists('aaa', 'hostname').obj(), aff: 1, anti: 1 },
    {
      name: 'existing pod matches both, several affinity terms (one count per term)', existing: [normal('aaa', 'bbb')],
      pod: makeP().podAffinityExists('aaa', 'hostname').podAffinityExists('bbb', 'hostname').podAntiAffinityExists('aaa', 'hostname').obj(), aff: 2, anti: 1,
    },
    {
      name: 'matches anti-affinity but not all affinity terms', existing: [normal('aaa')],
      pod: makeP().podAffinityExists('aaa', 'hostname').podAffinityExists('bbb', 'hostname').podAntiAffinityExists('aaa', 'hostname').podAntiAffinityExists('bbb', 'hostname').obj(), aff: 0, anti: 1,
    },
    {
      name: 'anti-affinity with several terms, partially violated (case 1)', existing: [normal('aaa', 'bbb')],
      pod: makeP().podAffinityExists('aaa', 'hostname').podAffinityExists('ccc', 'hostname').podAntiAffinityExists('aaa', 'hostname').podAntiAffinityExists('ccc', 'hostname').obj(), aff: 0, anti: 1,
    },
    {
      name: 'anti-affinity with several terms, partially violated (case 2)', existing: [normal('bbb')],
      pod: makeP().podAffinityExists('aaa', 'hostname').podAffinityExists('bbb', 'hostname').podAntiAffinityExists('aaa', 'hostname').podAntiAffinityExists('bbb', 'hostname').obj(), aff: 0, anti: 1,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const snapshot = snapshotOf(c.existing, [nodeA], []);
      const state = new CycleState(c.pod);
      assert.equal(plugin.preFilter(c.pod, state, snapshot).code, 'Success');
      const s = state.read<PreFilterState>(`PreFilter${NAME}`)!;
      assert.equal(s.affinityCounts.get('hostname', 'nodeA'), c.aff);
      assert.equal(s.antiAffinityCounts.get('hostname', 'nodeA'), c.anti);
      assert.equal(s.affinityCounts.size, c.aff > 0 ? 1 : 0);
    });
  }
});

// ---- scoring ----

const weighted = (weight: number, key: string, operator: Op, values: string[] | undefined, topologyKey: string, extra: Partial<PodAffinityTerm> = {}) =>
  ({ weight, podAffinityTerm: { labelSelector: { matchExpressions: expr(key, operator, values) }, topologyKey, ...extra } });

const stayWithS1InRegion: Affinity = { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [weighted(5, 'security', 'In', ['S1'], 'region')] } };
const stayWithS2InRegion: Affinity = { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [weighted(6, 'security', 'In', ['S2'], 'region')] } };
const affinity3: Affinity = {
  podAffinity: {
    preferredDuringSchedulingIgnoredDuringExecution: [
      { weight: 8, podAffinityTerm: { labelSelector: { matchExpressions: [{ key: 'security', operator: 'NotIn', values: ['S1'] }, { key: 'security', operator: 'In', values: ['S2'] }] }, topologyKey: 'region' } },
      { weight: 2, podAffinityTerm: { labelSelector: { matchExpressions: [{ key: 'security', operator: 'Exists' }, { key: 'wrongkey', operator: 'DoesNotExist' }] }, topologyKey: 'region' } },
    ],
  },
};
const hardAffinity: Affinity = {
  podAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: [
      { labelSelector: { matchExpressions: expr('security', 'In', ['S1', 'value2']) }, topologyKey: 'region' },
      { labelSelector: { matchExpressions: [{ key: 'security', operator: 'Exists' }, { key: 'wrongkey', operator: 'DoesNotExist' }] }, topologyKey: 'region' },
    ],
  },
};
const awayFromS1InAz: Affinity = { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [weighted(5, 'security', 'In', ['S1'], 'az')] } };
const awayFromS2InAz: Affinity = { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [weighted(5, 'security', 'In', ['S2'], 'az')] } };
const stayWithS1InRegionAwayFromS2InAz: Affinity = {
  podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [weighted(8, 'security', 'In', ['S1'], 'region')] },
  podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [weighted(5, 'security', 'In', ['S2'], 'az')] },
};
const nsSel = { namespaces: ['subteam2.team2'], namespaceSelector: { matchExpressions: expr('team', 'In', ['team1']) } };
const affinityNamespaceSelector: Affinity = { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [weighted(5, 'security', 'In', ['S1'], 'region', nsSel)] } };
const antiAffinityNamespaceSelector: Affinity = { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [weighted(5, 'security', 'In', ['S1'], 'region', nsSel)] } };

const S1 = { security: 'S1' };
const S2 = { security: 'S2' };
const rgChina = { region: 'China' };
const rgIndia = { region: 'India' };
const az1 = { az: 'az1' };
const az2 = { az: 'az2' };
const rgChinaAz1 = { region: 'China', az: 'az1' };

function p(o: { node?: string; ns?: string; labels?: Record<string, string>; affinity?: Affinity }): Pod {
  const w = makeP();
  if (o.node) w.node(o.node);
  if (o.ns) w.namespace(o.ns);
  if (o.labels) w.labels(o.labels);
  if (o.affinity) w.affinity(o.affinity);
  return w.obj();
}

/** PreScore, Score for each node, NormalizeScore: the normalized list, or the PreScore status when not Success. */
function runScore(pod: Pod, pods: Pod[], nodes: Node[], args: InterPodAffinityArgs = {}): number[] | Status {
  const pl = interPodAffinityPlugin(args);
  const snapshot = snapshotOf(pods, nodes);
  const infos = nodes.map((n) => snapshot.get(n.metadata.name!)!);
  const state = new CycleState(pod);
  const s = pl.preScore(pod, state, infos, snapshot);
  if (s.code !== 'Success') return s;
  const scores = infos.map((n) => pl.score(pod, n, state));
  pl.normalize!(pod, state, infos, scores);
  return scores;
}

describe('InterPodAffinity Score (TestPreferredAffinity)', () => {
  const n = (...labels: Record<string, string>[]): Node[] => labels.map((l, i) => node(`node${i + 1}`, l));
  const cases: { name: string; pod: Pod; pods?: Pod[]; nodes: Node[]; want: number[] | 'Skip' | { error: string }; args?: InterPodAffinityArgs }[] = [
    { name: 'all nodes equal when the pod has no affinity and no pod has any', pod: p({ labels: S1 }), nodes: n(rgChina, rgIndia, az1), want: 'Skip' },
    {
      name: 'affinity: the node with the topology key and matching pods scores highest',
      pod: p({ labels: S1, affinity: stayWithS1InRegion }),
      pods: [p({ node: 'node1', labels: S1 }), p({ node: 'node2', labels: S2 }), p({ node: 'node3', labels: S1 })],
      nodes: n(rgChina, rgIndia, az1), want: [100, 0, 0],
    },
    {
      name: 'all nodes sharing the topology value with a matching pod score the same',
      pod: p({ affinity: stayWithS1InRegion }), pods: [p({ node: 'node1', labels: S1 })],
      nodes: n(rgChina, rgChinaAz1, rgIndia), want: [100, 100, 0],
    },
    {
      name: 'the region with more matching pods scores higher',
      pod: p({ labels: S1, affinity: stayWithS2InRegion }),
      pods: ['node1', 'node1', 'node2', 'node3', 'node4', 'node5'].map((nn) => p({ node: nn, labels: S2 })),
      nodes: n(rgChina, rgIndia, rgChina, rgChina, rgIndia), want: [100, 0, 100, 100, 0],
    },
    {
      name: 'different operators and values, including some mismatches',
      pod: p({ labels: S1, affinity: affinity3 }),
      pods: [p({ node: 'node1', labels: S1 }), p({ node: 'node2', labels: S2 }), p({ node: 'node3', labels: S1 })],
      nodes: n(rgChina, rgIndia, az1), want: [20, 100, 0],
    },
    {
      name: "symmetry: existing pods' preferred affinity toward the incoming pod",
      pod: p({ labels: S2 }),
      pods: [p({ node: 'node1', labels: S1, affinity: stayWithS1InRegion }), p({ node: 'node2', labels: S2, affinity: stayWithS2InRegion })],
      nodes: n(rgChina, rgIndia, az1), want: [0, 100, 0],
    },
    {
      name: 'symmetry with a namespace selector (the incoming pod\'s namespace labels)',
      pod: p({ ns: 'subteam1.team1', labels: S1 }),
      pods: [p({ node: 'node1', labels: S1, affinity: affinityNamespaceSelector }), p({ node: 'node2', labels: S2, affinity: stayWithS2InRegion })],
      nodes: n(rgChina, rgIndia, az1), want: [100, 0, 0],
    },
    {
      name: 'anti-affinity symmetry with a namespace selector',
      pod: p({ ns: 'subteam1.team1', labels: S1 }),
      pods: [p({ node: 'node1', labels: S1, affinity: antiAffinityNamespaceSelector }), p({ node: 'node2', labels: S2, affinity: stayWithS2InRegion })],
      nodes: n(rgChina, rgIndia, az1), want: [0, 100, 100],
    },
    {
      name: "symmetry: existing pods' required affinity counts with hardPodAffinityWeight",
      pod: p({ labels: S1 }),
      pods: [p({ node: 'node1', labels: S1, affinity: hardAffinity }), p({ node: 'node2', labels: S2, affinity: hardAffinity })],
      nodes: n(rgChina, rgIndia, az1), want: [100, 100, 0],
    },
    {
      name: 'anti-affinity: the node without matching pods scores high',
      pod: p({ labels: S1, affinity: awayFromS1InAz }),
      pods: [p({ node: 'node1', labels: S1 }), p({ node: 'node2', labels: S2 })],
      nodes: n(az1, rgChina), want: [0, 100],
    },
    {
      name: 'anti-affinity: a node without the topology key scores high',
      pod: p({ labels: S1, affinity: awayFromS1InAz }),
      pods: [p({ node: 'node1', labels: S1 }), p({ node: 'node2', labels: S1 })],
      nodes: n(az1, rgChina), want: [0, 100],
    },
    {
      name: 'anti-affinity: the node with more matches scores lower',
      pod: p({ labels: S1, affinity: awayFromS1InAz }),
      pods: [p({ node: 'node1', labels: S1 }), p({ node: 'node1', labels: S1 }), p({ node: 'node2', labels: S2 })],
      nodes: n(az1, rgIndia), want: [0, 100],
    },
    {
      name: "anti-affinity symmetry: existing pods' preferred anti-affinity toward the incoming pod",
      pod: p({ labels: S2 }),
      pods: [p({ node: 'node1', labels: S1, affinity: awayFromS2InAz }), p({ node: 'node2', labels: S2, affinity: awayFromS1InAz })],
      nodes: n(az1, az2), want: [0, 100],
    },
    {
      name: 'affinity and anti-affinity together',
      pod: p({ labels: S1, affinity: stayWithS1InRegionAwayFromS2InAz }),
      pods: [p({ node: 'node1', labels: S1 }), p({ node: 'node2', labels: S1 })],
      nodes: n(rgChina, az1), want: [100, 0],
    },
    {
      name: 'affinity and anti-affinity, the pod and the existing pods share labels',
      pod: p({ labels: S1, affinity: stayWithS1InRegionAwayFromS2InAz }),
      pods: ['node1', 'node1', 'node2', 'node3', 'node3', 'node4', 'node5'].map((nn) => p({ node: nn, labels: S1 })),
      nodes: n(rgChinaAz1, rgIndia, rgChina, rgChina, rgIndia), want: [100, 0, 100, 100, 0],
    },
    {
      name: 'affinity, anti-affinity and symmetry together',
      pod: p({ labels: S1, affinity: stayWithS1InRegionAwayFromS2InAz }),
      pods: [p({ node: 'node1', labels: S1 }), p({ node: 'node2', labels: S2 }), p({ node: 'node3', affinity: stayWithS1InRegionAwayFromS2InAz }), p({ node: 'node4', affinity: awayFromS1InAz })],
      nodes: n(rgChina, az1, rgIndia, az2), want: [100, 0, 100, 0],
    },
    {
      name: 'some nodes of a topology without pods with affinity (kubernetes#82796)',
      pod: p({ labels: S1 }),
      pods: [p({ node: 'node1', labels: S1 }), p({ node: 'node2', affinity: stayWithS1InRegionAwayFromS2InAz })],
      nodes: n(rgChina, rgChina), want: [0, 0],
    },
    {
      name: 'an invalid affinity selector fails PreScore',
      pod: p({ affinity: { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [weighted(8, 'security', 'In', ['{{.bad-value.}}'], 'region')] } } }),
      nodes: n(rgChina, rgChina), want: { error: 'Invalid value: "{{.bad-value.}}"' },
    },
    {
      name: 'an invalid anti-affinity selector fails PreScore',
      pod: p({ affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [weighted(5, 'security', 'In', ['{{.bad-value.}}'], 'az')] } } }),
      nodes: n(rgChina, rgChina), want: { error: 'Invalid value: "{{.bad-value.}}"' },
    },
    {
      name: 'affinity with pods matching the NamespaceSelector',
      pod: p({ ns: 'subteam1.team1', labels: S1, affinity: affinityNamespaceSelector }),
      pods: [
        p({ node: 'node1', ns: 'subteam1.team1', labels: S1 }), p({ node: 'node1', ns: 'subteam1.team1', labels: S1 }),
        p({ node: 'node1', ns: 'subteam1.team2', labels: S1 }), p({ node: 'node2', ns: 'subteam2.team1', labels: S1 }),
      ],
      nodes: n(rgChina, rgIndia), want: [100, 0],
    },
    {
      name: 'affinity with pods matching both the NamespaceSelector and namespaces',
      pod: p({ ns: 'subteam1.team1', labels: S1, affinity: affinityNamespaceSelector }),
      pods: [
        p({ node: 'node1', ns: 'subteam1.team1', labels: S1 }), p({ node: 'node1', ns: 'subteam1.team1', labels: S1 }),
        p({ node: 'node1', ns: 'subteam2.team2', labels: S1 }), p({ node: 'node2', ns: 'subteam2.team1', labels: S1 }),
      ],
      nodes: n(rgChina, rgIndia), want: [100, 0],
    },
    {
      name: 'anti-affinity with pods matching the NamespaceSelector',
      pod: p({ ns: 'subteam1.team1', labels: S1, affinity: antiAffinityNamespaceSelector }),
      pods: [
        p({ node: 'node1', ns: 'subteam1.team1', labels: S1 }), p({ node: 'node1', ns: 'subteam1.team1', labels: S1 }),
        p({ node: 'node1', ns: 'subteam1.team2', labels: S1 }), p({ node: 'node2', ns: 'subteam2.team1', labels: S1 }),
      ],
      nodes: n(rgChina, rgIndia), want: [0, 100],
    },
    {
      name: 'ignorePreferredTermsOfExistingPods: PreScore skips for a pod without preferences',
      pod: p({ labels: S2 }),
      pods: [p({ node: 'node1', labels: S1, affinity: stayWithS1InRegionAwayFromS2InAz }), p({ node: 'node2', labels: S2, affinity: stayWithS2InRegion })],
      nodes: n(rgChina, rgIndia), want: 'Skip', args: { ignorePreferredTermsOfExistingPods: true },
    },
    {
      name: 'preferred terms of existing pods are used by default',
      pod: p({ labels: S2 }),
      pods: [p({ node: 'node1', labels: S1, affinity: stayWithS1InRegionAwayFromS2InAz }), p({ node: 'node2', labels: S2, affinity: stayWithS2InRegion })],
      nodes: n(rgChina, rgIndia), want: [0, 100],
    },
    { name: 'no nodes to score', pod: p({ labels: S2 }), nodes: [], want: 'Skip' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = runScore(c.pod, c.pods ?? [], c.nodes, c.args);
      if (c.want === 'Skip') {
        assert.equal((got as Status).code, 'Skip');
      } else if ('error' in c.want) {
        assert.equal((got as Status).code, 'Error');
        assert.ok((got as Status).reasons[0].includes(c.want.error), (got as Status).reasons[0]);
      } else {
        assert.deepEqual(got, c.want);
      }
    });
  }
});

describe('InterPodAffinity Score: hardPodAffinityWeight (TestPreferredAffinityWithHardPodAffinitySymmetricWeight)', () => {
  const hard: Affinity = {
    podAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: [{
        labelSelector: { matchExpressions: expr('service', 'In', ['S1']) }, topologyKey: 'region',
        namespaces: ['', 'subteam2.team2'], namespaceSelector: { matchExpressions: expr('team', 'In', ['team1']) },
      }],
    },
  };
  const nodes = [node('node1', rgChina), node('node2', rgIndia), node('node3', az1)];
  const pods = (): Pod[] => [p({ node: 'node1', affinity: hard }), p({ node: 'node2', affinity: hard })];
  const cases: { name: string; ns: string; weight: number; want: number[] | 'Skip' }[] = [
    { name: 'with the default weight', ns: '', weight: 1, want: [100, 100, 0] },
    { name: 'with zero weight', ns: '', weight: 0, want: 'Skip' },
    { name: 'with no matching namespace', ns: 'subteam1.team2', weight: 1, want: 'Skip' },
    { name: 'with a matching NamespaceSelector', ns: 'subteam1.team1', weight: 1, want: [100, 100, 0] },
    { name: 'with matching namespaces', ns: 'subteam2.team2', weight: 1, want: [100, 100, 0] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = runScore(p({ ns: c.ns, labels: { service: 'S1' } }), pods(), nodes, { hardPodAffinityWeight: c.weight });
      if (c.want === 'Skip') assert.equal((got as Status).code, 'Skip');
      else assert.deepEqual(got, c.want);
    });
  }

  it('a weight outside 0..100 is refused', () => {
    assert.throws(() => interPodAffinityPlugin({ hardPodAffinityWeight: 101 }), /hardPodAffinityWeight: Invalid value: 101: not in valid range \[0-100\]/);
  });
});

describe('NodeInfo and Snapshot keep the pods with affinity', () => {
  it('lists nodes with pods with (required anti-)affinity, updated on add, update and remove', () => {
    const s = snapshotOf([], [node('a', {}), node('b', {})], []);
    const plain = p({ node: 'a', labels: S1 });
    const preferred = p({ node: 'a', affinity: stayWithS1InRegion });
    const anti = makeP().node('b').podAntiAffinityExists('x', 'zone').obj();
    s.addPod(plain);
    assert.deepEqual(s.havePodsWithAffinity(), []);
    assert.equal(s.get('a')!.podsWithAffinity, undefined, 'a node without such pods carries no map');
    s.addPod(preferred);
    s.addPod(anti);
    assert.deepEqual(s.havePodsWithAffinity().map((n) => n.name).sort(), ['a', 'b']);
    assert.deepEqual(s.havePodsWithRequiredAntiAffinity().map((n) => n.name), ['b']);
    // An update that drops the affinity takes the pod out of the lists.
    s.addPod({ ...anti, spec: { ...anti.spec!, affinity: undefined } });
    assert.deepEqual(s.havePodsWithRequiredAntiAffinity(), []);
    assert.deepEqual(s.havePodsWithAffinity().map((n) => n.name), ['a']);
    s.removePod(preferred);
    assert.deepEqual(s.havePodsWithAffinity(), []);
    // A node that goes away is not listed even while its pods stay accounted.
    s.addPod(anti);
    s.removeNode('b');
    assert.deepEqual(s.havePodsWithRequiredAntiAffinity(), []);
    // A clone (preemption's dry runs) keeps the lists.
    assert.equal(s.get('b')!.clone().podsWithRequiredAntiAffinity?.size, 1);
  });

  it('a pod without podAffinity/podAntiAffinity gets no compiled terms', () => {
    assert.equal(podInfoOf(makePod('x')).affinity, undefined);
    assert.equal(podInfoOf(makePod('y', { affinity: { nodeAffinity: {} } })).affinity, undefined);
    const info = podInfoOf(makeP().namespace('ns1').podAffinityExists('a', 'zone').obj()).affinity!;
    assert.deepEqual([...info.requiredAffinityTerms[0].namespaces], ['ns1']);
  });
});

describe('InterPodAffinity in a whole decision', () => {
  const fw = buildFramework();
  const antiSelf = (name: string, nodeName?: string): Pod => {
    const pod = makePod(name, { nodeName, affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname' }] } } });
    pod.metadata.labels = { app: 'web' };
    return pod;
  };

  it('is in the default profile: filter last, score weight 2', () => {
    assert.equal(fw.filter.at(-1)!.name, NAME);
    assert.ok(fw.preFilter.some((x) => x.name === NAME));
    assert.equal(fw.score.find((s) => s.plugin.name === NAME)?.weight, 2);
  });

  it('replicas with required anti-affinity on the hostname spread one per node, then the next one fits nowhere', () => {
    const s = new Snapshot();
    for (const n of ['n1', 'n2', 'n3', 'n4']) s.setNode(makeNode(n));
    const algo = new ScheduleAlgorithm(fw, { random: () => 0 });
    const placed = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const pod = antiSelf(`web-${i}`);
      const r = algo.schedule(pod, s);
      assert.equal(r.kind, 'Scheduled');
      if (r.kind !== 'Scheduled') return;
      assert.ok(!placed.has(r.nodeName), `${r.nodeName} used twice`);
      placed.add(r.nodeName);
      s.assumePod(pod, r.nodeName, r.podInfo);
    }
    const r = algo.schedule(antiSelf('web-4'), s);
    assert.equal(r.kind, 'Unschedulable');
    if (r.kind !== 'Unschedulable') return;
    assert.equal(r.message, "0/4 nodes are available: 4 node(s) didn't match pod anti-affinity rules. preemption: 0/4 nodes are available: 4 No preemption victims found for incoming pod.");
    assert.deepEqual([...r.fitError!.diagnosis.unschedulablePlugins], [NAME]);
  });

  it('a pod without affinity is kept off a node by an existing pod\'s anti-affinity', () => {
    const s = new Snapshot();
    s.setNode(makeNode('n1'));
    s.setNode(makeNode('n2'));
    s.addPod(antiSelf('web-0', 'n1'));
    const plain = makePod('plain');
    plain.metadata.labels = { app: 'web' };
    const algo = new ScheduleAlgorithm(fw);
    for (let i = 0; i < 5; i++) {
      const r = algo.schedule(plain, s);
      assert.equal(r.kind === 'Scheduled' && r.nodeName, 'n2');
    }
  });

  it('preemption: removing a lower-priority matching pod (PreFilterExtensions) nominates its node', () => {
    const s = new Snapshot();
    s.setNode(makeNode('n1'));
    const low = makePod('low', { nodeName: 'n1', priority: 0 });
    low.metadata.labels = { app: 'web' };
    s.addPod(low);
    const high = antiSelf('high');
    high.spec!.priority = 1000;
    const r = new ScheduleAlgorithm(fw).schedule(high, s);
    assert.equal(r.kind, 'Unschedulable');
    if (r.kind !== 'Unschedulable') return;
    assert.equal(r.nominatedNodeName, 'n1');
    assert.deepEqual(r.victims?.map((v) => v.pod.metadata.name), ['low']);
    assert.equal(r.message, "0/1 nodes are available: 1 node(s) didn't match pod anti-affinity rules.");
  });

  it('required affinity that matches nothing is Unresolvable: preemption does not help', () => {
    const s = new Snapshot();
    s.setNode(makeNode('n1'));
    const pod = makePod('p', { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'db' } }, topologyKey: 'kubernetes.io/hostname' }] } } });
    const r = new ScheduleAlgorithm(fw).schedule(pod, s);
    assert.equal(r.kind === 'Unschedulable' && r.message, "0/1 nodes are available: 1 node(s) didn't match pod affinity rules. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.");
  });

  it('preferred affinity pulls a pod to the zone of its peers', () => {
    const s = new Snapshot();
    s.setNode(makeNode('a1', { labels: { 'topology.kubernetes.io/zone': 'a' } }));
    s.setNode(makeNode('b1', { labels: { 'topology.kubernetes.io/zone': 'b' } }));
    s.setNode(makeNode('b2', { labels: { 'topology.kubernetes.io/zone': 'b' } }));
    const db = makePod('db', { nodeName: 'b1' });
    db.metadata.labels = { app: 'db' };
    s.addPod(db);
    const pod = makePod('web', { affinity: { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { labelSelector: { matchLabels: { app: 'db' } }, topologyKey: 'topology.kubernetes.io/zone' } }] } } });
    const algo = new ScheduleAlgorithm(fw, { random: () => 0 });
    for (let i = 0; i < 5; i++) {
      const r = algo.schedule(pod, s);
      assert.ok(r.kind === 'Scheduled' && r.nodeName.startsWith('b'), JSON.stringify(r));
    }
  });
});

describe('apiserver: matchLabelKeys/mismatchLabelKeys merged at create (mutatePodAffinity)', () => {
  it('adds In/NotIn requirements from the pod labels to required and preferred terms; skips absent keys and nil selectors', () => {
    const pod = makeP().labels({ app: 'a', track: 'canary' }).affinity({
      podAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          { labelSelector: { matchLabels: { app: 'a' } }, topologyKey: 'zone', matchLabelKeys: ['track', 'missing'] },
          { topologyKey: 'zone', matchLabelKeys: ['track'] },
        ],
      },
      podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, podAffinityTerm: { labelSelector: {}, topologyKey: 'h', mismatchLabelKeys: ['app'] } }] },
    }).obj();
    mutatePodAffinity(pod);
    const a = pod.spec!.affinity!;
    assert.deepEqual(a.podAffinity!.requiredDuringSchedulingIgnoredDuringExecution![0].labelSelector, {
      matchLabels: { app: 'a' }, matchExpressions: [{ key: 'track', operator: 'In', values: ['canary'] }],
    });
    assert.equal(a.podAffinity!.requiredDuringSchedulingIgnoredDuringExecution![1].labelSelector, undefined);
    assert.deepEqual(a.podAntiAffinity!.preferredDuringSchedulingIgnoredDuringExecution![0].podAffinityTerm.labelSelector, {
      matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['a'] }],
    });
  });

  it('leaves malformed input alone for validation to reject (no exception)', () => {
    for (const affinity of [
      'x', [], { podAffinity: 'x' }, { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: 'x' } },
      { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [null, 3, { labelSelector: 'x', matchLabelKeys: ['a'] }] } },
      { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchExpressions: 'x' }, matchLabelKeys: ['a'] }] } },
      { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [null, { podAffinityTerm: null }, { podAffinityTerm: { labelSelector: {}, matchLabelKeys: 'a' } }] } },
    ]) {
      const pod = makeP().labels({ a: '1' }).obj();
      (pod.spec as { affinity?: unknown }).affinity = affinity;
      assert.doesNotThrow(() => mutatePodAffinity(pod), JSON.stringify(affinity));
    }
  });
});

describe('validation of matchLabelKeys/mismatchLabelKeys (validateMatchLabelKeysAndMismatchLabelKeys)', () => {
  const causes = (term: PodAffinityTerm) => validateAffinity({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } }, 'spec.affinity')
    .map((c) => `${c.field}: ${c.message}`);
  const path = 'spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]';

  it('accepts keys merged at create, refuses a key already in labelSelector, in both lists, without a selector, or not a label name', () => {
    assert.deepEqual(causes({ labelSelector: { matchLabels: { app: 'a' }, matchExpressions: [{ key: 'track', operator: 'In', values: ['x'] }] }, topologyKey: 'h', matchLabelKeys: ['track'] }), []);
    assert.deepEqual(causes({ labelSelector: { matchLabels: { app: 'a' }, matchExpressions: [{ key: 'app', operator: 'In', values: ['a'] }] }, topologyKey: 'h', matchLabelKeys: ['app'] }),
      [`${path}[0]: Invalid value: "app": exists in both matchLabelKeys and labelSelector`]);
    assert.deepEqual(causes({ labelSelector: {}, topologyKey: 'h', matchLabelKeys: ['k'], mismatchLabelKeys: ['k'] }),
      [`${path}.matchLabelKeys[0]: Invalid value: "k": exists in both matchLabelKeys and mismatchLabelKeys`]);
    assert.deepEqual(causes({ topologyKey: 'h', mismatchLabelKeys: ['k'] }), [`${path}.mismatchLabelKeys: Forbidden: must not be specified when labelSelector is not set`]);
    assert.equal(causes({ labelSelector: {}, topologyKey: 'h', matchLabelKeys: ['bad key'] }).length, 1);
  });
});

describe('queue events for InterPodAffinity (its EventsToRegister)', () => {
  it('assigned pod add, label update and delete, and node label changes move pods it rejected; a status-only update does not', async () => {
    const q = new SchedulingQueue({ now: () => 1_000_000 });
    const pod = makePod('waiting');
    q.add(pod);
    const pInfo = (await q.pop())!;
    q.addUnschedulableIfNotPresent(pInfo, [NAME], q.cycle);
    assert.equal(q.where(pInfo.key), 'unschedulable');
    const bound = makePod('peer', { nodeName: 'n1' });
    assert.equal(assignedPodUpdateEvent(bound, { ...bound, status: { phase: 'Running' } }), undefined);
    const relabelled = { ...bound, metadata: { ...bound.metadata, labels: { app: 'db' } } };
    assert.deepEqual(assignedPodUpdateEvent(bound, relabelled), { ...ASSIGNED_POD_UPDATE_LABEL, change: { resource: 'Pod', oldObj: bound, newObj: relabelled } });
    assert.deepEqual([...nodeUpdateEvent(makeNode('n1'), makeNode('n1', { labels: { zone: 'b' } }))!.plugins!].sort(), ['InterPodAffinity', 'NodeAffinity', 'PodTopologySpread']);
    for (const ev of [ASSIGNED_POD_ADD, ASSIGNED_POD_UPDATE_LABEL, ASSIGNED_POD_DELETE]) assert.ok(ev.plugins!.has(NAME), ev.label);
    assert.equal(q.moveAllToActiveOrBackoffQueue(ASSIGNED_POD_ADD), 1);
  });
});
