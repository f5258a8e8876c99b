// NodeName (kube-scheduler plugins/nodename): a pod that names a node in spec.nodeName
// fits only that node.
import type { Pod } from '../../api/types/core.js';
import { type FilterPlugin, type Status, SUCCESS, unresolvable, withPlugin } from '../framework.js';
import type { NodeInfo } from '../node-info.js';

export const NAME = 'NodeName';
export const REASON = "node(s) didn't match the requested node name";

export function fits(pod: Pod, nodeInfo: NodeInfo): Status {
  const want = pod.spec?.nodeName;
  return !want || want === nodeInfo.name ? SUCCESS : unresolvable(REASON);
}

export const plugin: FilterPlugin = {
  name: NAME,
  filter: (pod, nodeInfo) => fits(pod, nodeInfo),
  filterNodes(pod, _state, nodes, out) {
    // A pod naming no node fits every node.
    if (!pod.spec?.nodeName) return;
    for (let i = 0; i < nodes.length; i++) {
      if (out[i] !== undefined) continue;
      const s = fits(pod, nodes[i]);
      if (s !== SUCCESS) out[i] = withPlugin(s, NAME);
    }
  },
};
