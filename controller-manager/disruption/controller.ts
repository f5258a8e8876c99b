// The disruption controller (Kubernetes 1.32's pkg/controller/disruption): keeps each
// PodDisruptionBudget's status true to its pods. For a budget it lists the pods its
// selector matches, asks their controllers' scale (ReplicaSet, Deployment,
// ReplicationController, StatefulSet from the caches, anything else through its scale
// subresource), and writes currentHealthy, desiredHealthy, expectedPods,
// disruptionsAllowed, the disruptedPods the eviction API recorded and the
// DisruptionAllowed condition. A failed computation writes disruptionsAllowed 0 with
// SyncFailed (failSafe). A second queue resets DisruptionTarget conditions left on pods
// that were never deleted (the eviction or preemption that set them gave up).
import type { Logger } from 'pino';
import { isConflict, isNotFound } from '../../api/errors.js';
import { controllerRef } from '../../api/helpers/owner-refs.js';
import { isPodTerminal, podCondition } from '../../api/helpers/pod.js';
import { parseTime, rfc3339 } from '../../api/helpers/time.js';
import { selectorFromLabelSelector } from '../../api/labels.js';
import type { Deployment, ReplicaSet, StatefulSet } from '../../api/types/apps.js';
import type { Pod, ReplicationController } from '../../api/types/core.js';
import type { OwnerReference } from '../../api/types/meta.js';
import {
  DISRUPTION_ALLOWED_CONDITION, type PodDisruptionBudget, type PodDisruptionBudgetStatus, SYNC_FAILED_REASON,
} from '../../api/types/policy.js';
import type { Clock } from '../../client/clock.js';
import type { EventType } from '../../client/event-recorder.js';
import { keyOf } from '../../client/informer.js';
import type { WorkQueue } from '../../client/work-queue.js';
import { setStatusCondition, updateDisruptionAllowedCondition } from '../../api/helpers/poddisruptionbudget.js';
import { controllerQueue, runQueue, type Controller } from '../controller.js';
import type { ControllerMetrics } from '../metrics.js';
import type { ObjectCache } from '../replicaset/controller.js';
import {
  buildDisruptedPodMap, type ControllerScale, countHealthyPods, disruptionsAllowed, expectedPodCount, labelSelectorString,
  type ScaleFinder, statusUpToDate,
} from './compute.js';

export const NAME = 'disruption-controller';
/** The field manager of the stale DisruptionTarget reset. */
export const FIELD_MANAGER = 'DisruptionController';
/** stalePodDisruptionTimeout: how long a DisruptionTarget condition may sit on a pod that is not being deleted. */
export const STALE_POD_DISRUPTION_TIMEOUT_MS = 2 * 60 * 1000;

export interface EventSink {
  event(obj: Pod | PodDisruptionBudget, type: EventType, reason: string, message: string): void;
}

/** What the controller writes through the API. */
export interface DisruptionClient {
  /** PUT poddisruptionbudgets/<name>/status. */
  updateStatus(pdb: PodDisruptionBudget): Promise<unknown>;
  /** The scale subresource of a controller no cache knows: its uid and spec.replicas; undefined when it does not exist. */
  getScale(namespace: string, ref: OwnerReference): Promise<ControllerScale | undefined>;
  /** Server-side apply of the pod's DisruptionTarget condition set to False. */
  resetDisruptionTarget(pod: Pod, lastTransitionTime: string): Promise<unknown>;
}

export interface DisruptionControllerOptions {
  pdbs: ObjectCache<PodDisruptionBudget>;
  pods: ObjectCache<Pod>;
  replicaSets: ObjectCache<ReplicaSet>;
  deployments: ObjectCache<Deployment>;
  replicationControllers: ObjectCache<ReplicationController>;
  statefulSets: ObjectCache<StatefulSet>;
  client: DisruptionClient;
  recorder: EventSink;
  clock: Clock;
  log: Logger;
  metrics?: ControllerMetrics;
  workers?: number;
}

