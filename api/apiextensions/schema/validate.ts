// Validation of a custom resource against its CRD version's openAPIV3Schema, with the
// messages kube-openapi's validator produces and apiextensions-apiserver turns into
// field errors (pkg/apiserver/validation/validation.go kubeOpenAPIResultToFieldErrors):
//   spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"
// plus the structural checks Kubernetes runs beside it: list-type set/map uniqueness
// (pkg/apiserver/schema/listtype) and embedded resources' apiVersion/kind
// (pkg/apiserver/schema/objectmeta). Values are decoded JSON; nothing here throws.
import type { JSONSchemaProps } from '../../types/apiextensions.js';
import {
  type FieldCause, required, invalid, notSupported, duplicate, typeInvalid, tooMany, index as idx, key, Raw,
} from '../../validation/field.js';
import { goQuote } from '../../errors.js';
import { validateLabels, validateAnnotations } from '../../validation/meta.js';
import {
  type JSONObject, isObject, jsonType, compilePattern, goNumber, goValue, itemsSchema, additionalSchema,
  deepEqual, goSyntax, goBad,
} from './util.js';
import { validateFormat } from './formats.js';

const IN = 'body';

/** No correlated old value (create, or an uncorrelatable place such as an atomic list item). */
const NO_OLD = Symbol('no old value');
type Old = unknown;

/** kube-openapi's error path ("spec.x", ".key" under a root map) as a field path. */
const fieldOf = (name: string): string => (name.startsWith('.') ? name.slice(1) : name);

/** "Too long: may not be more than N bytes" (field.TooLong as of Kubernetes 1.32). */
const tooLong = (field: string, max: number): FieldCause => ({
  reason: 'FieldValueTooLong', field, message: `Too long: may not be more than ${max} ${max === 1 ? 'byte' : 'bytes'}`,
});

/**
 * Validates value against schema as kube-openapi does: path is the kube-openapi name
 * of value ("" for the object's root). Appends to errs.
 */
function validateValue(s: JSONSchemaProps, value: unknown, path: string, errs: FieldCause[], old: Old = NO_OLD): void {
  // Ratcheting (CRDValidationRatcheting, on by default since 1.30): a value equal to its
  // correlated old value keeps passing, whatever the schema says now.
  if (old !== NO_OLD && deepEqual(value, old)) return;
  const f = fieldOf(path);
  const types = s['x-kubernetes-int-or-string'] ? ['integer', 'string'] : s.type ? [s.type] : [];
  if (value === null || value === undefined) {
    if (types.length && !s.nullable) {
      errs.push(typeInvalid(f, 'null', `${path} in ${IN} must be of type ${types.join(',')}: "null"`));
    }
    if (s.enum?.length) errs.push(enumError(f, value, s.enum));
    return;
  }
  const t = jsonType(value);
  if (types.length) {
    const ok = types.includes(t) || (t === 'integer' && types.includes('number'));
    if (!ok) errs.push(typeInvalid(f, t, `${path} in ${IN} must be of type ${types.join(',')}: ${goQuote(t)}`));
  }
  validateComposition(s, value, path, errs);
  if (typeof value === 'string') {
    validateString(s, value, path, f, errs);
    if (s.format) {
      const formatErr = validateFormat(s.format, value);
      if (formatErr) errs.push(typeInvalid(f, value, `${path} in ${IN} must be of type ${s.format}: ${goQuote(value)}`));
    }
  }
  if (typeof value === 'number') validateNumber(s, value, path, f, errs);
  if (Array.isArray(value)) validateArray(s, value, path, f, errs, old);
  if (s.enum?.length && !s.enum.some((e) => enumMatches(value, e))) errs.push(enumError(f, value, s.enum));
  if (isObject(value)) validateObjectValue(s, value, path, f, errs, old);
}

/** Enum membership with Go's reflect conversion: 1 matches 1.0, "a" only "a". */
function enumMatches(value: unknown, e: unknown): boolean {
  if (typeof e === 'number' && typeof value === 'number') return e === value;
  return deepEqual(value, e);
}

function enumError(f: string, value: unknown, values: unknown[]): FieldCause {
  return notSupported(f, goBad(value ?? null), values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))));
}

