// InterPodAffinity: place a pod near pods it has affinity to and away from pods it has
// anti-affinity to, in terms of a topology (the nodes sharing a label value), and respect
// the required anti-affinity of the pods already placed. A port of kube-scheduler 1.32's
// plugins/interpodaffinity (filtering.go, scoring.go, plugin.go).
//
// PreFilter counts, once per pod, the matching pods per topology pair (key=value): the
// pods its required affinity terms select, the pods its required anti-affinity terms
// select, and the existing pods whose required anti-affinity selects it. Filter then
// looks up the node's values of those topology keys: O(terms) per node. A pod without
// (anti-)affinity in a cluster without pods with required anti-affinity is skipped at
// once. PreScore sums preferred terms' weights (and the existing pods' terms toward the
// incoming pod, symmetric) per topology pair; Score looks the node's pairs up.
//
// matchLabelKeys/mismatchLabelKeys are not read here: in 1.32 the apiserver merges them
// into labelSelector when the pod is created (MatchLabelKeysInPodAffinity, beta).
import type { Pod } from '../../api/types/core.js';
import { nothing } from '../../api/labels.js';
import { type AffinityTerm, podAffinityInfoOf, podMatchesAllAffinityTerms, termMatches, type WeightedAffinityTerm } from '../affinity-terms.js';
import {
  type ClusterChange, type CycleState, type EnqueueExtensions, errorStatus, type FilterPlugin, MAX_NODE_SCORE, type PreFilterPlugin, type PreScorePlugin, type ScorePlugin,
  SKIP, type Status, SUCCESS, unresolvable, unschedulable,
} from '../framework.js';
import type { NodeInfo, PodInfo, Snapshot } from '../node-info.js';

export const NAME = 'InterPodAffinity';

export const ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH = "node(s) didn't satisfy existing pods anti-affinity rules";
export const ERR_REASON_AFFINITY_RULES_NOT_MATCH = "node(s) didn't match pod affinity rules";
export const ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH = "node(s) didn't match pod anti-affinity rules";

/** InterPodAffinityArgs.hardPodAffinityWeight's default: the score weight of an existing pod's required affinity term. */
export const DEFAULT_HARD_POD_AFFINITY_WEIGHT = 1;

const PRE_FILTER_STATE_KEY = 'PreFilter' + NAME;
const PRE_SCORE_STATE_KEY = 'PreScore' + NAME;

type Labels = Readonly<Record<string, string>>;
const EMPTY_LABELS: Labels = Object.freeze({});
const labelsOf = (info: NodeInfo): Labels => info.node?.metadata.labels ?? EMPTY_LABELS;

/**
 * Matching pods per topology pair: topology key -> value -> count (kube-scheduler
 * topologyToMatchedTermCount). Pairs at zero are removed, so `size` is the number of
 * pairs with pods.
 */
export class TopologyCounts {
  private readonly byKey = new Map<string, Map<string, number>>();
  size = 0;

  get(key: string, value: string): number {
    return this.byKey.get(key)?.get(value) ?? 0;
  }

  /** Adds `delta` to the pair (key, the node's value of key); nothing when the node lacks the label. */
  update(nodeLabels: Labels, key: string, delta: number): void {
    const value = nodeLabels[key];
    if (value === undefined) return;
    let values = this.byKey.get(key);
    if (!values) this.byKey.set(key, (values = new Map()));
    const before = values.get(value) ?? 0;
    const n = before + delta;
    if (n === 0) {
      values.delete(value);
      if (values.size === 0) this.byKey.delete(key);
      if (before !== 0) this.size--;
    } else {
      values.set(value, n);
      if (before === 0) this.size++;
    }
  }

  /** Whether any pair the node is in has a positive count (the node's value of every key counted). */
  anyPositiveOn(nodeLabels: Labels): boolean {
    for (const [key, values] of this.byKey) {
      const v = nodeLabels[key];
      if (v !== undefined && (values.get(v) ?? 0) > 0) return true;
    }
    return false;
  }

  /** kube-scheduler updateWithAffinityTerms: every term's pair counts `pod` when it matches ALL the terms. */
  addAffinityMatch(terms: readonly AffinityTerm[], pod: Pod, nodeLabels: Labels, delta: number): void {
    if (!podMatchesAllAffinityTerms(terms, pod)) return;
    for (const t of terms) this.update(nodeLabels, t.topologyKey, delta);
  }

