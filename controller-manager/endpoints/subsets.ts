// The Endpoints a service should have, as pure functions (pkg/controller/endpoint's
// syncService and pkg/api/v1/endpoints' RepackSubsets): one address per pod that
// belongs in endpoints, ready or not ready, for each port the pod offers; subsets
// repacked into Kubernetes' canonical layout; more than 1000 addresses truncated; and
// the decision whether the stored object needs a write at all.
import { rfc3339Nano } from '../../api/helpers/time.js';
import type { EndpointAddress, EndpointPort, Endpoints, EndpointSubset, Pod, Service, ServicePort } from '../../api/types/core.js';
import { isPodReady } from '../../api/helpers/pod.js';
import { dumpEndpointPort, dumpEndpointSubset } from '../endpointslice/go-hash.js';
import { md5Hex, sortByHash } from '../go-spew.js';
import {
  compare, findPort, HEADLESS_LABEL, isIPv6String, isServiceIPSet, LAST_CHANGE_TRIGGER_TIME,
  shouldPodBeInEndpoints, shouldSetHostname,
} from '../endpointslice/util.js';

/** Most addresses (ready and not) one Endpoints object holds (maxCapacity). */
export const MAX_CAPACITY = 1000;
/** v1.EndpointsOverCapacity, set to "truncated" when addresses were left out. */
export const OVER_CAPACITY = 'endpoints.kubernetes.io/over-capacity';

/**
 * podToEndpointAddressForService: the pod's IP of the service's family (its first
 * ipFamily; without one, the cluster IP's family, or for a headless service the pod
 * IP's), with nodeName and a Pod targetRef. undefined when the pod has no IP of that
 * family (a dual-stack upgrade), so it is left out.
 */
export function podToEndpointAddress(svc: Service, pod: Pod): EndpointAddress | undefined {
  let ipv6: boolean;
  const families = svc.spec?.ipFamilies ?? [];
  if (families.length > 0) ipv6 = families[0] === 'IPv6';
  else if (isServiceIPSet(svc)) ipv6 = isIPv6String(svc.spec?.clusterIP);
  else ipv6 = isIPv6String(pod.status?.podIP);
  const ip = (pod.status?.podIPs ?? []).find((p) => typeof p?.ip === 'string' && p.ip !== '' && isIPv6String(p.ip) === ipv6)?.ip;
  if (!ip) return undefined;
  return {
    ip,
    ...(shouldSetHostname(pod, svc) ? { hostname: pod.spec?.hostname } : {}),
    nodeName: pod.spec?.nodeName ?? '',
    targetRef: { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid },
  };
}

/** endpointPortFromServicePort: the service port's name, protocol and appProtocol on the pod's port number. */
function endpointPort(sp: ServicePort, port: number): EndpointPort {
  return { ...(sp.name ? { name: sp.name } : {}), port, protocol: sp.protocol ?? 'TCP', ...(sp.appProtocol !== undefined ? { appProtocol: sp.appProtocol } : {}) };
}

export interface ComputedSubsets {
  subsets: EndpointSubset[];
  /** Addresses placed, counted once per port (for logs, as Kubernetes counts them). */
  ready: number;
  notReady: number;
}

/**
 * The subsets of svc's Endpoints from the pods its selector matches: each pod that
 * belongs in endpoints (publishNotReadyAddresses keeps terminating pods) once per
 * service port it offers (a named targetPort resolved per pod; a pod without it is left
 * out of that port), as an address when Ready or publishNotReadyAddresses, else as a
 * notReadyAddress; a headless service without ports gets its addresses without ports.
 * Repacked.
 */
