// PodTopologySpread (kube-scheduler 1.32 plugins/podtopologyspread: plugin.go, common.go,
// filtering.go, scoring.go). A pod's topologySpreadConstraints bound how unevenly the pods
// its labelSelector matches may spread over the domains of a topology key (zones, hosts):
//
//   Filter (whenUnsatisfiable DoNotSchedule): for each constraint, the node's domain
//     count + 1 (if the pod matches its own selector) − the smallest domain count (0 while
//     fewer than minDomains domains exist) must be ≤ maxSkew. PreFilter counts matching
//     pods per domain once per pod; Filter is O(constraints) per node.
//   Score (ScheduleAnyway, and the cluster defaults for a pod with no constraints): fewer
//     matching pods in the node's domains scores higher, each constraint's count weighted
//     by log(domains + 2) and softened by maxSkew − 1.
//
// A pod without constraints gets the system defaults (hostname maxSkew 3, zone maxSkew 5,
// both ScheduleAnyway) with a selector made from the Services, ReplicationControllers,
// ReplicaSets and StatefulSets selecting it (helper.DefaultSelector); with none, nothing.
import { findUntoleratedTaint } from '../../api/helpers/taints.js';
import { controllerRef } from '../../api/helpers/owner-refs.js';
import { type LabelSelectorMatcher, selectorFromLabelSelector, selectorFromSet } from '../../api/labels.js';
import type { ReplicaSet, StatefulSet } from '../../api/types/apps.js';
import type { Node, Pod, ReplicationController, Service, TopologySpreadConstraint } from '../../api/types/core.js';
import type { LabelSelector } from '../../api/types/meta.js';
import {
  type ClusterChange, type CycleState, type EnqueueExtensions, type FilterPlugin, type PreFilterPlugin, type PreScorePlugin, type ScorePlugin, type Status,
  MAX_NODE_SCORE, SKIP, SUCCESS, errorStatus, rejection,
} from '../framework.js';
import type { NodeInfo, PodInfo, Snapshot } from '../node-info.js';
import { type DomainTally, tallyOf } from '../domain-tally.js';
import { compileRequired, matchesRequired, type RequiredNodeAffinity } from './node-affinity.js';

export const NAME = 'PodTopologySpread';
export const ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints";
export const ERR_REASON_NODE_LABEL_NOT_MATCH = `${ERR_REASON_CONSTRAINTS_NOT_MATCH} (missing required label)`;

export const LABEL_HOSTNAME = 'kubernetes.io/hostname';
const NODE_LABEL_NOT_MATCH = rejection('UnschedulableAndUnresolvable', NAME, ERR_REASON_NODE_LABEL_NOT_MATCH);
const CONSTRAINTS_NOT_MATCH = rejection('Unschedulable', NAME, ERR_REASON_CONSTRAINTS_NOT_MATCH);
export const LABEL_TOPOLOGY_ZONE = 'topology.kubernetes.io/zone';

/** kube-scheduler's systemDefaultConstraints (PodTopologySpreadArgs defaultingType System). */
export const SYSTEM_DEFAULT_CONSTRAINTS: readonly TopologySpreadConstraint[] = Object.freeze([
  { topologyKey: LABEL_HOSTNAME, whenUnsatisfiable: 'ScheduleAnyway', maxSkew: 3 },
  { topologyKey: LABEL_TOPOLOGY_ZONE, whenUnsatisfiable: 'ScheduleAnyway', maxSkew: 5 },
]);

const PRE_FILTER_KEY = `PreFilter${NAME}`;
const PRE_SCORE_KEY = `PreScore${NAME}`;
const MAX_INT32 = 2 ** 31 - 1;

type Labels = Record<string, string> | undefined;

/**
 * Which pods a constraint counts: every part must match (a labelSelector with the
 * matchLabelKeys' values merged in, or a Service selector ANDed with a ReplicaSet's).
 * `key` identifies it for the per-node count cache.
 */
export interface PodSelector {
  readonly key: string;
  matches(labels: Labels): boolean;
}

function allOf(parts: readonly LabelSelectorMatcher[]): PodSelector {
  if (parts.length === 1) {
    const p = parts[0];
    return { key: p.matchesNothing ? '\0nothing' : p.toString(), matches: (l) => p.matches(l) };
  }
  return {
    key: parts.map((p) => (p.matchesNothing ? '\0nothing' : p.toString())).join('\0'),
    matches: (l) => parts.every((p) => p.matches(l)),
  };
}

