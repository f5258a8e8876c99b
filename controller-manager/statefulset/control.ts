// One sync of a StatefulSet against its pods (Kubernetes'
// pkg/controller/statefulset/stateful_set_control.go): find the current and update
// revisions (creating the update revision, or bumping an equal older one for a
// rollback), make and fix the replicas in ordinal order, delete the condemned (ordinals
// scaled away) from the highest down, roll pods to the update revision from the
// highest ordinal down to the partition, write the status, and truncate the history.
//
// OrderedReady ("monotonic"): pod i is created only once 0..i-1 are Running, Ready and
// available, one step per sync; a terminating or unhealthy pod blocks everything after
// it. Parallel: every missing pod is created and every condemned one deleted at once.
import type { Logger } from 'pino';
import { isNotFound } from '../../api/errors.js';
import type { ControllerRevision, StatefulSet, StatefulSetStatus } from '../../api/types/apps.js';
import type { Pod } from '../../api/types/core.js';
import { AggregateErrors } from '../controller-ref-manager.js';
import {
  createControllerRevision, equalRevision, findEqualRevisions, nextRevision, sortControllerRevisions, updateControllerRevision,
  type ControllerRevisionClient,
} from '../history/index.js';
import { slowStartBatch } from '../replicaset/sync.js';
import type { StatefulPodControl } from './pod-control.js';
import { completeRollingUpdate, countReplicas, inconsistentStatus } from './status.js';
import {
  allowsBurst, applyRevision, endOrdinal, getOrdinal, getPodRevision, identityMatches, isCreated, isFailed, isHealthy,
  isPending, isRunningAndAvailable, isRunningAndReady, isSucceeded, isTerminating, newRevision, newVersionedStatefulSetPod,
  podInOrdinalRange, replicasOf, startOrdinal, storageMatches,
} from './utils.js';

/** Writes a set's status (realStatefulSetStatusUpdater): set.status = status, conflicts retried on a fresh copy. */
export interface StatefulSetStatusUpdater {
  updateStatefulSetStatus(set: StatefulSet, status: StatefulSetStatus): Promise<void>;
}

export interface StatefulSetControlOptions {
  podControl: StatefulPodControl;
  statusUpdater: StatefulSetStatusUpdater;
  revisions: Pick<ControllerRevisionClient, 'create' | 'get' | 'update' | 'delete'>;
  now: () => number;
  log: Logger;
}

/** What one sync did: the status written (or computed), and its error. */
export interface SyncResult {
  status?: StatefulSetStatus;
  error?: unknown;
}

export class StatefulSetControl {
  constructor(private readonly o: StatefulSetControlOptions) {}

  /**
   * UpdateStatefulSet: one sync of set with the pods it owns and the revisions it owns
   * (or may adopt). Answers the status computed; rejects with what failed (the status
   * is still written when it could be computed).
   */
  async updateStatefulSet(set: StatefulSet, pods: readonly Pod[], revisions: readonly ControllerRevision[]): Promise<StatefulSetStatus | undefined> {
    const sorted = sortControllerRevisions(revisions);
    const errors: unknown[] = [];
    let current: ControllerRevision | undefined;
    let update: ControllerRevision | undefined;
    let status: StatefulSetStatus | undefined;
    try {
      const revs = await this.statefulSetRevisions(set, sorted);
      [current, update] = [revs.current, revs.update];
      const result = await this.updateReplicas(set, revs.current, revs.update, revs.collisionCount, pods);
      status = result.status;
      if (result.error !== undefined) errors.push(result.error);
      if (status) {
        try {
          await this.updateStatefulSetStatus(set, status);
        } catch (err) {
          errors.push(err);
        }
      }
    } catch (err) {
      errors.push(err);
    }
    try {
      await this.truncateHistory(set, pods, sorted, current, update);
    } catch (err) {
      errors.push(err);
    }
    if (errors.length) throw errors.length === 1 ? errors[0] : new AggregateErrors(errors);
    return status;
  }

  /**
   * getStatefulSetRevisions: the update revision is the one equal to the set's template:
   * the latest revision if it is equal, else an older equal one renumbered to be the
   * latest (a rollback), else a new one. The current revision is status.currentRevision
   * (the update revision for a new set).
   */
  async statefulSetRevisions(set: StatefulSet, revisions: readonly ControllerRevision[]): Promise<{ current: ControllerRevision; update: ControllerRevision; collisionCount: number }> {
    let collisionCount = set.status?.collisionCount ?? 0;
    let update = newRevision(set, nextRevision(revisions), collisionCount);
    const equal = findEqualRevisions(revisions, update);
    const latest = revisions.at(-1);
    if (equal.length > 0 && equalRevision(latest, equal.at(-1))) {
      update = latest as ControllerRevision;
    } else if (equal.length > 0) {
      update = await updateControllerRevision(this.o.revisions, equal.at(-1) as ControllerRevision, update.revision);
    } else {
      const created = await createControllerRevision(this.o.revisions, set, update, collisionCount);
      update = created.revision;
      collisionCount = created.collisionCount;
    }
    const current = revisions.find((r) => r.metadata.name === set.status?.currentRevision) ?? update;
    return { current, update, collisionCount };
  }

