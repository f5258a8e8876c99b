// The scheduling framework's extension points, a port of kube-scheduler's
// framework/interface.go reduced to what this scheduler runs: PreFilter, Filter, PreScore,
// Score (+ NormalizeScore). Plugins are plain objects implementing one or more of these
// interfaces; they are pure (no I/O) and never throw for "does not fit": they return a
// Status. scheduleOne (schedule-one.ts) is the only caller.
import type { Node, Pod } from '../api/types/core.js';
import { NodeInfo, podInfoOf, type PodInfo, type Snapshot } from './node-info.js';

/**
 * The outcome of one plugin call (kube-scheduler framework.Code):
 * - Success: the pod fits / the step succeeded.
 * - Unschedulable: does not fit now, but preemption (removing lower-priority pods) might help.
 * - UnschedulableAndUnresolvable: does not fit and preemption cannot help (a cordoned node,
 *   an untolerated taint, a node selector mismatch).
 * - Error: the plugin itself failed (bad input, a bug); the pod is retried with backoff.
 * - Skip: from PreFilter or PreScore only: this plugin has nothing to do for this pod, so its
 *   Filter or Score is not called in this cycle.
 */
export type Code = 'Success' | 'Error' | 'Unschedulable' | 'UnschedulableAndUnresolvable' | 'Skip';

/**
 * A plugin's verdict. `reasons` are the short strings counted into the FailedScheduling
 * message ("Insufficient cpu"); `plugin` is set by the framework to the plugin that
 * returned it.
 */
export interface Status {
  readonly code: Code;
  readonly reasons: readonly string[];
  readonly plugin?: string;
}

export const SUCCESS: Status = Object.freeze({ code: 'Success', reasons: Object.freeze([]) as readonly string[] });
export const SKIP: Status = Object.freeze({ code: 'Skip', reasons: Object.freeze([]) as readonly string[] });

export const unschedulable = (...reasons: string[]): Status => ({ code: 'Unschedulable', reasons });
export const unresolvable = (...reasons: string[]): Status => ({ code: 'UnschedulableAndUnresolvable', reasons });
export const errorStatus = (reason: string): Status => ({ code: 'Error', reasons: [reason] });

export const isSuccess = (s: Status): boolean => s.code === 'Success';
/** Unschedulable or UnschedulableAndUnresolvable (kube-scheduler Status.IsRejected). */
export const isRejected = (s: Status): boolean => s.code === 'Unschedulable' || s.code === 'UnschedulableAndUnresolvable';
/** The reasons joined as kube-scheduler's Status.Message() does. */
export const statusMessage = (s: Status): string => s.reasons.join(', ');
export const withPlugin = (s: Status, plugin: string): Status => (s.plugin === plugin ? s : { ...s, plugin });
/**
 * A rejection a filter returns for many nodes, made once and already tagged with its plugin,
 * so rejecting thousands of nodes in a decision allocates nothing.
 */
export const rejection = (code: 'Unschedulable' | 'UnschedulableAndUnresolvable', plugin: string, reason: string): Status =>
  Object.freeze({ code, reasons: Object.freeze([reason]) as readonly string[], plugin });

/** Kubernetes' MaxNodeScore: every Score and NormalizeScore result is within 0..100. */
export const MAX_NODE_SCORE = 100;
export const MIN_NODE_SCORE = 0;

/**
 * Per-pod, per-cycle scratch space shared by a plugin's PreFilter/PreScore and its
 * Filter/Score calls (kube-scheduler CycleState). A new one is made for every scheduling
 * attempt. Plugins store what they computed once for the pod (parsed requests, compiled
 * selectors) under their own key; Filter/Score must fall back to computing it when the
 * key is absent, so they can be called directly (tests, preemption dry runs).
 */
export class CycleState {
  private readonly data = new Map<string, unknown>();
  private info: PodInfo | undefined;
  /** Filter/Score plugins whose PreFilter/PreScore returned Skip in this cycle. */
  readonly skipFilter = new Set<string>();
  readonly skipScore = new Set<string>();

  constructor(readonly pod: Pod) {}

  /** The pod's derived data (requests, ports, owner), computed once per cycle. */
  get podInfo(): PodInfo {
    this.info ??= podInfoOf(this.pod);
    return this.info;
  }

  read<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }

  write(key: string, value: unknown): void {
    this.data.set(key, value);
  }

  /**
   * A copy for a dry run (preemption tries each candidate node on its own copy): values
   * with a `clone()` method are cloned, others shared (kube-scheduler's StateData.Clone).
   */
  clone(): CycleState {
    const copy = new CycleState(this.pod);
    copy.info = this.info;
    for (const [k, v] of this.data) {
      const c = v as { clone?: () => unknown } | null;
      copy.data.set(k, c !== null && typeof c === 'object' && typeof c.clone === 'function' ? c.clone() : v);
    }
    for (const n of this.skipFilter) copy.skipFilter.add(n);
    for (const n of this.skipScore) copy.skipScore.add(n);
    return copy;
  }
}

