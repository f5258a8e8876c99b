// What the Endpoints and EndpointSlice controllers share (Kubernetes keeps it in
// k8s.io/endpointslice/util and pkg/api/v1/pod): which pods belong in endpoints, named
// port resolution, which services a pod change touches, and the
// endpoints.kubernetes.io/last-change-trigger-time bookkeeping.
import { podCondition, isPodReady, isPodTerminal } from '../../api/helpers/pod.js';
import { parseTime } from '../../api/helpers/time.js';
import { selectorFromSet } from '../../api/labels.js';
import type { Node, Pod, Service, ServicePort } from '../../api/types/core.js';
import { parseIP } from '../../api/validation/names.js';
import { keyOf, type EventHandler, type Informer } from '../../client/informer.js';

/** v1.EndpointsLastChangeTriggerTime. */
export const LAST_CHANGE_TRIGGER_TIME = 'endpoints.kubernetes.io/last-change-trigger-time';
/** v1.IsHeadlessService: on the Endpoints and EndpointSlices of a service without a cluster IP. */
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';
/** v1.LabelTopologyZone. */
export const ZONE_LABEL = 'topology.kubernetes.io/zone';

/**
 * The service's selector as the endpoints controllers use it, or undefined when they
 * leave the service alone. Go's nil map: a selector that is missing or empty (an empty
 * map is omitted when written, so it reads back nil) means "pods are added out of
 * band", as for the `kubernetes` service.
 */
export function serviceSelector(svc: Service): Record<string, string> | undefined {
  const sel = svc.spec?.selector;
  if (!sel || typeof sel !== 'object' || Object.keys(sel).length === 0) return undefined;
  return sel;
}

/** Services the controllers ignore: ExternalName (issue 105986) and those without a selector. */
export function managesEndpointsOf(svc: Service): boolean {
  return svc.spec?.type !== 'ExternalName' && serviceSelector(svc) !== undefined;
}

/** The pods of svc's namespace its selector matches; by name, so results do not depend on cache order. */
export function podsForService(svc: Service, podsInNamespace: readonly Pod[]): Pod[] {
  const sel = serviceSelector(svc);
  if (!sel) return [];
  const matcher = selectorFromSet(sel);
  return podsInNamespace.filter((p) => matcher.matches(p.metadata.labels))
    .sort((a, b) => compare(a.metadata.name ?? '', b.metadata.name ?? ''));
}

export const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * ShouldPodBeInEndpoints: not terminal, has an IP, and (unless includeTerminating)
 * not being deleted.
 */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  if (isPodTerminal(pod)) return false;
  if (!pod.status?.podIP && !pod.status?.podIPs?.length) return false;
  if (!includeTerminating && pod.metadata.deletionTimestamp) return false;
  return true;
}

/** ShouldSetHostname: the pod names a hostname and its subdomain is this service. */
export function shouldSetHostname(pod: Pod, svc: Service): boolean {
  return !!pod.spec?.hostname && pod.spec.subdomain === svc.metadata.name && svc.metadata.namespace === pod.metadata.namespace;
}

/** IsServiceIPSet: a cluster IP that is neither empty nor "None". */
export function isServiceIPSet(svc: Service): boolean {
  const ip = svc.spec?.clusterIP;
  return !!ip && ip !== 'None';
}

/**
 * FindPort (pkg/api/v1/pod): a numeric targetPort as it is; a named one is the
 * containerPort of that name and the service port's protocol in any container, or in a
 * sidecar (an init container with restartPolicy Always). undefined: this pod does not
 * offer the port, and is left out of it.
 */
