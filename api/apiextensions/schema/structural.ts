// The rules a CRD version's openAPIV3Schema itself must follow, with Kubernetes' messages:
// apiextensions-apiserver pkg/apis/apiextensions/validation (validateCustomResourceDefinitionValidation,
// ValidateCustomResourceDefinitionOpenAPISchema, specStandardValidatorV3,
// validateMapListKeysMapSet), pkg/apiserver/schema/validation.go (ValidateStructural:
// types everywhere, metadata restrictions, no nested extensions) and
// pkg/apiserver/schema/defaulting (defaults must be pruned and valid).
import type { JSONSchemaProps } from '../../types/apiextensions.js';
import {
  type FieldCause, required, invalid, notSupported, forbidden, child, index, key,
} from '../../validation/field.js';
import { compilePattern, itemsSchema, additionalSchema, deepEqual, goBad } from './util.js';
import { validateSchemaValues } from './validate.js';
import { prune } from './prune.js';
import { compileRuleErrors } from './cel.js';

export interface StructuralOptions {
  /** The version has the status subresource: only some fields are allowed at the root. */
  statusSubresource?: boolean;
}

const OPENAPI_V3_TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string'];
const META_FIELDS = new Set(['metadata', 'kind', 'apiVersion']);
const SUPPORTED_REASONS = ['FieldValueDuplicate', 'FieldValueForbidden', 'FieldValueInvalid', 'FieldValueRequired'];
const ALLOWED_AT_ROOT_WITH_STATUS = new Set([
  'description', 'type', 'format', 'title', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum',
  'maxLength', 'minLength', 'pattern', 'maxItems', 'minItems', 'uniqueItems', 'multipleOf', 'required', 'items',
  'properties', 'externalDocs', 'example', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-validations',
]);
const ALLOWED_AT_ROOT_GO = '[Description Type Format Title Maximum ExclusiveMaximum Minimum ExclusiveMinimum MaxLength MinLength Pattern MaxItems MinItems UniqueItems MultipleOf Required Items Properties ExternalDocs Example XPreserveUnknownFields XValidations]';

/**
 * Errors in a CRD version's openAPIV3Schema. fldPath is where the schema sits, e.g.
 * "spec.versions[0].schema.openAPIV3Schema"; errors name paths below it as Kubernetes
 * does ("...openAPIV3Schema.properties[spec].type: Required value: must not be empty
 * for specified object fields"). CEL rules are compiled and their errors reported too.
 * Returns [] for a valid structural schema.
 */
export function validateStructural(schema: JSONSchemaProps, fldPath: string, opts: StructuralOptions = {}): FieldCause[] {
  const errs: FieldCause[] = [];
  if (opts.statusSubresource) {
    for (const [k, v] of Object.entries(schema)) {
      if (v === undefined || v === false || v === '' || (Array.isArray(v) && !v.length)) continue;
      if (k === 'type') {
        if (schema.type !== 'object') {
          errs.push(invalid(child(fldPath, 'type'), schema.type, 'only "object" is allowed as the type at the root of the schema if the status subresource is enabled'));
          break;
        }
        continue;
      }
      if (!ALLOWED_AT_ROOT_WITH_STATUS.has(k)) {
        errs.push(invalid(fldPath, schema, `only ${ALLOWED_AT_ROOT_GO} fields are allowed at the root of the schema if the status subresource is enabled`));
        break;
      }
    }
  }
  if (schema.nullable) errs.push(forbidden(child(fldPath, 'nullable'), 'nullable cannot be true at the root'));

  const structural = structuralErrors(schema, fldPath);
  errs.push(...structural);
  let celOK = false;
  if (!structural.length) {
    const defaultErrs: FieldCause[] = [];
    validateDefaults(schema, fldPath, false, true, defaultErrs);
    errs.push(...defaultErrs);
    celOK = !defaultErrs.length;
  }
  const schemaErrs: FieldCause[] = [];
  openAPISchema(schema, fldPath, { allowDefaults: true, insideMeta: false }, true, schemaErrs);
  errs.push(...schemaErrs);
  if (celOK && !schemaErrs.length) errs.push(...compileRuleErrors(schema, fldPath));
  return errs;
}

