// InterPodAffinity: place a pod near pods it has affinity to and away from pods it has
// anti-affinity to, in terms of a topology (the nodes sharing a label value), and respect
// the required anti-affinity of the pods already placed. A port of kube-scheduler 1.32's
// plugins/interpodaffinity (filtering.go, scoring.go, plugin.go).
//
// PreFilter counts, once per pod, the matching pods per topology pair (key=value): the
// pods its required affinity terms select, the pods its required anti-affinity terms
// select, and the existing pods whose required anti-affinity selects it. The counts come
// from DomainTallies (domain-tally.ts) kept up to date from the Snapshot's change log, one
// per distinct term, so a decision recounts only the nodes changed since the last one
// with the same terms instead of every pod in the cluster. Filter then
// looks up the node's values of those topology keys: O(terms) per node. A pod without
// (anti-)affinity in a cluster without pods with required anti-affinity is skipped at
// once. PreScore sums preferred terms' weights (and the existing pods' terms toward the
// incoming pod, symmetric) per topology pair; Score looks the node's pairs up.
//
// matchLabelKeys/mismatchLabelKeys are not read here: in 1.32 the apiserver merges them
// into labelSelector when the pod is created (MatchLabelKeysInPodAffinity, beta).
import type { Pod } from '../../api/types/core.js';
import { type LabelSelectorMatcher, nothing } from '../../api/labels.js';
import { type AffinityTerm, podAffinityInfoOf, type PodAffinityInfo, podMatchesAllAffinityTerms, termMatches, type WeightedAffinityTerm } from '../affinity-terms.js';
import {
  type ClusterChange, type CycleState, type EnqueueExtensions, errorStatus, type FilterPlugin, rejection, MAX_NODE_SCORE, type PreFilterPlugin, type PreScorePlugin, type ScorePlugin,
  SKIP, type Status, SUCCESS, unresolvable,
} from '../framework.js';
import type { NodeInfo, PodInfo, Snapshot } from '../node-info.js';
import { type Domain, type DomainTally, tallyOf } from '../domain-tally.js';

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
 * topologyToMatchedTermCount). The counts over the cluster come from DomainTallies,
 * shared and read-only (`addBase`); what preemption's dry runs and nominated pods add or
 * remove (`update`) is kept on top, so a copy costs only those changes.
 */
export class TopologyCounts {
  private readonly base: { readonly key: string; readonly domains: ReadonlyMap<string, Domain> }[] = [];
  private baseTotal = 0;
  private readonly delta = new Map<string, Map<string, number>>();
  private deltaTotal = 0;

  /** Counts `tally`'s pods under topology key `key`. */
  addBase(key: string, tally: DomainTally): void {
    if (tally.total === 0) return;
    this.base.push({ key, domains: tally.domains });
    this.baseTotal += tally.total;
  }

  get(key: string, value: string): number {
    let n = 0;
    for (const b of this.base) if (b.key === key) n += b.domains.get(value)?.count ?? 0;
    if (this.delta.size > 0) n += this.delta.get(key)?.get(value) ?? 0;
    return n;
  }

  /** Whether any pair has pods (counts never go below zero, so the total tells). */
  hasAny(): boolean {
    return this.baseTotal + this.deltaTotal > 0;
  }

  /** The number of pairs with pods. */
  get size(): number {
    const pairs = new Set<string>();
    for (const b of this.base) for (const v of b.domains.keys()) pairs.add(`${b.key}\0${v}`);
    for (const [k, values] of this.delta) for (const v of values.keys()) pairs.add(`${k}\0${v}`);
    let n = 0;
    for (const pair of pairs) {
      const [k, v] = pair.split('\0');
      if (this.get(k, v) > 0) n++;
    }
    return n;
  }

  /** Adds `delta` to the pair (key, the node's value of key); nothing when the node lacks the label. */
  update(nodeLabels: Labels, key: string, delta: number): void {
    const value = nodeLabels[key];
    if (value === undefined) return;
    let values = this.delta.get(key);
    if (!values) this.delta.set(key, (values = new Map()));
    values.set(value, (values.get(value) ?? 0) + delta);
    this.deltaTotal += delta;
  }