  /** updateStatefulSet (the Go function): the pod work of one sync and the status it leaves. */
  private async updateReplicas(set: StatefulSet, currentRevision: ControllerRevision, updateRevision: ControllerRevision, collisionCount: number, pods: readonly Pod[]): Promise<SyncResult> {
    const currentSet = applyRevision(set, currentRevision);
    const updateSet = applyRevision(set, updateRevision);
    const now = this.o.now();
    const minReadySeconds = set.spec?.minReadySeconds ?? 0;
    const [currentName, updateName] = [currentRevision.metadata.name ?? '', updateRevision.metadata.name ?? ''];
    const status: StatefulSetStatus = {
      observedGeneration: set.metadata.generation, replicas: 0, currentRevision: currentName, updateRevision: updateName, collisionCount,
    };
    countReplicas(status, minReadySeconds, currentName, updateName, now, pods);

    // Replicas: the ordinals wanted, in order; condemned: valid ordinals beyond them.
    const start = startOrdinal(set);
    const replicas: Pod[] = new Array<Pod>(replicasOf(set));
    const condemned: Pod[] = [];
    for (const pod of pods) {
      if (podInOrdinalRange(pod, set)) replicas[getOrdinal(pod) - start] = pod;
      else if (getOrdinal(pod) >= 0) condemned.push(pod);
    }
    for (let ord = start; ord <= endOrdinal(set); ord++) {
      if (!replicas[ord - start]) replicas[ord - start] = newVersionedStatefulSetPod(currentSet, updateSet, currentName, updateName, ord);
    }
    condemned.sort((a, b) => getOrdinal(b) - getOrdinal(a));
    // The first unhealthy pod: of the replicas in order, else the lowest condemned one.
    let firstUnhealthy = replicas.find((p) => !isHealthy(p));
    if (!firstUnhealthy) firstUnhealthy = [...condemned].reverse().find((p) => !isHealthy(p));

    const done = (error?: unknown): SyncResult => {
      countReplicas(status, minReadySeconds, currentName, updateName, now, replicas, condemned);
      return { status, error };
    };
    // A set being deleted only gets its status.
    if (set.metadata.deletionTimestamp) return { status };
    const monotonic = !allowsBurst(set);

    let r = await runForAll(replicas, (i) => this.processReplica(set, updateSet, monotonic, replicas, i, now), monotonic);
    if (r.exit || r.error !== undefined) return done(r.error);

    // Claims of condemned pods get their scale-down owner references before the pods go.
    r = await runForAll(condemned, async (i) => {
      if (!(await this.o.podControl.claimsMatchRetentionPolicy(updateSet, condemned[i]))) {
        await this.o.podControl.updatePodClaimForRetentionPolicy(updateSet, condemned[i]);
      }
      return false;
    }, monotonic);
    if (r.exit || r.error !== undefined) return done(r.error);

    // In monotonic mode every replica is Running, Ready and available now: scale down,
    // highest ordinal first, one at a time. Scaling goes before updates.
    r = await runForAll(condemned, (i) => this.processCondemned(set, firstUnhealthy, monotonic, condemned, i, now), monotonic);
    if (r.exit || r.error !== undefined) return done(r.error);

    countReplicas(status, minReadySeconds, currentName, updateName, now, replicas, condemned);
    // OnDelete: pods take the update revision when someone deletes them.
    if (set.spec?.updateStrategy?.type === 'OnDelete') return { status };

    // Delete the highest ordinal at or above the partition not at the update revision,
    // once every pod above it is healthy at the update revision.
    const updateMin = set.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
    for (let target = replicas.length - 1; target >= updateMin; target--) {
      const pod = replicas[target];
      if (getPodRevision(pod) !== updateName && !isTerminating(pod)) {
        this.o.log.info({ statefulSet: `${set.metadata.namespace}/${set.metadata.name}`, pod: pod.metadata.name, revision: getPodRevision(pod), updateRevision: updateName }, 'pod of StatefulSet is terminating for update');
        try {
          await this.o.podControl.deleteStatefulPod(set, pod);
        } catch (err) {
          if (!isNotFound(err)) return { status, error: err };
        }
        status.currentReplicas = (status.currentReplicas ?? 0) - 1;
        return { status };
      }
      if (!isHealthy(pod)) return { status };
    }
    return { status };
  }

