// CustomResourceDefinitions (apiextensions-apiserver pkg/apis/apiextensions/validation):
// the name is <plural>.<group>, the group a domain, exactly one storage version, valid
// names, printer columns and subresource paths, and what may not change once
// Established. Field paths are those of Kubernetes' internal version: a schema,
// subresources or printer columns that every version carries identically are reported
// at spec.validation, spec.subresources and spec.additionalPrinterColumns, as the v1
// conversion hoists them there.
import type {
  CustomResourceColumnDefinition, CustomResourceDefinition, CustomResourceDefinitionNames, CustomResourceDefinitionSpec,
  CustomResourceDefinitionVersion, CustomResourceSubresources, JSONSchemaProps,
} from '../types/apiextensions.js';
import {
  child, duplicate, type FieldCause, index, invalid, jsonEqual, key, list, notSupported, Raw, record, required, str, tooMany,
} from './field.js';
import { validateImmutable, validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { isDNS1035Label, isDNS1123Subdomain, nameIsDNSSubdomain } from './names.js';
import { validateStructural } from '../apiextensions/schema/index.js';

const PRINTER_COLUMN_TYPES = ['boolean', 'date', 'integer', 'number', 'string'];
const PRINTER_COLUMN_FORMATS = ['byte', 'date', 'date-time', 'double', 'float', 'int32', 'int64', 'password'];
/** The most selectable fields a version may declare. */
export const MAX_SELECTABLE_FIELDS = 8;

interface Hoisted {
  validation?: JSONSchemaProps;
  subresources?: CustomResourceSubresources;
  columns?: CustomResourceColumnDefinition[];
}

/** What the v1 -> internal conversion moves to the top level: per-version values all versions share. */
function hoisted(spec: CustomResourceDefinitionSpec): Hoisted {
  const versions = list<CustomResourceDefinitionVersion>(spec.versions);
  const same = <T>(get: (v: CustomResourceDefinitionVersion) => T | undefined): T | undefined => {
    if (!versions.length) return undefined;
    const first = get(versions[0]);
    if (first === undefined || first === null) return undefined;
    return versions.every((v) => jsonEqual(get(v), first)) ? first : undefined;
  };
  return {
    validation: same((v) => record<unknown>(v.schema).openAPIV3Schema as JSONSchemaProps | undefined),
    subresources: same((v) => v.subresources),
    columns: same((v) => (list(v.additionalPrinterColumns).length ? v.additionalPrinterColumns : undefined)),
  };
}

/** Go's %#v of a value too complex to render (the versions list), kept short. */
function goVersions(versions: CustomResourceDefinitionVersion[]): Raw {
  const one = (v: CustomResourceDefinitionVersion): string =>
    `apiextensions.CustomResourceDefinitionVersion{Name:${JSON.stringify(str(v.name))}, Served:${v.served === true}, Storage:${v.storage === true}, Deprecated:${v.deprecated === true}}`;
  return new Raw(`[]apiextensions.CustomResourceDefinitionVersion{${versions.map(one).join(', ')}}`);
}

/** A CustomResourceDefinition being created (defaulted: scope, singular, listKind, storedVersions). */
export function validateCRDCreate(crd: CustomResourceDefinition): FieldCause[] {
  const spec = record<unknown>(crd.spec) as unknown as CustomResourceDefinitionSpec;
  const names = record<unknown>(spec.names) as unknown as CustomResourceDefinitionNames;
  const requiredName = `${str(names.plural)}.${str(spec.group)}`;
  const errs = validateObjectMeta(crd.metadata, {
    namespaced: false,
    kubeFinalizers: false,
    nameFn: (name, prefix) => {
      const out = nameIsDNSSubdomain(name, prefix);
      if (name !== requiredName) out.push('must be spec.names.plural+"."+spec.group');
      return out;
    },
  });
  errs.push(...validateSpec(spec, 'spec'));
  errs.push(...validateStatus(crd));
  errs.push(...validateAPIApproval(crd, undefined));
  errs.push(...validatePreserveUnknownFields(crd, undefined));
  return errs;
}

/** An update of a CustomResourceDefinition; names and scope are fixed once Established. */
export function validateCRDUpdate(crd: CustomResourceDefinition, old: CustomResourceDefinition): FieldCause[] {
  const spec = record<unknown>(crd.spec) as unknown as CustomResourceDefinitionSpec;
  const oldSpec = record<unknown>(old.spec) as unknown as CustomResourceDefinitionSpec;
  const errs = validateObjectMetaUpdate(crd.metadata, old.metadata, 'metadata', false);
  errs.push(...validateSpec(spec, 'spec'));
  const established = list<{ type?: string; status?: string }>(record<unknown>(old.status).conditions)
    .some((c) => c.type === 'Established' && c.status === 'True');
  if (established) {
    errs.push(...validateImmutable(spec.scope, oldSpec.scope, 'spec.scope'));
    errs.push(...validateImmutable(record<unknown>(spec.names).kind, record<unknown>(oldSpec.names).kind, 'spec.names.kind'));
  }
  errs.push(...validateImmutable(spec.group, oldSpec.group, 'spec.group'));
  errs.push(...validateImmutable(record<unknown>(spec.names).plural, record<unknown>(oldSpec.names).plural, 'spec.names.plural'));
  errs.push(...validateStatus(crd));
  errs.push(...validateAPIApproval(crd, old));
  errs.push(...validatePreserveUnknownFields(crd, old));
  return errs;
}

/** A write of a CustomResourceDefinition's status subresource. */
export function validateCRDStatusUpdate(crd: CustomResourceDefinition, old: CustomResourceDefinition): FieldCause[] {
  return [...validateObjectMetaUpdate(crd.metadata, old.metadata, 'metadata', false), ...validateNames(record<unknown>(record<unknown>(crd.status).acceptedNames) as unknown as CustomResourceDefinitionNames, 'status.acceptedNames')];
}

function validateStatus(crd: CustomResourceDefinition): FieldCause[] {
  const status = record<unknown>(crd.status);
  const errs = validateNames(record<unknown>(status.acceptedNames) as unknown as CustomResourceDefinitionNames, 'status.acceptedNames');
  errs.push(...validateStoredVersions(list<string>(status.storedVersions), list(record<unknown>(crd.spec).versions), 'status.storedVersions'));
  return errs;
}

function validateStoredVersions(stored: string[], versions: CustomResourceDefinitionVersion[], path: string): FieldCause[] {
  if (!stored.length) return [invalid(path, stored, 'must have at least one stored version')];
  const errs: FieldCause[] = [];
  const remaining = new Map(stored.map((v, i) => [v, i]));
  for (const v of versions) {
    const has = remaining.has(v.name);
    if (v.storage && !has) errs.push(invalid(path, stored, `must have the storage version ${v.name}`));
    if (has) remaining.delete(v.name);
  }
  for (const [v, i] of remaining) {
    errs.push(invalid(index(path, i), v, `missing from spec.versions; ${v} was previously a storage version, and must remain in spec.versions until a storage migration ensures no data remains persisted in ${v} and removes ${v} from status.storedVersions`));
  }
  return errs;
}

function validateSpec(spec: CustomResourceDefinitionSpec, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const group = str(spec.group);
  if (!group) errs.push(required(child(path, 'group'), ''));
  else {
    const bad = isDNS1123Subdomain(group);
    if (bad.length) errs.push(invalid(child(path, 'group'), group, bad.join(',')));
    else if (group.split('.').length < 2) errs.push(invalid(child(path, 'group'), group, 'should be a domain with at least one dot'));
  }
  const scope = str(spec.scope);
  if (!scope) errs.push(required(child(path, 'scope'), ''));
  else if (scope !== 'Cluster' && scope !== 'Namespaced') errs.push(notSupported(child(path, 'scope'), scope, ['Cluster', 'Namespaced']));

  const versions = list<CustomResourceDefinitionVersion>(spec.versions);
  const top = hoisted(spec);
  if (!top.validation) {
    versions.forEach((v, i) => {
      if (!record<unknown>(v.schema).openAPIV3Schema) errs.push(required(child(path, `versions[${i}]`, 'schema', 'openAPIV3Schema'), ''));
    });
  }
  const anyStatus = versions.some((v) => record<unknown>(v.subresources).status !== undefined);
  const hasDefaults = JSON.stringify(versions.map((v) => v.schema ?? null)).includes('"default"');
  if (hasDefaults && spec.preserveUnknownFields === true) {
    errs.push(invalid(child(path, 'preserveUnknownFields'), true, 'must be false in order to use defaults in the schema'));
  }
  let storage = 0;
  const seen = new Set<string>();
  let unique = true;
  versions.forEach((v, i) => {
    const vp = child(path, `versions[${i}]`);
    if (v.storage === true) storage++;
    if (seen.has(str(v.name))) unique = false;
    seen.add(str(v.name));
    const badName = isDNS1035Label(str(v.name));
    if (badName.length) errs.push(invalid(child(vp, 'name'), str(v.name), badName.join(',')));
    errs.push(...validateVersion(v, vp, top));
  });
  if (!unique) errs.push(invalid(child(path, 'versions'), goVersions(versions), 'must contain unique version names'));
  if (storage !== 1) errs.push(invalid(child(path, 'versions'), goVersions(versions), 'must have exactly one version marked as storage version'));

  const names = record<unknown>(spec.names) as unknown as CustomResourceDefinitionNames;
  if (!str(names.plural)) errs.push(required(child(path, 'names', 'plural'), ''));
  if (!str(names.singular)) errs.push(required(child(path, 'names', 'singular'), ''));
  if (!str(names.kind)) errs.push(required(child(path, 'names', 'kind'), ''));
  if (!str(names.listKind)) errs.push(required(child(path, 'names', 'listKind'), ''));
  errs.push(...validateNames(names, child(path, 'names')));
  if (top.validation) errs.push(...validateValidation(top.validation, child(path, 'validation'), anyStatus));
  if (top.subresources) errs.push(...validateSubresources(top.subresources, child(path, 'subresources')));
  if (top.columns) top.columns.forEach((c, i) => errs.push(...validateColumn(c, child(path, `additionalPrinterColumns[${i}]`))));

  const conversion = spec.conversion;
  if (conversion) {
    const cp = child(path, 'conversion');
    const strategy = str(conversion.strategy);
    if (strategy && strategy !== 'None' && spec.preserveUnknownFields === true) {
      errs.push(invalid(child(cp, 'strategy'), strategy, 'must be None if spec.preserveUnknownFields is true'));
    }
    if (!strategy) errs.push(required(child(cp, 'strategy'), ''));
    else if (strategy !== 'None' && strategy !== 'Webhook') errs.push(notSupported(child(cp, 'strategy'), strategy, ['None', 'Webhook']));
    if (strategy === 'Webhook') {
      const webhook = record<unknown>(conversion.webhook);
      const cc = webhook.clientConfig as Record<string, unknown> | undefined;
      if (!cc) errs.push(required(child(cp, 'webhookClientConfig'), 'required when strategy is set to Webhook'));
      else if ((cc.url === undefined) === (cc.service === undefined)) errs.push(required(child(cp, 'webhookClientConfig'), 'exactly one of url or service is required'));
      const reviewVersions = list<string>(webhook.conversionReviewVersions);
      const rp = child(cp, 'conversionReviewVersions');
      if (!reviewVersions.length) errs.push(required(rp, ''));
      else if (!reviewVersions.some((v) => v === 'v1' || v === 'v1beta1')) errs.push(invalid(rp, reviewVersions, 'must include at least one of v1, v1beta1'));
    }
  }
  return errs;
}

function validateVersion(v: CustomResourceDefinitionVersion, path: string, top: Hoisted): FieldCause[] {
  const errs: FieldCause[] = [];
  if (v.deprecationWarning !== undefined) {
    if (!v.deprecated) errs.push(invalid(child(path, 'deprecationWarning'), v.deprecationWarning, 'can only be set for deprecated versions'));
    else if (Buffer.byteLength(str(v.deprecationWarning)) > 256) errs.push(invalid(child(path, 'deprecationWarning'), v.deprecationWarning, 'must be <= 256 characters long'));
  }
  const statusEnabled = record<unknown>(v.subresources).status !== undefined;
  const schema = record<unknown>(v.schema).openAPIV3Schema as JSONSchemaProps | undefined;
  if (!top.validation && schema) errs.push(...validateValidation(schema, child(path, 'schema'), statusEnabled));
  if (!top.subresources && v.subresources) errs.push(...validateSubresources(v.subresources, child(path, 'subresources')));
  if (!top.columns) list<CustomResourceColumnDefinition>(v.additionalPrinterColumns).forEach((c, i) => errs.push(...validateColumn(c, child(path, `additionalPrinterColumns[${i}]`))));
  const fields = list<{ jsonPath?: string }>(v.selectableFields);
  if (fields.length) {
    if (!schema) errs.push(invalid(child(path, 'selectableFields'), '', 'may only be set when `version.schema.openAPIV3Schema` is not included'));
    else errs.push(...validateSelectableFields(fields, schema, child(path, 'selectableFields')));
  }
  return errs;
}

/** The schema at a dot path (".spec.color") of a structural schema; undefined when it has none. */
function schemaAt(schema: JSONSchemaProps, jsonPath: string): JSONSchemaProps | undefined {
  let s: JSONSchemaProps | undefined = schema;
  for (const part of jsonPath.slice(1).split('.')) {
    if (!s || !part) return undefined;
    s = s.properties?.[part] ?? (typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined);
  }
  return s;
}

function validateSelectableFields(fields: { jsonPath?: string }[], schema: JSONSchemaProps, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const seen = new Set<string>();
  fields.forEach((f, i) => {
    const fp = child(index(path, i), 'jsonPath');
    const jp = str(f.jsonPath);
    if (!jp) { errs.push(required(fp, '')); return; }
    const found = jp.startsWith('.') ? schemaAt(schema, jp) : undefined;
    if (!found) {
      errs.push(invalid(fp, jp, `is an invalid path: ${jp.startsWith('.') ? `does not refer to a valid field` : 'must start with .'}`));
      return;
    }
    if (jp.split('.')[1] === 'metadata') errs.push(invalid(fp, jp, 'must not point to fields in metadata'));
    if (!['string', 'boolean', 'integer'].includes(str(found.type))) {
      errs.push(invalid(fp, jp, 'must point to a field of type string, boolean or integer. Enum string fields and strings with formats are allowed.'));
    }
    if (seen.has(jp)) errs.push(duplicate(fp, jp));
    seen.add(jp);
  });
  if (seen.size > MAX_SELECTABLE_FIELDS) errs.push(tooMany(path, seen.size, MAX_SELECTABLE_FIELDS));
  return errs;
}

function validateValidation(schema: JSONSchemaProps, path: string, statusEnabled: boolean): FieldCause[] {
  return validateStructural(schema, child(path, 'openAPIV3Schema'), { statusSubresource: statusEnabled });
}

function validateSubresources(sub: CustomResourceSubresources, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const scale = sub.scale;
  if (!scale) return errs;
  const check = (value: string | undefined, name: string, prefixes: string[], what: string): void => {
    const fp = child(path, `scale.${name}`);
    const v = str(value);
    if (!v) { if (name !== 'labelSelectorPath') errs.push(required(fp, '')); return; }
    const simple = simpleJSONPath(v, fp);
    if (simple.length) errs.push(...simple);
    else if (!prefixes.some((p) => v.startsWith(p))) errs.push(invalid(fp, v, what));
  };
  check(scale.specReplicasPath, 'specReplicasPath', ['.spec.'], 'should be a json path under .spec');
  check(scale.statusReplicasPath, 'statusReplicasPath', ['.status.'], 'should be a json path under .status');
  check(scale.labelSelectorPath, 'labelSelectorPath', ['.spec.', '.status.'], 'should be a json path under either .spec or .status');
  return errs;
}

function simpleJSONPath(s: string, path: string): FieldCause[] {
  if (!s) return [invalid(path, s, 'must not be empty')];
  if (s[0] !== '.') return [invalid(path, s, 'must be a simple json path starting with .')];
  return [];
}

function validateColumn(c: CustomResourceColumnDefinition, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const col = record<unknown>(c);
  if (!str(col.name)) errs.push(required(child(path, 'name'), ''));
  const type = str(col.type);
  if (!type) errs.push(required(child(path, 'type'), `must be one of ${PRINTER_COLUMN_TYPES.join(',')}`));
  else if (!PRINTER_COLUMN_TYPES.includes(type)) errs.push(invalid(child(path, 'type'), type, `must be one of ${PRINTER_COLUMN_TYPES.join(',')}`));
  const format = str(col.format);
  if (format && !PRINTER_COLUMN_FORMATS.includes(format)) errs.push(invalid(child(path, 'format'), format, `must be one of ${PRINTER_COLUMN_FORMATS.join(',')}`));
  const jp = str(col.jsonPath);
  if (!jp) errs.push(required(child(path, 'JSONPath'), ''));
  else errs.push(...simpleJSONPath(jp, child(path, 'JSONPath')));
  return errs;
}

/** Plural, singular, kind, listKind, short names and categories (spec.names and status.acceptedNames). */
export function validateNames(names: CustomResourceDefinitionNames, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const n = record<unknown>(names);
  const label = (field: string, value: string, lower: boolean): void => {
    if (!value) return;
    const bad = isDNS1035Label(lower ? value.toLowerCase() : value);
    if (bad.length) errs.push(invalid(child(path, field), value, lower ? `may have mixed case, but should otherwise match: ${bad.join(',')}` : bad.join(',')));
  };
  label('plural', str(n.plural), false);
  label('singular', str(n.singular), false);
  label('kind', str(n.kind), true);
  label('listKind', str(n.listKind), true);
  list<string>(n.shortNames).forEach((s, i) => {
    const bad = isDNS1035Label(str(s));
    if (bad.length) errs.push(invalid(index(child(path, 'shortNames'), i), s, bad.join(',')));
  });
  if (str(n.kind) && n.kind === n.listKind) errs.push(invalid(child(path, 'listKind'), n.listKind, 'kind and listKind may not be the same'));
  list<string>(n.categories).forEach((c, i) => {
    const bad = isDNS1035Label(str(c));
    if (bad.length) errs.push(invalid(index(child(path, 'categories'), i), c, bad.join(',')));
  });
  return errs;
}

const APPROVAL_ANNOTATION = 'api-approved.kubernetes.io';

/** Groups the Kubernetes community owns: k8s.io, kubernetes.io and their subdomains. */
function isProtectedGroup(group: string): boolean {
  return group === 'k8s.io' || group === 'kubernetes.io' || group.endsWith('.k8s.io') || group.endsWith('.kubernetes.io');
}

function approvalState(annotations: Record<string, string> | undefined): { state: string; reason: string } {
  const value = annotations?.[APPROVAL_ANNOTATION];
  if (value === undefined) return { state: 'missing', reason: 'protected groups must have approval annotation "api-approved.kubernetes.io", see https://github.com/kubernetes/enhancements/pull/1111' };
  if (value.startsWith('unapproved')) return { state: 'bypassed', reason: '' };
  try {
    const u = new URL(value);
    if (u.protocol === 'http:' || u.protocol === 'https:') return { state: 'approved', reason: '' };
  } catch {
    // not a URL: invalid below
  }
  return { state: 'invalid', reason: `protected groups must have approval annotation "api-approved.kubernetes.io" with either a URL or a reason starting with "unapproved", see https://github.com/kubernetes/enhancements/pull/1111` };
}

function validateAPIApproval(crd: CustomResourceDefinition, old: CustomResourceDefinition | undefined): FieldCause[] {
  if (!isProtectedGroup(str(record<unknown>(crd.spec).group))) return [];
  const now = approvalState(crd.metadata.annotations);
  if (old && approvalState(old.metadata.annotations).state === now.state) return [];
  const path = key('metadata.annotations', APPROVAL_ANNOTATION);
  if (now.state === 'missing') return [required(path, now.reason)];
  if (now.state === 'invalid') return [invalid(path, crd.metadata.annotations?.[APPROVAL_ANNOTATION], now.reason)];
  return [];
}

function validatePreserveUnknownFields(crd: CustomResourceDefinition, old: CustomResourceDefinition | undefined): FieldCause[] {
  if (old && record<unknown>(old.spec).preserveUnknownFields === true) return [];
  if (record<unknown>(crd.spec).preserveUnknownFields === true) {
    return [invalid('spec.preserveUnknownFields', true, 'cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead')];
  }
  return [];
}