interface SpecContext {
  allowDefaults: boolean;
  disallowReason?: string;
  insideMeta: boolean;
  /** The path above which oldSelf cannot be correlated (atomic lists, atomic maps). */
  uncorrelatable?: string;
}

/** ValidateCustomResourceDefinitionOpenAPISchema: the OpenAPI subset CRDs accept, list/map types, rules. */
function openAPISchema(s: JSONSchemaProps | undefined, p: string, ctx: SpecContext, isRoot: boolean, errs: FieldCause[]): void {
  if (!s || typeof s !== 'object') return;
  specStandard(s, p, ctx, errs);
  if (s.uniqueItems) errs.push(forbidden(child(p, 'uniqueItems'), 'uniqueItems cannot be set to true since the runtime complexity becomes quadratic'));
  if (s.additionalProperties !== undefined) {
    const props = Object.keys(s.properties ?? {}).length;
    if (props && (s.additionalProperties === false || typeof s.additionalProperties === 'object')) {
      errs.push(forbidden(child(p, 'additionalProperties'), 'additionalProperties and properties are mutual exclusive'));
    }
    const sub = ctx.insideMeta ? { ...ctx, allowDefaults: false, disallowReason: 'inside additionalProperties applying to object metadata' } : ctx;
    openAPISchema(additionalSchema(s), child(p, 'additionalProperties'), sub, false, errs);
  }
  for (const [name, ps] of Object.entries(s.properties ?? {})) {
    let sub = ctx;
    if (s['x-kubernetes-map-type'] === 'atomic' && !sub.uncorrelatable) sub = { ...sub, uncorrelatable: p };
    if ((isRoot || s['x-kubernetes-embedded-resource']) && META_FIELDS.has(name)) {
      sub = { ...sub, insideMeta: true };
      if (isRoot) sub = { ...sub, allowDefaults: false, disallowReason: `in top-level ${name}` };
    }
    openAPISchema(ps, key(child(p, 'properties'), name), sub, false, errs);
  }
  openAPISchema(s.not, child(p, 'not'), ctx, false, errs);
  (s.allOf ?? []).forEach((x, i) => openAPISchema(x, index(child(p, 'allOf'), i), ctx, false, errs));
  (s.oneOf ?? []).forEach((x, i) => openAPISchema(x, index(child(p, 'oneOf'), i), ctx, false, errs));
  (s.anyOf ?? []).forEach((x, i) => openAPISchema(x, index(child(p, 'anyOf'), i), ctx, false, errs));
  for (const [name, ds] of Object.entries(s.definitions ?? {})) openAPISchema(ds, key(child(p, 'definitions'), name), ctx, false, errs);
  if (s.items) {
    const sub = s['x-kubernetes-list-type'] !== 'map' && !ctx.uncorrelatable ? { ...ctx, uncorrelatable: p } : ctx;
    if (Array.isArray(s.items)) s.items.forEach((x, i) => openAPISchema(x, index(child(p, 'items'), i), sub, false, errs));
    else openAPISchema(s.items, child(p, 'items'), sub, false, errs);
  }
  for (const [name, d] of Object.entries(s.dependencies ?? {})) {
    if (!Array.isArray(d)) openAPISchema(d, key(child(p, 'dependencies'), name), ctx, false, errs);
  }
  if (s['x-kubernetes-preserve-unknown-fields'] === false) {
    errs.push(invalid(child(p, 'x-kubernetes-preserve-unknown-fields'), false, 'must be true or undefined'));
  }
  const mapType = s['x-kubernetes-map-type'];
  if (mapType !== undefined && s.type !== 'object') {
    if (!s.type) errs.push(required(child(p, 'type'), 'must be object if x-kubernetes-map-type is specified'));
    else errs.push(invalid(child(p, 'type'), s.type, 'must be object if x-kubernetes-map-type is specified'));
  }
  if (mapType !== undefined && mapType !== 'atomic' && mapType !== 'granular') {
    errs.push(notSupported(child(p, 'x-kubernetes-map-type'), mapType, ['atomic', 'granular']));
  }
  const listType = s['x-kubernetes-list-type'];
  const items = itemsSchema(s);
  if (listType !== undefined && s.type !== 'array') {
    if (!s.type) errs.push(required(child(p, 'type'), 'must be array if x-kubernetes-list-type is specified'));
    else errs.push(invalid(child(p, 'type'), s.type, 'must be array if x-kubernetes-list-type is specified'));
  } else if (listType === 'set' && items) {
    if (items.type === 'array' && items['x-kubernetes-list-type'] !== undefined && items['x-kubernetes-list-type'] !== 'atomic') {
      errs.push(invalid(child(p, 'items', 'x-kubernetes-list-type'), items['x-kubernetes-list-type'], 'must be atomic as item of a list with x-kubernetes-list-type=set'));
    }
    if (items.type === 'object' && items['x-kubernetes-map-type'] !== 'atomic') {
      errs.push(invalid(child(p, 'items', 'x-kubernetes-map-type'), listType, 'must be atomic as item of a list with x-kubernetes-list-type=set'));
    }
  }
  if (listType !== undefined && !['atomic', 'set', 'map'].includes(listType)) {
    errs.push(notSupported(child(p, 'x-kubernetes-list-type'), listType, ['atomic', 'set', 'map']));
  }
  const mapKeys = s['x-kubernetes-list-map-keys'] ?? [];
  if (mapKeys.length) {
    if (listType === undefined) errs.push(required(child(p, 'x-kubernetes-list-type'), 'must be map if x-kubernetes-list-map-keys is non-empty'));
    else if (listType !== 'map') errs.push(invalid(child(p, 'x-kubernetes-list-type'), listType, 'must be map if x-kubernetes-list-map-keys is non-empty'));
  }
  if (listType === 'map') {
    if (!mapKeys.length) errs.push(required(child(p, 'x-kubernetes-list-map-keys'), 'must not be empty if x-kubernetes-list-type is map'));
    if (!s.items) errs.push(required(child(p, 'items'), 'must have a schema if x-kubernetes-list-type is map'));
    if (Array.isArray(s.items)) errs.push(invalid(child(p, 'items'), s.items, 'must only have a single schema if x-kubernetes-list-type is map'));
    if (items && items.type !== 'object') {
      errs.push(invalid(child(p, 'items', 'type'), items.type ?? '', "must be object if parent array's x-kubernetes-list-type is map"));
    }
    if (items && items.type === 'object') {
      const seen = new Set<string>();
      for (const k of mapKeys) {
        const ks = items.properties?.[k];
        if (ks) {
          if (ks.type === 'array' || ks.type === 'object') {
            errs.push(invalid(child(key(child(p, 'items', 'properties'), k), 'type'), items.type, "must be a scalar type if parent array's x-kubernetes-list-type is map"));
          }
        } else {
          errs.push(invalid(child(p, 'x-kubernetes-list-map-keys'), mapKeys, 'entries must all be names of item properties'));
        }
        if (seen.has(k)) errs.push(invalid(child(p, 'x-kubernetes-list-map-keys'), mapKeys, 'must not contain duplicate entries'));
        seen.add(k);
      }
    }
  }
  mapListKeysMapSet(s, p, errs);
  rulesShape(s, p, errs);
}

