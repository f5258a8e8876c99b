// The node lifecycle controller (pkg/controller/nodelifecycle): watches Nodes and their
// Leases; every --node-monitor-period it checks each node's heartbeats (health.ts) and
// marks a silent node's kubelet conditions Unknown, its pods NotReady at once, and
// queues it for the NoExecute taint (unreachable or not-ready) that makes the taint
// eviction controller evict its pods; the taint is added by a rate-limited pass per
// zone (zones.ts) and removed when the node is Ready again. A node worker keeps the
// NoSchedule taints that mirror node conditions (TaintNodesByCondition) and the beta
// OS/arch labels; a pod worker marks pods bound to a node that is not Ready NotReady.
import type { Logger } from 'pino';
import { isConflict, isNotFound } from '../../api/errors.js';
import { updatePodCondition } from '../../api/helpers/pod-conditions.js';
import type { Lease } from '../../api/types/coordination.js';
import type { Node, NodeCondition, Pod, Taint } from '../../api/types/core.js';
import type { Clock } from '../../client/clock.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import { keyOf, type Informer } from '../../client/informer.js';
import type { WorkQueue } from '../../client/work-queue.js';
import { controllerQueue, runQueue, type Controller } from '../controller.js';
import type { ControllerMetrics } from '../metrics.js';
import { runEvery } from '../periodic.js';
import { addPodNodeNameIndex, podsOnNode } from '../pods-by-node.js';
import { nodeRef, podRef } from '../refs.js';
import type { NodeLifecycleClient } from './client.js';
import { checkNodeHealth, nodeCondition, type NodeHealth } from './health.js';
import { desiredNoScheduleTaints, evictionTaints, managedNoScheduleTaints, NOT_READY_TAINT, swapTaints, taintExists, taintSetDiff, UNREACHABLE_TAINT } from './taints.js';
import { computeZoneState, RateLimitedTimedQueue, zoneKey, zoneQps, type EvictionRates, type ZoneState } from './zones.js';

export const NAME = 'node-lifecycle-controller';
/** The Event source Kubernetes' node lifecycle controller records as. */
export const EVENT_SOURCE = 'node-controller';

/** How often the NoExecute tainting pass drains the zone queues (scheduler.NodeEvictionPeriod). */
const NODE_EVICTION_PERIOD_MS = 100;
/** Tries of a node's status update before the pass gives up on it (NodeHealthUpdateRetry). */
const NODE_HEALTH_UPDATE_RETRY = 5;
/** Tries of a taint or label patch that loses to a concurrent write (UpdateTaintBackoff steps). */
const PATCH_RETRIES = 5;
/** nodeUpdateWorkerSize and podUpdateWorkerSize. */
const NODE_WORKERS = 8;
const POD_WORKERS = 4;
/** Nodes with this label are left out of zone disruption checks. */
const LABEL_EXCLUDE_DISRUPTION = 'node.kubernetes.io/exclude-disruption';
const NODE_LEASE_NAMESPACE = 'kube-node-lease';

/** The beta labels kept equal to their stable ones (labelReconcileInfo). */
const LABEL_RECONCILE = [
  { primary: 'kubernetes.io/os', secondary: 'beta.kubernetes.io/os' },
  { primary: 'kubernetes.io/arch', secondary: 'beta.kubernetes.io/arch' },
];

type Cache<T extends Node | Pod | Lease> = Pick<Informer<T>, 'get' | 'getByKey' | 'list' | 'addEventHandler'>;

export interface NodeLifecycleOptions extends EvictionRates {
  /** --node-monitor-period (ms). */
  monitorPeriodMs: number;
  /** --node-monitor-grace-period (ms). */
  monitorGracePeriodMs: number;
  /** --node-startup-grace-period (ms). */
  startupGracePeriodMs: number;
  /** --unhealthy-zone-threshold. */
  unhealthyZoneThreshold: number;
}

export interface NodeLifecycleDeps {
  nodes: Cache<Node>;
  pods: Cache<Pod> & Pick<Informer<Pod>, 'byIndex' | 'addIndexers'>;
  leases: Pick<Informer<Lease>, 'get'>;
  client: NodeLifecycleClient;
  recorder: Pick<EventRecorder, 'event'>;
  clock: Clock;
  log: Logger;
  metrics?: ControllerMetrics;
  options: NodeLifecycleOptions;
}

