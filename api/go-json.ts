// JSON exactly as Go's encoding/json writes a map[string]interface{} (kubectl's
// unstructured objects, the last-applied annotation, patch bytes): map keys sorted,
// '<', '>' and '&' escaped as \u003c \u003e \u0026 (HTML-safe), U+2028/U+2029 escaped.
// Shared by the CLI's printers and patches and by the apiserver's messages.

export const GO_JSON_ESCAPES: Record<string, string> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029' };

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
  return text.replace(/[<>&\u2028\u2029]/g, (c) => GO_JSON_ESCAPES[c]!);
}

