// NodeResourcesFit (kube-scheduler plugins/noderesources/fit.go): the pod's
// requests must fit in the node's allocatable minus what the pods already there (bound and
// assumed) request, and the node must have room for one more pod.
import type { Pod } from '../../api/types/core.js';
import { score as leastAllocatedScore, scoreNodes as leastAllocatedScoreNodes } from './least-allocated.js';
import { resourceAllocationScorer, type ResourceSpec, type ScoringStrategyType, type ShapePoint } from './resource-allocation.js';
import {
  type ClusterChange, type CycleState, type EnqueueExtensions, type FilterPlugin, type PreFilterPlugin, type ScorePlugin, type Status, SUCCESS, unschedulable, withPlugin,
} from '../framework.js';
import { computePodRequests, NodeInfo, type Resource } from '../node-info.js';

export const NAME = 'NodeResourcesFit';
export const REASON_TOO_MANY_PODS = 'Too many pods';
export const insufficientReason = (resource: string): string => `Insufficient ${resource}`;

/**
 * The reasons the pod's requests do not fit on the node, in kube-scheduler's order (pods,
 * cpu, memory, ephemeral-storage, extended resources); empty when it fits. A zero request
 * for a resource never fails, even on an overcommitted node.
 */
export function insufficientResources(req: Resource, nodeInfo: NodeInfo, ignored?: (resource: string) => boolean): string[] {
  const out: string[] = [];
  const alloc = nodeInfo.allocatable;
  const used = nodeInfo.requested;
  if (nodeInfo.podCount + 1 > alloc.allowedPodNumber) out.push(REASON_TOO_MANY_PODS);
  if (req.milliCPU > 0 && req.milliCPU > alloc.milliCPU - used.milliCPU) out.push(insufficientReason('cpu'));
  if (req.memory > 0 && req.memory > alloc.memory - used.memory) out.push(insufficientReason('memory'));
  if (req.ephemeralStorage > 0 && req.ephemeralStorage > alloc.ephemeralStorage - used.ephemeralStorage) {
    out.push(insufficientReason('ephemeral-storage'));
  }
  if (req.scalar) {
    for (const [name, q] of req.scalar) {
      if (ignored?.(name)) continue;
      if (q > 0 && q > (alloc.scalar?.get(name) ?? 0) - (used.scalar?.get(name) ?? 0)) out.push(insufficientReason(name));
    }
  }
  return out;
}

/**
 * Whether the requests fit, without building the reasons: the Filter runs for hundreds of
 * nodes per pod and nearly always passes, so the common case allocates nothing.
 */
export function fitsResources(req: Resource, n: NodeInfo, ignored?: (resource: string) => boolean): boolean {
  if (n.podCount + 1 > n.allowedPodNumber) return false;
  if (req.milliCPU > 0 && req.milliCPU > n.allocatableMilliCPU - n.requestedMilliCPU) return false;
  if (req.memory > 0 && req.memory > n.allocatableMemory - n.requestedMemory) return false;
  if (req.ephemeralStorage > 0 && req.ephemeralStorage > n.allocatableEphemeralStorage - n.requestedEphemeralStorage) return false;
  return req.scalar === undefined || insufficientResources(req, n, ignored).length === 0;
}

export function fits(req: Resource, nodeInfo: NodeInfo, ignored?: (resource: string) => boolean): Status {
  return fitsResources(req, nodeInfo, ignored) ? SUCCESS : unschedulable(...insufficientResources(req, nodeInfo, ignored));
}

/** NodeResourcesFitArgs (kubescheduler.config.k8s.io/v1). */
export interface NodeResourcesFitArgs {
  /** Extended resources the Filter does not check. */
  ignoredResources?: string[];
  /** Extended resource groups (the part before "/") the Filter does not check. */
  ignoredResourceGroups?: string[];
  scoringStrategy?: { type?: ScoringStrategyType; resources?: ResourceSpec[]; shape?: ShapePoint[] };
}