  /** kube-scheduler updateWithAntiAffinityTerms: each term matching `pod` counts on its own. */
  addAntiAffinityMatches(terms: readonly AffinityTerm[], pod: Pod, nsLabels: Labels | undefined, nodeLabels: Labels, delta: number): void {
    for (const t of terms) if (termMatches(t, pod, nsLabels)) this.update(nodeLabels, t.topologyKey, delta);
  }

  clone(): TopologyCounts {
    const c = new TopologyCounts();
    for (const [k, values] of this.byKey) c.byKey.set(k, new Map(values));
    c.size = this.size;
    return c;
  }
}

/**
 * The incoming pod's terms with their namespaceSelector resolved into namespaces
 * (kube-scheduler mergeAffinityTermNamespacesIfNotEmpty): the names of the namespaces the
 * selector matches now join `namespaces` and the selector becomes "nothing", so matching
 * an existing pod needs no lookup of its namespace's labels. An empty selector (`{}`,
 * every namespace) is kept as is.
 */
function mergeNamespaces<T extends AffinityTerm>(terms: readonly T[], snapshot: Snapshot): T[] {
  return terms.map((t) => {
    if (t.namespaceSelector.empty()) return t;
    const namespaces = new Set(t.namespaces);
    for (const n of snapshot.namespacesMatching((labels) => t.namespaceSelector.matches(labels))) namespaces.add(n);
    return { ...t, namespaces, namespaceSelector: nothing() };
  });
}

const hasLabel = (labels: Labels, key: string): boolean => Object.prototype.hasOwnProperty.call(labels, key);

/**
 * InterPodAffinity's QueueingHints (kube-scheduler isSchedulableAfterPodChange and
 * isSchedulableAfterNodeChange). A bound pod helps when it is added or relabelled into
 * the pod's required affinity, relabelled out of or deleted from its required
 * anti-affinity, or deleted while its own required anti-affinity kept the pod away
 * (symmetry; kube-scheduler 1.32 misses this one). A node helps when a topology key of
 * the pod's terms appears or changes on it; for a pod held back only by other pods'
 * anti-affinity, any node event may help.
 */
export function isSchedulableAfter(pod: Pod, change: ClusterChange, snapshot: Snapshot): boolean {
  const info = podAffinityInfoOf(pod);
  const terms = mergeNamespaces(info?.requiredAffinityTerms ?? [], snapshot);
  const antiTerms = mergeNamespaces(info?.requiredAntiAffinityTerms ?? [], snapshot);
  if (change.resource === 'Node') {
    const labels = change.newObj?.metadata.labels ?? EMPTY_LABELS;
    if (!change.newObj) return false;
    if (terms.length === 0 && antiTerms.length === 0) return true;
    const old = change.oldObj?.metadata.labels;
    const changed = (key: string): boolean => !old || old[key] !== labels[key];
    return terms.some((t) => hasLabel(labels, t.topologyKey) && changed(t.topologyKey)) || antiTerms.some((t) => changed(t.topologyKey));
  }
  const { oldObj, newObj } = change;
  // Pending pods are not counted by the filter.
  if ((newObj && !newObj.spec?.nodeName) || (oldObj && !oldObj.spec?.nodeName)) return false;
  if (oldObj && newObj) {
    if (!podMatchesAllAffinityTerms(terms, oldObj) && podMatchesAllAffinityTerms(terms, newObj)) return true;
    return antiTerms.some((t) => termMatches(t, oldObj, undefined) && !termMatches(t, newObj, undefined));
  }
  if (newObj) return podMatchesAllAffinityTerms(terms, newObj);
  if (!oldObj) return false;
  if (antiTerms.some((t) => termMatches(t, oldObj, undefined))) return true;
  const nsLabels = snapshot.namespaceLabels(pod.metadata.namespace ?? '');
  return (podAffinityInfoOf(oldObj)?.requiredAntiAffinityTerms ?? []).some((t) => termMatches(t, pod, nsLabels));
}

