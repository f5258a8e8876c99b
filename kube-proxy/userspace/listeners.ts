// Which sockets the userspace proxier should have open, as a pure function of the
// service ports: for every TCP or UDP port (SCTP has no userspace path) one listener
// on clusterIP:port for ClusterIP traffic, and for external traffic one on each
// nodePort address at the nodePort (NodePort and LoadBalancer services) and one on
// each external IP and load-balancer IP at the service port.
import type { ServicePort } from '../types.js';

/** The endpoints a listener's traffic may go to (UsableEndpoints.internal or .external). */
export type Traffic = 'internal' | 'external';

export interface ListenerSpec {
  /** "TCP/10.96.0.10:53": one socket per protocol, address and port. */
  id: string;
  protocol: 'TCP' | 'UDP';
  address: string;
  port: number;
  /** The service port's key. */
  service: string;
  traffic: Traffic;
}

/** A listener two service ports both asked for; the first (by key) has it. */
export interface ListenerConflict {
  id: string;
  owner: string;
  loser: string;
}

export const listenerId = (protocol: string, address: string, port: number): string => `${protocol}/${address}:${port}`;

/**
 * The listeners for services (any order; taken by key so conflicts resolve the same
 * way every time) with nodePorts on nodePortAddresses (['0.0.0.0'] for every address).
 */
export function desiredListeners(
  services: Iterable<ServicePort>,
  nodePortAddresses: readonly string[],
): { listeners: Map<string, ListenerSpec>; conflicts: ListenerConflict[] } {
  const listeners = new Map<string, ListenerSpec>();
  const conflicts: ListenerConflict[] = [];
  const sorted = [...services].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const svc of sorted) {
    if (svc.protocol !== 'TCP' && svc.protocol !== 'UDP') continue;
    const protocol = svc.protocol;
    const add = (address: string, port: number, traffic: Traffic): void => {
      if (!address || port <= 0) return;
      const id = listenerId(protocol, address, port);
      const have = listeners.get(id);
      if (!have) listeners.set(id, { id, protocol, address, port, service: svc.key, traffic });
      else if (have.service !== svc.key) conflicts.push({ id, owner: have.service, loser: svc.key });
    };
    add(svc.clusterIP, svc.port, 'internal');
    if (svc.nodePort > 0 && svc.type !== 'ClusterIP') {
      for (const a of nodePortAddresses) add(a, svc.nodePort, 'external');
    }
    for (const ip of svc.externalIPs) add(ip, svc.port, 'external');
    for (const ip of svc.loadBalancerIPs) add(ip, svc.port, 'external');
  }
  return { listeners, conflicts };
}
