// What custom resources get from their CRD's openAPIV3Schema: validation (CEL rules
// included), defaults and pruning, from the structural-schema engine
// (api/apiextensions/schema).
import { applyDefaults, prune, validateObject } from '../../api/apiextensions/schema/index.js';
import type { SchemaOps } from './custom-resource.js';

export const CUSTOM_RESOURCE_SCHEMA: SchemaOps = {
  validate: (schema, obj, oldObj) => validateObject(schema, obj, oldObj),
  applyDefaults: (schema, obj) => { applyDefaults(schema, obj); },
  prune: (schema, obj) => prune(schema, obj),
};