/** specStandardValidatorV3.validate. */
function specStandard(s: JSONSchemaProps, p: string, ctx: SpecContext, errs: FieldCause[]): void {
  if (s.type && !OPENAPI_V3_TYPES.includes(s.type) && s.type !== 'null') {
    errs.push(notSupported(child(p, 'type'), s.type, OPENAPI_V3_TYPES));
  }
  if (s.default !== undefined && !ctx.allowDefaults) {
    errs.push(forbidden(child(p, 'default'), `must not be set${ctx.disallowReason ? ` ${ctx.disallowReason}` : ''}`));
  }
  if (s.id) errs.push(forbidden(child(p, 'id'), 'id is not supported'));
  if (s.additionalItems !== undefined) errs.push(forbidden(child(p, 'additionalItems'), 'additionalItems is not supported'));
  if (s.patternProperties && Object.keys(s.patternProperties).length) errs.push(forbidden(child(p, 'patternProperties'), 'patternProperties is not supported'));
  if (s.definitions && Object.keys(s.definitions).length) errs.push(forbidden(child(p, 'definitions'), 'definitions is not supported'));
  if (s.dependencies !== undefined) errs.push(forbidden(child(p, 'dependencies'), 'dependencies is not supported'));
  if (s.$ref !== undefined) errs.push(forbidden(child(p, '$ref'), '$ref is not supported'));
  if (s.type === 'null') errs.push(forbidden(child(p, 'type'), 'type cannot be set to null, use nullable as an alternative'));
  if (Array.isArray(s.items) && s.items.length) errs.push(forbidden(child(p, 'items'), 'items must be a schema object and not an array'));
  if (ctx.insideMeta && s['x-kubernetes-embedded-resource']) {
    errs.push(forbidden(child(p, 'x-kubernetes-embedded-resource'), 'must not be used inside of resource meta'));
  }
}

