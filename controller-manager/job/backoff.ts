// Pod-retry backoff of Jobs (backoff_utils.go): after n failures since the last
// success, new pods wait 10 s doubled n-1 times, at most 6 min, counted from the
// last failure.
import { parseTime } from '../../api/helpers/time.js';
import type { Pod } from '../../api/types/core.js';

/** DefaultJobPodFailureBackOff. */
export const DEFAULT_POD_FAILURE_BACKOFF_MS = 10_000;
/** MaxJobPodFailureBackOff. */
export const MAX_POD_FAILURE_BACKOFF_MS = 360_000;

/** A Job's failures since its last success and when the last one happened (ms). */
export interface BackoffRecord {
  failuresAfterLastSuccess: number;
  lastFailureTime?: number;
}

/**
 * getFinishedTime: when a pod finished, from (in order) its last container's
 * finishedAt (when all containers finished), its Ready=False transition, its
 * deletionTimestamp minus the grace period, else its creation.
 */
export function podFinishedTime(pod: Pod): number {
  const statuses = pod.status?.containerStatuses ?? [];
  let latest: number | undefined;
  let all = statuses.length > 0;
  for (const s of statuses) {
    const t = parseTime(s.state?.terminated?.finishedAt);
    if (!s.state?.terminated || !t) {
      all = false;
      break;
    }
    latest = latest === undefined ? t : Math.max(latest, t);
  }
  if (all && latest !== undefined) return latest;
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  const readyAt = parseTime(ready?.lastTransitionTime);
  if (ready?.status === 'False' && readyAt) return readyAt;
  const deleted = parseTime(pod.metadata.deletionTimestamp);
  if (deleted) return deleted - (pod.metadata.deletionGracePeriodSeconds ?? 0) * 1000;
  return parseTime(pod.metadata.creationTimestamp) || 0;
}

/**
 * newBackoffRecord: the record after this sync's newly finished pods. Only failures:
 * their count is added and the last one's time kept. Only successes: reset. Both:
 * the failures after the last success count, from a clean slate.
 * Example: 2 old failures, new success at t=5 and failures at t=3, 7, 9 → 2 failures, last at 9.
 */
export function nextBackoffRecord(prev: BackoffRecord | undefined, newSucceeded: readonly Pod[], newFailed: readonly Pod[]): BackoffRecord {
  const base: BackoffRecord = prev ? { ...prev } : { failuresAfterLastSuccess: 0 };
  const failedTimes = newFailed.map(podFinishedTime).sort((a, b) => a - b);
  if (newSucceeded.length === 0) {
    if (failedTimes.length === 0) return base;
    return { failuresAfterLastSuccess: base.failuresAfterLastSuccess + failedTimes.length, lastFailureTime: failedTimes[failedTimes.length - 1] };
  }
  const lastSuccess = Math.max(...newSucceeded.map(podFinishedTime));
  const after = failedTimes.filter((t) => t > lastSuccess);
  return after.length ? { failuresAfterLastSuccess: after.length, lastFailureTime: after[after.length - 1] } : { failuresAfterLastSuccess: 0 };
}

/**
 * The backoff after n consecutive failures: 10 s doubling per failure after the
 * first, capped at 6 min. Example: 1 → 10 s, 2 → 20 s, 4 → 80 s, 7 and more → 360 s.
 */
export function backoffDuration(failures: number, defaultMs = DEFAULT_POD_FAILURE_BACKOFF_MS, maxMs = MAX_POD_FAILURE_BACKOFF_MS): number {
  if (failures <= 0) return 0;
  let d = defaultMs;
  for (let i = 1; i < failures; i++) {
    d *= 2;
    if (d >= maxMs) return maxMs;
  }
  return d;
}

/** getRemainingTime: how long new pods must still wait at now; 0 when they may be created. */
export function remainingBackoff(record: BackoffRecord, now: number, defaultMs = DEFAULT_POD_FAILURE_BACKOFF_MS, maxMs = MAX_POD_FAILURE_BACKOFF_MS): number {
  if (record.failuresAfterLastSuccess === 0 || record.lastFailureTime === undefined) return 0;
  const wait = backoffDuration(record.failuresAfterLastSuccess, defaultMs, maxMs);
  const elapsed = now - record.lastFailureTime;
  return wait < elapsed ? 0 : wait - elapsed;
}