/** verifyGroupKind: the reference's kind, in one of the groups (apps, extensions for the old ones). */
function refIs(ref: OwnerReference, kind: string, groups: string[]): boolean {
  const group = ref.apiVersion.includes('/') ? ref.apiVersion.split('/')[0] : '';
  return ref.kind === kind && groups.includes(group);
}

export class DisruptionController implements Controller {
  readonly name = NAME;
  readonly queue: WorkQueue;
  /** Budgets to look at again when a recorded eviction times out. */
  readonly recheckQueue: WorkQueue;
  /** Pods whose DisruptionTarget condition may have gone stale. */
  readonly stalePodQueue: WorkQueue;

  constructor(private readonly o: DisruptionControllerOptions) {
    this.queue = controllerQueue({ name: 'disruption', clock: o.clock, metrics: o.metrics });
    this.recheckQueue = controllerQueue({ name: 'disruption_recheck', clock: o.clock, metrics: o.metrics });
    this.stalePodQueue = controllerQueue({ name: 'stale_pod_disruption', clock: o.clock, metrics: o.metrics });
    const enqueue = (pdb: PodDisruptionBudget): void => this.queue.add(keyOf(pdb));
    o.pdbs.addEventHandler({ add: enqueue, update: (_old, cur) => enqueue(cur), delete: enqueue });
    const podChanged = (pod: Pod): void => {
      const pdb = this.pdbForPod(pod);
      if (pdb) enqueue(pdb);
      if (this.staleDisruptionIn(pod) !== undefined) this.stalePodQueue.add(keyOf(pod));
    };
    o.pods.addEventHandler({
      add: podChanged,
      update: (_old, cur) => podChanged(cur),
      delete: (pod) => {
        const pdb = this.pdbForPod(pod);
        if (pdb) enqueue(pdb);
      },
    });
  }

  run(signal: AbortSignal): Promise<void> {
    this.o.log.info({ controller: NAME }, 'starting controller');
    const opts = { workers: this.o.workers ?? 1, log: this.o.log, clock: this.o.clock, metrics: this.o.metrics };
    return Promise.all([
      runQueue(this.queue, (key) => this.sync(key), signal, { name: NAME, ...opts }),
      // A recheck is a sync of the same budget (recheckWorker hands it to the main queue).
      runQueue(this.recheckQueue, async (key) => this.queue.add(key), signal, { name: `${NAME}-recheck`, ...opts, workers: 1 }),
      runQueue(this.stalePodQueue, (key) => this.syncStalePodDisruption(key), signal, { name: `${NAME}-stale-pod`, ...opts }),
    ]).then(() => undefined);
  }

  /** getPdbForPod: the first budget of the pod's namespace selecting it (an event when several do). */
  pdbForPod(pod: Pod): PodDisruptionBudget | undefined {
    if (!pod.metadata.labels || Object.keys(pod.metadata.labels).length === 0) return undefined;
    const pdbs = this.o.pdbs.listByNamespace(pod.metadata.namespace as string).filter((pdb) => {
      try {
        return selectorFromLabelSelector(pdb.spec?.selector).matches(pod.metadata.labels);
      } catch {
        return false;
      }
    });
    if (pdbs.length === 0) return undefined;
    if (pdbs.length > 1) {
      const msg = `Pod "${pod.metadata.namespace}"/"${pod.metadata.name}" matches multiple PodDisruptionBudgets.  Chose "${pdbs[0].metadata.name}" arbitrarily.`;
      this.o.log.info({ pod: keyOf(pod) }, msg);
      this.o.recorder.event(pod, 'Warning', 'MultiplePodDisruptionBudgets', msg);
    }
    return pdbs[0];
  }

