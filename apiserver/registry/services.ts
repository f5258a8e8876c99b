// Services: a ClusterIP from the service range and nodePorts (each port's, and the
// healthCheckNodePort of a LoadBalancer with externalTrafficPolicy Local) from the
// node-port range, allocated before the service is written and freed when it goes.
// Every path that allocates and then does not write frees what it allocated
// (beforeCreate and beforeUpdate when they fail part way, release when a create's
// write fails, revertUpdate when an update's write fails), and a failed release is
// logged with its stack, never thrown: the allocation repair loop
// (allocation-repair.ts) frees it later.
//
// An update first fills in what the client left out and the service already holds
// (kube-apiserver's patchAllocatedValues), then, on a type change, clears the fields
// the new type does not use when the request left them as they were (its
// dropTypeDependentFields: nodePorts, healthCheckNodePort, ClusterIPs going to
// ExternalName, allocateLoadBalancerNodePorts, loadBalancerClass,
// externalTrafficPolicy, status.loadBalancer). A field the request did change stays,
// and validation refuses it. What a cleared field held is freed once the update is
// written (afterUpdate: what the old object held and the written one does not).
//
// revertUpdate frees exactly what that attempt's beforeUpdate allocated, never "what
// the new object holds and the old one does not": an update's write fails because
// another writer replaced the old object, and that writer's afterUpdate may already
// have freed the old object's values, so this attempt may have allocated one of them
// afresh. Judged against the old object it would look held, and leak.
import type { Logger } from 'pino';
import { internalError, invalid } from '../../api/errors.js';
import { externallyAccessible, needsHealthCheck } from '../../api/helpers/service.js';
import type { KubeObject, StatusCause } from '../../api/types/meta.js';
import { ipToNumber, ipToString } from '../../api/ipv4.js';
import { type Allocator, type Holder } from '../allocator.js';
import { defaultStrategy, type Strategy } from './strategy.js';

interface ServicePort { name?: string; port: number; nodePort?: number; protocol?: string }
export interface ServiceLike extends KubeObject {
  spec?: {
    type?: string; clusterIP?: string; clusterIPs?: string[]; ipFamilies?: string[]; ipFamilyPolicy?: string; ports?: ServicePort[];
    externalIPs?: string[]; externalTrafficPolicy?: string; healthCheckNodePort?: number; allocateLoadBalancerNodePorts?: boolean;
    loadBalancerClass?: string;
  };
  status?: { loadBalancer?: unknown };
}

/** needsClusterIP: every type but ExternalName has clusterIP/clusterIPs ("None" counts). */
const needsClusterIP = (s: ServiceLike): boolean => s.spec?.type !== 'ExternalName';
/** The service holds a ClusterIP allocation (not ExternalName, not headless). */
const wantsClusterIP = (s: ServiceLike): boolean => needsClusterIP(s) && s.spec?.clusterIP !== 'None';
/** needsNodePort: the types whose ports have nodePorts. */
const needsNodePort = (s: ServiceLike): boolean => s.spec?.type === 'NodePort' || s.spec?.type === 'LoadBalancer';
/**
 * shouldAllocateNodePorts: a port that names no nodePort gets one, except on a
 * LoadBalancer with allocateLoadBalancerNodePorts false (a nodePort asked for is still
 * allocated).
 */
const shouldAllocateNodePorts = (s: ServiceLike): boolean =>
  s.spec?.type === 'NodePort' || (s.spec?.type === 'LoadBalancer' && s.spec.allocateLoadBalancerNodePorts !== false);

/** The ClusterIP a stored service holds an allocation for, if any. */
export function heldClusterIP(s: ServiceLike): number | undefined {
  const ip = s.spec?.clusterIP;
  return ip && wantsClusterIP(s) ? ipToNumber(ip) : undefined;
}

/** The nodePorts of a service's ports, each once (TCP and UDP ports may share one). */
function portNodePorts(s: ServiceLike): Set<number> {
  return new Set((s.spec?.ports ?? []).map((p) => p.nodePort).filter((n): n is number => typeof n === 'number' && n > 0));
}

/** The healthCheckNodePort a stored service holds, if any. */
const heldHealthCheckNodePort = (s: ServiceLike): number | undefined => {
  const hc = s.spec?.healthCheckNodePort;
  return needsHealthCheck(s) && typeof hc === 'number' && hc > 0 ? hc : undefined;
};

/** Every value of the node-port range a stored service holds: its ports' nodePorts and its healthCheckNodePort. */
export function heldNodePorts(s: ServiceLike): Set<number> {
  const held = portNodePorts(s);
  const hc = heldHealthCheckNodePort(s);
  if (hc !== undefined) held.add(hc);
  return held;
}

