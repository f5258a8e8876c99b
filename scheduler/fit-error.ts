// Why a pod fits nowhere, and the FailedScheduling message that says so: kube-scheduler's
// framework.Diagnosis and FitError.Error() (framework/types.go).
import { type Status, unresolvable } from './framework.js';

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

export function newDiagnosis(): Diagnosis {
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
