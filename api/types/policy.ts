// policy/v1 types: PodDisruptionBudget and Eviction (k8s.io/api/policy/v1).
import type { IntOrString } from './core.js';
import type { DeleteOptions, KubeObject, LabelSelector } from './meta.js';

/** metav1.Condition: the conditions of newer APIs (PodDisruptionBudget's DisruptionAllowed). */
export interface MetaCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  /** Always serialized (no omitempty), "" when there is nothing to say. */
  message: string;
}

export type UnhealthyPodEvictionPolicyType = 'IfHealthyBudget' | 'AlwaysAllow';
export const UNHEALTHY_POD_EVICTION_POLICIES: readonly UnhealthyPodEvictionPolicyType[] = ['AlwaysAllow', 'IfHealthyBudget'];

export interface PodDisruptionBudgetSpec {
  minAvailable?: IntOrString;
  selector?: LabelSelector;
  maxUnavailable?: IntOrString;
  unhealthyPodEvictionPolicy?: UnhealthyPodEvictionPolicyType;
}

export interface PodDisruptionBudgetStatus {
  observedGeneration?: number;
  /** Pod name -> when the eviction API let it go (the disruption controller forgets it after 2 minutes). */
  disruptedPods?: Record<string, string>;
  disruptionsAllowed: number;
  currentHealthy: number;
  desiredHealthy: number;
  expectedPods: number;
  conditions?: MetaCondition[];
}

export interface PodDisruptionBudget extends KubeObject {
  spec?: PodDisruptionBudgetSpec;
  status?: PodDisruptionBudgetStatus;
}

/** POSTed to pods/<name>/eviction (policy/v1, and policy/v1beta1 from older clients). */
export interface Eviction extends KubeObject {
  deleteOptions?: DeleteOptions;
}

/** StatusCause type (JSON "reason") of an eviction a budget refused. */
export const DISRUPTION_BUDGET_CAUSE = 'DisruptionBudget';
export const DISRUPTION_ALLOWED_CONDITION = 'DisruptionAllowed';
export const SYNC_FAILED_REASON = 'SyncFailed';
export const SUFFICIENT_PODS_REASON = 'SufficientPods';
export const INSUFFICIENT_PODS_REASON = 'InsufficientPods';