  /** Whether any pair the node is in has a positive count (the node's value of every key counted). */
  anyPositiveOn(nodeLabels: Labels): boolean {
    for (const b of this.base) {
      const v = nodeLabels[b.key];
      if (v !== undefined && this.get(b.key, v) > 0) return true;
    }
    for (const key of this.delta.keys()) {
      const v = nodeLabels[key];
      if (v !== undefined && this.get(key, v) > 0) return true;
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
    c.base.push(...this.base);
    c.baseTotal = this.baseTotal;
    for (const [k, values] of this.delta) c.delta.set(k, new Map(values));
    c.deltaTotal = this.deltaTotal;
    return c;
  }
}

const termKeys = new WeakMap<AffinityTerm, string>();
const selectorKey = (sel: LabelSelectorMatcher): string => (sel.matchesNothing ? '\u2205' : `{${sel.toString()}}`);

/** Everything a term matches by, as a string: equal keys select the same pods. */
function termKey(t: AffinityTerm): string {
  let k = termKeys.get(t);
  if (k === undefined) {
    k = [[...t.namespaces].sort().join(','), selectorKey(t.namespaceSelector), selectorKey(t.selector), t.topologyKey].join('\0');
    termKeys.set(t, k);
  }
  return k;
}

/**
 * The distinct required anti-affinity terms of the pods placed in a Snapshot, found from its
 * change log. Terms are never forgotten: one whose pods are gone counts nothing.
 */
class ExistingAntiAffinityTerms {
  private version = -1;
  readonly terms = new Map<string, AffinityTerm>();

  sync(snapshot: Snapshot): this {
    const changed = this.version < 0 ? undefined : snapshot.changedSince(this.version);
    for (const info of changed ?? snapshot.havePodsWithRequiredAntiAffinity()) {
      for (const pi of info.podsWithRequiredAntiAffinity?.values() ?? []) {
        for (const t of pi.affinity!.requiredAntiAffinityTerms) {
          const k = termKey(t);
          if (!this.terms.has(k)) this.terms.set(k, t);
        }
      }
    }
    this.version = snapshot.version;
    return this;
  }
}

const existingTerms = new WeakMap<Snapshot, ExistingAntiAffinityTerms>();

/**
 * kube-scheduler getExistingAntiAffinityCounts: per topology pair, the existing pods'
 * required anti-affinity terms that select `pod`. Each distinct term is matched against
 * the pod once; its pods per domain come from a tally.
 */
function existingAntiAffinityCounts(counts: TopologyCounts, pod: Pod, nsLabels: Labels | undefined, snapshot: Snapshot): void {
  let index = existingTerms.get(snapshot);
  if (!index) existingTerms.set(snapshot, (index = new ExistingAntiAffinityTerms()));
  for (const [k, term] of index.sync(snapshot).terms) {
    if (!termMatches(term, pod, nsLabels)) continue;
    counts.addBase(term.topologyKey, tallyOf(snapshot, `${NAME}\0existing\0${k}`, (info) => {
      const v = info.node?.metadata.labels?.[term.topologyKey];
      if (v === undefined || !info.podsWithRequiredAntiAffinity) return undefined;
      let n = 0;
      for (const pi of info.podsWithRequiredAntiAffinity.values()) for (const t of pi.affinity!.requiredAntiAffinityTerms) if (termKey(t) === k) n++;
      return { value: v, count: n };
    }));
  }
}

/** kube-scheduler getIncomingAffinityAntiAffinityCounts, from tallies: pods matching all the affinity terms, and each anti-affinity term. */
function incomingCounts(s: PreFilterState, snapshot: Snapshot): void {
  const aff = s.requiredAffinityTerms;
  if (aff.length > 0) {
    const allKey = aff.map(termKey).join('\0\0');
    aff.forEach((t, i) => {
      s.affinityCounts.addBase(t.topologyKey, tallyOf(snapshot, `${NAME}\0affinity\0${allKey}\0${i}`, (info) => {
        const v = info.node?.metadata.labels?.[t.topologyKey];
        if (v === undefined) return undefined;
        let n = 0;
        for (const pi of info.pods.values()) if (podMatchesAllAffinityTerms(aff, pi.pod)) n++;
        return { value: v, count: n };
      }));
    });
  }
  for (const t of s.requiredAntiAffinityTerms) {
    s.antiAffinityCounts.addBase(t.topologyKey, tallyOf(snapshot, `${NAME}\0anti\0${termKey(t)}`, (info) => {
      const v = info.node?.metadata.labels?.[t.topologyKey];
      if (v === undefined) return undefined;
      let n = 0;
      // The incoming pod's namespace selectors are merged into namespaces: no labels needed.
      for (const pi of info.pods.values()) if (termMatches(t, pi.pod, undefined)) n++;
      return { value: v, count: n };
    }));
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
    // `{}` selects every namespace (kept as is); no selector adds none.
    if (t.namespaceSelector.empty() || t.namespaceSelector.matchesNothing) return t;
    const namespaces = new Set(t.namespaces);
    for (const n of snapshot.namespacesMatching((labels) => t.namespaceSelector.matches(labels))) namespaces.add(n);
    return { ...t, namespaces, namespaceSelector: nothing() };
  });
}

