// Structural equality of JSON values, used to skip writes that change nothing and
// to tell a spec change (generation bump) from a metadata-only change.
import { isDeepStrictEqual } from 'node:util';

/** True when a and b serialize to the same JSON (undefined members ignored). */
export function deepEqual(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(normalize(a), normalize(b));
}

function normalize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalize);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(v)) if (val !== undefined) out[k] = normalize(val);
    return out;
  }
  return v;
}
