// PodDisruptionBudget helpers shared by the eviction subresource and the disruption
// controller (component-helpers/apps/poddisruptionbudget, apimachinery's
// meta.SetStatusCondition).
import type { Pod } from '../types/core.js';
import {
  DISRUPTION_ALLOWED_CONDITION, INSUFFICIENT_PODS_REASON, type MetaCondition, type PodDisruptionBudget, SUFFICIENT_PODS_REASON,
} from '../types/policy.js';
import { selectorFromLabelSelector } from '../labels.js';
import { rfc3339 } from './time.js';

/**
 * pdbhelper.UpdateDisruptionAllowedCondition: DisruptionAllowed True (SufficientPods)
 * while disruptionsAllowed > 0, else False (InsufficientPods), as apimeta's
 * SetStatusCondition writes it (the transition time moves only when the status does).
 */
export function updateDisruptionAllowedCondition(pdb: PodDisruptionBudget, now: number): void {
  const status = pdb.status ?? (pdb.status = { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 });
  const allowed = status.disruptionsAllowed > 0;
  setStatusCondition((status.conditions ??= []), {
    type: DISRUPTION_ALLOWED_CONDITION, status: allowed ? 'True' : 'False', reason: allowed ? SUFFICIENT_PODS_REASON : INSUFFICIENT_PODS_REASON,
    message: '', observedGeneration: status.observedGeneration, lastTransitionTime: '',
  }, now);
}

/** apimeta.SetStatusCondition: adds or updates the condition of that type, in place. */
export function setStatusCondition(conditions: MetaCondition[], c: MetaCondition, now: number): void {
  const existing = conditions.find((x) => x.type === c.type);
  const cond: MetaCondition = { ...c };
  if (cond.observedGeneration === undefined || cond.observedGeneration === 0) delete cond.observedGeneration;
  if (!existing) {
    conditions.push({ ...cond, lastTransitionTime: cond.lastTransitionTime || rfc3339(now) });
    return;
  }
  if (existing.status !== cond.status) {
    existing.status = cond.status;
    existing.lastTransitionTime = cond.lastTransitionTime || rfc3339(now);
  }
  existing.reason = cond.reason;
  existing.message = cond.message;
  if (cond.observedGeneration === undefined) delete existing.observedGeneration;
  else existing.observedGeneration = cond.observedGeneration;
}

/** The budgets of the pod's namespace whose (non-empty, valid) selector matches its labels. */
export function budgetsFor(pod: Pod, pdbs: readonly PodDisruptionBudget[]): PodDisruptionBudget[] {
  return pdbs.filter((pdb) => {
    if (pdb.metadata.namespace !== pod.metadata.namespace) return false;
    let selector;
    try {
      selector = selectorFromLabelSelector(pdb.spec?.selector);
    } catch {
      return false; // an invalid selector matches no pod
    }
    // A nil or empty selector matches nothing here, not everything.
    return !selector.empty() && !selector.matchesNothing && selector.matches(pod.metadata.labels);
  });
}

