// A StatefulSet's status from its pods (stateful_set_control.go's updateStatus,
// computeReplicaStatus, completeRollingUpdate, inconsistentStatus): pure functions.
import type { StatefulSet, StatefulSetStatus } from '../../api/types/apps.js';
import type { Pod } from '../../api/types/core.js';
import { getPodRevision, isCreated, isRunningAndAvailable, isRunningAndReady, isTerminating } from './utils.js';

/**
 * updateStatus: the counts over every list given (the replicas and the condemned):
 * replicas are pods that exist (have a phase), ready and available the Running and
 * Ready ones (available after minReadySeconds), current and updated those not being
 * deleted whose revision label names the current or update revision.
 */
export function countReplicas(status: StatefulSetStatus, minReadySeconds: number, currentRevision: string, updateRevision: string, now: number, ...lists: readonly (readonly Pod[])[]): void {
  status.replicas = 0;
  status.readyReplicas = 0;
  status.availableReplicas = 0;
  status.currentReplicas = 0;
  status.updatedReplicas = 0;
  for (const list of lists) {
    for (const pod of list) {
      if (isCreated(pod)) status.replicas++;
      if (isRunningAndReady(pod)) {
        status.readyReplicas++;
        if (isRunningAndAvailable(pod, minReadySeconds, now)) status.availableReplicas++;
      }
      if (isCreated(pod) && !isTerminating(pod)) {
        const revision = getPodRevision(pod);
        if (revision === currentRevision) status.currentReplicas++;
        if (revision === updateRevision) status.updatedReplicas++;
      }
    }
  }
}

/**
 * completeRollingUpdate: under RollingUpdate, once every replica is updated and ready,
 * the update revision becomes the current one.
 */
export function completeRollingUpdate(set: StatefulSet, status: StatefulSetStatus): void {
  if (set.spec?.updateStrategy?.type === 'RollingUpdate' && status.updatedReplicas === status.replicas && status.readyReplicas === status.replicas) {
    status.currentReplicas = status.updatedReplicas;
    status.currentRevision = status.updateRevision;
  }
}

/** inconsistentStatus: the status computed differs from the stored one in a field the controller owns (worth a write). */
export function inconsistentStatus(set: StatefulSet, status: StatefulSetStatus): boolean {
  const s = set.status;
  return (status.observedGeneration ?? 0) > (s?.observedGeneration ?? 0)
    || status.replicas !== (s?.replicas ?? 0)
    || (status.currentReplicas ?? 0) !== (s?.currentReplicas ?? 0)
    || (status.readyReplicas ?? 0) !== (s?.readyReplicas ?? 0)
    || (status.updatedReplicas ?? 0) !== (s?.updatedReplicas ?? 0)
    || (status.currentRevision ?? '') !== (s?.currentRevision ?? '')
    || (status.availableReplicas ?? 0) !== (s?.availableReplicas ?? 0)
    || (status.updateRevision ?? '') !== (s?.updateRevision ?? '')
    || (status.collisionCount ?? 0) !== (s?.collisionCount ?? 0);
}
