// One sync of a Job (job_controller.go's syncJob, manageJob and
// trackJobStatusAndRemoveFinalizers): count its pods, decide whether it failed
// (pod failure policy, backoffLimit, activeDeadlineSeconds, failed indexes) or
// succeeded (completions, success policy), create or delete pods toward parallelism,
// and write status through the uncounted-pods protocol of tracking.ts.
import { isNotFound } from '../../api/errors.js';
import { newControllerRef } from '../../api/helpers/owner-refs.js';
import { isPodActive, isPodReady } from '../../api/helpers/pod.js';
import { compareActivePods } from '../../api/helpers/pod-ranking.js';
import { parseTime, rfc3339 } from '../../api/helpers/time.js';
import {
  JOB_INDEX_FAILURE_COUNT_ANNOTATION, JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION, JOB_TRACKING_FINALIZER, type Job, type JobCondition,
} from '../../api/types/batch.js';
import type { Pod, PodTemplateSpec } from '../../api/types/core.js';
import type { ControllerExpectations } from '../expectations.js';
import { isNamespaceTerminating, type PodControl } from '../pod-control.js';
import { slowStartBatch, SLOW_START_INITIAL_BATCH_SIZE } from '../replicaset/sync.js';
import { nextBackoffRecord, podFinishedTime, remainingBackoff, type BackoffRecord } from './backoff.js';
import {
  ensureConditionStatus, findCondition, MESSAGE_BACKOFF_LIMIT_EXCEEDED, MESSAGE_COMPLETIONS_REACHED, MESSAGE_DEADLINE_EXCEEDED,
  MESSAGE_FAILED_INDEXES, MESSAGE_MAX_FAILED_INDEXES_EXCEEDED, newCondition, REASON_BACKOFF_LIMIT_EXCEEDED, REASON_COMPLETIONS_REACHED,
  REASON_DEADLINE_EXCEEDED, REASON_FAILED_INDEXES, REASON_MAX_FAILED_INDEXES_EXCEEDED, REASON_POD_FAILURE_POLICY, REASON_SUCCESS_POLICY,
} from './conditions.js';
import {
  addCompletionIndexEnv, calculateSucceededIndexes, completionIndex, duplicatedIndexPods, firstPendingIndexes, isIndexedJob, OrderedIntervals,
  parseIndexes, templateForIndex, validIndex,
} from './indexed.js';
import { matchPodFailurePolicy } from './pod-failure-policy.js';
import { cleanUncountedPodsWithoutFinalizers, FinalizerExpectations, hasTrackingFinalizer, MAX_UNCOUNTED_PODS, removeTrackingFinalizerPatch } from './tracking.js';

/** MaxPodCreateDeletePerSync. */
export const MAX_POD_CREATE_DELETE_PER_SYNC = 500;

export const JOB_KIND = { apiVersion: 'batch/v1', kind: 'Job' } as const;

/** What a sync needs besides the Job and its pods. */
export interface SyncDeps {
  key: string;
  now: () => number;
  podControl: PodControl;
  expectations: ControllerExpectations;
  finalizerExpectations: FinalizerExpectations;
  backoff: Map<string, BackoffRecord>;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Writes status (PUT .../status); resolves with the stored Job. */
  updateStatus(job: Job): Promise<Job>;
  /** Records an Event on the Job. */
  event(job: Job, type: 'Normal' | 'Warning', reason: string, message: string): void;
  /** Asks for another sync after ms. */
  requeueAfter(ms: number): void;
  log: { debug(obj: object, msg: string): void; info(obj: object, msg: string): void };
}

/** Fields of one sync (syncJobCtx). */
interface SyncCtx {
  job: Job;
  pods: Pod[];
  activePods: Pod[];
  ready: number;
  terminating: number;
  succeeded: number;
  failed: number;
  uncountedSucceeded: Set<string>;
  uncountedFailed: Set<string>;
  expectedRmFinalizers: ReadonlySet<string>;
  finishedCondition?: JobCondition;
  newBackoffRecord: BackoffRecord;
  prevSucceededIndexes: OrderedIntervals;
  succeededIndexes: OrderedIntervals;
  failedIndexes?: OrderedIntervals;
}

