// The scheduling queue, as kube-scheduler's PriorityQueue (internal/queue/scheduling_queue.go):
//
//   activeQ          pods ready to be tried, highest spec.priority first, then the oldest
//                    queue time (PrioritySort's Less). pop() hands out its head.
//   backoffQ         pods waiting out their backoff (1 s doubling per attempt, at most
//                    10 s) after a failed attempt; moved to activeQ when it expires.
//   unschedulablePods pods that fit nowhere; they wait for a cluster event that could
//                    make them fit (a node added, a node's allocatable/labels/taints/
//                    unschedulable changed, an assigned pod deleted...), filtered by the
//                    plugins that rejected them, and are flushed to backoff/active after
//                    5 min in any case (podMaxInUnschedulablePodsDuration).
//
// Pods are keyed by uid; a pod is in at most one of the three, or in flight (popped and
// not yet done). No I/O: the clock is injectable and the timers only call the flush
// methods, which tests call directly.
import type { Node, Pod } from '../api/types/core.js';
import type { ClusterChange, Status } from './framework.js';
import { podKey } from './node-info.js';
import { NAME as INTER_POD_AFFINITY } from './plugins/inter-pod-affinity.js';
import { NAME as NODE_AFFINITY } from './plugins/node-affinity.js';
import { NAME as NODE_PORTS } from './plugins/node-ports.js';
import { NAME as NODE_RESOURCES_FIT } from './plugins/node-resources-fit.js';
import { NAME as NODE_UNSCHEDULABLE } from './plugins/node-unschedulable.js';
import { NAME as POD_TOPOLOGY_SPREAD } from './plugins/pod-topology-spread.js';
import { NAME as TAINT_TOLERATION } from './plugins/taint-toleration.js';

/** kube-scheduler defaults (podInitialBackoffSeconds, podMaxBackoffSeconds, podMaxInUnschedulablePodsDuration). */
export const DEFAULT_INITIAL_BACKOFF_MS = 1_000;
export const DEFAULT_MAX_BACKOFF_MS = 10_000;
export const DEFAULT_MAX_IN_UNSCHEDULABLE_MS = 5 * 60_000;
/** How often unschedulablePods is checked for pods past that limit (kube-scheduler: 30 s). */
export const DEFAULT_UNSCHEDULABLE_FLUSH_INTERVAL_MS = 30_000;

/** A pod in the queue with its scheduling history. */
export interface QueuedPodInfo {
  pod: Pod;
  readonly key: string;
  /** When it last entered the queue (PrioritySort's tie breaker) or was last attempted. */
  timestamp: number;
  /** When it was first added; kept across attempts. */
  readonly initialAttemptTimestamp: number;
  /** Scheduling attempts so far (each pop counts one). */
  attempts: number;
  /** Plugins that rejected it in its last attempt; empty means any event may help. */
  unschedulablePlugins: Set<string>;
  /** FIFO tie breaker for equal priority and timestamp. */
  seq: number;
  /** Kept out of activeQ by a PreEnqueue plugin (scheduling gates): waits among the unschedulable pods for an update to itself. */
  gated?: boolean;
}

/**
 * Something that happened in the cluster. `plugins` names the plugins whose verdict it
 * may change (the events they register for); a pod rejected only by other plugins stays
 * put. Undefined means every plugin (a node added, or the periodic flush). `change` is the
 * object before and after, which those plugins' QueueingHints read.
 */
export interface ClusterEvent {
  readonly label: string;
  readonly plugins?: ReadonlySet<string>;
  readonly change?: ClusterChange;
}

