// The DaemonSet controller (Kubernetes' pkg/controller/daemon/daemon_controller.go):
// wiring, event handlers and syncDaemonSet. Handlers only enqueue DaemonSet keys: a
// DaemonSet changed; a pod or ControllerRevision of one changed (by its controllerRef;
// an orphan wakes every DaemonSet whose selector matches it); a node appeared, or
// changed in a way that changes which DaemonSets should run on it.
//
// syncDaemonSet, in Kubernetes' order: claim the pods and revisions; find or create the
// current revision (its hash labels new pods); when the expectations of the last sync
// are met: manage (one pod per eligible node), then one step of the RollingUpdate
// strategy (OnDelete waits for pods to be deleted by hand), then trim the history; last,
// the status.
import type { Logger } from 'pino';
import { isConflict } from '../../api/errors.js';
import { controllerRef } from '../../api/helpers/owner-refs.js';
import { isPodReady, isPodTerminal } from '../../api/helpers/pod.js';
import { selectorFromLabelSelector, type LabelSelectorMatcher } from '../../api/labels.js';
import type { ControllerRevision, DaemonSet } from '../../api/types/apps.js';
import type { Node, Pod } from '../../api/types/core.js';
import type { OwnerReference } from '../../api/types/meta.js';
import type { Clock } from '../../client/clock.js';
import { keyOf, splitKey, type Informer } from '../../client/informer.js';
import { resourceClient } from '../../client/resource-client.js';
import type { WorkQueue } from '../../client/work-queue.js';
import { controllerQueue, runQueue, type Controller } from '../controller.js';
import type { ControllerDescriptor } from '../controllers.js';
import { PodControllerRefManager, recheckDeletionTimestamp } from '../controller-ref-manager.js';
import { ControllerExpectations } from '../expectations.js';
import { CONTROLLER_REVISION_HASH_LABEL } from '../history/index.js';
import type { ControllerMetrics } from '../metrics.js';
import { RealPodControl, isNamespaceTerminating, type PodControl } from '../pod-control.js';
import { restDaemonSetClient, type DaemonSetClient } from './client.js';
import { cleanupHistory, constructHistory, CONTROLLER_KIND } from './history.js';
import { BURST_REPLICAS, calculateCounts, manage, nodesToDaemonPods, storeStatus, syncNodes, type EventSink, type ManageContext } from './sync.js';
import { planRollingUpdate } from './update.js';
import { FailedPodsBackoff, nodeShouldRunDaemonPod, targetNodeName } from './util.js';

export const NAME = 'daemonset-controller';
/** The Events' source component, as Kubernetes' daemon set controller records them. */
export const EVENT_SOURCE = 'daemonset-controller';

type Cache<T extends DaemonSet | ControllerRevision | Pod | Node> = Pick<Informer<T>, 'addEventHandler' | 'get' | 'getByKey' | 'list' | 'listByNamespace'>;

export interface DaemonSetControllerOptions {
  daemonSets: Cache<DaemonSet>;
  revisions: Cache<ControllerRevision>;
  pods: Cache<Pod>;
  nodes: Cache<Node>;
  client: DaemonSetClient;
  podControl: PodControl;
  recorder: EventSink;
  clock: Clock;
  log: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
  metrics?: ControllerMetrics;
  /** --concurrent-daemonset-syncs. */
  workers: number;
  burstReplicas?: number;
}

/**
 * NewDaemonSetsController: handlers on the shared DaemonSet, ControllerRevision, pod and
 * node informers that enqueue DaemonSet keys; run() works the queue. reconcile is public
 * for tests.
 */
export class DaemonSetController implements Controller {
  readonly name = NAME;
  readonly queue: WorkQueue;
  readonly expectations: ControllerExpectations;
  readonly backoff = new FailedPodsBackoff();
  private readonly log: DaemonSetControllerOptions['log'];

  constructor(private readonly o: DaemonSetControllerOptions) {
    this.log = o.log;
    this.expectations = new ControllerExpectations(o.clock, o.log as Logger);
    this.queue = controllerQueue({ name: 'daemonset', clock: o.clock, metrics: o.metrics });
    o.daemonSets.addEventHandler({
      add: (ds) => this.enqueue(ds),
      update: (old, cur) => {
        if (old.metadata.uid !== cur.metadata.uid) this.expectations.deleteExpectations(keyOf(old));
        this.enqueue(cur);
      },
      delete: (ds) => {
        this.expectations.deleteExpectations(keyOf(ds));
        this.enqueue(ds);
      },
    });
    o.revisions.addEventHandler({
      add: (cr) => this.addRevision(cr),
      update: (old, cur) => this.updateRevision(old, cur),
      delete: (cr) => this.ownerOf(cr),
    });
    o.pods.addEventHandler({
      add: (pod) => this.addPod(pod),
      update: (old, cur) => this.updatePod(old, cur),
      delete: (pod) => this.deletePod(pod),
    });
    o.nodes.addEventHandler({
      add: (node) => this.addNode(node),
      update: (old, cur) => this.updateNode(old, cur),
      // Not in Kubernetes (it waits for a resync); a gone node changes the counts now.
      delete: () => { for (const ds of o.daemonSets.list()) this.enqueue(ds); },
    });
  }