export class NodeLifecycleController implements Controller {
  readonly name = NAME;
  /** Nodes for NoSchedule taints and labels (nodeUpdateQueue). */
  readonly nodeQueue: WorkQueue;
  /** Pods newly bound to a node (podUpdateQueue). */
  readonly podQueue: WorkQueue;
  /** Nodes seen by the monitor pass (knownNodeSet). */
  private readonly knownNodes = new Map<string, Node>();
  private readonly health = new Map<string, NodeHealth>();
  /** Nodes whose pods must be marked NotReady again: the last try failed. */
  private readonly nodesToRetry = new Set<string>();
  private readonly zoneStates = new Map<string, ZoneState>();
  /** Per zone, the nodes waiting for their NoExecute taint (zoneNoExecuteTainter). */
  readonly tainters = new Map<string, RateLimitedTimedQueue>();

  constructor(private readonly d: NodeLifecycleDeps) {
    this.nodeQueue = controllerQueue({ name: 'node_lifecycle_controller', clock: d.clock, metrics: d.metrics });
    this.podQueue = controllerQueue({ name: 'node_lifecycle_controller_pods', clock: d.clock, metrics: d.metrics });
    addPodNodeNameIndex(this.d.pods);
    this.d.pods.addEventHandler({
      add: (pod) => { if (pod.spec?.nodeName) this.podQueue.add(keyOf(pod)); },
      update: (old, pod) => { if (pod.spec?.nodeName && pod.spec.nodeName !== old.spec?.nodeName) this.podQueue.add(keyOf(pod)); },
    });
    this.d.nodes.addEventHandler({
      add: (node) => this.nodeQueue.add(keyOf(node)),
      update: (_, node) => this.nodeQueue.add(keyOf(node)),
      delete: (node) => this.nodesToRetry.delete(keyOf(node)),
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    this.d.log.info({ monitorPeriodMs: this.d.options.monitorPeriodMs, gracePeriodMs: this.d.options.monitorGracePeriodMs }, 'starting node lifecycle controller');
    const opts = { name: NAME, log: this.d.log, clock: this.d.clock, metrics: this.d.metrics };
    await Promise.all([
      runQueue(this.nodeQueue, (key) => this.syncNode(key), signal, { ...opts, workers: NODE_WORKERS }),
      runQueue(this.podQueue, (key) => this.syncPod(key), signal, { ...opts, workers: POD_WORKERS }),
      runEvery(this.d.clock, NODE_EVICTION_PERIOD_MS, signal, () => this.doNoExecuteTaintingPass(), this.d.log, 'NoExecute tainting pass'),
      runEvery(this.d.clock, this.d.options.monitorPeriodMs, signal, () => this.monitorNodeHealth(), this.d.log, 'node health monitoring'),
    ]);
  }

  /** What the controller remembers of a node (tests). */
  nodeHealth(name: string): NodeHealth | undefined {
    return this.health.get(name);
  }

  zoneState(zone: string): ZoneState | undefined {
    return this.zoneStates.get(zone);
  }

  // ---------------------------------------------------------------- node worker

  /** doNoScheduleTaintingPass and reconcileNodeLabels for one node. */
  async syncNode(name: string): Promise<void> {
    await this.syncNoScheduleTaints(name);
    await this.syncLabels(name);
  }

  private async syncNoScheduleTaints(name: string): Promise<void> {
    const node = this.d.nodes.getByKey(name);
    if (!node) return;
    const { add, remove } = taintSetDiff(desiredNoScheduleTaints(node), managedNoScheduleTaints(node));
    if (!add.length && !remove.length) return;
    await this.swapNodeTaints(node, add, remove);
  }

  private async syncLabels(name: string): Promise<void> {
    const node = this.d.nodes.getByKey(name);
    const labels = node?.metadata.labels;
    if (!node || !labels) return;
    const update: Record<string, string> = {};
    for (const r of LABEL_RECONCILE) {
      const primary = labels[r.primary];
      if (primary !== undefined && labels[r.secondary] !== primary) update[r.secondary] = primary;
    }
    if (!Object.keys(update).length) return;
    try {
      await this.d.client.patchNode(name, { labels: update });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  // ---------------------------------------------------------------- pod worker

  /** processPod: a pod bound to a node that is not Ready is marked NotReady. */
  async syncPod(key: string): Promise<void> {
    const pod = this.d.pods.getByKey(key);
    const nodeName = pod?.spec?.nodeName;
    if (!pod || !nodeName) return;
    // Not yet judged by a monitor pass, or deleted: the next pass handles its pods.
    const ready = this.health.get(nodeName)?.ready;
    if (!ready || !this.d.nodes.getByKey(nodeName)) return;
    if (ready.status !== 'True') await this.markPodsNotReady([pod], nodeName);
  }

  // ---------------------------------------------------------------- monitor pass

  /** monitorNodeHealth: one pass over every cached node. */
  async monitorNodeHealth(): Promise<void> {
    const nodes = this.d.nodes.list();
    const seen = new Set<string>();
    for (const node of nodes) {
      const name = node.metadata.name as string;
      seen.add(name);
      const zone = zoneKey(node);
      if (!this.knownNodes.has(name)) {
        this.d.log.info({ node: name }, 'controller observed a new Node');
        this.recordNodeEvent(node, 'Normal', 'RegisteredNode', `Registered Node ${name} in Controller`);
        this.knownNodes.set(name, node);
        this.addZone(zone);
        await this.markNodeAsReachable(node).catch((err: unknown) => this.d.log.error({ err, node: name }, 'failed to remove taints from node'));
      } else {
        this.addZone(zone);
      }
    }
    for (const [name, node] of this.knownNodes) {
      if (seen.has(name)) continue;
      this.d.log.info({ node: name }, 'controller observed a Node deletion');
      this.recordNodeEvent(node, 'Normal', 'RemovingNode', `Removing Node ${name} from Controller`);
      this.knownNodes.delete(name);
      this.health.delete(name);
    }

    const zoneReady = new Map<string, (NodeCondition | undefined)[]>();
    await parallelize(NODE_WORKERS, nodes, async (cached) => {
      try {
        await this.monitorNode(cached, zoneReady);
      } catch (err) {
        this.d.log.error({ err, node: cached.metadata.name }, 'monitoring node health failed');
      }
    });
    await this.handleDisruption(zoneReady, nodes);
  }

  /** One node of the monitor pass: its health, its taints, its pods; its Ready condition filed under its zone. */
  private async monitorNode(cached: Node, zoneReady: Map<string, (NodeCondition | undefined)[]>): Promise<void> {
    const result = await this.updateNodeHealth(cached);
    if (!result) return;
    const { node, observedReady, currentReady } = result;
    if (!Object.hasOwn(node.metadata.labels ?? {}, LABEL_EXCLUDE_DISRUPTION)) {
      const zone = zoneKey(node);
      zoneReady.set(zone, [...(zoneReady.get(zone) ?? []), currentReady]);
    }
    if (!currentReady) return;
    const name = node.metadata.name as string;
    await this.processTaintBasedEviction(node, observedReady);
    const needsRetry = this.nodesToRetry.has(name);
    const wentNotReady = currentReady.status !== 'True' && observedReady.status === 'True';
    // The Event only once, when the status changes.
    if (wentNotReady) this.recordNodeStatusChange(node, 'NodeNotReady');
    if (wentNotReady || (needsRetry && observedReady.status !== 'True')) {
      try {
        await this.markPodsNotReady(podsOnNode(this.d.pods, name), name);
      } catch (err) {
        this.d.log.error({ err, node: name }, 'unable to mark all pods NotReady on node; queuing for retry');
        this.nodesToRetry.add(name);
        return;
      }
    }
    this.nodesToRetry.delete(name);
  }

  /**
   * Checks one node's health and writes Unknown conditions when its grace period has
   * passed, re-reading the node after a failed write (tryUpdateNodeHealth in
   * wait.PollImmediate). undefined when the node could not be updated: it is skipped
   * this pass and no pods are evicted for it.
   */
  private async updateNodeHealth(cached: Node): Promise<{ node: Node; observedReady: NodeCondition; currentReady?: NodeCondition } | undefined> {
    let node = structuredClone(cached);
    const name = node.metadata.name as string;
    for (let attempt = 1; ; attempt++) {
      const lease = this.d.leases.get(NODE_LEASE_NAMESPACE, name);
      const check = checkNodeHealth(node, this.health.get(name), lease, this.d.clock.now(), this.d.options);
      this.health.set(name, check.health);
      if (!check.update) return { node, observedReady: check.observedReady, currentReady: check.currentReady };
      try {
        await this.d.client.updateNodeStatus(check.update.node);
        this.health.set(name, check.update.health);
        return { node: check.update.node, observedReady: check.observedReady, currentReady: check.currentReady };
      } catch (err) {
        this.d.log.warn({ err, node: name, attempt }, 'error updating node status');
        if (attempt >= NODE_HEALTH_UPDATE_RETRY) break;
      }
      try {
        node = await this.d.client.getNode(name);
      } catch (err) {
        this.d.log.error({ err, node: name }, 'failed while getting a Node to retry updating node health; probably Node was deleted');
        return undefined;
      }
    }
    this.d.log.error({ node: name }, 'update health of Node from Controller failed; skipping: no pods will be evicted');
    return undefined;
  }

  /** processTaintBaseEviction: queue a node for its NoExecute taint, swap it, or lift it. */
  private async processTaintBasedEviction(node: Node, observedReady: NodeCondition): Promise<void> {
    const name = node.metadata.name as string;
    const eviction = evictionTaints(observedReady.status);
    if (eviction) {
      if (taintExists(node.spec?.taints, eviction.opposite)) {
        // Already tainted for eviction the other way: swap at once.
        await this.swapNodeTaints(node, [eviction.taint], [eviction.opposite])
          .catch((err: unknown) => this.d.log.error({ err, node: name, taint: eviction.taint.key }, 'failed to instantly swap the NoExecute taint; will try again in the next cycle'));
      } else if (this.markNodeForTainting(node, eviction.taint)) {
        this.d.log.info({ node: name, ready: observedReady.status }, 'node is not ready or unresponsive; adding it to the taint queue');
      }
      return;
    }
    if (observedReady.status !== 'True') return;
    try {
      if (await this.markNodeAsReachable(node)) this.d.log.info({ node: name }, 'node is healthy again; removed its NoExecute taints');
    } catch (err) {
      this.d.log.error({ err, node: name }, 'failed to remove taints from node; will retry in the next pass');
    }
  }

  private markNodeForTainting(node: Node, taint: Taint): boolean {
    const name = node.metadata.name as string;
    const tainter = this.tainter(zoneKey(node));
    // A node queued for the other taint is queued afresh for this one.
    if (!taintExists(node.spec?.taints, taint)) tainter.remove(name);
    return tainter.add(name, node.metadata.uid ?? '');
  }

  /** Removes both NoExecute taints and forgets the node in its zone's queue; true if it was queued. */
  private async markNodeAsReachable(node: Node): Promise<boolean> {
    const taints = node.spec?.taints;
    if (taintExists(taints, UNREACHABLE_TAINT) || taintExists(taints, NOT_READY_TAINT)) {
      await this.swapNodeTaints(node, [], [UNREACHABLE_TAINT, NOT_READY_TAINT]);
    }
    return this.tainter(zoneKey(node)).remove(node.metadata.name as string);
  }

  /** doNoExecuteTaintingPass: adds the NoExecute taint to queued nodes, as each zone's rate allows. */
  async doNoExecuteTaintingPass(): Promise<void> {
    for (const tainter of [...this.tainters.values()]) {
      await tainter.try(async ({ value }) => {
        const node = this.d.nodes.getByKey(value);
        if (!node) {
          this.d.log.info({ node: value }, 'node no longer present in the cache');
          return true;
        }
        const ready = nodeCondition(node, 'Ready');
        if (!ready) return 50;
        const eviction = evictionTaints(ready.status);
        if (!eviction) return true; // Ready again: nothing to taint.
        try {
          await this.swapNodeTaints(node, [eviction.taint], [eviction.opposite]);
          return true;
        } catch (err) {
          this.d.log.error({ err, node: value, taint: eviction.taint.key }, 'unable to taint unresponsive node');
          return 0;
        }
      });
    }
  }

  // ---------------------------------------------------------------- zones

  private addZone(zone: string): void {
    if (this.zoneStates.has(zone)) return;
    this.zoneStates.set(zone, 'Initial');
    this.tainters.set(zone, new RateLimitedTimedQueue(this.d.options.evictionQps, this.d.clock));
    this.d.log.info({ zone }, 'initializing eviction queue for zone');
  }

  private tainter(zone: string): RateLimitedTimedQueue {
    this.addZone(zone);
    return this.tainters.get(zone) as RateLimitedTimedQueue;
  }

  /** handleDisruption: each zone's state and tainting rate, and the all-zones-down mode. */
  private async handleDisruption(zoneReady: Map<string, (NodeCondition | undefined)[]>, nodes: Node[]): Promise<void> {
    const newStates = new Map<string, ZoneState>();
    let allAreFullyDisrupted = true;
    for (const [zone, conds] of zoneReady) {
      const { state } = computeZoneState(conds, this.d.options.unhealthyZoneThreshold);
      if (state !== 'FullDisruption') allAreFullyDisrupted = false;
      newStates.set(zone, state);
      if (!this.zoneStates.has(zone)) this.addZone(zone);
    }
    let allWasFullyDisrupted = true;
    for (const [zone, state] of [...this.zoneStates]) {
      if (!zoneReady.has(zone)) {
        this.zoneStates.delete(zone);
        continue;
      }
      if (state !== 'FullDisruption') {
        allWasFullyDisrupted = false;
        break;
      }
    }
    // Every zone was and still is down: stay in master disruption mode, nothing to change.
    if (allAreFullyDisrupted && allWasFullyDisrupted) return;
    if (allAreFullyDisrupted) {
      this.d.log.info('controller detected that all Nodes are not-Ready; entering master disruption mode');
      for (const node of nodes) {
        await this.markNodeAsReachable(node).catch((err: unknown) => this.d.log.error({ err, node: node.metadata.name }, 'failed to remove taints from node'));
      }
      for (const zone of this.zoneStates.keys()) {
        this.tainter(zone).swapLimiter(0);
        this.zoneStates.set(zone, 'FullDisruption');
      }
      return;
    }
    if (allWasFullyDisrupted) {
      this.d.log.info('controller detected that some Nodes are Ready; exiting master disruption mode');
      // Nodes were not heard from because the control plane was cut off: start their grace periods afresh.
      const now = this.d.clock.now();
      for (const node of nodes) {
        const h = this.health.get(node.metadata.name as string);
        if (h) this.health.set(node.metadata.name as string, { ...h, probeTimestamp: now, readyTransitionTimestamp: now });
      }
      for (const zone of this.zoneStates.keys()) {
        const state = newStates.get(zone) ?? 'Normal';
        this.tainter(zone).swapLimiter(zoneQps(state, zoneReady.get(zone)?.length ?? 0, this.d.options));
        this.zoneStates.set(zone, state);
      }
      return;
    }
    for (const [zone, old] of [...this.zoneStates]) {
      const state = newStates.get(zone);
      if (!state || state === old) continue;
      this.d.log.info({ zone, state }, 'controller detected that zone is now in new state');
      this.tainter(zone).swapLimiter(zoneQps(state, zoneReady.get(zone)?.length ?? 0, this.d.options));
      this.zoneStates.set(zone, state);
    }
  }

  // ---------------------------------------------------------------- writes

  /**
   * SwapNodeControllerTaint: adds and removes taints by patching spec.taints with the
   * resourceVersion they were computed from; on a conflict, recomputes from a fresh
   * read. The first try uses the cached node, as Kubernetes' first try reads
   * resourceVersion 0.
   */
  private async swapNodeTaints(cached: Node, add: Taint[], remove: Taint[]): Promise<void> {
    const name = cached.metadata.name as string;
    let node = cached;
    for (let attempt = 1; ; attempt++) {
      const taints = swapTaints(node.spec?.taints, add, remove, this.d.clock.now());
      if (!taints) return;
      try {
        await this.d.client.patchNode(name, { resourceVersion: node.metadata.resourceVersion, taints });
        this.d.log.debug({ node: name, add: add.map((t) => t.key), remove: remove.map((t) => t.key) }, 'swapped node taints');
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err) || attempt >= PATCH_RETRIES) throw err;
      }
      node = await this.d.client.getNode(name);
    }
  }

  /** MarkPodsNotReady: the Ready condition of each of the node's pods set False, then an Event. */
  async markPodsNotReady(pods: Pod[], nodeName: string): Promise<void> {
    const errors: unknown[] = [];
    for (const cached of pods) {
      if (cached.spec?.nodeName !== nodeName) continue;
      const ready = cached.status?.conditions?.find((c) => c.type === 'Ready');
      if (!ready) continue;
      const status = structuredClone(cached.status ?? {});
      if (!updatePodCondition(status, { ...ready, status: 'False' }, this.d.clock.now())) continue;
      const cond = status.conditions?.find((c) => c.type === 'Ready');
      if (!cond) continue;
      try {
        await this.d.client.patchPodCondition(cached, cond);
      } catch (err) {
        if (isNotFound(err)) continue;
        this.d.log.warn({ err, pod: keyOf(cached) }, 'failed to update status for pod');
        errors.push(err);
        continue;
      }
      this.d.recorder.event(podRef(cached), 'Warning', 'NodeNotReady', 'Node is not ready');
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length) throw new AggregateError(errors, `marking ${errors.length} pods NotReady on node ${nodeName} failed`);
  }

  /** RecordNodeEvent: "Node <name> event: <message>". */
  private recordNodeEvent(node: Node, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.d.recorder.event(nodeRef(node), type, reason, `Node ${node.metadata.name} event: ${message}`);
  }

  /** RecordNodeStatusChange: "Node <name> status is now: <status>". */
  private recordNodeStatusChange(node: Node, status: string): void {
    this.d.recorder.event(nodeRef(node), 'Normal', status, `Node ${node.metadata.name} status is now: ${status}`);
  }
}

/** Runs fn over items with at most n in flight (workqueue.ParallelizeUntil). */
async function parallelize<T>(n: number, items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
}
