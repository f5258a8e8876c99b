// ReplicaSetController (Kubernetes' pkg/controller/replicaset/replica_set.go): keeps
// spec.replicas active pods matching each ReplicaSet, and its status current. The same
// controller runs for ReplicationControllers through their kind adapter (kinds.ts).
//
// Data flow: ReplicaSet events enqueue the ReplicaSet; pod events enqueue the pod's
// controller (by its controllerRef), or for an orphan every ReplicaSet whose selector
// matches it, and record the creations and deletions expectations wait for. One
// reconcile per key: claim the pods (adopt/release), create or delete pods when the
// expectations are satisfied, compute status and write it when it changed.
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import { controllerRef } from '../../api/helpers/owner-refs.js';
import { isPodActive, isPodReady } from '../../api/helpers/pod.js';
import type { LabelSelectorMatcher } from '../../api/labels.js';
import type { ReplicaSet } from '../../api/types/apps.js';
import type { Pod } from '../../api/types/core.js';
import type { KubeObject, OwnerReference } from '../../api/types/meta.js';
import type { Clock } from '../../client/clock.js';
import { keyOf, splitKey, type Informer } from '../../client/informer.js';
import type { WorkQueue } from '../../client/work-queue.js';
import { controllerQueue, runQueue, type Controller } from '../controller.js';
import { CONTROLLER_UID_INDEX, controllerUIDIndexFunc, PodControllerRefManager, recheckDeletionTimestamp } from '../controller-ref-manager.js';
import { ControllerExpectations, UIDTrackingControllerExpectations } from '../expectations.js';
import type { ControllerMetrics } from '../metrics.js';
import type { PodControl } from '../pod-control.js';
import { podSelector, type ReplicaSetKind } from './kinds.js';
import { calculateStatus, nextAvailabilityCheck } from './status.js';
import { BURST_REPLICAS, manageReplicas, podKey } from './sync.js';
import { updateReplicaSetStatus, type ReplicaSetStatusClient } from './update-status.js';

/** What the controller reads of an informer (an Informer, or a filled fake cache in tests). */
export type ObjectCache<T extends KubeObject> = Pick<Informer<T>, 'addEventHandler' | 'get' | 'getByKey' | 'listByNamespace' | 'byIndex' | 'addIndexers'>;

export interface ReplicaSetControllerOptions<T extends KubeObject> {
  kind: ReplicaSetKind<T>;
  /** ReplicaSets (or ReplicationControllers), from the shared factory. */
  rsInformer: ObjectCache<T>;
  podInformer: ObjectCache<Pod>;
  /** For the uncached re-read before adopting and the status writes. */
  client: ReplicaSetStatusClient<T>;
  podControl: PodControl;
  clock: Clock;
  log: Logger;
  metrics?: ControllerMetrics;
  /** Keys reconciled at once (--concurrent-replicaset-syncs / --concurrent-rc-syncs). */
  workers?: number;
  /** Most pods created or deleted per sync (500). */
  burstReplicas?: number;
}

/**
 * Reconciles ReplicaSets (or RCs) against their pods. Handlers are added in the
 * constructor; run() works the queue once the informers have synced. reconcile(key)
 * is public for tests.
 */
export class ReplicaSetController<T extends KubeObject = ReplicaSet> implements Controller {
  readonly name: string;
  readonly queue: WorkQueue;
  readonly expectations: UIDTrackingControllerExpectations;
  private readonly kind: ReplicaSetKind<T>;
  private readonly rsCache: ObjectCache<T>;
  private readonly podCache: ObjectCache<Pod>;
  private readonly log: Logger;
  private readonly burstReplicas: number;
  /** Views and selectors of cached objects, which never change once cached (an update replaces them). */
  private readonly views = new WeakMap<T, ReplicaSet>();
  private readonly selectors = new WeakMap<ReplicaSet, LabelSelectorMatcher | Error>();

  constructor(private readonly o: ReplicaSetControllerOptions<T>) {
    this.kind = o.kind;
    this.name = o.kind.controllerName;
    this.rsCache = o.rsInformer;
    this.podCache = o.podInformer;
    this.log = o.log;
    this.burstReplicas = o.burstReplicas ?? BURST_REPLICAS;
    this.expectations = new UIDTrackingControllerExpectations(new ControllerExpectations(o.clock, o.log), o.log);
    this.queue = controllerQueue({ name: o.kind.controllerName, clock: o.clock, metrics: o.metrics });
    this.rsCache.addEventHandler({
      add: (rs) => this.queue.add(keyOf(rs)),
      update: (old, cur) => this.updateRS(old, cur),
      delete: (rs) => this.deleteRS(rs),
    });
    this.rsCache.addIndexers({ [CONTROLLER_UID_INDEX]: controllerUIDIndexFunc });
    this.podCache.addEventHandler({
      add: (pod) => this.addPod(pod),
      update: (old, cur) => this.updatePod(old, cur),
      delete: (pod) => this.deletePod(pod),
    });
  }

