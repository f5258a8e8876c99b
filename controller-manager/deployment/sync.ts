// The parts of a Deployment sync every strategy shares (Kubernetes'
// pkg/controller/deployment/sync.go): finding or creating the new ReplicaSet with its
// pod-template-hash and revision, scaling (proportionally while a rollout is in
// progress), cleaning up old ReplicaSets past revisionHistoryLimit, and the status.
import type { Logger } from 'pino';
import { isAlreadyExists, isNotFound } from '../../api/errors.js';
import type { Deployment, DeploymentStatus, ReplicaSet } from '../../api/types/apps.js';
import type { KubeObject } from '../../api/types/meta.js';
import type { Clock } from '../../client/clock.js';
import type { EventType } from '../../client/event-recorder.js';
import { isNamespaceTerminating } from '../pod-control.js';
import { computeHash } from './hash.js';
import {
  DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY, FAILED_RS_CREATE_REASON, FOUND_NEW_RS_REASON, MINIMUM_REPLICAS_AVAILABLE,
  MINIMUM_REPLICAS_UNAVAILABLE, NEW_REPLICA_SET_REASON, PAUSED_DEPLOY_REASON, REVISION_ANNOTATION, RESUMED_DEPLOY_REASON,
  TIMED_OUT_REASON, actualReplicaCount, availableReplicaCount, byRevision, cloneAndAddLabel, cloneSelectorAndAddLabel,
  desiredReplicasAnnotation, filterActive, findActiveOrLatest, findNewReplicaSet, findOldReplicaSets, getDeploymentCondition,
  hasProgressDeadline, hasRevisionHistoryLimit, isRollingUpdate, isSaturated, maxRevision, maxSurge, maxUnavailable,
  newDeploymentCondition, newRSNewReplicas, proportionalScale, readyReplicaCount, replicaCount, replicasAnnotationsNeedUpdate,
  replicasOf, rsReplicas, setDeploymentCondition, setDeploymentRevision, setNewReplicaSetAnnotations, setReplicasAnnotations,
} from './util.js';
import { getRollbackTo } from './rollback.js';

/**
 * The writes the Deployment controller makes (client-go's AppsV1 typed client, as
 * Kubernetes' controller calls it). Each call is one request; it rejects with the
 * apiserver's StatusError. The real one is in controller.ts; tests record the calls.
 */
export interface DeploymentClient {
  createReplicaSet(namespace: string, rs: ReplicaSet): Promise<ReplicaSet>;
  updateReplicaSet(namespace: string, rs: ReplicaSet): Promise<ReplicaSet>;
  /** A strategic merge patch (adoption and release of ownerReferences). */
  patchReplicaSet(namespace: string, name: string, patch: unknown): Promise<ReplicaSet>;
  deleteReplicaSet(namespace: string, name: string): Promise<void>;
  /** An uncached read (RecheckDeletionTimestamp before adopting). */
  getDeployment(namespace: string, name: string): Promise<Deployment>;
  updateDeployment(namespace: string, d: Deployment): Promise<Deployment>;
  updateDeploymentStatus(namespace: string, d: Deployment): Promise<Deployment>;
}

/** Where Events go (client/event-recorder.ts's EventRecorder, a recording fake in tests). */
export interface EventSink {
  event(obj: KubeObject, type: EventType, reason: string, message: string): void;
}

/**
 * What the sync functions use of the controller (the DeploymentController struct's
 * fields that sync.go, rolling.go, recreate.go, rollback.go and progress.go reach).
 */
export interface SyncContext {
  client: DeploymentClient;
  recorder: EventSink;
  /** The ReplicaSet cache, for the re-read after an AlreadyExists. */
  cachedReplicaSet(namespace: string, name: string): ReplicaSet | undefined;
  clock: Clock;
  log: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
  /** Sync the Deployment again after ms (the progress-deadline check). */
  enqueueAfter(d: Deployment, ms: number): void;
  /** Sync the Deployment again after the queue's backoff. */
  enqueueRateLimited(d: Deployment): void;
}

/** Kubernetes keeps at most this many characters of revision history on a ReplicaSet. */
const MAX_REV_HISTORY_LENGTH_IN_CHARS = 2000;

/** The Deployment as the object Events are about. */
export function eventObject(d: Deployment): KubeObject {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: d.metadata };
}

/** UpdateStatus of d (its metadata.annotations included, as the status subresource allows); d keeps the new resourceVersion. */
export async function updateStatus(dc: SyncContext, d: Deployment): Promise<Deployment> {
  const out = await dc.client.updateDeploymentStatus(d.metadata.namespace ?? '', d);
  d.metadata.resourceVersion = out.metadata.resourceVersion;
  return out;
}