/** A constraint as the plugin uses it (kube-scheduler's internal topologySpreadConstraint). */
export interface Constraint {
  readonly maxSkew: number;
  readonly topologyKey: string;
  readonly selector: PodSelector;
  readonly minDomains: number;
  readonly nodeAffinityPolicy: string;
  readonly nodeTaintsPolicy: string;
}

/**
 * The constraints with `action` as whenUnsatisfiable, selectors parsed; matchLabelKeys'
 * values from the pod's labels are merged into the selector (as kube-scheduler 1.32 does
 * with MatchLabelKeysInPodTopologySpread on; a missing labelSelector, which selects
 * nothing, then selects by those labels alone). Throws a StatusError on a bad selector.
 */
export function filterConstraints(constraints: readonly TopologySpreadConstraint[], podLabels: Labels, action: string): Constraint[] {
  const out: Constraint[] = [];
  for (const c of constraints) {
    if (c.whenUnsatisfiable !== action) continue;
    const sel = selectorFromLabelSelector(c.labelSelector);
    const parts: LabelSelectorMatcher[] = [];
    const matchLabels: Record<string, string> = {};
    let n = 0;
    for (const k of c.matchLabelKeys ?? []) {
      if (podLabels && Object.prototype.hasOwnProperty.call(podLabels, k)) {
        matchLabels[k] = podLabels[k];
        n++;
      }
    }
    if (n > 0) {
      parts.push(selectorFromSet(matchLabels));
      // labels.Nothing() has no requirements to add (Requirements() reports !ok).
      if (!sel.matchesNothing && !sel.empty()) parts.push(sel);
    } else {
      parts.push(sel);
    }
    out.push({
      maxSkew: c.maxSkew,
      topologyKey: c.topologyKey,
      selector: allOf(parts),
      minDomains: c.minDomains ?? 1,
      nodeAffinityPolicy: c.nodeAffinityPolicy ?? 'Honor',
      nodeTaintsPolicy: c.nodeTaintsPolicy ?? 'Ignore',
    });
  }
  return out;
}

/** What DefaultSelector reads: the scheduler's informer caches. */
export interface SelectorListers {
  services(namespace: string): readonly Service[];
  replicationController(namespace: string, name: string): ReplicationController | undefined;
  replicaSet(namespace: string, name: string): ReplicaSet | undefined;
  statefulSet(namespace: string, name: string): StatefulSet | undefined;
}

const serviceSelectors = new WeakMap<Service, LabelSelectorMatcher>();

function parsedLabelSelector(sel: LabelSelector | undefined): LabelSelectorMatcher | undefined {
  try {
    return selectorFromLabelSelector(sel);
  } catch {
    return undefined;
  }
}

/**
 * kube-scheduler's helper.DefaultSelector: the Services in the pod's namespace whose
 * selector matches it, merged into one label set, ANDed with the selector of its
 * controlling ReplicationController (merged as a set), ReplicaSet or StatefulSet.
 * Undefined when that selects everything (nothing to spread against).
 */
export function defaultSelector(pod: Pod, listers: SelectorListers): PodSelector | undefined {
  const ns = pod.metadata.namespace ?? '';
  const podLabels = pod.metadata.labels;
  const set: Record<string, string> = {};
  for (const svc of listers.services(ns)) {
    const s = svc.spec?.selector;
    if (s === undefined || s === null) continue;
    let m = serviceSelectors.get(svc);
    if (!m) serviceSelectors.set(svc, (m = selectorFromSet(s)));
    if (m.matches(podLabels)) Object.assign(set, s);
  }
  const owner = controllerRef(pod);
  let extra: LabelSelectorMatcher | undefined;
  if (owner) {
    const gvk = `${owner.apiVersion}/${owner.kind}`;
    if (gvk === 'v1/ReplicationController') {
      const rc = listers.replicationController(ns, owner.name);
      if (rc) Object.assign(set, rc.spec?.selector ?? {});
    } else if (gvk === 'apps/v1/ReplicaSet') {
      const rs = listers.replicaSet(ns, owner.name);
      if (rs) extra = parsedLabelSelector(rs.spec?.selector);
    } else if (gvk === 'apps/v1/StatefulSet') {
      const ss = listers.statefulSet(ns, owner.name);
      if (ss) extra = parsedLabelSelector(ss.spec?.selector);
    }
  }
  const parts: LabelSelectorMatcher[] = [];
  if (Object.keys(set).length > 0) parts.push(selectorFromSet(set));
  // Selector.Add of a Nothing selector's requirements adds none (Requirements() is !ok).
  if (extra && !extra.matchesNothing && !extra.empty()) parts.push(extra);
  return parts.length === 0 ? undefined : allOf(parts);
}

