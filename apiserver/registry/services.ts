// Services: a ClusterIP from the service range and nodePorts from the node-port
// range, allocated before the service is written and freed when it goes.
import { invalid } from '../../api/errors.js';
import type { KubeObject, StatusCause } from '../../api/types/meta.js';
import { type Allocator, ipToNumber, ipToString } from '../allocator.js';
import { defaultStrategy, type Strategy } from './strategy.js';

interface ServicePort { name?: string; port: number; nodePort?: number; protocol?: string }
interface ServiceLike extends KubeObject {
  spec?: { type?: string; clusterIP?: string; clusterIPs?: string[]; ports?: ServicePort[] };
}

const wantsClusterIP = (s: ServiceLike): boolean => s.spec?.type !== 'ExternalName' && s.spec?.clusterIP !== 'None';
const wantsNodePorts = (s: ServiceLike): boolean => s.spec?.type === 'NodePort' || s.spec?.type === 'LoadBalancer';

export function serviceStrategy(ips: Allocator, ports: Allocator): Strategy {
  const owner = (s: ServiceLike): string => `${s.metadata.namespace}/${s.metadata.name}`;
  const fail = (s: ServiceLike, cause: StatusCause): never => { throw invalid('Service', '', s.metadata.name ?? '', [cause]); };

  async function allocateIP(s: ServiceLike): Promise<void> {
    const spec = s.spec ?? (s.spec = {});
    const requested = spec.clusterIP || spec.clusterIPs?.[0];
    if (requested) {
      const n = ipToNumber(requested);
      if (n === undefined) fail(s, { reason: 'FieldValueInvalid', field: 'spec.clusterIPs[0]', message: `Invalid value: "${requested}": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)` });
      const res = await ips.allocateSpecific(n as number, owner(s));
      if (!res.ok) {
        const why = res.reason === 'taken' ? 'provided IP is already allocated' : `the provided IP (${requested}) is not in the valid range. The range of valid IPs is ${ipToString(ips.range.first - 1)}/${32 - Math.log2(ips.range.last - ips.range.first + 3)}`;
        fail(s, { reason: 'FieldValueInvalid', field: 'spec.clusterIPs', message: `Invalid value: ["${requested}"]: failed to allocate IP ${requested}: ${why}` });
      }
    } else {
      const res = await ips.allocate(owner(s));
      if (!res.ok) fail(s, { reason: 'FieldValueInvalid', field: 'spec.clusterIPs', message: 'Internal error: failed to allocate a serviceIP: range is full' });
      spec.clusterIP = ipToString((res as { value: number }).value);
    }
    spec.clusterIPs = [spec.clusterIP as string];
  }

  async function allocatePorts(s: ServiceLike, keep: Set<number>): Promise<void> {
    const done: number[] = [];
    try {
      for (const [i, p] of (s.spec?.ports ?? []).entries()) {
        if (p.nodePort && keep.has(p.nodePort)) continue;
        if (p.nodePort) {
          const res = await ports.allocateSpecific(p.nodePort, owner(s));
          if (!res.ok) {
            const why = res.reason === 'taken' ? 'provided port is already allocated' : `provided port is not in the valid range. The range of valid ports is ${ports.range.first}-${ports.range.last}`;
            fail(s, { reason: 'FieldValueInvalid', field: `spec.ports[${i}].nodePort`, message: `Invalid value: ${p.nodePort}: ${why}` });
          }
        } else {
          const res = await ports.allocate(owner(s));
          if (!res.ok) fail(s, { reason: 'FieldValueInvalid', field: `spec.ports[${i}].nodePort`, message: 'Internal error: failed to allocate a nodePort: range is full' });
          p.nodePort = (res as { value: number }).value;
        }
        done.push(p.nodePort);
      }
    } catch (err) {
      await Promise.all(done.map((n) => ports.release(n)));
      throw err;
    }
  }

  async function releaseAll(s: ServiceLike, keepIP: boolean, keepPorts: Set<number>): Promise<void> {
    const ip = s.spec?.clusterIP;
    if (!keepIP && ip && ip !== 'None') {
      const n = ipToNumber(ip);
      if (n !== undefined) await ips.release(n);
    }
    for (const p of s.spec?.ports ?? []) if (p.nodePort && !keepPorts.has(p.nodePort)) await ports.release(p.nodePort);
  }

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
      if (wantsClusterIP(s)) await allocateIP(s);
      if (wantsNodePorts(s)) {
        try {
          await allocatePorts(s, new Set());
        } catch (err) {
          await releaseAll({ ...s, spec: { ...s.spec, ports: [] } }, false, new Set());
          throw err;
        }
      } else {
        for (const p of s.spec?.ports ?? []) delete p.nodePort;
      }
    },
    async beforeUpdate(obj, old) {
      const s = obj as ServiceLike;
      const oldPorts = new Set(((old as ServiceLike).spec?.ports ?? []).map((p) => p.nodePort).filter((n): n is number => !!n));
      if (wantsNodePorts(s)) await allocatePorts(s, oldPorts);
      else for (const p of s.spec?.ports ?? []) delete p.nodePort;
      if (wantsClusterIP(s) && !s.spec?.clusterIP) await allocateIP(s);
    },
    async afterUpdate(obj, old) {
      const s = obj as ServiceLike;
      const nowPorts = new Set((s.spec?.ports ?? []).map((p) => p.nodePort).filter((n): n is number => !!n));
      await releaseAll(old as ServiceLike, (old as ServiceLike).spec?.clusterIP === s.spec?.clusterIP, nowPorts);
    },
    async release(obj) {
      await releaseAll(obj as ServiceLike, false, new Set());
    },
  };
}
