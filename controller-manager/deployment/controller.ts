// The Deployment controller (Kubernetes' pkg/controller/deployment/deployment_controller.go):
// wiring and event handlers. Deployments are synced by key; a ReplicaSet event wakes the
// Deployment that controls it (or, for an orphan, every Deployment whose selector
// matches it, one of which may adopt it); a deleted pod wakes a Recreate Deployment once
// none of its pods is left. syncDeployment decides, in Kubernetes' order: deleted ->
// status only; paused -> scale only; a rollback annotation -> rollback; replicas changed
// -> scale; otherwise one step of the strategy's rollout.
import type { Logger } from 'pino';
import { isConflict } from '../../api/errors.js';
import { controllerRef } from '../../api/helpers/owner-refs.js';
import { selectorFromLabelSelector } from '../../api/labels.js';
import type { Deployment, ReplicaSet } from '../../api/types/apps.js';
import type { Pod } from '../../api/types/core.js';
import type { Clock } from '../../client/clock.js';
import { keyOf, splitKey, type Informer } from '../../client/informer.js';
import { resourceClient } from '../../client/resource-client.js';
import type { RestClient } from '../../client/rest-client.js';
import type { WorkQueue } from '../../client/work-queue.js';
import { controllerQueue, runQueue, type Controller } from '../controller.js';
import type { ControllerDescriptor } from '../controllers.js';
import { recheckDeletionTimestamp } from '../controller-ref-manager.js';
import type { ControllerMetrics } from '../metrics.js';
import { isNamespaceTerminating } from '../pod-control.js';
import { rolloutRecreate } from './recreate.js';
import { ReplicaSetControllerRefManager } from './replicaset-ref-manager.js';
import { getRollbackTo, rollback } from './rollback.js';
import { rolloutRolling } from './rolling.js';
import {
  checkPausedConditions, eventObject, isScalingEvent, sync, syncStatusOnly, updateStatus,
  type DeploymentClient, type EventSink, type SyncContext,
} from './sync.js';
import { deploymentsForReplicaSet } from './util.js';

export const NAME = 'deployment-controller';
/** The Events' source component, as Kubernetes' deployment controller records them. */
export const EVENT_SOURCE = 'deployment-controller';
const KIND = { apiVersion: 'apps/v1', kind: 'Deployment' };

type Cache<T extends Deployment | ReplicaSet | Pod> = Pick<Informer<T>, 'addEventHandler' | 'get' | 'getByKey' | 'listByNamespace'>;

export interface DeploymentControllerOptions {
  deployments: Cache<Deployment>;
  replicaSets: Cache<ReplicaSet>;
  pods: Cache<Pod>;
  client: DeploymentClient;
  recorder: EventSink;
  clock: Clock;
  log: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
  metrics?: ControllerMetrics;
  /** --concurrent-deployment-syncs. */
  workers: number;
}

/**
 * NewDeploymentController: handlers on the shared Deployment, ReplicaSet and pod
 * informers that only enqueue Deployment keys; run() works the queue with
 * `workers` loops of reconcile (syncDeployment).
 */
export class DeploymentController implements Controller, SyncContext {
  readonly name = NAME;
  readonly queue: WorkQueue;
  readonly client: DeploymentClient;
  readonly recorder: EventSink;
  readonly clock: Clock;
  readonly log: DeploymentControllerOptions['log'];

  constructor(private readonly o: DeploymentControllerOptions) {
    this.client = o.client;
    this.recorder = o.recorder;
    this.clock = o.clock;
    this.log = o.log;
    this.queue = controllerQueue({ name: 'deployment', clock: o.clock, metrics: o.metrics });
    o.deployments.addEventHandler({
      add: (d) => this.enqueue(d),
      update: (_old, d) => this.enqueue(d),
      delete: (d) => this.enqueue(d),
    });
    o.replicaSets.addEventHandler({
      add: (rs) => this.addReplicaSet(rs),
      update: (old, rs) => this.updateReplicaSet(old, rs),
      delete: (rs) => this.deleteReplicaSet(rs),
    });
    o.pods.addEventHandler({ delete: (pod) => this.deletePod(pod) });
  }

