// What a LoadBalancer service's status.loadBalancer should say, as a pure function of
// the service, the nodes and (for externalTrafficPolicy Local) its EndpointSlices.
// There is no load balancer in front of the cluster: kube-proxy on every node serves
// status.loadBalancer.ingress[].ip:port itself, so the ingress addresses are the nodes'
// own, as k3s' ServiceLB reports them (pkg/cloudprovider/servicelb.go getStatus,
// podIPs, filterByIPFamily).
//
// A node is a load-balancer host (the service controller's getNodeConditionPredicate)
// when its Ready condition is True, it does not carry the
// node.kubernetes.io/exclude-from-external-load-balancers label and the cluster
// autoscaler has not tainted it ToBeDeletedByClusterAutoscaler. Each host gives, for
// each IP family, its ExternalIP of that family, else its InternalIP of that family.
//
// Worked example: service ipFamilies [IPv4]; node a Ready with InternalIP 10.0.0.2 and
// ExternalIP 203.0.113.9; node b Ready with InternalIP 10.0.0.10 only; node c NotReady
// with InternalIP 10.0.0.3. Hosts: a, b. Addresses: 203.0.113.9 (a's ExternalIP wins),
// 10.0.0.10. Sorted as strings (k3s' sort.Strings), each ipMode VIP:
//   ingress: [{ ip: 10.0.0.10, ipMode: VIP }, { ip: 203.0.113.9, ipMode: VIP }]
// With externalTrafficPolicy Local and ready pod endpoints only on b: [10.0.0.10].
import { isDeepStrictEqual } from 'node:util';
import type { LoadBalancerIngress, LoadBalancerStatus, Node, Service } from '../../api/types/core.js';
import type { EndpointSlice } from '../../api/types/discovery.js';
import { isIPv6String } from '../endpointslice/util.js';
import { parseIP } from '../../api/validation/names.js';

/** v1.LabelNodeExcludeBalancers: nodes with this label (any value) serve no load balancer. */
export const LABEL_EXCLUDE_BALANCERS = 'node.kubernetes.io/exclude-from-external-load-balancers';
/** The cluster autoscaler's taint on a node it is about to delete (the service controller's ToBeDeletedTaint). */
export const TO_BE_DELETED_TAINT = 'ToBeDeletedByClusterAutoscaler';
/** The ingress ipMode: traffic arrives with the load-balancer IP as destination (kube-proxy serves it). */
export const IP_MODE_VIP = 'VIP';

type Family = 'IPv4' | 'IPv6';

const familyOf = (ip: string): Family | undefined => {
  if (parseIP(ip) === undefined) return undefined;
  return isIPv6String(ip) ? 'IPv6' : 'IPv4';
};

/** The node's Ready condition status ('True', 'False', 'Unknown'), or '' when it posted none. */
export function nodeReadyStatus(node: Node): string {
  return node.status?.conditions?.find((c) => c.type === 'Ready')?.status ?? '';
}

/** getNodeConditionPredicate: may this node carry load-balancer traffic? */
export function isLoadBalancerHost(node: Node): boolean {
  if (node.metadata.labels?.[LABEL_EXCLUDE_BALANCERS] !== undefined) return false;
  if ((node.spec?.taints ?? []).some((t) => t.key === TO_BE_DELETED_TAINT)) return false;
  return nodeReadyStatus(node) === 'True';
}

/**
 * The addresses a node offers load balancers, one per family at most: its ExternalIP
 * of the family, else its InternalIP of the family. Undefined when the node is no
 * load-balancer host. Comparing two views of a node with this tells whether the
 * change matters to any load balancer.
 */
export function nodeLoadBalancerAddresses(node: Node): string[] | undefined {
  if (!isLoadBalancerHost(node)) return undefined;
  const out: string[] = [];
  for (const family of ['IPv4', 'IPv6'] as const) {
    const of = (type: string): string | undefined => (node.status?.addresses ?? [])
      .find((a) => a.type === type && familyOf(a.address) === family)?.address;
    const ip = of('ExternalIP') ?? of('InternalIP');
    if (ip) out.push(ip);
  }
  return out;
}

/** servicehelper.RequestsOnlyLocalTraffic (its one copy is in api/helpers/service.ts). */
export { requestsOnlyLocalTraffic } from '../../api/helpers/service.js';

/**
 * The nodes running a ready pod endpoint of the service (k3s reads them from the
 * service's EndpointSlices for externalTrafficPolicy Local): an endpoint counts when
 * it is a Pod, its ready condition is true, and its nodeName is set.
 */
export function nodesWithReadyEndpoints(slices: readonly EndpointSlice[]): Set<string> {
  const nodes = new Set<string>();
  for (const slice of slices) {
    for (const ep of slice.endpoints ?? []) {
      if (ep.targetRef?.kind === 'Pod' && ep.conditions?.ready === true && ep.nodeName) nodes.add(ep.nodeName);
    }
  }
  return nodes;
}

/**
 * The status a LoadBalancer service should have: the addresses of every
 * load-balancer host (restricted to localNodes when given: externalTrafficPolicy
 * Local), of the service's IP families, in the order of spec.ipFamilies, each family
 * sorted as strings and without duplicates, ipMode VIP. No hosts: no ingress, which
 * `kubectl get svc` shows as <pending>.
 */
export function loadBalancerStatus(svc: Service, nodes: readonly Node[], localNodes?: ReadonlySet<string>): LoadBalancerStatus {
  const byFamily: Record<Family, Set<string>> = { IPv4: new Set(), IPv6: new Set() };
  for (const node of nodes) {
    if (localNodes && !localNodes.has(node.metadata.name ?? '')) continue;
    for (const ip of nodeLoadBalancerAddresses(node) ?? []) {
      const family = familyOf(ip);
      if (family) byFamily[family].add(ip);
    }
  }
  const families = svc.spec?.ipFamilies?.length ? svc.spec.ipFamilies : ['IPv4'];
  const ingress: LoadBalancerIngress[] = [];
  for (const family of families) {
    const ips = byFamily[family as Family];
    if (!ips) continue;
    for (const ip of [...ips].sort()) ingress.push({ ip, ipMode: IP_MODE_VIP });
  }
  return ingress.length ? { ingress } : {};
}

/**
 * servicehelper.LoadBalancerStatusEqual: the same ingress entries (ip, hostname,
 * ipMode, ports) in the same order; no ingress and an empty list are equal.
 */
export function loadBalancerStatusEqual(a: LoadBalancerStatus | undefined, b: LoadBalancerStatus | undefined): boolean {
  const x = a?.ingress ?? [];
  const y = b?.ingress ?? [];
  if (x.length !== y.length) return false;
  return x.every((ing, i) => (ing.ip ?? '') === (y[i].ip ?? '') && (ing.hostname ?? '') === (y[i].hostname ?? '')
    && (ing.ipMode ?? '') === (y[i].ipMode ?? '') && isDeepStrictEqual(ing.ports ?? [], y[i].ports ?? []));
}
