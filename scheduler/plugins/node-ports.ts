// NodePorts (kube-scheduler plugins/nodeports): a pod's hostPorts must be free on the
// node; 0.0.0.0 (or no hostIP) conflicts with the same protocol/port on any address.
import type { Pod } from '../../api/types/core.js';
import { type CycleState, type FilterPlugin, type PreFilterPlugin, type Status, SKIP, SUCCESS, unschedulable } from '../framework.js';
import type { HostPort, NodeInfo } from '../node-info.js';

export const NAME = 'NodePorts';
export const REASON = "node(s) didn't have free ports for the requested pod ports";

export function fitsPorts(wanted: readonly HostPort[], nodeInfo: NodeInfo): boolean {
  if (nodeInfo.usedPorts.size === 0) return true;
  for (const p of wanted) if (nodeInfo.usedPorts.conflicts(p)) return false;
  return true;
}

export function fits(wanted: readonly HostPort[], nodeInfo: NodeInfo): Status {
  return fitsPorts(wanted, nodeInfo) ? SUCCESS : unschedulable(REASON);
}

export const plugin: PreFilterPlugin & FilterPlugin = {
  name: NAME,
  // Most pods bind no host port: skip the Filter for them entirely.
  preFilter: (_pod: Pod, state: CycleState) => (state.podInfo.hostPorts.length === 0 ? SKIP : SUCCESS),
  filter: (_pod, nodeInfo, state) => fits(state.podInfo.hostPorts, nodeInfo),
};