/** Every plugin has a unique name; the registry and the config refer to it by name. */
export interface Plugin {
  readonly name: string;
}

/**
 * Runs once per scheduling attempt before any Filter. It may precompute per-pod state into
 * `state` (reading the whole `snapshot`: pods on other nodes, namespaces), reject the pod
 * outright for every node (a rejected status ends the attempt with its reasons as the
 * message's PreFilter part) or return SKIP to skip this plugin's Filter.
 *
 * A plugin whose state counts pods across nodes also implements kube-scheduler's
 * PreFilterExtensions: `preFilterAddPod`/`preFilterRemovePod` update that state as if
 * `added`/`removed` were (or were no longer) on `nodeInfo`, so preemption's dry runs
 * (which remove victims, then add back the ones that can stay) filter against them.
 */
export interface PreFilterPlugin extends Plugin {
  preFilter(pod: Pod, state: CycleState, snapshot: Snapshot): Status;
  preFilterAddPod?(pod: Pod, state: CycleState, added: PodInfo, nodeInfo: NodeInfo): Status;
  preFilterRemovePod?(pod: Pod, state: CycleState, removed: PodInfo, nodeInfo: NodeInfo): Status;
}

/**
 * Decides whether `pod` may run on `nodeInfo`'s node given the pods already there (bound
 * and assumed). Called for many nodes per pod, so it must cost O(1) in the number of pods
 * on the node: use NodeInfo's aggregates, never a pass over its pods.
 */
export interface FilterPlugin extends Plugin {
  filter(pod: Pod, nodeInfo: NodeInfo, state: CycleState): Status;
  /**
   * filter() of each node whose out[i] is still undefined (no earlier filter rejected it),
   * writing a non-success status, tagged with this plugin, into out[i]. Optional, for the
   * filters every pod runs: a call per node through the framework's loop costs V8 more
   * than their check itself; the loop inside the plugin does not.
   */
  filterNodes?(pod: Pod, state: CycleState, nodes: readonly NodeInfo[], out: (Status | undefined)[]): void;
}

/**
 * Runs once per attempt before Score with the feasible nodes that will be scored; may
 * precompute per-pod state or return SKIP (this plugin's Score is not called and it adds
 * nothing to any node's total).
 */
export interface PreScorePlugin extends Plugin {
  preScore(pod: Pod, state: CycleState, nodes: readonly NodeInfo[], snapshot: Snapshot): Status;
}

/**
 * Ranks a feasible node. `score` returns an integer; without `normalize` it must be in
 * 0..100. `normalize` (kube-scheduler NormalizeScore) rewrites `scores` (parallel to
 * `nodes`) in place into 0..100 once every node has been scored, for plugins whose raw
 * score is a count (matching pods, intolerable taints, preferred term weights).
 */
export interface ScorePlugin extends Plugin {
  score(pod: Pod, nodeInfo: NodeInfo, state: CycleState): number;
  /**
   * score() of every node into `out` (out[i] for nodes[i]) in one call. Optional, for the
   * plugins that score every pod: a call per node through the framework's loop, where every
   * plugin passes, costs V8 more than their score itself; the loop inside the plugin does not.
   */
  scoreNodes?(pod: Pod, state: CycleState, nodes: readonly NodeInfo[], out: number[]): void;
  normalize?(pod: Pod, state: CycleState, nodes: readonly NodeInfo[], scores: number[]): void;
}

/**
 * Runs when a pod is about to enter the active queue (kube-scheduler PreEnqueue): a
 * rejection keeps it out, parked among the unschedulable pods, until an update to the pod
 * (SchedulingGates: the last gate removed) lets it in. Must be cheap: it runs on every add.
 */
export interface PreEnqueuePlugin extends Plugin {
  preEnqueue(pod: Pod): Status;
}

/** What the Filter phase left for PostFilter: each rejected node's status, and the status of nodes not in the map. */
export interface FilteredNodes {
  readonly nodeToStatus: ReadonlyMap<string, Status>;
  readonly absentNodesStatus: Status;
}

/**
 * What a PostFilter plugin found (kube-scheduler PostFilterResult): a node where the pod
 * will fit once `victims` are gone (DefaultPreemption), or why there is none
 * (`status`, whose message becomes the FailedScheduling message's PostFilter part).
 */
