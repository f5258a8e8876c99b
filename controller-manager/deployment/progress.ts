// Rollout progress (Kubernetes' pkg/controller/deployment/progress.go): the Progressing
// condition a rollout reports (NewReplicaSetAvailable when complete, ReplicaSetUpdated
// while it makes progress, ProgressDeadlineExceeded when it has made none for
// progressDeadlineSeconds), ReplicaFailure copied from the ReplicaSets, and a requeue
// at the deadline so a stuck rollout is reported on time without any other event.
import type { DeploymentCondition, DeploymentStatus, Deployment, ReplicaSet } from '../../api/types/apps.js';
import { parseTime } from '../../api/helpers/time.js';
import { calculateStatus, statusEqual, updateStatus, type SyncContext } from './sync.js';
import {
  NEW_RS_AVAILABLE_REASON, REPLICA_SET_UPDATED_REASON, TIMED_OUT_REASON, deploymentComplete, deploymentProgressing,
  deploymentTimedOut, getDeploymentCondition, hasProgressDeadline, newDeploymentCondition, removeDeploymentCondition,
  replicaSetToDeploymentCondition, setDeploymentCondition,
} from './util.js';

/**
 * syncRolloutStatus: the status of a Deployment during a rollout, with its Progressing
 * condition (only with a progress deadline) and ReplicaFailure; written when it
 * changed, and otherwise a stuck rollout is requeued for its deadline.
 */
export async function syncRolloutStatus(dc: SyncContext, allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment): Promise<void> {
  const now = dc.clock.now();
  const newStatus = calculateStatus(allRSs, newRS, d, now);
  if (!hasProgressDeadline(d)) removeDeploymentCondition(newStatus, 'Progressing');

  // With one active ReplicaSet and a rollout already complete this is a resync, not a
  // rollout: there is no progress to estimate.
  const currentCond = getDeploymentCondition(d.status, 'Progressing');
  const isCompleteDeployment = (newStatus.replicas ?? 0) === (newStatus.updatedReplicas ?? 0) && currentCond?.reason === NEW_RS_AVAILABLE_REASON;
  if (hasProgressDeadline(d) && !isCompleteDeployment) {
    if (deploymentComplete(d, newStatus)) {
      const msg = newRS ? `ReplicaSet "${newRS.metadata.name}" has successfully progressed.` : `Deployment "${d.metadata.name}" has successfully progressed.`;
      setDeploymentCondition(newStatus, newDeploymentCondition('Progressing', 'True', NEW_RS_AVAILABLE_REASON, msg, now));
    } else if (deploymentProgressing(d, newStatus)) {
      // Progress: the condition is updated (lastUpdateTime is what the deadline counts
      // from) even though its reason stays ReplicaSetUpdated, keeping its transition time.
      const msg = newRS ? `ReplicaSet "${newRS.metadata.name}" is progressing.` : `Deployment "${d.metadata.name}" is progressing.`;
      const condition = newDeploymentCondition('Progressing', 'True', REPLICA_SET_UPDATED_REASON, msg, now);
      if (currentCond) {
        if (currentCond.status === 'True') condition.lastTransitionTime = currentCond.lastTransitionTime;
        removeDeploymentCondition(newStatus, 'Progressing');
      }
      setDeploymentCondition(newStatus, condition);
    } else if (deploymentTimedOut(d, newStatus, now)) {
      const msg = newRS ? `ReplicaSet "${newRS.metadata.name}" has timed out progressing.` : `Deployment "${d.metadata.name}" has timed out progressing.`;
      setDeploymentCondition(newStatus, newDeploymentCondition('Progressing', 'False', TIMED_OUT_REASON, msg, now));
    }
  }

  // At most one ReplicaFailure: the new ReplicaSet's before the old ones'.
  const failures = replicaFailures(allRSs, newRS);
  if (failures.length) setDeploymentCondition(newStatus, failures[0]);
  else removeDeploymentCondition(newStatus, 'ReplicaFailure');

  if (statusEqual(d.status, newStatus)) {
    requeueStuckDeployment(dc, d, newStatus);
    return;
  }
  d.status = newStatus;
  await updateStatus(dc, d);
}

/** getReplicaFailures: the ReplicaFailure conditions of the new ReplicaSet, else of all of them. */
export function replicaFailures(allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): DeploymentCondition[] {
  const of = (rs: ReplicaSet | undefined): DeploymentCondition[] =>
    (rs?.status?.conditions ?? []).filter((c) => c.type === 'ReplicaFailure').map(replicaSetToDeploymentCondition);
  const fromNew = of(newRS);
  if (fromNew.length) return fromNew;
  return allRSs.flatMap(of);
}

/**
 * requeueStuckDeployment: a rollout that shows no progress is synced again when its
 * deadline passes (lastUpdateTime + progressDeadlineSeconds; a second later, against
 * timer skew), at once (rate-limited) when that is under a second away. Returns the
 * delay in ms, -1 when there is nothing to wait for.
 *
 *   lastUpdateTime 00:00:00, now 00:03:00, progressDeadlineSeconds 600 -> check in 7 min
 */
export function requeueStuckDeployment(dc: SyncContext, d: Deployment, newStatus: DeploymentStatus): number {
  const currentCond = getDeploymentCondition(d.status, 'Progressing');
  if (!hasProgressDeadline(d) || !currentCond) return -1;
  if (deploymentComplete(d, newStatus) || currentCond.reason === TIMED_OUT_REASON) return -1;
  const from = parseTime(currentCond.lastUpdateTime);
  if (Number.isNaN(from)) return -1;
  const after = from + (d.spec?.progressDeadlineSeconds ?? 0) * 1000 - dc.clock.now();
  if (after < 1000) {
    dc.enqueueRateLimited(d);
    return 0;
  }
  dc.enqueueAfter(d, after + 1000);
  return after;
}
