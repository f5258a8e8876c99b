// ObjectMeta, label and label-selector validation (apimachinery api/validation and
// meta/v1/validation, plus core's finalizer-name rule).
import type { LabelSelector, LabelSelectorRequirement, ObjectMeta, OwnerReference } from '../types/meta.js';
import {
  child, duplicate, FIELD_IMMUTABLE, type FieldCause, forbidden, index, invalid, jsonEqual, list, nonNegative,
  notSupported, record, required, str, tooLong,
} from './field.js';
import { isQualifiedName, isValidLabelValue, type NameValidator, nameIsDNSLabel } from './names.js';

/** Total bytes of annotation keys and values Kubernetes allows (256 KiB). */
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

/** Finalizers without a '/' must be one of these (core's IsStandardFinalizerName). */
const STANDARD_FINALIZERS = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

/** Label keys and values; causes all name the map ("metadata.labels"), as Kubernetes does. */
export function validateLabels(labels: unknown, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  for (const [k, v] of Object.entries(record<unknown>(labels))) {
    errs.push(...validateLabelName(k, path));
    const value = str(v);
    for (const msg of isValidLabelValue(value)) errs.push(invalid(path, value, msg));
  }
  return errs;
}

/** One label key (also taint and toleration keys, topology keys). */
export function validateLabelName(name: string, path: string): FieldCause[] {
  return isQualifiedName(name).map((msg) => invalid(path, name, msg));
}

/** One qualified name (readiness gates, appProtocol...). */
export const validateQualifiedName = validateLabelName;

/** Annotation keys are qualified names compared case-insensitively; the total must fit 256 KiB. */
export function validateAnnotations(annotations: unknown, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  let total = 0;
  for (const [k, v] of Object.entries(record<unknown>(annotations))) {
    for (const msg of isQualifiedName(k.toLowerCase())) errs.push(invalid(path, k, msg));
    total += Buffer.byteLength(k) + Buffer.byteLength(str(v));
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT));
  return errs;
}

