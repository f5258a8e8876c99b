// The RollingUpdate strategy of DaemonSets (Kubernetes' pkg/controller/daemon/update.go
// rollingUpdate, findUpdatedPodsOnNode, updatedDesiredNodeCounts), as pure planning: from
// the nodes and the daemon pods on each, which old pods to delete and on which nodes to
// create a new pod now. The manage loop (sync.ts) creates the replacement of a deleted
// pod on its next pass.
//
// Without surge (maxSurge 0), a node is unavailable when it has no pod, a new pod not yet
// available, or both an old and a new one; old pods that are not available are replaced
// at once; available old pods are deleted while fewer than maxUnavailable nodes are
// unavailable. Worked example: 5 nodes, maxUnavailable 1, all running available old pods:
// numUnavailable 0, so 1 candidate is deleted; next pass that node has a new pod not yet
// ready (numUnavailable 1): nothing more is deleted until it is available.
//
// With surge, a node with an available old pod gets a new pod beside it while fewer than
// maxSurge nodes carry a not-yet-available new pod; the old pod is deleted once the new
// one is available. Worked example: 4 nodes, maxSurge 1: one node gets a new pod; when it
// is available its old pod goes and the next node gets one.
import { isPodAvailable } from '../../api/helpers/pod.js';
import type { DaemonSet } from '../../api/types/apps.js';
import type { Node, Pod } from '../../api/types/core.js';
import { isPodUpdated, nodeShouldRunDaemonPod, surgeCount, templateGeneration, unavailableCount } from './util.js';

export interface DesiredCounts {
  maxSurge: number;
  maxUnavailable: number;
  desiredNumberScheduled: number;
}

/**
 * updatedDesiredNodeCounts: the nodes that should run the pod (each added to
 * nodeToDaemonPods with no pods when it has none), and maxSurge and maxUnavailable
 * scaled against their number. Both 0 (impossible after validation) allows 1
 * unavailable, so an update can progress.
 */
export function updatedDesiredNodeCounts(ds: DaemonSet, nodes: readonly Node[], nodeToDaemonPods: Map<string, Pod[]>): DesiredCounts {
  let desired = 0;
  for (const node of nodes) {
    if (!nodeShouldRunDaemonPod(node, ds).shouldRun) continue;
    desired++;
    const name = node.metadata.name ?? '';
    if (!nodeToDaemonPods.has(name)) nodeToDaemonPods.set(name, []);
  }
  let maxUnavailable: number;
  let maxSurge: number;
  try {
    maxUnavailable = unavailableCount(ds, desired);
  } catch (err) {
    throw new Error(`invalid value for MaxUnavailable: ${(err as Error).message}`, { cause: err });
  }
  try {
    maxSurge = surgeCount(ds, desired);
  } catch (err) {
    throw new Error(`invalid value for MaxSurge: ${(err as Error).message}`, { cause: err });
  }
  if (desired > 0 && maxUnavailable === 0 && maxSurge === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable, desiredNumberScheduled: desired };
}

/**
 * findUpdatedPodsOnNode: the node's one new and one old pod (either may be missing),
 * terminating pods aside; ok false when there are two of a kind (the manage loop prunes
 * them first).
 */
export function findUpdatedPodsOnNode(ds: DaemonSet, pods: readonly Pod[], hash: string): { newPod?: Pod; oldPod?: Pod; ok: boolean } {
  let newPod: Pod | undefined;
  let oldPod: Pod | undefined;
  const generation = templateGeneration(ds);
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    if (isPodUpdated(pod, hash, generation)) {
      if (newPod) return { ok: false };
      newPod = pod;
    } else {
      if (oldPod) return { ok: false };
      oldPod = pod;
    }
  }
  return { newPod, oldPod, ok: true };
}

export interface RollingPlan {
  /** Old pods to delete now. */
  podsToDelete: string[];
  /** Nodes to create a new pod on now (surge only). */
  nodesToCreate: string[];
}

/**
 * rollingUpdate's decision for one sync. nodeToDaemonPods holds the claimed pods by
 * node; nodes is every node. now is the controller clock's time (ms), for availability.
 */