  run(signal: AbortSignal): Promise<void> {
    this.log.info({ controller: this.name }, 'starting controller');
    return runQueue(this.queue, (key) => this.reconcile(key), signal, {
      name: this.name, workers: this.o.workers ?? 5, log: this.log, clock: this.o.clock, metrics: this.o.metrics,
    });
  }

  private view(obj: T): ReplicaSet {
    let rs = this.views.get(obj);
    if (!rs) this.views.set(obj, (rs = this.kind.toReplicaSet(obj)));
    return rs;
  }

  /** The selector of a cached ReplicaSet, or the Error that parsing it gave. */
  private selector(rs: ReplicaSet): LabelSelectorMatcher | Error {
    let sel = this.selectors.get(rs);
    if (!sel) {
      try {
        sel = podSelector(rs);
      } catch (err) {
        sel = err instanceof Error ? err : new Error(String(err));
      }
      this.selectors.set(rs, sel);
    }
    return sel;
  }

  // ---------------------------------------------------------------- handlers

  private updateRS(old: T, cur: T): void {
    // Deleted and recreated under the same name between two events: the old one's
    // expectations must not hold up the new one.
    if (old.metadata.uid !== cur.metadata.uid) this.deleteRS(old);
    // Every update syncs (a status write, a failed create being retried...), not only
    // spec changes; syncs with unmet expectations do nothing, and they read the cache.
    this.queue.add(keyOf(cur));
  }

  private deleteRS(rs: T): void {
    const key = keyOf(rs);
    this.expectations.deleteExpectations(key);
    this.queue.add(key);
  }

  /** A new pod: its controller observed a creation; an orphan wakes those that may adopt it. */
  private addPod(pod: Pod): void {
    if (pod.metadata.deletionTimestamp) {
      // Seen for the first time already terminating (a restart of this process): a
      // deletion to observe, never a creation.
      this.deletePod(pod);
      return;
    }
    const ref = controllerRef(pod);
    if (ref) {
      const rs = this.resolveControllerRef(pod.metadata.namespace ?? '', ref);
      if (!rs) return;
      const key = keyOf(rs);
      this.expectations.creationObserved(key);
      this.queue.add(key);
      return;
    }
    // No creation is observed for an orphan: nobody is waiting for it.
    for (const rs of this.podReplicaSets(pod)) this.queue.add(keyOf(rs));
  }

  /**
   * A changed pod wakes its controller, and its old controller if that changed; an
   * orphan whose labels or ownership changed wakes every ReplicaSet now matching it.
   */
  private updatePod(old: Pod, cur: Pod): void {
    if (cur.metadata.resourceVersion === old.metadata.resourceVersion) return;
    const labelChanged = !isDeepStrictEqual(cur.metadata.labels ?? {}, old.metadata.labels ?? {});
    if (cur.metadata.deletionTimestamp) {
      // A graceful deletion starts: replace the pod now, not when the kubelet is done.
      this.deletePod(cur);
      if (labelChanged) this.deletePod(old);
      return;
    }
    const curRef = controllerRef(cur);
    const oldRef = controllerRef(old);
    const refChanged = !isDeepStrictEqual(curRef, oldRef);
    if (refChanged && oldRef) {
      const rs = this.resolveControllerRef(old.metadata.namespace ?? '', oldRef);
      if (rs) this.queue.add(keyOf(rs));
    }
    if (curRef) {
      const obj = this.resolveControllerRef(cur.metadata.namespace ?? '', curRef);
      if (!obj) return;
      const key = keyOf(obj);
      this.queue.add(key);
      const minReadySeconds = this.view(obj).spec?.minReadySeconds ?? 0;
      if (!isPodReady(old) && isPodReady(cur) && minReadySeconds > 0) {
        // Sync again once it has been ready minReadySeconds, to count it available;
        // one second more to be past the boundary despite timestamp rounding.
        this.queue.addAfter(key, (minReadySeconds + 1) * 1000);
      }
      return;
    }
    if (labelChanged || refChanged) for (const rs of this.podReplicaSets(cur)) this.queue.add(keyOf(rs));
  }

  /**
   * A pod gone (or terminating): its controller observed a deletion. The object may be
   * the last state the cache knew (an informer relist that found it missing, the
   * counterpart of a tombstone); its key and controllerRef are all that is needed.
   */
  private deletePod(pod: Pod): void {
    const ref = controllerRef(pod);
    if (!ref) return; // no controller cares about an orphan being deleted
    const rs = this.resolveControllerRef(pod.metadata.namespace ?? '', ref);
    if (!rs) return;
    const key = keyOf(rs);
    this.expectations.deletionObserved(key, podKey(pod));
    this.queue.add(key);
  }

  /** The ReplicaSet a controllerRef names: right kind, name, and the same uid. */
  private resolveControllerRef(namespace: string, ref: OwnerReference): T | undefined {
    if (ref.kind !== this.kind.kind) return undefined;
    const obj = this.rsCache.get(namespace, ref.name);
    return obj && obj.metadata.uid === ref.uid ? obj : undefined;
  }

