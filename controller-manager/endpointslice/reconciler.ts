// The EndpointSlice reconciler (k8s.io/endpointslice reconciler.go and utils.go) as a
// pure function: from a service, the pods its selector matches and the slices this
// controller already manages for it, the slices to create, update and delete. It
// keeps churn low as Kubernetes does: endpoints stay in the slice they are in (updated
// in place when only their conditions, node or zone changed), slices that changed are
// filled up first, leftovers go into the unchanged slice they fit best, and only then
// are new slices made; a create and a delete become one update.
import { rfc3339Nano } from '../../api/helpers/time.js';
import { isPodReady } from '../../api/helpers/pod.js';
import { newControllerRef } from '../../api/helpers/owner-refs.js';
import type { Pod, Service } from '../../api/types/core.js';
import { parseIP } from '../../api/validation/names.js';
import { LABEL_SERVICE_NAME, type AddressType, type Endpoint, type EndpointPort, type EndpointSlice } from '../../api/types/discovery.js';
import { fnv128aHex, sortByHash } from '../go-spew.js';
import { dumpSlicePort } from './go-hash.js';
import {
  canonicalIP, findPort, HEADLESS_LABEL, isIPv6String, isServiceIPSet, LAST_CHANGE_TRIGGER_TIME,
  shouldPodBeInEndpoints, shouldSetHostname, ZONE_LABEL, type NodeGetter,
} from './util.js';

/** discovery.LabelManagedBy. */
export const LABEL_MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';
/** The managed-by value of the EndpointSlice controller (controllerQualifiedName). */
export const CONTROLLER_QUALIFIED_NAME = 'endpointslice-controller.k8s.io';

export interface ReconcileInput {
  service: Service;
  /** Pods the service's selector matches, in a stable order. */
  pods: readonly Pod[];
  /** Slices labelled with the service's name and this controller's managed-by value, none being deleted. */
  existingSlices: readonly EndpointSlice[];
  nodes: NodeGetter;
  maxEndpointsPerSlice: number;
  /** Value of the managed-by label (CONTROLLER_QUALIFIED_NAME). */
  controllerName?: string;
  /** last-change-trigger-time of written slices (ms); undefined removes the annotation. */
  triggerTime?: number;
}

/**
 * What to write, in this order: creates (generateName set; none when the service is
 * being deleted), updates (full objects, possibly of a slice whose delete was turned
 * into this update: then without resourceVersion), deletes. errors name pods left out
 * because their node is unknown: the caller writes the plan and then fails the sync so
 * it is retried.
 */
export interface ReconcilePlan {
  create: EndpointSlice[];
  update: EndpointSlice[];
  delete: EndpointSlice[];
  errors: string[];
  /** Endpoints added to and removed from slices (for logs). */
  added: number;
  removed: number;
}

/**
 * getAddressTypesForService: the slice address types of the service's ipFamilies; with
 * none (an old apiserver), the cluster IP's family, or both for a headless service.
 */
export function addressTypesForService(svc: Service): AddressType[] {
  const types = new Set<AddressType>();
  for (const f of svc.spec?.ipFamilies ?? []) {
    if (f === 'IPv4') types.add('IPv4');
    if (f === 'IPv6') types.add('IPv6');
  }
  if (types.size) return (['IPv4', 'IPv6'] as const).filter((t) => types.has(t));
  if (isServiceIPSet(svc)) return [isIPv6String(svc.spec?.clusterIP) ? 'IPv6' : 'IPv4'];
  return ['IPv4', 'IPv6'];
}

/**
 * podToEndpoint: the pod's IPs of addressType; serving is the pod's readiness,
 * terminating whether it is being deleted, ready = serving and not terminating (or
 * always, with publishNotReadyAddresses); targetRef, nodeName, the node's zone, and
 * the hostname when the pod's subdomain is this service.
 */
