// Writing a pod condition as Kubernetes' pkg/api/v1/pod/util.go UpdatePodCondition does:
// the controllers that mark pods (node lifecycle, taint eviction, pod GC) share it.
import type { PodCondition, PodStatus } from '../types/core.js';
import { rfc3339 } from './time.js';

/**
 * Sets condition in status, in place. lastTransitionTime becomes now (ms since the
 * epoch) unless the condition was there with the same status, which keeps its time.
 * Returns false when nothing changed (same status, reason, message and times), so
 * callers skip the write.
 */
export function updatePodCondition(status: PodStatus, condition: PodCondition, now: number): boolean {
  const conditions = (status.conditions ??= []);
  const next: PodCondition = { ...condition, lastTransitionTime: rfc3339(now) };
  const i = conditions.findIndex((c) => c.type === condition.type);
  if (i < 0) {
    conditions.push(next);
    return true;
  }
  const old = conditions[i];
  if (next.status === old.status) next.lastTransitionTime = old.lastTransitionTime;
  const same = next.status === old.status && (next.reason ?? '') === (old.reason ?? '') && (next.message ?? '') === (old.message ?? '')
    && (next.lastProbeTime ?? null) === (old.lastProbeTime ?? null) && (next.lastTransitionTime ?? null) === (old.lastTransitionTime ?? null);
  conditions[i] = next;
  return !same;
}