export interface PostFilterResult {
  readonly status: Status;
  readonly nominatedNodeName?: string;
  /** The pods to evict from the nominated node. */
  readonly victims?: readonly PodInfo[];
}

/**
 * Runs when no node passed Filter (kube-scheduler PostFilter): may make room, e.g. by
 * choosing lower-priority pods to preempt. Pure: the caller performs what it decides.
 */
export interface PostFilterPlugin extends Plugin {
  postFilter(pod: Pod, state: CycleState, snapshot: Snapshot, filtered: FilteredNodes, fw: Framework): PostFilterResult;
}

/**
 * What changed in the cluster, for QueueingHints: `oldObj` is undefined for an add,
 * `newObj` for a delete. Pods here are bound ones (assigned pods).
 */
export type ClusterChange =
  | { readonly resource: 'Node'; readonly oldObj?: Node; readonly newObj?: Node }
  | { readonly resource: 'Pod'; readonly oldObj?: Pod; readonly newObj?: Pod };

/**
 * kube-scheduler's EnqueueExtensions with a QueueingHintFn: whether `change` may make
 * `pod`, which this plugin rejected, schedulable (true: Queue) or surely not (false:
 * QueueSkip, the pod keeps waiting). A plugin without it requeues the pod on every event
 * it registers for (queue.ts ClusterEvent.plugins). Pure and cheap: it runs for each
 * waiting pod on each event.
 */
export interface EnqueueExtensions extends Plugin {
  isSchedulableAfter(pod: Pod, change: ClusterChange, snapshot: Snapshot): boolean;
}

/**
 * The QueueingHint of a filter that reads only the node (NodeAffinity, NodeUnschedulable,
 * TaintToleration): an added node helps if the pod passes the filter there; an updated one
 * if it passes now and did not before. A deleted node never helps.
 */
export function nodeFilterHint(filter: (pod: Pod, nodeInfo: NodeInfo, state: CycleState) => Status): EnqueueExtensions['isSchedulableAfter'] {
  const passes = (pod: Pod, node: Node): boolean => filter(pod, new NodeInfo(node.metadata.name ?? '', node), new CycleState(pod)).code === 'Success';
  return (pod, change) => {
    if (change.resource !== 'Node') return true;
    if (!change.newObj || !passes(pod, change.newObj)) return false;
    return !change.oldObj || !passes(pod, change.oldObj);
  };
}

export type AnyPlugin = Partial<PreEnqueuePlugin & PreFilterPlugin & FilterPlugin & PostFilterPlugin & PreScorePlugin & ScorePlugin & EnqueueExtensions> & Plugin;

export const isPreEnqueue = (p: AnyPlugin): p is PreEnqueuePlugin & AnyPlugin => typeof p.preEnqueue === 'function';
export const isPostFilter = (p: AnyPlugin): p is PostFilterPlugin & AnyPlugin => typeof p.postFilter === 'function';
export const isPreFilter = (p: AnyPlugin): p is PreFilterPlugin & AnyPlugin => typeof p.preFilter === 'function';
export const isFilter = (p: AnyPlugin): p is FilterPlugin & AnyPlugin => typeof p.filter === 'function';
export const isPreScore = (p: AnyPlugin): p is PreScorePlugin & AnyPlugin => typeof p.preScore === 'function';
export const isScore = (p: AnyPlugin): p is ScorePlugin & AnyPlugin => typeof p.score === 'function';

/**
 * kube-scheduler's helper.DefaultNormalizeScore: scales so the highest raw score becomes
 * `max` (integer division, as Go int64), optionally reversed (the lowest raw score wins).
 * All zeros stay 0, or become `max` when reversed.
 */
export function defaultNormalizeScore(scores: number[], reverse: boolean, max = MAX_NODE_SCORE): void {
  let maxCount = 0;
  for (const s of scores) if (s > maxCount) maxCount = s;
  if (maxCount === 0) {
    if (reverse) scores.fill(max);
    return;
  }
  for (let i = 0; i < scores.length; i++) {
    const s = Math.trunc((max * scores[i]) / maxCount);
    scores[i] = reverse ? max - s : s;
  }
}

/**
 * A compiled profile: the plugins of each extension point in the order they run, with
 * score weights. Built from a config by buildFramework (config.ts).
 */
export interface Framework {
  readonly schedulerName: string;
  readonly preEnqueue: readonly PreEnqueuePlugin[];
  readonly preFilter: readonly PreFilterPlugin[];
  readonly filter: readonly FilterPlugin[];
  readonly postFilter: readonly PostFilterPlugin[];
  readonly preScore: readonly PreScorePlugin[];
  readonly score: readonly { readonly plugin: ScorePlugin; readonly weight: number }[];
  /** 1..100, or 0 for kube-scheduler's adaptive default (see numFeasibleNodesToFind). */
  readonly percentageOfNodesToScore: number;
  /** The pods nominated to nodes (preemptors waiting for their victims to go): they hold room in Filter. */
  readonly nominator?: PodNominator;
}

