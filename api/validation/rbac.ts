// rbac.authorization.k8s.io/v1 Roles, ClusterRoles, RoleBindings and ClusterRoleBindings
// (Kubernetes' pkg/apis/rbac/validation/validation.go). Run on defaulted objects: a
// subject's apiGroup and a roleRef's apiGroup are filled in by then (api/defaults.ts).
import { goQuote } from '../errors.js';
import { selectorFromLabelSelector } from '../labels.js';
import type { ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, RoleRef, Subject } from '../types/rbac.js';
import { RBAC_GROUP } from '../types/rbac.js';
import type { LabelSelector, LabelSelectorRequirement, ObjectMeta } from '../types/meta.js';
import {
  child, type FieldCause, index, invalid, list, notSupported, Raw, record, required, str,
} from './field.js';
import { validateLabelSelector, validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { isValidLabelValue, isValidPathSegmentName, nameIsDNSSubdomain, type NameValidator } from './names.js';

/**
 * Role and binding names, and roleRef.name: anything usable as one URL path segment
 * (ValidateRBACName), not a DNS subdomain, so "system:controller:foo" is a valid name.
 * generateName gets no trailing-dash masking: the rule has none to mask.
 */
export const validateRBACName: NameValidator = (name) => isValidPathSegmentName(name);

// ---------------------------------------------------------------- roles

/**
 * One rule (ValidatePolicyRule): verbs are required; a rule names either non-resource
 * URLs (cluster roles only) or API groups and resources, never both.
 */
export function validatePolicyRule(rule: PolicyRule, namespaced: boolean, path: string): FieldCause[] {
  const r = record<unknown>(rule);
  const verbs = list<string>(r.verbs);
  const apiGroups = list<string>(r.apiGroups);
  const resources = list<string>(r.resources);
  const resourceNames = list<string>(r.resourceNames);
  const urls = list<string>(r.nonResourceURLs);
  const errs: FieldCause[] = [];
  if (verbs.length === 0) errs.push(required(child(path, 'verbs'), 'verbs must contain at least one value'));
  if (urls.length > 0) {
    if (namespaced) errs.push(invalid(child(path, 'nonResourceURLs'), urls, 'namespaced rules cannot apply to non-resource URLs'));
    if (apiGroups.length > 0 || resources.length > 0 || resourceNames.length > 0) {
      errs.push(invalid(child(path, 'nonResourceURLs'), urls, 'rules cannot apply to both regular resources and non-resource URLs'));
    }
    return errs;
  }
  if (apiGroups.length === 0) errs.push(required(child(path, 'apiGroups'), 'resource rules must supply at least one api group'));
  if (resources.length === 0) errs.push(required(child(path, 'resources'), 'resource rules must supply at least one resource'));
  return errs;
}

const validateRules = (rules: unknown, namespaced: boolean): FieldCause[] =>
  list<PolicyRule>(rules).flatMap((rule, i) => validatePolicyRule(rule, namespaced, index('rules', i)));

/** A role being created: a path-segment name in a namespace, and valid rules. */
export function validateRoleCreate(role: Role): FieldCause[] {
  return [...validateObjectMeta(role.metadata, { namespaced: true, nameFn: validateRBACName }), ...validateRules(role.rules, true)];
}

/** A role being updated: the create rules, then the metadata update rules. */
export function validateRoleUpdate(role: Role, old: Role): FieldCause[] {
  return [...validateRoleCreate(role), ...validateObjectMetaUpdate(role.metadata, old.metadata)];
}

/** Options of ValidateClusterRole (ClusterRoleValidationOptions). */
export interface ClusterRoleValidationOptions {
  /**
   * Let matchExpressions values that are not valid label values through, so a stored
   * cluster role from before the rule tightened can still be updated.
   */
  allowInvalidLabelValueInSelector?: boolean;
}

function validateAggregationRule(role: ClusterRole, opts: ClusterRoleValidationOptions): FieldCause[] {
  if (role.aggregationRule === undefined || role.aggregationRule === null) return [];
  const path = 'aggregationRule.clusterRoleSelectors';
  const selectors = list<LabelSelector>(record<unknown>(role.aggregationRule).clusterRoleSelectors);
  const errs: FieldCause[] = [];
  if (selectors.length === 0) errs.push(required(path, 'at least one clusterRoleSelector required if aggregationRule is non-nil'));
  selectors.forEach((selector, i) => {
    const p = index(path, i);
    let selectorErrs = validateLabelSelector(record<unknown>(selector) as LabelSelector, p);
    if (opts.allowInvalidLabelValueInSelector) {
      const values = new RegExp(`^${escapeRegExp(child(p, 'matchExpressions'))}\\[\\d+\\]\\.values\\[\\d+\\]$`);
      selectorErrs = selectorErrs.filter((e) => !values.test(e.field));
    }
    errs.push(...selectorErrs);
    try {
      selectorFromLabelSelector(record<unknown>(selector) as LabelSelector);
    } catch {
      // Go reports the nil selector LabelSelectorAsSelector returned, which prints as "null".
      errs.push(invalid(p, 'null', 'invalid label selector.'));
    }
  });
  return errs;
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Whether a stored cluster role has matchExpressions values that are not valid label values. */
export function hasInvalidLabelValueInSelector(role: ClusterRole): boolean {
  return list<LabelSelector>(record<unknown>(role.aggregationRule).clusterRoleSelectors).some((selector) =>
    list<LabelSelectorRequirement>(record<unknown>(selector).matchExpressions).some((expr) =>
      list<unknown>(record<unknown>(expr).values).some((v) => isValidLabelValue(str(v)).length > 0)));
}

/** A cluster role being created: a path-segment name, rules that may name URLs, and its aggregation rule. */
export function validateClusterRoleCreate(role: ClusterRole, opts: ClusterRoleValidationOptions = {}): FieldCause[] {
  return [
    ...validateObjectMeta(role.metadata, { namespaced: false, nameFn: validateRBACName }),
    ...validateRules(role.rules, false),
    ...validateAggregationRule(role, opts),
  ];
}

/**
 * A cluster role being updated: the create rules (invalid selector values tolerated when
 * the stored role already had them, as the cluster role strategy does), then metadata.
 */
export function validateClusterRoleUpdate(role: ClusterRole, old: ClusterRole): FieldCause[] {
  const opts = { allowInvalidLabelValueInSelector: hasInvalidLabelValueInSelector(old) };
  return [...validateClusterRoleCreate(role, opts), ...validateObjectMetaUpdate(role.metadata, old.metadata)];
}

// ---------------------------------------------------------------- bindings

const SUBJECT_KINDS = ['ServiceAccount', 'User', 'Group'];

/**
 * One subject (ValidateRoleBindingSubject). A ServiceAccount subject has a DNS-subdomain
 * name, the core group ("") and, in a ClusterRoleBinding, a namespace; Users and Groups
 * belong to rbac.authorization.k8s.io.
 */
export function validateSubject(subject: Subject, namespaced: boolean, path: string): FieldCause[] {
  const s = record<unknown>(subject);
  const name = str(s.name);
  const apiGroup = str(s.apiGroup);
  const kind = str(s.kind);
  const errs: FieldCause[] = [];
  if (!name) errs.push(required(child(path, 'name')));
  switch (kind) {
    case 'ServiceAccount':
      if (name) for (const msg of nameIsDNSSubdomain(name, false)) errs.push(invalid(child(path, 'name'), name, msg));
      if (apiGroup) errs.push(notSupported(child(path, 'apiGroup'), apiGroup, ['']));
      if (!namespaced && !str(s.namespace)) errs.push(required(child(path, 'namespace')));
      break;
    case 'User':
    case 'Group':
      if (apiGroup !== RBAC_GROUP) errs.push(notSupported(child(path, 'apiGroup'), apiGroup, [RBAC_GROUP]));
      break;
    default:
      errs.push(notSupported(child(path, 'kind'), kind, SUBJECT_KINDS));
  }
  return errs;
}

/** roleRef and subjects of a binding; clusterScoped bindings may only grant ClusterRoles. */
function validateBinding(roleRef: RoleRef | undefined, subjects: unknown, clusterScoped: boolean): FieldCause[] {
  const ref = record<unknown>(roleRef);
  const errs: FieldCause[] = [];
  const apiGroup = str(ref.apiGroup);
  if (apiGroup !== RBAC_GROUP) errs.push(notSupported('roleRef.apiGroup', apiGroup, [RBAC_GROUP]));
  const kinds = clusterScoped ? ['ClusterRole'] : ['Role', 'ClusterRole'];
  const kind = str(ref.kind);
  if (!kinds.includes(kind)) errs.push(notSupported('roleRef.kind', kind, kinds));
  const name = str(ref.name);
  if (!name) errs.push(required('roleRef.name'));
  else for (const msg of validateRBACName(name, false)) errs.push(invalid('roleRef.name', name, msg));
  list<Subject>(subjects).forEach((subject, i) => errs.push(...validateSubject(subject, !clusterScoped, index('subjects', i))));
  return errs;
}

/** The Go %#v of the internal rbac.RoleRef, as "cannot change roleRef" shows it. */
function roleRefValue(roleRef: RoleRef | undefined): Raw {
  const r = record<unknown>(roleRef);
  return new Raw(`rbac.RoleRef{APIGroup:${goQuote(str(r.apiGroup))}, Kind:${goQuote(str(r.kind))}, Name:${goQuote(str(r.name))}}`);
}

/** roleRef cannot change: a binding is deleted and recreated to grant another role. */
function validateRoleRefUnchanged(roleRef: RoleRef | undefined, old: RoleRef | undefined): FieldCause[] {
  const a = record<unknown>(roleRef);
  const b = record<unknown>(old);
  const same = (['apiGroup', 'kind', 'name'] as const).every((k) => str(a[k]) === str(b[k]));
  return same ? [] : [invalid('roleRef', roleRefValue(roleRef), 'cannot change roleRef')];
}

const bindingMeta = (meta: ObjectMeta | undefined, namespaced: boolean): FieldCause[] =>
  validateObjectMeta(meta, { namespaced, nameFn: validateRBACName });

/** A role binding being created: a path-segment name, a Role or ClusterRole, valid subjects. */
export function validateRoleBindingCreate(rb: RoleBinding): FieldCause[] {
  return [...bindingMeta(rb.metadata, true), ...validateBinding(rb.roleRef, rb.subjects, false)];
}

/** A role binding being updated: the create rules, metadata, and an unchanged roleRef. */
export function validateRoleBindingUpdate(rb: RoleBinding, old: RoleBinding): FieldCause[] {
  return [...validateRoleBindingCreate(rb), ...validateObjectMetaUpdate(rb.metadata, old.metadata), ...validateRoleRefUnchanged(rb.roleRef, old.roleRef)];
}

/** A cluster role binding being created: a path-segment name, a ClusterRole, subjects with namespaces. */
export function validateClusterRoleBindingCreate(crb: ClusterRoleBinding): FieldCause[] {
  return [...bindingMeta(crb.metadata, false), ...validateBinding(crb.roleRef, crb.subjects, true)];
}

/** A cluster role binding being updated: the create rules, metadata, and an unchanged roleRef. */
export function validateClusterRoleBindingUpdate(crb: ClusterRoleBinding, old: ClusterRoleBinding): FieldCause[] {
  return [
    ...validateClusterRoleBindingCreate(crb), ...validateObjectMetaUpdate(crb.metadata, old.metadata), ...validateRoleRefUnchanged(crb.roleRef, old.roleRef),
  ];
}
