// What custom resources get from their CRD's openAPIV3Schema: validation, defaults and
// pruning, from the structural-schema package (api/apiextensions/schema).
import type { SchemaOps } from './custom-resource.js';

export const CUSTOM_RESOURCE_SCHEMA: SchemaOps = {};
