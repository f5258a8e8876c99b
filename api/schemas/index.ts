// Every OpenAPI definition of the API types this server serves, keyed by Kubernetes'
// definition name. apiserver/openapi.ts publishes them; other code may look up the
// schema of a kind with schemaFor() and follow $refs with resolve().
import { APIREGISTRATION_DEFINITIONS } from './apiregistration.js';
import { ADMISSIONREGISTRATION_DEFINITIONS } from './admissionregistration.js';
import { APIEXTENSIONS_DEFINITIONS } from './apiextensions.js';
import { APPS_DEFINITIONS } from './apps.js';
import { BATCH_DEFINITIONS } from './batch.js';
import { AUTHENTICATION_DEFINITIONS } from './authentication.js';
import { AUTHORIZATION_DEFINITIONS } from './authorization.js';
import { AUTOSCALING_DEFINITIONS, AUTOSCALING_V1_DEFINITIONS } from './autoscaling.js';
import { CERTIFICATES_DEFINITIONS } from './certificates.js';
import { COORDINATION_DEFINITIONS } from './coordination.js';
import { CORE_DEFINITIONS } from './core.js';
import { DISCOVERY_DEFINITIONS } from './discovery.js';
import { META_DEFINITIONS } from './meta.js';
import { POLICY_DEFINITIONS } from './policy.js';
import { RBAC_DEFINITIONS } from './rbac.js';
import { SCHEDULING_DEFINITIONS } from './scheduling.js';
import { STORAGE_DEFINITIONS } from './storage.js';
import { refName, type Definitions, type JSONSchemaProps } from './schema.js';

export * from './schema.js';
export { INT_OR_STRING, QUANTITY, RAW_EXTENSION } from './meta.js';

export const DEFINITIONS: Readonly<Definitions> = Object.freeze({
  ...META_DEFINITIONS,
  ...CORE_DEFINITIONS,
  ...APPS_DEFINITIONS,
  ...BATCH_DEFINITIONS,
  ...AUTOSCALING_DEFINITIONS,
  ...AUTOSCALING_V1_DEFINITIONS,
  ...COORDINATION_DEFINITIONS,
  ...DISCOVERY_DEFINITIONS,
  ...RBAC_DEFINITIONS,
  ...AUTHENTICATION_DEFINITIONS,
  ...AUTHORIZATION_DEFINITIONS,
  ...CERTIFICATES_DEFINITIONS,
  ...STORAGE_DEFINITIONS,
  ...POLICY_DEFINITIONS,
  ...SCHEDULING_DEFINITIONS,
  ...APIREGISTRATION_DEFINITIONS,
  ...ADMISSIONREGISTRATION_DEFINITIONS,
  ...APIEXTENSIONS_DEFINITIONS,
});

/**
 * The name of the definition of a kind (its x-kubernetes-group-version-kind lists
 * group/version/kind); undefined when no definition describes it.
 */
export function definitionName(group: string, version: string, kind: string): string | undefined {
  return BY_GVK.get(`${group}/${version}/${kind}`);
}

// Built once: the apiserver looks a kind up on every write (fieldValidation).
const BY_GVK = new Map<string, string>();
for (const [name, schema] of Object.entries(DEFINITIONS)) {
  for (const g of schema['x-kubernetes-group-version-kind'] ?? []) {
    const key = `${g.group}/${g.version}/${g.kind}`;
    if (!BY_GVK.has(key)) BY_GVK.set(key, name);
  }
}

/** The schema of a kind; undefined when unknown. */
export function schemaFor(group: string, version: string, kind: string): JSONSchemaProps | undefined {
  const name = definitionName(group, version, kind);
  return name === undefined ? undefined : DEFINITIONS[name];
}

/** Follows a schema's $ref (if any) to the definition it names; undefined for a dangling ref. */
export function resolve(schema: JSONSchemaProps): JSONSchemaProps | undefined {
  return schema.$ref === undefined ? schema : DEFINITIONS[refName(schema.$ref)];
}

/**
 * The fields of obj that the schema of its kind does not know, as Kubernetes' strict
 * decoding names them ("bogus", "spec.containers[0].imagePullPolicyy"), in document
 * order. For ?fieldValidation=Strict (reject: 400 BadRequest, `strict decoding error:
 * unknown field "spec.foo"`) and Warn (one `unknown field "spec.foo"` warning each).
 * Empty when the kind has no schema here: nothing can be said about it.
 */
export function unknownFields(group: string, version: string, kind: string, obj: unknown): string[] {
  const schema = schemaFor(group, version, kind);
  const out: string[] = [];
  if (schema) walkUnknown(schema, obj, [], out);
  return out;
}

/** path: the steps to value ("spec", "containers", "[0]"), joined only for an unknown field. */
function walkUnknown(schema: JSONSchemaProps, value: unknown, path: string[], out: string[]): void {
  const s = resolve(schema);
  if (!s || s['x-kubernetes-preserve-unknown-fields'] || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    if (!s.items) return;
    for (let i = 0; i < value.length; i++) {
      path.push(`[${i}]`);
      walkUnknown(s.items, value[i], path, out);
      path.pop();
    }
    return;
  }
  const o = value as Record<string, unknown>;
  const sub = s.properties ?? (s.additionalProperties && typeof s.additionalProperties === 'object' ? undefined : null);
  if (sub === null) return;
  for (const k in o) {
    const schemaOf = sub ? (Object.hasOwn(sub, k) ? sub[k] : undefined) : s.additionalProperties as JSONSchemaProps;
    path.push(k);
    if (schemaOf) walkUnknown(schemaOf, o[k], path, out);
    else out.push(joinPath(path));
    path.pop();
  }
  // An object schema with neither (FieldsV1, RawExtension, Patch) takes anything.
}

function joinPath(path: string[]): string {
  let out = '';
  for (const step of path) out += step.startsWith('[') || !out ? step : `.${step}`;
  return out;
}
