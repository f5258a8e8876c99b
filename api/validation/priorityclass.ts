// scheduling.k8s.io/v1 PriorityClasses (scheduling's ValidatePriorityClass and
// ValidatePriorityClassUpdate).
import {
  HIGHEST_USER_DEFINABLE_PRIORITY, type PriorityClass, SYSTEM_PRIORITY_CLASS_PREFIX, unknownSystemPriorityClass,
} from '../types/scheduling.js';
import { type FieldCause, forbidden, notSupported, required, str } from './field.js';
import { validateImmutable, validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { nameIsDNSSubdomain } from './names.js';

/** core's ValidatePreemptionPolicy. */
function validatePreemptionPolicy(policy: unknown, path: string): FieldCause[] {
  if (policy === undefined || policy === null) return [];
  const v = str(policy);
  if (!v) return [required(path)];
  return v === 'PreemptLowerPriority' || v === 'Never' ? [] : [notSupported(path, v, ['PreemptLowerPriority', 'Never'])];
}

/**
 * A class named system-* must be one of the system classes as they are; any other may
 * have a value of at most HighestUserDefinablePriority (1e9).
 */
export function validatePriorityClassCreate(pc: PriorityClass): FieldCause[] {
  const errs = validateObjectMeta(pc.metadata, { namespaced: false, nameFn: nameIsDNSSubdomain });
  const name = str(pc.metadata?.name);
  const value = typeof pc.value === 'number' ? pc.value : 0;
  if (name.startsWith(SYSTEM_PRIORITY_CLASS_PREFIX)) {
    const why = unknownSystemPriorityClass(name, value, pc.globalDefault === true);
    if (why) errs.push(forbidden('metadata.name', `priority class names with '${SYSTEM_PRIORITY_CLASS_PREFIX}' prefix are reserved for system use only. error: ${why}`));
  } else if (value > HIGHEST_USER_DEFINABLE_PRIORITY) {
    errs.push(forbidden('value', `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`));
  }
  errs.push(...validatePreemptionPolicy(pc.preemptionPolicy, 'preemptionPolicy'));
  return errs;
}

/** value and preemptionPolicy are immutable; globalDefault and description may change. */
export function validatePriorityClassUpdate(pc: PriorityClass, old: PriorityClass): FieldCause[] {
  const errs = validateObjectMetaUpdate(pc.metadata, old.metadata);
  if (pc.value !== old.value) errs.push(forbidden('value', 'may not be changed in an update.'));
  errs.push(...validateImmutable(pc.preemptionPolicy, old.preemptionPolicy, 'preemptionPolicy'));
  return errs;
}
