// The schema model of api/schemas: OpenAPI (JSON schema) definitions of our API types,
// written as TypeScript data. One neutral form serves everyone: apiserver/openapi.ts turns
// it into the swagger 2.0 and OpenAPI 3.0 documents kubectl reads (explain, apply's
// three-way merge, fieldValidation discovery), and server-side code may walk it to know
// the fields of a kind.
//
// Conventions of the neutral form (they are Kubernetes' own):
// - `$ref` is always `#/definitions/<definition name>` (swagger 2.0 style) and stands
//   alone in its schema apart from a description; use refName() to get the name back.
// - Definition names are Kubernetes' (`io.k8s.api.core.v1.PodSpec`).
// - Top-level kinds carry `x-kubernetes-group-version-kind`.
// - Lists carry the strategic-merge-patch and server-side-apply extensions exactly as
//   Kubernetes publishes them, because kubectl apply computes its patches from them.

export type SchemaType = 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';

export interface GroupVersionKind {
  group: string;
  kind: string;
  version: string;
}

export interface JSONSchemaProps {
  description?: string;
  type?: SchemaType;
  format?: string;
  $ref?: string;
  properties?: Record<string, JSONSchemaProps>;
  required?: string[];
  items?: JSONSchemaProps;
  additionalProperties?: JSONSchemaProps | boolean;
  oneOf?: JSONSchemaProps[];
  enum?: (string | number)[];
  default?: unknown;
  'x-kubernetes-group-version-kind'?: GroupVersionKind[];
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-patch-merge-key'?: string;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
}

/** Definition name to schema. */
export type Definitions = Record<string, JSONSchemaProps>;

export const REF_PREFIX = '#/definitions/';

/** The definition name a `$ref` points at ("#/definitions/x" -> "x"). */
export function refName(ref: string): string {
  return ref.startsWith(REF_PREFIX) ? ref.slice(REF_PREFIX.length) : ref;
}

// ---------------------------------------------------------------- builders

/** Optional facets shared by the builders. */
export interface Facets {
  enum?: (string | number)[];
  default?: unknown;
  format?: string;
  /** x-kubernetes-patch-strategy: "merge", "merge,retainKeys", "retainKeys", "replace". */
  patch?: string;
  /** x-kubernetes-patch-merge-key. */
  mergeKey?: string;
  /** x-kubernetes-list-type. */
  listType?: 'atomic' | 'set' | 'map';
  /** x-kubernetes-list-map-keys. */
  mapKeys?: string[];
  /** x-kubernetes-map-type. */
  mapType?: 'atomic' | 'granular';
}

function apply(s: JSONSchemaProps, f: Facets | undefined): JSONSchemaProps {
  if (!f) return s;
  if (f.format !== undefined) s.format = f.format;
  if (f.enum !== undefined) s.enum = f.enum;
  if (f.default !== undefined) s.default = f.default;
  if (f.patch !== undefined) s['x-kubernetes-patch-strategy'] = f.patch;
  if (f.mergeKey !== undefined) s['x-kubernetes-patch-merge-key'] = f.mergeKey;
  if (f.listType !== undefined) s['x-kubernetes-list-type'] = f.listType;
  if (f.mapKeys !== undefined) s['x-kubernetes-list-map-keys'] = f.mapKeys;
  if (f.mapType !== undefined) s['x-kubernetes-map-type'] = f.mapType;
  return s;
}

export const str = (description: string, f?: Facets): JSONSchemaProps => apply({ description, type: 'string' }, f);
export const int32 = (description: string, f?: Facets): JSONSchemaProps => apply({ description, type: 'integer', format: 'int32' }, f);
export const int64 = (description: string, f?: Facets): JSONSchemaProps => apply({ description, type: 'integer', format: 'int64' }, f);
export const double = (description: string, f?: Facets): JSONSchemaProps => apply({ description, type: 'number', format: 'double' }, f);
export const bool = (description: string, f?: Facets): JSONSchemaProps => apply({ description, type: 'boolean' }, f);
/** Base64-encoded bytes. */
export const bytes = (description: string): JSONSchemaProps => ({ description, type: 'string', format: 'byte' });

/** A field holding another definition. */
export const ref = (name: string, description: string, f?: Facets): JSONSchemaProps => apply({ description, $ref: REF_PREFIX + name }, f);

/** An item schema that is a definition (no description: the list field has one). */
export const item = (name: string): JSONSchemaProps => ({ $ref: REF_PREFIX + name });

/** A list field. */
export const list = (items: JSONSchemaProps, description: string, f?: Facets): JSONSchemaProps => apply({ description, type: 'array', items }, f);

/** A list of definitions. */
export const listOf = (name: string, description: string, f?: Facets): JSONSchemaProps => list(item(name), description, f);

/** A list of strings. */
export const strings = (description: string, f?: Facets): JSONSchemaProps => list({ type: 'string' }, description, f);

/** A map field (string keys). */
export const map = (values: JSONSchemaProps, description: string, f?: Facets): JSONSchemaProps => apply({ description, type: 'object', additionalProperties: values }, f);

/** A map of strings to strings (labels, annotations, data). */
export const strMap = (description: string, f?: Facets): JSONSchemaProps => map({ type: 'string' }, description, f);

/** A definition: an object with named fields. */
export function object(description: string, properties: Record<string, JSONSchemaProps>, required?: string[], f?: Facets): JSONSchemaProps {
  const s: JSONSchemaProps = { description, type: 'object', properties };
  if (required?.length) s.required = required;
  return apply(s, f);
}

/** A top-level kind: an object carrying x-kubernetes-group-version-kind. */
export function kind(gvk: GroupVersionKind | GroupVersionKind[], description: string, properties: Record<string, JSONSchemaProps>, required?: string[]): JSONSchemaProps {
  const s = object(description, properties, required);
  s['x-kubernetes-group-version-kind'] = Array.isArray(gvk) ? gvk : [gvk];
  return s;
}

export const gvk = (group: string, version: string, kindName: string): GroupVersionKind => ({ group, kind: kindName, version });

// Fields every kind and every list has.
export const API_VERSION = str('The versioned schema of this representation of the object (group/version, or just the version for the core group).');
export const KIND = str('The REST resource this object represents, in CamelCase. Servers may infer it from the endpoint the client writes to. Cannot be updated.');
