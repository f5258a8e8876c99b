// DefaultPreemption (kube-scheduler plugins/defaultpreemption and framework/preemption),
// the PostFilter plugin: when a pod fits nowhere, finds the node where evicting the
// fewest, least important pods of lower priority makes room, respecting
// PodDisruptionBudgets where it can. Pure: it names the node and the victims; the scheduler
// deletes the victims and nominates the node (scheduler.ts).
import type { Pod } from '../../api/types/core.js';
import type { LabelSelectorMatcher } from '../../api/labels.js';
import {
  type CycleState, type FilteredNodes, type Framework, type PostFilterPlugin, type PostFilterResult, type Status,
  activeFilters, errorStatus, isRejected, runFiltersWithNominatedPods, statusMessage, SUCCESS, unresolvable, unschedulable,
} from '../framework.js';
import type { NodeInfo, PodInfo, Snapshot } from '../node-info.js';
import { fitErrorMessage, newDiagnosis } from '../fit-error.js';

export const NAME = 'DefaultPreemption';

export const PREEMPTION_NOT_HELPFUL = 'Preemption is not helpful for scheduling';
export const NO_PREEMPTION_VICTIMS = 'No preemption victims found for incoming pod';
export const NOT_ELIGIBLE_PREEMPTION_NEVER = 'not eligible due to preemptionPolicy=Never.';
export const NOT_ELIGIBLE_TERMINATING = 'not eligible due to a terminating pod on the nominated node.';

/** kube-scheduler's DefaultPreemptionArgs defaults: candidates to find, as a share of the nodes and at least. */
export const MIN_CANDIDATE_NODES_PERCENTAGE = 10;
export const MIN_CANDIDATE_NODES_ABSOLUTE = 100;

/** What preemption reads of a PodDisruptionBudget (from the scheduler's informer). */
export interface DisruptionBudgetView {
  readonly namespace: string;
  readonly selector: LabelSelectorMatcher;
  /** status.disruptionsAllowed. */
  readonly disruptionsAllowed: number;
  /** status.disruptedPods' names: evictions already counted. */
  readonly disruptedPods: ReadonlySet<string>;
}

/** DefaultPreemptionArgs (kubescheduler.config.k8s.io/v1): how many candidate nodes to dry-run at least. */
export interface DefaultPreemptionArgs {
  /** Percent of the nodes (default 10). */
  minCandidateNodesPercentage?: number;
  /** Nodes (default 100). */
  minCandidateNodesAbsolute?: number;
}

export interface PreemptionOptions extends DefaultPreemptionArgs {
  /** The budgets in the cluster (default none). */
  pdbs?: () => readonly DisruptionBudgetView[];
}

/** One node where preemption would work, and at what cost. */
export interface Candidate {
  readonly node: string;
  /** Most important first. */
  readonly victims: readonly PodInfo[];
  readonly numPDBViolations: number;
}

/** status.startTime; now for a pod not started yet (kube-scheduler GetPodStartTime). */
const startTime = (pi: PodInfo): number => {
  const t = pi.pod.status?.startTime;
  return t ? Date.parse(t) : Date.now();
};

/** kube-scheduler's MoreImportantPod: higher priority, then the earlier start. */
export function moreImportant(a: PodInfo, b: PodInfo): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority;
  return startTime(a) < startTime(b);
}

const byImportance = (a: PodInfo, b: PodInfo): number => (moreImportant(a, b) ? -1 : moreImportant(b, a) ? 1 : 0);

/**
 * kube-scheduler filterPodsWithPDBViolation: splits pods (most important first) into those
 * whose eviction would take some budget below zero and the others, spending each budget's
 * allowance as it goes. An empty budget selector matches nothing here.
 */
export function splitByPDBViolation(pods: readonly PodInfo[], pdbs: readonly DisruptionBudgetView[]): [PodInfo[], PodInfo[]] {
  const allowed = pdbs.map((p) => p.disruptionsAllowed);
  const violating: PodInfo[] = [];
  const fine: PodInfo[] = [];
  for (const pi of pods) {
    const ns = pi.pod.metadata.namespace ?? '';
    const labels = pi.pod.metadata.labels ?? {};
    let violates = false;
    pdbs.forEach((pdb, i) => {
      if (pdb.namespace !== ns || pdb.selector.empty() || !pdb.selector.matches(labels)) return;
      if (pdb.disruptedPods.has(pi.pod.metadata.name ?? '')) return;
      allowed[i]--;
      if (allowed[i] < 0) violates = true;
    });
    (violates ? violating : fine).push(pi);
  }
  return [violating, fine];
}

