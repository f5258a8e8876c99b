// policy/v1 PodDisruptionBudgets (policy's ValidatePodDisruptionBudget and
// ValidatePodDisruptionBudgetStatusUpdate).
import type { PodDisruptionBudget, PodDisruptionBudgetSpec, PodDisruptionBudgetStatus } from '../types/policy.js';
import { UNHEALTHY_POD_EVICTION_POLICIES } from '../types/policy.js';
import { notMoreThan100Percent } from './daemonset.js';
import { validatePositiveIntOrPercent } from './deployment.js';
import { child, type FieldCause, invalid, nonNegative, notSupported, Raw, record } from './field.js';
import { validateLabelSelector, validateMetaConditions, validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { nameIsDNSSubdomain } from './names.js';

const specOf = (pdb: PodDisruptionBudget): PodDisruptionBudgetSpec => record<unknown>(pdb.spec) as PodDisruptionBudgetSpec;

/** Go's %#v of a policy.PodDisruptionBudgetSpec, as field.Invalid prints the whole spec (pointers as Go shows them). */
function goSpec(spec: PodDisruptionBudgetSpec): Raw {
  const ptr = (type: string, v: unknown): string => `(*${type})(${v === undefined || v === null ? 'nil' : '0xc000000000'})`;
  return new Raw(`policy.PodDisruptionBudgetSpec{MinAvailable:${ptr('intstr.IntOrString', spec.minAvailable)}, Selector:${ptr('v1.LabelSelector', spec.selector)}, `
    + `MaxUnavailable:${ptr('intstr.IntOrString', spec.maxUnavailable)}, UnhealthyPodEvictionPolicy:${ptr('policy.UnhealthyPodEvictionPolicyType', spec.unhealthyPodEvictionPolicy)}}`);
}

/** ValidatePodDisruptionBudgetSpec: minAvailable xor maxUnavailable, each an integer >= 0 or a percentage <= 100%. */
export function validatePodDisruptionBudgetSpec(spec: PodDisruptionBudgetSpec, path = 'spec'): FieldCause[] {
  const errs: FieldCause[] = [];
  const has = (v: unknown): boolean => v !== undefined && v !== null;
  if (has(spec.minAvailable) && has(spec.maxUnavailable)) errs.push(invalid(path, goSpec(spec), 'minAvailable and maxUnavailable cannot be both set'));
  for (const f of ['minAvailable', 'maxUnavailable'] as const) {
    if (!has(spec[f])) continue;
    errs.push(...validatePositiveIntOrPercent(spec[f], child(path, f)), ...notMoreThan100Percent(spec[f], child(path, f)));
  }
  errs.push(...validateLabelSelector(spec.selector, child(path, 'selector')));
  const policy = spec.unhealthyPodEvictionPolicy;
  if (has(policy) && !UNHEALTHY_POD_EVICTION_POLICIES.includes(policy as never)) {
    errs.push(notSupported(child(path, 'unhealthyPodEvictionPolicy'), policy, UNHEALTHY_POD_EVICTION_POLICIES));
  }
  return errs;
}

export function validatePodDisruptionBudgetCreate(pdb: PodDisruptionBudget): FieldCause[] {
  return [...validateObjectMeta(pdb.metadata, { namespaced: true, nameFn: nameIsDNSSubdomain }), ...validatePodDisruptionBudgetSpec(specOf(pdb))];
}

/** The spec may change (since policy/v1beta1 in 1.15); the same rules apply. */
export function validatePodDisruptionBudgetUpdate(pdb: PodDisruptionBudget, old: PodDisruptionBudget): FieldCause[] {
  return [...validateObjectMetaUpdate(pdb.metadata, old.metadata), ...validatePodDisruptionBudgetSpec(specOf(pdb))];
}

/** ValidatePodDisruptionBudgetStatusUpdate (policy/v1): valid conditions, non-negative counts. */
export function validatePodDisruptionBudgetStatus(pdb: PodDisruptionBudget): FieldCause[] {
  const status = record<unknown>(pdb.status) as Partial<PodDisruptionBudgetStatus>;
  return [
    ...validateMetaConditions(status.conditions, 'status.conditions'),
    ...nonNegative(status.disruptionsAllowed, 'status.disruptionsAllowed'),
    ...nonNegative(status.currentHealthy, 'status.currentHealthy'),
    ...nonNegative(status.desiredHealthy, 'status.desiredHealthy'),
    ...nonNegative(status.expectedPods, 'status.expectedPods'),
  ];
}
