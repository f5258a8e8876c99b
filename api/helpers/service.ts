// Kubernetes' pkg/apis/core/v1/helper and pkg/api/v1/service rules about Services that
// several components apply: one copy for the apiserver's defaulting, validation and
// allocation, kube-proxy, and the service load-balancer controller. Each reads the
// spec defensively: defaulting runs before validation, on whatever the client sent.

interface SpecLike { type?: unknown; externalIPs?: unknown; externalTrafficPolicy?: unknown }

/**
 * ExternallyAccessible: LoadBalancer, NodePort, or ClusterIP with external IPs:
 * reachable from outside the cluster.
 */
export function externallyAccessible(spec: SpecLike | undefined): boolean {
  const type = spec?.type ?? 'ClusterIP';
  const externalIPs = spec?.externalIPs;
  return type === 'LoadBalancer' || type === 'NodePort' || (type === 'ClusterIP' && Array.isArray(externalIPs) && externalIPs.length > 0);
}

/**
 * RequestsOnlyLocalTraffic: a LoadBalancer or NodePort service with
 * externalTrafficPolicy Local, whose external traffic goes only to endpoints on the
 * node it arrived at (and keeps its client's source address).
 */
export function requestsOnlyLocalTraffic(svc: { spec?: SpecLike } | undefined): boolean {
  const type = svc?.spec?.type;
  return (type === 'LoadBalancer' || type === 'NodePort') && svc?.spec?.externalTrafficPolicy === 'Local';
}

/**
 * NeedsHealthCheck: a LoadBalancer service that requests only local traffic. It gets
 * a spec.healthCheckNodePort (from the nodePort range) on which kube-proxy tells the
 * load balancer whether the node has a local endpoint; no other service may set one.
 */
export function needsHealthCheck(svc: { spec?: SpecLike } | undefined): boolean {
  return svc?.spec?.type === 'LoadBalancer' && requestsOnlyLocalTraffic(svc);
}