function mapListKeysMapSet(s: JSONSchemaProps, p: string, errs: FieldCause[]): void {
  const items = itemsSchema(s);
  const lt = s['x-kubernetes-list-type'];
  if (!items || (lt !== 'set' && lt !== 'map')) return;
  if (items.nullable) errs.push(forbidden(child(p, 'items', 'nullable'), `cannot be nullable when x-kubernetes-list-type is ${lt}`));
  if (lt !== 'map') return;
  const req = new Set(items.required ?? []);
  for (const k of s['x-kubernetes-list-map-keys'] ?? []) {
    const ks = items.properties?.[k];
    if (!ks) continue;
    const kp = key(child(p, 'items', 'properties'), k);
    if (!req.has(k) && ks.default === undefined) {
      errs.push(required(child(kp, 'default'), 'this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property'));
    }
    if (ks.nullable) errs.push(forbidden(child(kp, 'nullable'), 'this property is in x-kubernetes-list-map-keys, so it cannot be nullable'));
  }
}

/** The shape of each x-kubernetes-validations entry (compilation is checked apart). */
function rulesShape(s: JSONSchemaProps, p: string, errs: FieldCause[]): void {
  (s['x-kubernetes-validations'] ?? []).forEach((r, i) => {
    const rp = index(child(p, 'x-kubernetes-validations'), i);
    const rule = (r.rule ?? '').trim();
    const msg = (r.message ?? '').trim();
    if (!rule) errs.push(required(child(rp, 'rule'), 'rule is not specified'));
    else if (r.message && !msg) errs.push(invalid(child(rp, 'message'), r.message, 'message must be non-empty if specified'));
    else if (/[\n\r]/.test(msg)) errs.push(invalid(child(rp, 'message'), r.message, 'message must not contain line breaks'));
    else if (/[\n\r]/.test(rule) && !msg) errs.push(required(child(rp, 'message'), 'message must be specified if rule contains line breaks'));
    if (r.messageExpression !== undefined && r.messageExpression !== '' && !r.messageExpression.trim()) {
      errs.push(required(child(rp, 'messageExpression'), 'messageExpression must be non-empty if specified'));
    }
    if (r.reason !== undefined && !SUPPORTED_REASONS.includes(r.reason)) {
      errs.push(notSupported(child(rp, 'reason'), r.reason, SUPPORTED_REASONS));
    }
    if (r.fieldPath !== undefined && r.fieldPath !== '' && !r.fieldPath.trim()) {
      errs.push(invalid(child(rp, 'fieldPath'), r.fieldPath, 'fieldPath must be non-empty if specified'));
    }
    if (r.fieldPath && /[\n\r]/.test(r.fieldPath)) errs.push(invalid(child(rp, 'fieldPath'), r.fieldPath, 'fieldPath must not contain line breaks'));
    if (r.fieldPath && r.fieldPath.trim() && !fieldPathValid(s, r.fieldPath)) {
      errs.push(invalid(child(rp, 'fieldPath'), r.fieldPath, 'fieldPath must be a valid path'));
    }
  });
}