  /** GetPodReplicaSets: the ReplicaSets of the pod's namespace whose selector matches its labels. */
  private podReplicaSets(pod: Pod): T[] {
    const labels = pod.metadata.labels;
    if (!labels || Object.keys(labels).length === 0) return [];
    const out = this.rsCache.listByNamespace(pod.metadata.namespace ?? '').filter((obj) => {
      const sel = this.selector(this.view(obj));
      return !(sel instanceof Error) && !sel.empty() && sel.matches(labels);
    });
    if (out.length > 1) {
      this.log.warn({ pod: podKey(pod), labels, matching: out.map(keyOf) }, `user error! more than one ${this.kind.kind} is selecting pods with labels`);
    }
    return out;
  }

  /** The pods of every ReplicaSet that has the same controller as rs (getIndirectlyRelatedPods). */
  private indirectlyRelatedPods(rs: ReplicaSet): Pod[] {
    const ref = controllerRef(rs);
    if (!ref) return []; // a ReplicaSet of its own: no siblings
    const seen = new Set<string>();
    const related: Pod[] = [];
    for (const sibling of this.rsCache.byIndex(CONTROLLER_UID_INDEX, ref.uid)) {
      const sel = this.selector(this.view(sibling));
      if (sel instanceof Error) continue;
      for (const pod of this.podCache.listByNamespace(sibling.metadata.namespace ?? '')) {
        const uid = pod.metadata.uid ?? podKey(pod);
        if (seen.has(uid) || !sel.matches(pod.metadata.labels)) continue;
        seen.add(uid);
        related.push(pod);
      }
    }
    return related;
  }

  // ---------------------------------------------------------------- reconcile

  /**
   * syncReplicaSet. Resolves when the ReplicaSet is in the state asked for (or gone);
   * rejects to be retried with backoff: a failed claim, create, delete or status write.
   */
  async reconcile(key: string): Promise<void> {
    const started = this.o.clock.now();
    try {
      await this.sync(key);
    } finally {
      this.log.debug({ kind: this.kind.kind, key, ms: this.o.clock.now() - started }, 'finished syncing');
    }
  }

  private async sync(key: string): Promise<void> {
    const obj = this.rsCache.getByKey(key);
    if (!obj) {
      this.expectations.deleteExpectations(key);
      return;
    }
    const rs = this.view(obj);
    const needsSync = this.expectations.satisfiedExpectations(key);
    const selector = this.selector(rs);
    if (selector instanceof Error) {
      // Retrying cannot fix a selector; the next update of the object will bring it back.
      this.log.error({ err: selector, key, kind: this.kind.kind }, 'invalid pod selector');
      return;
    }
    const { namespace } = splitKey(key);
    // Every active pod of the namespace, so pods that stopped matching but still name
    // this ReplicaSet as controller are found and released.
    const active = this.podCache.listByNamespace(namespace).filter(isPodActive);
    const claimed = await this.claimPods(obj, rs, selector, active);

    let manageErr: unknown;
    if (needsSync && !rs.metadata.deletionTimestamp) {
      try {
        await manageReplicas(claimed, {
          key, rs, owner: obj, kind: this.kind, expectations: this.expectations, podControl: this.o.podControl,
          burstReplicas: this.burstReplicas, relatedPods: () => this.indirectlyRelatedPods(rs), now: this.o.clock.now(), log: this.log,
        });
      } catch (err) {
        manageErr = err;
      }
    }
    const now = this.o.clock.now();
    const status = calculateStatus(rs, claimed, manageErr, now);
    const updated = await updateReplicaSetStatus(this.o.client, this.kind, obj, rs, status);
    if (manageErr === undefined) {
      // Sync again when the next ready pod becomes available, to count it.
      const wait = nextAvailabilityCheck(claimed, updated.spec?.minReadySeconds ?? 0, now);
      if (wait !== undefined) this.queue.addAfter(key, wait);
      return;
    }
    // Retried with backoff whatever it was: even a refusal (a quota, a forbidden
    // create) can clear, so it must not read as a permanent error to runWorkers.
    throw new Error(`sync ${JSON.stringify(key)} failed: ${manageErr instanceof Error ? manageErr.message : String(manageErr)}`, { cause: manageErr });
  }

  /** claimPods: adopt and release through a PodControllerRefManager whose adoptions are checked by an uncached read. */
  private claimPods(obj: T, rs: ReplicaSet, selector: LabelSelectorMatcher, pods: Pod[]): Promise<Pod[]> {
    const { namespace = '', name = '', uid } = rs.metadata;
    const canAdopt = recheckDeletionTimestamp(async () => {
      const fresh = await this.o.client.get(namespace, name);
      if (fresh.metadata.uid !== uid) {
        throw new Error(`original ${this.kind.kind} ${namespace}/${name} is gone: got uid ${fresh.metadata.uid ?? ''}, wanted ${uid ?? ''}`);
      }
      return fresh;
    });
    const manager = new PodControllerRefManager({
      podControl: this.o.podControl, controller: obj, selector, kind: this.kind, canAdopt,
    });
    return manager.claimPods(pods);
  }
}