export const NODE_ADD: ClusterEvent = { label: 'NodeAdd' };
export const ASSIGNED_POD_DELETE: ClusterEvent = { label: 'AssignedPodDelete', plugins: new Set([NODE_RESOURCES_FIT, NODE_PORTS, POD_TOPOLOGY_SPREAD, INTER_POD_AFFINITY]) };
/** A pod was bound (or assumed, then seen bound): spreading counts changed, and pods InterPodAffinity rejected may now find their peers. */
export const ASSIGNED_POD_ADD: ClusterEvent = { label: 'AssignedPodAdd', plugins: new Set([POD_TOPOLOGY_SPREAD, INTER_POD_AFFINITY]) };
/** A bound pod's labels changed (kube-scheduler's UpdatePodLabel): selectors may match it now, or no longer. */
export const ASSIGNED_POD_UPDATE_LABEL: ClusterEvent = { label: 'AssignedPodUpdate(PodLabel)', plugins: new Set([POD_TOPOLOGY_SPREAD, INTER_POD_AFFINITY]) };
/** A node was deleted: its topology domain may have gone. */
export const NODE_DELETE: ClusterEvent = { label: 'NodeDelete', plugins: new Set([POD_TOPOLOGY_SPREAD]) };
export const nodeAdded = (node: Node): ClusterEvent => ({ ...NODE_ADD, change: { resource: 'Node', newObj: node } });
export const nodeDeleted = (node: Node): ClusterEvent => ({ ...NODE_DELETE, change: { resource: 'Node', oldObj: node } });
export const assignedPodAdded = (pod: Pod): ClusterEvent => ({ ...ASSIGNED_POD_ADD, change: { resource: 'Pod', newObj: pod } });
export const assignedPodDeleted = (pod: Pod): ClusterEvent => ({ ...ASSIGNED_POD_DELETE, change: { resource: 'Pod', oldObj: pod } });
export const UNSCHEDULABLE_TIMEOUT: ClusterEvent = { label: 'UnschedulableTimeout' };
export const FORCE_ACTIVATE: ClusterEvent = { label: 'ForceActivate' };

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * The event a node update amounts to, or undefined when nothing the filters read changed
 * (heartbeats, conditions), so status churn does not wake unschedulable pods
 * (kube-scheduler's nodeSchedulingPropertiesChange).
 */
export function nodeUpdateEvent(oldNode: Node, newNode: Node): ClusterEvent | undefined {
  const plugins = new Set<string>();
  if (oldNode.spec?.unschedulable && !newNode.spec?.unschedulable) plugins.add(NODE_UNSCHEDULABLE);
  if (!same(oldNode.status?.allocatable, newNode.status?.allocatable)) plugins.add(NODE_RESOURCES_FIT);
  if (!same(oldNode.metadata.labels, newNode.metadata.labels)) plugins.add(NODE_AFFINITY).add(POD_TOPOLOGY_SPREAD).add(INTER_POD_AFFINITY);
  if (!same(oldNode.spec?.taints, newNode.spec?.taints)) plugins.add(TAINT_TOLERATION).add(POD_TOPOLOGY_SPREAD);
  if (plugins.size === 0) return undefined;
  return { label: `NodeUpdate(${[...plugins].join(',')})`, plugins, change: { resource: 'Node', oldObj: oldNode, newObj: newNode } };
}

/** The event an update to a bound pod amounts to: its labels changed (affinity terms may select it differently), or nothing. */
export function assignedPodUpdateEvent(oldPod: Pod, newPod: Pod): ClusterEvent | undefined {
  if (same(oldPod.metadata.labels, newPod.metadata.labels)) return undefined;
  return { ...ASSIGNED_POD_UPDATE_LABEL, change: { resource: 'Pod', oldObj: oldPod, newObj: newPod } };
}

/** Whether an update to a pod that waits in the queue may change its scheduling (spec or labels). */
export function podSchedulingChanged(oldPod: Pod, newPod: Pod): boolean {
  return !same(oldPod.spec, newPod.spec) || !same(oldPod.metadata.labels, newPod.metadata.labels);
}

/** A binary heap with removal by key (kube-scheduler internal/heap). */
class Heap<T extends { key: string }> {
  private readonly items: T[] = [];
  private readonly index = new Map<string, number>();

  constructor(private readonly less: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  has(key: string): boolean {
    return this.index.has(key);
  }

  get(key: string): T | undefined {
    const i = this.index.get(key);
    return i === undefined ? undefined : this.items[i];
  }

  peek(): T | undefined {
    return this.items[0];
  }

  /** Adds, or re-positions an item with the same key. */
  push(item: T): void {
    const i = this.index.get(item.key);
    if (i !== undefined) {
      this.items[i] = item;
      this.fix(i);
      return;
    }
    this.items.push(item);
    this.index.set(item.key, this.items.length - 1);
    this.up(this.items.length - 1);
  }

  pop(): T | undefined {
    if (this.items.length === 0) return undefined;
    const top = this.items[0];
    this.removeAt(0);
    return top;
  }

  delete(key: string): T | undefined {
    const i = this.index.get(key);
    if (i === undefined) return undefined;
    const item = this.items[i];
    this.removeAt(i);
    return item;
  }

  values(): readonly T[] {
    return this.items;
  }

  private removeAt(i: number): void {
    const item = this.items[i];
    const last = this.items.pop()!;
    this.index.delete(item.key);
    if (i < this.items.length) {
      this.items[i] = last;
      this.index.set(last.key, i);
      this.fix(i);
    }
  }

  private fix(i: number): void {
    if (!this.up(i)) this.down(i);
  }

  private up(i: number): boolean {
    let moved = false;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(this.items[i], this.items[parent])) break;
      this.swap(i, parent);
      i = parent;
      moved = true;
    }
    return moved;
  }

  private down(i: number): void {
    const n = this.items.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) return;
      const r = l + 1;
      const c = r < n && this.less(this.items[r], this.items[l]) ? r : l;
      if (!this.less(this.items[c], this.items[i])) return;
      this.swap(i, c);
      i = c;
    }
  }

  private swap(a: number, b: number): void {
    const x = this.items[a];
    this.items[a] = this.items[b];
    this.items[b] = x;
    this.index.set(this.items[a].key, a);
    this.index.set(this.items[b].key, b);
  }
}

