// Services: a ClusterIP from the service range and nodePorts from the node-port
// range, allocated before the service is written and freed when it goes. Every path
// that allocates and then does not write frees what it allocated (beforeCreate and
// beforeUpdate when they fail part way, release when a create's write fails,
// revertUpdate when an update's write fails), and a failed release is logged with its
// stack, never thrown: the allocation repair loop (allocation-repair.ts) frees it later.
//
// revertUpdate frees exactly what that attempt's beforeUpdate allocated, never "what
// the new object holds and the old one does not": an update's write fails because
// another writer replaced the old object, and that writer's afterUpdate may already
// have freed the old object's values, so this attempt may have allocated one of them
// afresh. Judged against the old object it would look held, and leak.
import type { Logger } from 'pino';
import { invalid } from '../../api/errors.js';
import type { KubeObject, StatusCause } from '../../api/types/meta.js';
import { ipToNumber, ipToString } from '../../api/ipv4.js';
import { type Allocator, type Holder } from '../allocator.js';
import { defaultStrategy, type Strategy } from './strategy.js';

interface ServicePort { name?: string; port: number; nodePort?: number; protocol?: string }
export interface ServiceLike extends KubeObject {
  spec?: { type?: string; clusterIP?: string; clusterIPs?: string[]; ports?: ServicePort[] };
}

const wantsClusterIP = (s: ServiceLike): boolean => s.spec?.type !== 'ExternalName' && s.spec?.clusterIP !== 'None';
const wantsNodePorts = (s: ServiceLike): boolean => s.spec?.type === 'NodePort' || s.spec?.type === 'LoadBalancer';

/** The ClusterIP a stored service holds an allocation for, if any. */
export function heldClusterIP(s: ServiceLike): number | undefined {
  const ip = s.spec?.clusterIP;
  return ip && wantsClusterIP(s) ? ipToNumber(ip) : undefined;
}

/** The nodePorts a stored service holds, each once (TCP and UDP ports may share one). */
export function heldNodePorts(s: ServiceLike): Set<number> {
  return new Set((s.spec?.ports ?? []).map((p) => p.nodePort).filter((n): n is number => typeof n === 'number' && n > 0));
}

export const serviceHolder = (s: KubeObject): Holder => ({ namespace: s.metadata.namespace ?? '', name: s.metadata.name ?? '', uid: s.metadata.uid });

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

  /**
   * Allocates the nodePorts of s that keep does not already hold, pushing each onto
   * allocated as it goes (so a caller can free them when a later step fails). A port
   * named by two ports of the service (TCP and UDP) is allocated once.
   */
  async function allocatePorts(s: ServiceLike, keep: Set<number>, allocated: number[]): Promise<void> {
    for (const [i, p] of (s.spec?.ports ?? []).entries()) {
      if (p.nodePort && (keep.has(p.nodePort) || allocated.includes(p.nodePort))) continue;
      if (p.nodePort) {
        const res = await ports.allocateSpecific(p.nodePort, serviceHolder(s));
        if (!res.ok) {
          const why = res.reason === 'taken' ? 'provided port is already allocated' : `provided port is not in the valid range. The range of valid ports is ${ports.range.first}-${ports.range.last}`;
          fail(s, { reason: 'FieldValueInvalid', field: `spec.ports[${i}].nodePort`, message: `Invalid value: ${p.nodePort}: ${why}` });
        }
      } else {
        const res = await ports.allocate(serviceHolder(s));
        if (!res.ok) fail(s, { reason: 'FieldValueInvalid', field: `spec.ports[${i}].nodePort`, message: 'Internal error: failed to allocate a nodePort: range is full' });
        p.nodePort = (res as { value: number }).value;
      }
      allocated.push(p.nodePort);
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
    prepareForCreate(obj) { (obj as ServiceLike & { status?: unknown }).status = { loadBalancer: {} }; },
    prepareForUpdate(obj, old) {
      const s = obj as ServiceLike;
      const o = old as ServiceLike;
      // An update that leaves clusterIP out (kubectl apply, kubectl replace) keeps it.
      if (s.spec && !s.spec.clusterIP && o.spec?.clusterIP && wantsClusterIP(s)) {
        s.spec.clusterIP = o.spec.clusterIP;
        s.spec.clusterIPs = o.spec.clusterIPs;
      }
      // Likewise nodePorts of ports that stay.
      if (wantsNodePorts(s)) {
        for (const p of s.spec?.ports ?? []) {
          if (p.nodePort) continue;
          const before = o.spec?.ports?.find((q) => q.port === p.port && (q.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
          if (before?.nodePort) p.nodePort = before.nodePort;
        }
      }
    },
    async beforeCreate(obj) {
      const s = obj as ServiceLike;
      let ip: number | undefined;
      const nodePorts: number[] = [];
      try {
        if (wantsClusterIP(s)) ip = await allocateIP(s);
        if (wantsNodePorts(s)) await allocatePorts(s, new Set(), nodePorts);
        else stripNodePorts(s);
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
        if (wantsNodePorts(s)) await allocatePorts(s, heldNodePorts(o), nodePorts);
        else stripNodePorts(s);
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
      // The compare-and-swap succeeded: old is exactly the object this write replaced.
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