  run(signal: AbortSignal): Promise<void> {
    return runQueue(this.queue, (key) => this.reconcile(key), signal, {
      name: NAME, workers: this.o.workers, log: this.o.log as Logger, clock: this.clock, metrics: this.o.metrics,
    });
  }

  // ---------------------------------------------------------------- SyncContext

  cachedReplicaSet(namespace: string, name: string): ReplicaSet | undefined {
    return this.o.replicaSets.get(namespace, name);
  }

  enqueue(d: Deployment): void {
    this.queue.add(keyOf(d));
  }

  enqueueAfter(d: Deployment, ms: number): void {
    this.queue.addAfter(keyOf(d), ms);
  }

  enqueueRateLimited(d: Deployment): void {
    this.queue.addRateLimited(keyOf(d));
  }

  // ---------------------------------------------------------------- handlers

  /** resolveControllerRef: the Deployment a controllerRef names, if it is still that one (uid). */
  private resolveControllerRef(namespace: string | undefined, ref: { kind: string; name: string; uid: string }): Deployment | undefined {
    if (ref.kind !== KIND.kind) return undefined;
    const d = this.o.deployments.get(namespace ?? '', ref.name);
    return d?.metadata.uid === ref.uid ? d : undefined;
  }

  private deploymentsForOrphan(rs: ReplicaSet): Deployment[] {
    const ds = deploymentsForReplicaSet(this.o.deployments.listByNamespace(rs.metadata.namespace ?? ''), rs);
    if (ds.length > 1) this.log.debug({ replicaSet: keyOf(rs), labels: rs.metadata.labels }, 'user error! more than one deployment is selecting replica set');
    return ds;
  }

  private addReplicaSet(rs: ReplicaSet): void {
    // A ReplicaSet already being deleted when first seen (a restart of the manager).
    if (rs.metadata.deletionTimestamp) {
      this.deleteReplicaSet(rs);
      return;
    }
    const ref = controllerRef(rs);
    if (ref) {
      const d = this.resolveControllerRef(rs.metadata.namespace, ref);
      if (d) this.enqueue(d);
      return;
    }
    // An orphan: every Deployment that might adopt it.
    for (const d of this.deploymentsForOrphan(rs)) this.enqueue(d);
  }

  private updateReplicaSet(old: ReplicaSet, cur: ReplicaSet): void {
    if (cur.metadata.resourceVersion === old.metadata.resourceVersion) return;
    const curRef = controllerRef(cur);
    const oldRef = controllerRef(old);
    const refChanged = JSON.stringify(curRef ?? null) !== JSON.stringify(oldRef ?? null);
    if (refChanged && oldRef) {
      // Released or taken over: the old owner syncs too.
      const d = this.resolveControllerRef(old.metadata.namespace, oldRef);
      if (d) this.enqueue(d);
    }
    if (curRef) {
      const d = this.resolveControllerRef(cur.metadata.namespace, curRef);
      if (d) this.enqueue(d);
      return;
    }
    const labelsChanged = JSON.stringify(cur.metadata.labels ?? {}) !== JSON.stringify(old.metadata.labels ?? {});
    if (labelsChanged || refChanged) for (const d of this.deploymentsForOrphan(cur)) this.enqueue(d);
  }

  private deleteReplicaSet(rs: ReplicaSet): void {
    const ref = controllerRef(rs);
    if (!ref) return; // nobody cares about an orphan going away
    const d = this.resolveControllerRef(rs.metadata.namespace, ref);
    if (d) this.enqueue(d);
  }

