// One scheduling decision, pure: given a pod and the cluster view, run PreFilter and
// Filter over the nodes (stopping once enough feasible nodes are found, kube-scheduler's
// percentageOfNodesToScore rule, starting where the previous decision stopped), score the
// feasible ones, pick the best (ties broken at random), or explain why nothing fits in
// kube-scheduler's FailedScheduling words. A port of kube-scheduler schedule_one.go
// (schedulePod, findNodesThatFitPod, findNodesThatPassFilters, prioritizeNodes,
// selectHost), framework/types.go FitError.Error, and DefaultPreemption's diagnosis.
import type { Pod } from '../api/types/core.js';
import {
  activeFilters, CycleState, type Framework, MAX_NODE_SCORE, MIN_NODE_SCORE, type Status, errorStatus, isRejected, runFilters,
  statusMessage, unresolvable,
} from './framework.js';
import type { NodeInfo, PodInfo, Snapshot } from './node-info.js';

/** kube-scheduler minFeasibleNodesToFind: below this many nodes every node is evaluated. */
export const MIN_FEASIBLE_NODES_TO_FIND = 100;
/** kube-scheduler minFeasibleNodesPercentageToFind: the adaptive percentage never drops below 5. */
export const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;

export const ERR_NO_NODES_AVAILABLE = 'no nodes available to schedule pods';
export const PREEMPTION_NOT_HELPFUL = 'Preemption is not helpful for scheduling';
export const NO_PREEMPTION_VICTIMS = 'No preemption victims found for incoming pod';
export const NOT_ELIGIBLE_PREEMPTION_NEVER = 'not eligible due to preemptionPolicy=Never.';

/**
 * How many feasible nodes to find before filtering stops (kube-scheduler
 * numFeasibleNodesToFind): all of them below 100 nodes; otherwise `percentage` of them
 * (0 means adaptive: 50 - nodes/125, at least 5), and never fewer than 100. Integer math.
 */
export function numFeasibleNodesToFind(percentage: number, numAllNodes: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
  let pct = percentage;
  if (pct === 0) {
    pct = 50 - Math.trunc(numAllNodes / 125);
    if (pct < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND) pct = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND;
  }
  const n = Math.trunc((numAllNodes * pct) / 100);
  return n < MIN_FEASIBLE_NODES_TO_FIND ? MIN_FEASIBLE_NODES_TO_FIND : n;
}

/** Why a pod fits nowhere (kube-scheduler framework.Diagnosis). */
export interface Diagnosis {
  /** The rejecting status of each node that was filtered and failed. */
  readonly nodeToStatus: Map<string, Status>;
  /** The status of nodes absent from nodeToStatus (set when PreFilter rejected the pod). */
  absentNodesStatus: Status;
  /** Plugins that rejected the pod on some node: a scheduling queue retries it on events these care about. */
  readonly unschedulablePlugins: Set<string>;
  preFilterMsg: string;
  postFilterMsg: string;
}

/** kube-scheduler FitError: the pod fits on none of `numAllNodes` nodes. */
export interface FitError {
  readonly numAllNodes: number;
  readonly diagnosis: Diagnosis;
}

function newDiagnosis(): Diagnosis {
  return {
    nodeToStatus: new Map(),
    absentNodesStatus: unresolvable(),
    unschedulablePlugins: new Set(),
    preFilterMsg: '',
    postFilterMsg: '',
  };
}

// Go's sort.Strings orders by bytes; for the ASCII reasons here that is code unit order.
const byBytes = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The FailedScheduling message, exactly as kube-scheduler 1.32's FitError.Error():
 * "0/<n> nodes are available:" then " <PreFilterMsg>." when PreFilter rejected the pod,
 * else " <count> <reason>, ..." over all nodes' reasons sorted as strings (so "10 x"
 * sorts before "2 y") and a final "."; then " <PostFilterMsg>" when there is one.
 */