/** Every constraint's topology key is a label of the node. */
export function nodeLabelsMatchConstraints(labels: Labels, constraints: readonly Constraint[]): boolean {
  if (!labels) return constraints.length === 0;
  for (const c of constraints) if (!Object.prototype.hasOwnProperty.call(labels, c.topologyKey)) return false;
  return true;
}

/** Whether the node counts for the constraint under its nodeAffinityPolicy / nodeTaintsPolicy. */
function matchNodeInclusionPolicies(c: Constraint, pod: Pod, info: NodeInfo, node: Node, required: RequiredNodeAffinity): boolean {
  if (c.nodeAffinityPolicy === 'Honor' && !matchesRequired(required, node)) return false;
  if (c.nodeTaintsPolicy === 'Honor' && findUntoleratedTaint(info.taints, pod.spec?.tolerations) !== undefined) return false;
  return true;
}

/**
 * Pods on the node in `namespace`, not terminating, matching `selector`
 * (countPodsMatchSelector). Cached per node and selector until the node's pods change
 * (NodeInfo.generation), so spreading many replicas of one workload recounts only the
 * nodes that changed since the last decision.
 */
const COUNT_CACHE_PER_NODE = 8;

export function countMatching(info: NodeInfo, selector: PodSelector, namespace: string, key = cacheKey(selector, namespace)): number {
  if (info.podCount === 0) return 0;
  let m = info.matchCounts;
  const hit = m?.get(key);
  if (hit && hit.gen === info.generation) return hit.count;
  let count = 0;
  for (const pi of info.pods.values()) {
    if (pi.terminating || (pi.pod.metadata.namespace ?? '') !== namespace) continue;
    if (selector.matches(pi.pod.metadata.labels)) count++;
  }
  if (!m) info.matchCounts = m = new Map();
  else if (!hit && m.size >= COUNT_CACHE_PER_NODE) m.clear();
  m.set(key, { gen: info.generation, count });
  return count;
}

const cacheKey = (selector: PodSelector, namespace: string): string => `${namespace}\0${selector.key}`;

/**
 * The tally of constraint `i` of `constraints` for `pod` (nodes lacking any of the
 * constraints' keys left out when requireAll, else their domain is "").
 */
function tallyFor(snapshot: Snapshot, pod: Pod, constraints: readonly Constraint[], i: number, requireAll: boolean, required: RequiredNodeAffinity): DomainTally {
  const c = constraints[i];
  const ns = pod.metadata.namespace ?? '';
  const ck = cacheKey(c.selector, ns);
  const key = [
    ck, c.topologyKey, requireAll ? constraints.map((x) => x.topologyKey).join('\0') : '',
    c.nodeAffinityPolicy === 'Honor' ? JSON.stringify([pod.spec?.nodeSelector ?? null, pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? null]) : '',
    c.nodeTaintsPolicy === 'Honor' ? JSON.stringify(pod.spec?.tolerations ?? null) : '',
  ].join('\0\0');
  return tallyOf(snapshot, `PodTopologySpread\0${key}`, (info) => {
    const node = info.node;
    if (!node) return undefined;
    const labels = node.metadata.labels;
    if (requireAll && !nodeLabelsMatchConstraints(labels, constraints)) return undefined;
    if (!matchNodeInclusionPolicies(c, pod, info, node, required)) return undefined;
    return { value: labels?.[c.topologyKey] ?? '', count: countMatching(info, c.selector, ns, ck) };
  });
}

/** The two domains with the fewest matching pods; [0] always holds the minimum. */
class CriticalPaths {
  v0 = '';
  n0 = MAX_INT32;
  v1 = '';
  n1 = MAX_INT32;

  update(value: string, num: number): void {
    if (value === this.v0 || value === this.v1) {
      if (value === this.v0) this.n0 = num;
      else this.n1 = num;
      if (this.n0 > this.n1) {
        [this.v0, this.n0, this.v1, this.n1] = [this.v1, this.n1, this.v0, this.n0];
      }
    } else if (num < this.n0) {
      this.v1 = this.v0;
      this.n1 = this.n0;
      this.v0 = value;
      this.n0 = num;
    } else if (num < this.n1) {
      this.v1 = value;
      this.n1 = num;
    }
  }

