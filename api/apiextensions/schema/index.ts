// The schema engine of CustomResourceDefinitions: pure functions over a version's
// openAPIV3Schema and decoded JSON, used by the CRD strategy and handler.
//
// Stable API (callers may rely on these names and signatures):
//   validateStructural(schema, fldPath, opts?)  the schema's own rules, CEL compile errors included
//   validateObject(schema, obj, oldObj?)        a custom resource's schema and CEL errors
//   applyDefaults(schema, obj)                  structural defaulting in place
//   prune(schema, obj, opts?)                   unknown fields removed in place; their paths returned
//   toOpenAPIV3(schema) / toOpenAPIV2(schema)   the schema as /openapi/v3 and /openapi/v2 publish it
export { validateStructural, type StructuralOptions } from './structural.js';
export {
  validateObject, validateSchemaValues, validateRules, compileRuleErrors, CostBudget, type ValidateObjectOptions,
} from './validate-object.js';
export { applyDefaults } from './defaults.js';
export { prune, pruneNonNullableNulls, type PruneOptions } from './prune.js';
export { toOpenAPIV3, toOpenAPIV2 } from './openapi.js';
export { SUPPORTED_FORMATS } from './formats.js';
