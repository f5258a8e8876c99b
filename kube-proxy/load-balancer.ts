// Which endpoint a new connection to a service port goes to (Kubernetes' userspace
// proxy roundrobin.go, without sockets): round robin over the port's usable endpoints,
// ClientIP session affinity that pins a client to one endpoint until the pin has been
// idle for the affinity timeout, and skipping endpoints that already failed for the
// connection being placed.
import { DEFAULT_CLIENT_IP_AFFINITY_SECONDS } from '../api/defaults.js';
import type { Endpoint, SessionAffinity } from './types.js';

interface Pin {
  /** Endpoint.key of the endpoint the client sticks to. */
  endpoint: string;
  /** When the pin was last handed out (ms on the balancer's clock). */
  lastUsed: number;
}

interface Balancer {
  endpoints: readonly Endpoint[];
  /** The position round robin hands out next. */
  index: number;
  affinity: SessionAffinity;
  /** Client IP -> pin; empty unless affinity is ClientIP. */
  pins: Map<string, Pin>;
}

/** The affinity timeout in ms (0 or unset means Kubernetes' default of 3 hours). */
function ttlMs(affinity: SessionAffinity): number {
  if (affinity.type !== 'ClientIP') return 0;
  return (affinity.timeoutSeconds > 0 ? affinity.timeoutSeconds : DEFAULT_CLIENT_IP_AFFINITY_SECONDS) * 1000;
}

function sameKeys(a: readonly Endpoint[], b: readonly Endpoint[]): boolean {
  return a.length === b.length && a.every((ep, i) => ep.key === b[i].key);
}

/**
 * Endpoint choice for every service port of a proxier, by service port key. The
 * proxier calls setEndpoints on each sync (with usableEndpoints' result), delete when
 * the port is gone, and next/failed for each connection. Single-threaded like the
 * rest of the process: no call is ever interleaved with another.
 */
export class LoadBalancer {
  private readonly balancers = new Map<string, Balancer>();
  private readonly now: () => number;

  constructor(o: { now?: () => number } = {}) {
    this.now = o.now ?? Date.now;
  }

  /**
   * Sets or replaces the endpoints (already filtered by usableEndpoints) and affinity
   * of key. Round robin goes on from the endpoint that was next when it is still
   * there (else from the same position); pins to endpoints that are gone, and all pins
   * when affinity is no longer ClientIP, are dropped, the others kept.
   */
  setEndpoints(key: string, endpoints: readonly Endpoint[], affinity: SessionAffinity): void {
    const copy = [...endpoints];
    const b = this.balancers.get(key);
    if (!b) {
      this.balancers.set(key, { endpoints: copy, index: 0, affinity, pins: new Map() });
      return;
    }
    if (!sameKeys(b.endpoints, copy)) {
      const nextKey = b.endpoints[b.index]?.key;
      const at = copy.findIndex((ep) => ep.key === nextKey);
      b.index = at >= 0 ? at : copy.length > 0 ? b.index % copy.length : 0;
    }
    b.endpoints = copy;
    b.affinity = affinity;
    if (affinity.type !== 'ClientIP') {
      b.pins.clear();
      return;
    }
    const present = new Set(copy.map((ep) => ep.key));
    for (const [client, pin] of b.pins) if (!present.has(pin.endpoint)) b.pins.delete(client);
  }

  /** Forgets key (its service port is gone). */
  delete(key: string): void {
    this.balancers.delete(key);
  }

  /** True when key has at least one endpoint (a proxier rejects connections at once otherwise). */
  hasEndpoints(key: string): boolean {
    return (this.balancers.get(key)?.endpoints.length ?? 0) > 0;
  }

  /** The endpoints key currently balances over (empty when unknown). */
  endpoints(key: string): readonly Endpoint[] {
    return this.balancers.get(key)?.endpoints ?? [];
  }

  /**
   * The endpoint for a new connection from clientIP: with ClientIP affinity the pinned
   * endpoint while its pin is younger than the timeout (each use refreshes it), else
   * the next in round-robin order (which then becomes the client's pin). Endpoints
   * whose key is in `tried` (they already failed for this connection) are skipped.
   * undefined when key has no endpoint left to try.
   */
  next(key: string, clientIP: string, tried?: ReadonlySet<string>): Endpoint | undefined {
    const b = this.balancers.get(key);
    if (!b || b.endpoints.length === 0) return undefined;
    const now = this.now();
    const sticky = b.affinity.type === 'ClientIP';
    if (sticky) {
      const pin = b.pins.get(clientIP);
      // Kubernetes keeps a pin while int(seconds since last use) < timeout, i.e. while
      // less than the whole timeout has passed.
      if (pin && now - pin.lastUsed < ttlMs(b.affinity) && !tried?.has(pin.endpoint)) {
        const ep = b.endpoints.find((e) => e.key === pin.endpoint);
        if (ep) {
          pin.lastUsed = now;
          return ep;
        }
      }
    }
    const n = b.endpoints.length;
    for (let i = 0; i < n; i++) {
      const ep = b.endpoints[b.index];
      b.index = (b.index + 1) % n;
      if (tried?.has(ep.key)) continue;
      if (sticky) b.pins.set(clientIP, { endpoint: ep.key, lastUsed: now });
      return ep;
    }
    return undefined;
  }

  /**
   * A connect from clientIP to endpointKey failed: the client's pin to it is dropped
   * (Kubernetes' sessionAffinityReset), so the retry and later connections may go
   * elsewhere. A pin to another endpoint is left alone.
   */
  failed(key: string, clientIP: string, endpointKey: string): void {
    const pins = this.balancers.get(key)?.pins;
    if (pins?.get(clientIP)?.endpoint === endpointKey) pins.delete(clientIP);
  }

  /**
   * Drops pins idle for longer than their timeout (Kubernetes'
   * CleanupStaleStickySessions), for every key; proxiers call it periodically so
   * clients that never come back do not accumulate.
   */
  cleanupStaleSessions(): void {
    const now = this.now();
    for (const b of this.balancers.values()) {
      const ttl = ttlMs(b.affinity);
      for (const [client, pin] of b.pins) if (now - pin.lastUsed >= ttl) b.pins.delete(client);
    }
  }

  /** The number of live and stale pins of key (for tests and metrics). */
  pinCount(key: string): number {
    return this.balancers.get(key)?.pins.size ?? 0;
  }
}