  copy(): CriticalPaths {
    const c = new CriticalPaths();
    c.v0 = this.v0; c.n0 = this.n0; c.v1 = this.v1; c.n1 = this.n1;
    return c;
  }
}

/**
 * What PreFilter computed: per constraint, matching pods per domain and the two emptiest
 * domains. Preemption's dry runs change it through preFilterAddPod/RemovePod on a clone.
 */
export class PreFilterState {
  constructor(
    readonly constraints: readonly Constraint[],
    readonly criticalPaths: CriticalPaths[],
    readonly tpValueToMatchNum: Map<string, number>[],
  ) {}

  /** The global minimum for the skew: 0 while fewer than minDomains domains exist. */
  minMatchNum(i: number, minDomains: number): number {
    return this.tpValueToMatchNum[i].size < minDomains ? 0 : this.criticalPaths[i].n0;
  }

  clone(): PreFilterState {
    return new PreFilterState(this.constraints, this.criticalPaths.map((p) => p.copy()), this.tpValueToMatchNum.map((m) => new Map(m)));
  }
}

export interface PodTopologySpreadArgs {
  /** System (default): SYSTEM_DEFAULT_CONSTRAINTS; List: `defaultConstraints`. */
  defaultingType?: 'System' | 'List';
  defaultConstraints?: TopologySpreadConstraint[];
}

interface PreScoreState {
  readonly constraints: readonly Constraint[];
  /** Scored nodes lacking some topology key (scored 0). */
  readonly ignoredNodes: Set<string>;
  /** Per constraint (not hostname ones: counted in Score) domain -> matching pods. */
  readonly counts: Map<string, number>[];
  readonly weights: number[];
}

/** kube-scheduler's topologyNormalizingWeight: log(domains + 2). */
export const topologyNormalizingWeight = (size: number): number => Math.log(size + 2);

/** kube-scheduler's scoreForCount: maxSkew − 1 waters down small differences. */
export const scoreForCount = (count: number, maxSkew: number, weight: number): number => count * weight + (maxSkew - 1);

/**
 * The plugin, reading Services and controllers from `listers` for the default
 * constraints (none without listers).
 */