  /** deletePod: a Recreate Deployment waits for its last old pod to go before it creates new ones. */
  private deletePod(pod: Pod): void {
    const d = this.deploymentForPod(pod);
    if (!d || d.spec?.strategy?.type !== 'Recreate') return;
    // Kubernetes lists the ReplicaSets uncached here; a handler must not wait on the
    // apiserver, and the cache holds the same owned ReplicaSets.
    const owned = this.o.replicaSets.listByNamespace(d.metadata.namespace ?? '').filter((rs) => controllerRef(rs)?.uid === d.metadata.uid);
    let podMap: Map<string, Pod[]>;
    try {
      podMap = this.podMapForDeployment(d, owned);
    } catch {
      return;
    }
    let n = 0;
    for (const pods of podMap.values()) n += pods.length;
    if (n === 0) this.enqueue(d);
  }

  private deploymentForPod(pod: Pod): Deployment | undefined {
    const ref = controllerRef(pod);
    if (!ref || ref.kind !== 'ReplicaSet') return undefined;
    const rs = this.o.replicaSets.get(pod.metadata.namespace ?? '', ref.name);
    if (!rs || rs.metadata.uid !== ref.uid) return undefined;
    const rsRef = controllerRef(rs);
    return rsRef ? this.resolveControllerRef(rs.metadata.namespace, rsRef) : undefined;
  }

  // ---------------------------------------------------------------- sync

