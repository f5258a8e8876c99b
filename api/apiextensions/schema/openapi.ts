// A CRD version's schema as the apiserver publishes it in /openapi/v3 and /openapi/v2
// (apiextensions-apiserver pkg/controller/openapi/builder and v2/conversion.go), for
// `kubectl explain` and kubectl's client-side validation. The caller adds the
// apiVersion/kind/metadata properties and the document around it.
import type { JSONSchemaProps } from '../../types/apiextensions.js';
import { SUPPORTED_FORMATS } from './formats.js';

/** Maps one schema node; orig is the node as it was before its children were mapped. */
type Mapper = (s: JSONSchemaProps, orig: JSONSchemaProps) => JSONSchemaProps;

/** Applies f bottom-up to every schema below s (properties, items, additionalProperties, junctors). */
function mapSchema(s: JSONSchemaProps, f: Mapper): JSONSchemaProps {
  const out: JSONSchemaProps = { ...s };
  if (s.properties) out.properties = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, mapSchema(v, f)]));
  if (s.items) out.items = Array.isArray(s.items) ? s.items.map((x) => mapSchema(x, f)) : mapSchema(s.items, f);
  if (s.additionalProperties && typeof s.additionalProperties === 'object') out.additionalProperties = mapSchema(s.additionalProperties, f);
  for (const j of ['allOf', 'anyOf', 'oneOf'] as const) {
    const list = s[j];
    if (list) out[j] = list.map((x) => mapSchema(x, f));
  }
  if (s.not) out.not = mapSchema(s.not, f);
  return f(out, s);
}

/** Drops string formats the apiserver does not validate (StripUnsupportedFormatsPostProcess); int32 and friends stay. */
const stripFormat: Mapper = (s) => {
  if (s.type === 'string' && s.format && !SUPPORTED_FORMATS.includes(s.format)) {
    const { format: _format, ...rest } = s;
    return rest;
  }
  return s;
};

/** The schema as published in /openapi/v3: a copy without unsupported formats. */
export function toOpenAPIV3(schema: JSONSchemaProps): JSONSchemaProps {
  return mapSchema(structuredClone(schema), stripFormat);
}

/**
 * The schema as published in /openapi/v2 (ToStructuralOpenAPIV2): OpenAPI v2 has no
 * nullable, anyOf, oneOf, allOf or not, and kubectl breaks on untyped values that list
 * items or properties, so those go; nullable fields are no longer required.
 */
export function toOpenAPIV2(schema: JSONSchemaProps): JSONSchemaProps {
  return mapSchema(structuredClone(schema), (s1, s0) => {
    const s = stripFormat(s1, s0);
    delete s.allOf;
    delete s.anyOf;
    delete s.oneOf;
    delete s.not;
    if (s.nullable) {
      delete s.type;
      delete s.nullable;
      delete s.items;
      delete s.properties;
    }
    if (s['x-kubernetes-preserve-unknown-fields']) {
      delete s.items;
      delete s.properties;
    }
    if (!s.items && s.type === 'array') delete s.type;
    if (s.required && s.properties) {
      const req = s.required.filter((f) => !s0.properties?.[f]?.nullable);
      if (req.length) s.required = req;
      else delete s.required;
    }
    if (s.additionalProperties && typeof s0.additionalProperties === 'object' && s0.additionalProperties.nullable) delete s.required;
    return s;
  });
}
