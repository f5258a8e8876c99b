// NodeResourcesBalancedAllocation (kube-scheduler plugins/noderesources/balanced_allocation.go):
// prefers nodes whose cpu and memory would be used in similar fractions after placing the
// pod: score = (1 - standard deviation of the fractions) * 100. Counts actual requests
// (no non-zero defaults), and skips best-effort pods, which would not change any fraction.
import type { Pod } from '../../api/types/core.js';
import { CycleState, MAX_NODE_SCORE, type PreScorePlugin, type ScorePlugin, SKIP, SUCCESS } from '../framework.js';
import type { NodeInfo, Resource } from '../node-info.js';

export const NAME = 'NodeResourcesBalancedAllocation';

/**
 * kube-scheduler balancedResourceScorer: fractions requested/allocatable (capped at 1) of
 * the resources the node reports; with two resources the deviation is |f1 - f2| / 2.
 */
export function balancedScore(requested: readonly number[], allocatable: readonly number[]): number {
  const fractions: number[] = [];
  let total = 0;
  for (let i = 0; i < requested.length; i++) {
    if (allocatable[i] === 0) continue;
    const f = Math.min(requested[i] / allocatable[i], 1);
    total += f;
    fractions.push(f);
  }
  let std = 0;
  if (fractions.length === 2) {
    std = Math.abs((fractions[0] - fractions[1]) / 2);
  } else if (fractions.length > 2) {
    const mean = total / fractions.length;
    let sum = 0;
    for (const f of fractions) sum += (f - mean) * (f - mean);
    std = Math.sqrt(sum / fractions.length);
  }
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
}

/** balancedScore of cpu and memory, without the arrays: Score runs for every feasible node. */
export function cpuMemoryScore(cpu: number, memory: number, allocatableCpu: number, allocatableMemory: number): number {
  // With fewer than two resources reported there is nothing to deviate: 100.
  if (allocatableCpu === 0 || allocatableMemory === 0) return MAX_NODE_SCORE;
  const std = Math.abs((Math.min(cpu / allocatableCpu, 1) - Math.min(memory / allocatableMemory, 1)) / 2);
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
}

/** The node's score with a pod requesting `req` placed there. */
function nodeScore(req: Resource, n: NodeInfo): number {
  return cpuMemoryScore(n.requestedMilliCPU + req.milliCPU, n.requestedMemory + req.memory, n.allocatableMilliCPU, n.allocatableMemory);
}

export function score(pod: Pod, nodeInfo: NodeInfo, state: CycleState = new CycleState(pod)): number {
  return nodeScore(state.podInfo.requests, nodeInfo);
}

export const plugin: PreScorePlugin & ScorePlugin = {
  name: NAME,
  preScore(_pod, state) {
    const req = state.podInfo.requests;
    return req.milliCPU === 0 && req.memory === 0 ? SKIP : SUCCESS;
  },
  score: (pod, nodeInfo, state) => score(pod, nodeInfo, state),
  scoreNodes(_pod, state, nodes, out) {
    const req = state.podInfo.requests;
    for (let i = 0; i < nodes.length; i++) out[i] = nodeScore(req, nodes[i]);
  },
};
