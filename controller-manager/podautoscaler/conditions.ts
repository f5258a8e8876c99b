// The HPA's status conditions (horizontal.go setCondition): AbleToScale, ScalingActive
// and ScalingLimited, each kept in place in the list, its lastTransitionTime moved only
// when its status changes.
import { rfc3339 } from '../../api/helpers/time.js';
import type { HorizontalPodAutoscaler, HorizontalPodAutoscalerCondition } from '../../api/types/autoscaling.js';

export type HPAConditionType = 'AbleToScale' | 'ScalingActive' | 'ScalingLimited';

/** A condition about to be set: what getUnableComputeReplicaCountCondition and friends return. */
export interface ConditionChange {
  type: HPAConditionType;
  status: 'True' | 'False';
  reason: string;
  message: string;
}

/** setCondition: adds or updates the condition of that type on hpa.status (mutates hpa). */
export function setCondition(hpa: HorizontalPodAutoscaler, c: ConditionChange, now: number): void {
  hpa.status ??= { desiredReplicas: 0 };
  const list: HorizontalPodAutoscalerCondition[] = hpa.status.conditions ?? [];
  let existing = list.find((x) => x.type === c.type);
  if (!existing) {
    existing = { type: c.type, status: '' };
    list.push(existing);
  }
  if (existing.status !== c.status) existing.lastTransitionTime = rfc3339(now);
  existing.status = c.status;
  existing.reason = c.reason;
  existing.message = c.message;
  hpa.status.conditions = list;
}