  /**
   * getReplicaSetsForDeployment: the ReplicaSets d owns after adopting matching orphans
   * and releasing owned ones that no longer match.
   */
  async replicaSetsForDeployment(d: Deployment): Promise<ReplicaSet[]> {
    const namespace = d.metadata.namespace ?? '';
    let selector;
    try {
      selector = selectorFromLabelSelector(d.spec?.selector);
    } catch (err) {
      throw new Error(`deployment ${namespace}/${d.metadata.name} has invalid label selector: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    const manager = new ReplicaSetControllerRefManager({
      patchReplicaSet: (ns, name, patch) => this.client.patchReplicaSet(ns, name, patch),
      controller: d,
      selector,
      kind: KIND,
      // Adopt only if the Deployment, read fresh, is the same one and not being deleted.
      canAdopt: recheckDeletionTimestamp(async () => {
        const fresh = await this.client.getDeployment(namespace, d.metadata.name ?? '');
        if (fresh.metadata.uid !== d.metadata.uid) {
          throw new Error(`original Deployment ${namespace}/${d.metadata.name} is gone: got uid ${fresh.metadata.uid}, wanted ${d.metadata.uid}`);
        }
        return fresh;
      }),
    });
    return manager.claimReplicaSets(this.o.replicaSets.listByNamespace(namespace));
  }

  /** getPodMapForDeployment: the pods d's selector matches, by the uid of the ReplicaSet (of rsList) controlling them. */
  podMapForDeployment(d: Deployment, rsList: ReplicaSet[]): Map<string, Pod[]> {
    const selector = selectorFromLabelSelector(d.spec?.selector);
    const map = new Map<string, Pod[]>(rsList.map((rs) => [rs.metadata.uid ?? '', []]));
    for (const pod of this.o.pods.listByNamespace(d.metadata.namespace ?? '')) {
      if (!selector.matches(pod.metadata.labels)) continue;
      const ref = controllerRef(pod);
      if (ref) map.get(ref.uid)?.push(pod);
    }
    return map;
  }

  /** syncDeployment: one reconcile of the Deployment with this key. */
  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const cached = this.o.deployments.get(namespace, name);
    if (!cached) {
      this.log.debug({ deployment: key }, 'Deployment has been deleted');
      return;
    }
    const d = structuredClone(cached);
    if (!d.spec) return; // nothing to do for an object no apiserver would store
    try {
      await this.syncDeployment(d);
    } catch (err) {
      // As handleErr: every create in a terminating namespace fails; nothing to retry.
      if (isNamespaceTerminating(err)) return;
      // A write against a copy older than what is stored: the cache has yet to see that
      // change, and its event queues this Deployment again; a retry now would only meet
      // the same stale copy.
      if (isConflict(err)) {
        this.log.debug({ deployment: key, err }, 'conflict; waiting for the cache to catch up');
        return;
      }
      throw err;
    }
  }

  private async syncDeployment(d: Deployment): Promise<void> {
    const sel = d.spec?.selector;
    if (sel && Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0) {
      this.recorder.event(eventObject(d), 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if ((d.status?.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) {
        d.status = { ...d.status, observedGeneration: d.metadata.generation };
        await updateStatus(this, d);
      }
      return;
    }
    const rsList = await this.replicaSetsForDeployment(d);

    if (d.metadata.deletionTimestamp) {
      await syncStatusOnly(this, d, rsList);
      return;
    }
    // Paused and resumed get a Progressing condition of their own, so that time spent
    // paused never counts against progressDeadlineSeconds.
    await checkPausedConditions(this, d);
    if (d.spec?.paused) {
      await sync(this, d, rsList);
      return;
    }
    // A rollback is not re-entrant: finish it (the annotation removed) before anything else.
    if (getRollbackTo(d) !== undefined) {
      await rollback(this, d, rsList);
      return;
    }
    if (await isScalingEvent(this, d, rsList)) {
      await sync(this, d, rsList);
      return;
    }
    switch (d.spec?.strategy?.type) {
      case 'Recreate':
        // Pods by ReplicaSet: Recreate waits for the old ones to be gone. (Kubernetes
        // lists them on every sync; only Recreate reads them.)
        await rolloutRecreate(this, d, rsList, this.podMapForDeployment(d, rsList));
        return;
      case 'RollingUpdate':
        await rolloutRolling(this, d, rsList);
        return;
      default:
        // Validation allows no other type: retrying would not help.
        this.log.error({ deployment: keyOf(d), type: d.spec?.strategy?.type }, `unexpected deployment strategy type: ${String(d.spec?.strategy?.type)}`);
    }
  }
}

/** The controller's writes through the API (client-go's AppsV1 client). */
export function restDeploymentClient(rest: RestClient): DeploymentClient {
  const rss = resourceClient<ReplicaSet>(rest, 'replicasets');
  const ds = resourceClient<Deployment>(rest, 'deployments');
  return {
    createReplicaSet: (ns, rs) => rss.create(ns, rs),
    updateReplicaSet: (ns, rs) => rss.update(ns, rs),
    patchReplicaSet: (ns, name, patch) => rss.patch(ns, name, 'strategic', patch),
    deleteReplicaSet: async (ns, name) => {
      await rss.delete(ns, name);
    },
    getDeployment: (ns, name) => ds.get(ns, name),
    updateDeployment: (ns, d) => ds.update(ns, d),
    updateDeploymentStatus: (ns, d) => ds.updateStatus(ns, d),
  };
}

export const deploymentControllerDescriptor: ControllerDescriptor = {
  name: NAME,
  aliases: ['deployment'],
  serviceAccountName: 'deployment-controller',
  flags: [{
    name: 'concurrent-deployment-syncs', kind: 'int', default: '5',
    description: 'The number of deployment objects that are allowed to sync concurrently. Larger number = more responsive deployments, but more CPU (and network) load',
  }],
  create(ctx) {
    return new DeploymentController({
      deployments: ctx.informers.informer<Deployment>('deployments'),
      replicaSets: ctx.informers.informer<ReplicaSet>('replicasets'),
      pods: ctx.informers.informer<Pod>('pods'),
      client: restDeploymentClient(ctx.rest),
      recorder: ctx.recorder(EVENT_SOURCE),
      clock: ctx.clock,
      log: ctx.log.child({ controller: NAME }),
      metrics: ctx.metrics,
      workers: ctx.options.int('concurrent-deployment-syncs'),
    });
  },
};
