// JSON exactly as Go's encoding/json writes kubectl's unstructured objects: map keys
// sorted, '<', '>' and '&' escaped as \u003c \u003e \u0026 (HTML-safe), U+2028/U+2029
// escaped. kubectl's -o json and the JSON that jsonpath prints for maps and lists.

import { byteOrder, GO_JSON_ESCAPES } from '../../api/go-json.js';

export { byteOrder, goJson, sortKeys } from '../../api/go-json.js';

/** Go's %#v of a JSON value decoded into interface{} (kubectl's jsonpath error dumps). */
export function goSyntax(v: unknown): string {
  if (v === null || v === undefined) return 'interface {}(nil)';
  if (Array.isArray(v)) return `[]interface {}{${v.map(goSyntax).join(', ')}}`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `map[string]interface {}{${Object.keys(o).sort(byteOrder).map((k) => `${JSON.stringify(k)}:${goSyntax(o[k])}`).join(', ')}}`;
  }
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
}

/**
 * json.MarshalIndent of a typed Go struct: keys stay in the order value has them (the
 * caller builds them in struct field order), with Go's HTML-safe escapes.
 */
export function goJsonInOrder(value: unknown, indent = ''): string {
  const text = JSON.stringify(value, null, indent || undefined) ?? 'null';
  return text.replace(/[<>&\u2028\u2029]/g, (c) => GO_JSON_ESCAPES[c]!);
}
