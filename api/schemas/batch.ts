// batch/v1 definitions (Job, CronJob and what they hold), for `kubectl explain` and
// for strategic merge patches (x-kubernetes-patch-* of JobStatus.conditions...).
import { C } from './core.js';
import { M, METADATA, listKind } from './meta.js';
import { API_VERSION, KIND, bool, gvk, int32, int64, kind, list, listOf, object, ref, str, strings, type Definitions } from './schema.js';

export const B = 'io.k8s.api.batch.v1.';

const time = (description: string) => ref(`${M}Time`, description);

export const BATCH_DEFINITIONS: Definitions = {
  [`${B}PodFailurePolicyOnExitCodesRequirement`]: object('A requirement on the exit codes of a failed pod\'s containers (state.terminated.exitCode of containerStatuses and initContainerStatuses); containers that exited 0 are not looked at.', {
    containerName: str('Restricts the check to the container of this name; when unset, every container of the pod template is checked.'),
    operator: str('How the exit codes relate to the values: In (the requirement is met when at least one container exit code, possibly several with containerName unset, is in the values) or NotIn (when at least one is not). Clients should treat an unknown operator as not meeting the requirement.', { enum: ['In', 'NotIn'] }),
    values: list({ type: 'integer', format: 'int32' }, 'The exit codes checked: unique, in increasing order, at most 255; 0 is not allowed with In.', { listType: 'set' }),
  }, ['operator', 'values']),

  [`${B}PodFailurePolicyOnPodConditionsPattern`]: object('A pattern matching a condition of a failed pod.', {
    status: str('The condition status to match: True (the default), False or Unknown.'),
    type: str('The pod condition type to match (DisruptionTarget, ...).'),
  }, ['type']),

  [`${B}PodFailurePolicyRule`]: object('How a pod failure is handled when its requirement is met. One of onExitCodes and onPodConditions, but not both, is set.', {
    action: str('What happens when the requirement is met: FailJob (the Job fails and its running pods are terminated), FailIndex (the pod\'s index fails and is not retried; needs backoffLimitPerIndex), Ignore (the failure does not count toward backoffLimit and a replacement pod is created) or Count (the failure counts toward backoffLimit, the default handling). Clients should skip a rule whose action they do not know.', { enum: ['Count', 'FailIndex', 'FailJob', 'Ignore'] }),
    onExitCodes: ref(`${B}PodFailurePolicyOnExitCodesRequirement`, 'The requirement on the container exit codes.'),
    onPodConditions: listOf(`${B}PodFailurePolicyOnPodConditionsPattern`, 'The requirement on the pod conditions: met when at least one pattern matches a condition of the pod. At most 20.', { listType: 'atomic' }),
  }, ['action']),

  [`${B}PodFailurePolicy`]: object('How failed pods count toward the Job\'s backoffLimit.', {
    rules: listOf(`${B}PodFailurePolicyRule`, 'The rules, evaluated in order for each failed pod; the first that matches decides and the others are skipped. When none matches, the failure counts toward backoffLimit. At most 20.', { listType: 'atomic' }),
  }, ['rules']),

  [`${B}SuccessPolicyRule`]: object('A rule declaring an Indexed Job succeeded. At least one of succeededIndexes and succeededCount is set.', {
    succeededCount: int32('How many of succeededIndexes (or of all indexes when unset) must succeed. At most completions.'),
    succeededIndexes: str('Indexes that must all succeed, as a list of intervals in increasing order ("1,3-5,7"), each index below completions.'),
  }),

  [`${B}SuccessPolicy`]: object('When an Indexed Job may be declared succeeded before all its indexes succeeded.', {
    rules: listOf(`${B}SuccessPolicyRule`, 'The rules; the Job succeeds (condition SuccessCriteriaMet, then Complete) when any of them is met, and its remaining pods are terminated. At most 20.', { listType: 'atomic' }),
  }, ['rules']),

  [`${B}JobSpec`]: object('The desired behaviour of a Job.', {
    activeDeadlineSeconds: int64('Seconds, counted from the Job\'s startTime, the Job may stay active before the system tries to terminate it (condition Failed with reason DeadlineExceeded). Resuming a suspended Job resets the timer. Must be a positive integer.'),
    backoffLimit: int32('Retries before the Job is marked failed (reason BackoffLimitExceeded). Defaults to 6, or to the largest int32 with backoffLimitPerIndex.'),
    backoffLimitPerIndex: int32('Retries of each index of an Indexed Job before that index is marked failed; only with completionMode Indexed. Immutable.'),
    completionMode: str('How pod completions are tracked: NonIndexed (the default; the Job completes after completions pods succeeded, all equivalent) or Indexed (each pod gets a completion index from 0 to completions-1 in its batch.kubernetes.io/job-completion-index annotation and label, its hostname and the JOB_COMPLETION_INDEX env var; the Job completes when each index has a succeeded pod). Immutable.', { enum: ['Indexed', 'NonIndexed'] }),
    completions: int32('How many successfully finished pods the Job needs. Unset means any pod succeeding signals that all succeeded (a work queue). Immutable but for an Indexed Job, together with parallelism.'),
    managedBy: str('The controller that manages the Job ("kubernetes.io/job-controller" when unset, the built-in controller); a domain-prefixed path of at most 63 characters. Immutable.'),
    manualSelector: bool('When true, the user chooses spec.selector and the pod labels; when false or unset (the normal case), the system generates a unique selector and labels. Most users leave it unset.'),
    maxFailedIndexes: int32('Failed indexes an Indexed Job with backoffLimitPerIndex tolerates before it fails; unset means all indexes run.'),
    parallelism: int32('The most pods the Job runs at any time; fewer run when (completions - succeeded) is lower, or while the Job is winding down. Defaults to 1.'),
    podFailurePolicy: ref(`${B}PodFailurePolicy`, 'How failed pods count toward backoffLimit; needs restartPolicy Never in the pod template. Immutable.'),
    podReplacementPolicy: str('When a replacement pod is created: TerminatingOrFailed (as soon as a pod is terminating or failed; the default) or Failed (once a pod has fully terminated; the only value allowed with a podFailurePolicy, and its default then).', { enum: ['Failed', 'TerminatingOrFailed'] }),
    selector: ref(`${M}LabelSelector`, 'The pods the Job counts; normally generated by the system (see manualSelector).'),
    successPolicy: ref(`${B}SuccessPolicy`, 'When an Indexed Job may be declared succeeded before all its indexes did. Immutable.'),
    suspend: bool('While true, the Job controller creates no pods and terminates the running ones (condition Suspended). Defaults to false.'),
    template: ref(`${C}PodTemplateSpec`, 'The pods the Job creates. Its restartPolicy must be OnFailure or Never.'),
    ttlSecondsAfterFinished: int32('Seconds after the Job finished (Complete or Failed) after which the TTL-after-finished controller deletes it, with its pods. Unset: never; 0: at once after finishing.'),
  }, ['template']),

  [`${B}JobCondition`]: object('One aspect of a Job\'s state.', {
    lastProbeTime: time('When the condition was last checked.'),
    lastTransitionTime: time('When the condition last changed status.'),
    message: str('A human-readable explanation of the last transition.'),
    reason: str('A one-word CamelCase reason for the last transition.'),
    status: str('True, False or Unknown.'),
    type: str('The condition: Suspended, Complete, Failed, FailureTarget or SuccessCriteriaMet.'),
  }, ['type', 'status']),

  [`${B}UncountedTerminatedPods`]: object('UIDs of finished pods the Job controller has not yet counted in the Job\'s status counters.', {
    failed: strings('UIDs of failed pods.', { listType: 'set' }),
    succeeded: strings('UIDs of succeeded pods.', { listType: 'set' }),
  }),

  [`${B}JobStatus`]: object('The most recently observed state of a Job.', {
    active: int32('Pods of the Job pending or running and not terminating.'),
    completedIndexes: str('Completed indexes of an Indexed Job, as a list of intervals ("1,3-5,7").'),
    completionTime: time('When the Job completed; set only when it succeeded.'),
    conditions: listOf(`${B}JobCondition`, 'The latest observations of the Job\'s state. A Job that failed has a Failed condition with status True; a suspended one a Suspended condition with status True; one that succeeded a Complete condition with status True.', { patch: 'merge', mergeKey: 'type', listType: 'atomic' }),
    failed: int32('Pods of the Job that reached phase Failed.'),
    failedIndexes: str('Failed indexes of an Indexed Job with backoffLimitPerIndex, as a list of intervals ("1,3-5,7").'),
    ready: int32('Active pods of the Job with a Ready condition.'),
    startTime: time('When the Job controller started the Job\'s work; reset when a suspended Job resumes.'),
    succeeded: int32('Pods of the Job that reached phase Succeeded.'),
    terminating: int32('Pods of the Job being terminated (pending or running with a deletionTimestamp).'),
    uncountedTerminatedPods: ref(`${B}UncountedTerminatedPods`, 'Finished pods the controller has not yet counted in status.succeeded and status.failed; it removes their batch.kubernetes.io/job-tracking finalizer first.'),
  }),

  [`${B}Job`]: kind(gvk('batch', 'v1', 'Job'), 'A Job runs pods until a number of them complete successfully.', {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: METADATA,
    spec: ref(`${B}JobSpec`, 'The desired behaviour of the Job.'),
    status: ref(`${B}JobStatus`, 'The most recently observed state of the Job, written by the system. Read-only.'),
  }),

  [`${B}JobList`]: listKind('batch', 'v1', 'JobList', `${B}Job`, 'Jobs'),

  [`${B}JobTemplateSpec`]: object('The Job a CronJob creates at each scheduled time.', {
    metadata: ref(`${M}ObjectMeta`, 'The metadata of the Jobs created from this template.'),
    spec: ref(`${B}JobSpec`, 'The desired behaviour of the Jobs (its selector is always generated).'),
  }),

  [`${B}CronJobSpec`]: object('The desired behaviour of a CronJob.', {
    concurrencyPolicy: str('What happens when a run is due while a Job of the previous one still runs: Allow (the default; Jobs run concurrently), Forbid (the new run is skipped) or Replace (the running Job is replaced).', { enum: ['Allow', 'Forbid', 'Replace'] }),
    failedJobsHistoryLimit: int32('Finished failed Jobs to keep. Defaults to 1.'),
    jobTemplate: ref(`${B}JobTemplateSpec`, 'The Job created at each run.'),
    schedule: str('The schedule in Cron format (https://en.wikipedia.org/wiki/Cron).'),
    startingDeadlineSeconds: int64('Seconds after its scheduled time a run may still start; a run missed by more is counted as failed.'),
    successfulJobsHistoryLimit: int32('Finished successful Jobs to keep. Defaults to 3.'),
    suspend: bool('While true, no new runs start; running Jobs are not affected. Defaults to false.'),
    timeZone: str('The time zone of the schedule, an IANA name (Etc/UTC, Europe/Paris...); the kube-controller-manager\'s local time zone when unset.'),
  }, ['schedule', 'jobTemplate']),

  [`${B}CronJobStatus`]: object('The most recently observed state of a CronJob.', {
    active: listOf(`${C}ObjectReference`, 'The Jobs of the CronJob that are running.', { listType: 'atomic' }),
    lastScheduleTime: time('When a Job was last successfully scheduled.'),
    lastSuccessfulTime: time('When a Job last completed successfully.'),
  }),

  [`${B}CronJob`]: kind(gvk('batch', 'v1', 'CronJob'), 'A CronJob creates Jobs on a repeating schedule.', {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: METADATA,
    spec: ref(`${B}CronJobSpec`, 'The desired behaviour of the CronJob, including its schedule.'),
    status: ref(`${B}CronJobStatus`, 'The current state of the CronJob, written by the system. Read-only.'),
  }),

  [`${B}CronJobList`]: listKind('batch', 'v1', 'CronJobList', `${B}CronJob`, 'CronJobs'),
};
