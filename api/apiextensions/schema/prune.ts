// Pruning of unknown fields (apiextensions-apiserver pkg/apiserver/schema/pruning): what
// the schema does not name is removed, except under x-kubernetes-preserve-unknown-fields
// and apiVersion/kind/metadata of the resource root and of embedded resources. The removed
// paths are returned so the apiserver can answer fieldValidation=Strict with
// `unknown field "spec.foo"` and Warn with one warning per path.
import type { JSONSchemaProps } from '../../types/apiextensions.js';
import { type JSONObject, isObject, itemsSchema, additionalSchema } from './util.js';

export interface PruneOptions {
  /** obj is a whole custom resource: its apiVersion, kind and metadata are kept (default true). */
  isResourceRoot?: boolean;
  /**
   * Also drop null values of non-nullable fields that have no default, as the apiserver
   * does on decoding (defaulting.PruneNonNullableNullsWithoutDefaults); these are not
   * reported as unknown fields (default true).
   */
  pruneNulls?: boolean;
}

const META_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

const childPath = (parent: string, k: string): string => (parent ? `${parent}.${k}` : k);

/**
 * Removes from obj (in place) every field the structural schema does not specify and
 * returns the removed fields' paths in the order met ("spec.foo", "spec.items[0].bar").
 */
export function prune(schema: JSONSchemaProps | undefined, obj: unknown, opts: PruneOptions = {}): string[] {
  const removed: string[] = [];
  const root = opts.isResourceRoot ?? true;
  if (isObject(obj) && root) {
    // The root keeps apiVersion, kind and metadata whatever the schema says.
    if (schema?.['x-kubernetes-preserve-unknown-fields']) skipPrune(obj, schema, '', removed, true);
    else pruneObject(obj, schema, '', removed, true);
  } else {
    pruneValue(obj, schema, '', removed);
  }
  if (opts.pruneNulls ?? true) pruneNonNullableNulls(obj, schema);
  return removed;
}

function pruneValue(x: unknown, s: JSONSchemaProps | undefined, path: string, removed: string[]): void {
  if (s?.['x-kubernetes-preserve-unknown-fields']) {
    skipPrune(x, s, path, removed, false);
    return;
  }
  if (isObject(x)) pruneObject(x, s, path, removed, false);
  else if (Array.isArray(x)) {
    const items = s ? itemsSchema(s) : undefined;
    x.forEach((v, i) => pruneValue(v, items, `${path}[${i}]`, removed));
  }
}

function pruneObject(x: JSONObject, s: JSONSchemaProps | undefined, path: string, removed: string[], root: boolean): void {
  const keepMeta = root || Boolean(s?.['x-kubernetes-embedded-resource']);
  const additional = s ? additionalSchema(s) : undefined;
  for (const k of Object.keys(x)) {
    // apiVersion, kind and metadata (ObjectMeta, checked and coerced apart from the
    // schema) belong to the resource, not to its schema.
    if (keepMeta && META_FIELDS.has(k)) continue;
    const prop = s?.properties?.[k];
    if (prop) pruneValue(x[k], prop, childPath(path, k), removed);
    else if (additional || s?.additionalProperties === true) pruneValue(x[k], additional, childPath(path, k), removed);
    else {
      removed.push(childPath(path, k));
      delete x[k];
    }
  }
}

/** Under x-kubernetes-preserve-unknown-fields: unknown fields stay, known ones are pruned by their schema. */
function skipPrune(x: unknown, s: JSONSchemaProps, path: string, removed: string[], root: boolean): void {
  if (isObject(x)) {
    const additional = additionalSchema(s);
    for (const k of Object.keys(x)) {
      if ((root || s['x-kubernetes-embedded-resource']) && META_FIELDS.has(k)) continue;
      const prop = s.properties?.[k];
      if (prop) pruneValue(x[k], prop, childPath(path, k), removed);
      else if (additional) pruneValue(x[k], additional, childPath(path, k), removed);
    }
  } else if (Array.isArray(x)) {
    const items = itemsSchema(s);
    if (items) x.forEach((v, i) => skipPrune(v, items, `${path}[${i}]`, removed, false));
  }
}

/** Drops `field: null` where the field is neither nullable nor defaulted. */
export function pruneNonNullableNulls(x: unknown, s: JSONSchemaProps | undefined): void {
  if (!s) return;
  if (isObject(x)) {
    const additional = additionalSchema(s);
    for (const k of Object.keys(x)) {
      const ps = s.properties?.[k] ?? additional;
      if (!ps) continue;
      if (x[k] === null && !ps.nullable && ps.default === undefined) delete x[k];
      else pruneNonNullableNulls(x[k], ps);
    }
  } else if (Array.isArray(x)) {
    const items = itemsSchema(s);
    if (items) for (const v of x) pruneNonNullableNulls(v, items);
  }
}