function validateString(s: JSONSchemaProps, v: string, path: string, f: string, errs: FieldCause[]): void {
  // kube-openapi counts runes (utf8.RuneCountInString) and reports the first failure only.
  const len = [...v].length;
  if (s.maxLength !== undefined && len > s.maxLength) { errs.push(tooLong(f, s.maxLength)); return; }
  if (s.minLength !== undefined && len < s.minLength) {
    errs.push(invalid(f, v, `${path} in ${IN} should be at least ${s.minLength} chars long`));
    return;
  }
  if (s.pattern) {
    const re = compilePattern(s.pattern);
    if (re instanceof Error) {
      errs.push(invalid(f, v, `${path} in ${IN} should match '${s.pattern}, but pattern is invalid: ${re.message}'`));
    } else if (!re.test(v)) {
      errs.push(invalid(f, v, `${path} in ${IN} should match '${s.pattern}'`));
    }
  }
}

function validateNumber(s: JSONSchemaProps, v: number, path: string, f: string, errs: FieldCause[]): void {
  if (s.multipleOf !== undefined) {
    if (s.multipleOf <= 0) {
      errs.push(invalid(f, s.multipleOf, `factor MultipleOf declared for ${path} must be positive: ${goNumber(s.multipleOf)}`));
    } else {
      const q = v / s.multipleOf;
      if (Math.abs(q - Math.round(q)) > 1e-9) {
        errs.push(invalid(f, v, `${path} in ${IN} should be a multiple of ${goNumber(s.multipleOf)}`));
      }
    }
  }
  if (s.minimum !== undefined) {
    const bad = s.exclusiveMinimum ? v <= s.minimum : v < s.minimum;
    if (bad) {
      const op = s.exclusiveMinimum ? 'greater than' : 'greater than or equal to';
      errs.push(invalid(f, v, `${path} in ${IN} should be ${op} ${goNumber(s.minimum)}`));
    }
  }
  if (s.maximum !== undefined) {
    const bad = s.exclusiveMaximum ? v >= s.maximum : v > s.maximum;
    if (bad) {
      const op = s.exclusiveMaximum ? 'less than' : 'less than or equal to';
      errs.push(invalid(f, v, `${path} in ${IN} should be ${op} ${goNumber(s.maximum)}`));
    }
  }
}

function validateArray(s: JSONSchemaProps, v: unknown[], path: string, f: string, errs: FieldCause[], old: Old): void {
  const items = itemsSchema(s);
  // Only items of list-type=map lists correlate with old items (by their keys).
  const keys = s['x-kubernetes-list-type'] === 'map' ? s['x-kubernetes-list-map-keys'] ?? [] : undefined;
  const oldList = Array.isArray(old) ? old : undefined;
  const oldItem = (x: unknown): Old => {
    if (!keys || !oldList || !isObject(x)) return NO_OLD;
    const found = oldList.find((y) => isObject(y) && keys.every((k) => deepEqual(y[k], x[k])));
    return found === undefined ? NO_OLD : found;
  };
  if (items) v.forEach((x, i) => validateValue(items, x, `${path}[${i}]`, errs, oldItem(x)));
  if (s.minItems !== undefined && v.length < s.minItems) {
    errs.push(invalid(f, v.length, `${path} in ${IN} should have at least ${s.minItems} items`));
  }
  if (s.maxItems !== undefined && v.length > s.maxItems) errs.push(tooMany(f, v.length, s.maxItems));
  if (s.uniqueItems && hasDuplicates(v)) errs.push(invalid(f, '', `${path} in ${IN} shouldn't contain duplicates`));
}

function hasDuplicates(v: unknown[]): boolean {
  for (let i = 1; i < v.length; i++) {
    for (let j = 0; j < i; j++) if (deepEqual(v[i], v[j])) return true;
  }
  return false;
}