export function computeSubsets(svc: Service, pods: readonly Pod[]): ComputedSubsets {
  const raw: EndpointSubset[] = [];
  let ready = 0;
  let notReady = 0;
  const publish = svc.spec?.publishNotReadyAddresses === true;
  const add = (pod: Pod, addr: EndpointAddress, port: EndpointPort | undefined): void => {
    const ports = port ? [port] : [];
    if (publish || isPodReady(pod)) {
      raw.push({ addresses: [addr], ports });
      ready++;
    } else {
      raw.push({ notReadyAddresses: [addr], ports });
      notReady++;
    }
  };
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, publish)) continue;
    const addr = podToEndpointAddress(svc, pod);
    if (!addr) continue;
    const ports = svc.spec?.ports ?? [];
    if (ports.length === 0) {
      // Allow a headless service not to have ports.
      if (svc.spec?.clusterIP === 'None') add(pod, addr, undefined);
      continue;
    }
    for (const sp of ports) {
      const num = findPort(pod, sp);
      if (num !== undefined) add(pod, addr, endpointPort(sp, num));
    }
  }
  return { subsets: repackSubsets(raw), ready, notReady };
}

// ---------------------------------------------------------------- RepackSubsets

const portKey = (p: EndpointPort): string => JSON.stringify([p.name ?? '', p.port, p.protocol ?? '', p.appProtocol ?? null]);
const addressKey = (a: EndpointAddress): string => `${a.ip}\u0000${a.targetRef?.uid ?? ''}`;

/**
 * RepackSubsets: expands subsets to (address, port, ready) triples and packs them
 * again into the canonical layout: one subset per distinct set of addresses, holding
 * every port those addresses all offer. An address is deduplicated by IP and pod uid
 * (the first one seen is kept), and not ready for a port wins over ready. Subsets
 * without ports keep their addresses in a subset without ports. Sorted (SortSubsets).
 */
export function repackSubsets(subsets: readonly EndpointSubset[]): EndpointSubset[] {
  const allAddrs = new Map<string, EndpointAddress>();
  // Port (or the "no port" sentinel) -> address -> ready.
  const byPort = new Map<string, { port?: EndpointPort; addrs: Map<EndpointAddress, boolean> }>();
  const NO_PORT = '<none>';
  const map = (addr: EndpointAddress, port: EndpointPort | undefined, ready: boolean): void => {
    const k = addressKey(addr);
    let existing = allAddrs.get(k);
    if (!existing) {
      existing = structuredClone(addr);
      allAddrs.set(k, existing);
    }
    const pk = port ? portKey(port) : NO_PORT;
    let entry = byPort.get(pk);
    if (!entry) {
      entry = { port, addrs: new Map() };
      byPort.set(pk, entry);
    }
    const was = entry.addrs.get(existing);
    if (was === undefined || was) entry.addrs.set(existing, ready);
  };
  for (const ss of subsets) {
    const ports: (EndpointPort | undefined)[] = ss.ports?.length ? ss.ports : [undefined];
    for (const port of ports) {
      for (const a of ss.addresses ?? []) map(a, port, true);
      for (const a of ss.notReadyAddresses ?? []) map(a, port, false);
    }
  }
  // Addresses with the same readiness for the same ports form one subset.
  const groups = new Map<string, { addrs: Map<EndpointAddress, boolean>; ports?: EndpointPort[] }>();
  for (const { port, addrs } of byPort.values()) {
    const key = [...addrs].map(([a, r]) => `${addressKey(a)}\u0000${r}`).sort().join('\u0001');
    let g = groups.get(key);
    if (!g) {
      g = { addrs };
      groups.set(key, g);
    }
    if (port) g.ports = [...(g.ports ?? []), structuredClone(port)];
  }
  const out: EndpointSubset[] = [];
  for (const { addrs, ports } of groups.values()) {
    if (addrs.size === 0) continue;
    const ready = [...addrs].filter(([, r]) => r).map(([a]) => a);
    const notReady = [...addrs].filter(([, r]) => !r).map(([a]) => a);
    out.push({
      ...(ready.length ? { addresses: ready } : {}),
      ...(notReady.length ? { notReadyAddresses: notReady } : {}),
      ...(ports ? { ports } : {}),
    });
  }
  return sortSubsets(out);
}

