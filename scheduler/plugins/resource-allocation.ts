// NodeResourcesFit's scoring strategies with their arguments (kube-scheduler
// noderesources/resource_allocation.go, least_allocated.go, most_allocated.go): for each
// resource of the strategy, the node's requested amount with the pod added (cpu and memory
// with the non-zero defaults) against its allocatable, scored and averaged by weight.
// The default (LeastAllocated of cpu and memory, weight 1 each) keeps its allocation-free
// path in least-allocated.ts; this serves any other configuration.
import type { Pod } from '../../api/types/core.js';
import { type CycleState, MAX_NODE_SCORE } from '../framework.js';
import type { NodeInfo } from '../node-info.js';
import { leastRequestedScore } from './least-allocated.js';

export type ScoringStrategyType = 'LeastAllocated' | 'MostAllocated' | 'RequestedToCapacityRatio';

/** A point of RequestedToCapacityRatio's shape: utilization 0..100 (percent) → score 0..10. */
export interface ShapePoint {
  readonly utilization: number;
  readonly score: number;
}

export interface ResourceSpec {
  readonly name: string;
  readonly weight: number;
}

/** kube-scheduler mostRequestedScore: requested share of capacity, capped at 100. */
export function mostRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0) return 0;
  return Math.trunc((Math.min(requested, capacity) * MAX_NODE_SCORE) / capacity);
}

const isScalar = (name: string): boolean => name !== 'cpu' && name !== 'memory' && name !== 'ephemeral-storage';

/**
 * kube-scheduler calculateResourceAllocatableRequest: [allocatable, requested with the pod]
 * of one resource; [0, 0] for an extended resource the pod does not ask for, so it is left
 * out of the average.
 */
function allocatableAndRequested(name: string, nodeInfo: NodeInfo, state: CycleState): [number, number] {
  const pi = state.podInfo;
  switch (name) {
    case 'cpu':
      return [nodeInfo.allocatableMilliCPU, nodeInfo.nonZeroMilliCPU + pi.nonZeroMilliCPU];
    case 'memory':
      return [nodeInfo.allocatableMemory, nodeInfo.nonZeroMemory + pi.nonZeroMemory];
    case 'ephemeral-storage':
      return [nodeInfo.allocatableEphemeralStorage, nodeInfo.requestedEphemeralStorage + pi.requests.ephemeralStorage];
    default: {
      const want = pi.requests.scalar?.get(name) ?? 0;
      if (isScalar(name) && want === 0) return [0, 0];
      return [nodeInfo.allocatableScalar?.get(name) ?? 0, (nodeInfo.requestedScalar?.get(name) ?? 0) + want];
    }
  }
}

/**
 * kube-scheduler BuildBrokenLinearFunction over the shape with scores scaled to 0..100:
 * linear between points, flat before the first and after the last (integer math).
 */
export function brokenLinear(shape: readonly ShapePoint[]): (utilization: number) => number {
  const pts = shape.map((p) => ({ u: p.utilization, s: p.score * (MAX_NODE_SCORE / 10) }));
  return (u) => {
    for (let i = 0; i < pts.length; i++) {
      if (u <= pts[i].u) {
        if (i === 0) return pts[0].s;
        return pts[i - 1].s + Math.trunc(((pts[i].s - pts[i - 1].s) * (u - pts[i - 1].u)) / (pts[i].u - pts[i - 1].u));
      }
    }
    return pts[pts.length - 1].s;
  };
}

type Scorer = (pod: Pod, nodeInfo: NodeInfo, state: CycleState) => number;

/**
 * The weighted average of `scoreOne` over the resources the node has (kube-scheduler
 * resourceAllocationScorer.score). RequestedToCapacityRatio leaves out resources scoring 0
 * and rounds; the other strategies truncate.
 */
function weightedAverage(resources: readonly ResourceSpec[], scoreOne: (requested: number, allocatable: number) => number, ratio: boolean): Scorer {
  return (_pod, nodeInfo, state) => {
    let score = 0;
    let weightSum = 0;
    for (const r of resources) {
      const [allocatable, requested] = allocatableAndRequested(r.name, nodeInfo, state);
      if (allocatable === 0) continue;
      const s = scoreOne(requested, allocatable);
      if (ratio && s <= 0) continue;
      score += s * r.weight;
      weightSum += r.weight;
    }
    if (weightSum === 0) return 0;
    return ratio ? Math.round(score / weightSum) : Math.trunc(score / weightSum);
  };
}

/** The Score function of a strategy over `resources` (weights 1..100); `shape` for RequestedToCapacityRatio. */
export function resourceAllocationScorer(type: ScoringStrategyType, resources: readonly ResourceSpec[], shape: readonly ShapePoint[] = []): Scorer {
  if (type === 'RequestedToCapacityRatio') {
    // kube-scheduler buildRequestedToCapacityRatioScorerFunction: over capacity scores as full.
    const f = brokenLinear(shape);
    return weightedAverage(resources, (requested, allocatable) => (requested > allocatable ? f(100) : f(Math.trunc((requested * 100) / allocatable))), true);
  }
  return weightedAverage(resources, type === 'MostAllocated' ? mostRequestedScore : leastRequestedScore, false);
}
