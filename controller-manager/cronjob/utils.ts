// The CronJob controller's pure rules (Kubernetes' pkg/controller/cronjob/utils.go and
// the helpers of cronjob_controllerv2.go): which schedule time is due, how many were
// missed, when to look again, the Job made for a scheduled time, the active list, and
// which finished Jobs the history limits remove. No I/O: controller.ts and sync.ts call
// these with the cached objects and the clock's now.
import { finishedCondition } from '../../api/helpers/job.js';
import { isKnownTimeZone, nextActivation, parseCronSchedule, zoneOffset, type CronSchedule } from '../../api/cron.js';
import { newControllerRef } from '../../api/helpers/owner-refs.js';
import { parseTime, rfc3339 } from '../../api/helpers/time.js';
import { CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION, type CronJob, type Job } from '../../api/types/batch.js';
import type { ObjectReference } from '../../api/types/core.js';

export const CRONJOB_KIND = { apiVersion: 'batch/v1', kind: 'CronJob' } as const;

/** Requeue padding past the next schedule time, for clock skew (nextScheduleDelta). */
export const NEXT_SCHEDULE_DELTA_MS = 100;

/** More missed schedules than this since the last one: the TooManyMissedTimes warning. */
export const MANY_MISSED = 100;

export type MissedSchedules = 'none' | 'few' | 'many';

/** A schedule ready for the controller: the parsed spec and the zone it runs in. */
export interface Schedule {
  spec: CronSchedule;
  /** Zone for specs without TZ= and spec.timeZone (Go's time.Local of the manager). */
  defaultZone?: string;
}

export function next(s: Schedule, t: number): number | undefined {
  return nextActivation(s.spec, t, s.defaultZone);
}

/**
 * formatSchedule: the schedule as the controller parses it: spec.timeZone becomes a
 * TZ= prefix (unless unknown, or the schedule already names one, which validation
 * refuses on new objects but older ones may hold: then `warnTZ` is true and the
 * controller records UnsupportedSchedule).
 */
export function formatSchedule(cj: CronJob): { schedule: string; warnTZ: boolean } {
  const schedule = cj.spec?.schedule ?? '';
  if (schedule.includes('TZ')) return { schedule, warnTZ: true };
  const tz = cj.spec?.timeZone;
  if (tz !== undefined && tz !== null) {
    if (!isKnownTimeZone(tz)) return { schedule, warnTZ: false };
    return { schedule: `TZ=${tz} ${schedule}`, warnTZ: false };
  }
  return { schedule, warnTZ: false };
}

/** cron.ParseStandard(formatSchedule(cj)); throws CronParseError with robfig's message. */
export function parseSchedule(cj: CronJob, defaultZone?: string): Schedule {
  return { spec: parseCronSchedule(formatSchedule(cj).schedule), defaultZone };
}

export interface MostRecent {
  /** lastScheduleTime, else the creation time (moved up to now - startingDeadlineSeconds when asked). */
  earliest: number;
  /** The latest schedule time at or before now after `earliest`; undefined when none. */
  mostRecent?: number;
  missed: MissedSchedules;
  /** The schedule never fires, or twice within a second ("59 23 31 2 *"). */
  error?: string;
}

/**
 * mostRecentScheduleTime: the schedule time due now, counting the missed ones by the
 * interval between the first two after `earliest` (Kubernetes' rough count), then
 * finding the latest exactly from one interval before that estimate.
 */
