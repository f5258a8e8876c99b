// A Job's finished state, as pkg/controller/job/util (IsJobFinished, getFinishedStatus)
// decides it: the Job controller, the TTL-after-finished and CronJob controllers share it.
import type { Job, JobCondition } from '../types/batch.js';

/** The condition that finished the Job (Complete or Failed, status True); undefined while it runs. */
export function finishedCondition(job: Job): (JobCondition & { type: 'Complete' | 'Failed' }) | undefined {
  return (job.status?.conditions ?? []).find((c): c is JobCondition & { type: 'Complete' | 'Failed' } =>
    (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

/** IsJobFinished: a Complete or Failed condition with status True. */
export function isJobFinished(job: Job): boolean {
  return finishedCondition(job) !== undefined;
}
