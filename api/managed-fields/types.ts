// Type descriptions for server-side apply: for each kind, which maps are granular or
// atomic, which lists are associative (by which keys), sets, or atomic, as
// structured-merge-diff's schema package holds them. Built-in kinds take theirs from the
// OpenAPI definitions of api/schemas, read as kube-openapi's schemaconv reads them;
// custom resources register theirs (their CRD's openAPIV3Schema) with
// registerCustomType; anything else is "deduced": maps granular, lists atomic.
import { DEFINITIONS, definitionName, refName, type JSONSchemaProps } from '../schemas/index.js';

/** numeric, string, boolean, or untyped (int-or-string, quantities). */
export interface ScalarType { readonly kind: 'scalar'; readonly scalar: 'numeric' | 'string' | 'boolean' | 'untyped' }

export interface MapType {
  readonly kind: 'map';
  /** Named fields (structs); undefined for a map with no declared fields. */
  readonly fields?: ReadonlyMap<string, TypeRef>;
  /** The type of values under other keys; undefined: other keys are not declared (an error). */
  readonly elementType?: TypeRef;
  /** An atomic map is owned and replaced as a whole. */
  readonly atomic: boolean;
  /** Defaults of named fields (associative list keys may default, as ports' protocol). */
  readonly defaults?: ReadonlyMap<string, unknown>;
}

export interface ListType {
  readonly kind: 'list';
  readonly elementType: TypeRef;
  /** atomic: owned and replaced whole; associative: items by keys, or by value (a set) when keys is empty. */
  readonly relationship: 'atomic' | 'associative';
  readonly keys: readonly string[];
}

/** A value of any shape whose type follows from the value: maps granular, lists atomic. */
export interface DeducedType { readonly kind: 'deduced' }

export type Atom = ScalarType | MapType | ListType | DeducedType;

/** A lazily resolved type (schemas are recursive). */
export type TypeRef = () => Atom;

const SCALAR: ScalarType = { kind: 'scalar', scalar: 'untyped' };
export const DEDUCED: DeducedType = { kind: 'deduced' };
const deducedRef: TypeRef = () => DEDUCED;

/** The atom a deduced type has for value v. */
export function deduce(atom: Atom, v: unknown): Atom {
  if (atom.kind !== 'deduced') return atom;
  if (Array.isArray(v)) return { kind: 'list', elementType: deducedRef, relationship: 'atomic', keys: [] };
  if (v !== null && typeof v === 'object') return { kind: 'map', elementType: deducedRef, atomic: false };
  return SCALAR;
}

function memo(f: () => Atom): TypeRef {
  let a: Atom | undefined;
  return () => (a ??= f());
}

/**
 * Converts an OpenAPI schema (the neutral form of api/schemas, or a CRD's structural
 * openAPIV3Schema) to a type. defs resolves $refs.
 */
export function typeFromSchema(schema: JSONSchemaProps, defs: Readonly<Record<string, JSONSchemaProps>> = DEFINITIONS): TypeRef {
  return memo(() => atomOf(schema, defs));
}

const refCache = new WeakMap<object, Map<string, TypeRef>>();

function refType(name: string, defs: Readonly<Record<string, JSONSchemaProps>>): TypeRef {
  let byName = refCache.get(defs);
  if (!byName) refCache.set(defs, byName = new Map());
  let t = byName.get(name);
  if (!t) {
    const def = defs[name];
    t = def ? memo(() => atomOf(def, defs)) : deducedRef;
    byName.set(name, t);
  }
  return t;
}