export interface SchedulingQueueOptions {
  /** Monotonic milliseconds (default performance.now). */
  now?: () => number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** A pod left in unschedulablePods this long is retried regardless of events (5 min). */
  maxInUnschedulableMs?: number;
  unschedulableFlushIntervalMs?: number;
  /**
   * The PreEnqueue plugins of the pod's profile (SchedulingGates): a rejected pod is parked
   * as gated instead of entering activeQ, and only an update to it lets it in.
   */
  preEnqueue?: (pod: Pod) => Status;
  /**
   * The QueueingHint of `plugin` (which rejected `pod`) for `change`: true when the change
   * may make the pod schedulable (kube-scheduler's isPodWorthRequeuing). Without it, or for
   * a plugin without hints, every event the plugin registers for requeues the pod.
   */
  queueingHint?: (pod: Pod, plugin: string, change: ClusterChange) => boolean;
}

export interface QueueStats {
  active: number;
  backoff: number;
  /** Including the gated ones. */
  unschedulable: number;
  gated: number;
  inFlight: number;
}

const priorityOf = (p: QueuedPodInfo): number => p.pod.spec?.priority ?? 0;

/**
 * The scheduler's queue of pods to place. Informer handlers call add/update/delete for
 * unscheduled pods and moveAllToActiveOrBackoffQueue for cluster events; the scheduling
 * loop calls pop(), then exactly one of done (bound or given up),
 * addUnschedulableIfNotPresent (fits nowhere) or addBackoff (bind or plugin error).
 * run(signal) drives the backoff and unschedulable timers.
 */
export class SchedulingQueue {
  private readonly now: () => number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxInUnschedulableMs: number;
  private readonly flushIntervalMs: number;
  private readonly preEnqueue?: (pod: Pod) => Status;
  private readonly queueingHint?: (pod: Pod, plugin: string, change: ClusterChange) => boolean;

