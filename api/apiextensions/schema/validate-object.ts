// A custom resource against its version's schema: value validation, list types and CEL rules.
import type { JSONSchemaProps } from '../../types/apiextensions.js';
import type { FieldCause } from '../../validation/field.js';
import { validateSchemaValues } from './validate.js';
import { CostBudget, validateRulesInto, hasRules, compileRuleErrors } from './cel.js';

export interface ValidateObjectOptions {
  /** The cost budget for all CEL rules of this object (a fresh Kubernetes-sized one by default). */
  budget?: CostBudget;
}

/**
 * Every schema error of obj, a whole custom resource (or a value at the schema's
 * root), as the apiserver reports them in a 422: openAPIV3Schema value validation with
 * kube-openapi's messages, list-type set/map duplicates, embedded resources, then the
 * x-kubernetes-validations rules (transition rules only when oldObj is given). Metadata
 * of the object is validated as ObjectMeta elsewhere.
 */
export function validateObject(schema: JSONSchemaProps, obj: unknown, oldObj?: unknown, opts: ValidateObjectOptions = {}): FieldCause[] {
  const errs = validateSchemaValues(schema, obj, oldObj);
  errs.push(...validateRules(schema, obj, oldObj, opts.budget));
  return errs;
}

/** Only the CEL rules of schema on obj (and oldObj on update). */
export function validateRules(schema: JSONSchemaProps, obj: unknown, oldObj?: unknown, budget?: CostBudget): FieldCause[] {
  if (!hasRules(schema)) return [];
  const ctx = { budget: budget ?? new CostBudget(), errs: [] as FieldCause[] };
  validateRulesInto(schema, obj, oldObj, '', ctx);
  return ctx.errs;
}

export { validateSchemaValues, compileRuleErrors, CostBudget };