/** What PreFilter computed for Filter; preemption's dry runs clone it and update it with preFilterAddPod/RemovePod. */
export class PreFilterState {
  constructor(
    readonly pod: Pod,
    readonly requiredAffinityTerms: readonly AffinityTerm[],
    readonly requiredAntiAffinityTerms: readonly AffinityTerm[],
    readonly namespaceLabels: Labels | undefined,
    /** Existing pods whose required anti-affinity terms match the incoming pod. */
    readonly existingAntiAffinityCounts = new TopologyCounts(),
    /** Existing pods matching all of the incoming pod's required affinity terms. */
    readonly affinityCounts = new TopologyCounts(),
    /** Existing pods matching the incoming pod's required anti-affinity terms. */
    readonly antiAffinityCounts = new TopologyCounts(),
  ) {}

  /** kube-scheduler preFilterState.updateWithPod: counts `pi` on the node with `nodeLabels` (`multiplier` ±1). */
  updateWithPod(pi: PodInfo, nodeLabels: Labels, multiplier: number): void {
    const anti = pi.affinity?.requiredAntiAffinityTerms;
    if (anti) this.existingAntiAffinityCounts.addAntiAffinityMatches(anti, this.pod, this.namespaceLabels, nodeLabels, multiplier);
    this.affinityCounts.addAffinityMatch(this.requiredAffinityTerms, pi.pod, nodeLabels, multiplier);
    this.antiAffinityCounts.addAntiAffinityMatches(this.requiredAntiAffinityTerms, pi.pod, undefined, nodeLabels, multiplier);
  }

  clone(): PreFilterState {
    return new PreFilterState(
      this.pod, this.requiredAffinityTerms, this.requiredAntiAffinityTerms, this.namespaceLabels,
      this.existingAntiAffinityCounts.clone(), this.affinityCounts.clone(), this.antiAffinityCounts.clone(),
    );
  }
}

export function preFilter(pod: Pod, state: CycleState, snapshot: Snapshot): Status {
  const affinity = state.podInfo.affinity;
  if (affinity?.parseError) return unresolvable(`parsing pod: ${affinity.parseError}`);
  const nodesWithAntiAffinityPods = snapshot.havePodsWithRequiredAntiAffinity();
  const hasRequired = !!affinity && (affinity.requiredAffinityTerms.length > 0 || affinity.requiredAntiAffinityTerms.length > 0);
  // The common case costs nothing: no terms of its own and none on existing pods.
  if (!hasRequired && nodesWithAntiAffinityPods.length === 0) return SKIP;
  const nsLabels = snapshot.namespaceLabels(pod.metadata.namespace ?? '');
  const s = new PreFilterState(
    pod,
    mergeNamespaces(affinity?.requiredAffinityTerms ?? [], snapshot),
    mergeNamespaces(affinity?.requiredAntiAffinityTerms ?? [], snapshot),
    nsLabels,
  );
  for (const info of nodesWithAntiAffinityPods) {
    const labels = labelsOf(info);
    for (const existing of info.podsWithRequiredAntiAffinity!.values()) {
      s.existingAntiAffinityCounts.addAntiAffinityMatches(existing.affinity!.requiredAntiAffinityTerms, pod, nsLabels, labels, 1);
    }
  }
  if (hasRequired) {
    for (const info of snapshot.nodeInfos()) {
      const labels = labelsOf(info);
      for (const existing of info.pods.values()) {
        s.affinityCounts.addAffinityMatch(s.requiredAffinityTerms, existing.pod, labels, 1);
        // The incoming pod's namespace selectors are merged into namespaces: no labels needed.
        s.antiAffinityCounts.addAntiAffinityMatches(s.requiredAntiAffinityTerms, existing.pod, undefined, labels, 1);
      }
    }
  }
  if (s.existingAntiAffinityCounts.size === 0 && !hasRequired) return SKIP;
  state.write(PRE_FILTER_STATE_KEY, s);
  return SUCCESS;
}

function preFilterState(state: CycleState): PreFilterState | undefined {
  return state.read<PreFilterState>(PRE_FILTER_STATE_KEY);
}

const missingState = (key: string): Status => errorStatus(`error reading "${key}" from cycleState: not found`);