export function mostRecentScheduleTime(cj: CronJob, now: number, s: Schedule, includeStartingDeadlineSeconds: boolean): MostRecent {
  let earliest = parseTime(cj.metadata.creationTimestamp);
  if (Number.isNaN(earliest)) earliest = now;
  const last = parseTime(cj.status?.lastScheduleTime);
  if (!Number.isNaN(last)) earliest = last;
  const deadline = cj.spec?.startingDeadlineSeconds;
  if (includeStartingDeadlineSeconds && typeof deadline === 'number') {
    const schedulingDeadline = now - deadline * 1000;
    if (schedulingDeadline > earliest) earliest = schedulingDeadline;
  }
  const t1 = next(s, earliest);
  const t2 = t1 === undefined ? undefined : next(s, t1);
  if (t1 !== undefined && now < t1) return { earliest, missed: 'none' };
  if (t1 !== undefined && t2 !== undefined && now < t2) return { earliest, mostRecent: t1, missed: 'none' };
  if (t1 === undefined || t2 === undefined || Math.round((t2 - t1) / 1000) < 1) {
    return { earliest, missed: 'none', error: 'time difference between two schedules is less than 1 second' };
  }
  const between = Math.round((t2 - t1) / 1000);
  const elapsed = Math.trunc((now - t1) / 1000);
  const numberMissed = Math.trunc(elapsed / between) + 1;
  let mostRecent: number | undefined;
  const potentialEarliest = t1 + (numberMissed - 2) * between * 1000;
  for (let t = next(s, potentialEarliest); t !== undefined && t <= now; t = next(s, t)) mostRecent = t;
  const missed: MissedSchedules = numberMissed > MANY_MISSED ? 'many' : numberMissed > 0 ? 'few' : 'none';
  return { earliest, mostRecent, missed };
}

/**
 * nextScheduleTime: the schedule time to start a Job for now (startingDeadlineSeconds
 * applied), or undefined; `tooManyMissed` asks for the TooManyMissedTimes warning.
 */
export function nextScheduleTime(cj: CronJob, now: number, s: Schedule): { time?: number; tooManyMissed: boolean; error?: string } {
  const r = mostRecentScheduleTime(cj, now, s, true);
  if (r.mostRecent === undefined || r.mostRecent > now) return { tooManyMissed: false, error: r.error };
  return { time: r.mostRecent, tooManyMissed: r.missed === 'many', error: r.error };
}

/**
 * nextScheduleTimeDuration: how long (ms) until the CronJob should be synced again:
 * just past the first schedule time after the most recent one (or after now when some
 * were missed or the schedule is broken).
 */
export function nextScheduleTimeDuration(cj: CronJob, now: number, s: Schedule): number {
  const r = mostRecentScheduleTime(cj, now, s, false);
  let from: number;
  if (r.error !== undefined) from = now;
  else if (r.mostRecent === undefined) from = r.missed === 'none' ? r.earliest : now;
  else from = r.mostRecent;
  const t = next(s, from);
  // A schedule that never fires again: look again in a day rather than never.
  if (t === undefined) return 24 * 3_600_000;
  return t + NEXT_SCHEDULE_DELTA_MS - now;
}

/** The Job's name for a scheduled time: `<cronjob>-<minutes since the epoch>` (getJobName). */
export function jobName(cj: CronJob, scheduledTime: number): string {
  return `${cj.metadata.name}-${Math.floor(Math.floor(scheduledTime / 1000) / 60)}`;
}

