// Which endpoints of a service port may take traffic (Kubernetes' pkg/proxy/topology.go
// CategorizeEndpoints, without zone or node hints): ready endpoints, or when a set has
// none, its serving-and-terminating ones; the Local set holds only this node's endpoints.
import type { Endpoint, ServicePort, UsableEndpoints } from './types.js';

const isServingTerminating = (ep: Endpoint): boolean => ep.serving && ep.terminating;

/**
 * Ready endpoints of candidates, or when none is ready, the serving-terminating ones
 * (so a service whose pods are all shutting down still answers until they are gone).
 */
function usable(candidates: readonly Endpoint[]): readonly Endpoint[] {
  const ready = candidates.filter((ep) => ep.ready);
  return ready.length > 0 ? ready : candidates.filter(isServingTerminating);
}

/**
 * The endpoints each kind of traffic to svc may use, from the service port's endpoints
 * (as the endpoints tracker keeps them: deduplicated, sorted by key; order is kept).
 * Called by the proxiers on every sync. `local` falls back on its own: with no ready
 * local endpoint it uses local serving-terminating ones even when remote ready ones
 * exist. A Local policy with no usable local endpoint yields an empty set (traffic is
 * dropped, never sent off-node).
 */
export function usableEndpoints(svc: ServicePort, endpoints: readonly Endpoint[]): UsableEndpoints {
  const cluster = usable(endpoints);
  const local = usable(endpoints.filter((ep) => ep.isLocal));
  return {
    cluster,
    local,
    internal: svc.internalPolicyLocal ? local : cluster,
    external: svc.externalPolicyLocal ? local : cluster,
  };
}