  private readonly activeQ = new Heap<QueuedPodInfo>((a, b) => {
    const pa = priorityOf(a);
    const pb = priorityOf(b);
    if (pa !== pb) return pa > pb;
    if (a.timestamp !== b.timestamp) return a.timestamp < b.timestamp;
    return a.seq < b.seq;
  });
  private readonly backoffQ = new Heap<QueuedPodInfo>((a, b) => {
    const ea = this.backoffExpiry(a);
    const eb = this.backoffExpiry(b);
    return ea !== eb ? ea < eb : a.seq < b.seq;
  });
  private readonly unschedulable = new Map<string, QueuedPodInfo>();
  /** Popped and not yet done: the latest pod object, so a requeue uses fresh data. */
  private readonly inFlight = new Map<string, QueuedPodInfo>();
  private readonly waiters: ((p: QueuedPodInfo | undefined) => void)[] = [];
  private seq = 0;
  /** Scheduling cycle of the last pop, and the cycle when a move request last happened. */
  private schedulingCycle = 0;
  private moveRequestCycle = -1;
  private closed = false;
  private backoffTimer?: NodeJS.Timeout;
  private backoffTimerAt = Infinity;
  private running = false;

  constructor(opts: SchedulingQueueOptions = {}) {
    this.now = opts.now ?? (() => performance.now());
    this.initialBackoffMs = opts.initialBackoffMs ?? DEFAULT_INITIAL_BACKOFF_MS;
    this.maxBackoffMs = opts.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS;
    this.maxInUnschedulableMs = opts.maxInUnschedulableMs ?? DEFAULT_MAX_IN_UNSCHEDULABLE_MS;
    this.flushIntervalMs = opts.unschedulableFlushIntervalMs ?? DEFAULT_UNSCHEDULABLE_FLUSH_INTERVAL_MS;
    this.preEnqueue = opts.preEnqueue;
    this.queueingHint = opts.queueingHint;
  }

  stats(): QueueStats {
    let gated = 0;
    for (const p of this.unschedulable.values()) if (p.gated) gated++;
    return { active: this.activeQ.size, backoff: this.backoffQ.size, unschedulable: this.unschedulable.size, gated, inFlight: this.inFlight.size };
  }

  /** Whether the pod waits for its scheduling gates. */
  isGated(podOrKey: Pod | string): boolean {
    const key = typeof podOrKey === 'string' ? podOrKey : podKey(podOrKey);
    return this.unschedulable.get(key)?.gated === true;
  }

  /** Where a pod is: 'active' | 'backoff' | 'unschedulable' | 'inFlight' | undefined. */
  where(podOrKey: Pod | string): 'active' | 'backoff' | 'unschedulable' | 'inFlight' | undefined {
    const key = typeof podOrKey === 'string' ? podOrKey : podKey(podOrKey);
    if (this.activeQ.has(key)) return 'active';
    if (this.backoffQ.has(key)) return 'backoff';
    if (this.unschedulable.has(key)) return 'unschedulable';
    if (this.inFlight.has(key)) return 'inFlight';
    return undefined;
  }

  /** A new pending pod (informer add). A pod already queued or in flight is updated instead. */
  add(pod: Pod): void {
    if (this.closed) return;
    const key = podKey(pod);
    if (this.where(key) !== undefined) {
      this.update(pod, pod);
      return;
    }
    const t = this.now();
    this.pushActive({ pod, key, timestamp: t, initialAttemptTimestamp: t, attempts: 0, unschedulablePlugins: new Set(), seq: this.seq++ });
  }

  /**
   * A queued pod changed (informer update). In activeQ/backoffQ it is updated in place; in
   * unschedulablePods it is moved out when its spec or labels changed (it may fit now);
   * in flight, the requeue will use the new object; unknown, it is added.
   */
  update(oldPod: Pod, newPod: Pod): void {
    if (this.closed) return;
    const key = podKey(newPod);
    const active = this.activeQ.get(key);
    if (active) {
      active.pod = newPod;
      this.activeQ.push(active);
      return;
    }
    const backoff = this.backoffQ.get(key);
    if (backoff) {
      backoff.pod = newPod;
      return;
    }
    const unsched = this.unschedulable.get(key);
    if (unsched) {
      unsched.pod = newPod;
      if (podSchedulingChanged(oldPod, newPod)) {
        this.unschedulable.delete(key);
        this.requeue(unsched);
      }
      return;
    }
    const flying = this.inFlight.get(key);
    if (flying) {
      flying.pod = newPod;
      return;
    }
    this.add(newPod);
  }