/** LessEndpointAddress: by IP (bytewise), then without a targetRef first, then by pod uid. */
export function compareAddresses(a: EndpointAddress, b: EndpointAddress): number {
  const byIP = compare(a.ip, b.ip);
  if (byIP !== 0) return byIP;
  if (!a.targetRef || !b.targetRef) return (a.targetRef ? 1 : 0) - (b.targetRef ? 1 : 0);
  return compare(a.targetRef.uid ?? '', b.targetRef.uid ?? '');
}

/**
 * SortSubsets: addresses by IP and uid, ports and then subsets by the md5 of their
 * Go dump (../go-spew.ts). Returns new arrays; the input is not changed.
 */
export function sortSubsets(subsets: readonly EndpointSubset[]): EndpointSubset[] {
  const sorted = subsets.map((ss) => ({
    ...ss,
    ...(ss.addresses ? { addresses: [...ss.addresses].sort(compareAddresses) } : {}),
    ...(ss.notReadyAddresses ? { notReadyAddresses: [...ss.notReadyAddresses].sort(compareAddresses) } : {}),
    ...(ss.ports ? { ports: sortByHash([...ss.ports], (p) => md5Hex(dumpEndpointPort(p))) } : {}),
  }));
  return sortByHash(sorted, (ss) => md5Hex(dumpEndpointSubset(ss)));
}

// ---------------------------------------------------------------- truncation

/**
 * truncateEndpoints: at most MAX_CAPACITY addresses, ready ones first. When the ready
 * ones alone are too many, every not ready one goes and each subset keeps its share
 * (rounded up) of the ready ones; otherwise only not ready ones are cut, by the same
 * shares. truncated says whether anything was left out.
 */
export function truncateSubsets(subsets: readonly EndpointSubset[]): { subsets: EndpointSubset[]; truncated: boolean } {
  let totalReady = 0;
  let totalNotReady = 0;
  for (const ss of subsets) {
    totalReady += ss.addresses?.length ?? 0;
    totalNotReady += ss.notReadyAddresses?.length ?? 0;
  }
  if (totalReady + totalNotReady <= MAX_CAPACITY) return { subsets: [...subsets], truncated: false };
  const truncateReady = totalReady > MAX_CAPACITY;
  const max = truncateReady ? MAX_CAPACITY : MAX_CAPACITY - totalReady;
  const numTotal = truncateReady ? totalReady : totalNotReady;
  let canBeAdded = max;
  const out = subsets.map((ss) => {
    const inSubset = (truncateReady ? ss.addresses?.length : ss.notReadyAddresses?.length) ?? 0;
    const toBeAdded = Math.min(Math.ceil((inSubset / numTotal) * max), canBeAdded);
    if (truncateReady) {
      const addresses = (ss.addresses ?? []).slice(0, toBeAdded);
      canBeAdded -= addresses.length;
      const { notReadyAddresses: _dropped, ...rest } = ss;
      return { ...rest, ...(ss.addresses ? { addresses } : {}) };
    }
    const notReadyAddresses = (ss.notReadyAddresses ?? []).slice(0, toBeAdded);
    canBeAdded -= notReadyAddresses.length;
    return { ...ss, ...(ss.notReadyAddresses ? { notReadyAddresses } : {}) };
  });
  return { subsets: out, truncated: true };
}

// ---------------------------------------------------------------- comparison

const emptyToUndefined = <T>(xs: readonly T[] | undefined | null): readonly T[] | undefined => (xs && xs.length ? xs : undefined);

function sameList<T>(a: readonly T[] | undefined | null, b: readonly T[] | undefined | null, same: (x: T, y: T) => boolean): boolean {
  const x = emptyToUndefined(a) ?? [];
  const y = emptyToUndefined(b) ?? [];
  return x.length === y.length && x.every((v, i) => same(v, y[i]));
}

const optional = (v: string | undefined | null): string | null => (v === undefined || v === null ? null : v);

