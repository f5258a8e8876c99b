// Small helpers shared by the schema modules: JSON kinds as OpenAPI names them, a cache
// of compiled patterns, and Go's %v rendering of numbers and values in messages.
import type { JSONSchemaProps } from '../../types/apiextensions.js';
import { goQuote } from '../../errors.js';
import { Raw, jsonEqual } from '../../validation/field.js';

export type JSONObject = Record<string, unknown>;

export const isObject = (v: unknown): v is JSONObject =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * The OpenAPI type of a decoded JSON value as kube-openapi infers it from the Go value:
 * integral numbers decode to int64 ("integer"), the others to float64 ("number").
 */
export function jsonType(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  switch (typeof v) {
    case 'string': return 'string';
    case 'boolean': return 'boolean';
    case 'number': return Number.isInteger(v) ? 'integer' : 'number';
    case 'bigint': return 'integer';
    case 'object': return 'object';
    default: return 'unknown';
  }
}

const patterns = new Map<string, RegExp | Error>();

/**
 * A schema pattern compiled once. Patterns are RE2 (Go) syntax; JavaScript's unicode
 * mode accepts the same common subset. An Error is returned for what does not compile.
 */
export function compilePattern(pattern: string): RegExp | Error {
  let re = patterns.get(pattern);
  if (re) return re;
  try {
    re = new RegExp(pattern, 'u');
  } catch (err) {
    try {
      re = new RegExp(pattern);
    } catch {
      re = err as Error;
    }
  }
  if (patterns.size > 10_000) patterns.clear();
  patterns.set(pattern, re);
  return re;
}

/** Go's %v of a float64 or int64 as kube-openapi prints bounds ("1", "1.5", "1e+21"). */
export function goNumber(n: number | bigint): string {
  if (typeof n === 'bigint') return n.toString();
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  const s = String(n);
  // JavaScript writes 1e21 and 1e-7; Go's %v writes 1e+21 and 1e-07.
  return s.replace(/e([+-])(\d)$/, 'e$10$2').replace(/e(\d)/, 'e+$1');
}

/** Go's %v of a []interface{} of JSON values (the enum in "should be one of [a b]"). */
export function goValue(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'number' || typeof v === 'bigint') return goNumber(v);
  if (typeof v === 'string' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(goValue).join(' ')}]`;
  const entries = Object.entries(v as JSONObject).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `map[${entries.map(([k, x]) => `${k}:${goValue(x)}`).join(' ')}]`;
}

/** Go's %#v of a decoded JSON value (interface{}): map[string]interface {}{"a":1}, []interface {}{"x"}. */
export function goSyntax(v: unknown): string {
  if (v === null || v === undefined) return 'interface {}(nil)';
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'number' || typeof v === 'bigint') return goNumber(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[]interface {}{${v.map(goSyntax).join(', ')}}`;
  const entries = Object.entries(v as JSONObject).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `map[string]interface {}{${entries.map(([k, x]) => `${goQuote(k)}:${goSyntax(x)}`).join(', ')}}`;
}

/** A bad value for a field error: objects and lists as Go's %#v prints them, scalars as they are. */
export const goBad = (v: unknown): unknown => (v !== null && typeof v === 'object' ? new Raw(goSyntax(v)) : v);

/** The items schema when it is a single schema (the only structural form). */
export const itemsSchema = (s: JSONSchemaProps): JSONSchemaProps | undefined =>
  (s.items && !Array.isArray(s.items) ? s.items : undefined);

/** The additionalProperties schema when it is a schema (not a bare boolean). */
export const additionalSchema = (s: JSONSchemaProps): JSONSchemaProps | undefined =>
  (s.additionalProperties && typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined);

/** Whether additionalProperties allows any value (true, or a schema). */
export const additionalAllowed = (s: JSONSchemaProps): boolean =>
  s.additionalProperties === true || (typeof s.additionalProperties === 'object' && s.additionalProperties !== null);

/** Deep equality of decoded JSON values (one copy of the rule: field.ts jsonEqual). */
export const deepEqual = jsonEqual;
