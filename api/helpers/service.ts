// Kubernetes' pkg/apis/core/v1/helper and pkg/api/v1/service rules about Services that
// several components apply: one copy for the apiserver's defaulting and validation
// and kube-proxy.

/**
 * ExternallyAccessible: LoadBalancer, NodePort, or ClusterIP with external IPs:
 * reachable from outside the cluster. Reads the spec defensively (it may not be
 * validated yet when defaulting runs).
 */
export function externallyAccessible(spec: { type?: unknown; externalIPs?: unknown } | undefined): boolean {
  const type = spec?.type ?? 'ClusterIP';
  const externalIPs = spec?.externalIPs;
  return type === 'LoadBalancer' || type === 'NodePort' || (type === 'ClusterIP' && Array.isArray(externalIPs) && externalIPs.length > 0);
}