function sameAddress(a: EndpointAddress, b: EndpointAddress): boolean {
  if (a.ip !== b.ip || (a.hostname ?? '') !== (b.hostname ?? '') || optional(a.nodeName) !== optional(b.nodeName)) return false;
  const [x, y] = [a.targetRef, b.targetRef];
  if (!x || !y) return !x && !y;
  // The pod's resourceVersion is ignored: a pod update endpoints do not show is no change.
  return (x.kind ?? '') === (y.kind ?? '') && (x.namespace ?? '') === (y.namespace ?? '') && (x.name ?? '') === (y.name ?? '')
    && (x.uid ?? '') === (y.uid ?? '') && (x.apiVersion ?? '') === (y.apiVersion ?? '') && (x.fieldPath ?? '') === (y.fieldPath ?? '');
}

const samePort = (a: EndpointPort, b: EndpointPort): boolean =>
  (a.name ?? '') === (b.name ?? '') && a.port === b.port && (a.protocol ?? '') === (b.protocol ?? '') && optional(a.appProtocol) === optional(b.appProtocol);

/**
 * endpointSubsetsEqualIgnoreResourceVersion: apimachinery's semantic equality (an
 * empty list equals a missing one), in order, ignoring targetRefs' resourceVersion.
 */
export function subsetsEqual(a: readonly EndpointSubset[] | undefined, b: readonly EndpointSubset[] | undefined): boolean {
  return sameList(a, b, (x, y) => sameList(x.addresses, y.addresses, sameAddress)
    && sameList(x.notReadyAddresses, y.notReadyAddresses, sameAddress) && sameList(x.ports, y.ports, samePort));
}

function labelsEqual(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ka = Object.keys(a ?? {}).sort();
  const kb = Object.keys(b ?? {}).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a?.[k] === b?.[k]);
}

// ---------------------------------------------------------------- the write

export interface EndpointsWrite {
  /** create when the service has no Endpoints yet, else update (of a clone of current). */
  verb: 'create' | 'update';
  endpoints: Endpoints;
}

/**
 * What syncService writes, or undefined when the stored Endpoints already say it all:
 * the same subsets (after truncation), the service's labels (the headless label aside)
 * and the over-capacity annotation exactly when addresses were cut. The written object
 * carries the service's labels plus service.kubernetes.io/headless for a service
 * without a cluster IP, the last-change-trigger-time annotation (removed when
 * triggerTime is undefined) and the over-capacity one.
 */
export function endpointsToWrite(svc: Service, subsets: readonly EndpointSubset[], current: Endpoints | undefined, triggerTime: number | undefined): EndpointsWrite | undefined {
  const create = !current?.metadata.resourceVersion;
  const { subsets: capped, truncated } = truncateSubsets(subsets);
  if (!create && current) {
    const { [HEADLESS_LABEL]: _headless, ...compareLabels } = current.metadata.labels ?? {};
    if (subsetsEqual(current.subsets, capped) && labelsEqual(compareLabels, svc.metadata.labels)
      && (current.metadata.annotations?.[OVER_CAPACITY] !== undefined) === truncated) return undefined;
  }
  const next: Endpoints = create
    ? { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: svc.metadata.name, namespace: svc.metadata.namespace } }
    : structuredClone(current as Endpoints);
  next.apiVersion ??= 'v1';
  next.kind ??= 'Endpoints';
  if (capped.length) next.subsets = structuredClone(capped as EndpointSubset[]);
  else delete next.subsets;
  const labels: Record<string, string> = { ...svc.metadata.labels };
  if (isServiceIPSet(svc)) delete labels[HEADLESS_LABEL];
  else labels[HEADLESS_LABEL] = '';
  next.metadata.labels = labels;
  if (Object.keys(labels).length === 0) delete next.metadata.labels;
  const annotations: Record<string, string> = { ...next.metadata.annotations };
  if (triggerTime !== undefined) annotations[LAST_CHANGE_TRIGGER_TIME] = rfc3339Nano(triggerTime);
  else delete annotations[LAST_CHANGE_TRIGGER_TIME];
  if (truncated) annotations[OVER_CAPACITY] = 'truncated';
  else delete annotations[OVER_CAPACITY];
  next.metadata.annotations = annotations;
  if (Object.keys(annotations).length === 0) delete next.metadata.annotations;
  return { verb: create ? 'create' : 'update', endpoints: next };
}
