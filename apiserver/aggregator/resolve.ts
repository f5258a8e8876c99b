// Where the aggregator sends an APIService's requests (k8s.io/apiserver's
// ResolveEndpoint and ResolveCluster): with --enable-aggregator-routing, a ready
// endpoint of the Service's EndpointSlices on the port the Service port names;
// otherwise the Service's ClusterIP (ExternalName: its name). Pure over the caches.
import { serviceUnavailable } from '../../api/errors.js';
import type { Service, ServicePort } from '../../api/types/core.js';
import { LABEL_SERVICE_NAME, type EndpointSlice } from '../../api/types/discovery.js';
import type { GenericRegistry } from '../registry/generic.js';

export interface ServiceLookup {
  service(namespace: string, name: string): Service | undefined;
  /** The EndpointSlices labelled kubernetes.io/service-name=name in namespace. */
  endpointSlices(namespace: string, name: string): EndpointSlice[];
}

/** A ServiceLookup over the apiserver's own watch caches of Services and EndpointSlices. */
export function cachedServiceLookup(services: GenericRegistry, slices: GenericRegistry): ServiceLookup {
  return {
    service: (ns, name) => services.cache.snapshotOne(services.key(ns, name)) as Service | undefined,
    endpointSlices: (ns, name) => slices.cache.snapshot(slices.prefix(ns)).items
      .filter((s) => s.metadata.labels?.[LABEL_SERVICE_NAME] === name) as EndpointSlice[],
  };
}

export interface Location { host: string; port: number }

/** A resolution failure: the proxy answers 503, the availability check reports it. */
export class ResolveError extends Error {}

function servicePort(svc: Service, port: number): ServicePort {
  const p = (svc.spec?.ports ?? []).find((sp) => sp.port === port);
  if (!p) throw new ResolveError(`no service port ${port} found for service "${svc.metadata.name}"`);
  return p;
}

function routable(svc: Service): void {
  const type = svc.spec?.type ?? 'ClusterIP';
  if (type !== 'ClusterIP' && type !== 'LoadBalancer' && type !== 'NodePort') throw new ResolveError(`unsupported service type "${type}"`);
}

/** A ready endpoint of the service (random among them, as Kubernetes picks one per request). */
export function resolveEndpoint(lookup: ServiceLookup, namespace: string, name: string, port: number, random = Math.random): Location {
  const svc = lookup.service(namespace, name);
  if (!svc) throw new ResolveError(`service "${name}" not found`);
  routable(svc);
  const sp = servicePort(svc, port);
  const candidates: Location[] = [];
  for (const slice of lookup.endpointSlices(namespace, name)) {
    const ep = (slice.ports ?? []).find((p) => (p.name ?? '') === (sp.name ?? ''));
    if (!ep || ep.port === undefined || ep.port === null) continue;
    for (const e of slice.endpoints ?? []) {
      if (e.conditions?.ready === false || !e.addresses?.length) continue;
      candidates.push({ host: e.addresses[0], port: ep.port });
    }
  }
  if (!candidates.length) throw serviceUnavailable(`no endpoints available for service "${name}"`);
  return candidates[Math.floor(random() * candidates.length)];
}

/** The Service's ClusterIP and port (ExternalName: its DNS name). */
export function resolveCluster(lookup: ServiceLookup, namespace: string, name: string, port: number): Location {
  const svc = lookup.service(namespace, name);
  if (!svc) throw new ResolveError(`service "${name}" not found`);
  if (svc.spec?.type === 'ExternalName') return { host: svc.spec.externalName ?? '', port };
  if ((svc.spec?.type ?? 'ClusterIP') === 'ClusterIP' && svc.spec?.clusterIP === 'None') throw new ResolveError('cannot route to service with ClusterIP "None"');
  routable(svc);
  return { host: svc.spec?.clusterIP ?? '', port: servicePort(svc, port).port };
}
