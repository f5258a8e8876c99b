// One scheduling decision, pure: given a pod and the cluster view, run PreFilter and
// Filter over the nodes (stopping once enough feasible nodes are found, kube-scheduler's
// percentageOfNodesToScore rule, starting where the previous decision stopped), score the
// feasible ones, pick the best (ties broken at random), or explain why nothing fits in
// kube-scheduler's FailedScheduling words. A port of kube-scheduler schedule_one.go
// (schedulePod, findNodesThatFitPod, findNodesThatPassFilters, prioritizeNodes,
// selectHost), framework/types.go FitError.Error, and DefaultPreemption's diagnosis.
import type { Pod } from '../api/types/core.js';
import {
  activeFilters, CycleState, type FilterPlugin, type Framework, MAX_NODE_SCORE, MIN_NODE_SCORE, type PostFilterResult, runFiltersOnNodes,
  runFiltersWithNominatedPods, type Status, statusMessage, isRejected,
} from './framework.js';
import type { NodeInfo, PodInfo, Snapshot } from './node-info.js';
import { type Diagnosis, type FitError, fitErrorMessage, newDiagnosis } from './fit-error.js';

/** kube-scheduler minFeasibleNodesToFind: below this many nodes every node is evaluated. */
export const MIN_FEASIBLE_NODES_TO_FIND = 100;
/** kube-scheduler minFeasibleNodesPercentageToFind: the adaptive percentage never drops below 5. */
export const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;

export const ERR_NO_NODES_AVAILABLE = 'no nodes available to schedule pods';
export { NO_PREEMPTION_VICTIMS, NOT_ELIGIBLE_PREEMPTION_NEVER, PREEMPTION_NOT_HELPFUL } from './plugins/default-preemption.js';
export { type Diagnosis, type FitError, fitErrorMessage } from './fit-error.js';

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
      /**
       * PostFilter (DefaultPreemption) found room: the node to nominate once `victims`
       * (lower-priority pods there) are evicted; the caller performs the eviction.
       */
      readonly nominatedNodeName?: string;
      readonly victims?: readonly PodInfo[];
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
    if (nodes.length === 0) return { kind: 'Unschedulable', message: ERR_NO_NODES_AVAILABLE };
    const state = new CycleState(pod);
    try {
      const diagnosis = newDiagnosis();
      const feasible = this.findNodesThatFitPod(pod, snapshot, state, diagnosis);
      if (feasible.length === 0) {
        const fitError: FitError = { numAllNodes: nodes.length, diagnosis };
        const post = this.postFilter(pod, snapshot, state, diagnosis);
        return { kind: 'Unschedulable', message: fitErrorMessage(fitError), fitError, nominatedNodeName: post?.nominatedNodeName, victims: post?.victims };
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
    const filters = activeFilters(this.fw, state);
    // A nomination from an earlier attempt (preemption made room there): that node is
    // likely the only one that fits, so it is tried first (kube-scheduler evaluateNominatedNode).
    const nominated = pod.status?.nominatedNodeName ? snapshot.get(pod.status.nominatedNodeName) : undefined;
    if (nominated && this.filterNode(pod, nominated, state, filters, diagnosis)) return [nominated];
    const numAll = nodes.length;
    const numToFind = numFeasibleNodesToFind(this.fw.percentageOfNodesToScore, numAll);
    const feasible: NodeInfo[] = [];
    const start = this.nextStartNodeIndex % numAll;
    let processed = 0;
    if (this.fw.nominator && this.fw.nominator.size > 0) {
      // Pods nominated somewhere: node by node, each with the room its nominated pods hold.
      for (let i = 0; i < numAll && feasible.length < numToFind; i++) {
        const info = nodes[(start + i) % numAll];
        processed++;
        if (this.filterNode(pod, info, state, filters, diagnosis)) feasible.push(info);
      }
    } else {
      // The same nodes as node by node, in runs that can only end where that would: each
      // run is as long as the feasible nodes still missing.
      while (feasible.length < numToFind && processed < numAll) {
        const want = Math.min(numToFind - feasible.length, numAll - processed);
        const run: NodeInfo[] = [];
        for (let k = 0; k < want; k++) run.push(nodes[(start + processed + k) % numAll]);
        const statuses: (Status | undefined)[] = new Array<Status | undefined>(want);
        runFiltersOnNodes(pod, run, state, filters, statuses);
        for (let k = 0; k < want; k++) {
          const s = statuses[k];
          if (s === undefined) feasible.push(run[k]);
          else this.reject(run[k], s, diagnosis);
        }
        processed += want;
      }
    }
    this.nextStartNodeIndex = (start + processed) % numAll;
    return feasible;
  }

  /** Whether the pod passes the filters on `info` (nominated pods holding their room); a rejection goes into the diagnosis. */
  private filterNode(pod: Pod, info: NodeInfo, state: CycleState, filters: readonly FilterPlugin[], diagnosis: Diagnosis): boolean {
    const s = runFiltersWithNominatedPods(this.fw, pod, info, state, filters);
    if (s.code === 'Success') return true;
    this.reject(info, s, diagnosis);
    return false;
  }

  /** A filter's verdict against `info` into the diagnosis; a status that is no rejection (Error) ends the decision. */
  private reject(info: NodeInfo, s: Status, diagnosis: Diagnosis): void {
    if (!isRejected(s)) throw new PluginError(`running Filter plugin "${s.plugin ?? ''}": ${statusMessage(s)}`);
    diagnosis.nodeToStatus.set(info.name, s);
    if (s.plugin) diagnosis.unschedulablePlugins.add(s.plugin);
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
      if (plugin.scoreNodes) plugin.scoreNodes(pod, state, nodes, scores);
      else for (let i = 0; i < nodes.length; i++) scores[i] = plugin.score(pod, nodes[i], state);
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
   * The PostFilter plugins (DefaultPreemption) in order until one finds a node
   * (kube-scheduler RunPostFilterPlugins); the last rejection's message is the
   * FailedScheduling message's PostFilter part.
   */
  private postFilter(pod: Pod, snapshot: Snapshot, state: CycleState, diagnosis: Diagnosis): PostFilterResult | undefined {
    let last: PostFilterResult | undefined;
    for (const p of this.fw.postFilter) {
      const r = p.postFilter(pod, state, snapshot, diagnosis, this.fw);
      if (r.status.code === 'Success') return r;
      if (r.status.code === 'Error') throw new PluginError(`running PostFilter plugin "${p.name}": ${statusMessage(r.status)}`);
      last = r;
    }
    if (last) diagnosis.postFilterMsg = statusMessage(last.status);
    return last;
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
