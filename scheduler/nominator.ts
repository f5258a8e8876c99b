// The pods nominated to nodes (kube-scheduler's nominator in internal/queue): a preemptor
// whose victims are still going is nominated to their node, and until it binds, Filter
// counts it there for pods of no higher priority (framework.runFiltersWithNominatedPods),
// so the room preemption made is not taken by someone else.
//
// Fed by the scheduler: a pending pod's status.nominatedNodeName as the informer sees it,
// and its own preemption decisions at once (the status write lags). Keyed by pod uid.
import type { Pod } from '../api/types/core.js';
import type { PodNominator } from './framework.js';
import { podInfoOf, podKey, type PodInfo } from './node-info.js';

export class Nominator implements PodNominator {
  private readonly byNode = new Map<string, PodInfo[]>();
  private readonly nodeOf = new Map<string, string>();

  /** How many pods are nominated. */
  get size(): number {
    return this.nodeOf.size;
  }

  nominatedPodsForNode(nodeName: string): readonly PodInfo[] | undefined {
    return this.byNode.get(nodeName);
  }

  /** The node `pod` is nominated to here, if any. */
  nominatedNodeOf(pod: Pod): string | undefined {
    return this.nodeOf.get(podKey(pod));
  }

  /**
   * Nominates `pod` to `nodeName`, or to its status.nominatedNodeName when none is given
   * (kube-scheduler AddNominatedPod); with neither it loses any nomination.
   */
  add(pod: Pod, nodeName?: string): void {
    const key = podKey(pod);
    const node = nodeName ?? pod.status?.nominatedNodeName;
    this.delete(key);
    if (!node) return;
    this.nodeOf.set(key, node);
    this.byNode.set(node, [...(this.byNode.get(node) ?? []), podInfoOf(pod)]);
  }

  /**
   * A nominated or pending pod changed (kube-scheduler UpdateNominatedPod). When neither
   * version names a node in its status, a nomination made here is kept: the scheduler's own
   * decision is newer than a status that has not caught up with it.
   */
  update(oldPod: Pod, newPod: Pod): void {
    const kept = !oldPod.status?.nominatedNodeName && !newPod.status?.nominatedNodeName ? this.nodeOf.get(podKey(oldPod)) : undefined;
    this.delete(oldPod);
    this.add(newPod, kept);
  }

  /** The pod bound, was deleted or lost its nomination (kube-scheduler DeleteNominatedPodIfExists). */
  delete(pod: Pod | string): void {
    const key = typeof pod === 'string' ? pod : podKey(pod);
    const node = this.nodeOf.get(key);
    if (node === undefined) return;
    this.nodeOf.delete(key);
    const rest = (this.byNode.get(node) ?? []).filter((pi) => pi.key !== key);
    if (rest.length) this.byNode.set(node, rest);
    else this.byNode.delete(node);
  }
}