/** Go's time.Format(time.RFC3339) of t in a zone: `2026-03-08T01:30:00-05:00`, `...Z` in UTC. */
export function rfc3339InZone(t: number, tz: string | undefined): string {
  if (!tz || tz === 'UTC') return rfc3339(t);
  const offset = zoneOffset(tz, t);
  if (offset === 0) return rfc3339(t);
  const wall = rfc3339(t + offset).slice(0, -1);
  const abs = Math.abs(offset) / 60_000;
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${wall}${offset < 0 ? '-' : '+'}${hh}:${mm}`;
}

/** Go's time.RFC1123Z in UTC, as the MissSchedule event prints the time: `Mon, 02 Jan 2006 15:04:05 +0000`. */
export function rfc1123z(t: number): string {
  return new Date(Math.floor(t / 1000) * 1000).toUTCString().replace(/GMT$/, '+0000');
}

/**
 * getJobFromTemplate2: the Job for scheduledTime: the template's labels, annotations
 * and spec, the scheduled-timestamp annotation (RFC 3339 in spec.timeZone, else UTC),
 * the deterministic name and the CronJob as controller.
 */
export function jobFromTemplate(cj: CronJob, scheduledTime: number): Job {
  const template = cj.spec?.jobTemplate;
  const labels = { ...(template?.metadata?.labels ?? {}) };
  const annotations: Record<string, string> = { ...(template?.metadata?.annotations ?? {}) };
  annotations[CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION] = rfc3339InZone(scheduledTime, cj.spec?.timeZone ?? undefined);
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobName(cj, scheduledTime),
      namespace: cj.metadata.namespace,
      labels,
      annotations,
      ownerReferences: [newControllerRef(cj, CRONJOB_KIND.apiVersion, CRONJOB_KIND.kind)],
    },
    spec: structuredClone(template?.spec ?? {}) as Job['spec'],
  };
}

/** getRef: the ObjectReference status.active holds for a Job. */
export function jobReference(job: Job): ObjectReference {
  return {
    kind: 'Job',
    namespace: job.metadata.namespace,
    name: job.metadata.name,
    uid: job.metadata.uid,
    apiVersion: 'batch/v1',
    resourceVersion: job.metadata.resourceVersion,
  };
}

export type FinishedType = 'Complete' | 'Failed';

/** getFinishedStatus: Complete or Failed when that condition is True, else undefined. */
export const finishedStatus = (job: Job): FinishedType | undefined => finishedCondition(job)?.type;

export function isJobSucceeded(job: Job): boolean {
  return finishedStatus(job) === 'Complete';
}

export function inActiveList(cj: CronJob, uid: string | undefined): boolean {
  return (cj.status?.active ?? []).some((r) => r.uid === uid);
}

export function inActiveListByName(cj: CronJob, namespace: string | undefined, name: string): boolean {
  return (cj.status?.active ?? []).some((r) => r.name === name && r.namespace === namespace);
}

/** Takes the Job with this uid out of cj.status.active (cj is the controller's own copy). */
export function deleteFromActiveList(cj: CronJob, uid: string | undefined): void {
  cj.status = { ...(cj.status ?? {}), active: (cj.status?.active ?? []).filter((r) => r.uid !== uid) };
}

/** byJobStartTime: Jobs with a start time first, oldest first; ties (and none) by name. */
export function byJobStartTime(a: Job, b: Job): number {
  const sa = parseTime(a.status?.startTime);
  const sb = parseTime(b.status?.startTime);
  const ha = !Number.isNaN(sa);
  const hb = !Number.isNaN(sb);
  if (ha !== hb) return ha ? -1 : 1;
  if ((!ha && !hb) || sa === sb) return a.metadata.name! < b.metadata.name! ? -1 : a.metadata.name! > b.metadata.name! ? 1 : 0;
  return sa - sb;
}

/**
 * cleanupFinishedJobs' choice: the finished Jobs over successfulJobsHistoryLimit (Complete)
 * and failedJobsHistoryLimit (Failed), oldest start first; none when neither limit is set.
 */
export function jobsOverHistoryLimits(cj: CronJob, jobs: readonly Job[]): Job[] {
  const successfulLimit = cj.spec?.successfulJobsHistoryLimit;
  const failedLimit = cj.spec?.failedJobsHistoryLimit;
  const over = (list: Job[], limit: number | undefined): Job[] => {
    if (typeof limit !== 'number' || list.length <= limit) return [];
    return [...list].sort(byJobStartTime).slice(0, list.length - limit);
  };
  return [
    ...over(jobs.filter((j) => finishedStatus(j) === 'Complete'), successfulLimit),
    ...over(jobs.filter((j) => finishedStatus(j) === 'Failed'), failedLimit),
  ];
}
