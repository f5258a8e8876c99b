// batch/v1 CronJobs (batch's ValidateCronJobCreate, ValidateCronJobUpdate and the
// schedule, time zone and concurrency policy rules).
import { CronParseError, isKnownTimeZone, parseCronSchedule } from '../cron.js';
import type { CronJob, CronJobSpec } from '../types/batch.js';
import { child, type FieldCause, invalid, nonNegative, notSupported, record, required, str } from './field.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { DNS1035_LABEL_MAX_LENGTH, nameIsDNSSubdomain } from './names.js';
import { validateJobTemplateSpec } from './job.js';

/** The controller appends "-<11 digits>" to a CronJob's name to name its Jobs. */
const MAX_CRONJOB_NAME_LENGTH = DNS1035_LABEL_MAX_LENGTH - 11;
const CONCURRENCY_POLICIES = ['Allow', 'Forbid', 'Replace'];
const TIME_ZONE_PART = /^[A-Za-z._+\-0-9]+$/;

function validateSchedule(schedule: string, timeZone: unknown, allowTZInSchedule: boolean, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  try {
    parseCronSchedule(schedule);
  } catch (err) {
    if (!(err instanceof CronParseError)) throw err;
    errs.push(invalid(path, schedule, err.message));
  }
  if (allowTZInSchedule && schedule.includes('TZ') && timeZone !== undefined && timeZone !== null) {
    errs.push(invalid(path, schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'));
  } else if (!allowTZInSchedule && schedule.includes('TZ')) {
    errs.push(invalid(path, schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
  }
  return errs;
}

/** validateTimeZone: an explicit IANA name this runtime knows ("Local" is refused). */
function validateTimeZone(timeZone: unknown, path: string): FieldCause[] {
  if (timeZone === undefined || timeZone === null) return [];
  const tz = str(timeZone);
  if (tz.length === 0) return [invalid(path, tz, 'timeZone must be nil or non-empty string')];
  for (const part of tz.split('/')) {
    if (part === '.' || part === '..' || part.startsWith('-') || !TIME_ZONE_PART.test(part)) {
      return [invalid(path, tz, 'unknown time zone ' + tz)];
    }
  }
  if (tz.toLowerCase() === 'local') return [invalid(path, tz, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones')];
  return isKnownTimeZone(tz) ? [] : [invalid(path, tz, `unknown time zone ${tz}`)];
}

function validateCronJobSpec(specIn: CronJobSpec | undefined, allowTZInSchedule: boolean): FieldCause[] {
  const spec = record<unknown>(specIn) as unknown as CronJobSpec;
  const path = 'spec';
  const errs: FieldCause[] = [];
  const schedule = str(spec.schedule);
  if (!schedule) errs.push(required(child(path, 'schedule')));
  else errs.push(...validateSchedule(schedule, spec.timeZone, allowTZInSchedule, child(path, 'schedule')));
  errs.push(...nonNegative(spec.startingDeadlineSeconds, child(path, 'startingDeadlineSeconds')));
  const policy = str(spec.concurrencyPolicy);
  if (!policy) errs.push(required(child(path, 'concurrencyPolicy')));
  else if (!CONCURRENCY_POLICIES.includes(policy)) errs.push(notSupported(child(path, 'concurrencyPolicy'), policy, CONCURRENCY_POLICIES));
  errs.push(...validateJobTemplateSpec(record<unknown>(spec.jobTemplate), child(path, 'jobTemplate')));
  errs.push(...nonNegative(spec.successfulJobsHistoryLimit, child(path, 'successfulJobsHistoryLimit')));
  errs.push(...nonNegative(spec.failedJobsHistoryLimit, child(path, 'failedJobsHistoryLimit')));
  errs.push(...validateTimeZone(spec.timeZone, child(path, 'timeZone')));
  return errs;
}

/** A CronJob being created: a name of at most 52 characters, a parsable schedule, a valid job template. */
export function validateCronJobCreate(cj: CronJob): FieldCause[] {
  const errs = validateObjectMeta(cj.metadata, { namespaced: true, nameFn: nameIsDNSSubdomain });
  const name = str(cj.metadata?.name);
  if (name.length > MAX_CRONJOB_NAME_LENGTH) errs.push(invalid('metadata.name', name, `must be no more than ${MAX_CRONJOB_NAME_LENGTH} characters`));
  errs.push(...validateCronJobSpec(cj.spec, false));
  return errs;
}

/**
 * A CronJob being updated: metadata rules and the spec rules; a TZ= prefix the old
 * schedule already had stays allowed (Kubernetes lets such old objects be updated).
 */
export function validateCronJobUpdate(cj: CronJob, old: CronJob): FieldCause[] {
  const oldSchedule = str(record<unknown>(old.spec).schedule);
  return [...validateObjectMetaUpdate(cj.metadata, old.metadata), ...validateCronJobSpec(cj.spec, oldSchedule.includes('TZ'))];
}