/** kube-scheduler AddPod / RemovePod (PreFilterExtensions). */
function updateState(state: CycleState, pi: PodInfo, nodeInfo: NodeInfo, multiplier: number): Status {
  const s = preFilterState(state);
  if (!s) return missingState(PRE_FILTER_STATE_KEY);
  s.updateWithPod(pi, labelsOf(nodeInfo), multiplier);
  return SUCCESS;
}

/** Every required affinity term has pods in the node's topology, or the pod is the first of a series that selects itself. */
function satisfyPodAffinity(s: PreFilterState, labels: Labels): boolean {
  let podsExist = true;
  for (const t of s.requiredAffinityTerms) {
    const v = labels[t.topologyKey];
    // All topology labels must exist on the node.
    if (v === undefined) return false;
    if (s.affinityCounts.get(t.topologyKey, v) <= 0) podsExist = false;
  }
  if (podsExist) return true;
  // The first pod of a series with affinity to itself: no pod in the cluster matches yet, so
  // it may go to any node that has the topology labels, or it would stay pending forever.
  return s.affinityCounts.size === 0 && podMatchesAllAffinityTerms(s.requiredAffinityTerms, s.pod);
}

function satisfyPodAntiAffinity(s: PreFilterState, labels: Labels): boolean {
  if (s.antiAffinityCounts.size === 0) return true;
  for (const t of s.requiredAntiAffinityTerms) {
    const v = labels[t.topologyKey];
    if (v !== undefined && s.antiAffinityCounts.get(t.topologyKey, v) > 0) return false;
  }
  return true;
}

export function filter(_pod: Pod, nodeInfo: NodeInfo, state: CycleState): Status {
  const s = preFilterState(state);
  if (!s) return missingState(PRE_FILTER_STATE_KEY);
  const labels = labelsOf(nodeInfo);
  if (!satisfyPodAffinity(s, labels)) return unresolvable(ERR_REASON_AFFINITY_RULES_NOT_MATCH);
  if (!satisfyPodAntiAffinity(s, labels)) return unschedulable(ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH);
  if (s.existingAntiAffinityCounts.size > 0 && s.existingAntiAffinityCounts.anyPositiveOn(labels)) {
    return unschedulable(ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH);
  }
  return SUCCESS;
}

/** Score per topology pair: key -> value -> summed weights (kube-scheduler scoreMap). */
type ScoreMap = Map<string, Map<string, number>>;

interface PreScoreState {
  readonly topologyScore: ScoreMap;
}

function addScore(m: ScoreMap, term: AffinityTerm, weight: number, pod: Pod, nsLabels: Labels | undefined, nodeLabels: Labels): void {
  if (!termMatches(term, pod, nsLabels)) return;
  const v = nodeLabels[term.topologyKey];
  if (v === undefined) return;
  let values = m.get(term.topologyKey);
  if (!values) m.set(term.topologyKey, (values = new Map()));
  values.set(v, (values.get(v) ?? 0) + weight);
}

function addScores(m: ScoreMap, terms: readonly WeightedAffinityTerm[], pod: Pod, nsLabels: Labels | undefined, nodeLabels: Labels, multiplier: number): void {
  for (const t of terms) addScore(m, t, t.weight * multiplier, pod, nsLabels, nodeLabels);
}

/** Options of the plugin (kube-scheduler InterPodAffinityArgs). */
export interface InterPodAffinityArgs {
  /** Score weight of an existing pod's required affinity term matching the incoming pod, 0..100 (default 1). */
  hardPodAffinityWeight?: number;
  /** Score only by the incoming pod's preferred terms (default false). */
  ignorePreferredTermsOfExistingPods?: boolean;
}

