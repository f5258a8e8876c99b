// Where a pod's subresources that the kubelet serves (log, exec, attach, portforward)
// go: the container a request names (Kubernetes' validateContainer), and the kubelet of
// the pod's node (its InternalIP and daemon endpoint port, read as kube-apiserver's
// NodeConnectionInfoGetter reads them: from the watch cache).
import { isIPv6 } from 'node:net';
import { badRequest, serviceUnavailable } from '../../api/errors.js';
import type { KubeObject } from '../../api/types/meta.js';
import type { GenericRegistry } from './generic.js';

export interface PodLike extends KubeObject {
  spec?: { nodeName?: string; containers?: { name: string }[]; initContainers?: { name: string }[]; ephemeralContainers?: { name: string }[] };
}
export interface NodeLike extends KubeObject {
  status?: { addresses?: { type: string; address: string }[]; daemonEndpoints?: { kubeletEndpoint?: { Port?: number } } };
}

/** The kubelet's default port, when the node does not say. */
const KUBELET_PORT = 10250;

/** The container a request is for: the one named (a container, init or ephemeral container of the pod), else the pod's only container. */
export function podContainer(pod: PodLike, container: string | undefined): string {
  const name = pod.metadata.name as string;
  const containers = pod.spec?.containers ?? [];
  const names = [...containers, ...(pod.spec?.initContainers ?? []), ...(pod.spec?.ephemeralContainers ?? [])].map((c) => c.name);
  if (!container) {
    if (containers.length !== 1) throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${names.join(' ')}]`);
    return containers[0].name;
  }
  if (!names.includes(container)) throw badRequest(`container ${container} is not valid for pod ${name}`);
  return container;
}

/** The kubelet serving pod: "host:port" for a URL, and a description for errors. */
export async function kubeletOf(pod: PodLike, nodes: GenericRegistry): Promise<{ authority: string; nodeName: string; target: string }> {
  const nodeName = pod.spec?.nodeName;
  if (!nodeName) throw badRequest(`pod ${pod.metadata.name as string} does not have a host assigned`);
  return kubeletOfNode(await nodes.getCached(undefined, nodeName) as NodeLike);
}

/** The kubelet of a node: "host:port" (its InternalIP and daemon endpoint port) for a URL, and a description for errors. */
export function kubeletOfNode(node: NodeLike): { authority: string; nodeName: string; target: string } {
  const nodeName = node.metadata.name as string;
  const ip = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  if (!ip) throw serviceUnavailable(`node ${nodeName} has no InternalIP address to reach its kubelet`);
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? KUBELET_PORT;
  const authority = `${isIPv6(ip) ? `[${ip}]` : ip}:${port}`;
  return { authority, nodeName, target: `the kubelet of node ${nodeName} at ${authority}` };
}