function validateObjectValue(s: JSONSchemaProps, v: JSONObject, path: string, f: string, errs: FieldCause[], old: Old): void {
  const o = isObject(old) ? old : undefined;
  const oldOf = (k: string): Old => (o && k in o ? o[k] : NO_OLD);
  const keys = Object.keys(v);
  if (s.minProperties !== undefined && keys.length < s.minProperties) {
    errs.push(invalid(f, keys.length, `${path} in ${IN} should have at least ${s.minProperties} properties`));
  }
  if (s.maxProperties !== undefined && keys.length > s.maxProperties) errs.push(tooMany(f, keys.length, s.maxProperties));
  const props = s.properties ?? {};
  if (s.additionalProperties === false) {
    for (const k of keys) {
      if (!(k in props) && !matchesPatternProperty(s, k)) {
        errs.push(invalid(f, k, `${path}.${k} in ${IN} is a forbidden property`));
      }
    }
  } else {
    const additional = additionalSchema(s);
    for (const k of keys) {
      if (k in props || matchesPatternProperty(s, k)) continue;
      if (additional) validateValue(additional, v[k], `${path}.${k}`, errs, oldOf(k));
    }
  }
  for (const [name, ps] of Object.entries(props)) {
    if (name in v) validateValue(ps, v[name], path ? `${path}.${name}` : name, errs, oldOf(name));
  }
  for (const r of s.required ?? []) {
    if (!(r in v)) errs.push(required(fieldOf(`${path}.${r}`)));
  }
  if (s.patternProperties) {
    for (const k of keys) {
      if (k in props) continue;
      for (const [p, ps] of Object.entries(s.patternProperties)) {
        const re = compilePattern(p);
        if (!(re instanceof Error) && re.test(k)) validateValue(ps, v[k], `${path}.${k}`, errs);
      }
    }
  }
  if (s['x-kubernetes-embedded-resource']) validateEmbedded(v, f, errs);
}

function matchesPatternProperty(s: JSONSchemaProps, k: string): boolean {
  return Object.keys(s.patternProperties ?? {}).some((p) => {
    const re = compilePattern(p);
    return !(re instanceof Error) && re.test(k);
  });
}

/** allOf/anyOf/oneOf/not: value validations only in a structural schema. */
function validateComposition(s: JSONSchemaProps, value: unknown, path: string, errs: FieldCause[]): void {
  const sub = (x: JSONSchemaProps): FieldCause[] => {
    const e: FieldCause[] = [];
    validateValue(x, value, path, e);
    return e;
  };
  // Composite errors are not field errors: Kubernetes reports them at the nil path.
  const composite = (msg: string): FieldCause => invalid('<nil>', '', msg);
  if (s.anyOf?.length) {
    let best: FieldCause[] | undefined;
    let ok = false;
    for (const x of s.anyOf) {
      const e = sub(x);
      if (!e.length) { ok = true; best = undefined; break; }
      if (!best || e.length < best.length) best = e;
    }
    if (!ok) errs.push(composite(`${goQuote(path)} must validate at least one schema (anyOf)`), ...(best ?? []));
  }
  if (s.oneOf?.length) {
    let valid = 0;
    let best: FieldCause[] | undefined;
    for (const x of s.oneOf) {
      const e = sub(x);
      if (!e.length) valid++;
      else if (valid === 0 && (!best || e.length < best.length)) best = e;
    }
    if (valid !== 1) {
      const more = valid === 0 ? 'Found none valid' : `Found ${valid} valid alternatives`;
      errs.push(composite(`${goQuote(path)} must validate one and only one schema (oneOf). ${more}`));
      if (valid === 0) errs.push(...(best ?? []));
    }
  }
  if (s.allOf?.length) {
    let valid = 0;
    for (const x of s.allOf) {
      const e = sub(x);
      if (!e.length) valid++;
      errs.push(...e);
    }
    if (valid !== s.allOf.length) {
      errs.push(composite(`${goQuote(path)} must validate all the schemas (allOf)${valid === 0 ? '. None validated' : ''}`));
    }
  }
  if (s.not && !sub(s.not).length) errs.push(composite(`${goQuote(path)} must not validate the schema (not)`));
}

/** Embedded resources need apiVersion and kind (pkg/apiserver/schema/objectmeta validateEmbeddedResource). */
function validateEmbedded(v: JSONObject, f: string, errs: FieldCause[]): void {
  const child = (n: string): string => (f ? `${f}.${n}` : n);
  if (!('apiVersion' in v)) errs.push(required(child('apiVersion'), 'must not be empty'));
  if (!('kind' in v)) errs.push(required(child('kind'), 'must not be empty'));
  if ('apiVersion' in v) {
    const av = v.apiVersion;
    if (typeof av !== 'string') errs.push(invalid(child('apiVersion'), av, 'must be a string'));
    else if (!av) errs.push(invalid(child('apiVersion'), av, 'must not be empty'));
    else if (av.split('/').length > 2 || av.startsWith('/') || av.endsWith('/')) {
      errs.push(invalid(child('apiVersion'), av, `unexpected GroupVersion string: ${av}`));
    }
  }
  if ('kind' in v) {
    const kind = v.kind;
    if (typeof kind !== 'string') errs.push(invalid(child('kind'), kind, 'must be a string'));
    else if (!kind) errs.push(invalid(child('kind'), kind, 'must not be empty'));
    else {
      const problems = dns1035Label(kind.toLowerCase());
      if (problems.length) errs.push(invalid(child('kind'), kind, `may have mixed case, but should otherwise match: ${problems.join(',')}`));
    }
  }
  // The embedded metadata's labels and annotations follow ObjectMeta's rules.
  if (isObject(v.metadata)) {
    errs.push(...validateLabels(v.metadata.labels, child('metadata.labels')));
    errs.push(...validateAnnotations(v.metadata.annotations, child('metadata.annotations')));
  }
}

