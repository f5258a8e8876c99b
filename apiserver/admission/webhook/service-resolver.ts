// Where a webhook named by a Service reference is called, as kube-apiserver's service
// resolvers decide (aggregator's ResolveCluster and ResolveEndpoint): by default the
// Service's ClusterIP (or its ExternalName); with --enable-aggregator-routing one of its
// ready endpoints. Either way the call is made, and the certificate checked, as
// `https://<name>.<namespace>.svc:<port><path>`.
import type { Endpoints, Service } from '../../../api/types/core.js';
import type { ServiceReference } from '../../../api/types/admissionregistration.js';
import type { WatchCache } from '../../watch-cache.js';
import type { CallTarget } from './client.js';

export interface ServiceCaches {
  services: WatchCache;
  endpoints: WatchCache;
}

export type RoutingMode = 'cluster-ip' | 'endpoints';

/** Resolves a webhook's Service reference to a call target; throws an Error with Kubernetes' reason. */
export function resolveService(ref: ServiceReference, caches: ServiceCaches, mode: RoutingMode): Omit<CallTarget, 'ca'> {
  const port = ref.port ?? 443;
  const url = `https://${ref.name}.${ref.namespace}.svc:${port}${ref.path ?? ''}`;
  const svc = caches.services.snapshotOne(`/registry/services/${ref.namespace}/${ref.name}`) as Service | undefined;
  if (!svc) throw new Error(`service ${JSON.stringify(ref.name)} not found`);
  const type = svc.spec?.type ?? 'ClusterIP';
  const routable = type === 'ClusterIP' || type === 'NodePort' || type === 'LoadBalancer';
  if (type === 'ExternalName' && mode === 'cluster-ip') return { url, dial: { host: svc.spec?.externalName ?? '', port } };
  if (!routable) throw new Error(`unsupported service type ${JSON.stringify(type)}`);
  const svcPort = (svc.spec?.ports ?? []).find((p) => p.port === port);
  if (mode === 'cluster-ip') {
    if (svc.spec?.clusterIP === 'None') throw new Error('cannot route to service with ClusterIP "None"');
    if (!svcPort) throw new Error(`no service port ${port} found for service ${JSON.stringify(ref.name)}`);
    return { url, dial: { host: svc.spec?.clusterIP ?? '', port } };
  }
  if (!svcPort) throw new Error(`no service port ${port} found for service ${JSON.stringify(ref.name)}`);
  const eps = caches.endpoints.snapshotOne(`/registry/endpoints/${ref.namespace}/${ref.name}`) as Endpoints | undefined;
  if (!eps) throw new Error(`endpoints ${JSON.stringify(ref.name)} not found`);
  const subsets = eps.subsets ?? [];
  const seed = Math.floor(Math.random() * Math.max(1, subsets.length));
  for (let i = 0; i < subsets.length; i++) {
    const ss = subsets[(seed + i) % subsets.length];
    const addresses = ss.addresses ?? [];
    if (!addresses.length) continue;
    const p = (ss.ports ?? []).find((sp) => (sp.name ?? '') === (svcPort.name ?? ''));
    if (p) return { url, dial: { host: addresses[Math.floor(Math.random() * addresses.length)].ip, port: p.port } };
  }
  throw new Error(`no endpoints available for service ${JSON.stringify(ref.name)}`);
}