/**
 * kube-scheduler selectVictimsOnNode: removes every lower-priority pod, checks the pod
 * fits, then adds back as many as possible, most important first (budget-violating ones
 * before the others), so the victims are the fewest and least important.
 */
export function selectVictimsOnNode(pod: Pod, state: CycleState, nodeInfo: NodeInfo, fw: Framework, pdbs: readonly DisruptionBudgetView[]): Candidate | Status {
  const priority = state.podInfo.priority;
  const potential: PodInfo[] = [];
  for (const pi of nodeInfo.pods.values()) if (pi.priority < priority) potential.push(pi);
  if (potential.length === 0) return unresolvable(NO_PREEMPTION_VICTIMS);
  const node = nodeInfo.clone();
  const remove = (pi: PodInfo): void => {
    node.removePod(pi.key);
    for (const p of fw.preFilter) {
      if (state.skipFilter.has(p.name) || !p.preFilterRemovePod) continue;
      const s = p.preFilterRemovePod(pod, state, pi, node);
      if (s.code !== 'Success') throw new Error(`running RemovePod on PreFilter plugin "${p.name}": ${statusMessage(s)}`);
    }
  };
  const add = (pi: PodInfo): void => {
    node.addPod(pi);
    for (const p of fw.preFilter) {
      if (state.skipFilter.has(p.name) || !p.preFilterAddPod) continue;
      const s = p.preFilterAddPod(pod, state, pi, node);
      if (s.code !== 'Success') throw new Error(`running AddPod on PreFilter plugin "${p.name}": ${statusMessage(s)}`);
    }
  };
  for (const pi of potential) remove(pi);
  const filters = activeFilters(fw, state);
  const fits = (): Status => runFiltersWithNominatedPods(fw, pod, node, state, filters);
  const all = fits();
  if (all.code !== 'Success') return all;
  potential.sort(byImportance);
  const [violating, fine] = splitByPDBViolation(potential, pdbs);
  const victims: PodInfo[] = [];
  let numPDBViolations = 0;
  const reprieve = (pi: PodInfo): boolean => {
    add(pi);
    if (fits().code === 'Success') return true;
    remove(pi);
    victims.push(pi);
    return false;
  };
  for (const pi of violating) if (!reprieve(pi)) numPDBViolations++;
  for (const pi of fine) reprieve(pi);
  victims.sort(byImportance);
  return { node: nodeInfo.name, victims, numPDBViolations };
}

/**
 * kube-scheduler pickOneNodeForPreemption: the fewest budget violations, then the lowest
 * highest victim priority, the lowest sum of victim priorities, the fewest victims, the
 * latest start among the most important victims; then the first.
 */
export function pickOneNode(candidates: readonly Candidate[]): Candidate | undefined {
  if (candidates.length === 0) return undefined;
  const sum = (c: Candidate): number => c.victims.reduce((s, v) => s + v.priority + 2147483648, 0);
  const highest = (c: Candidate): number => (c.victims.length ? c.victims[0].priority : -Infinity);
  const earliestOfHighest = (c: Candidate): number => {
    const top = highest(c);
    let t = Infinity;
    for (const v of c.victims) if (v.priority === top) t = Math.min(t, startTime(v));
    return t;
  };
  const criteria: ((c: Candidate) => number)[] = [
    (c) => -c.numPDBViolations,
    (c) => -highest(c),
    (c) => -sum(c),
    (c) => -c.victims.length,
    earliestOfHighest,
  ];
  let best = [...candidates];
  for (const score of criteria) {
    if (best.length === 1) break;
    let max = -Infinity;
    for (const c of best) max = Math.max(max, score(c));
    best = best.filter((c) => score(c) === max);
  }
  return best[0];
}