/**
 * Where preemptors wait (kube-scheduler PodNominator): the pods nominated to a node, which
 * Filter counts as if they ran there when they matter at least as much as the pod placed.
 */
export interface PodNominator {
  /** How many pods are nominated (Filter skips the lookups when none are). */
  readonly size: number;
  nominatedPodsForNode(nodeName: string): readonly PodInfo[] | undefined;
}

/** The first PreEnqueue rejection, tagged with its plugin, or SUCCESS (kube-scheduler RunPreEnqueuePlugins). */
export function runPreEnqueue(fw: Framework, pod: Pod): Status {
  for (const p of fw.preEnqueue) {
    const s = p.preEnqueue(pod);
    if (s.code !== 'Success') return withPlugin(s, p.name);
  }
  return SUCCESS;
}

/**
 * Runs the filters in order on one node and returns the first non-success status, tagged
 * with its plugin (kube-scheduler RunFilterPlugins). Filters skipped by their PreFilter are
 * not called.
 */
export function runFilters(fw: Framework, pod: Pod, nodeInfo: NodeInfo, state: CycleState, filters: readonly FilterPlugin[] = activeFilters(fw, state)): Status {
  for (const p of filters) {
    const s = p.filter(pod, nodeInfo, state);
    if (s.code !== 'Success') return withPlugin(s, p.name);
  }
  return SUCCESS;
}

/**
 * runFilters on many nodes at once, filter by filter: out[i] becomes nodes[i]'s first
 * non-success status, tagged with its plugin, or stays undefined when every filter passes
 * it; the same statuses runFilters gives node by node.
 */
export function runFiltersOnNodes(pod: Pod, nodes: readonly NodeInfo[], state: CycleState, filters: readonly FilterPlugin[], out: (Status | undefined)[]): void {
  for (const p of filters) {
    if (p.filterNodes) {
      p.filterNodes(pod, state, nodes, out);
      continue;
    }
    for (let i = 0; i < nodes.length; i++) {
      if (out[i] !== undefined) continue;
      const s = p.filter(pod, nodes[i], state);
      if (s.code !== 'Success') out[i] = withPlugin(s, p.name);
    }
  }
}

/**
 * runFilters with the room nominated pods hold (kube-scheduler
 * RunFilterPluginsWithNominatedPods): the pods nominated to the node with at least the
 * pod's priority are added to a copy of the node and of the cycle state (through the
 * PreFilter extensions), and the pod must fit beside them; then it must also fit without
 * them, since they may never come (pod affinity to a nominated pod must not count).
 */
export function runFiltersWithNominatedPods(
  fw: Framework, pod: Pod, nodeInfo: NodeInfo, state: CycleState, filters: readonly FilterPlugin[] = activeFilters(fw, state),
): Status {
  const nominated = fw.nominator && fw.nominator.size > 0 ? fw.nominator.nominatedPodsForNode(nodeInfo.name) : undefined;
  if (!nominated?.length) return runFilters(fw, pod, nodeInfo, state, filters);
  const priority = pod.spec?.priority ?? 0;
  const uid = pod.metadata.uid;
  let withNominated: { info: NodeInfo; state: CycleState } | undefined;
  for (const pi of nominated) {
    if (pi.priority < priority || (uid !== undefined && pi.pod.metadata.uid === uid)) continue;
    withNominated ??= { info: nodeInfo.clone(), state: state.clone() };
    withNominated.info.addPod(pi);
    for (const p of fw.preFilter) {
      if (!p.preFilterAddPod || withNominated.state.skipFilter.has(p.name)) continue;
      const s = p.preFilterAddPod(pod, withNominated.state, pi, withNominated.info);
      if (s.code !== 'Success') return withPlugin(s, p.name);
    }
  }
  if (!withNominated) return runFilters(fw, pod, nodeInfo, state, filters);
  const s = runFilters(fw, pod, withNominated.info, withNominated.state, filters);
  if (s.code !== 'Success') return s;
  return runFilters(fw, pod, nodeInfo, state, filters);
}

/** The profile's filters minus those skipped by their PreFilter in this cycle: computed once, run for every node. */
export function activeFilters(fw: Framework, state: CycleState): readonly FilterPlugin[] {
  return state.skipFilter.size === 0 ? fw.filter : fw.filter.filter((p) => !state.skipFilter.has(p.name));
}
