// The writes the node lifecycle controller makes, behind an interface so unit tests
// record them (controller_utils.go's helpers over a clientset): node status, node
// taints and labels, pod Ready conditions.
import type { Node, Pod, PodCondition, Taint } from '../../api/types/core.js';
import { resourceClient } from '../../client/resource-client.js';
import type { RestClient } from '../../client/rest-client.js';
import { patchPodStatus } from '../pod-status.js';

export interface NodeLifecycleClient {
  /** Uncached GET of a node (the re-read before retrying a write). */
  getNode(name: string): Promise<Node>;
  /** PUT nodes/status with the node's resourceVersion. */
  updateNodeStatus(node: Node): Promise<Node>;
  /**
   * Merge patch of a node's taints and/or labels; resourceVersion makes it conditional
   * (409 when the node changed since), as PatchNodeTaints sends it.
   */
  patchNode(name: string, patch: { resourceVersion?: string; taints?: Taint[]; labels?: Record<string, string> }): Promise<Node>;
  /** Strategic merge patch of one condition into pods/status. */
  patchPodCondition(pod: Pod, condition: PodCondition): Promise<Pod>;
}

export function restNodeLifecycleClient(rest: RestClient): NodeLifecycleClient {
  const nodes = resourceClient<Node>(rest, 'nodes');
  const pods = resourceClient<Pod>(rest, 'pods');
  return {
    getNode: (name) => nodes.get('', name),
    updateNodeStatus: (node) => nodes.updateStatus('', node),
    patchNode: (name, p) => nodes.patch('', name, 'merge', {
      metadata: { ...(p.resourceVersion ? { resourceVersion: p.resourceVersion } : {}), ...(p.labels ? { labels: p.labels } : {}) },
      ...(p.taints ? { spec: { taints: p.taints } } : {}),
    }),
    patchPodCondition: (pod, condition) => patchPodStatus(pods, pod, { conditions: [condition] }),
  };
}
