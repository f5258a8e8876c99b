// Services as kube-proxy sees them: servicePortsOf turns one Service into its
// ServicePort records (Kubernetes' serviceport.go newBaseServiceInfo, IPv4 only), and
// ServiceChangeTracker accumulates informer events as {previous, current} per service
// until the sync applies them (pkg/proxy/servicechangetracker.go).
import { isIPv4 } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import { DEFAULT_CLIENT_IP_AFFINITY_SECONDS } from '../api/defaults.js';
import type { Service, ServiceSpec } from '../api/types/core.js';
import { servicePortKey, type Protocol, type ServicePort, type SessionAffinity } from './types.js';
import { externallyAccessible } from '../api/helpers/service.js';

const PROTOCOLS: readonly string[] = ['TCP', 'UDP', 'SCTP'];
const PROXIED_TYPES: readonly string[] = ['ClusterIP', 'NodePort', 'LoadBalancer'];

/** The service's IPv4 ClusterIP, '' when it has none (proxyutil.GetClusterIPByFamily). */
function ipv4ClusterIP(spec: ServiceSpec): string {
  if (spec.clusterIPs?.length) return spec.clusterIPs.find((ip) => isIPv4(ip)) ?? '';
  return spec.clusterIP && isIPv4(spec.clusterIP) ? spec.clusterIP : '';
}

function sessionAffinityOf(spec: ServiceSpec): SessionAffinity {
  if (spec.sessionAffinity !== 'ClientIP') return { type: 'None' };
  const t = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds;
  return { type: 'ClientIP', timeoutSeconds: t && t > 0 ? t : DEFAULT_CLIENT_IP_AFFINITY_SECONDS };
}

/**
 * The ServicePort records of svc, one per spec.ports entry, in spec order. Empty for
 * services kube-proxy skips: ExternalName, headless (clusterIP 'None'), no clusterIP
 * yet, or no IPv4 clusterIP. Pure; the change tracker and tests call it.
 */
export function servicePortsOf(svc: Service): ServicePort[] {
  const spec = svc.spec;
  if (!spec || spec.type === 'ExternalName') return [];
  if (!spec.clusterIP || spec.clusterIP === 'None') return [];
  const clusterIP = ipv4ClusterIP(spec);
  if (!clusterIP) return [];
  const type = (PROXIED_TYPES.includes(spec.type ?? 'ClusterIP') ? spec.type ?? 'ClusterIP' : 'ClusterIP') as ServicePort['type'];
  const externalPolicyLocal = externallyAccessible(spec) && spec.externalTrafficPolicy === 'Local';
  const base = {
    type,
    clusterIP,
    sessionAffinity: sessionAffinityOf(spec),
    externalIPs: (spec.externalIPs ?? []).filter((ip) => isIPv4(ip)),
    // Only VIP-style load balancers are kube-proxy's to serve; ipMode Proxy ones
    // deliver to the nodes themselves.
    loadBalancerIPs: (svc.status?.loadBalancer?.ingress ?? [])
      .filter((ing) => ing.ip && (ing.ipMode === undefined || ing.ipMode === 'VIP') && isIPv4(ing.ip))
      .map((ing) => ing.ip as string),
    externalPolicyLocal,
    internalPolicyLocal: spec.internalTrafficPolicy === 'Local',
    // Kubernetes' NeedsHealthCheck: LoadBalancer services with externalTrafficPolicy Local.
    healthCheckNodePort: type === 'LoadBalancer' && externalPolicyLocal ? spec.healthCheckNodePort ?? 0 : 0,
  };
  const ports: ServicePort[] = [];
  for (const p of spec.ports ?? []) {
    const protocol = p.protocol ?? 'TCP';
    if (!PROTOCOLS.includes(protocol)) continue;
    const name = { namespace: svc.metadata.namespace ?? '', name: svc.metadata.name ?? '', port: p.name ?? '', protocol: protocol as Protocol };
    ports.push({ key: servicePortKey(name), name, port: p.port, protocol: protocol as Protocol, nodePort: p.nodePort ?? 0, ...base });
  }
  return ports;
}

type PortMap = Map<string, ServicePort>;

function portMapOf(svc: Service | undefined): PortMap {
  return new Map(svc ? servicePortsOf(svc).map((sp) => [sp.key, sp]) : []);
}

const nameOf = (svc: Service): string => `${svc.metadata.namespace ?? ''}/${svc.metadata.name ?? ''}`;

/**
 * Pending Service changes since the last sync. Informer handlers call update(); the
 * sync calls apply() on its ServicePort map. A service changed back to what was last
 * applied leaves nothing pending.
 */
export class ServiceChangeTracker {
  private readonly items = new Map<string, { previous: PortMap; current: PortMap }>();
  private readonly ignore: (svc: Service) => boolean;

  constructor(o: { ignore?: (svc: Service) => boolean } = {}) {
    this.ignore = o.ignore ?? (() => false);
  }

  /**
   * Records an add (prev undefined), update, or delete (cur undefined). True when
   * some change (this one or an earlier one) is pending, i.e. a sync is needed.
   */
  update(prev: Service | undefined, cur: Service | undefined): boolean {
    const svc = cur ?? prev;
    if (!svc) return false;
    const visible = (s: Service | undefined): Service | undefined => (s && !this.ignore(s) ? s : undefined);
    const name = nameOf(svc);
    let change = this.items.get(name);
    if (!change) {
      change = { previous: portMapOf(visible(prev)), current: new Map() };
      this.items.set(name, change);
    }
    change.current = portMapOf(visible(cur));
    if (isDeepStrictEqual(change.previous, change.current)) this.items.delete(name);
    return this.items.size > 0;
  }

  /** True when changes are waiting for apply(). */
  pending(): boolean {
    return this.items.size > 0;
  }

  /**
   * Applies the pending changes to map (ServicePort.key -> ServicePort): ports of a
   * changed service are replaced by its current ones, ports it no longer has removed.
   * Clears the pending changes; returns the changed services' "namespace/name".
   */
  apply(map: Map<string, ServicePort>): Set<string> {
    const changed = new Set<string>();
    for (const [name, { previous, current }] of this.items) {
      changed.add(name);
      for (const key of previous.keys()) if (!current.has(key)) map.delete(key);
      for (const [key, sp] of current) map.set(key, sp);
    }
    this.items.clear();
    return changed;
  }
}
