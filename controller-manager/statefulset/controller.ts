// StatefulSetController (Kubernetes' pkg/controller/statefulset/stateful_set.go):
// wiring and handlers. StatefulSet events enqueue the set; pod events enqueue the pod's
// controller (by its controllerRef), or for an orphan every set whose selector matches
// it. One reconcile per key: adopt orphan revisions, claim the pods (adopt orphans
// named "<set>-<n>", release those that stopped matching), then one sync by
// StatefulSetControl (control.ts). Pod names are fixed, so no expectations are needed:
// a create the cache has not seen yet fails with AlreadyExists and is retried.
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import { isConflict } from '../../api/errors.js';
import { controllerRef } from '../../api/helpers/owner-refs.js';
import { isPodReady } from '../../api/helpers/pod.js';
import { selectorFromLabelSelector, type LabelSelectorMatcher } from '../../api/labels.js';
import type { ControllerRevision, StatefulSet, StatefulSetStatus } from '../../api/types/apps.js';
import type { PersistentVolumeClaim, Pod } from '../../api/types/core.js';
import type { OwnerReference } from '../../api/types/meta.js';
import type { Clock } from '../../client/clock.js';
import { keyOf, splitKey } from '../../client/informer.js';
import type { WorkQueue } from '../../client/work-queue.js';
import { controllerQueue, runQueue, type Controller } from '../controller.js';
import { PodControllerRefManager, recheckDeletionTimestamp } from '../controller-ref-manager.js';
import { ControllerRevisionRefManager, type ControllerRevisionClient } from '../history/index.js';
import type { ControllerMetrics } from '../metrics.js';
import type { PodControl } from '../pod-control.js';
import type { ObjectCache } from '../replicaset/controller.js';
import { StatefulSetControl, type StatefulSetStatusUpdater } from './control.js';
import { StatefulPodControl, type StatefulObjectManager } from './pod-control.js';
import { isMemberOf, replicasOf, statefulSetKind } from './utils.js';

/** The API calls of the controller on sets (the uncached re-read before adopting, the status writes). */
export interface StatefulSetClient {
  get(namespace: string, name: string): Promise<StatefulSet>;
  updateStatus(namespace: string, set: StatefulSet): Promise<StatefulSet>;
}

export interface StatefulSetControllerOptions {
  setInformer: ObjectCache<StatefulSet>;
  podInformer: ObjectCache<Pod>;
  revisionInformer: ObjectCache<ControllerRevision>;
  claimInformer: ObjectCache<PersistentVolumeClaim>;
  client: StatefulSetClient;
  revisions: ControllerRevisionClient;
  /** Pod and claim writes (claims read from claimInformer by the caller's StatefulObjectManager). */
  objects: StatefulObjectManager;
  /** Adoption and release patches of pods. */
  podControl: PodControl;
  recorder: ConstructorParameters<typeof StatefulPodControl>[1];
  clock: Clock;
  log: Logger;
  metrics?: ControllerMetrics;
  /** --concurrent-statefulset-syncs (5). */
  workers?: number;
}

export const CONTROLLER_NAME = 'statefulset-controller';

export class StatefulSetController implements Controller {
  readonly name = CONTROLLER_NAME;
  readonly queue: WorkQueue;
  readonly control: StatefulSetControl;
  private readonly log: Logger;

  constructor(private readonly o: StatefulSetControllerOptions) {
    this.log = o.log;
    this.queue = controllerQueue({ name: CONTROLLER_NAME, clock: o.clock, metrics: o.metrics });
    this.control = new StatefulSetControl({
      podControl: new StatefulPodControl(o.objects, o.recorder),
      statusUpdater: this.statusUpdater(),
      revisions: o.revisions,
      now: () => o.clock.now(),
      log: o.log,
    });
    o.setInformer.addEventHandler({
      add: (set) => this.queue.add(keyOf(set)),
      update: (_old, cur) => this.queue.add(keyOf(cur)),
      delete: (set) => this.queue.add(keyOf(set)),
    });
    o.podInformer.addEventHandler({
      add: (pod) => this.addPod(pod),
      update: (old, cur) => this.updatePod(old, cur),
      delete: (pod) => this.deletePod(pod),
    });
    // Revisions and claims are read from their caches when a set syncs; their own
    // events need not wake it (the StatefulSet controller registers no handler either).
    void o.revisionInformer;
    void o.claimInformer;
  }

