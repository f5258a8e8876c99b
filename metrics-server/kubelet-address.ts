// Which address of a node metrics-server scrapes (its addressResolver): the first of the
// node's status.addresses whose type comes first in --kubelet-preferred-address-types,
// and the port the node reports in status.daemonEndpoints.kubeletEndpoint.Port
// (--kubelet-use-node-status-port) or else --kubelet-port.
import { isIPv6 } from 'node:net';
import type { KubeObject } from '../api/types/meta.js';

export interface NodeLike extends KubeObject {
  status?: { addresses?: { type: string; address: string }[]; daemonEndpoints?: { kubeletEndpoint?: { Port?: number } } };
}

/** metrics-server's --kubelet-preferred-address-types default. */
export const DEFAULT_ADDRESS_TYPES = ['Hostname', 'InternalDNS', 'InternalIP', 'ExternalDNS', 'ExternalIP'];

export interface KubeletAddressOptions {
  preferredAddressTypes: string[];
  /** --kubelet-use-node-status-port (default true). */
  useNodeStatusPort: boolean;
  /** --kubelet-port (default 10250). */
  port: number;
}

/** "host:port" of the node's kubelet; throws when the node has no address of the preferred types. */
export function kubeletAddress(node: NodeLike, o: KubeletAddressOptions): string {
  const addresses = node.status?.addresses ?? [];
  let host: string | undefined;
  for (const type of o.preferredAddressTypes) {
    host = addresses.find((a) => a.type === type)?.address;
    if (host) break;
  }
  if (!host) throw new Error(`node ${node.metadata.name} has no valid hostname and/or IP address: ${o.preferredAddressTypes.join(',')}`);
  const statusPort = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  const port = o.useNodeStatusPort && statusPort ? statusPort : o.port;
  return `${isIPv6(host) ? `[${host}]` : host}:${port}`;
}
