// NodeUnschedulable (kube-scheduler plugins/nodeunschedulable): a cordoned node
// (spec.unschedulable) takes only pods that tolerate the node.kubernetes.io/unschedulable
// NoSchedule taint.
import type { Pod } from '../../api/types/core.js';
import { type EnqueueExtensions, type FilterPlugin, type Status, SUCCESS, nodeFilterHint, rejection } from '../framework.js';
import type { NodeInfo } from '../node-info.js';
import { tolerationsTolerateTaint } from '../../api/helpers/taints.js';

export const NAME = 'NodeUnschedulable';
export const REASON = 'node(s) were unschedulable';
export const TAINT_NODE_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
const UNSCHEDULABLE = rejection('UnschedulableAndUnresolvable', NAME, REASON);

export function fits(pod: Pod, nodeInfo: NodeInfo): Status {
  if (!nodeInfo.unschedulable) return SUCCESS;
  if (tolerationsTolerateTaint(pod.spec?.tolerations, { key: TAINT_NODE_UNSCHEDULABLE, effect: 'NoSchedule' })) return SUCCESS;
  return UNSCHEDULABLE;
}

export const plugin: FilterPlugin & EnqueueExtensions = {
  name: NAME,
  filter: (pod, nodeInfo) => fits(pod, nodeInfo),
  filterNodes(pod, _state, nodes, out) {
    for (let i = 0; i < nodes.length; i++) {
      if (out[i] !== undefined || !nodes[i].unschedulable) continue;
      const s = fits(pod, nodes[i]);
      if (s !== SUCCESS) out[i] = s;
    }
  },
  // Only a node that takes the pod now and did not before (uncordoned) helps.
  isSchedulableAfter: nodeFilterHint((pod, nodeInfo) => fits(pod, nodeInfo)),
};
