// Pod tracking with the batch.kubernetes.io/job-tracking finalizer (tracking_utils.go
// and the uncounted-pods helpers of job_controller.go): a Job's pods carry the
// finalizer from creation; a finished pod's uid goes into
// status.uncountedTerminatedPods first, then its finalizer is removed, then it moves
// into status.succeeded or status.failed. So a pod is counted once, even when the
// controller restarts between the steps.
import { JOB_TRACKING_FINALIZER, type JobStatus } from '../../api/types/batch.js';
import type { Pod } from '../../api/types/core.js';

export const hasTrackingFinalizer = (pod: Pick<Pod, 'metadata'>): boolean => (pod.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER);

/** removeTrackingFinalizerPatch: a strategic merge patch taking the finalizer out, or undefined when the pod has none. */
export function removeTrackingFinalizerPatch(pod: Pick<Pod, 'metadata'>): unknown {
  if (!hasTrackingFinalizer(pod)) return undefined;
  return { metadata: { '$deleteFromPrimitiveList/finalizers': [JOB_TRACKING_FINALIZER] } };
}

/**
 * cleanUncountedPodsWithoutFinalizers: moves the uids of status.uncountedTerminatedPods
 * whose pod no longer holds the finalizer into the succeeded and failed counters.
 * Returns whether the status changed. Example: uncounted succeeded [a, b], only b
 * still holds the finalizer → succeeded += 1, uncounted succeeded [b].
 */
export function cleanUncountedPodsWithoutFinalizers(status: JobStatus, uidsWithFinalizer: ReadonlySet<string>): boolean {
  const uncounted = (status.uncountedTerminatedPods ??= {});
  let changed = false;
  const keep = (uids: string[] | undefined): string[] => (uids ?? []).filter((u) => uidsWithFinalizer.has(u));
  const succeeded = keep(uncounted.succeeded);
  if (succeeded.length !== (uncounted.succeeded ?? []).length) {
    status.succeeded = (status.succeeded ?? 0) + (uncounted.succeeded ?? []).length - succeeded.length;
    uncounted.succeeded = succeeded;
    changed = true;
  }
  const failed = keep(uncounted.failed);
  if (failed.length !== (uncounted.failed ?? []).length) {
    status.failed = (status.failed ?? 0) + (uncounted.failed ?? []).length - failed.length;
    uncounted.failed = failed;
    changed = true;
  }
  return changed;
}

/**
 * uidTrackingExpectations for finalizers: the pods of each Job whose finalizer removal
 * was asked for and not yet seen by the informer, so a sync on a stale cache does not
 * count them again.
 */
export class FinalizerExpectations {
  private readonly byJob = new Map<string, Set<string>>();

  expectRemoved(jobKey: string, uids: readonly string[]): void {
    if (!uids.length) return;
    const set = this.byJob.get(jobKey) ?? new Set<string>();
    for (const u of uids) set.add(u);
    this.byJob.set(jobKey, set);
  }

  removalObserved(jobKey: string, uid: string): void {
    const set = this.byJob.get(jobKey);
    if (!set) return;
    set.delete(uid);
    if (set.size === 0) this.byJob.delete(jobKey);
  }

  expected(jobKey: string): ReadonlySet<string> {
    return this.byJob.get(jobKey) ?? new Set<string>();
  }

  delete(jobKey: string): void {
    this.byJob.delete(jobKey);
  }
}

/** MaxUncountedPods: finished pods added to uncountedTerminatedPods per sync at most. */
export const MAX_UNCOUNTED_PODS = 500;