export const serviceHolder = (s: KubeObject): Holder => ({ namespace: s.metadata.namespace ?? '', name: s.metadata.name ?? '', uid: s.metadata.uid });

const sameList = (a: readonly unknown[] | undefined, b: readonly unknown[] | undefined): boolean =>
  (a ?? []).length === (b ?? []).length && (a ?? []).every((v, i) => v === b?.[i]);

/**
 * patchAllocatedValues: what the request leaves out (a manifest applied again, a PUT
 * of what was created) and the service already holds is kept: the ClusterIPs, the
 * nodePorts of ports that stay (by port and protocol), the healthCheckNodePort.
 */
function patchAllocatedValues(s: ServiceLike, o: ServiceLike): void {
  const spec = s.spec;
  const old = o.spec;
  if (!spec || !old) return;
  if (needsClusterIP(o) && needsClusterIP(s)) {
    if (!spec.clusterIP && old.clusterIP) spec.clusterIP = old.clusterIP;
    if (!spec.clusterIPs?.length && old.clusterIPs?.length) spec.clusterIPs = old.clusterIPs;
  }
  if (needsNodePort(o) && needsNodePort(s)) {
    for (const p of spec.ports ?? []) {
      if (p.nodePort) continue;
      const before = old.ports?.find((q) => q.port === p.port && (q.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
      if (before?.nodePort) p.nodePort = before.nodePort;
    }
  }
  if (needsHealthCheck(o) && needsHealthCheck(s) && !spec.healthCheckNodePort && old.healthCheckNodePort) {
    spec.healthCheckNodePort = old.healthCheckNodePort;
  }
}

/**
 * dropTypeDependentFields: on an update, each field the new type (or traffic policy)
 * no longer uses is cleared when the request left it as the old object had it. The
 * cleared ClusterIPs and nodePorts are freed once the update is written.
 */
function dropTypeDependentFields(s: ServiceLike, o: ServiceLike): void {
  const spec = s.spec;
  const old = o.spec;
  if (!spec || !old) return;
  if (needsClusterIP(o) && !needsClusterIP(s)) {
    if (spec.clusterIP === old.clusterIP && sameList(spec.clusterIPs, old.clusterIPs)) {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    }
    if (sameList(spec.ipFamilies, old.ipFamilies)) delete spec.ipFamilies;
    if ((spec.ipFamilyPolicy ?? '') === (old.ipFamilyPolicy ?? '')) delete spec.ipFamilyPolicy;
  }
  // sameNodePorts: ports may be added, removed or changed, as long as no nodePort is new.
  const oldNodePorts = portNodePorts(o);
  if (needsNodePort(o) && !needsNodePort(s) && [...portNodePorts(s)].every((p) => oldNodePorts.has(p))) {
    for (const p of spec.ports ?? []) delete p.nodePort;
  }
  if (needsHealthCheck(o) && !needsHealthCheck(s) && (spec.healthCheckNodePort ?? 0) === (old.healthCheckNodePort ?? 0)) {
    delete spec.healthCheckNodePort;
  }
  if (old.type === 'LoadBalancer' && spec.type !== 'LoadBalancer') {
    const was = old.allocateLoadBalancerNodePorts;
    if (typeof spec.allocateLoadBalancerNodePorts === 'boolean' && typeof was === 'boolean' && spec.allocateLoadBalancerNodePorts === was) {
      delete spec.allocateLoadBalancerNodePorts;
    }
    if ((spec.loadBalancerClass ?? null) === (old.loadBalancerClass ?? null)) delete spec.loadBalancerClass;
  }
  if (externallyAccessible(old) && !externallyAccessible(spec) && (spec.externalTrafficPolicy ?? '') === (old.externalTrafficPolicy ?? '')) {
    delete spec.externalTrafficPolicy;
  }
  // No load balancer any more: its status goes at once, not when a controller notices.
  if (spec.type !== 'LoadBalancer' && s.status) s.status.loadBalancer = {};
}

type AllocLog = Pick<Logger, 'warn' | 'error'>;

export function serviceStrategy(ips: Allocator, ports: Allocator, log: AllocLog): Strategy {
  const fail = (s: ServiceLike, cause: StatusCause): never => { throw invalid('Service', '', s.metadata.name ?? '', [cause]); };

  /** Frees one value; never throws: what cannot be freed is logged for the repair loop. */
  async function free(alloc: Allocator, what: 'clusterIP' | 'nodePort', value: number, s: ServiceLike, why: string): Promise<void> {
    const service = `${s.metadata.namespace}/${s.metadata.name}`;
    try {
      if ((await alloc.release(value, serviceHolder(s))) === 'held-by-other') {
        log.warn({ service, [what]: alloc.format(value), why }, `${what} not freed: its allocation names another service`);
      }
    } catch (err) {
      log.error({ err, service, [what]: alloc.format(value), why }, `cannot free ${what}; the allocation repair loop will`);
    }
  }

  async function freeAll(s: ServiceLike, ip: number | undefined, nodePorts: Iterable<number>, why: string): Promise<void> {
    await Promise.all([
      ...(ip === undefined ? [] : [free(ips, 'clusterIP', ip, s, why)]),
      ...[...nodePorts].map((p) => free(ports, 'nodePort', p, s, why)),
    ]);
  }

  /** Frees what s holds and other does not (after an update: s the old service, other the new one). */
  async function freeBeyond(s: ServiceLike, other: ServiceLike, why: string): Promise<void> {
    const ip = heldClusterIP(s);
    const keep = heldNodePorts(other);
    await freeAll(s, ip !== heldClusterIP(other) ? ip : undefined, [...heldNodePorts(s)].filter((p) => !keep.has(p)), why);
  }

  /** Allocates the requested ClusterIP, or any free one; returns it. */
  async function allocateIP(s: ServiceLike): Promise<number> {
    const spec = s.spec ?? (s.spec = {});
    const requested = spec.clusterIP || spec.clusterIPs?.[0];
    let value: number;
    if (requested) {
      const n = ipToNumber(requested);
      if (n === undefined) fail(s, { reason: 'FieldValueInvalid', field: 'spec.clusterIPs[0]', message: `Invalid value: "${requested}": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)` });
      const res = await ips.allocateSpecific(n as number, serviceHolder(s));
      if (!res.ok) {
        const why = res.reason === 'taken' ? 'provided IP is already allocated' : `the provided IP (${requested}) is not in the valid range. The range of valid IPs is ${ipToString(ips.range.first - 1)}/${32 - Math.log2(ips.range.last - ips.range.first + 3)}`;
        fail(s, { reason: 'FieldValueInvalid', field: 'spec.clusterIPs', message: `Invalid value: ["${requested}"]: failed to allocate IP ${requested}: ${why}` });
      }
      value = n as number;
      spec.clusterIP = requested;
    } else {
      const res = await ips.allocate(serviceHolder(s));
      if (!res.ok) fail(s, { reason: 'FieldValueInvalid', field: 'spec.clusterIPs', message: 'Internal error: failed to allocate a serviceIP: range is full' });
      value = (res as { value: number }).value;
      spec.clusterIP = ipToString(value);
    }
    spec.clusterIPs = [spec.clusterIP];
    return value;
  }

  const portRangeError = (reason: 'full' | 'taken' | 'out-of-range'): string => (reason === 'taken'
    ? 'provided port is already allocated'
    : `provided port is not in the valid range. The range of valid ports is ${ports.range.first}-${ports.range.last}`);

  /**
   * Allocates the node-port values of s that keep does not already hold, pushing each
   * onto allocated as it goes (so a caller can free them when a later step fails): its
   * ports' nodePorts and, with healthCheck, its healthCheckNodePort. Requested values
   * are claimed first, then any free ones, so a random pick never takes a value the
   * same request names (it did: a 422 "already allocated" for a port that was free). A
   * port named by two ports of the service (TCP and UDP) is allocated once. A port
   * without a nodePort gets one only when shouldAllocateNodePorts.
   */
  async function allocateNodePortValues(s: ServiceLike, keep: Set<number>, allocated: number[], o: { nodePorts: boolean; healthCheck: boolean }): Promise<void> {
    const spec = s.spec ?? (s.spec = {});
    const portList = o.nodePorts ? spec.ports ?? [] : [];
    for (const [i, p] of portList.entries()) {
      if (!p.nodePort || keep.has(p.nodePort) || allocated.includes(p.nodePort)) continue;
      const res = await ports.allocateSpecific(p.nodePort, serviceHolder(s));
      if (!res.ok) fail(s, { reason: 'FieldValueInvalid', field: `spec.ports[${i}].nodePort`, message: `Invalid value: ${p.nodePort}: ${portRangeError(res.reason)}` });
      allocated.push(p.nodePort);
    }
    const requested = o.healthCheck ? spec.healthCheckNodePort : undefined;
    if (requested) {
      const res = await ports.allocateSpecific(requested, serviceHolder(s));
      // kube-apiserver answers 500 here; a port someone else holds is the client's mistake, so ours is a 422 on the field, as for nodePorts.
      if (!res.ok) fail(s, { reason: 'FieldValueInvalid', field: 'spec.healthCheckNodePort', message: `Invalid value: ${requested}: ${portRangeError(res.reason)}` });
      allocated.push(requested);
    }
    if (shouldAllocateNodePorts(s)) {
      for (const [i, p] of portList.entries()) {
        if (p.nodePort) continue;
        const res = await ports.allocate(serviceHolder(s));
        if (!res.ok) fail(s, { reason: 'FieldValueInvalid', field: `spec.ports[${i}].nodePort`, message: 'Internal error: failed to allocate a nodePort: range is full' });
        p.nodePort = (res as { value: number }).value;
        allocated.push(p.nodePort);
      }
    }
    // allocHealthCheckNodePort: any free one when none was asked for, refused as
    // kube-apiserver refuses it: an internal error (500), not a field error.
    if (o.healthCheck && !requested) {
      const res = await ports.allocate(serviceHolder(s));
      // Kubernetes prints the port it did not get: 0.
      if (!res.ok) throw internalError('failed to allocate a HealthCheck NodePort 0: range is full');
      spec.healthCheckNodePort = (res as { value: number }).value;
      allocated.push(spec.healthCheckNodePort);
    }
  }

  const stripNodePorts = (s: ServiceLike): void => { for (const p of s.spec?.ports ?? []) delete p.nodePort; };

  /**
   * What beforeUpdate allocated, by the object it allocated for: the object the
   * registry then writes (afterUpdate) or, when that write fails, hands to
   * revertUpdate, which frees exactly these values.
   */
  const allocatedFor = new WeakMap<KubeObject, { ip?: number; nodePorts: number[] }>();

  return {
    ...defaultStrategy,
    hasStatus: true,
    returnDeletedObject: true,
    prepareForCreate(obj) { (obj as ServiceLike).status = { loadBalancer: {} }; },
    prepareForUpdate(obj, old) {
      patchAllocatedValues(obj as ServiceLike, old as ServiceLike);
      dropTypeDependentFields(obj as ServiceLike, old as ServiceLike);
    },
    async beforeCreate(obj) {
      const s = obj as ServiceLike;
      let ip: number | undefined;
      const nodePorts: number[] = [];
      try {
        if (wantsClusterIP(s)) ip = await allocateIP(s);
        if (!needsNodePort(s)) stripNodePorts(s);
        await allocateNodePortValues(s, new Set(), nodePorts, { nodePorts: needsNodePort(s), healthCheck: needsHealthCheck(s) });
      } catch (err) {
        await freeAll(s, ip, nodePorts, 'create refused');
        throw err;
      }
    },
    async beforeUpdate(obj, old) {
      const s = obj as ServiceLike;
      const o = old as ServiceLike;
      const oldIP = heldClusterIP(o);
      let ip: number | undefined;
      const nodePorts: number[] = [];
      try {
        if (!needsNodePort(s)) stripNodePorts(s);
        // A healthCheckNodePort is allocated when the service starts needing one; while
        // it needs one, validation keeps it fixed. (Not on any other update: a status
        // write runs this too, and must not change the spec.)
        await allocateNodePortValues(s, portNodePorts(o), nodePorts, { nodePorts: needsNodePort(s), healthCheck: needsHealthCheck(s) && !needsHealthCheck(o) });
        // A ClusterIP is new when the old service had none (ExternalName, headless)
        // or names another one: requested or not, it is allocated here.
        if (wantsClusterIP(s) && (!s.spec?.clusterIP || ipToNumber(s.spec.clusterIP) !== oldIP)) ip = await allocateIP(s);
      } catch (err) {
        await freeAll(s, ip, nodePorts, 'update refused');
        throw err;
      }
      allocatedFor.set(obj, { ip, nodePorts });
    },
    async afterUpdate(obj, old) {
      allocatedFor.delete(obj);
      // The compare-and-swap succeeded: old is exactly the object this write replaced,
      // so what it held and obj does not (dropped by the type change, or removed by the
      // request) is exactly what this update let go.
      await freeBeyond(old as ServiceLike, obj as ServiceLike, 'no longer held after update');
    },
    async revertUpdate(obj) {
      // The write failed: old may be stale (see the top of this file), so only what
      // beforeUpdate allocated for obj is freed.
      const mine = allocatedFor.get(obj);
      allocatedFor.delete(obj);
      if (mine) await freeAll(obj as ServiceLike, mine.ip, mine.nodePorts, 'update not written');
    },
    async release(obj) {
      const s = obj as ServiceLike;
      await freeAll(s, heldClusterIP(s), heldNodePorts(s), 'service gone or not written');
    },
  };
}