  run(signal: AbortSignal): Promise<void> {
    const gc = setInterval(() => this.backoff.gc(this.o.clock.now()), 60_000);
    gc.unref();
    signal.addEventListener('abort', () => clearInterval(gc), { once: true });
    return runQueue(this.queue, (key) => this.reconcile(key), signal, {
      name: NAME, workers: this.o.workers, log: this.log as Logger, clock: this.o.clock, metrics: this.o.metrics,
    });
  }

  private enqueue(ds: DaemonSet): void {
    this.queue.add(keyOf(ds));
  }

  // ---------------------------------------------------------------- handlers

  /** resolveControllerRef: the DaemonSet a controllerRef names, if it is still that one (uid). */
  private resolve(namespace: string | undefined, ref: OwnerReference): DaemonSet | undefined {
    if (ref.kind !== CONTROLLER_KIND.kind) return undefined;
    const ds = this.o.daemonSets.get(namespace ?? '', ref.name);
    return ds?.metadata.uid === ref.uid ? ds : undefined;
  }

  /** The DaemonSets whose selector matches an orphan's labels (getDaemonSetsForPod / ForHistory). */
  private matching(obj: Pod | ControllerRevision): DaemonSet[] {
    const labels = obj.metadata.labels;
    if (!labels || Object.keys(labels).length === 0) return [];
    const out = this.o.daemonSets.listByNamespace(obj.metadata.namespace ?? '').filter((ds) => {
      try {
        const sel = selectorFromLabelSelector(ds.spec?.selector);
        return !sel.empty() && sel.matches(labels);
      } catch {
        return false;
      }
    });
    if (out.length > 1) this.log.warn({ object: keyOf(obj), labels, matching: out.map(keyOf) }, 'user error! more than one daemon is selecting pods with labels');
    return out;
  }

  private ownerOf(obj: Pod | ControllerRevision): DaemonSet | undefined {
    const ref = controllerRef(obj);
    const ds = ref ? this.resolve(obj.metadata.namespace, ref) : undefined;
    if (ds) this.enqueue(ds);
    return ds;
  }

  private addRevision(cr: ControllerRevision): void {
    if (cr.metadata.deletionTimestamp) return;
    if (controllerRef(cr)) {
      this.ownerOf(cr);
      return;
    }
    for (const ds of this.matching(cr)) this.enqueue(ds);
  }

  private updateRevision(old: ControllerRevision, cur: ControllerRevision): void {
    if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
    const curRef = controllerRef(cur);
    const oldRef = controllerRef(old);
    if (oldRef && JSON.stringify(oldRef) !== JSON.stringify(curRef ?? null)) this.ownerOf(old);
    if (curRef) {
      this.ownerOf(cur);
      return;
    }
    for (const ds of this.matching(cur)) this.enqueue(ds);
  }

  private addPod(pod: Pod): void {
    if (pod.metadata.deletionTimestamp) {
      // Seen first already terminating (a restart): a deletion to observe.
      this.deletePod(pod);
      return;
    }
    const ref = controllerRef(pod);
    if (ref) {
      const ds = this.resolve(pod.metadata.namespace, ref);
      if (!ds) return;
      this.expectations.creationObserved(keyOf(ds));
      this.enqueue(ds);
      return;
    }
    for (const ds of this.matching(pod)) this.enqueue(ds);
  }