export function podToEndpoint(pod: Pod, node: ReturnType<NodeGetter>, svc: Service, addressType: AddressType): Endpoint {
  const serving = isPodReady(pod);
  const terminating = !!pod.metadata.deletionTimestamp;
  const ready = svc.spec?.publishNotReadyAddresses === true || (serving && !terminating);
  const addresses: string[] = [];
  for (const podIP of pod.status?.podIPs ?? []) {
    const ip = podIP?.ip;
    if (typeof ip !== 'string' || !parseIP(ip)) continue;
    if (isIPv6String(ip) === (addressType === 'IPv6')) addresses.push(canonicalIP(ip));
  }
  const ep: Endpoint = {
    addresses,
    conditions: { ready, serving, terminating },
    ...(shouldSetHostname(pod, svc) ? { hostname: pod.spec?.hostname } : {}),
    targetRef: { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid },
  };
  if (pod.spec?.nodeName) ep.nodeName = pod.spec.nodeName;
  const zone = node?.metadata.labels?.[ZONE_LABEL];
  if (zone) ep.zone = zone;
  return ep;
}

/**
 * getEndpointPorts: one port per service port the pod offers (named targetPorts
 * resolved on this pod), in NewPortMapKey's order (by the hash of each); none for a
 * headless service without ports.
 */
export function endpointPorts(svc: Service, pod: Pod): EndpointPort[] {
  const ports: EndpointPort[] = [];
  for (const sp of svc.spec?.ports ?? []) {
    const port = findPort(pod, sp);
    if (port === undefined) continue;
    ports.push({ name: sp.name ?? '', protocol: sp.protocol ?? 'TCP', port, ...(sp.appProtocol !== undefined ? { appProtocol: sp.appProtocol } : {}) });
  }
  return sortPorts(ports);
}

const sortPorts = (ports: EndpointPort[]): EndpointPort[] => sortByHash(ports, (p) => fnv128aHex(dumpSlicePort(p)));

/** NewPortMapKey: slices with the same ports (in any order) belong to one group. */
export function portMapKey(ports: readonly EndpointPort[] | null | undefined): string {
  return sortPorts([...(ports ?? [])]).map(dumpSlicePort).join(' ');
}

/** hashEndpoint: an endpoint's identity is its addresses, hostname and pod; the rest may change in place. */
function endpointKey(ep: Endpoint): string {
  return JSON.stringify([[...(ep.addresses ?? [])].sort(), ep.hostname ?? '', ep.targetRef?.namespace ?? '', ep.targetRef?.name ?? '']);
}

const opt = <T>(v: T | undefined | null): T | null => (v === undefined ? null : v);

/** EndpointsEqualBeyondHash: nodeName, zone, the three conditions and the targetRef (its resourceVersion aside). */
export function endpointsEqualBeyondHash(a: Endpoint, b: Endpoint): boolean {
  if (opt(a.nodeName) !== opt(b.nodeName) || opt(a.zone) !== opt(b.zone)) return false;
  const [ca, cb] = [a.conditions ?? {}, b.conditions ?? {}];
  if (opt(ca.ready) !== opt(cb.ready) || opt(ca.serving) !== opt(cb.serving) || opt(ca.terminating) !== opt(cb.terminating)) return false;
  const [ra, rb] = [a.targetRef, b.targetRef];
  if (!ra || !rb) return !ra && !rb;
  const fields = ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'fieldPath'] as const;
  return fields.every((f) => (ra[f] ?? '') === (rb[f] ?? ''));
}

/** ownedBy: an ownerReference to this very service (by uid). */
export function ownedBy(slice: EndpointSlice, svc: Service): boolean {
  return (slice.metadata.ownerReferences ?? []).some((o) => o.uid === svc.metadata.uid && o.kind === 'Service' && o.apiVersion === 'v1');
}

const RESERVED = new Set([LABEL_SERVICE_NAME, LABEL_MANAGED_BY, HEADLESS_LABEL]);

/**
 * setEndpointSliceLabels: the service's labels (reserved keys aside), the headless label
 * for a service without a cluster IP, the service-name and managed-by labels; changed
 * says whether the slice's own non-reserved labels differ from the service's.
 */
