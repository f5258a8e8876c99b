// NodeResourcesFit's Score: its default LeastAllocated scoring strategy (resources cpu and
// memory with weight 1 each): prefers nodes with more of their
// allocatable left after placing the pod. Requests count with kube-scheduler's non-zero
// defaults (100m cpu, 200Mi memory per container without a request), so best-effort pods
// spread too.
import type { Pod } from '../../api/types/core.js';
import { CycleState, MAX_NODE_SCORE } from '../framework.js';
import type { NodeInfo, PodInfo } from '../node-info.js';

/** ((capacity - requested) * 100) / capacity in integers; 0 when over capacity or no capacity. */
export function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.trunc(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

/**
 * The weighted average (integer) of leastRequestedScore over resources with non-zero
 * allocatable; resources the node does not report are left out of the average.
 */
export function leastAllocatedScore(requested: readonly number[], allocatable: readonly number[], weights: readonly number[] = [1, 1]): number {
  let score = 0;
  let weightSum = 0;
  for (let i = 0; i < requested.length; i++) {
    if (allocatable[i] === 0) continue;
    score += leastRequestedScore(requested[i], allocatable[i]) * weights[i];
    weightSum += weights[i];
  }
  return weightSum === 0 ? 0 : Math.trunc(score / weightSum);
}

/** leastAllocatedScore of cpu and memory with weight 1 each, without the arrays: Score runs for every feasible node. */
export function cpuMemoryScore(cpu: number, memory: number, allocatableCpu: number, allocatableMemory: number): number {
  let score = 0;
  let weightSum = 0;
  if (allocatableCpu !== 0) {
    score += leastRequestedScore(cpu, allocatableCpu);
    weightSum++;
  }
  if (allocatableMemory !== 0) {
    score += leastRequestedScore(memory, allocatableMemory);
    weightSum++;
  }
  return weightSum === 0 ? 0 : Math.trunc(score / weightSum);
}

/** The node's score with the pod (its PodInfo) placed there. */
function nodeScore(pi: PodInfo, n: NodeInfo): number {
  return cpuMemoryScore(n.nonZeroMilliCPU + pi.nonZeroMilliCPU, n.nonZeroMemory + pi.nonZeroMemory, n.allocatableMilliCPU, n.allocatableMemory);
}

export function score(pod: Pod, nodeInfo: NodeInfo, state: CycleState = new CycleState(pod)): number {
  return nodeScore(state.podInfo, nodeInfo);
}

/** score() of every node into `out`, for ScorePlugin.scoreNodes. */
export function scoreNodes(_pod: Pod, state: CycleState, nodes: readonly NodeInfo[], out: number[]): void {
  const pi = state.podInfo;
  for (let i = 0; i < nodes.length; i++) out[i] = nodeScore(pi, nodes[i]);
}