  private updatePod(old: Pod, cur: Pod): void {
    if (cur.metadata.resourceVersion === old.metadata.resourceVersion) return;
    if (cur.metadata.deletionTimestamp) {
      // A graceful deletion starts: replace the pod now, not when the kubelet is done.
      this.deletePod(cur);
      return;
    }
    const curRef = controllerRef(cur);
    const oldRef = controllerRef(old);
    const refChanged = JSON.stringify(curRef ?? null) !== JSON.stringify(oldRef ?? null);
    if (refChanged && oldRef) this.ownerOf(old);
    if (curRef) {
      const ds = this.resolve(cur.metadata.namespace, curRef);
      if (!ds) return;
      this.enqueue(ds);
      const minReady = ds.spec?.minReadySeconds ?? 0;
      // Sync again once it has been ready minReadySeconds, to count it available.
      if (!isPodReady(old) && isPodReady(cur) && minReady > 0) this.queue.addAfter(keyOf(ds), (minReady + 1) * 1000);
      return;
    }
    const labelsChanged = JSON.stringify(cur.metadata.labels ?? {}) !== JSON.stringify(old.metadata.labels ?? {});
    if (labelsChanged || refChanged) for (const ds of this.matching(cur)) this.enqueue(ds);
  }

  private deletePod(pod: Pod): void {
    const ref = controllerRef(pod);
    if (!ref) return;
    const ds = this.resolve(pod.metadata.namespace, ref);
    if (!ds) return;
    this.expectations.deletionObserved(keyOf(ds));
    this.enqueue(ds);
  }

  private addNode(node: Node): void {
    for (const ds of this.o.daemonSets.list()) if (nodeShouldRunDaemonPod(node, ds).shouldRun) this.enqueue(ds);
  }

  private updateNode(old: Node, cur: Node): void {
    if (shouldIgnoreNodeUpdate(old, cur)) return;
    for (const ds of this.o.daemonSets.list()) {
      const a = nodeShouldRunDaemonPod(old, ds);
      const b = nodeShouldRunDaemonPod(cur, ds);
      if (a.shouldRun !== b.shouldRun || a.shouldContinueRunning !== b.shouldContinueRunning) this.enqueue(ds);
    }
  }

  // ---------------------------------------------------------------- sync

  /** syncDaemonSet for key; rejects to be retried with backoff. */
  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const cached = this.o.daemonSets.get(namespace, name);
    if (!cached) {
      this.log.debug({ daemonSet: key }, 'DaemonSet has been deleted');
      this.expectations.deleteExpectations(key);
      return;
    }
    const ds = structuredClone(cached);
    try {
      await this.syncDaemonSet(key, ds);
    } catch (err) {
      if (isNamespaceTerminating(err)) return;
      if (isConflict(err)) {
        // The cache has yet to see the newer object; its event queues this key again.
        this.log.debug({ daemonSet: key, err }, 'conflict; waiting for the cache to catch up');
        return;
      }
      throw err;
    }
  }

  private async syncDaemonSet(key: string, ds: DaemonSet): Promise<void> {
    const sel = ds.spec?.selector;
    if (sel && Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0) {
      this.o.recorder.event(ds, 'Warning', 'SelectingAll', 'This daemon set is selecting all pods. A non-empty selector is required.');
      return;
    }
    // Its revisions may be going away with it: no rollout can be trusted.
    if (ds.metadata.deletionTimestamp) return;
    let selector: LabelSelectorMatcher;
    try {
      selector = selectorFromLabelSelector(sel);
    } catch (err) {
      this.log.error({ daemonSet: key, err }, 'invalid label selector');
      return;
    }
    const nodes = this.o.nodes.list();
    const pods = await this.claimPods(ds, selector);
    const { cur, old } = await constructHistory(
      { client: this.o.client, revisionsInNamespace: (ns) => this.o.revisions.listByNamespace(ns), log: this.log },
      ds, selector, () => pods,
    );
    const hash = cur.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? '';
    const nodeToPods = (): Map<string, Pod[]> => nodesToDaemonPods(
      pods.filter((p) => !(isPodTerminal(p) && p.metadata.deletionTimestamp)), targetNodeName,
    );

    if (!this.expectations.satisfiedExpectations(key)) {
      // Not acting on this generation: status only, observedGeneration unchanged.
      await this.updateStatus(ds, nodes, nodeToPods(), hash, false);
      return;
    }
    let err: unknown;
    try {
      const ctx = this.manageContext(key, ds);
      await manage(ctx, ds, nodes, nodeToPods(), hash);
      if (this.expectations.satisfiedExpectations(key) && ds.spec?.updateStrategy?.type === 'RollingUpdate') {
        const plan = planRollingUpdate(ds, nodes, nodeToPods(), hash, this.o.clock.now());
        await syncNodes(ctx, ds, plan.podsToDelete, plan.nodesToCreate, hash);
      }
      await cleanupHistory(
        { client: this.o.client, revisionsInNamespace: (ns) => this.o.revisions.listByNamespace(ns), log: this.log },
        ds, old, pods,
      ).catch((e: unknown) => { throw new Error(`failed to clean up revisions of DaemonSet: ${(e as Error).message}`, { cause: e }); });
    } catch (e) {
      err = e;
    }
    try {
      await this.updateStatus(ds, nodes, nodeToPods(), hash, true);
    } catch (statusErr) {
      if (err === undefined) throw statusErr;
      this.log.error({ daemonSet: key, err: statusErr }, 'failed to update status');
    }
    if (err !== undefined) throw err;
  }

  private manageContext(key: string, ds: DaemonSet): ManageContext {
    return {
      key, podControl: this.o.podControl, expectations: this.expectations, backoff: this.backoff, recorder: this.o.recorder,
      now: this.o.clock.now(), enqueueAfter: (ms) => this.queue.addAfter(keyOf(ds), ms),
      burstReplicas: this.o.burstReplicas ?? BURST_REPLICAS, log: this.log,
    };
  }

  /** updateDaemonSetStatus: the counts, written when changed; requeued after minReadySeconds while some ready pod is not yet available. */
  private async updateStatus(ds: DaemonSet, nodes: Node[], nodeToPods: Map<string, Pod[]>, hash: string, updateObservedGen: boolean): Promise<void> {
    const counts = calculateCounts(ds, nodes, nodeToPods, hash, this.o.clock.now());
    await storeStatus(this.o.client, ds, counts, updateObservedGen);
    const minReady = ds.spec?.minReadySeconds ?? 0;
    if (minReady > 0 && counts.numberReady !== counts.numberAvailable) this.queue.addAfter(keyOf(ds), minReady * 1000);
  }

  /** getDaemonPods: the namespace's pods ds owns after adopting matching orphans and releasing owned ones that stopped matching. */
  private claimPods(ds: DaemonSet, selector: LabelSelectorMatcher): Promise<Pod[]> {
    const namespace = ds.metadata.namespace ?? '';
    const manager = new PodControllerRefManager({
      podControl: this.o.podControl, controller: ds, selector, kind: CONTROLLER_KIND,
      canAdopt: recheckDeletionTimestamp(async () => {
        const fresh = await this.o.client.getDaemonSet(namespace, ds.metadata.name ?? '');
        if (fresh.metadata.uid !== ds.metadata.uid) {
          throw new Error(`original DaemonSet ${namespace}/${ds.metadata.name ?? ''} is gone: got uid ${fresh.metadata.uid ?? ''}, wanted ${ds.metadata.uid ?? ''}`);
        }
        return fresh;
      }),
    });
    return manager.claimPods(this.o.pods.listByNamespace(namespace));
  }
}

