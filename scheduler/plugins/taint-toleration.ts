// TaintToleration (kube-scheduler plugins/tainttoleration): Filter rejects a node with a
// NoSchedule or NoExecute taint the pod does not tolerate; Score prefers nodes with fewer
// PreferNoSchedule taints the pod does not tolerate.
import { findUntoleratedTaint, tolerationsTolerateTaint } from '../../api/helpers/taints.js';
import type { Pod, Taint, Toleration } from '../../api/types/core.js';
import {
  type CycleState, type EnqueueExtensions, type FilterPlugin, type PreScorePlugin, type ScorePlugin, type Status,
  SUCCESS, defaultNormalizeScore, nodeFilterHint, unresolvable, withPlugin,
} from '../framework.js';
import type { NodeInfo } from '../node-info.js';

export const NAME = 'TaintToleration';

export const untoleratedTaintReason = (taint: Taint): string => `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`;

/** Filter verdict: UnschedulableAndUnresolvable naming the first untolerated taint. */
export function fits(pod: Pod, nodeInfo: NodeInfo): Status {
  const taint = findUntoleratedTaint(nodeInfo.taints, pod.spec?.tolerations);
  return taint ? unresolvable(untoleratedTaintReason(taint)) : SUCCESS;
}

/** The pod's tolerations that can tolerate PreferNoSchedule taints (effect empty or PreferNoSchedule). */
export function preferNoScheduleTolerations(pod: Pod): Toleration[] {
  return (pod.spec?.tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
}

/** Raw score: the number of PreferNoSchedule taints not tolerated (lower is better). */
export function countIntolerableTaints(taints: readonly Taint[] | undefined, tolerations: readonly Toleration[]): number {
  let n = 0;
  for (const taint of taints ?? []) {
    if (taint.effect !== 'PreferNoSchedule') continue;
    if (!tolerationsTolerateTaint(tolerations, taint)) n++;
  }
  return n;
}

const STATE_KEY = `PreScore${NAME}`;

/** The tolerations PreScore kept for Score (or worked out again without it). */
const scoringTolerations = (pod: Pod, state: CycleState): Toleration[] => state.read<Toleration[]>(STATE_KEY) ?? preferNoScheduleTolerations(pod);

export const plugin: FilterPlugin & PreScorePlugin & ScorePlugin & EnqueueExtensions = {
  name: NAME,
  filter: (pod, nodeInfo) => fits(pod, nodeInfo),
  filterNodes(pod, _state, nodes, out) {
    for (let i = 0; i < nodes.length; i++) {
      // A node without taints has none to tolerate.
      if (out[i] !== undefined || nodes[i].taints === undefined) continue;
      const s = fits(pod, nodes[i]);
      if (s !== SUCCESS) out[i] = withPlugin(s, NAME);
    }
  },
  // Only a node whose NoSchedule/NoExecute taints the pod now tolerates, and did not before, helps.
  isSchedulableAfter: nodeFilterHint((pod, nodeInfo) => fits(pod, nodeInfo)),
  preScore(pod: Pod, state: CycleState) {
    state.write(STATE_KEY, preferNoScheduleTolerations(pod));
    return SUCCESS;
  },
  score(pod: Pod, nodeInfo: NodeInfo, state: CycleState) {
    return countIntolerableTaints(nodeInfo.taints, scoringTolerations(pod, state));
  },
  scoreNodes(pod, state, nodes, out) {
    const tolerations = scoringTolerations(pod, state);
    for (let i = 0; i < nodes.length; i++) out[i] = countIntolerableTaints(nodes[i].taints, tolerations);
  },
  normalize(_pod, _state, _nodes, scores) {
    defaultNormalizeScore(scores, true);
  },
};