function dns1035Label(v: string): string[] {
  const out: string[] = [];
  if (v.length > 63) out.push('must be no more than 63 characters');
  if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(v)) {
    out.push("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')");
  }
  return out;
}

/**
 * x-kubernetes-list-type set and map: no duplicate items or keys
 * (listtype.ValidateListSetsAndMaps). field is the field path of value; maps are
 * entered with [key] steps as field.Path.Key writes them.
 */
function validateListTypes(s: JSONSchemaProps, value: unknown, field: string, errs: FieldCause[]): void {
  if (Array.isArray(value)) {
    const lt = s['x-kubernetes-list-type'];
    if (lt === 'set') {
      for (const i of nonUnique(value)) errs.push(duplicate(idx(field, i), new Raw(goSyntax(value[i]))));
    } else if (lt === 'map') {
      validateListMap(s['x-kubernetes-list-map-keys'] ?? [], value, field, errs);
    }
    const items = itemsSchema(s);
    if (items) value.forEach((x, i) => validateListTypes(items, x, idx(field, i), errs));
    return;
  }
  if (!isObject(value)) return;
  const ap = additionalSchema(s);
  if (ap) for (const [k, x] of Object.entries(value)) validateListTypes(ap, x, key(field, k), errs);
  for (const [k, x] of Object.entries(value)) {
    const ps = s.properties?.[k];
    if (ps) validateListTypes(ps, x, field ? `${field}.${k}` : k, errs);
  }
}

/** Indices of the second appearance of each repeated value (validateListSet). */
function nonUnique(values: unknown[]): number[] {
  const seen = new Map<string, number>();
  const out: number[] = [];
  values.forEach((x, i) => {
    const k = x === UNSPECIFIED ? '\u0000unspecified' : JSON.stringify(x);
    const times = seen.get(k) ?? 0;
    seen.set(k, times + 1);
    if (times === 1) out.push(i);
  });
  return out;
}

const UNSPECIFIED = Symbol('unspecified key');

function validateListMap(keys: string[], value: unknown[], field: string, errs: FieldCause[]): void {
  const bad = value.findIndex((x) => x !== null && !isObject(x));
  if (bad >= 0) {
    errs.push(invalid(idx(field, bad), goBad(value[bad]), 'must be an object for an array of list-type map'));
    return;
  }
  if (value.length <= 1) return;
  if (keys.length === 1) {
    const k = keys[0];
    const vals = value.map((x) => (isObject(x) && k in x ? x[k] : UNSPECIFIED));
    for (const i of nonUnique(vals)) {
      const shown = vals[i] === UNSPECIFIED ? {} : { [k]: vals[i] };
      errs.push(duplicate(idx(field, i), new Raw(goSyntax(shown))));
    }
    return;
  }
  const kvs = value.map((x) => {
    const kv: JSONObject = {};
    if (isObject(x)) for (const k of keys) if (k in x) kv[k] = x[k];
    return kv;
  });
  // Compare with sorted keys, as Go's json.Marshal of a map does.
  const canon = kvs.map((kv) => Object.fromEntries(Object.entries(kv).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
  for (const i of nonUnique(canon)) errs.push(duplicate(idx(field, i), new Raw(goSyntax(kvs[i]))));
}

/**
 * Schema errors of a custom resource (or any value) against its structural schema,
 * as the apiserver answers them in a 422 Invalid Status: openAPIV3Schema value
 * validations, then list-type set/map uniqueness. CEL rules are checked by validateRules.
 */
export function validateSchemaValues(schema: JSONSchemaProps, obj: unknown, oldObj?: unknown): FieldCause[] {
  const errs: FieldCause[] = [];
  validateValue(schema, obj, '', errs, oldObj === undefined ? NO_OLD : oldObj);
  validateListTypes(schema, obj, '', errs);
  return errs;
}

export { goValue };