/**
 * shouldIgnoreNodeUpdate: an update that changes nothing but the resourceVersion and
 * the conditions' heartbeat times (the kubelet's status reports) cannot change where
 * daemon pods should run.
 */
export function shouldIgnoreNodeUpdate(old: Node, cur: Node): boolean {
  const conditions = (n: Node): string => JSON.stringify((n.status?.conditions ?? []).map((c) => [c.type, c.status]));
  if (conditions(old) !== conditions(cur)) return false;
  const strip = (n: Node): unknown => ({
    ...n, metadata: { ...n.metadata, resourceVersion: undefined, managedFields: undefined },
    status: { ...(n.status ?? {}), conditions: undefined },
  });
  return JSON.stringify(strip(old)) === JSON.stringify(strip(cur));
}

export const daemonSetControllerDescriptor: ControllerDescriptor = {
  name: NAME,
  aliases: ['daemonset'],
  serviceAccountName: 'daemon-set-controller',
  flags: [{
    name: 'concurrent-daemonset-syncs', kind: 'int', default: '2',
    description: 'The number of daemonset objects that are allowed to sync concurrently. Larger number = more responsive daemonsets, but more CPU (and network) load',
  }],
  create(ctx) {
    const log = ctx.log.child({ controller: NAME });
    const recorder = ctx.recorder(EVENT_SOURCE);
    return new DaemonSetController({
      daemonSets: ctx.informers.informer<DaemonSet>('daemonsets'),
      revisions: ctx.informers.informer<ControllerRevision>('controllerrevisions'),
      pods: ctx.informers.informer<Pod>('pods'),
      nodes: ctx.informers.informer<Node>('nodes'),
      client: restDaemonSetClient(ctx.rest),
      podControl: new RealPodControl(resourceClient<Pod>(ctx.rest, 'pods'), recorder, log),
      recorder,
      clock: ctx.clock,
      log,
      metrics: ctx.metrics,
      workers: ctx.options.int('concurrent-daemonset-syncs'),
    });
  },
};