  /**
   * processReplica: a failed or succeeded pod is deleted (recreated with the same name
   * on a later sync); a missing one created (OrderedReady: then stop); a pending one
   * gets its missing claims; OrderedReady stops at a terminating, unready or not yet
   * available pod; otherwise identity, storage and claim references are fixed.
   * Answers whether the pass stops here.
   */
  private async processReplica(set: StatefulSet, updateSet: StatefulSet, monotonic: boolean, replicas: Pod[], i: number, now: number): Promise<boolean> {
    const pod = replicas[i];
    const pc = this.o.podControl;
    if (isFailed(pod) || isSucceeded(pod)) {
      if (!pod.metadata.deletionTimestamp) await pc.deleteStatefulPod(set, pod);
      return true;
    }
    if (!isCreated(pod)) {
      if (await pc.podClaimIsStale(set, pod)) return true;
      await pc.createStatefulPod(set, pod);
      return monotonic;
    }
    if (isPending(pod)) await pc.createMissingPersistentVolumeClaims(set, pod);
    if (isTerminating(pod) && monotonic) return true;
    if (!isRunningAndReady(pod) && monotonic) return true;
    if (!isRunningAndAvailable(pod, set.spec?.minReadySeconds ?? 0, now) && monotonic) return true;

    let retentionMatch = true;
    try {
      retentionMatch = await pc.claimsMatchRetentionPolicy(updateSet, pod);
    } catch {
      // A pod not fully updated yet may not find its claims: taken as matching.
    }
    if (identityMatches(set, pod) && storageMatches(set, pod) && retentionMatch) return false;
    await pc.updateStatefulPod(updateSet, structuredClone(pod));
    return false;
  }

  /**
   * processCondemned: deletes a condemned pod; OrderedReady waits for a terminating one
   * to go, and deletes an unhealthy one only if it is the first unhealthy pod.
   */
  private async processCondemned(set: StatefulSet, firstUnhealthy: Pod | undefined, monotonic: boolean, condemned: Pod[], i: number, now: number): Promise<boolean> {
    const pod = condemned[i];
    if (isTerminating(pod)) return monotonic;
    if (!isRunningAndReady(pod) && monotonic && pod !== firstUnhealthy) return true;
    if (!isRunningAndAvailable(pod, set.spec?.minReadySeconds ?? 0, now) && monotonic && pod !== firstUnhealthy) return true;
    this.o.log.info({ statefulSet: `${set.metadata.namespace}/${set.metadata.name}`, pod: pod.metadata.name }, 'pod of StatefulSet is terminating for scale down');
    await this.o.podControl.deleteStatefulPod(set, pod);
    return true;
  }

  /** updateStatefulSetStatus: completes a finished rolling update, and writes only a status that changed. */
  private async updateStatefulSetStatus(set: StatefulSet, status: StatefulSetStatus): Promise<void> {
    completeRollingUpdate(set, status);
    if (!inconsistentStatus(set, status)) return;
    await this.o.statusUpdater.updateStatefulSetStatus(structuredClone(set), status);
  }

  /**
   * truncateHistory: deletes the oldest revisions beyond revisionHistoryLimit among
   * those no pod uses and that are neither current nor update.
   */
  private async truncateHistory(set: StatefulSet, pods: readonly Pod[], revisions: readonly ControllerRevision[], current?: ControllerRevision, update?: ControllerRevision): Promise<void> {
    const live = new Set<string>();
    if (current) live.add(current.metadata.name ?? '');
    if (update) live.add(update.metadata.name ?? '');
    for (const p of pods) live.add(getPodRevision(p));
    const history = revisions.filter((r) => !live.has(r.metadata.name ?? ''));
    const limit = set.spec?.revisionHistoryLimit ?? 10;
    if (history.length <= limit) return;
    for (const r of history.slice(0, history.length - limit)) {
      try {
        await this.o.revisions.delete(r.metadata.namespace ?? '', r.metadata.name ?? '');
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }
}

/**
 * runForAll: OrderedReady calls fn for each index in order and stops at the first that
 * says stop or fails; Parallel calls it for all, in slow-start batches (1, 2, 4...),
 * stopping after a batch with a failure.
 */
export async function runForAll(pods: readonly Pod[], fn: (i: number) => Promise<boolean>, monotonic: boolean): Promise<{ exit: boolean; error?: unknown }> {
  if (monotonic) {
    for (let i = 0; i < pods.length; i++) {
      try {
        if (await fn(i)) return { exit: true };
      } catch (err) {
        return { exit: true, error: err };
      }
    }
    return { exit: false };
  }
  let next = 0;
  const { error } = await slowStartBatch(pods.length, 1, async () => {
    await fn(next++);
  });
  return error === undefined ? { exit: false } : { exit: true, error };
}
