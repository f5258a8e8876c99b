// batch/v1 types (Job, CronJob) and the labels, annotations and finalizer the Job
// and CronJob controllers put on what they create. Plain interfaces mirroring
// Kubernetes' JSON (k8s.io/api/batch/v1 types.go).
import type { KubeObject, LabelSelector, ObjectMeta } from './meta.js';
import type { ConditionStatus, ObjectReference, PodTemplateSpec } from './core.js';

// ---------------------------------------------------------------- labels, annotations, finalizer

/** The group every batch label and annotation lives under. */
export const BATCH_GROUP = 'batch.kubernetes.io';
/** Finalizer the Job controller puts on its pods until it has counted them in the Job's status. */
export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
/** Label of a Job's pods (and template) holding the Job's uid. */
export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
/** The unprefixed label Kubernetes still writes beside CONTROLLER_UID_LABEL. */
export const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';
/** Label of a Job's pods (and template) holding the Job's name. */
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
/** The unprefixed label Kubernetes still writes beside JOB_NAME_LABEL. */
export const LEGACY_JOB_NAME_LABEL = 'job-name';
/** Annotation (and, since 1.28, label) of an Indexed Job's pod: its completion index. */
export const JOB_COMPLETION_INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';
/** Same key as the annotation, set as a label too. */
export const JOB_COMPLETION_INDEX_LABEL = JOB_COMPLETION_INDEX_ANNOTATION;
/** Annotation of a Job's pod: the index's failure count so far (backoffLimitPerIndex). */
export const JOB_INDEX_FAILURE_COUNT_ANNOTATION = 'batch.kubernetes.io/job-index-failure-count';
/** Annotation of a Job's pod: failures of the index ignored by the pod failure policy. */
export const JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION = 'batch.kubernetes.io/job-index-ignored-failure-count';
/** Annotation of a Job a CronJob created: the time it was scheduled for (RFC 3339). */
export const CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';
/** Env var an Indexed Job's containers get with their completion index. */
export const JOB_COMPLETION_INDEX_ENV = 'JOB_COMPLETION_INDEX';

// ---------------------------------------------------------------- Job

export type CompletionMode = 'NonIndexed' | 'Indexed';
export type PodReplacementPolicy = 'TerminatingOrFailed' | 'Failed';
export type PodFailurePolicyAction = 'FailJob' | 'FailIndex' | 'Ignore' | 'Count';
export type PodFailurePolicyOnExitCodesOperator = 'In' | 'NotIn';

export interface PodFailurePolicyOnExitCodesRequirement {
  containerName?: string;
  operator: PodFailurePolicyOnExitCodesOperator | string;
  values: number[];
}

export interface PodFailurePolicyOnPodConditionsPattern {
  type: string;
  status?: ConditionStatus | string;
}

export interface PodFailurePolicyRule {
  action: PodFailurePolicyAction | string;
  onExitCodes?: PodFailurePolicyOnExitCodesRequirement;
  onPodConditions?: PodFailurePolicyOnPodConditionsPattern[];
}

export interface PodFailurePolicy {
  rules: PodFailurePolicyRule[];
}

export interface SuccessPolicyRule {
  /** Indexes as "1,3-5,7". */
  succeededIndexes?: string;
  succeededCount?: number;
}

export interface SuccessPolicy {
  rules: SuccessPolicyRule[];
}

export interface JobSpec {
  parallelism?: number;
  completions?: number;
  activeDeadlineSeconds?: number;
  podFailurePolicy?: PodFailurePolicy;
  successPolicy?: SuccessPolicy;
  backoffLimit?: number;
  backoffLimitPerIndex?: number;
  maxFailedIndexes?: number;
  selector?: LabelSelector;
  manualSelector?: boolean;
  template: PodTemplateSpec;
  ttlSecondsAfterFinished?: number;
  completionMode?: CompletionMode | string;
  suspend?: boolean;
  podReplacementPolicy?: PodReplacementPolicy | string;
  managedBy?: string;
}

export type JobConditionType = 'Suspended' | 'Complete' | 'Failed' | 'FailureTarget' | 'SuccessCriteriaMet';

export interface JobCondition {
  type: JobConditionType | string;
  status: ConditionStatus | string;
  lastProbeTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface UncountedTerminatedPods {
  /** UIDs of succeeded pods not yet counted in status.succeeded. */
  succeeded?: string[];
  /** UIDs of failed pods not yet counted in status.failed. */
  failed?: string[];
}

export interface JobStatus {
  conditions?: JobCondition[];
  startTime?: string;
  completionTime?: string;
  active?: number;
  succeeded?: number;
  failed?: number;
  terminating?: number;
  /** Indexes as "1,3-5,7". */
  completedIndexes?: string;
  failedIndexes?: string;
  uncountedTerminatedPods?: UncountedTerminatedPods;
  ready?: number;
}

export interface Job extends KubeObject {
  spec?: JobSpec;
  status?: JobStatus;
}

// ---------------------------------------------------------------- CronJob

export type ConcurrencyPolicy = 'Allow' | 'Forbid' | 'Replace';

export interface JobTemplateSpec {
  metadata?: ObjectMeta;
  spec?: JobSpec;
}

export interface CronJobSpec {
  schedule: string;
  timeZone?: string;
  startingDeadlineSeconds?: number;
  concurrencyPolicy?: ConcurrencyPolicy | string;
  suspend?: boolean;
  jobTemplate: JobTemplateSpec;
  successfulJobsHistoryLimit?: number;
  failedJobsHistoryLimit?: number;
}

export interface CronJobStatus {
  active?: ObjectReference[];
  lastScheduleTime?: string;
  lastSuccessfulTime?: string;
}

export interface CronJob extends KubeObject {
  spec?: CronJobSpec;
  status?: CronJobStatus;
}