/** Update of d (spec and metadata); d keeps the new resourceVersion. */
export async function updateDeployment(dc: SyncContext, d: Deployment): Promise<Deployment> {
  const out = await dc.client.updateDeployment(d.metadata.namespace ?? '', d);
  d.metadata.resourceVersion = out.metadata.resourceVersion;
  return out;
}

/** syncStatusOnly: a Deployment being deleted only has its status brought up to date. */
export async function syncStatusOnly(dc: SyncContext, d: Deployment, rsList: ReplicaSet[]): Promise<void> {
  const [newRS, oldRSs] = await getAllReplicaSetsAndSyncRevision(dc, d, rsList, false);
  await syncDeploymentStatus(dc, [...oldRSs, newRS], newRS, d);
}

/**
 * sync: reconciles a paused Deployment, or one whose replicas changed (a scaling event):
 * scale, clean up old ReplicaSets when paused, update the status. No rollout happens.
 */
export async function sync(dc: SyncContext, d: Deployment, rsList: ReplicaSet[]): Promise<void> {
  const [newRS, oldRSs] = await getAllReplicaSetsAndSyncRevision(dc, d, rsList, false);
  await scale(dc, d, newRS, oldRSs);
  // Clean up the deployment when it's paused and no rollback is in flight.
  if (d.spec?.paused && getRollbackTo(d) === undefined) await cleanupDeployment(dc, oldRSs, d);
  await syncDeploymentStatus(dc, [...oldRSs, newRS], newRS, d);
}

/**
 * checkPausedConditions: a paused Deployment gets Progressing=Unknown DeploymentPaused,
 * and DeploymentResumed when resumed, so the time spent paused never counts against
 * progressDeadlineSeconds. A rollout already reported as timed out keeps that.
 */
export async function checkPausedConditions(dc: SyncContext, d: Deployment): Promise<void> {
  if (!hasProgressDeadline(d)) return;
  const cond = getDeploymentCondition(d.status, 'Progressing');
  if (cond?.reason === TIMED_OUT_REASON) return;
  const pausedCondExists = cond?.reason === PAUSED_DEPLOY_REASON;
  const now = dc.clock.now();
  d.status ??= {};
  if (d.spec?.paused && !pausedCondExists) {
    setDeploymentCondition(d.status, newDeploymentCondition('Progressing', 'Unknown', PAUSED_DEPLOY_REASON, 'Deployment is paused', now));
  } else if (!d.spec?.paused && pausedCondExists) {
    setDeploymentCondition(d.status, newDeploymentCondition('Progressing', 'Unknown', RESUMED_DEPLOY_REASON, 'Deployment is resumed', now));
  } else {
    return;
  }
  await updateStatus(dc, d);
}

/**
 * getAllReplicaSetsAndSyncRevision: the new ReplicaSet (created when create is true and
 * there is none) with its revision brought up to the highest old revision + 1, and all
 * old ones. rsList comes from claiming (controller.ts).
 */
export async function getAllReplicaSetsAndSyncRevision(dc: SyncContext, d: Deployment, rsList: ReplicaSet[], create: boolean): Promise<[ReplicaSet | undefined, ReplicaSet[]]> {
  const [, allOldRSs] = findOldReplicaSets(d, rsList);
  const newRS = await getNewReplicaSet(dc, d, rsList, allOldRSs, create);
  return [newRS, allOldRSs];
}

/**
 * getNewReplicaSet: the ReplicaSet whose template is the Deployment's, its annotations
 * synced (the Deployment's annotations, revision, minReadySeconds); the Deployment's
 * revision annotation follows it. Without one and with create, one is created, named
 * <deployment>-<pod-template-hash>, owned by the Deployment, sized by
 * NewRSNewReplicas. An AlreadyExists is either our own ReplicaSet seen late (the cache)
 * or a hash collision, which bumps status.collisionCount and retries.
 */