export function sliceLabels(slice: EndpointSlice | undefined, svc: Service, controllerName: string): { labels: Record<string, string>; changed: boolean } {
  const own = Object.entries(slice?.metadata.labels ?? {}).filter(([k]) => !RESERVED.has(k));
  const wanted = Object.entries(svc.metadata.labels ?? {}).filter(([k]) => !RESERVED.has(k));
  const ownMap = new Map(own);
  const changed = own.length !== wanted.length || wanted.some(([k, v]) => ownMap.get(k) !== v);
  const labels: Record<string, string> = Object.fromEntries(wanted);
  if (!isServiceIPSet(svc)) labels[HEADLESS_LABEL] = '';
  labels[LABEL_SERVICE_NAME] = svc.metadata.name as string;
  labels[LABEL_MANAGED_BY] = controllerName;
  return { labels, changed };
}

/** newEndpointSlice: generateName "<service>-", owned by the service (controller, blockOwnerDeletion). */
export function newEndpointSlice(svc: Service, ports: readonly EndpointPort[], addressType: AddressType, controllerName: string): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: {
      generateName: `${svc.metadata.name}-`, namespace: svc.metadata.namespace,
      labels: sliceLabels(undefined, svc, controllerName).labels,
      ownerReferences: [newControllerRef(svc, 'v1', 'Service')],
    },
    addressType,
    endpoints: [],
    ports: structuredClone([...ports]),
  };
}

/** getSliceToFill: the slice that comes closest to full (never over) with n more endpoints. */
function sliceToFill(slices: readonly EndpointSlice[], n: number, max: number): EndpointSlice | undefined {
  let closestDiff = max;
  let closest: EndpointSlice | undefined;
  for (const s of slices) {
    const diff = max - (n + (s.endpoints?.length ?? 0));
    if (diff >= 0 && diff < closestDiff) {
      closestDiff = diff;
      closest = s;
      if (diff === 0) break;
    }
  }
  return closest;
}

/** The desired endpoints of one port mapping, by identity, in insertion order (PopAny takes the first). */
type EndpointSet = Map<string, Endpoint>;

interface PortMappingResult { create: EndpointSlice[]; update: EndpointSlice[]; delete: EndpointSlice[]; added: number; removed: number }

/**
 * reconcileByPortMapping: 1. in each existing slice keep the endpoints still desired
 * (in their desired form), mark it for update if one changed or went, for delete if
 * none is left, for update if only its labels are stale; 2. fill the slices being
 * updated with leftover endpoints, fullest first; 3. put what is left (fewer than a
 * slice holds) into the unchanged slice it fits best, else into new slices.
 */