  run(signal: AbortSignal): Promise<void> {
    this.log.info({ controller: this.name }, 'starting controller');
    return runQueue(this.queue, (key) => this.reconcile(key), signal, {
      name: this.name, workers: this.o.workers ?? 5, log: this.log, clock: this.o.clock, metrics: this.o.metrics,
    });
  }

  // ---------------------------------------------------------------- handlers

  private addPod(pod: Pod): void {
    if (pod.metadata.deletionTimestamp) {
      this.deletePod(pod);
      return;
    }
    const ref = controllerRef(pod);
    if (ref) {
      const set = this.resolveControllerRef(pod.metadata.namespace ?? '', ref);
      if (set) this.queue.add(keyOf(set));
      return;
    }
    for (const set of this.podStatefulSets(pod)) this.queue.add(keyOf(set));
  }

  private updatePod(old: Pod, cur: Pod): void {
    if (cur.metadata.resourceVersion === old.metadata.resourceVersion) return;
    const labelChanged = !isDeepStrictEqual(cur.metadata.labels ?? {}, old.metadata.labels ?? {});
    const curRef = controllerRef(cur);
    const oldRef = controllerRef(old);
    const refChanged = !isDeepStrictEqual(curRef, oldRef);
    if (refChanged && oldRef) {
      const set = this.resolveControllerRef(old.metadata.namespace ?? '', oldRef);
      if (set) this.queue.add(keyOf(set));
    }
    if (curRef) {
      const set = this.resolveControllerRef(cur.metadata.namespace ?? '', curRef);
      if (!set) return;
      this.queue.add(keyOf(set));
      const minReadySeconds = set.spec?.minReadySeconds ?? 0;
      // Sync again once it has been ready minReadySeconds (one more second against
      // timestamp rounding), to count it available and let the next ordinal go.
      if (!isPodReady(old) && isPodReady(cur) && minReadySeconds > 0) this.queue.addAfter(keyOf(set), (minReadySeconds + 1) * 1000);
      return;
    }
    if (labelChanged || refChanged) for (const set of this.podStatefulSets(cur)) this.queue.add(keyOf(set));
  }

  private deletePod(pod: Pod): void {
    const ref = controllerRef(pod);
    if (!ref) return;
    const set = this.resolveControllerRef(pod.metadata.namespace ?? '', ref);
    if (set) this.queue.add(keyOf(set));
  }

  private resolveControllerRef(namespace: string, ref: OwnerReference): StatefulSet | undefined {
    if (ref.kind !== statefulSetKind.kind) return undefined;
    const set = this.o.setInformer.get(namespace, ref.name);
    return set && set.metadata.uid === ref.uid ? set : undefined;
  }

  /** getPodStatefulSets: the sets of the pod's namespace whose selector matches it. */
  private podStatefulSets(pod: Pod): StatefulSet[] {
    const labels = pod.metadata.labels;
    if (!labels || Object.keys(labels).length === 0) return [];
    const out = this.o.setInformer.listByNamespace(pod.metadata.namespace ?? '').filter((set) => {
      const sel = safeSelector(set);
      return sel !== undefined && !sel.empty() && sel.matches(labels);
    });
    if (out.length > 1) {
      this.log.warn({ pod: `${pod.metadata.namespace}/${pod.metadata.name}`, labels, matching: out.map(keyOf) }, 'user error: more than one StatefulSet is selecting pods with labels');
    }
    return out;
  }

  // ---------------------------------------------------------------- reconcile