/** The default scoring strategy: LeastAllocated over cpu and memory, weight 1 each. */
export const DEFAULT_SCORING_RESOURCES: readonly ResourceSpec[] = Object.freeze([{ name: 'cpu', weight: 1 }, { name: 'memory', weight: 1 }]);

/** kube-scheduler haveAnyRequestedResourcesIncreased: the node gained room in something the pod asks for. */
function anyRequestedIncreased(req: Resource, before: NodeInfo, after: NodeInfo): boolean {
  if (after.allowedPodNumber > before.allowedPodNumber) return true;
  if (req.milliCPU > 0 && after.allocatableMilliCPU > before.allocatableMilliCPU) return true;
  if (req.memory > 0 && after.allocatableMemory > before.allocatableMemory) return true;
  if (req.ephemeralStorage > 0 && after.allocatableEphemeralStorage > before.allocatableEphemeralStorage) return true;
  for (const [name, q] of req.scalar ?? []) {
    if (q > 0 && (after.allocatableScalar?.get(name) ?? 0) > (before.allocatableScalar?.get(name) ?? 0)) return true;
  }
  return false;
}

/**
 * kube-scheduler Fit's QueueingHints: a bound pod deleted frees room (Queue); a node
 * added helps if the pod fits its allocatable at all, an updated one if it fits and grew
 * in something the pod requests.
 */
export function isSchedulableAfter(pod: Pod, change: ClusterChange): boolean {
  if (change.resource === 'Pod') return !change.newObj && !!change.oldObj?.spec?.nodeName;
  if (!change.newObj) return false;
  const req = computePodRequests(pod);
  const after = new NodeInfo(change.newObj.metadata.name ?? '', change.newObj);
  if (!fitsResources(req, after)) return false;
  return !change.oldObj || anyRequestedIncreased(req, new NodeInfo(change.oldObj.metadata.name ?? '', change.oldObj), after);
}

/** The plugin with `args` (kube-scheduler NewFit). */
export function nodeResourcesFitPlugin(args: NodeResourcesFitArgs = {}): PreFilterPlugin & FilterPlugin & ScorePlugin & EnqueueExtensions {
  const ignoredNames = new Set(args.ignoredResources ?? []);
  const ignoredGroups = new Set(args.ignoredResourceGroups ?? []);
  const ignored = ignoredNames.size + ignoredGroups.size === 0
    ? undefined
    : (name: string): boolean => ignoredNames.has(name) || (name.includes('/') && ignoredGroups.has(name.slice(0, name.indexOf('/'))));
  const type = args.scoringStrategy?.type ?? 'LeastAllocated';
  const resources = args.scoringStrategy?.resources ?? DEFAULT_SCORING_RESOURCES;
  const isDefault = type === 'LeastAllocated' && resources.length === 2
    && resources.every((r, i) => r.name === DEFAULT_SCORING_RESOURCES[i].name && r.weight === 1);
  return {
    name: NAME,
    isSchedulableAfter,
    // The requests are part of PodInfo, computed once per cycle; nothing else to prepare.
    preFilter: (_pod: Pod, state: CycleState) => (void state.podInfo, SUCCESS),
    filter: (_pod, nodeInfo, state) => fits(state.podInfo.requests, nodeInfo, ignored),
    filterNodes(_pod, state, nodes, out) {
      const req = state.podInfo.requests;
      for (let i = 0; i < nodes.length; i++) {
        if (out[i] === undefined && !fitsResources(req, nodes[i], ignored)) out[i] = withPlugin(fits(req, nodes[i], ignored), NAME);
      }
    },
    // LeastAllocated of cpu and memory (the default) has its own allocation-free path.
    score: isDefault ? leastAllocatedScore : resourceAllocationScorer(type, resources, args.scoringStrategy?.shape),
    scoreNodes: isDefault ? leastAllocatedScoreNodes : undefined,
  };
}

export const plugin = nodeResourcesFitPlugin();