/** The plugin with `args` (kube-scheduler New with InterPodAffinityArgs). */
export function interPodAffinityPlugin(args: InterPodAffinityArgs = {}): PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin & EnqueueExtensions {
  const hardWeight = args.hardPodAffinityWeight ?? DEFAULT_HARD_POD_AFFINITY_WEIGHT;
  if (!Number.isInteger(hardWeight) || hardWeight < 0 || hardWeight > 100) {
    throw new Error(`hardPodAffinityWeight: Invalid value: ${hardWeight}: not in valid range [0-100]`);
  }
  const ignoreExisting = args.ignorePreferredTermsOfExistingPods ?? false;

  /** kube-scheduler processExistingPod: what `existing` on `nodeLabels` adds to the incoming pod's scores. */
  function processExistingPod(m: ScoreMap, incoming: Pod, terms: { aff: readonly WeightedAffinityTerm[]; anti: readonly WeightedAffinityTerm[] }, nsLabels: Labels | undefined, existing: PodInfo, nodeLabels: Labels): void {
    // The incoming pod's namespace selectors are merged into namespaces: no labels needed.
    addScores(m, terms.aff, existing.pod, undefined, nodeLabels, 1);
    addScores(m, terms.anti, existing.pod, undefined, nodeLabels, -1);
    const ea = existing.affinity;
    if (!ea) return;
    if (hardWeight > 0) for (const t of ea.requiredAffinityTerms) addScore(m, t, hardWeight, incoming, nsLabels, nodeLabels);
    addScores(m, ea.preferredAffinityTerms, incoming, nsLabels, nodeLabels, 1);
    addScores(m, ea.preferredAntiAffinityTerms, incoming, nsLabels, nodeLabels, -1);
  }

  return {
    name: NAME,
    isSchedulableAfter,
    preFilter,
    preFilterAddPod: (_pod, state, added, nodeInfo) => updateState(state, added, nodeInfo, 1),
    preFilterRemovePod: (_pod, state, removed, nodeInfo) => updateState(state, removed, nodeInfo, -1),
    filter,

    preScore(pod, state, nodes, snapshot) {
      if (nodes.length === 0) return SKIP;
      const affinity = state.podInfo.affinity;
      if (affinity?.parseError) return errorStatus(`failed to parse pod: ${affinity.parseError}`);
      const hasConstraints = !!affinity && (affinity.preferredAffinityTerms.length > 0 || affinity.preferredAntiAffinityTerms.length > 0);
      if (ignoreExisting && !hasConstraints) return SKIP;
      // Without preferred terms of its own, only the pods with affinity can score.
      const infos = hasConstraints ? snapshot.nodeInfos() : snapshot.havePodsWithAffinity();
      if (infos.length === 0) return SKIP;
      const terms = {
        aff: mergeNamespaces(affinity?.preferredAffinityTerms ?? [], snapshot),
        anti: mergeNamespaces(affinity?.preferredAntiAffinityTerms ?? [], snapshot),
      };
      const nsLabels = snapshot.namespaceLabels(pod.metadata.namespace ?? '');
      const topologyScore: ScoreMap = new Map();
      for (const info of infos) {
        const nodeLabels = labelsOf(info);
        if (nodeLabels === EMPTY_LABELS || Object.keys(nodeLabels).length === 0) continue;
        const pods = hasConstraints ? info.pods : info.podsWithAffinity;
        if (!pods) continue;
        for (const existing of pods.values()) processExistingPod(topologyScore, pod, terms, nsLabels, existing, nodeLabels);
      }
      if (topologyScore.size === 0) return SKIP;
      state.write(PRE_SCORE_STATE_KEY, { topologyScore } satisfies PreScoreState);
      return SUCCESS;
    },

    score(_pod, nodeInfo, state) {
      const s = state.read<PreScoreState>(PRE_SCORE_STATE_KEY);
      if (!s) return 0;
      const labels = labelsOf(nodeInfo);
      let score = 0;
      for (const [key, values] of s.topologyScore) {
        const v = labels[key];
        if (v !== undefined) score += values.get(v) ?? 0;
      }
      return score;
    },

    /** Min-max scaling to 0..100 (scores may be negative); all equal gives 0 everywhere. */
    normalize(_pod, state, _nodes, scores) {
      const s = state.read<PreScoreState>(PRE_SCORE_STATE_KEY);
      if (!s || s.topologyScore.size === 0) return;
      let min = Infinity;
      let max = -Infinity;
      for (const v of scores) {
        if (v > max) max = v;
        if (v < min) min = v;
      }
      const diff = max - min;
      for (let i = 0; i < scores.length; i++) scores[i] = diff > 0 ? Math.trunc(MAX_NODE_SCORE * ((scores[i] - min) / diff)) : 0;
    },
  };
}

export const plugin = interPodAffinityPlugin();