/** A rule's fieldPath: .a.b and ['key'] steps through properties and maps of the schema (no list indices). */
export function fieldPathValid(s: JSONSchemaProps, path: string): boolean {
  const re = /\.([a-zA-Z_][a-zA-Z0-9_-]*)|\['((?:[^'\\]|\\.)*)'\]|\[(\d+)\]/y;
  let cur: JSONSchemaProps | undefined = s;
  let pos = 0;
  if (!path.startsWith('.') && !path.startsWith('[')) return false;
  while (pos < path.length) {
    re.lastIndex = pos;
    const m = re.exec(path);
    if (!m || !cur) return false;
    pos = re.lastIndex;
    if (m[3] !== undefined) return false;
    const name = m[1] ?? m[2].replace(/\\(.)/g, '$1');
    cur = cur.properties?.[name] ?? additionalSchema(cur);
  }
  return Boolean(cur);
}

// ---- structural invariants (pkg/apiserver/schema: NewStructural + ValidateStructural) ----

type Level = 'root' | 'item' | 'field';

function structuralErrors(s: JSONSchemaProps, p: string): FieldCause[] {
  const errs: FieldCause[] = [];
  invariants(s, 'root', p, errs);
  // ValidateStructural sorts its errors by their text for a stable answer.
  errs.sort((a, b) => {
    const x = `${a.field}: ${a.message}`;
    const y = `${b.field}: ${b.message}`;
    return x < y ? -1 : x > y ? 1 : 0;
  });
  return errs;
}

function invariants(s: JSONSchemaProps | undefined, lvl: Level, p: string, errs: FieldCause[]): void {
  if (!s || typeof s !== 'object') return;
  if (s.type === 'array' && !s.items) errs.push(required(child(p, 'items'), 'must be specified'));
  if (s.items && !Array.isArray(s.items)) invariants(s.items, 'item', child(p, 'items'), errs);
  for (const [k, v] of Object.entries(s.properties ?? {})) invariants(v, 'field', key(child(p, 'properties'), k), errs);
  if (s.additionalProperties !== undefined && s.additionalProperties !== null) {
    if (lvl === 'root') errs.push(forbidden(child(p, 'additionalProperties'), 'must not be used at the root'));
    const ap = additionalSchema(s);
    if (ap) invariants(ap, 'field', child(p, 'additionalProperties'), errs);
  }
  if (s['x-kubernetes-int-or-string'] && s['x-kubernetes-preserve-unknown-fields']) {
    errs.push(invalid(child(p, 'x-kubernetes-preserve-unknown-fields'), true, 'must be false if x-kubernetes-int-or-string is true'));
  }
  if (s['x-kubernetes-int-or-string'] && s['x-kubernetes-embedded-resource']) {
    errs.push(invalid(child(p, 'x-kubernetes-embedded-resource'), true, 'must be false if x-kubernetes-int-or-string is true'));
  }
  const skipAnyOf = isIntOrStringAnyOf(s.anyOf);
  const skipFirstAllOfAnyOf = Boolean(s.allOf?.length && isIntOrStringAnyOf(s.allOf[0].anyOf));
  valueValidation(s, skipAnyOf, skipFirstAllOfAnyOf, p, errs);

  const checkMetadata = lvl === 'root' || Boolean(s['x-kubernetes-embedded-resource']);
  if (s['x-kubernetes-embedded-resource'] && s.type !== 'object') {
    if (!s.type) errs.push(required(child(p, 'type'), 'must be object if x-kubernetes-embedded-resource is true'));
    else errs.push(invalid(child(p, 'type'), s.type, 'must be object if x-kubernetes-embedded-resource is true'));
  } else if (!s.type && !s['x-kubernetes-int-or-string'] && !s['x-kubernetes-preserve-unknown-fields']) {
    const detail = lvl === 'root' ? 'must not be empty at the root'
      : lvl === 'item' ? 'must not be empty for specified array items' : 'must not be empty for specified object fields';
    errs.push(required(child(p, 'type'), detail));
  }
  if (s['x-kubernetes-embedded-resource'] && s.additionalProperties !== undefined) {
    errs.push(forbidden(child(p, 'additionalProperties'), 'must not be used if x-kubernetes-embedded-resource is set'));
  }
  if (lvl === 'root' && s.type && s.type !== 'object') errs.push(invalid(child(p, 'type'), s.type, 'must be object at the root'));
  const kind = s.properties?.kind;
  if (kind && checkMetadata && kind.type !== 'string') {
    errs.push(invalid(child(key(child(p, 'properties'), 'kind'), 'type'), kind.type ?? '', 'must be string'));
  }
  const apiVersion = s.properties?.apiVersion;
  if (apiVersion && checkMetadata && apiVersion.type !== 'string') {
    errs.push(invalid(child(key(child(p, 'properties'), 'apiVersion'), 'type'), apiVersion.type ?? '', 'must be string'));
  }
  const metadata = s.properties?.metadata;
  if (metadata) metadataInvariants(metadata, checkMetadata, lvl, key(child(p, 'properties'), 'metadata'), errs);
  if (s['x-kubernetes-embedded-resource'] && !s['x-kubernetes-preserve-unknown-fields'] && !Object.keys(s.properties ?? {}).length) {
    errs.push(required(child(p, 'properties'), 'must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields'));
  }
}

