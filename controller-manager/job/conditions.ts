// Job conditions (Complete, Failed, Suspended, FailureTarget, SuccessCriteriaMet) with
// Kubernetes' reasons and messages, and the rules on them (util.IsJobFinished,
// ensureJobConditionStatus).
import { rfc3339 } from '../../api/helpers/time.js';
import type { Job, JobCondition, JobConditionType } from '../../api/types/batch.js';

export const REASON_BACKOFF_LIMIT_EXCEEDED = 'BackoffLimitExceeded';
export const MESSAGE_BACKOFF_LIMIT_EXCEEDED = 'Job has reached the specified backoff limit';
export const REASON_DEADLINE_EXCEEDED = 'DeadlineExceeded';
export const MESSAGE_DEADLINE_EXCEEDED = 'Job was active longer than specified deadline';
export const REASON_POD_FAILURE_POLICY = 'PodFailurePolicy';
export const REASON_MAX_FAILED_INDEXES_EXCEEDED = 'MaxFailedIndexesExceeded';
export const MESSAGE_MAX_FAILED_INDEXES_EXCEEDED = 'Job has exceeded the specified maximal number of failed indexes';
export const REASON_FAILED_INDEXES = 'FailedIndexes';
export const MESSAGE_FAILED_INDEXES = 'Job has failed indexes';
export const REASON_SUCCESS_POLICY = 'SuccessPolicy';
export const REASON_COMPLETIONS_REACHED = 'CompletionsReached';
export const MESSAGE_COMPLETIONS_REACHED = 'Reached expected number of succeeded pods';

export function newCondition(type: JobConditionType, status: 'True' | 'False', reason: string, message: string, now: number): JobCondition {
  const t = rfc3339(now);
  return { type, status, lastProbeTime: t, lastTransitionTime: t, reason, message };
}

export function findCondition(conditions: readonly JobCondition[] | undefined, type: string): JobCondition | undefined {
  return conditions?.find((c) => c.type === type);
}

const isTrue = (conditions: readonly JobCondition[] | undefined, type: string): boolean => findCondition(conditions, type)?.status === 'True';

/**
 * ensureJobConditionStatus: sets the condition of that type to status, reason and
 * message (new transition times) when any differs; never adds a False condition that
 * was not there. Returns the new list and whether it changed.
 */
export function ensureConditionStatus(conditions: JobCondition[] | undefined, type: JobConditionType, status: 'True' | 'False', reason: string, message: string, now: number): { conditions: JobCondition[]; changed: boolean } {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === type);
  if (i >= 0) {
    const c = list[i];
    if (c.status !== status || c.reason !== reason || c.message !== message) {
      list[i] = newCondition(type, status, reason, message, now);
      return { conditions: list, changed: true };
    }
    return { conditions: list, changed: false };
  }
  if (status === 'False') return { conditions: list, changed: false };
  return { conditions: [...list, newCondition(type, status, reason, message, now)], changed: true };
}
