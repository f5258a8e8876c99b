// Strategies of batch/v1 Jobs and CronJobs (pkg/registry/batch/job/strategy.go,
// pkg/registry/batch/cronjob/strategy.go).
import { defaultJobLabels } from '../../api/defaults.js';
import {
  CONTROLLER_UID_LABEL, JOB_NAME_LABEL, LEGACY_CONTROLLER_UID_LABEL, LEGACY_JOB_NAME_LABEL, type Job,
} from '../../api/types/batch.js';
import type { PodTemplateSpec } from '../../api/types/core.js';
import type { KubeObject } from '../../api/types/meta.js';
import { defaultStrategy, type Strategy } from './strategy.js';

/**
 * generateSelector: labels the template with the Job's name and uid (prefixed and
 * legacy keys, unless the user set them: a conflict is then a validation error) and
 * selects the prefixed controller-uid label.
 */
export function generateJobSelector(job: Job): void {
  const spec = job.spec;
  if (!spec || typeof spec !== 'object') return;
  const template: PodTemplateSpec = spec.template && typeof spec.template === 'object' ? spec.template : (spec.template = {});
  template.metadata ??= {};
  const labels = (template.metadata.labels ??= {});
  const name = job.metadata.name ?? '';
  const uid = job.metadata.uid ?? '';
  for (const key of [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL]) if (!(key in labels)) labels[key] = name;
  for (const key of [LEGACY_CONTROLLER_UID_LABEL, CONTROLLER_UID_LABEL]) if (!(key in labels)) labels[key] = uid;
  spec.selector ??= {};
  const matchLabels = (spec.selector.matchLabels ??= {});
  if (!(CONTROLLER_UID_LABEL in matchLabels)) matchLabels[CONTROLLER_UID_LABEL] = uid;
}

/**
 * Jobs: status written by the Job controller (reset on create); the selector and
 * template labels generated unless spec.manualSelector; the Job's labels default to
 * its template's (SetDefaults_Job, which Kubernetes applies again when it reads the
 * stored object, after the labels were generated). A DELETE with no propagation
 * policy orphans the pods, for backward compatibility of batch/v1
 * (DefaultGarbageCollectionPolicy). Generation counts spec changes (the default).
 */
export const jobStrategy: Strategy = {
  ...defaultStrategy,
  hasStatus: true,
  orphanByDefault: true,
  prepareForCreate(obj: KubeObject) {
    const job = obj as Job;
    if (job.spec && typeof job.spec === 'object' && job.spec.manualSelector !== true) generateJobSelector(job);
    job.status = {};
    defaultJobLabels(job);
  },
};

/** CronJobs: status written by the CronJob controller (reset on create). */
export const cronJobStrategy: Strategy = {
  ...defaultStrategy,
  hasStatus: true,
  prepareForCreate(obj: KubeObject) { obj.status = {}; },
};
