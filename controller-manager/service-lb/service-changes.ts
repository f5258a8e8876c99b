// Which services this controller serves and which of their changes matter, as the
// service controller (k8s.io/cloud-provider/controllers/service) decides it:
// wantsLoadBalancer, needsCleanup (by the load-balancer-cleanup finalizer) and
// needsUpdate (with the Normal Event it records for the change that made it true).
import { isDeepStrictEqual } from 'node:util';
import type { Service, ServicePort } from '../../api/types/core.js';

/** servicehelper.LoadBalancerCleanupFinalizer: held while a service has a load balancer to clean up. */
export const LOAD_BALANCER_CLEANUP_FINALIZER = 'service.kubernetes.io/load-balancer-cleanup';

/**
 * wantsLoadBalancer: type LoadBalancer and no spec.loadBalancerClass. A service with a
 * class belongs to that class's implementation; this controller never touches it.
 */
export function wantsLoadBalancer(svc: Service): boolean {
  return svc.spec?.type === 'LoadBalancer' && (svc.spec.loadBalancerClass === undefined || svc.spec.loadBalancerClass === null);
}

export const hasLoadBalancerFinalizer = (svc: Service): boolean =>
  (svc.metadata.finalizers ?? []).includes(LOAD_BALANCER_CLEANUP_FINALIZER);

/**
 * needsCleanup: the service holds our finalizer and is being deleted or is no longer
 * of type LoadBalancer: its load balancer (here: its ingress status) must go, then the
 * finalizer.
 */
export function needsCleanup(svc: Service): boolean {
  if (!hasLoadBalancerFinalizer(svc)) return false;
  return !!svc.metadata.deletionTimestamp || svc.spec?.type !== 'LoadBalancer';
}

/** An Event the change records on the service: Normal, reason, message. */
export interface ChangeEvent {
  reason: string;
  message: string;
}

/** What needsUpdate found: the load balancer must be ensured again, and maybe an Event to record. */
export interface ServiceChange {
  event?: ChangeEvent;
}

/** Go's %v of a []string: "[a b]", "[]" for none. */
const goList = (xs: readonly string[] | undefined): string => `[${(xs ?? []).join(' ')}]`;

/** portEqualForLB: name, protocol, port, nodePort, targetPort and appProtocol. */
function portEqualForLB(x: ServicePort, y: ServicePort): boolean {
  return x.name === y.name && x.protocol === y.protocol && x.port === y.port
    && x.nodePort === y.nodePort && x.targetPort === y.targetPort && x.appProtocol === y.appProtocol;
}

function portsEqualForLB(x: Service, y: Service): boolean {
  const a = x.spec?.ports ?? [];
  const b = y.spec?.ports ?? [];
  return a.length === b.length && a.every((p, i) => portEqualForLB(p, b[i]));
}

/**
 * needsUpdate(old, cur): whether the load balancer of cur must be ensured again, in the
 * service controller's order of checks; the first difference found decides, and some
 * come with an Event (Type, LoadBalancerSourceRanges, LoadbalancerIP, ExternalIP, UID,
 * ExternalTrafficPolicy, HealthCheckNodePort, IPFamilies). Undefined: nothing that matters to a
 * load balancer changed (status, finalizers, labels...).
 */
export function needsUpdate(old: Service, cur: Service): ServiceChange | undefined {
  const o = old.spec ?? {};
  const c = cur.spec ?? {};
  const oldWants = wantsLoadBalancer(old);
  const curWants = wantsLoadBalancer(cur);
  if (!oldWants && !curWants) return undefined;
  if (oldWants !== curWants) return { event: { reason: 'Type', message: `${o.type ?? ''} -> ${c.type ?? ''}` } };
  if (curWants && !isDeepStrictEqual(o.loadBalancerSourceRanges ?? [], c.loadBalancerSourceRanges ?? [])) {
    return { event: { reason: 'LoadBalancerSourceRanges', message: `${goList(o.loadBalancerSourceRanges)} -> ${goList(c.loadBalancerSourceRanges)}` } };
  }
  if (!portsEqualForLB(old, cur) || o.sessionAffinity !== c.sessionAffinity) return {};
  if (!isDeepStrictEqual(o.sessionAffinityConfig ?? null, c.sessionAffinityConfig ?? null)) return {};
  if ((o.loadBalancerIP ?? '') !== (c.loadBalancerIP ?? '')) {
    return { event: { reason: 'LoadbalancerIP', message: `${o.loadBalancerIP ?? ''} -> ${c.loadBalancerIP ?? ''}` } };
  }
  const oldExt = o.externalIPs ?? [];
  const curExt = c.externalIPs ?? [];
  if (oldExt.length !== curExt.length) return { event: { reason: 'ExternalIP', message: `Count: ${oldExt.length} -> ${curExt.length}` } };
  for (let i = 0; i < oldExt.length; i++) {
    if (oldExt[i] !== curExt[i]) return { event: { reason: 'ExternalIP', message: `Added: ${curExt[i]}` } };
  }
  if (!isDeepStrictEqual(old.metadata.annotations ?? {}, cur.metadata.annotations ?? {})) return {};
  if (old.metadata.uid !== cur.metadata.uid) return { event: { reason: 'UID', message: `${old.metadata.uid ?? ''} -> ${cur.metadata.uid ?? ''}` } };
  if ((o.externalTrafficPolicy ?? '') !== (c.externalTrafficPolicy ?? '')) {
    return { event: { reason: 'ExternalTrafficPolicy', message: `${o.externalTrafficPolicy ?? ''} -> ${c.externalTrafficPolicy ?? ''}` } };
  }
  if ((o.healthCheckNodePort ?? 0) !== (c.healthCheckNodePort ?? 0)) {
    return { event: { reason: 'HealthCheckNodePort', message: `${o.healthCheckNodePort ?? 0} -> ${c.healthCheckNodePort ?? 0}` } };
  }
  // A dual-stack service can gain or lose its second family (never swap them), so the
  // count is enough; the families decide which node addresses status.ts lists.
  const oldFam = o.ipFamilies?.length ?? 0;
  const curFam = c.ipFamilies?.length ?? 0;
  if (oldFam !== curFam) return { event: { reason: 'IPFamilies', message: `Count: ${oldFam} -> ${curFam}` } };
  return undefined;
}
