// Structural defaulting (apiextensions-apiserver pkg/apiserver/schema/defaulting): a
// property's default is set where the property is absent, or null while not nullable;
// items and additionalProperties that are null and not nullable take their default. The
// apiserver applies this when it decodes a request and when it reads from storage.
import type { JSONSchemaProps } from '../../types/apiextensions.js';
import { isObject, itemsSchema, additionalSchema } from './util.js';

const isNonNullableNull = (x: unknown, s: JSONSchemaProps | undefined): boolean =>
  x === null && s !== undefined && !s.nullable;

/** Fills defaults into obj in place, recursively, and returns obj. */
export function applyDefaults<T>(schema: JSONSchemaProps | undefined, obj: T): T {
  defaultValue(obj, schema);
  return obj;
}

function defaultValue(x: unknown, s: JSONSchemaProps | undefined): void {
  if (!s) return;
  if (isObject(x)) {
    for (const [k, prop] of Object.entries(s.properties ?? {})) {
      if (prop.default === undefined || prop.default === null) continue;
      if (!(k in x) || isNonNullableNull(x[k], prop)) x[k] = structuredClone(prop.default);
    }
    const additional = additionalSchema(s);
    for (const k of Object.keys(x)) {
      const prop = s.properties?.[k];
      if (prop) defaultValue(x[k], prop);
      else if (additional) {
        if (isNonNullableNull(x[k], additional) && additional.default != null) x[k] = structuredClone(additional.default);
        defaultValue(x[k], additional);
      }
    }
  } else if (Array.isArray(x)) {
    const items = itemsSchema(s);
    x.forEach((v, i) => {
      if (isNonNullableNull(v, items) && items?.default != null) x[i] = structuredClone(items.default);
      defaultValue(x[i], items);
    });
  }
}