function reconcileByPortMapping(svc: Service, existing: readonly EndpointSlice[], desired: EndpointSet, ports: readonly EndpointPort[],
  addressType: AddressType, max: number, controllerName: string): PortMappingResult {
  const byName = new Map<string, EndpointSlice>();
  const unchanged = new Set<string>();
  const toUpdate = new Set<string>();
  const toDelete = new Set<string>();
  let removed = 0;
  for (const slice of existing) {
    const name = slice.metadata.name as string;
    byName.set(name, slice);
    const kept: Endpoint[] = [];
    let endpointUpdated = false;
    for (const ep of slice.endpoints ?? []) {
      const key = endpointKey(ep);
      const got = desired.get(key);
      if (!got) continue;
      kept.push(got);
      if (!endpointsEqualBeyondHash(got, ep)) endpointUpdated = true;
      desired.delete(key);
    }
    const { labels, changed } = sliceLabels(slice, svc, controllerName);
    const count = slice.endpoints?.length ?? 0;
    if (endpointUpdated || count !== kept.length) {
      if (count > kept.length) removed += count - kept.length;
      if (kept.length === 0) {
        toDelete.add(name);
      } else {
        const copy = structuredClone(slice);
        copy.endpoints = kept.map((e) => structuredClone(e));
        copy.metadata.labels = labels;
        byName.set(name, copy);
        toUpdate.add(name);
      }
    } else if (changed) {
      const copy = structuredClone(slice);
      copy.metadata.labels = labels;
      byName.set(name, copy);
      toUpdate.add(name);
    } else {
      unchanged.add(name);
    }
  }
  const added = desired.size;
  const popInto = (slice: EndpointSlice): void => {
    slice.endpoints ??= [];
    while (desired.size > 0 && slice.endpoints.length < max) {
      const [key, ep] = desired.entries().next().value as [string, Endpoint];
      desired.delete(key);
      slice.endpoints.push(structuredClone(ep));
    }
  };
  // 2. Fill the slices already being updated, fullest first.
  if (desired.size > 0 && toUpdate.size > 0) {
    const slices = [...toUpdate].map((n) => byName.get(n) as EndpointSlice)
      .sort((a, b) => (b.endpoints?.length ?? 0) - (a.endpoints?.length ?? 0));
    for (const s of slices) popInto(s);
  }
  // 3. The rest: into the best-fitting unchanged slice when it is less than a slice's worth, else new slices.
  const create: EndpointSlice[] = [];
  while (desired.size > 0) {
    let fill: EndpointSlice | undefined;
    if (desired.size < max && unchanged.size > 0) {
      fill = sliceToFill([...unchanged].map((n) => byName.get(n) as EndpointSlice), desired.size, max);
    }
    if (fill) {
      fill = structuredClone(fill);
      byName.set(fill.metadata.name as string, fill);
    } else {
      fill = newEndpointSlice(svc, ports, addressType, controllerName);
    }
    popInto(fill);
    if (fill.metadata.name) {
      toUpdate.add(fill.metadata.name);
      unchanged.delete(fill.metadata.name);
    } else {
      create.push(fill);
    }
  }
  return {
    create,
    update: [...toUpdate].map((n) => byName.get(n) as EndpointSlice),
    delete: [...toDelete].map((n) => byName.get(n) as EndpointSlice),
    added, removed,
  };
}

/** placeholderSliceCompare: same namespace, labels, address type, and no ports or endpoints. */
function isSamePlaceholder(a: EndpointSlice, b: EndpointSlice): boolean {
  const la = a.metadata.labels ?? {};
  const lb = b.metadata.labels ?? {};
  const sameLabels = Object.keys(la).length === Object.keys(lb).length && Object.entries(la).every(([k, v]) => lb[k] === v);
  return (a.metadata.namespace ?? '') === (b.metadata.namespace ?? '') && sameLabels && a.addressType === b.addressType
    && !(a.endpoints?.length) && !(b.endpoints?.length) && !(a.ports?.length) && !(b.ports?.length);
}

/** RemoveHintsFromSlices: no topology hints (this controller does not set them); unchanged slices holding some are updated. */
function removeHints(create: EndpointSlice[], update: EndpointSlice[], unchanged: readonly EndpointSlice[]): void {
  for (const s of [...create, ...update]) for (const ep of s.endpoints ?? []) delete ep.hints;
  for (const s of unchanged) {
    if (!(s.endpoints ?? []).some((ep) => ep.hints)) continue;
    const copy = structuredClone(s);
    for (const ep of copy.endpoints ?? []) delete ep.hints;
    update.push(copy);
  }
}

