// describe job and describe cronjob (kubectl's describeJob, describeCronJob,
// describeJobTemplate and printActiveJobs).
import { humanDuration } from '../../../api/duration.js';
import type { CronJob, Job, JobTemplateSpec } from '../../../api/types/batch.js';
import type { Event, ObjectReference } from '../../../api/types/core.js';
import { describePodTemplate } from './pod.js';
import {
  describeEvents, LEVEL_0, type PrefixWriter, printAnnotationsMultiline, printController, printLabelsMultiline, rfc1123z, tabbedString,
} from './writer.js';
import { selectorString } from './workloads.js';

const isSet = <T>(v: T | undefined | null): v is T => v !== undefined && v !== null;

/** capIndexesListOrNone: "<none>" for no indexes, else at most 50 characters cut at a comma, then "...". */
function capIndexes(indexes: string | undefined, max: number): string {
  if (!indexes) return '<none>';
  if (indexes.length <= max) return indexes;
  const cut = indexes.slice(0, max);
  const at = cut.lastIndexOf(',');
  return `${at > 0 ? cut.slice(0, at) : cut}...`;
}

export function describeJob(job: Job, events: Event[] | undefined, now: Date): string {
  return tabbedString((w) => {
    const spec = job.spec ?? ({} as NonNullable<Job['spec']>);
    const status = job.status ?? {};
    w.write(LEVEL_0, `Name:\t${job.metadata.name ?? ''}\n`);
    w.write(LEVEL_0, `Namespace:\t${job.metadata.namespace ?? ''}\n`);
    w.write(LEVEL_0, `Selector:\t${selectorString(spec.selector, '')}\n`);
    printLabelsMultiline(w, 'Labels', job.metadata.labels);
    printAnnotationsMultiline(w, 'Annotations', job.metadata.annotations);
    const controlledBy = printController(job);
    if (controlledBy) w.write(LEVEL_0, `Controlled By:\t${controlledBy}\n`);
    if (isSet(spec.parallelism)) w.write(LEVEL_0, `Parallelism:\t${spec.parallelism}\n`);
    w.write(LEVEL_0, `Completions:\t${isSet(spec.completions) ? spec.completions : '<unset>'}\n`);
    if (isSet(spec.completionMode)) w.write(LEVEL_0, `Completion Mode:\t${spec.completionMode}\n`);
    if (isSet(spec.suspend)) w.write(LEVEL_0, `Suspend:\t${spec.suspend}\n`);
    if (isSet(spec.backoffLimit)) w.write(LEVEL_0, `Backoff Limit:\t${spec.backoffLimit}\n`);
    if (isSet(spec.ttlSecondsAfterFinished)) w.write(LEVEL_0, `TTL Seconds After Finished:\t${spec.ttlSecondsAfterFinished}\n`);
    if (status.startTime) w.write(LEVEL_0, `Start Time:\t${rfc1123z(status.startTime)}\n`);
    if (status.completionTime) w.write(LEVEL_0, `Completed At:\t${rfc1123z(status.completionTime)}\n`);
    if (status.startTime && status.completionTime) {
      w.write(LEVEL_0, `Duration:\t${humanDuration(Date.parse(status.completionTime) - Date.parse(status.startTime))}\n`);
    }
    if (isSet(spec.activeDeadlineSeconds)) w.write(LEVEL_0, `Active Deadline Seconds:\t${spec.activeDeadlineSeconds}s\n`);
    const counts = `${status.succeeded ?? 0} Succeeded / ${status.failed ?? 0} Failed`;
    if (isSet(status.ready)) w.write(LEVEL_0, `Pods Statuses:\t${status.active ?? 0} Active (${status.ready} Ready) / ${counts}\n`);
    else w.write(LEVEL_0, `Pods Statuses:\t${status.active ?? 0} Active / ${counts}\n`);
    if (spec.completionMode === 'Indexed') w.write(LEVEL_0, `Completed Indexes:\t${capIndexes(status.completedIndexes, 50)}\n`);
    describePodTemplate(spec.template, w);
    describeEvents(events, w, now);
  });
}

function describeJobTemplate(t: JobTemplateSpec | undefined, w: PrefixWriter): void {
  const spec = t?.spec ?? ({} as NonNullable<JobTemplateSpec['spec']>);
  w.write(LEVEL_0, `Selector:\t${isSet(spec.selector) ? selectorString(spec.selector, '') : '<unset>'}\n`);
  w.write(LEVEL_0, `Parallelism:\t${isSet(spec.parallelism) ? spec.parallelism : '<unset>'}\n`);
  w.write(LEVEL_0, `Completions:\t${isSet(spec.completions) ? spec.completions : '<unset>'}\n`);
  if (isSet(spec.activeDeadlineSeconds)) w.write(LEVEL_0, `Active Deadline Seconds:\t${spec.activeDeadlineSeconds}s\n`);
  describePodTemplate(spec.template, w);
}

function printActiveJobs(w: PrefixWriter, title: string, jobs: ObjectReference[] | undefined): void {
  w.write(LEVEL_0, `${title}:\t`);
  if (!jobs?.length) {
    w.writeLine('<none>');
    return;
  }
  w.write(LEVEL_0, jobs.map((j) => j.name ?? '').join(', '));
  w.writeLine('');
}

const boolPtr = (v: boolean | undefined | null): string => (isSet(v) ? (v ? 'True' : 'False') : '<unset>');

export function describeCronJob(cj: CronJob, events: Event[] | undefined, now: Date): string {
  return tabbedString((w) => {
    const spec = cj.spec ?? ({} as NonNullable<CronJob['spec']>);
    w.write(LEVEL_0, `Name:\t${cj.metadata.name ?? ''}\n`);
    w.write(LEVEL_0, `Namespace:\t${cj.metadata.namespace ?? ''}\n`);
    printLabelsMultiline(w, 'Labels', cj.metadata.labels);
    printAnnotationsMultiline(w, 'Annotations', cj.metadata.annotations);
    w.write(LEVEL_0, `Schedule:\t${spec.schedule ?? ''}\n`);
    w.write(LEVEL_0, `Concurrency Policy:\t${spec.concurrencyPolicy ?? ''}\n`);
    w.write(LEVEL_0, `Suspend:\t${boolPtr(spec.suspend)}\n`);
    w.write(LEVEL_0, `Successful Job History Limit:\t${isSet(spec.successfulJobsHistoryLimit) ? spec.successfulJobsHistoryLimit : '<unset>'}\n`);
    w.write(LEVEL_0, `Failed Job History Limit:\t${isSet(spec.failedJobsHistoryLimit) ? spec.failedJobsHistoryLimit : '<unset>'}\n`);
    w.write(LEVEL_0, `Starting Deadline Seconds:\t${isSet(spec.startingDeadlineSeconds) ? `${spec.startingDeadlineSeconds}s` : '<unset>'}\n`);
    describeJobTemplate(spec.jobTemplate, w);
    w.write(LEVEL_0, `Last Schedule Time:\t${cj.status?.lastScheduleTime ? rfc1123z(cj.status.lastScheduleTime) : '<unset>'}\n`);
    printActiveJobs(w, 'Active Jobs', cj.status?.active);
    describeEvents(events, w, now);
  });
}
