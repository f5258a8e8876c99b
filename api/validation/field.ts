// Field errors as Kubernetes reports them (apimachinery util/validation/field):
// each constructor returns a StatusCause whose reason is the CauseType, whose
// field is the JSON path ("spec.containers[0].image") and whose message is
// field.Error.ErrorBody() ("Invalid value: \"x\": <detail>").
import type { StatusCause } from '../types/meta.js';
import { goQuote } from '../errors.js';

export type CauseReason =
  | 'FieldValueRequired' | 'FieldValueInvalid' | 'FieldValueNotSupported' | 'FieldValueDuplicate'
  | 'FieldValueForbidden' | 'FieldValueTooLong' | 'FieldValueNotFound' | 'FieldValueTooMany'
  | 'FieldValueTypeInvalid';

/** A StatusCause produced by validation: every field is always set. */
export interface FieldCause extends StatusCause {
  reason: CauseReason;
  message: string;
  field: string;
}

/** Joins a child name onto a path: child('spec', 'containers') is "spec.containers". */
export const child = (path: string, ...names: string[]): string =>
  names.reduce((p, n) => (p ? `${p}.${n}` : n), path);

/** An index into a list: index('spec.containers', 0) is "spec.containers[0]". */
export const index = (path: string, i: number): string => `${path}[${i}]`;

/** A key into a map: key('metadata.annotations', 'a/b') is "metadata.annotations[a/b]". */
export const key = (path: string, k: string): string => `${path}[${k}]`;

/** A Go %#v-like rendering of map[string]string and []string, as Kubernetes prints them. */
function goLiteral(value: unknown): string | undefined {
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) {
    return `[]string{${value.map((v) => goQuote(v)).join(', ')}}`;
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.every(([, v]) => typeof v === 'string')) {
      entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `map[string]string{${entries.map(([k, v]) => `${goQuote(k)}:${goQuote(v as string)}`).join(', ')}}`;
    }
  }
  return undefined;
}

/**
 * Renders a bad value the way field.Error.ErrorBody does: strings quoted, numbers and
 * booleans bare, null for nothing, Go literals for string maps and lists, JSON otherwise.
 * A Raw wraps text that must appear as is (Go values with a String() method).
 */
export function formatValue(value: unknown): string {
  if (value instanceof Raw) return value.text;
  if (value === undefined || value === null) return 'null';
  if (typeof value === 'string') return goQuote(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return goLiteral(value) ?? JSON.stringify(value);
}

/** Text shown verbatim as a bad value (Kubernetes prints IntOrString and quantities with String()). */
export class Raw {
  constructor(readonly text: string) {}
}

const cause = (reason: CauseReason, field: string, message: string): FieldCause => ({ reason, message, field });
const withDetail = (head: string, detail: string): string => (detail ? `${head}: ${detail}` : head);

/** "Required value" (plus ": detail"). */
export const required = (field: string, detail = ''): FieldCause =>
  cause('FieldValueRequired', field, withDetail('Required value', detail));

/** "Invalid value: <value>: detail". */
export const invalid = (field: string, value: unknown, detail: string): FieldCause =>
  cause('FieldValueInvalid', field, withDetail(`Invalid value: ${formatValue(value)}`, detail));

/** field.TypeInvalid: "Invalid value: <value>: detail" with reason FieldValueTypeInvalid (schema type mismatch). */
export const typeInvalid = (field: string, value: unknown, detail: string): FieldCause =>
  cause('FieldValueTypeInvalid', field, withDetail(`Invalid value: ${formatValue(value)}`, detail));

/** "Unsupported value: <value>: supported values: "a", "b"". */
export const notSupported = (field: string, value: unknown, valid: readonly string[]): FieldCause =>
  cause('FieldValueNotSupported', field, withDetail(`Unsupported value: ${formatValue(value)}`,
    valid.length ? `supported values: ${valid.map((v) => goQuote(v)).join(', ')}` : ''));

/** "Duplicate value: <value>" (plus ": detail"). */
export const duplicate = (field: string, value: unknown, detail = ''): FieldCause =>
  cause('FieldValueDuplicate', field, withDetail(`Duplicate value: ${formatValue(value)}`, detail));

/** "Not found: <value>" (plus ": detail"). */
export const notFound = (field: string, value: unknown, detail = ''): FieldCause =>
  cause('FieldValueNotFound', field, withDetail(`Not found: ${formatValue(value)}`, detail));

/** "Forbidden: detail". */
export const forbidden = (field: string, detail: string): FieldCause =>
  cause('FieldValueForbidden', field, withDetail('Forbidden', detail));

/** "Too long: must have at most N bytes". */
export const tooLong = (field: string, maxBytes: number): FieldCause =>
  cause('FieldValueTooLong', field, `Too long: must have at most ${maxBytes} bytes`);

/** "Too many: <actual>: must have at most <max> items" (field.TooMany). */
export const tooMany = (field: string, actual: number, max: number): FieldCause =>
  cause('FieldValueTooMany', field, `Too many: ${actual}: must have at most ${max} ${max === 1 ? 'item' : 'items'}`);

/** Kubernetes' "field is immutable", reported as Invalid with the new value. */
export const FIELD_IMMUTABLE = 'field is immutable';

/** Kubernetes' message for negative numbers. */
export const IS_NEGATIVE = 'must be greater than or equal to 0';

/** Invalid when value < 0. */
export function nonNegative(value: unknown, field: string): FieldCause[] {
  return typeof value === 'number' && value < 0 ? [invalid(field, value, IS_NEGATIVE)] : [];
}

/** Structural deep equality over JSON values (key order does not matter). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => jsonEqual(v, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => jsonEqual(ao[k], bo[k]));
}

/** The value as an array, or [] when it is anything else (validation never throws on shape). */
export const list = <T>(value: T[] | undefined | null | unknown): T[] => (Array.isArray(value) ? (value as T[]) : []);

/** The value as a plain object, or {} when it is anything else. */
export const record = <T>(value: Record<string, T> | undefined | null | unknown): Record<string, T> =>
  (value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, T>) : {});

/** The value as a string, or '' when it is not one. */
export const str = (value: unknown): string => (typeof value === 'string' ? value : '');