function reconcileByAddressType(input: ReconcileInput, existing: readonly EndpointSlice[], addressType: AddressType, plan: ReconcilePlan): void {
  const { service: svc, maxEndpointsPerSlice: max } = input;
  const controllerName = input.controllerName ?? CONTROLLER_QUALIFIED_NAME;
  let toCreate: EndpointSlice[] = [];
  const toUpdate: EndpointSlice[] = [];
  let toDelete: EndpointSlice[] = [];
  const existingByPortMap = new Map<string, EndpointSlice[]>();
  for (const slice of existing) {
    if (!ownedBy(slice, svc)) {
      toDelete.push(slice);
      continue;
    }
    const key = portMapKey(slice.ports);
    existingByPortMap.set(key, [...(existingByPortMap.get(key) ?? []), slice]);
  }
  const desired = new Map<string, { ports: EndpointPort[]; set: EndpointSet }>();
  for (const pod of input.pods) {
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const ports = endpointPorts(svc, pod);
    const key = portMapKey(ports);
    let entry = desired.get(key);
    if (!entry) {
      entry = { ports, set: new Map() };
      desired.set(key, entry);
    }
    const node = input.nodes(pod.spec?.nodeName ?? '');
    if (!node && svc.spec?.publishNotReadyAddresses !== true) {
      // Left out, and the service retried: the pod GC removes pods of vanished nodes.
      plan.errors.push(`skipping Pod ${pod.metadata.name} for Service ${svc.metadata.namespace}/${svc.metadata.name}: Node ${pod.spec?.nodeName ?? ''} Not Found`);
      continue;
    }
    const ep = podToEndpoint(pod, node, svc, addressType);
    if (ep.addresses.length > 0) entry.set.set(endpointKey(ep), ep);
  }
  for (const [key, { ports, set }] of desired) {
    const r = reconcileByPortMapping(svc, existingByPortMap.get(key) ?? [], set, ports, addressType, max, controllerName);
    plan.added += r.added;
    plan.removed += r.removed;
    toCreate.push(...r.create);
    toUpdate.push(...r.update);
    toDelete.push(...r.delete);
  }
  for (const [key, slices] of existingByPortMap) if (!desired.has(key)) toDelete.push(...slices);
  // A service with no endpoints still gets one slice: an empty placeholder.
  if (existing.length === toDelete.length && toCreate.length < 1) {
    const placeholder = newEndpointSlice(svc, [], addressType, controllerName);
    if (toDelete.length === 1 && isSamePlaceholder(toDelete[0], placeholder)) toDelete = [];
    else toCreate.push(placeholder);
  }
  const changed = new Set([...toUpdate, ...toDelete].map((s) => s.metadata.name));
  removeHints(toCreate, toUpdate, existing.filter((s) => !changed.has(s.metadata.name)));
  // finalize: a create and a delete of an owned slice of the same type become an update.
  for (let i = 0; i < toDelete.length && toCreate.length > 0;) {
    const del = toDelete[i];
    const slice = toCreate[toCreate.length - 1];
    if (del.addressType === slice.addressType && ownedBy(del, svc)) {
      slice.metadata.name = del.metadata.name;
      toCreate.pop();
      toUpdate.push(slice);
      toDelete.splice(i, 1);
    } else {
      i++;
    }
  }
  // No new slices for a service being deleted: the garbage collector is removing them.
  if (svc.metadata.deletionTimestamp) toCreate = [];
  for (const s of [...toCreate, ...toUpdate]) setTriggerTime(s, input.triggerTime);
  plan.create.push(...toCreate);
  plan.update.push(...toUpdate);
  plan.delete.push(...toDelete);
}

/** addTriggerTimeAnnotation. */
function setTriggerTime(slice: EndpointSlice, triggerTime: number | undefined): void {
  const annotations = { ...slice.metadata.annotations };
  if (triggerTime !== undefined) annotations[LAST_CHANGE_TRIGGER_TIME] = rfc3339Nano(triggerTime);
  else delete annotations[LAST_CHANGE_TRIGGER_TIME];
  slice.metadata.annotations = annotations;
  if (Object.keys(annotations).length === 0) delete slice.metadata.annotations;
}

/**
 * Reconcile: slices of an address type the service no longer has are deleted; for each
 * of its address types the slices are reconciled as above. Never changes its inputs.
 */
export function reconcile(input: ReconcileInput): ReconcilePlan {
  const plan: ReconcilePlan = { create: [], update: [], delete: [], errors: [], added: 0, removed: 0 };
  const supported = addressTypesForService(input.service);
  const unsupported: EndpointSlice[] = [];
  const byType = new Map<string, EndpointSlice[]>();
  for (const slice of input.existingSlices) {
    if (!supported.includes(slice.addressType as AddressType)) {
      unsupported.push(slice);
      continue;
    }
    byType.set(slice.addressType, [...(byType.get(slice.addressType) ?? []), slice]);
  }
  for (const t of supported) reconcileByAddressType(input, byType.get(t) ?? [], t, plan);
  plan.delete.push(...unsupported);
  return plan;
}