export function findPort(pod: Pod, svcPort: ServicePort): number | undefined {
  const target = svcPort.targetPort ?? svcPort.port;
  if (typeof target === 'number') return target;
  if (typeof target !== 'string') return undefined;
  // intstr: a JSON string that is all digits still is a string (a port name never is).
  const protocol = svcPort.protocol ?? 'TCP';
  const sidecars = (pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always');
  for (const c of [...(pod.spec?.containers ?? []), ...sidecars]) {
    for (const p of c.ports ?? []) {
      if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
    }
  }
  return undefined;
}

/** utilnet.IsIPv6String: an IPv6 address that is not IPv4-mapped. */
export function isIPv6String(ip: string | undefined): boolean {
  return typeof ip === 'string' && parseIP(ip) === 6 && canonicalIP(ip).includes(':');
}

/**
 * ParseIPSloppy(ip).String(): leading zeros of IPv4 octets dropped, IPv6 in its
 * RFC 5952 form, an IPv4-mapped IPv6 address as plain IPv4 (as Go prints it).
 */
export function canonicalIP(ip: string): string {
  const family = parseIP(ip);
  if (family === 4) return ip.split('.').map((o) => String(Number(o))).join('.');
  // A zone (fe80::1%eth0) is no address Go parses: left as it is.
  if (family !== 6 || ip.includes('%')) return ip;
  const host = new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
  if (!mapped) return host;
  const [hi, lo] = [parseInt(mapped[1], 16), parseInt(mapped[2], 16)];
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
}

/** The node a pod runs on, for the zone label; undefined when unknown. */
export type NodeGetter = (name: string) => Node | undefined;

// ---------------------------------------------------------------- pod changes

/**
 * podEndpointsChanged: [the pod changed in a way its endpoints show (deletion,
 * readiness, IPs), its labels or hostname/subdomain changed (which services it is in)].
 */
export function podEndpointsChanged(oldPod: Pod, newPod: Pod): [podChanged: boolean, labelsChanged: boolean] {
  const labelsChanged = !sameLabels(oldPod.metadata.labels, newPod.metadata.labels)
    || oldPod.spec?.hostname !== newPod.spec?.hostname || oldPod.spec?.subdomain !== newPod.spec?.subdomain;
  if (oldPod.metadata.deletionTimestamp !== newPod.metadata.deletionTimestamp) return [true, labelsChanged];
  if (isPodReady(oldPod) !== isPodReady(newPod)) return [true, labelsChanged];
  const a = oldPod.status?.podIPs ?? [];
  const b = newPod.status?.podIPs ?? [];
  if (a.length !== b.length || a.some((ip, i) => ip.ip !== b[i].ip)) return [true, labelsChanged];
  // Name, namespace and uid are immutable; nodeName is set before the pod has an IP.
  return [false, labelsChanged];
}

function sameLabels(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ka = Object.keys(a ?? {});
  if (ka.length !== Object.keys(b ?? {}).length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && (a as Record<string, string>)[k] === (b as Record<string, string>)[k]);
}

/** Keys of the services in namespace whose selector matches labels (GetPodServiceMemberships). */
export function serviceKeysFor(servicesInNamespace: readonly Service[], labels: Record<string, string> | undefined): Set<string> {
  const keys = new Set<string>();
  for (const svc of servicesInNamespace) {
    const sel = serviceSelector(svc);
    if (sel && selectorFromSet(sel).matches(labels ?? {})) keys.add(keyOf(svc));
  }
  return keys;
}

/**
 * GetServicesToUpdateOnPodChange: nothing for a resync (same resourceVersion) or a
 * change endpoints do not show; the pod's services when only the pod changed; with
 * new labels, every old and new service if the pod changed too, else only the
 * services it joined or left.
 */
export function servicesToUpdateOnPodChange(servicesInNamespace: readonly Service[], oldPod: Pod, newPod: Pod): Set<string> {
  if (oldPod.metadata.resourceVersion === newPod.metadata.resourceVersion) return new Set();
  const [podChanged, labelsChanged] = podEndpointsChanged(oldPod, newPod);
  if (!podChanged && !labelsChanged) return new Set();
  const now = serviceKeysFor(servicesInNamespace, newPod.metadata.labels);
  if (!labelsChanged) return now;
  const before = serviceKeysFor(servicesInNamespace, oldPod.metadata.labels);
  if (podChanged) return new Set([...now, ...before]);
  return new Set([...[...now].filter((k) => !before.has(k)), ...[...before].filter((k) => !now.has(k))]);
}

/**
 * The pod handlers both controllers add (addPod, updatePod, deletePod): each service a
 * pod change concerns is passed to enqueue.
 */
export function podEventHandler(services: Pick<Informer<Service>, 'listByNamespace'>, enqueue: (serviceKey: string) => void): EventHandler<Pod> {
  const servicesOf = (pod: Pod): Service[] => services.listByNamespace(pod.metadata.namespace ?? '');
  const each = (keys: Set<string>): void => { for (const k of keys) enqueue(k); };
  return {
    add: (pod) => each(serviceKeysFor(servicesOf(pod), pod.metadata.labels)),
    update: (old, pod) => each(servicesToUpdateOnPodChange(servicesOf(pod), old, pod)),
    delete: (pod) => each(serviceKeysFor(servicesOf(pod), pod.metadata.labels)),
  };
}

// ---------------------------------------------------------------- trigger time

/**
 * TriggerTimeTracker: the value of the last-change-trigger-time annotation, in ms since
 * the epoch (undefined: leave the annotation out). A service seen for the first time
 * gives its creationTimestamp; later, the earliest pod Ready transition or service
 * creation newer than what the previous sync saw. Called once per sync of a service,
 * never concurrently for one service (the WorkQueue guarantees it).
 *
 * Unlike Kubernetes' tracker, what a sync saw is remembered only when the sync calls
 * commit() (its writes succeeded, or none were needed): a sync whose write failed is
 * retried with the same trigger time instead of none.
 */
export class TriggerTimeTracker {
  private readonly states = new Map<string, { service: number; pods: Map<string, number> }>();

  /** The trigger time for this sync, and the commit that makes it the last one seen. */
  compute(svc: Service, pods: readonly Pod[]): { time: number | undefined; commit: () => void } {
    const key = keyOf(svc);
    const state = this.states.get(key);
    let min: number | undefined;
    const podTimes = new Map<string, number>();
    for (const pod of pods) {
      const t = parseTime(podCondition(pod, 'Ready')?.lastTransitionTime);
      if (Number.isNaN(t)) continue;
      podTimes.set(pod.metadata.name ?? '', t);
      const last = state?.pods.get(pod.metadata.name ?? '');
      if (last === undefined || t > last) min = min === undefined ? t : Math.min(min, t);
    }
    const svcTime = parseTime(svc.metadata.creationTimestamp);
    if (!Number.isNaN(svcTime) && (state === undefined || svcTime > state.service)) min = min === undefined ? svcTime : Math.min(min, svcTime);
    const commit = (): void => { this.states.set(key, { service: Number.isNaN(svcTime) ? 0 : svcTime, pods: podTimes }); };
    if (!state) return { time: Number.isNaN(svcTime) ? undefined : svcTime, commit };
    return { time: min, commit };
  }

  deleteService(namespace: string, name: string): void {
    this.states.delete(`${namespace}/${name}`);
  }
}

