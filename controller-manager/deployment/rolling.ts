// The RollingUpdate strategy (Kubernetes' pkg/controller/deployment/rolling.go): grow
// the new ReplicaSet as far as maxSurge allows, shrink old ones as far as
// maxUnavailable allows (unhealthy replicas first), one step per sync; each step's
// ReplicaSet events bring the next sync.
//
// Worked example, replicas 4, maxSurge 1, maxUnavailable 1 (at most 5 pods, at least 3
// available), all 4 old pods available:
//   sync 1: new ReplicaSet created at 1 (5 pods); 4 available > 3: old 4 -> 3
//   sync 2: 4 pods < 5: new 1 -> 2; old waits (3 available, none to spare)
//   a new pod becomes available (4 available): old 3 -> 2, then new 2 -> 3, and so on
//   until new 4, old 0.
import type { Deployment, ReplicaSet } from '../../api/types/apps.js';
import { syncRolloutStatus } from './progress.js';
import { cleanupDeployment, getAllReplicaSetsAndSyncRevision, scaleReplicaSetAndRecordEvent, type SyncContext } from './sync.js';
import {
  availableReplicaCount, byCreationTimestamp, deploymentComplete, filterActive, maxScaledDown, maxUnavailable,
  newRSNewReplicas, replicaCount, replicasOf, rsReplicas,
} from './util.js';

/** rolloutRolling: one step of a rolling update, then the status. */
export async function rolloutRolling(dc: SyncContext, d: Deployment, rsList: ReplicaSet[]): Promise<void> {
  const [newRS, oldRSs] = await getAllReplicaSetsAndSyncRevision(dc, d, rsList, true);
  // create=true: a new ReplicaSet exists now (or the create threw).
  const rs = newRS as ReplicaSet;
  const allRSs = [...oldRSs, rs];

  if (await reconcileNewReplicaSet(dc, allRSs, rs, d)) {
    await syncRolloutStatus(dc, allRSs, rs, d);
    return;
  }
  if (await reconcileOldReplicaSets(dc, allRSs, filterActive(oldRSs), rs, d)) {
    await syncRolloutStatus(dc, allRSs, rs, d);
    return;
  }
  if (deploymentComplete(d, d.status ?? {})) await cleanupDeployment(dc, oldRSs, d);
  await syncRolloutStatus(dc, allRSs, rs, d);
}

/** reconcileNewReplicaSet: scales the new ReplicaSet down to replicas, or up as far as NewRSNewReplicas allows. */
export async function reconcileNewReplicaSet(dc: SyncContext, allRSs: ReplicaSet[], newRS: ReplicaSet, d: Deployment): Promise<boolean> {
  const replicas = replicasOf(d);
  if (rsReplicas(newRS) === replicas) return false;
  if (rsReplicas(newRS) > replicas) {
    const [scaled] = await scaleReplicaSetAndRecordEvent(dc, newRS, replicas, d);
    return scaled;
  }
  const [scaled] = await scaleReplicaSetAndRecordEvent(dc, newRS, newRSNewReplicas(d, allRSs, newRS), d);
  return scaled;
}

/**
 * reconcileOldReplicaSets: scales old ReplicaSets down, never below the availability
 * maxUnavailable guarantees, and never by more than maxScaledDown (util.ts), so that
 * pods of a new ReplicaSet that do not become available cannot drain the old ones.
 * Unhealthy old replicas go first: removing them costs no availability.
 */
export async function reconcileOldReplicaSets(dc: SyncContext, allRSs: ReplicaSet[], oldRSs: ReplicaSet[], newRS: ReplicaSet, d: Deployment): Promise<boolean> {
  if (replicaCount(oldRSs) === 0) return false;
  const limit = maxScaledDown(d, allRSs, newRS);
  if (limit <= 0) return false;
  let cleaned: [ReplicaSet[], number];
  try {
    cleaned = await cleanupUnhealthyReplicas(dc, oldRSs, d, limit);
  } catch (err) {
    // As Kubernetes: a failed step is not an error; the next sync tries again.
    dc.log.warn({ err }, 'cleaning up unhealthy replicas failed');
    return false;
  }
  const [olds, cleanupCount] = cleaned;
  let scaledDownCount: number;
  try {
    scaledDownCount = await scaleDownOldReplicaSetsForRollingUpdate(dc, [...olds, newRS], olds, d);
  } catch (err) {
    dc.log.warn({ err }, 'scaling down old replica sets failed');
    return false;
  }
  return cleanupCount + scaledDownCount > 0;
}

/**
 * cleanupUnhealthyReplicas: scales each old ReplicaSet (oldest first) down by its
 * unavailable replicas, at most maxCleanupCount in all. The ReplicaSet controller
 * deletes not-ready pods first, so this removes exactly the unhealthy ones.
 */
export async function cleanupUnhealthyReplicas(dc: SyncContext, oldRSs: ReplicaSet[], d: Deployment, maxCleanupCount: number): Promise<[ReplicaSet[], number]> {
  const olds = [...oldRSs].sort(byCreationTimestamp);
  let total = 0;
  for (let i = 0; i < olds.length; i++) {
    if (total >= maxCleanupCount) break;
    const rs = olds[i];
    const available = rs.status?.availableReplicas ?? 0;
    if (rsReplicas(rs) === 0 || rsReplicas(rs) === available) continue;
    const count = Math.min(maxCleanupCount - total, rsReplicas(rs) - available);
    const newReplicas = rsReplicas(rs) - count;
    if (newReplicas > rsReplicas(rs)) {
      throw new Error(`when cleaning up unhealthy replicas, got invalid request to scale down ${rs.metadata.namespace}/${rs.metadata.name} ${rsReplicas(rs)} -> ${newReplicas}`);
    }
    const [, updated] = await scaleReplicaSetAndRecordEvent(dc, rs, newReplicas, d);
    total += count;
    olds[i] = updated;
  }
  return [olds, total];
}

/**
 * scaleDownOldReplicaSetsForRollingUpdate: scales old ReplicaSets (oldest first) down
 * by the available pods above replicas - maxUnavailable.
 */
export async function scaleDownOldReplicaSetsForRollingUpdate(dc: SyncContext, allRSs: ReplicaSet[], oldRSs: ReplicaSet[], d: Deployment): Promise<number> {
  const minAvailable = replicasOf(d) - maxUnavailable(d);
  const available = availableReplicaCount(allRSs);
  if (available <= minAvailable) return 0;
  const totalScaleDown = available - minAvailable;
  let total = 0;
  for (const rs of [...oldRSs].sort(byCreationTimestamp)) {
    if (total >= totalScaleDown) break;
    if (rsReplicas(rs) === 0) continue;
    const count = Math.min(rsReplicas(rs), totalScaleDown - total);
    const newReplicas = rsReplicas(rs) - count;
    if (newReplicas > rsReplicas(rs)) {
      throw new Error(`when scaling down old RS, got invalid request to scale down ${rs.metadata.namespace}/${rs.metadata.name} ${rsReplicas(rs)} -> ${newReplicas}`);
    }
    await scaleReplicaSetAndRecordEvent(dc, rs, newReplicas, d);
    total += count;
  }
  return total;
}