export async function getNewReplicaSet(dc: SyncContext, d: Deployment, rsList: ReplicaSet[], oldRSs: ReplicaSet[], create: boolean): Promise<ReplicaSet | undefined> {
  const existing = findNewReplicaSet(d, rsList);
  const newRevision = String(maxRevision(oldRSs) + 1);
  const namespace = d.metadata.namespace ?? '';
  const now = dc.clock.now();
  d.status ??= {};

  if (existing) {
    const rsCopy = structuredClone(existing);
    // A ReplicaSet made new again (a rollback: kubectl rollout undo copied its template
    // back) gets the next revision here, its old one going into revision-history.
    const annotationsUpdated = setNewReplicaSetAnnotations(d, rsCopy, newRevision, true, MAX_REV_HISTORY_LENGTH_IN_CHARS);
    const minReadySecondsNeedsUpdate = (rsCopy.spec?.minReadySeconds ?? 0) !== (d.spec?.minReadySeconds ?? 0);
    if (annotationsUpdated || minReadySecondsNeedsUpdate) {
      if (rsCopy.spec) rsCopy.spec.minReadySeconds = d.spec?.minReadySeconds ?? 0;
      const updated = await dc.client.updateReplicaSet(namespace, rsCopy);
      // Later steps of this sync see the ReplicaSet as written, not the cache's older
      // copy (whose resourceVersion would only earn a conflict).
      const i = rsList.indexOf(existing);
      if (i >= 0) rsList[i] = updated;
      return updated;
    }
    let needsUpdate = setDeploymentRevision(d, rsCopy.metadata.annotations?.[REVISION_ANNOTATION] ?? '');
    // A Deployment that never reported progress (progressDeadlineSeconds just set) starts
    // counting from the first time its new ReplicaSet is seen.
    if (hasProgressDeadline(d) && !getDeploymentCondition(d.status, 'Progressing')) {
      setDeploymentCondition(d.status, newDeploymentCondition('Progressing', 'True', FOUND_NEW_RS_REASON, `Found new replica set "${rsCopy.metadata.name}"`, now));
      needsUpdate = true;
    }
    if (needsUpdate) await updateStatus(dc, d);
    return rsCopy;
  }

  if (!create) return undefined;

  const template = structuredClone(d.spec?.template ?? {});
  const hash = computeHash(template, d.status.collisionCount);
  template.metadata = { ...template.metadata, labels: cloneAndAddLabel(d.spec?.template?.metadata?.labels, DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY, hash) };
  const newRS: ReplicaSet = {
    apiVersion: 'apps/v1', kind: 'ReplicaSet',
    metadata: {
      // A deterministic name makes the create idempotent.
      name: `${d.metadata.name}-${hash}`,
      namespace,
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata.name as string, uid: d.metadata.uid as string, controller: true, blockOwnerDeletion: true }],
      labels: template.metadata.labels,
    },
    spec: {
      replicas: 0,
      minReadySeconds: d.spec?.minReadySeconds ?? 0,
      selector: cloneSelectorAndAddLabel(d.spec?.selector, DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY, hash),
      template,
    },
  };
  const newReplicasCount = newRSNewReplicas(d, [...oldRSs, newRS], newRS);
  (newRS.spec as NonNullable<ReplicaSet['spec']>).replicas = newReplicasCount;
  setNewReplicaSetAnnotations(d, newRS, newRevision, false, MAX_REV_HISTORY_LENGTH_IN_CHARS);

  let created: ReplicaSet;
  let alreadyExists = false;
  try {
    created = await dc.client.createReplicaSet(namespace, newRS);
  } catch (err) {
    if (isAlreadyExists(err)) {
      alreadyExists = true;
      const rs = dc.cachedReplicaSet(namespace, newRS.metadata.name as string);
      if (!rs) throw err; // not in the cache yet: retried later
      const ref = rs.metadata.ownerReferences?.find((r) => r.controller === true);
      if (ref?.uid === d.metadata.uid && findNewReplicaSet(d, [rs])) {
        // Ours: the cache had not caught up with our own create.
        created = rs;
      } else {
        // A hash collision with a ReplicaSet of another template: retry under the next
        // collisionCount (the error requeues the Deployment).
        const before = d.status.collisionCount ?? 0;
        d.status.collisionCount = before + 1;
        try {
          await updateStatus(dc, d);
          dc.log.info({ deployment: `${namespace}/${d.metadata.name}`, oldCollisionCount: before, newCollisionCount: before + 1 },
            'Found a hash collision for deployment - bumping collisionCount to resolve it');
        } catch (statusErr) {
          dc.log.warn({ err: statusErr }, 'could not record the collisionCount');
        }
        throw err;
      }
    } else if (isNamespaceTerminating(err)) {
      // Every create in a terminating namespace fails: nothing to report.
      throw err;
    } else {
      const msg = `Failed to create new replica set "${newRS.metadata.name}": ${err instanceof Error ? err.message : String(err)}`;
      if (hasProgressDeadline(d)) {
        setDeploymentCondition(d.status, newDeploymentCondition('Progressing', 'False', FAILED_RS_CREATE_REASON, msg, now));
        // The failure to report matters more than whether this write works.
        await updateStatus(dc, d).catch(() => undefined);
      }
      dc.recorder.event(eventObject(d), 'Warning', FAILED_RS_CREATE_REASON, msg);
      throw err;
    }
  }
  if (!alreadyExists && newReplicasCount > 0) {
    dc.recorder.event(eventObject(d), 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${created.metadata.name} from 0 to ${newReplicasCount}`);
  }
  let needsUpdate = setDeploymentRevision(d, newRevision);
  if (!alreadyExists && hasProgressDeadline(d)) {
    setDeploymentCondition(d.status, newDeploymentCondition('Progressing', 'True', NEW_REPLICA_SET_REASON, `Created new replica set "${created.metadata.name}"`, now));
    needsUpdate = true;
  }
  if (needsUpdate) await updateStatus(dc, d);
  return created;
}

/**
 * scale: on a scaling event or while paused. One active ReplicaSet (or none: the newest)
 * is simply set to spec.replicas; a saturated new ReplicaSet has the old ones scaled to
 * zero; otherwise a rolling Deployment spreads the change over its active ReplicaSets in
 * proportion to their sizes (util.ts proportionalScale), so scaling mid-rollout neither
 * hastens nor slows the rollout.
 */
export async function scale(dc: SyncContext, d: Deployment, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): Promise<void> {
  const activeOrLatest = findActiveOrLatest(newRS, oldRSs);
  if (activeOrLatest) {
    if (rsReplicas(activeOrLatest) === replicasOf(d)) return;
    await scaleReplicaSetAndRecordEvent(dc, activeOrLatest, replicasOf(d), d);
    return;
  }
  // A saturated new ReplicaSet: old ones go to zero (adoption during a saturated rollout).
  if (isSaturated(d, newRS)) {
    for (const old of filterActive(oldRSs)) await scaleReplicaSetAndRecordEvent(dc, old, 0, d);
    return;
  }
  if (isRollingUpdate(d)) {
    const { operation, sizes } = proportionalScale(d, filterActive([...oldRSs, newRS]));
    // One at a time; on the first failure the Deployment is requeued.
    for (const { rs, size } of sizes) await scaleReplicaSet(dc, rs, size, d, operation);
  }
}

/** scaleReplicaSetAndRecordEvent: [scaled, the ReplicaSet as now stored]. */
export async function scaleReplicaSetAndRecordEvent(dc: SyncContext, rs: ReplicaSet, newScale: number, d: Deployment): Promise<[boolean, ReplicaSet]> {
  if (rsReplicas(rs) === newScale) return [false, rs];
  return scaleReplicaSet(dc, rs, newScale, d, rsReplicas(rs) < newScale ? 'up' : 'down');
}

/**
 * scaleReplicaSet: sets spec.replicas and the desired/max-replicas annotations (updated
 * even without a size change, so proportional scaling knows what size each ReplicaSet
 * was meant for); the ScalingReplicaSet Event when the size changed.
 */
export async function scaleReplicaSet(dc: SyncContext, rs: ReplicaSet, newScale: number, d: Deployment, operation: string): Promise<[boolean, ReplicaSet]> {
  const sizeNeedsUpdate = rsReplicas(rs) !== newScale;
  const desired = replicasOf(d);
  const max = desired + maxSurge(d);
  if (!sizeNeedsUpdate && !replicasAnnotationsNeedUpdate(rs, desired, max)) return [false, rs];
  const oldScale = rsReplicas(rs);
  const rsCopy = structuredClone(rs);
  if (rsCopy.spec) rsCopy.spec.replicas = newScale;
  setReplicasAnnotations(rsCopy, desired, max);
  const updated = await dc.client.updateReplicaSet(rsCopy.metadata.namespace ?? '', rsCopy);
  if (sizeNeedsUpdate) {
    dc.recorder.event(eventObject(d), 'Normal', 'ScalingReplicaSet', `Scaled ${operation} replica set ${updated.metadata.name} from ${oldScale} to ${newScale}`);
  }
  return [sizeNeedsUpdate, updated];
}

/**
 * cleanupDeployment: keeps the newest revisionHistoryLimit old ReplicaSets and deletes
 * the rest, lowest revision first, but only those with no replicas wanted or running
 * and whose status is current.
 */
export async function cleanupDeployment(dc: SyncContext, oldRSs: ReplicaSet[], d: Deployment): Promise<void> {
  if (!hasRevisionHistoryLimit(d)) return;
  const cleanable = oldRSs.filter((rs) => rs && !rs.metadata.deletionTimestamp);
  const diff = cleanable.length - (d.spec?.revisionHistoryLimit ?? 0);
  if (diff <= 0) return;
  cleanable.sort(byRevision);
  for (const rs of cleanable.slice(0, diff)) {
    // Never one that still has (or is meant to have) pods.
    if ((rs.status?.replicas ?? 0) !== 0 || rsReplicas(rs) !== 0 || (rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0) || rs.metadata.deletionTimestamp) continue;
    dc.log.debug({ replicaSet: `${rs.metadata.namespace}/${rs.metadata.name}` }, 'cleaning up old replica set');
    try {
      await dc.client.deleteReplicaSet(rs.metadata.namespace ?? '', rs.metadata.name ?? '');
    } catch (err) {
      // Stop at the first failure rather than keep loading a struggling apiserver.
      if (!isNotFound(err)) throw err;
    }
  }
}

/** syncDeploymentStatus: writes calculateStatus when it differs from the current status. */
export async function syncDeploymentStatus(dc: SyncContext, allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment): Promise<void> {
  const status = calculateStatus(allRSs, newRS, d, dc.clock.now());
  if (statusEqual(d.status, status)) return;
  d.status = status;
  await updateStatus(dc, d);
}

/**
 * calculateStatus: the counts summed over the ReplicaSets' statuses, observedGeneration,
 * collisionCount kept, the conditions kept and Available set: True
 * (MinimumReplicasAvailable) when at least replicas - maxUnavailable are available.
 * Zero counts are left out, as Go's omitempty writes them.
 */
export function calculateStatus(allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment, now: number): DeploymentStatus {
  const available = availableReplicaCount(allRSs);
  const total = replicaCount(allRSs);
  // More available than wanted (scaling down) is no negative unavailability.
  const unavailable = Math.max(0, total - available);
  const status: DeploymentStatus = omitZero({
    observedGeneration: d.metadata.generation ?? 0,
    replicas: actualReplicaCount(allRSs),
    updatedReplicas: actualReplicaCount([newRS]),
    readyReplicas: readyReplicaCount(allRSs),
    availableReplicas: available,
    unavailableReplicas: unavailable,
  });
  if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
  if (d.status?.conditions?.length) status.conditions = d.status.conditions.map((c) => ({ ...c }));
  if (available >= replicasOf(d) - maxUnavailable(d)) {
    setDeploymentCondition(status, newDeploymentCondition('Available', 'True', MINIMUM_REPLICAS_AVAILABLE, 'Deployment has minimum availability.', now));
  } else {
    setDeploymentCondition(status, newDeploymentCondition('Available', 'False', MINIMUM_REPLICAS_UNAVAILABLE, 'Deployment does not have minimum availability.', now));
  }
  return status;
}

function omitZero(s: Record<string, number>): DeploymentStatus {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(s)) if (v !== 0) out[k] = v;
  return out as DeploymentStatus;
}

/** The status as Go compares it (reflect.DeepEqual of the Go struct): zero and absent alike, field order irrelevant. */
function canonicalStatus(s: DeploymentStatus | undefined): string {
  const n = (v: number | undefined): number => v ?? 0;
  const str = (v: string | undefined): string => v ?? '';
  return JSON.stringify([
    n(s?.observedGeneration), n(s?.replicas), n(s?.updatedReplicas), n(s?.readyReplicas), n(s?.availableReplicas),
    n(s?.unavailableReplicas), n(s?.terminatingReplicas), s?.collisionCount ?? null,
    (s?.conditions ?? []).map((c) => [c.type, c.status, str(c.lastUpdateTime), str(c.lastTransitionTime), str(c.reason), str(c.message)]),
  ]);
}

export function statusEqual(a: DeploymentStatus | undefined, b: DeploymentStatus | undefined): boolean {
  return canonicalStatus(a) === canonicalStatus(b);
}

/**
 * isScalingEvent: an active ReplicaSet was last scaled for another spec.replicas than
 * the Deployment's now (its desired-replicas annotation): the user scaled.
 */
export async function isScalingEvent(dc: SyncContext, d: Deployment, rsList: ReplicaSet[]): Promise<boolean> {
  const [newRS, oldRSs] = await getAllReplicaSetsAndSyncRevision(dc, d, rsList, false);
  for (const rs of filterActive([...oldRSs, newRS])) {
    const desired = desiredReplicasAnnotation(rs);
    if (desired !== undefined && desired !== replicasOf(d)) return true;
  }
  return false;
}