/** A pod being deleted because the scheduler preempted it (kube-scheduler podTerminatingByPreemption). */
const terminatingByPreemption = (pi: PodInfo): boolean => pi.terminating
  && (pi.pod.status?.conditions ?? []).some((c) => c.type === 'DisruptionTarget' && c.status === 'True' && c.reason === 'PreemptionByScheduler');

/**
 * kube-scheduler PodEligibleToPreemptOthers: not with preemptionPolicy Never, nor while
 * lower-priority pods it preempted on its nominated node are still terminating (unless the
 * filters now rule that node out altogether).
 */
function eligible(pod: Pod, snapshot: Snapshot, priority: number, filtered: FilteredNodes): Status {
  if (pod.spec?.preemptionPolicy === 'Never') return unresolvable(NOT_ELIGIBLE_PREEMPTION_NEVER);
  const nominated = pod.status?.nominatedNodeName;
  if (nominated) {
    const status = filtered.nodeToStatus.get(nominated) ?? filtered.absentNodesStatus;
    if (status.code === 'UnschedulableAndUnresolvable') return SUCCESS;
    const info = snapshot.get(nominated);
    if (info) for (const pi of info.pods.values()) if (pi.priority < priority && terminatingByPreemption(pi)) return unresolvable(NOT_ELIGIBLE_TERMINATING);
  }
  return SUCCESS;
}

/** The PostFilter: the node to nominate and its victims, or why preemption cannot help. */
export function preempt(
  pod: Pod, state: CycleState, snapshot: Snapshot, filtered: FilteredNodes, fw: Framework, pdbs: readonly DisruptionBudgetView[], args: DefaultPreemptionArgs = {},
): PostFilterResult {
  const priority = state.podInfo.priority;
  const ok = eligible(pod, snapshot, priority, filtered);
  if (ok.code !== 'Success') return { status: unschedulable(`preemption: ${statusMessage(ok)}`) };
  const nodes = snapshot.nodeInfos();
  const statuses = new Map<string, Status>();
  const potential: NodeInfo[] = [];
  for (const info of nodes) {
    const s = filtered.nodeToStatus.get(info.name) ?? filtered.absentNodesStatus;
    if (s.code === 'UnschedulableAndUnresolvable') statuses.set(info.name, unresolvable(PREEMPTION_NOT_HELPFUL));
    else potential.push(info);
  }
  // kube-scheduler calculateNumCandidates.
  const pct = args.minCandidateNodesPercentage ?? MIN_CANDIDATE_NODES_PERCENTAGE;
  const abs = args.minCandidateNodesAbsolute ?? MIN_CANDIDATE_NODES_ABSOLUTE;
  const wanted = Math.min(potential.length, Math.max(Math.trunc((potential.length * pct) / 100), abs));
  const candidates: Candidate[] = [];
  for (const info of potential) {
    if (candidates.length >= wanted) break;
    const r = selectVictimsOnNode(pod, state.clone(), info, fw, pdbs);
    if ('victims' in r) {
      if (r.victims.length > 0) candidates.push(r);
      else statuses.set(info.name, unresolvable(NO_PREEMPTION_VICTIMS));
    } else if (isRejected(r)) statuses.set(info.name, r);
    else statuses.set(info.name, errorStatus(statusMessage(r)));
  }
  const best = pickOneNode(candidates);
  if (!best) {
    const message = `preemption: ${fitErrorMessage({ numAllNodes: nodes.length, diagnosis: { ...newDiagnosis(), nodeToStatus: statuses } })}`;
    // No candidate: a nomination from an earlier attempt is cleared (NewPostFilterResultWithNominatedNode("")).
    return { status: unschedulable(message), nominatedNodeName: '' };
  }
  return { status: SUCCESS, nominatedNodeName: best.node, victims: best.victims };
}

/** DefaultPreemption reading budgets from `opts.pdbs` (the scheduler's informer). */
export function defaultPreemptionPlugin(opts: PreemptionOptions = {}): PostFilterPlugin {
  return { name: NAME, postFilter: (pod, state, snapshot, filtered, fw) => preempt(pod, state, snapshot, filtered, fw, opts.pdbs?.() ?? [], opts) };
}

export const plugin: PostFilterPlugin = defaultPreemptionPlugin();