  /** The pod is gone, bound, or no longer ours: drop it wherever it is. */
  delete(pod: Pod | string): void {
    const key = typeof pod === 'string' ? pod : podKey(pod);
    this.activeQ.delete(key);
    this.backoffQ.delete(key);
    this.unschedulable.delete(key);
    this.inFlight.delete(key);
  }

  /**
   * The next pod to schedule, waiting until there is one; undefined once the queue is
   * closed or `signal` aborts. The pod is in flight until done/addUnschedulableIfNotPresent/addBackoff.
   */
  pop(signal?: AbortSignal): Promise<QueuedPodInfo | undefined> {
    const head = this.popNow();
    if (head || this.closed || signal?.aborted) return Promise.resolve(head);
    return new Promise((resolve) => {
      const onAbort = (): void => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve(undefined);
      };
      const waiter = (p: QueuedPodInfo | undefined): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve(p);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** The scheduling cycle of the last pop (pass it to addUnschedulableIfNotPresent). */
  get cycle(): number {
    return this.schedulingCycle;
  }

  /** The pod's attempt ended: bound, or not to be retried. */
  done(key: string): void {
    this.inFlight.delete(key);
  }

  /**
   * The pod fits nowhere. It waits in unschedulablePods for an event one of `plugins`
   * cares about, unless a move request happened since it was popped (the event may
   * already have made it fit), in which case it goes to backoffQ. Dropped when it was
   * deleted while in flight.
   */
  addUnschedulableIfNotPresent(pInfo: QueuedPodInfo, plugins: Iterable<string>, podSchedulingCycle: number): void {
    const current = this.takeInFlight(pInfo);
    if (!current) return;
    current.unschedulablePlugins = new Set(plugins);
    current.timestamp = this.now();
    if (this.moveRequestCycle >= podSchedulingCycle) this.pushBackoff(current);
    else this.unschedulable.set(current.key, current);
  }

  /** A failed attempt that is not "fits nowhere" (bind failure, plugin error): retry after backoff. */
  addBackoff(pInfo: QueuedPodInfo): void {
    const current = this.takeInFlight(pInfo);
    if (!current) return;
    current.timestamp = this.now();
    this.pushBackoff(current);
  }

  /**
   * A cluster event: pods in unschedulablePods rejected by a plugin the event concerns (or
   * by none in particular) go to backoffQ if still backing off, else to activeQ.
   */
  moveAllToActiveOrBackoffQueue(event: ClusterEvent): number {
    let moved = 0;
    for (const [key, p] of this.unschedulable) {
      if (!this.eventMatters(event, p)) continue;
      this.unschedulable.delete(key);
      this.requeue(p);
      moved++;
    }
    this.moveRequestCycle = this.schedulingCycle;
    return moved;
  }

  /** Moves backoffQ pods whose backoff has expired to activeQ (kube-scheduler flushBackoffQCompleted). */
  flushBackoffCompleted(): void {
    const now = this.now();
    for (;;) {
      const head = this.backoffQ.peek();
      if (!head || this.backoffExpiry(head) > now) break;
      this.backoffQ.pop();
      this.pushActive(head);
    }
    this.armBackoffTimer();
  }

  /** Retries pods left in unschedulablePods longer than the limit (flushUnschedulablePodsLeftover). */
  flushUnschedulableLeftover(): void {
    const now = this.now();
    for (const [key, p] of this.unschedulable) {
      if (p.gated || now - p.timestamp <= this.maxInUnschedulableMs) continue;
      this.unschedulable.delete(key);
      this.requeue(p);
    }
  }

  /** When the pod's current backoff ends: its last attempt + 1 s × 2^(attempts−1), capped. */
  backoffExpiry(p: QueuedPodInfo): number {
    return p.timestamp + this.backoffDuration(p);
  }

  backoffDuration(p: QueuedPodInfo): number {
    // Never attempted (a gated pod let in): no penalty, as kube-scheduler's calculateBackoffDuration.
    if (p.attempts === 0) return 0;
    let d = this.initialBackoffMs;
    for (let i = 1; i < p.attempts; i++) {
      d *= 2;
      if (d >= this.maxBackoffMs) return this.maxBackoffMs;
    }
    return Math.min(d, this.maxBackoffMs);
  }

  /** Drives the timers until `signal` aborts, then closes the queue. */
  async run(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return this.close();
    this.running = true;
    this.armBackoffTimer();
    const flush = setInterval(() => this.flushUnschedulableLeftover(), this.flushIntervalMs);
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    clearInterval(flush);
    this.running = false;
    this.close();
  }

  /** Releases every pop() with undefined; later adds are ignored. */
  close(): void {
    this.closed = true;
    if (this.backoffTimer) clearTimeout(this.backoffTimer);
    this.backoffTimer = undefined;
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  /**
   * kube-scheduler isPodWorthRequeuing: a pod rejected by no plugin in particular moves on
   * any event; otherwise some plugin that rejected it must register for the event and,
   * when the event carries the change and the plugin has a QueueingHint, say Queue. A hint
   * that throws counts as Queue, as an error does in kube-scheduler.
   */
  private eventMatters(event: ClusterEvent, p: QueuedPodInfo): boolean {
    // Only an update to the pod itself can lift its gates.
    if (p.gated) return false;
    if (p.unschedulablePlugins.size === 0) return true;
    for (const name of p.unschedulablePlugins) {
      if (event.plugins && !event.plugins.has(name)) continue;
      if (!event.change || !this.queueingHint) return true;
      try {
        if (this.queueingHint(p.pod, name, event.change)) return true;
      } catch {
        return true;
      }
    }
    return false;
  }

  private takeInFlight(pInfo: QueuedPodInfo): QueuedPodInfo | undefined {
    const current = this.inFlight.get(pInfo.key);
    // Deleted (or handed back already) while it was being scheduled: nothing to requeue.
    if (!current || this.closed) return undefined;
    this.inFlight.delete(pInfo.key);
    return current;
  }

  private requeue(p: QueuedPodInfo): void {
    if (this.backoffExpiry(p) > this.now()) this.pushBackoff(p);
    else this.pushActive(p);
  }

  private pushBackoff(p: QueuedPodInfo): void {
    this.backoffQ.push(p);
    this.armBackoffTimer();
  }

  private pushActive(p: QueuedPodInfo): void {
    // PreEnqueue (kube-scheduler moveToActiveQ): a gated pod is parked, not scheduled.
    const gate = this.preEnqueue?.(p.pod);
    if (gate && gate.code !== 'Success') {
      p.gated = true;
      p.unschedulablePlugins = new Set(gate.plugin ? [gate.plugin] : []);
      this.unschedulable.set(p.key, p);
      return;
    }
    p.gated = false;
    // pop() only waits on an empty activeQ, so a waiter gets this pod directly.
    const w = this.waiters.shift();
    if (w) {
      this.take(p);
      w(p);
      return;
    }
    this.activeQ.push(p);
  }

  private popNow(): QueuedPodInfo | undefined {
    const p = this.activeQ.pop();
    if (p) this.take(p);
    return p;
  }

  private take(p: QueuedPodInfo): void {
    p.attempts++;
    this.schedulingCycle++;
    this.inFlight.set(p.key, p);
  }

  // One timer at the earliest backoff expiry, so a pod leaves backoffQ when its backoff
  // ends rather than at the next 1 s tick.
  private armBackoffTimer(): void {
    if (!this.running || this.closed) return;
    const head = this.backoffQ.peek();
    const at = head ? this.backoffExpiry(head) : Infinity;
    if (at === this.backoffTimerAt && this.backoffTimer) return;
    if (this.backoffTimer) clearTimeout(this.backoffTimer);
    this.backoffTimer = undefined;
    this.backoffTimerAt = at;
    if (at === Infinity) return;
    this.backoffTimer = setTimeout(() => {
      this.backoffTimer = undefined;
      this.backoffTimerAt = Infinity;
      this.flushBackoffCompleted();
    }, Math.max(0, at - this.now()) + 1);
  }
}