function atomOf(s: JSONSchemaProps, defs: Readonly<Record<string, JSONSchemaProps>>): Atom {
  if (s.$ref !== undefined) {
    const target = refType(refName(s.$ref), defs)();
    // A field may override the map type of the definition it names (claimRef: granular).
    const mt = s['x-kubernetes-map-type'];
    if (target.kind === 'map' && mt !== undefined) return { ...target, atomic: mt === 'atomic' };
    return target;
  }
  if (s['x-kubernetes-int-or-string'] || (s.oneOf && s.type === undefined)) return SCALAR;
  if (s.type === 'array' || (s.type === undefined && s.items)) {
    const [relationship, keys] = listRelationship(s);
    return { kind: 'list', elementType: s.items ? typeFromSchema(s.items, defs) : deducedRef, relationship, keys };
  }
  if (s.type === 'object' || (s.type === undefined && s.properties)) {
    const atomic = s['x-kubernetes-map-type'] === 'atomic';
    const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
    if (s.properties) {
      const fields = new Map<string, TypeRef>();
      const defaults = new Map<string, unknown>();
      for (const [name, p] of Object.entries(s.properties)) {
        fields.set(name, typeFromSchema(p, defs));
        if (p.default !== undefined) defaults.set(name, p.default);
      }
      const ap = s.additionalProperties;
      const elementType = typeof ap === 'object' ? typeFromSchema(ap, defs) : preserve || ap === true ? deducedRef : undefined;
      return { kind: 'map', fields, elementType, atomic, defaults };
    }
    if (s.additionalProperties && typeof s.additionalProperties === 'object') {
      return { kind: 'map', elementType: typeFromSchema(s.additionalProperties, defs), atomic };
    }
    // An object with neither properties nor additionalProperties takes anything (RawExtension, FieldsV1).
    return DEDUCED;
  }
  if (s.type === undefined) return DEDUCED;
  if (s.type === 'integer' || s.type === 'number') return { kind: 'scalar', scalar: 'numeric' };
  if (s.type === 'boolean') return { kind: 'scalar', scalar: 'boolean' };
  if (s.type === 'string' && s.format !== 'int-or-string') return { kind: 'scalar', scalar: 'string' };
  return SCALAR;
}

/** kube-openapi's list relationship: x-kubernetes-list-type first, then the patch strategy, else atomic. */
function listRelationship(s: JSONSchemaProps): ['atomic' | 'associative', string[]] {
  switch (s['x-kubernetes-list-type']) {
    case 'atomic': return ['atomic', []];
    case 'set': return ['associative', []];
    case 'map': return ['associative', [...(s['x-kubernetes-list-map-keys'] ?? [])]];
    default: break;
  }
  const strategies = (s['x-kubernetes-patch-strategy'] ?? '').split(',');
  if (strategies.includes('merge')) {
    const key = s['x-kubernetes-patch-merge-key'];
    return ['associative', key ? [key] : []];
  }
  return ['atomic', []];
}

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

/** A custom kind's type: its schema's fields, with metadata always ObjectMeta and apiVersion/kind strings, as kube-apiserver publishes CRDs. */
function customType(schema: JSONSchemaProps | undefined): TypeRef {
  const root: JSONSchemaProps = schema ? { ...schema } : { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: {} };
  root.type = 'object';
  root.properties = {
    ...(root.properties ?? {}),
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { $ref: `#/definitions/${OBJECT_META}` },
  };
  return memo(() => atomOf(root, DEFINITIONS));
}

const custom = new Map<string, TypeRef>();
const builtin = new Map<string, TypeRef>();
const gvkKey = (group: string, version: string, kind: string): string => `${group}/${version}/${kind}`;

/**
 * The hook for custom resources: the CRD registry calls it when a version of a CRD is
 * served (schema: that version's openAPIV3Schema, undefined for none: deduced) and
 * with schema null when it stops being served. Its x-kubernetes-list-type,
 * x-kubernetes-list-map-keys and x-kubernetes-map-type drive apply merges and
 * managedFields of its objects.
 */
export function registerCustomType(group: string, version: string, kind: string, schema: JSONSchemaProps | undefined | null): void {
  const k = gvkKey(group, version, kind);
  if (schema === null) custom.delete(k);
  else custom.set(k, customType(schema));
}

/** The type of a kind: registered custom type, else the built-in definition, else deduced (with ObjectMeta). */
export function typeFor(group: string, version: string, kind: string): TypeRef {
  const k = gvkKey(group, version, kind);
  const c = custom.get(k);
  if (c) return c;
  let t = builtin.get(k);
  if (!t) {
    const name = definitionName(group, version, kind);
    t = name ? refType(name, DEFINITIONS) : customType(undefined);
    builtin.set(k, t);
  }
  return t;
}
