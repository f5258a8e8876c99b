// Where a webhook named by a Service reference is called, as kube-apiserver's service
// resolvers decide: the aggregator's rules (aggregator/resolve.ts), by default the
// Service's ClusterIP (or its ExternalName), with --enable-aggregator-routing one of its
// ready endpoints. Either way the call is made, and the certificate checked, as
// `https://<name>.<namespace>.svc:<port><path>`.
import type { ServiceReference } from '../../../api/types/admissionregistration.js';
import { resolveCluster, resolveEndpoint, type ServiceLookup } from '../../aggregator/resolve.js';
import type { CallTarget } from './client.js';

export type RoutingMode = 'cluster-ip' | 'endpoints';

/** Resolves a webhook's Service reference to a call target; throws an Error with Kubernetes' reason. */
export function resolveService(ref: ServiceReference, lookup: ServiceLookup, mode: RoutingMode): Omit<CallTarget, 'ca'> {
  const port = ref.port ?? 443;
  const url = `https://${ref.name}.${ref.namespace}.svc:${port}${ref.path ?? ''}`;
  const dial = mode === 'endpoints' ? resolveEndpoint(lookup, ref.namespace, ref.name, port) : resolveCluster(lookup, ref.namespace, ref.name, port);
  return { url, dial };
}