export function fitErrorMessage(fe: FitError): string {
  const d = fe.diagnosis;
  let msg = `0/${fe.numAllNodes} nodes are available:`;
  if (d.preFilterMsg !== '') {
    msg += ` ${d.preFilterMsg}.`;
  } else {
    const counts = new Map<string, number>();
    for (const s of d.nodeToStatus.values()) for (const r of s.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
    const absent = fe.numAllNodes - d.nodeToStatus.size;
    if (absent > 0) for (const r of d.absentNodesStatus.reasons) counts.set(r, (counts.get(r) ?? 0) + absent);
    const parts = [...counts].map(([r, n]) => `${n} ${r}`).sort(byBytes);
    if (parts.length > 0) msg += ` ${parts.join(', ')}.`;
  }
  if (d.postFilterMsg !== '') msg += ` ${d.postFilterMsg}`;
  return msg;
}

/** A feasible node's weighted total score, summed over the score plugins. */
export interface NodeScore {
  readonly name: string;
  total: number;
}

export type ScheduleResult =
  | {
      readonly kind: 'Scheduled';
      readonly nodeName: string;
      /** What the decision derived from the pod, for assuming it without computing it again. */
      readonly podInfo: PodInfo;
      /** Nodes filtered in this decision (feasible + rejected). */
      readonly evaluatedNodes: number;
      readonly feasibleNodes: number;
      /** The scored nodes (empty when a single node was feasible). */
      readonly scores: readonly NodeScore[];
    }
  | {
      /** Fits nowhere: set PodScheduled=False reason Unschedulable and send FailedScheduling with `message`. */
      readonly kind: 'Unschedulable';
      readonly message: string;
      /** Undefined when there are no nodes at all. */
      readonly fitError?: FitError;
      /** Nodes where evicting lower-priority pods would make room (preemption is not performed here). */
      readonly preemptionCandidates: readonly string[];
    }
  | {
      /** A plugin failed (Error status or exception): retry with backoff; reason SchedulerError. */
      readonly kind: 'Error';
      readonly message: string;
    };

export interface ScheduleOptions {
  /** [0, 1) like Math.random; breaks ties between equally scored nodes. */
  random?: () => number;
}

class PluginError extends Error {}

/**
 * Decides pods for one profile. Keeps kube-scheduler's rotating start index so
 * consecutive decisions examine different nodes first. Synchronous and I/O free: the
 * caller assumes the chosen node in the Snapshot and binds.
 */
export class ScheduleAlgorithm {
  /** Where the next decision starts filtering (kube-scheduler nextStartNodeIndex). */
  nextStartNodeIndex = 0;
  private readonly random: () => number;

  constructor(readonly fw: Framework, opts: ScheduleOptions = {}) {
    this.random = opts.random ?? Math.random;
  }

  schedule(pod: Pod, snapshot: Snapshot): ScheduleResult {
    const nodes = snapshot.nodeInfos();
    if (nodes.length === 0) return { kind: 'Unschedulable', message: ERR_NO_NODES_AVAILABLE, preemptionCandidates: [] };
    const state = new CycleState(pod);
    try {
      const diagnosis = newDiagnosis();
      const feasible = this.findNodesThatFitPod(pod, snapshot, state, diagnosis);
      if (feasible.length === 0) {
        const fitError: FitError = { numAllNodes: nodes.length, diagnosis };
        const preemptionCandidates = this.postFilter(pod, nodes, state, diagnosis);
        return { kind: 'Unschedulable', message: fitErrorMessage(fitError), fitError, preemptionCandidates };
      }
      const evaluatedNodes = feasible.length + diagnosis.nodeToStatus.size;
      if (feasible.length === 1) {
        return { kind: 'Scheduled', nodeName: feasible[0].name, podInfo: state.podInfo, evaluatedNodes, feasibleNodes: 1, scores: [] };
      }
      const scores = this.prioritizeNodes(pod, feasible, state, snapshot);
      return { kind: 'Scheduled', nodeName: selectHost(scores, this.random), podInfo: state.podInfo, evaluatedNodes, feasibleNodes: feasible.length, scores };
    } catch (err) {
      if (err instanceof PluginError) return { kind: 'Error', message: err.message };
      return { kind: 'Error', message: `running scheduling plugins: ${err instanceof Error ? err.message : String(err)}` };
    }
  }

  private findNodesThatFitPod(pod: Pod, snapshot: Snapshot, state: CycleState, diagnosis: Diagnosis): NodeInfo[] {
    const nodes = snapshot.nodeInfos();
    for (const p of this.fw.preFilter) {
      const s = p.preFilter(pod, state, snapshot);
      if (s.code === 'Success') continue;
      if (s.code === 'Skip') {
        state.skipFilter.add(p.name);
        continue;
      }
      if (!isRejected(s)) throw new PluginError(`running PreFilter plugin "${p.name}": ${statusMessage(s)}`);
      // Every node gets the PreFilter status, so preemption treats them alike.
      diagnosis.absentNodesStatus = { ...s, plugin: p.name };
      diagnosis.preFilterMsg = statusMessage(s);
      diagnosis.unschedulablePlugins.add(p.name);
      return [];
    }
    const numAll = nodes.length;
    const numToFind = numFeasibleNodesToFind(this.fw.percentageOfNodesToScore, numAll);
    const feasible: NodeInfo[] = [];
    const start = this.nextStartNodeIndex % numAll;
    const filters = activeFilters(this.fw, state);
    let processed = 0;
    for (let i = 0; i < numAll && feasible.length < numToFind; i++) {
      const info = nodes[(start + i) % numAll];
      processed++;
      const s = runFilters(this.fw, pod, info, state, filters);
      if (s.code === 'Success') {
        feasible.push(info);
      } else if (isRejected(s)) {
        diagnosis.nodeToStatus.set(info.name, s);
        if (s.plugin) diagnosis.unschedulablePlugins.add(s.plugin);
      } else {
        throw new PluginError(`running Filter plugin "${s.plugin ?? ''}": ${statusMessage(s)}`);
      }
    }
    this.nextStartNodeIndex = (start + processed) % numAll;
    return feasible;
  }

  private prioritizeNodes(pod: Pod, nodes: readonly NodeInfo[], state: CycleState, snapshot: Snapshot): NodeScore[] {
    const totals: NodeScore[] = nodes.map((n) => ({ name: n.name, total: 0 }));
    for (const p of this.fw.preScore) {
      const s = p.preScore(pod, state, nodes, snapshot);
      if (s.code === 'Skip') state.skipScore.add(p.name);
      else if (s.code !== 'Success') throw new PluginError(`running PreScore plugin "${p.name}": ${statusMessage(s)}`);
    }
    const scores: number[] = new Array(nodes.length);
    for (const { plugin, weight } of this.fw.score) {
      if (state.skipScore.has(plugin.name)) continue;
      for (let i = 0; i < nodes.length; i++) scores[i] = plugin.score(pod, nodes[i], state);
      plugin.normalize?.(pod, state, nodes, scores);
      for (let i = 0; i < nodes.length; i++) {
        const s = scores[i];
        if (!(s >= MIN_NODE_SCORE && s <= MAX_NODE_SCORE)) {
          throw new PluginError(`plugin "${plugin.name}" returns an invalid score ${s}, it should in the range of [${MIN_NODE_SCORE}, ${MAX_NODE_SCORE}] after normalizing`);
        }
        totals[i].total += s * weight;
      }
    }
    return totals;
  }

  /**
   * DefaultPreemption's diagnosis without evicting anything: nodes rejected as
   * UnschedulableAndUnresolvable cannot be helped; on the others, the pods of lower
   * priority are the possible victims, and the node is a candidate when the pod passes the
   * filters once they are gone. With no candidate, sets the "preemption: ..." message.
   */
  private postFilter(pod: Pod, nodes: readonly NodeInfo[], state: CycleState, diagnosis: Diagnosis): string[] {
    if (pod.spec?.preemptionPolicy === 'Never') {
      diagnosis.postFilterMsg = `preemption: ${NOT_ELIGIBLE_PREEMPTION_NEVER}`;
      return [];
    }
    const priority = state.podInfo.priority;
    const statuses = new Map<string, Status>();
    const candidates: string[] = [];
    for (const info of nodes) {
      const s = diagnosis.nodeToStatus.get(info.name) ?? diagnosis.absentNodesStatus;
      if (s.code === 'UnschedulableAndUnresolvable') {
        statuses.set(info.name, unresolvable(PREEMPTION_NOT_HELPFUL));
        continue;
      }
      let victims = 0;
      for (const pi of info.pods.values()) if (pi.priority < priority) victims++;
      if (victims === 0) {
        statuses.set(info.name, unresolvable(NO_PREEMPTION_VICTIMS));
        continue;
      }
      // The victims leave the node and the PreFilter state (PreFilterExtensions) of a copy.
      const without = info.clone();
      const dryState = state.clone();
      for (const pi of info.pods.values()) {
        if (pi.priority >= priority) continue;
        without.removePod(pi.key);
        for (const p of this.fw.preFilter) if (!dryState.skipFilter.has(p.name)) p.preFilterRemovePod?.(pod, dryState, pi, without);
      }
      const after = runFilters(this.fw, pod, without, dryState);
      if (after.code === 'Success') candidates.push(info.name);
      else if (isRejected(after)) statuses.set(info.name, after);
      else statuses.set(info.name, errorStatus(statusMessage(after)));
    }
    if (candidates.length === 0) {
      const inner: FitError = { numAllNodes: nodes.length, diagnosis: { ...newDiagnosis(), nodeToStatus: statuses } };
      diagnosis.postFilterMsg = `preemption: ${fitErrorMessage(inner)}`;
    }
    return candidates;
  }
}

/**
 * The node with the highest total; among equal totals each is equally likely (reservoir
 * sampling with `random`, as kube-scheduler selectHost).
 */
export function selectHost(scores: readonly NodeScore[], random: () => number = Math.random): string {
  if (scores.length === 0) throw new Error('empty priorityList');
  let selected = 0;
  let max = scores[0].total;
  let count = 1;
  for (let i = 1; i < scores.length; i++) {
    const t = scores[i].total;
    if (t > max) {
      max = t;
      selected = i;
      count = 1;
    } else if (t === max) {
      count++;
      if (Math.floor(random() * count) === 0) selected = i;
    }
  }
  return scores[selected].name;
}