export function podTopologySpreadPlugin(
  listers?: SelectorListers, args: PodTopologySpreadArgs = {},
): PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin & EnqueueExtensions {
  const systemDefaulted = (args.defaultingType ?? 'System') === 'System';
  const defaults = systemDefaulted ? SYSTEM_DEFAULT_CONSTRAINTS : args.defaultConstraints ?? [];

  function buildDefaultConstraints(pod: Pod, action: string): Constraint[] {
    const constraints = filterConstraints(defaults, pod.metadata.labels, action);
    if (constraints.length === 0 || !listers) return [];
    const selector = defaultSelector(pod, listers);
    if (!selector) return [];
    return constraints.map((c) => ({ ...c, selector }));
  }

  function constraintsOf(pod: Pod, action: string): Constraint[] {
    const own = pod.spec?.topologySpreadConstraints;
    return own && own.length > 0 ? filterConstraints(own, pod.metadata.labels, action) : buildDefaultConstraints(pod, action);
  }

  function calPreFilterState(pod: Pod, snapshot: Snapshot): PreFilterState {
    const constraints = constraintsOf(pod, 'DoNotSchedule');
    const counts = constraints.map(() => new Map<string, number>());
    const state = new PreFilterState(constraints, constraints.map(() => new CriticalPaths()), counts);
    if (constraints.length === 0) return state;
    const required = compileRequired(pod);
    for (let i = 0; i < constraints.length; i++) {
      for (const [value, d] of tallyFor(snapshot, pod, constraints, i, true, required).domains) counts[i].set(value, d.count);
    }
    for (let i = 0; i < constraints.length; i++) {
      for (const [value, num] of counts[i]) state.criticalPaths[i].update(value, num);
    }
    return state;
  }

  function updateWithPod(state: PreFilterState, updated: Pod, preemptor: Pod, info: NodeInfo, delta: number): void {
    const node = info.node;
    if (!node || (updated.metadata.namespace ?? '') !== (preemptor.metadata.namespace ?? '')) return;
    const labels = node.metadata.labels;
    if (!nodeLabelsMatchConstraints(labels, state.constraints)) return;
    const required = compileRequired(preemptor);
    state.constraints.forEach((c, i) => {
      if (!c.selector.matches(updated.metadata.labels)) return;
      if (!matchNodeInclusionPolicies(c, preemptor, info, node, required)) return;
      const v = labels![c.topologyKey];
      const n = (state.tpValueToMatchNum[i].get(v) ?? 0) + delta;
      state.tpValueToMatchNum[i].set(v, n);
      state.criticalPaths[i].update(v, n);
    });
  }

  const readPreFilter = (state: CycleState): PreFilterState | undefined => state.read<PreFilterState>(PRE_FILTER_KEY);

  function extension(pod: Pod, state: CycleState, podInfo: PodInfo, nodeInfo: NodeInfo, delta: number): Status {
    const s = readPreFilter(state);
    if (!s) return errorStatus(`reading "${PRE_FILTER_KEY}" from cycleState: not found`);
    updateWithPod(s, podInfo.pod, pod, nodeInfo, delta);
    return SUCCESS;
  }

  /**
   * kube-scheduler's QueueingHints for the filter's constraints (isSchedulableAfterPodChange,
   * isSchedulableAfterNodeChange): a bound pod of the namespace that the selectors match
   * added or deleted, or relabelled in or out of a selector; a node with every topology key
   * added or deleted, or one whose keys' values or (with nodeTaintsPolicy Honor) taints changed.
   */
  function isSchedulableAfter(pod: Pod, change: ClusterChange): boolean {
    let constraints: Constraint[];
    try {
      constraints = constraintsOf(pod, 'DoNotSchedule');
    } catch {
      return true;
    }
    if (constraints.length === 0) return true;
    const matchesAny = (p: Pod): boolean => constraints.some((c) => c.selector.matches(p.metadata.labels));
    if (change.resource === 'Pod') {
      const { oldObj, newObj } = change;
      const p = newObj ?? oldObj;
      if (!p?.spec?.nodeName || (p.metadata.namespace ?? '') !== (pod.metadata.namespace ?? '')) return false;
      if (oldObj && newObj) return constraints.some((c) => c.selector.matches(oldObj.metadata.labels) !== c.selector.matches(newObj.metadata.labels));
      return matchesAny(p);
    }
    const { oldObj, newObj } = change;
    if (!newObj) return !!oldObj && nodeLabelsMatchConstraints(oldObj.metadata.labels, constraints);
    if (!nodeLabelsMatchConstraints(newObj.metadata.labels, constraints)) return false;
    if (!oldObj || !nodeLabelsMatchConstraints(oldObj.metadata.labels, constraints)) return true;
    if (constraints.some((c) => oldObj.metadata.labels?.[c.topologyKey] !== newObj.metadata.labels?.[c.topologyKey])) return true;
    return constraints.some((c) => c.nodeTaintsPolicy === 'Honor') && JSON.stringify(oldObj.spec?.taints ?? []) !== JSON.stringify(newObj.spec?.taints ?? []);
  }

  return {
    name: NAME,
    isSchedulableAfter,

    preFilter(pod, state, snapshot) {
      let s: PreFilterState;
      try {
        s = calPreFilterState(pod, snapshot);
      } catch (err) {
        return errorStatus(`get constraints from pod: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (s.constraints.length === 0) return SKIP;
      state.write(PRE_FILTER_KEY, s);
      return SUCCESS;
    },

    preFilterAddPod: (pod, state, added, nodeInfo) => extension(pod, state, added, nodeInfo, 1),
    preFilterRemovePod: (pod, state, removed, nodeInfo) => extension(pod, state, removed, nodeInfo, -1),

    filter(pod, nodeInfo, state) {
      const s = readPreFilter(state);
      if (!s) return errorStatus(`reading "${PRE_FILTER_KEY}" from cycleState: not found`);
      const labels = nodeInfo.node?.metadata.labels;
      for (let i = 0; i < s.constraints.length; i++) {
        const c = s.constraints[i];
        if (!labels || !Object.prototype.hasOwnProperty.call(labels, c.topologyKey)) return NODE_LABEL_NOT_MATCH;
        const selfMatch = c.selector.matches(pod.metadata.labels) ? 1 : 0;
        const skew = (s.tpValueToMatchNum[i].get(labels[c.topologyKey]) ?? 0) + selfMatch - s.minMatchNum(i, c.minDomains);
        if (skew > c.maxSkew) return CONSTRAINTS_NOT_MATCH;
      }
      return SUCCESS;
    },

    preScore(pod, state, nodes, snapshot) {
      const all = snapshot.nodeInfos();
      if (all.length === 0) return SKIP;
      const hasOwn = (pod.spec?.topologySpreadConstraints?.length ?? 0) > 0;
      // Only non-default rules need every topology label: a node without a zone still
      // spreads by hostname under the system defaults.
      const requireAll = hasOwn || !systemDefaulted;
      let constraints: Constraint[];
      try {
        constraints = constraintsOf(pod, 'ScheduleAnyway');
      } catch (err) {
        return errorStatus(`calculating preScoreState: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (constraints.length === 0) return SKIP;
      const ignoredNodes = new Set<string>();
      const counts = constraints.map(() => new Map<string, number>());
      const topoSize = constraints.map(() => 0);
      for (const info of nodes) {
        const labels = info.node?.metadata.labels;
        if (requireAll && !nodeLabelsMatchConstraints(labels, constraints)) {
          ignoredNodes.add(info.name);
          continue;
        }
        for (let i = 0; i < constraints.length; i++) {
          const key = constraints[i].topologyKey;
          if (key === LABEL_HOSTNAME) continue;
          const value = labels?.[key] ?? '';
          if (!counts[i].has(value)) {
            counts[i].set(value, 0);
            topoSize[i]++;
          }
        }
      }
      const weights = constraints.map((c, i) => topologyNormalizingWeight(c.topologyKey === LABEL_HOSTNAME ? nodes.length - ignoredNodes.size : topoSize[i]));
      // Domain counts over every node (hostname counts are per scored node, in Score).
      // (Only the domains of scored nodes are needed.)
      if (constraints.some((c) => c.topologyKey !== LABEL_HOSTNAME)) {
        const required = compileRequired(pod);
        for (let i = 0; i < constraints.length; i++) {
          if (constraints[i].topologyKey === LABEL_HOSTNAME) continue;
          const domains = tallyFor(snapshot, pod, constraints, i, requireAll, required).domains;
          for (const value of counts[i].keys()) counts[i].set(value, domains.get(value)?.count ?? 0);
        }
      }
      const s: PreScoreState = { constraints, ignoredNodes, counts, weights };
      state.write(PRE_SCORE_KEY, s);
      return SUCCESS;
    },

    score(pod, nodeInfo, state) {
      const s = state.read<PreScoreState>(PRE_SCORE_KEY);
      if (!s) throw new Error(`reading "${PRE_SCORE_KEY}" from cycleState: not found`);
      if (s.ignoredNodes.has(nodeInfo.name)) return 0;
      const labels = nodeInfo.node?.metadata.labels;
      if (!labels) return 0;
      let score = 0;
      for (let i = 0; i < s.constraints.length; i++) {
        const c = s.constraints[i];
        if (!Object.prototype.hasOwnProperty.call(labels, c.topologyKey)) continue;
        const cnt = c.topologyKey === LABEL_HOSTNAME
          ? countMatching(nodeInfo, c.selector, pod.metadata.namespace ?? '')
          : s.counts[i].get(labels[c.topologyKey]) ?? 0;
        score += scoreForCount(cnt, c.maxSkew, s.weights[i]);
      }
      return Math.round(score);
    },

    // Fewer matching pods → higher: 100 × (max + min − score) / max; ignored nodes 0.
    normalize(_pod, state, nodes, scores) {
      const s = state.read<PreScoreState>(PRE_SCORE_KEY);
      if (!s) return;
      let min = Number.MAX_SAFE_INTEGER;
      let max = 0;
      for (let i = 0; i < scores.length; i++) {
        if (s.ignoredNodes.has(nodes[i].name)) continue;
        if (scores[i] < min) min = scores[i];
        if (scores[i] > max) max = scores[i];
      }
      for (let i = 0; i < scores.length; i++) {
        if (s.ignoredNodes.has(nodes[i].name)) scores[i] = 0;
        else if (max === 0) scores[i] = MAX_NODE_SCORE;
        else scores[i] = Math.trunc((MAX_NODE_SCORE * (max + min - scores[i])) / max);
      }
    },
  };
}

/** The registry's instance: no Services or controllers to read, so no default constraints. */
export const plugin = podTopologySpreadPlugin();
