// The pod informer's index by spec.nodeName, as kube-controller-manager's node
// lifecycle and taint eviction controllers both add it (nodeNameKeyIndex
// "spec.nodeName"): one index function object, so each controller can ask for it on
// the shared pod informer and it is filed once.
import type { Pod } from '../api/types/core.js';
import type { Informer } from '../client/informer.js';

export const NODE_NAME_INDEX = 'spec.nodeName';

/** Files a pod under its node; an unscheduled pod under nothing. */
export const podNodeNameIndexer = (pod: Pod): string[] => (pod.spec?.nodeName ? [pod.spec.nodeName] : []);

/** Adds the index to a pod informer (a no-op when it is there already). */
export function addPodNodeNameIndex(pods: Pick<Informer<Pod>, 'addIndexers'>): void {
  pods.addIndexers({ [NODE_NAME_INDEX]: podNodeNameIndexer });
}

/** The cached pods bound to node (getPodsAssignedToNode). */
export function podsOnNode(pods: Pick<Informer<Pod>, 'byIndex'>, node: string): Pod[] {
  return pods.byIndex(NODE_NAME_INDEX, node);
}
