// Zones and the rate at which the node lifecycle controller taints nodes for eviction
// (node_lifecycle_controller.go handleDisruption/ComputeZoneState and
// scheduler/rate_limited_queue.go). Each zone has a queue of nodes waiting for their
// NoExecute taint, drained at --node-eviction-rate nodes per second (burst 1). A zone
// with at least --unhealthy-zone-threshold of its nodes not Ready (and more than 2 of
// them) is partially disrupted: its rate drops to --secondary-node-eviction-rate, or
// to 0 when it has no more than --large-cluster-size-threshold nodes. A zone with no
// Ready node at all is fully disrupted; when every zone is, the control plane is more
// likely cut off than every node dead, so the controller taints no node and removes
// the NoExecute taints it set ("master disruption mode") until some node is Ready.
import type { Node, NodeCondition } from '../../api/types/core.js';
import type { Clock } from '../../client/clock.js';

export type ZoneState = 'Initial' | 'Normal' | 'PartialDisruption' | 'FullDisruption';

/** GetZoneKey: region and zone from the topology labels (or their beta names); '' when neither is set. */
export function zoneKey(node: Pick<Node, 'metadata'>): string {
  const labels = node.metadata.labels ?? {};
  const zone = labels['topology.kubernetes.io/zone'] ?? labels['failure-domain.beta.kubernetes.io/zone'] ?? '';
  const region = labels['topology.kubernetes.io/region'] ?? labels['failure-domain.beta.kubernetes.io/region'] ?? '';
  if (!region && !zone) return '';
  // A NUL between them, as Kubernetes does, so a colon in either cannot make two zones one.
  return `${region}:\x00:${zone}`;
}

/**
 * ComputeZoneState over the Ready conditions of a zone's nodes (undefined: none
 * posted): the number not Ready, and the zone's state.
 */
export function computeZoneState(ready: readonly (NodeCondition | undefined)[], unhealthyZoneThreshold: number): { unhealthy: number; state: ZoneState } {
  let readyNodes = 0;
  let notReady = 0;
  for (const c of ready) {
    if (c?.status === 'True') readyNodes++;
    else notReady++;
  }
  if (readyNodes === 0 && notReady > 0) return { unhealthy: notReady, state: 'FullDisruption' };
  if (notReady > 2 && notReady / (notReady + readyNodes) >= unhealthyZoneThreshold) return { unhealthy: notReady, state: 'PartialDisruption' };
  return { unhealthy: notReady, state: 'Normal' };
}

/** Rate-limit settings of the tainting queues, from the controller's flags. */
export interface EvictionRates {
  /** --node-eviction-rate: nodes per second in a healthy zone. */
  evictionQps: number;
  /** --secondary-node-eviction-rate: in a partially disrupted large zone. */
  secondaryEvictionQps: number;
  /** --large-cluster-size-threshold: zones up to this size stop tainting when partially disrupted. */
  largeClusterThreshold: number;
}

/** The rate for a zone of zoneSize nodes entering state (setLimiterInZone). */
export function zoneQps(state: ZoneState, zoneSize: number, r: EvictionRates): number {
  switch (state) {
    case 'PartialDisruption':
      // ReducedQPSFunc: large zones evict slower, small ones not at all.
      return zoneSize > r.largeClusterThreshold ? r.secondaryEvictionQps : 0;
    case 'Normal':
    case 'FullDisruption':
      // HealthyQPSFunc: a single zone that is down while others are up is evicted at the normal rate.
      return r.evictionQps;
    default:
      return r.evictionQps;
  }
}

/** EvictionRateLimiterBurst. */
const BURST = 1;

/**
 * A token bucket that refuses rather than waits (flowcontrol's TryAccept), kept as the
 * time the next token is due so whole intervals add up exactly; qps 0 never accepts.
 */
export class TryAcceptLimiter {
  /** When the bucket is next full enough to accept (ms). */
  private due: number;

  constructor(readonly qps: number, private readonly clock: Clock) {
    this.due = clock.now();
  }

  tryAccept(): boolean {
    if (this.qps <= 0) return false;
    const now = this.clock.now();
    const interval = 1000 / this.qps;
    const due = Math.max(this.due, now);
    if (due - now > (BURST - 1) * interval) return false;
    this.due = due + interval;
    return true;
  }
}

interface TimedValue {
  value: string;
  uid: string;
  addedAt: number;
  processAt: number;
}

/**
 * Nodes waiting for their NoExecute taint in one zone (RateLimitedTimedQueue): each
 * node once until removed, processed in processAt order as the limiter allows.
 */
export class RateLimitedTimedQueue {
  private queue: TimedValue[] = [];
  /** Values added and not removed (a processed value stays here, so it is not added again). */
  private readonly set = new Set<string>();
  private limiter: TryAcceptLimiter;

  constructor(qps: number, private readonly clock: Clock) {
    this.limiter = new TryAcceptLimiter(qps, clock);
  }

  get qps(): number {
    return this.limiter.qps;
  }

  /** Adds value unless it was added and not removed since; true when added. */
  add(value: string, uid: string): boolean {
    if (this.set.has(value)) return false;
    const now = this.clock.now();
    this.set.add(value);
    this.queue.push({ value, uid, addedAt: now, processAt: now });
    this.sort();
    return true;
  }

  /** Forgets value, so it may be added again; true when it was known. */
  remove(value: string): boolean {
    if (!this.set.delete(value)) return false;
    this.queue = this.queue.filter((v) => v.value !== value);
    return true;
  }

  /** Values waiting to be processed, in order (tests and logs). */
  waiting(): string[] {
    return this.queue.map((v) => v.value);
  }

  /**
   * Processes due values in order while the limiter allows: fn answers done, or a
   * delay (ms) after which to try that value again.
   */
  async try(fn: (v: { value: string; uid: string }) => Promise<true | number>): Promise<void> {
    for (let head = this.queue[0]; head; head = this.queue[0]) {
      if (!this.limiter.tryAccept()) break;
      const now = this.clock.now();
      if (now < head.processAt) break;
      const result = await fn(head);
      if (!this.queue.includes(head)) continue; // removed meanwhile
      if (result === true) {
        this.queue = this.queue.filter((v) => v !== head);
      } else {
        head.processAt = now + result + 1;
        this.sort();
      }
    }
  }

  /** Changes the rate (SwapLimiter); a limiter that had no token left hands that on. */
  swapLimiter(qps: number): void {
    if (this.limiter.qps === qps) return;
    const next = new TryAcceptLimiter(qps, this.clock);
    if (qps > 0 && !this.limiter.tryAccept()) next.tryAccept();
    this.limiter = next;
  }

  private sort(): void {
    this.queue.sort((a, b) => a.processAt - b.processAt);
  }
}