export function planRollingUpdate(ds: DaemonSet, nodes: readonly Node[], nodeToDaemonPods: Map<string, Pod[]>, hash: string, now: number): RollingPlan {
  const { maxSurge, maxUnavailable, desiredNumberScheduled } = updatedDesiredNodeCounts(ds, nodes, nodeToDaemonPods);
  const minReady = ds.spec?.minReadySeconds ?? 0;
  const available = (pod: Pod): boolean => isPodAvailable(pod, minReady, now);

  if (maxSurge === 0) {
    let numUnavailable = 0;
    const allowedReplacementPods: string[] = [];
    const candidatePodsToDelete: string[] = [];
    for (const pods of nodeToDaemonPods.values()) {
      const { newPod, oldPod, ok } = findUpdatedPodsOnNode(ds, pods, hash);
      if (!ok) {
        // The manage loop removes the excess pods first; the node counts as unavailable.
        numUnavailable++;
        continue;
      }
      if ((!oldPod && !newPod) || (oldPod && newPod)) {
        // The manage loop creates or deletes the pod here: unavailable meanwhile.
        numUnavailable++;
      } else if (newPod) {
        if (!available(newPod)) numUnavailable++;
      } else if (oldPod) {
        if (!available(oldPod)) {
          // Not serving anyway: replace it at once.
          allowedReplacementPods.push(oldPod.metadata.name ?? '');
          numUnavailable++;
        } else if (numUnavailable < maxUnavailable) {
          candidatePodsToDelete.push(oldPod.metadata.name ?? '');
        }
      }
    }
    const remaining = Math.min(Math.max(maxUnavailable - numUnavailable, 0), candidatePodsToDelete.length);
    return { podsToDelete: [...allowedReplacementPods, ...candidatePodsToDelete.slice(0, remaining)], nodesToCreate: [] };
  }

  const byName = new Map(nodes.map((n) => [n.metadata.name ?? '', n]));
  const shouldRun = (nodeName: string): boolean => {
    const node = byName.get(nodeName);
    return !!node && nodeShouldRunDaemonPod(node, ds).shouldRun;
  };
  const oldPodsToDelete: string[] = [];
  const shouldNotRunPodsToDelete: string[] = [];
  const candidateNewNodes: string[] = [];
  const allowedNewNodes: string[] = [];
  let numSurge = 0;
  let numAvailable = 0;
  for (const [nodeName, pods] of nodeToDaemonPods) {
    const { newPod, oldPod, ok } = findUpdatedPodsOnNode(ds, pods, hash);
    if (!ok) {
      numSurge++;
      continue;
    }
    // Availability counts every node, those being left behind too.
    if (oldPod) {
      if (available(oldPod)) numAvailable++;
    } else if (newPod && available(newPod)) {
      numAvailable++;
    }
    if (!oldPod) continue; // the manage loop handles this node
    if (!newPod) {
      if (!available(oldPod)) {
        if (!shouldRun(nodeName)) {
          oldPodsToDelete.push(oldPod.metadata.name ?? '');
          continue;
        }
        allowedNewNodes.push(nodeName);
      } else {
        if (!shouldRun(nodeName)) {
          shouldNotRunPodsToDelete.push(oldPod.metadata.name ?? '');
          continue;
        }
        if (numSurge >= maxSurge) continue;
        candidateNewNodes.push(nodeName);
      }
      continue;
    }
    // Surged here already: wait for the new pod, then retire the old one.
    if (!available(newPod)) {
      numSurge++;
      continue;
    }
    oldPodsToDelete.push(oldPod.metadata.name ?? '');
  }
  // With surge the owner expects full availability: a pod on a node that should no
  // longer run it goes only once enough pods elsewhere are available.
  const deletable = Math.min(numAvailable - desiredNumberScheduled, shouldNotRunPodsToDelete.length);
  if (deletable > 0) oldPodsToDelete.push(...shouldNotRunPodsToDelete.slice(0, deletable));
  const remainingSurge = Math.min(Math.max(maxSurge - numSurge, 0), candidateNewNodes.length);
  return { podsToDelete: oldPodsToDelete, nodesToCreate: [...allowedNewNodes, ...candidateNewNodes.slice(0, remainingSurge)] };
}
