// The Recreate strategy (Kubernetes' pkg/controller/deployment/recreate.go): scale every
// old ReplicaSet to zero, wait until none of their pods is left running, and only then
// create (or scale up) the new ReplicaSet. The pod delete handler (controller.ts)
// brings the sync that sees the last old pod gone.
import type { Deployment, ReplicaSet } from '../../api/types/apps.js';
import type { Pod } from '../../api/types/core.js';
import { syncRolloutStatus } from './progress.js';
import { cleanupDeployment, getAllReplicaSetsAndSyncRevision, scaleReplicaSetAndRecordEvent, type SyncContext } from './sync.js';
import { actualReplicaCount, deploymentComplete, filterActive, replicasOf, rsReplicas } from './util.js';

/** rolloutRecreate: one step of a Recreate rollout, then the status. */
export async function rolloutRecreate(dc: SyncContext, d: Deployment, rsList: ReplicaSet[], podMap: Map<string, Pod[]>): Promise<void> {
  // No new ReplicaSet yet: it is created only once the old pods are gone, so that it
  // never runs beside them.
  let [newRS, oldRSs] = await getAllReplicaSetsAndSyncRevision(dc, d, rsList, false);
  let allRSs = [...oldRSs, newRS];

  if (await scaleDownOldReplicaSetsForRecreate(dc, filterActive(oldRSs), d)) {
    await syncRolloutStatus(dc, allRSs, newRS, d);
    return;
  }
  if (oldPodsRunning(newRS, oldRSs, podMap)) {
    await syncRolloutStatus(dc, allRSs, newRS, d);
    return;
  }
  if (!newRS) {
    [newRS, oldRSs] = await getAllReplicaSetsAndSyncRevision(dc, d, rsList, true);
    allRSs = [...oldRSs, newRS];
  }
  if (newRS) await scaleReplicaSetAndRecordEvent(dc, newRS, replicasOf(d), d);
  if (deploymentComplete(d, d.status ?? {})) await cleanupDeployment(dc, oldRSs, d);
  await syncRolloutStatus(dc, allRSs, newRS, d);
}

/** scaleDownOldReplicaSetsForRecreate: every old ReplicaSet to zero; true when any was scaled. */
export async function scaleDownOldReplicaSetsForRecreate(dc: SyncContext, oldRSs: ReplicaSet[], d: Deployment): Promise<boolean> {
  let scaled = false;
  for (const rs of oldRSs) {
    if (rsReplicas(rs) === 0) continue;
    const [did] = await scaleReplicaSetAndRecordEvent(dc, rs, 0, d);
    if (did) scaled = true;
  }
  return scaled;
}

/**
 * oldPodsRunning: whether any pod of an old ReplicaSet may still run: the old
 * ReplicaSets still count replicas, or a pod of theirs is not yet Succeeded or Failed
 * (Unknown counts as running: a pod on an unreachable node may well be).
 */
export function oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[], podMap: Map<string, Pod[]>): boolean {
  if (actualReplicaCount(oldRSs) > 0) return true;
  for (const [rsUID, pods] of podMap) {
    if (newRS && newRS.metadata.uid === rsUID) continue;
    for (const pod of pods) {
      const phase = pod.status?.phase;
      if (phase === 'Failed' || phase === 'Succeeded') continue;
      return true;
    }
  }
  return false;
}