  /** sync: trySync, and failSafe on anything but a conflict (retried). */
  async sync(key: string): Promise<void> {
    const pdb = this.o.pdbs.getByKey(key);
    if (!pdb) return;
    try {
      await this.trySync(pdb);
    } catch (err) {
      if (isConflict(err)) throw err;
      this.o.log.error({ err, podDisruptionBudget: key }, 'Failed to sync PDB');
      await this.failSafe(pdb, err instanceof Error ? err.message : String(err));
    }
  }

  /** getPodsForPdb: the pods of the budget's namespace its selector matches (v1: an empty selector matches all). */
  podsFor(pdb: PodDisruptionBudget): Pod[] {
    const selector = selectorFromLabelSelector(pdb.spec?.selector);
    return this.o.pods.listByNamespace(pdb.metadata.namespace as string).filter((p) => selector.matches(p.metadata.labels));
  }

  private async trySync(pdb: PodDisruptionBudget): Promise<void> {
    const o = this.o;
    let pods: Pod[];
    try {
      pods = this.podsFor(pdb);
    } catch (err) {
      o.recorder.event(pdb, 'Warning', 'NoPods', `Failed to get pods: ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    }
    if (pods.length === 0) o.recorder.event(pdb, 'Normal', 'NoPods', 'No matching pods found');

    let expected;
    try {
      expected = await expectedPodCount(pdb, pods, this.scaleFinder(pdb.metadata.namespace as string));
    } catch (err) {
      o.recorder.event(pdb, 'Warning', 'CalculateExpectedPodCountFailed', `Failed to calculate the number of expected pods: ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    }
    if (expected.unmanagedPods.length > 0) {
      o.log.debug({ pods: expected.unmanagedPods }, 'Found unmanaged pods associated with this PDB');
      o.recorder.event(pdb, 'Warning', 'UnmanagedPods', `Pods selected by this PodDisruptionBudget (selector: ${labelSelectorString(pdb.spec?.selector)}) were found `
        + 'to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. '
        + 'To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.');
    }

    const now = o.clock.now();
    const disrupted = buildDisruptedPodMap(pods, pdb, now);
    for (const pod of disrupted.expired) {
      o.log.info({ pod: keyOf(pod), podDisruptionBudget: keyOf(pdb) }, 'Pod was expected to be deleted but it wasn\'t, updating PDB');
      // Kubernetes' message names the namespace twice.
      o.recorder.event(pod, 'Warning', 'NotDeleted', `Pod was expected by PDB ${pdb.metadata.namespace}/${pdb.metadata.namespace} to be deleted but it wasn't`);
    }
    const currentHealthy = countHealthyPods(pods, disrupted.disruptedPods, now);
    await this.updatePdbStatus(pdb, currentHealthy, expected.desiredHealthy, expected.expectedCount, disrupted.disruptedPods);
    if (disrupted.recheckAt !== undefined) this.recheckQueue.addAfter(keyOf(pdb), disrupted.recheckAt - now);
  }

  private async updatePdbStatus(pdb: PodDisruptionBudget, currentHealthy: number, desiredHealthy: number, expectedPods: number,
    disruptedPods: Record<string, string>): Promise<void> {
    const allowed = disruptionsAllowed(currentHealthy, desiredHealthy, expectedPods);
    const next = { currentHealthy, desiredHealthy, expectedPods, disruptionsAllowed: allowed, disruptedPods };
    if (statusUpToDate(pdb, next)) return;
    const updated = structuredClone(pdb);
    const status: PodDisruptionBudgetStatus = {
      disruptionsAllowed: allowed, currentHealthy, desiredHealthy, expectedPods,
      observedGeneration: pdb.metadata.generation, conditions: updated.status?.conditions,
    };
    if (Object.keys(disruptedPods).length) status.disruptedPods = disruptedPods;
    updated.status = status;
    updateDisruptionAllowedCondition(updated, this.o.clock.now());
    await this.o.client.updateStatus(updated);
  }

  /** failSafe: no disruptions while the budget cannot be computed; DisruptionAllowed False with SyncFailed and why. */
  private async failSafe(pdb: PodDisruptionBudget, message: string): Promise<void> {
    const updated = structuredClone(pdb);
    const status = updated.status ?? (updated.status = { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 });
    status.disruptionsAllowed = 0;
    setStatusCondition((status.conditions ??= []), {
      type: DISRUPTION_ALLOWED_CONDITION, status: 'False', reason: SYNC_FAILED_REASON, message,
      observedGeneration: status.observedGeneration, lastTransitionTime: '',
    }, this.o.clock.now());
    await this.o.client.updateStatus(updated);
  }

  /**
   * The finders, tried in turn for a pod's controllerRef: ReplicaSet (not one a
   * Deployment owns), Deployment (through its ReplicaSet), ReplicationController,
   * StatefulSet, then any resource with a scale subresource.
   */
  private scaleFinder(namespace: string): ScaleFinder {
    const o = this.o;
    const sameUid = <T extends { metadata: { uid?: string } }>(obj: T | undefined, ref: OwnerReference): T | undefined =>
      obj && obj.metadata.uid === ref.uid ? obj : undefined;
    return async (pod) => {
      const ref = controllerRef(pod) as OwnerReference;
      const rsKey = `${namespace}/${ref.name}`;
      if (refIs(ref, 'ReplicaSet', ['apps', 'extensions'])) {
        const rs = sameUid(o.replicaSets.getByKey(rsKey), ref);
        if (rs) {
          const owner = controllerRef(rs);
          if (owner?.kind !== 'Deployment') return { uid: rs.metadata.uid as string, scale: rs.spec?.replicas ?? 1 };
          if (refIs(owner, 'Deployment', ['apps', 'extensions'])) {
            const d = sameUid(o.deployments.getByKey(`${namespace}/${owner.name}`), owner);
            if (d) return { uid: d.metadata.uid as string, scale: d.spec?.replicas ?? 1 };
          }
        }
      }
      if (refIs(ref, 'ReplicationController', [''])) {
        const rc = sameUid(o.replicationControllers.getByKey(rsKey), ref);
        if (rc) return { uid: rc.metadata.uid as string, scale: rc.spec?.replicas ?? 1 };
      }
      if (refIs(ref, 'StatefulSet', ['apps'])) {
        const sts = sameUid(o.statefulSets.getByKey(rsKey), ref);
        if (sts) return { uid: sts.metadata.uid as string, scale: sts.spec?.replicas ?? 1 };
      }
      const scale = await o.client.getScale(namespace, ref);
      return scale && scale.uid === ref.uid ? scale : undefined;
    };
  }

  /**
   * nonTerminatingPodHasStaleDisruptionCondition: ms until the pod's DisruptionTarget
   * condition counts as stale (0: now), or undefined when it has none that can go
   * stale (deleting or terminal pods, False conditions, the kubelet's own).
   */
  staleDisruptionIn(pod: Pod): number | undefined {
    if (pod.metadata.deletionTimestamp) return undefined;
    const cond = podCondition(pod, 'DisruptionTarget');
    if (!cond || cond.status !== 'True' || cond.reason === 'TerminationByKubelet' || isPodTerminal(pod)) return undefined;
    return Math.max(0, STALE_POD_DISRUPTION_TIMEOUT_MS - (this.o.clock.now() - parseTime(cond.lastTransitionTime)));
  }

  /** syncStalePodDisruption: resets a stale DisruptionTarget condition to False. */
  async syncStalePodDisruption(key: string): Promise<void> {
    const pod = this.o.pods.getByKey(key);
    if (!pod) return;
    const waitFor = this.staleDisruptionIn(pod);
    if (waitFor === undefined) return;
    if (waitFor > 0) {
      this.stalePodQueue.addAfter(key, waitFor);
      return;
    }
    try {
      await this.o.client.resetDisruptionTarget(pod, rfc3339(this.o.clock.now()));
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    this.o.log.info({ pod: key }, 'Reset stale DisruptionTarget condition to False');
  }
}
