// One sync of a CronJob (cronjob_controllerv2.go's sync, syncCronJob,
// cleanupFinishedJobs): reconcile status.active with the Jobs it owns, remove finished
// Jobs over the history limits, then start the Job due now (or decide not to: suspended,
// too late, already started, Forbid with one running; Replace deletes the running ones
// first), and write the status once. Answers when to sync again.
import { isJobFinished } from '../../api/helpers/job.js';
import { goQuote, isAlreadyExists, isNotFound } from '../../api/errors.js';
import { isControlledBy } from '../../api/helpers/owner-refs.js';
import { parseTime, rfc3339 } from '../../api/helpers/time.js';
import type { CronJob, Job } from '../../api/types/batch.js';
import type { KubeObject } from '../../api/types/meta.js';
import type { Clock } from '../../client/clock.js';
import type { EventType } from '../../client/event-recorder.js';
import { isKnownTimeZone, CronParseError } from '../../api/cron.js';
import { isNamespaceTerminating } from '../pod-control.js';
import {
  deleteFromActiveList, finishedStatus, formatSchedule, inActiveList, inActiveListByName, isJobSucceeded,
  jobFromTemplate, jobName, jobReference, jobsOverHistoryLimits, nextScheduleTime, nextScheduleTimeDuration, parseSchedule,
  rfc1123z, type Schedule,
} from './utils.js';

/** The writes and uncached reads a sync makes (jobControlInterface and cjControlInterface). */
export interface CronJobClient {
  getCronJob(namespace: string, name: string): Promise<CronJob>;
  updateCronJobStatus(cj: CronJob): Promise<CronJob>;
  getJob(namespace: string, name: string): Promise<Job>;
  createJob(namespace: string, job: Job): Promise<Job>;
  /** Deletes with propagationPolicy Background, so the Job's pods go with it. */
  deleteJob(namespace: string, name: string): Promise<void>;
}

export interface EventSink {
  event(obj: KubeObject, type: EventType, reason: string, message: string): void;
}

