// Matching a failed pod against a Job's podFailurePolicy (pod_failure_policy.go):
// the first rule whose requirement the pod meets decides what its failure does.
import type { PodFailurePolicy, PodFailurePolicyAction, PodFailurePolicyOnExitCodesRequirement, PodFailurePolicyOnPodConditionsPattern } from '../../api/types/batch.js';
import type { ContainerStatus, Pod, PodCondition } from '../../api/types/core.js';

/** What a failed pod's match means. */
export interface PodFailurePolicyMatch {
  /** The Job's failure message when a FailJob rule matched. */
  failJobMessage?: string;
  /** Whether the failure counts toward backoffLimit (false for Ignore). */
  countFailed: boolean;
  /** The action of the rule that matched; undefined when none did. */
  action?: PodFailurePolicyAction;
}

function exitCodeMatches(exitCode: number, req: PodFailurePolicyOnExitCodesRequirement): boolean {
  const values = req.values ?? [];
  switch (req.operator) {
    case 'In': return values.includes(exitCode);
    case 'NotIn': return !values.includes(exitCode);
    default: return false;
  }
}

/** The first terminated container (exit code not 0) of the list meeting the requirement. */
function matchingContainer(statuses: readonly ContainerStatus[] | undefined, req: PodFailurePolicyOnExitCodesRequirement): ContainerStatus | undefined {
  for (const s of statuses ?? []) {
    const terminated = s.state?.terminated;
    if (!terminated) continue;
    if (req.containerName !== undefined && req.containerName !== null && req.containerName !== s.name) continue;
    if (terminated.exitCode !== 0 && exitCodeMatches(terminated.exitCode, req)) return s;
  }
  return undefined;
}

/** matchOnExitCodes: containers first, then init containers. */
export function matchOnExitCodes(pod: Pod, req: PodFailurePolicyOnExitCodesRequirement): ContainerStatus | undefined {
  return matchingContainer(pod.status?.containerStatuses, req) ?? matchingContainer(pod.status?.initContainerStatuses, req);
}

/** matchOnPodConditions: the first condition of the pod a pattern matches (type and status). */
export function matchOnPodConditions(pod: Pod, patterns: readonly PodFailurePolicyOnPodConditionsPattern[]): PodCondition | undefined {
  for (const c of pod.status?.conditions ?? []) {
    if (patterns.some((p) => p.type === c.type && (p.status ?? 'True') === c.status)) return c;
  }
  return undefined;
}

/**
 * matchPodFailurePolicy: FailJob (with Kubernetes' message), Ignore (not counted),
 * FailIndex or Count for the first matching rule; no policy or no match counts the
 * failure. Rules with an action this controller does not know are skipped.
 */
export function matchPodFailurePolicy(policy: PodFailurePolicy | undefined, pod: Pod): PodFailurePolicyMatch {
  if (!policy) return { countFailed: true };
  const podName = `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
  for (const [index, rule] of (policy.rules ?? []).entries()) {
    if (rule.onExitCodes) {
      const status = matchOnExitCodes(pod, rule.onExitCodes);
      if (!status) continue;
      switch (rule.action) {
        case 'Ignore': return { countFailed: false, action: 'Ignore' };
        case 'FailIndex': return { countFailed: true, action: 'FailIndex' };
        case 'Count': return { countFailed: true, action: 'Count' };
        case 'FailJob':
          return {
            failJobMessage: `Container ${status.name} for pod ${podName} failed with exit code ${status.state?.terminated?.exitCode} matching FailJob rule at index ${index}`,
            countFailed: true, action: 'FailJob',
          };
        default: continue;
      }
    } else if (rule.onPodConditions) {
      const cond = matchOnPodConditions(pod, rule.onPodConditions);
      if (!cond) continue;
      switch (rule.action) {
        case 'Ignore': return { countFailed: false, action: 'Ignore' };
        case 'FailIndex': return { countFailed: true, action: 'FailIndex' };
        case 'Count': return { countFailed: true, action: 'Count' };
        case 'FailJob':
          return { failJobMessage: `Pod ${podName} has condition ${cond.type} matching FailJob rule at index ${index}`, countFailed: true, action: 'FailJob' };
        default: continue;
      }
    }
  }
  return { countFailed: true };
}
