// kube-proxy's userspace mode (Kubernetes' pkg/proxy/userspace): the bytes of every
// service connection pass through this process. Each sync gives the load balancer the
// usable endpoints of every service port and makes the listeners match
// desiredListeners: a listener whose port has usable endpoints listens; one without
// stops listening, so a connect is refused by the kernel at once (ECONNREFUSED, or an
// ICMP port unreachable for UDP) instead of being accepted and dropped. Open TCP
// connections are never cut by a sync: a removed endpoint or service only stops new
// connections from going there.
import type { Logger } from 'pino';
import { LoadBalancer } from '../load-balancer.js';
import type { ProxyMetrics } from '../metrics.js';
import { usableEndpoints } from '../topology.js';
import type { Endpoint, Proxier, ProxyState, ServicePort } from '../types.js';
import { EndpointPicker } from './endpoint-picker.js';
import { desiredListeners, type ListenerSpec } from './listeners.js';
import { TcpPortal, type TcpConnection } from './tcp.js';
import { checkTcpHandles } from './tcp-handle.js';
import { DEFAULT_UDP_IDLE_TIMEOUT_MS, UdpPortal } from './udp.js';

/** The balancer key of a service port's external traffic when it differs from its internal traffic. */
const EXTERNAL_SUFFIX = '#external';

export interface UserspaceProxierOptions {
  /** IPv4 addresses nodePorts listen on; ['0.0.0.0'] for every address. */
  nodePortAddresses: string[];
  log: Logger;
  metrics?: ProxyMetrics;
  /** Default: a balancer of its own. */
  lb?: LoadBalancer;
  /** How long a UDP flow may be idle (default Kubernetes' --udp-timeout, 250 ms). */
  udpIdleTimeoutMs?: number;
}

interface Listener {
  spec: ListenerSpec;
  portal: TcpPortal | UdpPortal;
  /** The last bind error's code, so a listener that keeps failing is logged once. */
  bindError?: string;
}

/** What the balancer was last given for a service port, to skip unchanged ports. */
interface Balanced {
  svc: ServicePort;
  endpoints: readonly Endpoint[] | undefined;
  internal: string;
  external: string;
}

const sameKeys = (a: readonly Endpoint[], b: readonly Endpoint[]): boolean =>
  a === b || (a.length === b.length && a.every((ep, i) => ep.key === b[i]!.key));

/**
 * The userspace Proxier. The sync runner calls sync(state) (never concurrently) after
 * NodeNet has put the ClusterIPs on lo. A listener that cannot bind (EADDRINUSE, an
 * external IP that is not this node's) is logged and tried again on the next sync;
 * sync only throws for programming errors. cleanup() closes every listener, flow and
 * connection.
 */
export class UserspaceProxier implements Proxier {
  readonly mode = 'userspace' as const;
  private readonly log: Logger;
  private readonly metrics?: ProxyMetrics;
  private readonly lb: LoadBalancer;
  private readonly nodePortAddresses: string[];
  private readonly udpIdleTimeoutMs: number;
  private readonly listeners = new Map<string, Listener>();
  private balanced = new Map<string, Balanced>();
  private readonly connections = new Set<TcpConnection>();
  private readonly conflicts = new Set<string>();

  constructor(o: UserspaceProxierOptions) {
    checkTcpHandles();
    this.log = o.log.child({ component: 'userspace-proxier' });
    this.metrics = o.metrics;
    this.lb = o.lb ?? new LoadBalancer();
    this.nodePortAddresses = [...o.nodePortAddresses];
    this.udpIdleTimeoutMs = o.udpIdleTimeoutMs ?? DEFAULT_UDP_IDLE_TIMEOUT_MS;
  }

  async sync(state: ProxyState): Promise<void> {
    const changed = this.balance(state);
    const { listeners: desired, conflicts } = desiredListeners(state.services.values(), this.nodePortAddresses);
    this.logConflicts(conflicts);

    let closed = 0;
    for (const [id, l] of this.listeners) {
      if (desired.get(id)?.service === l.spec.service) continue;
      // Gone, or the address:port now belongs to another service port: its open
      // connections go on, new ones get the new owner (or are refused).
      l.portal.close();
      this.listeners.delete(id);
      closed++;
    }
    const opening: Promise<boolean>[] = [];
    let stopped = 0;
    for (const [id, spec] of desired) {
      const b = this.balanced.get(spec.service)!;
      const lbKey = spec.traffic === 'internal' ? b.internal : b.external;
      let l = this.listeners.get(id);
      if (!l) {
        l = { spec, portal: this.portal(spec, new EndpointPicker(this.lb, lbKey)) };
        this.listeners.set(id, l);
      } else {
        l.spec = spec;
        l.portal.picker.lbKey = lbKey;
      }
      l.portal.picker.sticky = b.svc.sessionAffinity.type === 'ClientIP';
      if (changed.has(spec.service) && l.portal instanceof UdpPortal) {
        l.portal.retainFlows(new Set(this.lb.endpoints(lbKey).map((ep) => ep.key)));
      }
      if (l.portal.picker.hasEndpoints()) {
        if (!l.portal.listening) opening.push(this.open(l));
      } else if (l.portal.listening) {
        l.portal.close();
        stopped++;
      }
    }
    const opened = (await Promise.all(opening)).filter(Boolean).length;
    if (opened || closed || stopped) {
      this.log.info({ opened, closed, refusing: stopped, listeners: this.listeners.size }, 'listeners synced');
    }
  }