function metadataInvariants(s: JSONSchemaProps, checkMetadata: boolean, lvl: Level, p: string, errs: FieldCause[]): void {
  if (checkMetadata && s.type !== 'object') errs.push(invalid(child(p, 'type'), s.type ?? '', 'must be object'));
  if (lvl !== 'root') return;
  // Only type, and properties name and/or generateName (each with value validations
  // only), may be said of the root metadata.
  const rest: Record<string, unknown> = { ...s };
  delete rest.type;
  delete rest.default;
  delete rest.description;
  const props = Object.keys(s.properties ?? {});
  if (props.length && props.every((k) => k === 'name' || k === 'generateName')) delete rest.properties;
  if (Object.values(rest).some((v) => v !== undefined)) {
    errs.push(forbidden(p, 'must not specify anything other than name and generateName, but metadata is implicitly specified'));
  }
}

function isIntOrStringAnyOf(anyOf: JSONSchemaProps[] | undefined): boolean {
  return anyOf?.length === 2 && deepEqual(anyOf, [{ type: 'integer' }, { type: 'string' }]);
}

function valueValidation(s: JSONSchemaProps, skipAnyOf: boolean, skipFirstAllOfAnyOf: boolean, p: string, errs: FieldCause[]): void {
  if (!skipAnyOf) (s.anyOf ?? []).forEach((x, i) => nested(x, false, index(child(p, 'anyOf'), i), errs));
  (s.allOf ?? []).forEach((x, i) => nested(x, skipFirstAllOfAnyOf && i === 0, index(child(p, 'allOf'), i), errs));
  (s.oneOf ?? []).forEach((x, i) => nested(x, false, index(child(p, 'oneOf'), i), errs));
  if (s.not) nested(s.not, false, child(p, 'not'), errs);
  if (s.pattern) {
    const re = compilePattern(s.pattern);
    if (re instanceof Error) {
      errs.push(invalid(child(p, 'pattern'), s.pattern, `must be a valid regular expression, but isn't: ${re.message}`));
    }
  }
}

