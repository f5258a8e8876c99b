// JSON exactly as Go's encoding/json writes kubectl's unstructured objects: map keys
// sorted, '<', '>' and '&' escaped as \u003c \u003e \u0026 (HTML-safe), U+2028/U+2029
// escaped. kubectl's -o json and the JSON that jsonpath prints for maps and lists.

const ESCAPES: Record<string, string> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029' };

/** A copy of value with every object's keys in sorted (byte) order. */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort(byteOrder)) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/** Go compares map keys as byte strings; for UTF-16 JS strings this is close enough. */
export function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** json.Marshal (indent '') or json.MarshalIndent(v, "", indent). No trailing newline. */
export function goJson(value: unknown, indent = ''): string {
  const text = JSON.stringify(sortKeys(value), null, indent || undefined) ?? 'null';
  return text.replace(/[<>&\u2028\u2029]/g, (c) => ESCAPES[c]!);
}

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
  return text.replace(/[<>&\u2028\u2029]/g, (c) => ESCAPES[c]!);
}