  /** sync: resolves when the set is handled (or gone); rejects to be retried with backoff. */
  async reconcile(key: string): Promise<void> {
    const set = this.o.setInformer.getByKey(key);
    if (!set) return;
    let selector: LabelSelectorMatcher;
    try {
      selector = selectorFromLabelSelector(set.spec?.selector);
    } catch (err) {
      // Retrying cannot fix a selector; the next update of the set brings it back.
      this.log.error({ err, statefulSet: key }, 'error converting StatefulSet selector');
      return;
    }
    const canAdopt = this.canAdopt(set);
    const revisions = await this.claimRevisions(set, selector, canAdopt);
    const { namespace } = splitKey(key);
    const manager = new PodControllerRefManager({
      podControl: this.o.podControl,
      controller: set, selector, kind: statefulSetKind, canAdopt,
    });
    // Every pod of the namespace, so pods that stopped matching but name this set as
    // controller are released; only pods named "<set>-<n>" are claimed.
    const pods = await manager.claimPods(this.o.podInformer.listByNamespace(namespace), (pod) => isMemberOf(set, pod));
    const status = await this.control.updateStatefulSet(set, pods, revisions);
    const minReadySeconds = set.spec?.minReadySeconds ?? 0;
    // One more sync against clock skew while pods still wait to become available.
    if (minReadySeconds > 0 && status && (status.availableReplicas ?? 0) !== replicasOf(set)) {
      this.queue.addAfter(key, minReadySeconds * 1000);
    }
  }

  /**
   * ListRevisions + adoptOrphanRevisions: the revisions of the set's namespace its
   * selector matches that it owns or that nobody owns, orphans adopted.
   */
  private async claimRevisions(set: StatefulSet, selector: LabelSelectorMatcher, canAdopt: () => Promise<void>): Promise<ControllerRevision[]> {
    const all = this.o.revisionInformer.listByNamespace(set.metadata.namespace ?? '').filter((r) => selector.matches(r.metadata.labels));
    const owned = all.filter((r) => {
      const ref = controllerRef(r);
      return !ref || ref.uid === set.metadata.uid;
    });
    if (!owned.some((r) => !controllerRef(r))) return owned;
    const manager = new ControllerRevisionRefManager({
      client: { patch: (ns, name, patch) => this.o.revisions.patch(ns, name, patch) }, controller: set, selector, kind: statefulSetKind, canAdopt,
    });
    return manager.claimControllerRevisions(owned);
  }

  /** canAdoptFunc: an uncached read showing the set is still this one and not being deleted. */
  private canAdopt(set: StatefulSet): () => Promise<void> {
    const { namespace = '', name = '', uid } = set.metadata;
    return recheckDeletionTimestamp(async () => {
      const fresh = await this.o.client.get(namespace, name);
      if (fresh.metadata.uid !== uid) throw new Error(`original StatefulSet ${namespace}/${name} is gone: got uid ${fresh.metadata.uid ?? ''}, wanted ${uid ?? ''}`);
      return fresh;
    });
  }

  /** realStatefulSetStatusUpdater: a conflict is retried on the cached copy (client-go's retry.DefaultRetry: 5 tries). */
  private statusUpdater(): StatefulSetStatusUpdater {
    return {
      updateStatefulSetStatus: async (set: StatefulSet, status: StatefulSetStatus): Promise<void> => {
        let current = set;
        for (let attempt = 0; ; attempt++) {
          current.status = { ...status };
          try {
            await this.o.client.updateStatus(current.metadata.namespace ?? '', current);
            return;
          } catch (err) {
            if (!isConflict(err) || attempt >= 4) throw err;
            const cached = this.o.setInformer.get(current.metadata.namespace ?? '', current.metadata.name ?? '');
            if (!cached) throw err;
            current = structuredClone(cached);
          }
        }
      },
    };
  }
}

function safeSelector(set: StatefulSet): LabelSelectorMatcher | undefined {
  try {
    return selectorFromLabelSelector(set.spec?.selector);
  } catch {
    return undefined;
  }
}