export interface SyncDeps {
  client: CronJobClient;
  recorder: EventSink;
  clock: Clock;
  log: { debug(o: object, m: string): void; info(o: object, m: string): void; warn(o: object, m: string): void };
  /** The zone of schedules without a time zone (the process's; tests pin it). */
  defaultZone?: string;
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * sync: the cached CronJob and the Jobs it controls (getJobsToBeReconciled) in; the
 * delay in ms before it should be synced again out, or undefined (deleted, suspended,
 * unparseable: the next change to it queues it). Throws to be retried with backoff.
 */
export async function syncCronJobKey(d: SyncDeps, cached: CronJob, jobs: readonly Job[]): Promise<number | undefined> {
  const cj = structuredClone(cached);
  const updateAfterCleanup = await cleanupFinishedJobs(d, cj, jobs);
  let requeueAfter: number | undefined;
  let updateAfterSync = false;
  let syncErr: unknown;
  try {
    const r = await syncCronJob(d, cj, jobs);
    requeueAfter = r.requeueAfter;
    updateAfterSync = r.updateStatus;
  } catch (err) {
    syncErr = err instanceof SyncError ? err.cause : err;
    updateAfterSync = err instanceof SyncError && err.updateStatus;
    d.log.debug({ cronjob: `${cj.metadata.namespace}/${cj.metadata.name}`, err }, 'Error reconciling cronjob');
  }
  if (updateAfterCleanup || updateAfterSync) {
    await d.client.updateCronJobStatus(cj);
  }
  if (requeueAfter !== undefined) return requeueAfter;
  if (syncErr !== undefined) throw syncErr;
  return undefined;
}

/** An error of syncCronJob that still carries whether the status must be written. */
class SyncError extends Error {
  constructor(override readonly cause: unknown, readonly updateStatus: boolean) {
    super(messageOf(cause));
  }
}

interface SyncResult {
  requeueAfter?: number;
  updateStatus: boolean;
}

/** syncCronJob: cronJob is the controller's copy, changed in place. */
async function syncCronJob(d: SyncDeps, cronJob: CronJob, jobs: readonly Job[]): Promise<SyncResult> {
  const now = d.clock.now();
  let updateStatus = false;
  const fail = (err: unknown): never => {
    throw new SyncError(err, updateStatus);
  };
  const key = `${cronJob.metadata.namespace}/${cronJob.metadata.name}`;

  const children = new Set<string | undefined>();
  for (const j of jobs) {
    children.add(j.metadata.uid);
    const found = inActiveList(cronJob, j.metadata.uid);
    if (!found && !isJobFinished(j)) {
      let fresh: CronJob;
      try {
        fresh = await d.client.getCronJob(cronJob.metadata.namespace ?? '', cronJob.metadata.name ?? '');
      } catch (err) {
        return fail(err);
      }
      if (inActiveList(fresh, j.metadata.uid)) {
        // The fresh read knows it: carry on from that (its status is the one written).
        for (const k of Object.keys(cronJob)) delete (cronJob as unknown as Record<string, unknown>)[k];
        Object.assign(cronJob, structuredClone(fresh));
        continue;
      }
      // An unfinished Job of ours that is not in the active list: we crashed between
      // creating it and writing the status, our caches differ, or someone made it
      // (kubectl create job --from=cronjob/...).
      d.recorder.event(cronJob, 'Warning', 'UnexpectedJob', `Saw a job that the controller did not create or forgot: ${j.metadata.name}`);
    } else if (found && isJobFinished(j)) {
      deleteFromActiveList(cronJob, j.metadata.uid);
      d.recorder.event(cronJob, 'Normal', 'SawCompletedJob', `Saw completed job: ${j.metadata.name}, status: ${finishedStatus(j)}`);
      updateStatus = true;
    }
  }
  // Any Complete Job moves lastSuccessfulTime, active or not (Kubernetes skips the one it
  // has just taken out of the active list until the next sync; the result is the same).
  for (const j of jobs) {
    if (!isJobSucceeded(j)) continue;
    const completion = j.status?.completionTime;
    const last = parseTime(cronJob.status?.lastSuccessfulTime);
    if (completion && (Number.isNaN(last) || parseTime(completion) > last)) {
      cronJob.status = { ...(cronJob.status ?? {}), lastSuccessfulTime: completion };
      updateStatus = true;
    }
  }

  // Active references whose Job is gone (checked uncached: a slow watch is no reason).
  for (const ref of [...(cronJob.status?.active ?? [])]) {
    if (children.has(ref.uid)) continue;
    try {
      await d.client.getJob(ref.namespace ?? '', ref.name ?? '');
    } catch (err) {
      if (!isNotFound(err)) return fail(err);
      d.recorder.event(cronJob, 'Normal', 'MissingJob', `Active job went missing: ${ref.name}`);
      deleteFromActiveList(cronJob, ref.uid);
      updateStatus = true;
    }
  }

  if (cronJob.metadata.deletionTimestamp) return { updateStatus };

  const tz = cronJob.spec?.timeZone;
  if (tz !== undefined && tz !== null && !isKnownTimeZone(tz)) {
    d.log.debug({ cronjob: key, timeZone: tz }, 'Not starting job because timeZone is invalid');
    d.recorder.event(cronJob, 'Warning', 'UnknownTimeZone', `invalid timeZone: ${goQuote(tz)}: unknown time zone ${tz}`);
    return { updateStatus };
  }

  if (cronJob.spec?.suspend === true) {
    d.log.debug({ cronjob: key }, 'Not starting job because the cron is suspended');
    return { updateStatus };
  }

  let sched: Schedule;
  const formatted = formatSchedule(cronJob);
  if (formatted.warnTZ) {
    d.recorder.event(cronJob, 'Warning', 'UnsupportedSchedule',
      `CRON_TZ or TZ used in schedule ${goQuote(cronJob.spec?.schedule ?? '')} is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details`);
  }
  try {
    sched = parseSchedule(cronJob, d.defaultZone);
  } catch (err) {
    if (!(err instanceof CronParseError)) throw err;
    d.log.info({ cronjob: key, schedule: cronJob.spec?.schedule, err }, 'Unparseable schedule');
    d.recorder.event(cronJob, 'Warning', 'UnparseableSchedule', `unparseable schedule: ${goQuote(cronJob.spec?.schedule ?? '')} : ${err.message}`);
    return { updateStatus };
  }

  const due = nextScheduleTime(cronJob, now, sched);
  if (due.tooManyMissed) {
    d.recorder.event(cronJob, 'Warning', 'TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
    d.log.info({ cronjob: key }, 'too many missed times');
  }
  if (due.error !== undefined) {
    d.log.info({ cronjob: key, schedule: cronJob.spec?.schedule, err: due.error }, 'Invalid schedule');
    d.recorder.event(cronJob, 'Warning', 'InvalidSchedule', `invalid schedule: ${cronJob.spec?.schedule} : ${due.error}`);
    return { updateStatus };
  }
  const requeue = (): SyncResult => ({ requeueAfter: nextScheduleTimeDuration(cronJob, now, sched), updateStatus });
  const scheduledTime = due.time;
  if (scheduledTime === undefined) {
    d.log.debug({ cronjob: key }, 'No unmet start times');
    return requeue();
  }

  const deadline = cronJob.spec?.startingDeadlineSeconds;
  if (typeof deadline === 'number' && scheduledTime + deadline * 1000 < now) {
    d.log.debug({ cronjob: key }, 'Missed starting window');
    d.recorder.event(cronJob, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${rfc1123z(scheduledTime)}`);
    return requeue();
  }
  if (inActiveListByName(cronJob, cronJob.metadata.namespace, jobName(cronJob, scheduledTime)) ||
      parseTime(cronJob.status?.lastScheduleTime) === Math.floor(scheduledTime / 1000) * 1000) {
    d.log.debug({ cronjob: key, schedule: rfc3339(scheduledTime) }, 'Not starting job because the scheduled time is already processed');
    return requeue();
  }
  const policy = cronJob.spec?.concurrencyPolicy ?? 'Allow';
  if (policy === 'Forbid' && (cronJob.status?.active?.length ?? 0) > 0) {
    // Caches may lag, so Forbid can in theory still overlap when runs are close together.
    d.log.debug({ cronjob: key }, 'Not starting job because prior execution is still running and concurrency policy is Forbid');
    d.recorder.event(cronJob, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
    return requeue();
  }
  if (policy === 'Replace') {
    for (const ref of [...(cronJob.status?.active ?? [])]) {
      d.log.debug({ job: `${ref.namespace}/${ref.name}` }, 'Deleting job that was still running at next scheduled start time');
      let job: Job;
      try {
        job = await d.client.getJob(ref.namespace ?? '', ref.name ?? '');
      } catch (err) {
        d.recorder.event(cronJob, 'Warning', 'FailedGet', `Get job: ${messageOf(err)}`);
        return fail(err);
      }
      if (!await deleteJob(d, cronJob, job)) return fail(new Error(`could not replace job ${job.metadata.namespace}/${job.metadata.name}`));
      updateStatus = true;
    }
  }

  const jobReq = jobFromTemplate(cronJob, scheduledTime);
  let jobResp: Job;
  let alreadyExists = false;
  try {
    jobResp = await d.client.createJob(cronJob.metadata.namespace ?? '', jobReq);
  } catch (err) {
    // Nothing can be created in a namespace being deleted.
    if (isNamespaceTerminating(err)) return fail(err);
    if (!isAlreadyExists(err)) {
      d.recorder.event(cronJob, 'Warning', 'FailedCreate', `Error creating job: ${messageOf(err)}`);
      return fail(err);
    }
    // Made earlier by us (the status write after it failed) or by someone else.
    alreadyExists = true;
    try {
      jobResp = await d.client.getJob(jobReq.metadata.namespace ?? '', jobReq.metadata.name ?? '');
    } catch (getErr) {
      return fail(getErr);
    }
    if (!isControlledBy(jobResp, cronJob)) return { updateStatus };
    if (inActiveList(cronJob, jobResp.metadata.uid)) return { updateStatus };
  }
  if (alreadyExists) {
    d.log.info({ cronjob: key, job: jobReq.metadata.name }, 'Job already exists');
  } else {
    d.log.debug({ cronjob: key, job: jobResp.metadata.name }, 'Created Job');
    d.recorder.event(cronJob, 'Normal', 'SuccessfulCreate', `Created job ${jobResp.metadata.name}`);
  }
  // The Job's name is the lock: a restart before this status write finds it by name.
  cronJob.status = {
    ...(cronJob.status ?? {}),
    active: [...(cronJob.status?.active ?? []), jobReference(jobResp)],
    lastScheduleTime: rfc3339(scheduledTime),
  };
  updateStatus = true;
  return requeue();
}

/** cleanupFinishedJobs: deletes the finished Jobs over the history limits; true when the active list changed. */
async function cleanupFinishedJobs(d: SyncDeps, cj: CronJob, jobs: readonly Job[]): Promise<boolean> {
  let updateStatus = false;
  for (const job of jobsOverHistoryLimits(cj, jobs)) {
    d.log.debug({ job: job.metadata.name, cronjob: `${cj.metadata.namespace}/${cj.metadata.name}` }, 'Removing job from CronJob list');
    if (await deleteJob(d, cj, job)) updateStatus = true;
  }
  return updateStatus;
}

/** deleteJob: the Job (pods in the background), its active reference, SuccessfulDelete; false after FailedDelete. */
async function deleteJob(d: SyncDeps, cj: CronJob, job: Job): Promise<boolean> {
  try {
    await d.client.deleteJob(job.metadata.namespace ?? '', job.metadata.name ?? '');
  } catch (err) {
    d.recorder.event(cj, 'Warning', 'FailedDelete', `Deleted job: ${messageOf(err)}`);
    d.log.warn({ err, job: job.metadata.name, cronjob: cj.metadata.name }, 'Error deleting job from cronjob');
    return false;
  }
  deleteFromActiveList(cj, job.metadata.uid);
  d.recorder.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata.name}`);
  return true;
}
