// A ReplicaSet's status from the pods it owns (replica_set_utils.go's calculateStatus),
// as pure functions of their inputs and the time.
import { isDeepStrictEqual } from 'node:util';
import { isPodAvailable, isPodReady, podAvailableAt } from '../../api/helpers/pod.js';
import { rfc3339 } from '../../api/helpers/time.js';
import { selectorFromSet } from '../../api/labels.js';
import type { ReplicaSet, ReplicaSetCondition, ReplicaSetStatus } from '../../api/types/apps.js';
import type { Pod } from '../../api/types/core.js';
import { FAILED_CREATE_POD_REASON, FAILED_DELETE_POD_REASON } from '../pod-control.js';
import { desiredReplicas } from './kinds.js';

/** The condition a ReplicaSet gets when it could not create or delete pods. */
export const REPLICA_FAILURE = 'ReplicaFailure';

export function getCondition(status: ReplicaSetStatus | undefined, type: string): ReplicaSetCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/** SetCondition: replaces the condition of its type, unless one with the same status and reason is there. */
export function setCondition(status: ReplicaSetStatus, cond: ReplicaSetCondition): void {
  const current = getCondition(status, cond.type);
  if (current && current.status === cond.status && current.reason === cond.reason) return;
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== cond.type), cond];
}

/** RemoveCondition (no conditions left: the field is left out, as Go's nil slice). */
export function removeCondition(status: ReplicaSetStatus, type: string): void {
  const rest = (status.conditions ?? []).filter((c) => c.type !== type);
  if (rest.length) status.conditions = rest;
  else delete status.conditions;
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * calculateStatus: counts over the active pods the ReplicaSet owns (activePods):
 * replicas (all of them), fullyLabeledReplicas (those carrying every label of the
 * template), readyReplicas (Ready) and availableReplicas (Ready for minReadySeconds at
 * now, ms). A failed manageReplicas sets ReplicaFailure (reason FailedCreate when
 * there were too few pods, FailedDelete when too many, message the error), a
 * successful one removes it; a condition already set is kept as it is. Counts that
 * are zero are left out, as Go's omitempty leaves them out (replicas excepted).
 * observedGeneration is carried over; the status writer sets it. terminatingReplicas
 * stays unset, as with Kubernetes 1.32's DeploymentReplicaSetTerminatingReplicas off.
 */
export function calculateStatus(rs: ReplicaSet, activePods: readonly Pod[], manageReplicasErr: unknown, now: number): ReplicaSetStatus {
  const prev = rs.status;
  const templateLabels = selectorFromSet(rs.spec?.template?.metadata?.labels);
  const minReadySeconds = rs.spec?.minReadySeconds ?? 0;
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const pod of activePods) {
    if (templateLabels.matches(pod.metadata.labels)) fullyLabeled++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReadySeconds, now)) available++;
    }
  }
  const status: ReplicaSetStatus = { replicas: activePods.length };
  if (fullyLabeled) status.fullyLabeledReplicas = fullyLabeled;
  if (ready) status.readyReplicas = ready;
  if (available) status.availableReplicas = available;
  if (prev?.observedGeneration) status.observedGeneration = prev.observedGeneration;
  if (prev?.conditions?.length) status.conditions = structuredClone(prev.conditions);

  const failure = getCondition(prev, REPLICA_FAILURE);
  if (manageReplicasErr !== undefined && manageReplicasErr !== null && !failure) {
    const diff = activePods.length - desiredReplicas(rs);
    const reason = diff < 0 ? FAILED_CREATE_POD_REASON : diff > 0 ? FAILED_DELETE_POD_REASON : '';
    setCondition(status, { type: REPLICA_FAILURE, status: 'True', lastTransitionTime: rfc3339(now), reason, message: messageOf(manageReplicasErr) });
  } else if ((manageReplicasErr === undefined || manageReplicasErr === null) && failure) {
    removeCondition(status, REPLICA_FAILURE);
  }
  return status;
}

/**
 * True when writing status would change nothing: the same counts and conditions, and
 * the current generation already observed (the steady state, where no write is made).
 */
export function statusUnchanged(rs: ReplicaSet, next: ReplicaSetStatus): boolean {
  const cur = rs.status;
  return (cur?.replicas ?? 0) === next.replicas &&
    (cur?.fullyLabeledReplicas ?? 0) === (next.fullyLabeledReplicas ?? 0) &&
    (cur?.readyReplicas ?? 0) === (next.readyReplicas ?? 0) &&
    (cur?.availableReplicas ?? 0) === (next.availableReplicas ?? 0) &&
    cur?.terminatingReplicas === next.terminatingReplicas &&
    (rs.metadata.generation ?? 0) === (cur?.observedGeneration ?? 0) &&
    isDeepStrictEqual(cur?.conditions ?? [], next.conditions ?? []);
}

/**
 * How long (ms) until the next of pods that are Ready but not yet available becomes
 * available, so the controller can sync at that moment and count it; undefined when
 * no pod is waiting. Example: minReadySeconds 10, a pod Ready since 12:00:00 and now
 * 12:00:04 → 6000.
 */
export function nextAvailabilityCheck(pods: readonly Pod[], minReadySeconds: number, now: number): number | undefined {
  if (minReadySeconds <= 0) return undefined;
  let next: number | undefined;
  for (const pod of pods) {
    const at = podAvailableAt(pod, minReadySeconds);
    if (at === undefined || at <= now) continue;
    if (next === undefined || at < next) next = at;
  }
  return next === undefined ? undefined : next - now;
}