const suspended = (job: Job): boolean => job.spec?.suspend === true;
/** onlyReplaceFailedPods: podReplacementPolicy Failed, or a pod failure policy. */
export const onlyReplaceFailedPods = (job: Job): boolean => job.spec?.podReplacementPolicy === 'Failed' || !!job.spec?.podFailurePolicy;
const hasBackoffLimitPerIndex = (job: Job): boolean => isIndexedJob(job) && job.spec?.backoffLimitPerIndex !== undefined && job.spec?.backoffLimitPerIndex !== null;

/**
 * isPodFailed: Failed, or (unless only failed pods are replaced) being deleted without
 * having succeeded: an orphan that will never reach Failed.
 */
export function isPodFailed(pod: Pod, job: Job): boolean {
  if (pod.status?.phase === 'Failed') return true;
  if (onlyReplaceFailedPods(job)) return false;
  return !!pod.metadata.deletionTimestamp && pod.status?.phase !== 'Succeeded';
}

/** Pods being deleted that have not reached a terminal phase (CountTerminatingPods). */
export function countTerminatingPods(pods: readonly Pod[]): number {
  return pods.filter((p) => p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed').length;
}

/**
 * pastBackoffLimitOnFailure: with restartPolicy OnFailure, container restarts of
 * running and pending pods count as failures: backoffLimit 0 fails at the first
 * restart, else at backoffLimit restarts.
 */
export function pastBackoffLimitOnFailure(job: Job, pods: readonly Pod[]): boolean {
  if (job.spec?.template?.spec?.restartPolicy !== 'OnFailure') return false;
  let restarts = 0;
  for (const p of pods) {
    if (p.status?.phase !== 'Running' && p.status?.phase !== 'Pending') continue;
    for (const s of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]) restarts += s.restartCount ?? 0;
  }
  const limit = job.spec?.backoffLimit ?? 6;
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

/** The pods, valid for this Job, that finished since they were last counted (getNewFinishedPods). */
function newFinishedPods(c: SyncCtx): { succeeded: Pod[]; failed: Pod[] } {
  const completions = c.job.spec?.completions ?? 0;
  const valid = (p: Pod, uncounted: Set<string>): boolean => {
    const uid = p.metadata.uid ?? '';
    if (!hasTrackingFinalizer(p) || uncounted.has(uid) || c.expectedRmFinalizers.has(uid)) return false;
    return !isIndexedJob(c.job) || validIndex(completionIndex(p), completions);
  };
  return {
    succeeded: c.pods.filter((p) => valid(p, c.uncountedSucceeded) && p.status?.phase === 'Succeeded'),
    failed: c.pods.filter((p) => valid(p, c.uncountedFailed) && isPodFailed(p, c.job)),
  };
}

/** The failure message of the first failed pod matching a FailJob rule (getFailJobMessage). */
function failJobMessage(job: Job, pods: readonly Pod[]): string | undefined {
  if (!job.spec?.podFailurePolicy) return undefined;
  for (const p of pods) {
    if (!isPodFailed(p, job)) continue;
    const m = matchPodFailurePolicy(job.spec.podFailurePolicy, p).failJobMessage;
    if (m) return m;
  }
  return undefined;
}

/** An index's failures: the pod's annotation (failures before it) plus one when its own failure counts. */
function indexFailureCount(pod: Pod, job: Job): number {
  const before = Number(pod.metadata.annotations?.[JOB_INDEX_FAILURE_COUNT_ANNOTATION] ?? '0') || 0;
  return matchPodFailurePolicy(job.spec?.podFailurePolicy, pod).countFailed ? before + 1 : before;
}

/**
 * calculateFailedIndexes (backoffLimitPerIndex): the indexes recorded failed before,
 * plus indexes of failed pods whose failures exceed backoffLimitPerIndex or that
 * matched a FailIndex rule.
 */
function calculateFailedIndexes(job: Job, pods: readonly Pod[]): OrderedIntervals {
  const completions = job.spec?.completions ?? 0;
  const prev = parseIndexes(job.status?.failedIndexes, completions);
  const fresh = new Set<number>();
  for (const p of pods) {
    const ix = completionIndex(p);
    if (!hasTrackingFinalizer(p) || !validIndex(ix, completions) || !isPodFailed(p, job)) continue;
    const match = matchPodFailurePolicy(job.spec?.podFailurePolicy, p);
    if (match.action === 'FailIndex' || indexFailureCount(p, job) > (job.spec?.backoffLimitPerIndex ?? 0)) fresh.add(ix);
  }
  return prev.withOrderedIndexes([...fresh].sort((a, b) => a - b));
}

/** The last failed pod of each index, and the failure annotations its replacement carries. */
function lastFailedPerIndex(job: Job, pods: readonly Pod[]): Map<number, Pod> {
  const out = new Map<number, Pod>();
  const completions = job.spec?.completions ?? 0;
  for (const p of pods) {
    const ix = completionIndex(p);
    if (!validIndex(ix, completions) || !isPodFailed(p, job)) continue;
    const cur = out.get(ix);
    if (!cur || podFinishedTime(p) > podFinishedTime(cur)) out.set(ix, p);
  }
  return out;
}

/**
 * Which active pods to delete: an Indexed Job's duplicates and out-of-range pods
 * first, then the least valuable (not ready before ready, unscheduled before
 * scheduled, pending before running) up to rmAtLeast (activePodsForRemoval).
 */
export function activePodsForRemoval(job: Job, pods: readonly Pod[], rmAtLeast: number): Pod[] {
  let rm: Pod[] = [];
  let left: Pod[] = [...pods];
  if (isIndexedJob(job)) ({ remove: rm, keep: left } = duplicatedIndexPods(pods, job.spec?.completions ?? 0));
  if (rm.length < rmAtLeast) rm = [...rm, ...[...left].sort(compareActivePods).slice(0, rmAtLeast - rm.length)];
  return rm;
}

/**
 * How many pods the Job wants running: min(parallelism, completions - succeeded), or
 * for a work queue (no completions) parallelism until the first success, then what
 * runs. Example: completions 5, parallelism 2, succeeded 4 → 1.
 */
export function wantActive(job: Job, succeeded: number, active: number): number {
  const parallelism = job.spec?.parallelism ?? 1;
  const completions = job.spec?.completions;
  if (completions === undefined || completions === null) return succeeded > 0 ? active : parallelism;
  return Math.max(0, Math.min(parallelism, completions - succeeded));
}

/** matchSuccessPolicy: the first rule met by the succeeded indexes, with Kubernetes' message. */
export function matchSuccessPolicy(job: Job, succeeded: OrderedIntervals): string | undefined {
  const rules = job.spec?.successPolicy?.rules;
  if (!rules?.length) return undefined;
  const completions = job.spec?.completions ?? 0;
  for (const [i, rule] of rules.entries()) {
    if (rule.succeededIndexes !== undefined && rule.succeededIndexes !== null) {
      const want = parseIndexes(rule.succeededIndexes, completions);
      let matched = 0;
      for (const ix of want.indexes()) if (succeeded.has(ix)) matched++;
      const needed = rule.succeededCount ?? want.total();
      if (matched >= needed && (rule.succeededCount !== undefined || matched === want.total())) {
        return `Matched rules at index ${i}`;
      }
    } else if (rule.succeededCount !== undefined && succeeded.total() >= rule.succeededCount) {
      return `Matched rules at index ${i}`;
    }
  }
  return undefined;
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * syncJob for a Job read from the cache (job is a copy the sync may change) and its
 * claimed pods. Resolves when done; rejects to be retried (a failed create, delete,
 * finalizer removal or status write).
 */
export async function syncJob(shared: Job, pods: Pod[], satisfiedExpectations: boolean, d: SyncDeps): Promise<void> {
  const job: Job = structuredClone(shared);
  job.status ??= {};
  job.status.uncountedTerminatedPods ??= {};
  const now = d.now();
  const activePods = pods.filter(isPodActive);
  const c: SyncCtx = {
    job, pods, activePods,
    ready: activePods.filter(isPodReady).length,
    terminating: countTerminatingPods(pods),
    succeeded: 0, failed: 0,
    uncountedSucceeded: new Set(job.status.uncountedTerminatedPods.succeeded ?? []),
    uncountedFailed: new Set(job.status.uncountedTerminatedPods.failed ?? []),
    expectedRmFinalizers: d.finalizerExpectations.expected(d.key),
    newBackoffRecord: { failuresAfterLastSuccess: 0 },
    prevSucceededIndexes: new OrderedIntervals(), succeededIndexes: new OrderedIntervals(),
  };
  let active = activePods.length;
  const fresh = newFinishedPods(c);
  c.succeeded = (job.status.succeeded ?? 0) + fresh.succeeded.length + c.uncountedSucceeded.size;
  const countedFailures = fresh.failed.filter((p) => matchPodFailurePolicy(job.spec?.podFailurePolicy, p).countFailed).length;
  c.failed = (job.status.failed ?? 0) + countedFailures + c.uncountedFailed.size;
  // Ignored failures do not delay the next pod.
  const failuresForBackoff = fresh.failed.filter((p) => matchPodFailurePolicy(job.spec?.podFailurePolicy, p).countFailed);

  if (!job.status.startTime && !suspended(job)) job.status.startTime = rfc3339(now);
  c.newBackoffRecord = nextBackoffRecord(d.backoff.get(d.key), fresh.succeeded, failuresForBackoff);

  const backoffLimit = job.spec?.backoffLimit ?? 6;
  const exceedsBackoffLimit = c.failed > backoffLimit;
  const successCriteria = findCondition(job.status.conditions, 'SuccessCriteriaMet');
  c.finishedCondition = successCriteria?.status === 'True' ? successCriteria : undefined;
  if (!c.finishedCondition) {
    const target = findCondition(job.status.conditions, 'FailureTarget');
    if (target?.status === 'True') {
      c.finishedCondition = newCondition('Failed', 'True', target.reason ?? '', target.message ?? '', now);
    } else {
      const msg = failJobMessage(job, pods);
      if (msg) c.finishedCondition = newCondition('FailureTarget', 'True', REASON_POD_FAILURE_POLICY, msg, now);
    }
  }
  if (!c.finishedCondition) {
    const startedAt = parseTime(job.status.startTime);
    const deadline = job.spec?.activeDeadlineSeconds;
    if (exceedsBackoffLimit || pastBackoffLimitOnFailure(job, pods)) {
      c.finishedCondition = newCondition('FailureTarget', 'True', REASON_BACKOFF_LIMIT_EXCEEDED, MESSAGE_BACKOFF_LIMIT_EXCEEDED, now);
    } else if (deadline !== undefined && deadline !== null && !suspended(job) && !Number.isNaN(startedAt)) {
      const left = deadline * 1000 - (now - startedAt);
      if (left <= 0) c.finishedCondition = newCondition('FailureTarget', 'True', REASON_DEADLINE_EXCEEDED, MESSAGE_DEADLINE_EXCEEDED, now);
      else d.requeueAfter(left);
    }
  }
  let lastFailed = new Map<number, Pod>();
  if (isIndexedJob(job)) {
    const idx = calculateSucceededIndexes(job, pods, hasTrackingFinalizer);
    c.prevSucceededIndexes = idx.prev;
    c.succeededIndexes = idx.all;
    c.succeeded = idx.all.total();
    if (hasBackoffLimitPerIndex(job)) {
      c.failedIndexes = calculateFailedIndexes(job, pods);
      lastFailed = lastFailedPerIndex(job, pods);
      const completions = job.spec?.completions ?? 0;
      if (!c.finishedCondition) {
        const max = job.spec?.maxFailedIndexes;
        if (max !== undefined && max !== null && c.failedIndexes.total() > max) {
          c.finishedCondition = newCondition('FailureTarget', 'True', REASON_MAX_FAILED_INDEXES_EXCEEDED, MESSAGE_MAX_FAILED_INDEXES_EXCEEDED, now);
        } else if (c.failedIndexes.total() > 0 && c.failedIndexes.total() + c.succeededIndexes.total() >= completions) {
          c.finishedCondition = newCondition('FailureTarget', 'True', REASON_FAILED_INDEXES, MESSAGE_FAILED_INDEXES, now);
        }
      }
    }
    if (!c.finishedCondition) {
      const msg = matchSuccessPolicy(job, c.succeededIndexes);
      if (msg) c.finishedCondition = newCondition('SuccessCriteriaMet', 'True', REASON_SUCCESS_POLICY, msg, now);
    }
  }

  let manageErr: unknown;
  let suspendChanged = false;
  if (c.finishedCondition) {
    // A finishing Job stops its running pods; it is finished once none is left.
    const { deleted, deletedReady, error } = await deleteActivePods(job, activePods, d);
    if (deleted !== active || !satisfiedExpectations) c.finishedCondition = undefined;
    active -= deleted;
    c.terminating += deleted;
    c.ready -= deletedReady;
    manageErr = error;
  } else {
    let managed = false;
    if (satisfiedExpectations && !job.metadata.deletionTimestamp) {
      try {
        active = await manageJob(job, c, active, lastFailed, d);
      } catch (err) {
        manageErr = err;
        active = (err as { active?: number }).active ?? active;
      }
      managed = true;
    }
    const completions = job.spec?.completions;
    const complete = completions === undefined || completions === null ? c.succeeded > 0 && active === 0 : c.succeeded >= completions && active === 0;
    if (complete) {
      c.finishedCondition = newCondition('SuccessCriteriaMet', 'True', REASON_COMPLETIONS_REACHED, MESSAGE_COMPLETIONS_REACHED, now);
    } else if (managed) {
      if (suspended(job)) {
        const r = ensureConditionStatus(job.status.conditions, 'Suspended', 'True', 'JobSuspended', 'Job suspended', now);
        job.status.conditions = r.conditions;
        if (r.changed) {
          suspendChanged = true;
          d.event(job, 'Normal', 'Suspended', 'Job suspended');
        }
      } else {
        const r = ensureConditionStatus(job.status.conditions, 'Suspended', 'False', 'JobResumed', 'Job resumed', now);
        job.status.conditions = r.conditions;
        if (r.changed) {
          suspendChanged = true;
          d.event(job, 'Normal', 'Resumed', 'Job resumed');
          // activeDeadlineSeconds counts the time the Job runs without a pause.
          job.status.startTime = rfc3339(now);
        }
      }
    }
  }
  const needsStatusUpdate = suspendChanged || active !== (job.status.active ?? 0) || c.ready !== (job.status.ready ?? 0) ||
    c.terminating !== (job.status.terminating ?? 0) || (shared.status?.startTime !== job.status.startTime);
  job.status.active = active;
  job.status.ready = c.ready;
  job.status.terminating = c.terminating;
  await trackStatusAndRemoveFinalizers(c, needsStatusUpdate, d);
  if (manageErr !== undefined) throw manageErr;
}

async function deleteActivePods(job: Job, pods: readonly Pod[], d: SyncDeps): Promise<{ deleted: number; deletedReady: number; error?: unknown }> {
  let deleted = 0;
  let deletedReady = 0;
  let error: unknown;
  await Promise.all(pods.map(async (p) => {
    try {
      await d.podControl.deletePod(job.metadata.namespace ?? '', p.metadata.name ?? '', job);
    } catch (err) {
      if (!isNotFound(err)) {
        error ??= err;
        return;
      }
    }
    deleted++;
    if (isPodReady(p)) deletedReady++;
  }));
  return { deleted, deletedReady, error };
}

/** deleteJobPods: finalizer first (the pod will not be counted), then the pod; expectations lowered for failures. */
async function deleteJobPods(job: Job, pods: readonly Pod[], d: SyncDeps): Promise<{ deleted: number; deletedReady: number; error?: unknown }> {
  let deleted = pods.length;
  let deletedReady = 0;
  let error: unknown;
  const fail = (err: unknown): void => {
    d.expectations.deletionObserved(d.key);
    if (!isNotFound(err)) {
      deleted--;
      error ??= err;
    }
  };
  await Promise.all(pods.map(async (p) => {
    const patch = removeTrackingFinalizerPatch(p);
    if (patch) {
      try {
        await d.podControl.patchPod(p.metadata.namespace ?? '', p.metadata.name ?? '', patch);
      } catch (err) {
        fail(new Error(`removing completion finalizer: ${messageOf(err)}`, { cause: err }));
        return;
      }
    }
    try {
      await d.podControl.deletePod(job.metadata.namespace ?? '', p.metadata.name ?? '', job);
    } catch (err) {
      fail(err);
    }
    if (isPodReady(p)) deletedReady++;
  }));
  return { deleted, deletedReady, error };
}

/**
 * manageJob: deletes every active pod of a suspended Job, deletes extra pods, or
 * creates the missing ones (after the pod-failure backoff) in slow-start batches, the
 * pods of an Indexed Job one per pending index. Resolves with the active count it
 * leads to; rejects with the first failure (its `active` property set).
 */
async function manageJob(job: Job, c: SyncCtx, activeIn: number, lastFailed: Map<number, Pod>, d: SyncDeps): Promise<number> {
  let active = activeIn;
  const namespace = job.metadata.namespace ?? '';
  const withActive = (err: unknown): unknown => Object.assign(err instanceof Error ? err : new Error(String(err)), { active });
  if (suspended(job)) {
    const victims = activePodsForRemoval(job, c.activePods, active);
    d.expectations.expectDeletions(d.key, victims.length);
    const r = await deleteJobPods(job, victims, d);
    active -= r.deleted;
    c.terminating += r.deleted;
    c.ready -= r.deletedReady;
    if (r.error) throw withActive(r.error);
    return active;
  }
  const want = wantActive(job, c.succeeded, active);
  const rmAtLeast = Math.max(0, active - want);
  let victims = activePodsForRemoval(job, c.activePods, rmAtLeast);
  if (victims.length > MAX_POD_CREATE_DELETE_PER_SYNC) victims = victims.slice(0, MAX_POD_CREATE_DELETE_PER_SYNC);
  if (victims.length > 0) {
    d.expectations.expectDeletions(d.key, victims.length);
    d.log.debug({ job: d.key, deleting: victims.length, target: want }, 'too many pods running for job');
    const r = await deleteJobPods(job, victims, d);
    active -= r.deleted;
    c.terminating += r.deleted;
    c.ready -= r.deletedReady;
    if (r.error) throw withActive(r.error);
    return active;
  }
  const terminating = onlyReplaceFailedPods(job) ? c.terminating : 0;
  let diff = want - terminating - active;
  if (diff <= 0) return active;
  if (!hasBackoffLimitPerIndex(job)) {
    const wait = remainingBackoff(c.newBackoffRecord, d.now(), d.backoffBaseMs, d.backoffMaxMs);
    if (wait > 0) {
      d.requeueAfter(Math.max(wait, 1000));
      return active;
    }
  }
  diff = Math.min(diff, MAX_POD_CREATE_DELETE_PER_SYNC);
  let indexes: number[] = [];
  const completions = job.spec?.completions ?? 0;
  if (isIndexedJob(job)) {
    indexes = firstPendingIndexes(c.activePods, c.succeededIndexes, c.failedIndexes, diff, completions);
    if (hasBackoffLimitPerIndex(job)) {
      // Each index waits its own backoff after its last failure.
      let minWait: number | undefined;
      const ready: number[] = [];
      for (const ix of indexes) {
        const last = lastFailed.get(ix);
        const wait = last ? remainingBackoff({ failuresAfterLastSuccess: indexFailureCount(last, job), lastFailureTime: podFinishedTime(last) }, d.now(), d.backoffBaseMs, d.backoffMaxMs) : 0;
        if (wait === 0) ready.push(ix);
        else minWait = minWait === undefined ? wait : Math.min(minWait, wait);
      }
      if (!ready.length && minWait !== undefined) {
        d.requeueAfter(Math.max(minWait, 1000));
        return active;
      }
      indexes = ready;
    }
    diff = indexes.length;
    if (diff === 0) return active;
  }
  d.expectations.expectCreations(d.key, diff);
  d.log.debug({ job: d.key, need: want, creating: diff }, 'too few pods running');
  const template: PodTemplateSpec = structuredClone(job.spec?.template ?? {});
  if (isIndexedJob(job)) addCompletionIndexEnv(template);
  template.metadata = { ...(template.metadata ?? {}) };
  if (!(template.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER)) {
    template.metadata.finalizers = [...(template.metadata.finalizers ?? []), JOB_TRACKING_FINALIZER];
  }
  const ref = newControllerRef(job, JOB_KIND.apiVersion, JOB_KIND.kind);
  active += diff;
  const queue = [...indexes];
  let attempts = 0;
  const { error } = await slowStartBatch(diff, SLOW_START_INITIAL_BATCH_SIZE, async () => {
    attempts++;
    let t = template;
    let generateName: string | undefined;
    const ix = queue.shift();
    if (ix !== undefined) {
      ({ template: t, generateName } = templateForIndex(template, job.metadata.name ?? '', ix));
      if (hasBackoffLimitPerIndex(job)) {
        const last = lastFailed.get(ix);
        const failures = last ? indexFailureCount(last, job) : 0;
        const ignored = last ? (Number(last.metadata.annotations?.[JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION] ?? '0') || 0) + (matchPodFailurePolicy(job.spec?.podFailurePolicy, last).countFailed ? 0 : 1) : 0;
        t.metadata!.annotations = { ...t.metadata!.annotations, [JOB_INDEX_FAILURE_COUNT_ANNOTATION]: String(failures) };
        if (ignored > 0) t.metadata!.annotations[JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION] = String(ignored);
      }
    }
    try {
      await d.podControl.createPods(namespace, t, job, ref, generateName);
    } catch (err) {
      if (isNamespaceTerminating(err)) return;
      d.expectations.creationObserved(d.key);
      active--;
      throw err;
    }
  });
  // Creations never attempted after a failed batch will not be observed.
  const skipped = diff - attempts;
  if (error !== undefined && skipped > 0) {
    d.log.info({ job: d.key, skipped }, 'slow-start failure; skipping creation of pods, decrementing expectations');
    for (let i = 0; i < skipped; i++) d.expectations.creationObserved(d.key);
    active -= skipped;
  }
  if (error !== undefined) throw withActive(error);
  return active;
}

/**
 * trackJobStatusAndRemoveFinalizers: adds finished pods to uncountedTerminatedPods
 * (flushing status first), removes their finalizers, moves them into the counters,
 * then writes the terminal condition once nothing is uncounted or terminating.
 */
async function trackStatusAndRemoveFinalizers(c: SyncCtx, needsFlushIn: boolean, d: SyncDeps): Promise<void> {
  let needsFlush = needsFlushIn;
  const job = c.job;
  const status = job.status!;
  const uncounted = status.uncountedTerminatedPods!;
  uncounted.succeeded ??= [];
  uncounted.failed ??= [];
  const indexed = isIndexedJob(job);
  const completions = job.spec?.completions ?? 0;
  const pods = indexed ? [...c.pods].sort((a, b) => completionIndex(a) - completionIndex(b)) : c.pods;
  const uidsWithFinalizer = new Set<string>();
  for (const p of pods) {
    const uid = p.metadata.uid ?? '';
    if (hasTrackingFinalizer(p) && !c.expectedRmFinalizers.has(uid)) uidsWithFinalizer.add(uid);
  }
  if (cleanUncountedPodsWithoutFinalizers(status, uidsWithFinalizer)) needsFlush = true;
  const toRemove: Pod[] = [];
  const newSucceededIndexes: number[] = [];
  let reachedMax = false;
  for (const p of pods) {
    const uid = p.metadata.uid ?? '';
    if (!hasTrackingFinalizer(p) || c.expectedRmFinalizers.has(uid)) continue;
    const failed = isPodFailed(p, job);
    // A pod's finalizer goes once it finished, or when the Job is finishing or deleted.
    if (!(job.metadata.deletionTimestamp || c.finishedCondition || p.status?.phase === 'Succeeded' || failed)) continue;
    toRemove.push(p);
    const ix = completionIndex(p);
    if (p.status?.phase === 'Succeeded' && !c.uncountedFailed.has(uid)) {
      if (indexed) {
        if (validIndex(ix, completions) && !c.prevSucceededIndexes.has(ix)) {
          newSucceededIndexes.push(ix);
          needsFlush = true;
        }
      } else if (!c.uncountedSucceeded.has(uid)) {
        uncounted.succeeded.push(uid);
        needsFlush = true;
      }
    } else if (failed || (c.finishedCondition && c.finishedCondition.type !== 'SuccessCriteriaMet')) {
      // A pod stopped because the Job failed counts as failed.
      if (!c.uncountedFailed.has(uid) && (!indexed || validIndex(ix, completions))) {
        if (matchPodFailurePolicy(job.spec?.podFailurePolicy, p).countFailed) {
          uncounted.failed.push(uid);
          needsFlush = true;
        }
      }
    }
    if (newSucceededIndexes.length + uncounted.succeeded.length + uncounted.failed.length >= MAX_UNCOUNTED_PODS) {
      reachedMax = true;
      break;
    }
  }
  if (indexed) {
    c.succeededIndexes = c.succeededIndexes.withOrderedIndexes(newSucceededIndexes);
    const text = c.succeededIndexes.toString();
    if (text !== (status.completedIndexes ?? '')) needsFlush = true;
    status.succeeded = c.succeededIndexes.total();
    status.completedIndexes = text;
    if (c.failedIndexes) {
      const failedText = c.failedIndexes.toString();
      if (failedText !== status.failedIndexes) {
        status.failedIndexes = failedText;
        needsFlush = true;
      }
    }
  }
  if (c.finishedCondition?.type === 'FailureTarget') {
    // Recorded before the finalizers go, so the reason survives a restart.
    if (findCondition(status.conditions, 'FailureTarget')?.status !== 'True') {
      status.conditions = [...(status.conditions ?? []), c.finishedCondition];
      needsFlush = true;
    }
    c.finishedCondition = newCondition('Failed', 'True', c.finishedCondition.reason ?? '', c.finishedCondition.message ?? '', d.now());
  }
  if (c.finishedCondition?.type === 'SuccessCriteriaMet') {
    if (findCondition(status.conditions, 'SuccessCriteriaMet')?.status !== 'True') {
      status.conditions = [...(status.conditions ?? []), c.finishedCondition];
      needsFlush = true;
    }
    c.finishedCondition = newCondition('Complete', 'True', c.finishedCondition.reason ?? '', c.finishedCondition.message ?? '', d.now());
  }

  // flushUncountedAndRemoveFinalizers
  let current = job;
  if (needsFlush) {
    current = await d.updateStatus(withoutEmptyUncounted(current));
    current.status ??= {};
    current.status.uncountedTerminatedPods ??= {};
    d.backoff.set(d.key, c.newBackoffRecord);
    needsFlush = false;
  }
  let rmError: unknown;
  if (toRemove.length) {
    d.finalizerExpectations.expectRemoved(d.key, toRemove.map((p) => p.metadata.uid ?? ''));
    await Promise.all(toRemove.map(async (p) => {
      try {
        await d.podControl.patchPod(p.metadata.namespace ?? '', p.metadata.name ?? '', removeTrackingFinalizerPatch(p));
      } catch (err) {
        d.finalizerExpectations.removalObserved(d.key, p.metadata.uid ?? '');
        if (!isNotFound(err)) {
          rmError ??= err;
          return;
        }
      }
      uidsWithFinalizer.delete(p.metadata.uid ?? '');
    }));
  }
  const st = current.status!;
  if (cleanUncountedPodsWithoutFinalizers(st, uidsWithFinalizer)) needsFlush = true;
  if (rmError !== undefined) {
    if (needsFlush) await d.updateStatus(withoutEmptyUncounted(current));
    throw rmError;
  }
  // enactJobFinished: only once every finished pod is counted and none is terminating.
  let finished = false;
  const left = (st.uncountedTerminatedPods?.succeeded?.length ?? 0) + (st.uncountedTerminatedPods?.failed?.length ?? 0);
  if (!reachedMax && c.finishedCondition && left === 0 && c.terminating === 0) {
    const cond = c.finishedCondition;
    st.conditions = ensureConditionStatus(st.conditions, cond.type as 'Complete' | 'Failed', 'True', cond.reason ?? '', cond.message ?? '', d.now()).conditions;
    if (cond.type === 'Complete') st.completionTime = findCondition(st.conditions, 'Complete')?.lastTransitionTime;
    finished = true;
    needsFlush = true;
  }
  if (needsFlush) {
    const stored = await d.updateStatus(withoutEmptyUncounted(current));
    if (finished) {
      const cond = c.finishedCondition!;
      if (cond.type === 'Complete') {
        const completions = job.spec?.completions;
        if (completions !== undefined && completions !== null && (stored.status?.succeeded ?? 0) > completions) {
          d.event(stored, 'Warning', 'TooManySucceededPods', 'Too many succeeded pods running after completion count reached');
        }
        d.event(stored, 'Normal', 'Completed', 'Job completed');
      } else {
        d.event(stored, 'Warning', cond.reason ?? '', cond.message ?? '');
      }
    }
  }
}

/** Status as Go serializes it: empty uncounted lists are omitted (omitempty), the struct stays. */
function withoutEmptyUncounted(job: Job): Job {
  const out = structuredClone(job);
  const u = out.status?.uncountedTerminatedPods;
  if (u) {
    if (!u.succeeded?.length) delete u.succeeded;
    if (!u.failed?.length) delete u.failed;
  }
  return out;
}