/** Inside allOf/anyOf/oneOf/not only value validations may be said. */
function nested(v: JSONSchemaProps, skipAnyOf: boolean, p: string, errs: FieldCause[]): void {
  if (!v || typeof v !== 'object') return;
  valueValidation(v, skipAnyOf, false, p, errs);
  if (v.items && !Array.isArray(v.items)) nested(v.items, false, child(p, 'items'), errs);
  for (const [k, x] of Object.entries(v.properties ?? {})) nested(x, false, key(child(p, 'properties'), k), errs);
  if (v.type) errs.push(forbidden(child(p, 'type'), 'must be empty to be structural'));
  if (v.additionalProperties !== undefined) errs.push(forbidden(child(p, 'additionalProperties'), 'must be undefined to be structural'));
  if (v.default !== undefined) errs.push(forbidden(child(p, 'default'), 'must be undefined to be structural'));
  if (v.title) errs.push(forbidden(child(p, 'title'), 'must be empty to be structural'));
  if (v.description) errs.push(forbidden(child(p, 'description'), 'must be empty to be structural'));
  if (v.nullable) errs.push(forbidden(child(p, 'nullable'), 'must be false to be structural'));
  if (v.externalDocs) errs.push(forbidden(child(p, 'externalDocs'), 'must be undefined to be structural'));
  if (v['x-kubernetes-preserve-unknown-fields']) errs.push(forbidden(child(p, 'x-kubernetes-preserve-unknown-fields'), 'must be false to be structural'));
  if (v['x-kubernetes-embedded-resource']) errs.push(forbidden(child(p, 'x-kubernetes-embedded-resource'), 'must be false to be structural'));
  if (v['x-kubernetes-int-or-string']) errs.push(forbidden(child(p, 'x-kubernetes-int-or-string'), 'must be false to be structural'));
  if (v['x-kubernetes-list-map-keys']?.length) errs.push(forbidden(child(p, 'x-kubernetes-list-map-keys'), 'must be empty to be structural'));
  if (v['x-kubernetes-list-type'] !== undefined) errs.push(forbidden(child(p, 'x-kubernetes-list-type'), 'must be undefined to be structural'));
  if (v['x-kubernetes-map-type'] !== undefined) errs.push(forbidden(child(p, 'x-kubernetes-map-type'), 'must be undefined to be structural'));
  if (v['x-kubernetes-validations']?.length) errs.push(forbidden(child(p, 'x-kubernetes-validations'), 'must be empty to be structural'));
  if (v.properties?.metadata) errs.push(forbidden(key(child(p, 'properties'), 'metadata'), 'must not be specified in a nested context'));
}

// ---- defaults (pkg/apiserver/schema/defaulting/validation.go ValidateDefaults) ----

function validateDefaults(s: JSONSchemaProps | undefined, p: string, insideMeta: boolean, isRoot: boolean, errs: FieldCause[]): void {
  if (!s || typeof s !== 'object') return;
  if (s.default !== undefined && s.default !== null) {
    const dp = child(p, 'default');
    const pruned = structuredClone(s.default);
    prune(s, pruned, { isResourceRoot: Boolean(s['x-kubernetes-embedded-resource']), pruneNulls: false });
    if (!deepEqual(pruned, s.default)) errs.push(invalid(dp, goBad(s.default), 'must not have unknown fields'));
    for (const e of validateSchemaValues(s, s.default)) {
      errs.push({ ...e, field: e.field ? `${dp}.${e.field}` : dp });
    }
  }
  if (s.items && !Array.isArray(s.items)) validateDefaults(s.items, child(p, 'items'), insideMeta, false, errs);
  for (const [k, v] of Object.entries(s.properties ?? {})) {
    const meta = insideMeta || ((isRoot || Boolean(s['x-kubernetes-embedded-resource'])) && k === 'metadata');
    validateDefaults(v, key(child(p, 'properties'), k), meta, false, errs);
  }
  const ap = additionalSchema(s);
  if (ap) validateDefaults(ap, child(p, 'additionalProperties'), insideMeta, false, errs);
}
