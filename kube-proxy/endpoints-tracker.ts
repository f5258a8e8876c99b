// EndpointSlices as kube-proxy sees them (Kubernetes' endpointschangetracker.go and
// endpointslicecache.go): each slice is kept stripped to what the proxy needs, per
// service and slice name, applied and pending apart; a sync turns the changed services'
// slices into the merged, deduplicated Endpoint lists of each service port.
import { isIPv4 } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import { LABEL_SERVICE_NAME, type EndpointSlice } from '../api/types/discovery.js';
import { servicePortKey, type Endpoint, type Protocol } from './types.js';

const PROTOCOLS: readonly string[] = ['TCP', 'UDP', 'SCTP'];

/** One endpoint of a slice, with the conditions read as Kubernetes reads unset ones. */
interface EndpointInfo {
  address: string;
  nodeName?: string;
  zone?: string;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
}

/** What kube-proxy keeps of one slice (endpointSliceInfo); remove marks a deletion. */
interface SliceInfo {
  ports: { name: string; protocol: string; port: number }[];
  endpoints: EndpointInfo[];
  remove: boolean;
}

interface SliceTracker {
  applied: Map<string, SliceInfo>;
  pending: Map<string, SliceInfo>;
}

function sliceInfoOf(slice: EndpointSlice, remove: boolean): SliceInfo {
  const ports = (slice.ports ?? [])
    .map((p) => ({ name: p.name ?? '', protocol: p.protocol ?? 'TCP', port: p.port ?? 0 }))
    .sort((a, b) => a.port - b.port || a.name.localeCompare(b.name) || a.protocol.localeCompare(b.protocol));
  const endpoints: EndpointInfo[] = [];
  if (!remove) {
    for (const ep of slice.endpoints ?? []) {
      // kube-proxy uses only the first address of an endpoint.
      const address = ep.addresses?.[0];
      if (!address) continue;
      const c = ep.conditions ?? {};
      const info: EndpointInfo = {
        address,
        // Kubernetes' kube-proxy reads unset ready and serving as true, unset terminating as false.
        ready: c.ready ?? true,
        serving: c.serving ?? true,
        terminating: c.terminating ?? false,
      };
      if (ep.nodeName) info.nodeName = ep.nodeName;
      if (ep.zone) info.zone = ep.zone;
      endpoints.push(info);
    }
    endpoints.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  }
  return { ports, endpoints, remove };
}

/** "namespace/service" and the slice's name, or undefined for a slice kube-proxy cannot place. */
function sliceKeys(slice: EndpointSlice): { service: string; slice: string } | undefined {
  const svcName = slice.metadata.labels?.[LABEL_SERVICE_NAME];
  const ns = slice.metadata.namespace;
  const name = slice.metadata.name;
  if (!svcName || !ns || !name) return undefined;
  return { service: `${ns}/${svcName}`, slice: name };
}

/** A better copy of the same ip:port from another slice: a ready one, else a local one (as kube-proxy favours isLocal). */
function better(candidate: Endpoint, existing: Endpoint): boolean {
  if (candidate.ready !== existing.ready) return candidate.ready;
  return candidate.isLocal && !existing.isLocal;
}

/**
 * Pending EndpointSlice changes since the last sync, and the slices already applied.
 * Informer handlers call endpointSliceUpdate(); the sync calls apply() on its
 * service port key -> endpoints map.
 */
export class EndpointsChangeTracker {
  private readonly nodeName: string;
  private readonly trackers = new Map<string, SliceTracker>();

  constructor(o: { nodeName: string }) {
    this.nodeName = o.nodeName;
  }

  /**
   * A slice was added or updated (removed false) or deleted (removed true). Only IPv4
   * slices labelled with their service's name count. True when this update changed
   * something a sync must apply (unlike ServiceChangeTracker.update, which reports
   * whether anything is pending at all).
   */
  endpointSliceUpdate(slice: EndpointSlice, removed: boolean): boolean {
    if (slice.addressType !== 'IPv4') return false;
    const keys = sliceKeys(slice);
    if (!keys) return false;
    const info = sliceInfoOf(slice, removed);
    let tracker = this.trackers.get(keys.service);
    if (!tracker) {
      tracker = { applied: new Map(), pending: new Map() };
      this.trackers.set(keys.service, tracker);
    }
    const pending = tracker.pending.get(keys.slice);
    const applied = tracker.applied.get(keys.slice);
    const changed = pending ? !isDeepStrictEqual(info, pending) : applied ? !isDeepStrictEqual(info, applied) : !info.remove;
    if (changed) tracker.pending.set(keys.slice, info);
    else if (tracker.applied.size === 0 && tracker.pending.size === 0) this.trackers.delete(keys.service);
    return changed;
  }

  /** True when changes are waiting for apply(). */
  pending(): boolean {
    for (const t of this.trackers.values()) if (t.pending.size > 0) return true;
    return false;
  }

  /**
   * Applies the pending changes to map (service port key -> endpoints merged over
   * all slices of the service, deduplicated by ip:port preferring the ready copy,
   * sorted by key; ports with no endpoint are absent). Clears them; returns the
   * changed services' "namespace/name".
   */
  apply(map: Map<string, Endpoint[]>): Set<string> {
    const changed = new Set<string>();
    for (const [service, tracker] of this.trackers) {
      if (tracker.pending.size === 0) continue;
      changed.add(service);
      const previous = this.endpointsOf(service, tracker.applied);
      for (const [name, info] of tracker.pending) {
        if (info.remove) tracker.applied.delete(name);
        else tracker.applied.set(name, info);
      }
      tracker.pending.clear();
      const current = this.endpointsOf(service, tracker.applied);
      for (const key of previous.keys()) map.delete(key);
      for (const [key, eps] of current) map.set(key, eps);
      if (tracker.applied.size === 0) this.trackers.delete(service);
    }
    return changed;
  }

  /** The endpoints of each service port of service, from its slices (endpointInfoByServicePort). */
  private endpointsOf(service: string, slices: Map<string, SliceInfo>): Map<string, Endpoint[]> {
    const [namespace, name] = service.split('/') as [string, string];
    const byPort = new Map<string, Map<string, Endpoint>>();
    // Slices in name order, so which duplicate wins never depends on arrival order.
    for (const sliceName of [...slices.keys()].sort()) {
      const info = slices.get(sliceName) as SliceInfo;
      for (const port of info.ports) {
        if (!port.port || !PROTOCOLS.includes(port.protocol)) continue;
        const key = servicePortKey({ namespace, name, port: port.name, protocol: port.protocol as Protocol });
        let set = byPort.get(key);
        if (!set) byPort.set(key, (set = new Map()));
        for (const e of info.endpoints) {
          if (!isIPv4(e.address)) continue;
          const ep: Endpoint = {
            ip: e.address,
            port: port.port,
            key: `${e.address}:${port.port}`,
            ready: e.ready,
            serving: e.serving,
            terminating: e.terminating,
            isLocal: this.nodeName !== '' && e.nodeName === this.nodeName,
          };
          if (e.nodeName) ep.nodeName = e.nodeName;
          if (e.zone) ep.zone = e.zone;
          const existing = set.get(ep.key);
          if (!existing || better(ep, existing)) set.set(ep.key, ep);
        }
      }
    }
    const out = new Map<string, Endpoint[]>();
    for (const [key, set] of byPort) {
      if (set.size === 0) continue;
      out.set(key, [...set.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)));
    }
    return out;
  }
}
