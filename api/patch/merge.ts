// JSON merge patch (RFC 7386), `application/merge-patch+json`.

type JsonObject = Record<string, unknown>;

const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const result: JsonObject = isObject(target) ? target : {};
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) delete result[name];
    // Own properties only, and defined rather than assigned: a key "__proto__" is data
    // here, never the object's prototype (nor Object.prototype to merge into).
    else Object.defineProperty(result, name, { value: mergePatch(Object.hasOwn(result, name) ? result[name] : undefined, value), writable: true, enumerable: true, configurable: true });
  }
  return result;
}

/**
 * Applies an RFC 7386 merge patch and returns the result; `target` is not modified.
 * An object patch merges key by key: null deletes a key, an object recurses, anything else
 * (arrays included) replaces. A non-object patch replaces the whole target.
 */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  return mergePatch(structuredClone(target), patch);
}
