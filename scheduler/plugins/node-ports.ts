// NodePorts (kube-scheduler plugins/nodeports): a pod's hostPorts must be free on the
// node; 0.0.0.0 (or no hostIP) conflicts with the same protocol/port on any address.
import type { Pod } from '../../api/types/core.js';
import { type ClusterChange, type CycleState, type EnqueueExtensions, type FilterPlugin, type PreFilterPlugin, type Status, SKIP, SUCCESS, rejection } from '../framework.js';
import { HostPortInfo, podHostPorts, type HostPort, type NodeInfo } from '../node-info.js';

export const NAME = 'NodePorts';
export const REASON = "node(s) didn't have free ports for the requested pod ports";
const PORTS_TAKEN = rejection('Unschedulable', NAME, REASON);

export function fitsPorts(wanted: readonly HostPort[], nodeInfo: NodeInfo): boolean {
  if (nodeInfo.usedPorts.size === 0) return true;
  for (const p of wanted) if (nodeInfo.usedPorts.conflicts(p)) return false;
  return true;
}

export function fits(wanted: readonly HostPort[], nodeInfo: NodeInfo): Status {
  return fitsPorts(wanted, nodeInfo) ? SUCCESS : PORTS_TAKEN;
}

/**
 * kube-scheduler isSchedulableAfterPodDeleted: a deleted pod frees ports the pod wants only
 * if it held one of them; a node event may always help (a new node has every port free).
 */
export function isSchedulableAfter(pod: Pod, change: ClusterChange): boolean {
  if (change.resource !== 'Pod') return true;
  const deleted = change.oldObj;
  if (change.newObj || !deleted?.spec?.nodeName) return false;
  const held = new HostPortInfo();
  for (const p of podHostPorts(deleted)) held.add(p);
  return podHostPorts(pod).some((w) => held.conflicts(w));
}

export const plugin: PreFilterPlugin & FilterPlugin & EnqueueExtensions = {
  isSchedulableAfter,
  name: NAME,
  // Most pods bind no host port: skip the Filter for them entirely.
  preFilter: (_pod: Pod, state: CycleState) => (state.podInfo.hostPorts.length === 0 ? SKIP : SUCCESS),
  filter: (_pod, nodeInfo, state) => fits(state.podInfo.hostPorts, nodeInfo),
};