  async cleanup(): Promise<void> {
    for (const l of this.listeners.values()) l.portal.close();
    this.listeners.clear();
    for (const c of [...this.connections]) c.destroy();
    for (const b of this.balanced.values()) {
      this.lb.delete(b.internal);
      this.lb.delete(b.external);
    }
    this.balanced.clear();
  }

  /** The listeners open now, as "TCP/10.96.0.10:53" (for tests). */
  listening(): string[] {
    return [...this.listeners.values()].filter((l) => l.portal.listening).map((l) => l.spec.id).sort();
  }

  /** TCP connections being dialed or relayed (for tests). */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** Open UDP flows over every listener (for tests). */
  get udpFlowCount(): number {
    let n = 0;
    for (const l of this.listeners.values()) if (l.portal instanceof UdpPortal) n += l.portal.flowCount;
    return n;
  }

  /**
   * Gives the balancer each service port's usable endpoints: one entry (the port's
   * key) for ClusterIP traffic, and a second for external traffic only when its
   * endpoints differ (a Local policy on one side), so affinity is shared otherwise.
   * Returns the keys of the service ports whose balancer entries were set anew.
   */
  private balance(state: ProxyState): Set<string> {
    const next = new Map<string, Balanced>();
    const changed = new Set<string>();
    for (const svc of state.services.values()) {
      if (svc.protocol !== 'TCP' && svc.protocol !== 'UDP') continue;
      const endpoints = state.endpoints.get(svc.key);
      const prev = this.balanced.get(svc.key);
      if (prev && prev.svc === svc && prev.endpoints === endpoints) {
        next.set(svc.key, prev);
        continue;
      }
      const usable = usableEndpoints(svc, endpoints ?? []);
      this.lb.setEndpoints(svc.key, usable.internal, svc.sessionAffinity);
      let external = svc.key;
      if (!sameKeys(usable.internal, usable.external)) {
        external = svc.key + EXTERNAL_SUFFIX;
        this.lb.setEndpoints(external, usable.external, svc.sessionAffinity);
      } else if (prev && prev.external !== prev.internal) {
        this.lb.delete(prev.external);
      }
      next.set(svc.key, { svc, endpoints, internal: svc.key, external });
      changed.add(svc.key);
    }
    for (const [key, b] of this.balanced) {
      if (next.has(key)) continue;
      this.lb.delete(b.internal);
      this.lb.delete(b.external);
    }
    this.balanced = next;
    this.lb.cleanupStaleSessions();
    return changed;
  }

  private portal(spec: ListenerSpec, picker: EndpointPicker): TcpPortal | UdpPortal {
    return spec.protocol === 'TCP'
      ? new TcpPortal(spec.address, spec.port, picker, { log: this.log, metrics: this.metrics, connections: this.connections })
      : new UdpPortal(spec.address, spec.port, picker, { log: this.log, metrics: this.metrics, idleTimeoutMs: this.udpIdleTimeoutMs });
  }

  /** Starts listening; a failure is logged (once per distinct error) and left for the next sync to retry. */
  private async open(l: Listener): Promise<boolean> {
    try {
      await l.portal.listen();
      if (l.bindError) this.log.info({ listener: l.spec.id, service: l.spec.service }, 'listening again');
      l.bindError = undefined;
      this.log.debug({ listener: l.spec.id, service: l.spec.service }, 'listening');
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      if (l.bindError !== code) {
        this.log.error({ listener: l.spec.id, service: l.spec.service, err }, 'cannot listen; retrying on the next sync');
      }
      l.bindError = code;
      return false;
    }
  }

  private logConflicts(conflicts: { id: string; owner: string; loser: string }[]): void {
    const now = new Set<string>();
    for (const c of conflicts) {
      const key = `${c.id} ${c.loser}`;
      now.add(key);
      if (!this.conflicts.has(key)) this.log.warn(c, 'two service ports want the same listener; the first keeps it');
    }
    this.conflicts.clear();
    for (const k of now) this.conflicts.add(k);
  }
}