const hasLabel = (labels: Labels, key: string): boolean => Object.prototype.hasOwnProperty.call(labels, key);

const hintTerms = new WeakMap<Pod, PodAffinityInfo | undefined>();

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
  // A waiting pod is asked about every bind in the cluster: its terms are compiled once.
  let info = hintTerms.get(pod);
  if (info === undefined && !hintTerms.has(pod)) hintTerms.set(pod, (info = podAffinityInfoOf(pod)));
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
  const existingAnti = snapshot.hasPodsWithRequiredAntiAffinity();
  const hasRequired = !!affinity && (affinity.requiredAffinityTerms.length > 0 || affinity.requiredAntiAffinityTerms.length > 0);
  // The common case costs nothing: no terms of its own and none on existing pods.
  if (!hasRequired && !existingAnti) return SKIP;
  const nsLabels = snapshot.namespaceLabels(pod.metadata.namespace ?? '');
  const s = new PreFilterState(
    pod,
    mergeNamespaces(affinity?.requiredAffinityTerms ?? [], snapshot),
    mergeNamespaces(affinity?.requiredAntiAffinityTerms ?? [], snapshot),
    nsLabels,
  );
  if (existingAnti) existingAntiAffinityCounts(s.existingAntiAffinityCounts, pod, nsLabels, snapshot);
  if (hasRequired) incomingCounts(s, snapshot);
  if (!s.existingAntiAffinityCounts.hasAny() && !hasRequired) return SKIP;
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
  return !s.affinityCounts.hasAny() && podMatchesAllAffinityTerms(s.requiredAffinityTerms, s.pod);
}

function satisfyPodAntiAffinity(s: PreFilterState, labels: Labels): boolean {
  if (!s.antiAffinityCounts.hasAny()) return true;
  for (const t of s.requiredAntiAffinityTerms) {
    const v = labels[t.topologyKey];
    if (v !== undefined && s.antiAffinityCounts.get(t.topologyKey, v) > 0) return false;
  }
  return true;
}

const AFFINITY_NOT_MATCH = rejection('UnschedulableAndUnresolvable', NAME, ERR_REASON_AFFINITY_RULES_NOT_MATCH);
const ANTI_AFFINITY_NOT_MATCH = rejection('Unschedulable', NAME, ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH);
const EXISTING_ANTI_AFFINITY_NOT_MATCH = rejection('Unschedulable', NAME, ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH);

export function filter(_pod: Pod, nodeInfo: NodeInfo, state: CycleState): Status {
  const s = preFilterState(state);
  if (!s) return missingState(PRE_FILTER_STATE_KEY);
  const labels = labelsOf(nodeInfo);
  if (!satisfyPodAffinity(s, labels)) return AFFINITY_NOT_MATCH;
  if (!satisfyPodAntiAffinity(s, labels)) return ANTI_AFFINITY_NOT_MATCH;
  if (s.existingAntiAffinityCounts.hasAny() && s.existingAntiAffinityCounts.anyPositiveOn(labels)) {
    return EXISTING_ANTI_AFFINITY_NOT_MATCH;
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
      // Without preferred terms of its own, only pods whose own terms score others can add
      // anything (pods with only required anti-affinity cannot).
      const infos = hasConstraints ? snapshot.nodeInfos() : snapshot.havePodsScoringOthers();
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