/** A LabelSelector (matchLabels and matchExpressions). */
export function validateLabelSelector(selector: LabelSelector | undefined, path: string): FieldCause[] {
  if (!selector) return [];
  const errs = validateLabels(selector.matchLabels, child(path, 'matchLabels'));
  list<LabelSelectorRequirement>(selector.matchExpressions).forEach((expr, i) => {
    const p = index(child(path, 'matchExpressions'), i);
    const values = list<string>(expr?.values);
    switch (expr?.operator) {
      case 'In': case 'NotIn':
        if (values.length === 0) errs.push(required(child(p, 'values'), "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case 'Exists': case 'DoesNotExist':
        if (values.length > 0) errs.push(forbidden(child(p, 'values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      default:
        errs.push(invalid(child(p, 'operator'), expr?.operator ?? '', 'not a valid selector operator'));
    }
    errs.push(...validateLabelName(str(expr?.key), child(p, 'key')));
    values.forEach((v, j) => {
      for (const msg of isValidLabelValue(str(v))) errs.push(invalid(index(child(p, 'values'), j), v, msg));
    });
  });
  return errs;
}

/** Splits "apps/v1" into group and version the way schema.FromAPIVersionAndKind does. */
function versionOf(apiVersion: string): string {
  const parts = apiVersion.split('/');
  if (parts.length === 1) return parts[0];
  if (parts.length === 2) return parts[1];
  return '';
}

/** ownerReferences: required fields, Events may not own, at most one controller. */
export function validateOwnerReferences(refs: unknown, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  let firstController = '';
  for (const ref of list<OwnerReference>(refs)) {
    const apiVersion = str(ref?.apiVersion);
    if (!versionOf(apiVersion)) errs.push(invalid(child(path, 'apiVersion'), apiVersion, 'version must not be empty'));
    if (!str(ref?.kind)) errs.push(invalid(child(path, 'kind'), str(ref?.kind), 'must not be empty'));
    if (!str(ref?.name)) errs.push(invalid(child(path, 'name'), str(ref?.name), 'must not be empty'));
    if (!str(ref?.uid)) errs.push(invalid(child(path, 'uid'), str(ref?.uid), 'must not be empty'));
    if (apiVersion === 'v1' && ref?.kind === 'Event') errs.push(invalid(path, ref, '/v1, Kind=Event is disallowed from being an owner'));
    if (ref?.controller === true) {
      const name = `${str(ref.kind)}/${str(ref.name)}`;
      if (firstController) {
        errs.push(invalid(path, refs, `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${name}`));
      } else {
        firstController = name;
      }
    }
  }
  return errs;
}

/**
 * Finalizer names: qualified names, and (core's rule, kube=true) names without '/' must be
 * standard ones. apimachinery's generic rule (kube=false) is what CRDs and custom
 * resources get.
 */
export function validateFinalizers(finalizers: unknown, path: string, kube = true): FieldCause[] {
  const errs: FieldCause[] = [];
  const names = list<unknown>(finalizers).map(str);
  for (const f of names) errs.push(...validateFinalizerName(f, path));
  if (names.includes('orphan') && names.includes('foregroundDeletion')) {
    errs.push(invalid(path, names, 'finalizer orphan and foregroundDeletion cannot be both set'));
  }
  if (kube) names.forEach((f, i) => errs.push(...validateKubeFinalizerName(f, index(path, i))));
  return errs;
}

/** A finalizer name is a qualified name. */
export function validateFinalizerName(name: string, path: string): FieldCause[] {
  return isQualifiedName(name).map((msg) => invalid(path, name, msg));
}

/** Core's rule: a finalizer without a '/' must be a standard one. */
export function validateKubeFinalizerName(name: string, path: string): FieldCause[] {
  if (name.includes('/') || STANDARD_FINALIZERS.has(name)) return [];
  return [invalid(path, name, 'name is neither a standard finalizer name nor is it fully qualified')];
}

/** How a kind's ObjectMeta is checked on create. */
export interface MetaRules {
  /** Namespaced kinds need metadata.namespace; cluster-scoped kinds may not have one. */
  namespaced: boolean;
  /** Validates metadata.name (and generateName with prefix=true). */
  nameFn: NameValidator;
  /** false: apimachinery's generic finalizer rule instead of core's (CRDs, custom resources). */
  kubeFinalizers?: boolean;
}

/**
 * ObjectMeta on create (core's ValidateObjectMeta): name or generateName, name
 * format, namespace presence, labels, annotations, ownerReferences, finalizers.
 */
export function validateObjectMeta(meta: ObjectMeta | undefined, rules: MetaRules, path = 'metadata'): FieldCause[] {
  const m = record<unknown>(meta) as ObjectMeta;
  const errs: FieldCause[] = [];
  const generateName = str(m.generateName);
  const name = str(m.name);
  if (generateName) {
    for (const msg of rules.nameFn(generateName, true)) errs.push(invalid(child(path, 'generateName'), generateName, msg));
  }
  if (!name) {
    errs.push(required(child(path, 'name'), 'name or generateName is required'));
  } else {
    for (const msg of rules.nameFn(name, false)) errs.push(invalid(child(path, 'name'), name, msg));
  }
  const namespace = str(m.namespace);
  if (rules.namespaced) {
    if (!namespace) errs.push(required(child(path, 'namespace')));
    else for (const msg of nameIsDNSLabel(namespace, false)) errs.push(invalid(child(path, 'namespace'), namespace, msg));
  } else if (namespace) {
    errs.push(forbidden(child(path, 'namespace'), 'not allowed on this type'));
  }
  errs.push(...nonNegative(m.generation, child(path, 'generation')));
  errs.push(...validateCommonMeta(m, path, rules.kubeFinalizers !== false));
  return errs;
}

function validateCommonMeta(m: ObjectMeta, path: string, kubeFinalizers = true): FieldCause[] {
  return [
    ...validateLabels(m.labels, child(path, 'labels')),
    ...validateAnnotations(m.annotations, child(path, 'annotations')),
    ...validateOwnerReferences(m.ownerReferences, child(path, 'ownerReferences')),
    ...validateFinalizers(m.finalizers, child(path, 'finalizers'), kubeFinalizers),
  ];
}

/** Invalid "field is immutable" (with the new value) when newVal differs from oldVal. */
export function validateImmutable(newVal: unknown, oldVal: unknown, path: string): FieldCause[] {
  return jsonEqual(newVal ?? null, oldVal ?? null) ? [] : [invalid(path, newVal, FIELD_IMMUTABLE)];
}

/**
 * ObjectMeta on update (core's ValidateObjectMetaUpdate): name, namespace, uid,
 * creationTimestamp, deletionTimestamp and deletionGracePeriodSeconds may not change
 * (uid and the timestamps only count when the new object carries them: the apiserver
 * copies them from the stored object, as Kubernetes' BeforeUpdate does); no new
 * finalizers once deleting; generation never goes down; the same label, annotation,
 * ownerReference and finalizer rules as on create.
 */
export function validateObjectMetaUpdate(meta: ObjectMeta | undefined, oldMeta: ObjectMeta | undefined, path = 'metadata', kubeFinalizers = true): FieldCause[] {
  const m = record<unknown>(meta) as ObjectMeta;
  const o = record<unknown>(oldMeta) as ObjectMeta;
  const errs: FieldCause[] = [];
  if (o.deletionTimestamp) {
    const added = [...new Set(list<string>(m.finalizers))].filter((f) => !list<string>(o.finalizers).includes(f)).sort();
    if (added.length) {
      errs.push(forbidden(child(path, 'finalizers'), `no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(', ')}}`));
    }
  }
  if (typeof m.generation === 'number' && typeof o.generation === 'number' && m.generation < o.generation) {
    errs.push(invalid(child(path, 'generation'), m.generation, 'must not be decremented'));
  }
  errs.push(...validateImmutable(m.name ?? '', o.name ?? '', child(path, 'name')));
  errs.push(...validateImmutable(m.namespace ?? '', o.namespace ?? '', child(path, 'namespace')));
  if (m.uid !== undefined) errs.push(...validateImmutable(m.uid, o.uid ?? '', child(path, 'uid')));
  if (m.creationTimestamp !== undefined) errs.push(...validateImmutable(m.creationTimestamp, o.creationTimestamp, child(path, 'creationTimestamp')));
  if (m.deletionTimestamp !== undefined) errs.push(...validateImmutable(m.deletionTimestamp, o.deletionTimestamp, child(path, 'deletionTimestamp')));
  if (m.deletionGracePeriodSeconds !== undefined) {
    errs.push(...validateImmutable(m.deletionGracePeriodSeconds, o.deletionGracePeriodSeconds, child(path, 'deletionGracePeriodSeconds')));
  }
  errs.push(...validateCommonMeta(m, path, kubeFinalizers));
  return errs;
}

/** Duplicate-name tracking shared by lists keyed by name (containers, volumes, ports). */
export function checkDuplicate(seen: Set<string>, name: string, path: string): FieldCause[] {
  if (seen.has(name)) return [duplicate(path, name)];
  seen.add(name);
  return [];
}

const CONDITION_REASON = /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/;
const CONDITION_STATUSES = ['False', 'True', 'Unknown'];

/**
 * metav1 ValidateConditions: each metav1.Condition has a qualified-name type (unique
 * in the list), a status of True/False/Unknown, a lastTransitionTime, a CamelCase
 * reason of at most 1024 bytes, a message of at most 32768 bytes.
 */
export function validateMetaConditions(conditions: unknown, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const seen = new Set<string>();
  list<Record<string, unknown>>(conditions).forEach((c, i) => {
    const p = index(path, i);
    const cond = record<unknown>(c);
    const type = str(cond.type);
    if (!type) errs.push(required(child(p, 'type'), 'must be set'));
    else for (const msg of isQualifiedName(type)) errs.push(invalid(child(p, 'type'), type, msg));
    if (type && seen.has(type)) errs.push(duplicate(child(p, 'type'), type));
    seen.add(type);
    const status = str(cond.status);
    if (!CONDITION_STATUSES.includes(status)) errs.push(notSupported(child(p, 'status'), status, CONDITION_STATUSES));
    errs.push(...nonNegative(cond.observedGeneration, child(p, 'observedGeneration')));
    if (!str(cond.lastTransitionTime)) errs.push(required(child(p, 'lastTransitionTime'), 'must be set'));
    const reason = str(cond.reason);
    if (!reason) errs.push(required(child(p, 'reason'), 'must be set'));
    else {
      if (!CONDITION_REASON.test(reason)) {
        errs.push(invalid(child(p, 'reason'), reason, "a condition reason must start with alphabetic character, optionally followed by a string of alphanumeric characters or '_,:', and must end with an alphanumeric character or '_' (e.g. 'my_name',  or 'MY_NAME',  or 'MyName',  or 'ReasonA,ReasonB',  or 'ReasonA:ReasonB', regex used for validation is '[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?')"));
      }
      if (Buffer.byteLength(reason) > 1024) errs.push(tooLong(child(p, 'reason'), 1024));
    }
    if (Buffer.byteLength(str(cond.message)) > 32768) errs.push(tooLong(child(p, 'message'), 32768));
  });
  return errs;
}
