// RBAC's decisions as pure functions over plain data: does a rule allow a request
// (pkg/apis/rbac/v1/evaluation_helpers.go, rbac.go RuleAllows), does a binding apply to a
// user (rule.go appliesTo), which rules reach a user in a namespace and why a request is
// allowed (DefaultRuleResolver.VisitRulesFor and the RBAC authorizer's reason), do some
// rules cover others (component-helpers validation.Covers) and the escalation error that
// says what is missing (ConfirmNoEscalation), and the rules an aggregated ClusterRole
// must hold (the clusterrole-aggregation controller). Callers back the inputs with watch
// caches; nothing here does I/O.
import { goQuote } from '../../api/errors.js';
import { selectorFromLabelSelector } from '../../api/labels.js';
import type { ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, RoleRef, Subject } from '../../api/types/rbac.js';
import { SERVICE_ACCOUNT_PREFIX, type User } from '../authn/user.js';
import type { RequestAttributes } from '../authz/request-attributes.js';

/** The wildcard of verbs, apiGroups, resources and nonResourceURLs (rbacv1.VerbAll and friends). */
export const ALL = '*';

/** What a request asks to do (authorizer.Attributes); access reviews build one from their spec. */
export type { RequestAttributes } from '../authz/request-attributes.js';

// ---- one rule against one request (evaluation_helpers.go) ----

function verbMatches(rule: PolicyRule, verb: string): boolean {
  return rule.verbs.some((v) => v === ALL || v === verb);
}

function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  return (rule.apiGroups ?? []).some((g) => g === ALL || g === group);
}

function resourceMatches(rule: PolicyRule, combinedResource: string, subresource: string): boolean {
  for (const r of rule.resources ?? []) {
    if (r === ALL || r === combinedResource) return true;
    // "*/scale" matches the scale subresource of every resource.
    if (subresource && r.length === subresource.length + 2 && r.startsWith('*/') && r.endsWith(subresource)) return true;
  }
  return false;
}

function resourceNameMatches(rule: PolicyRule, name: string): boolean {
  const names = rule.resourceNames ?? [];
  return names.length === 0 || names.includes(name);
}

function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  for (const url of rule.nonResourceURLs ?? []) {
    if (url === ALL || url === path) return true;
    // "/apis/*" allows every path under /apis/ (strings.TrimRight drops every trailing "*").
    if (url.endsWith('*') && path.startsWith(url.replace(/\*+$/, ''))) return true;
  }
  return false;
}

/**
 * Whether rule allows the request, exactly as rbac.go's RuleAllows: a resource request
 * matches verb, apiGroup, "resource/subresource" (or "*", or "*\/subresource") and, when
 * the rule names some, the resource name; a non-resource request matches verb and path.
 */
export function ruleAllows(attrs: RequestAttributes, rule: PolicyRule): boolean {
  if (attrs.resourceRequest) {
    const subresource = attrs.subresource ?? '';
    const combined = subresource ? `${attrs.resource ?? ''}/${subresource}` : attrs.resource ?? '';
    return verbMatches(rule, attrs.verb)
      && apiGroupMatches(rule, attrs.apiGroup ?? '')
      && resourceMatches(rule, combined, subresource)
      && resourceNameMatches(rule, attrs.name ?? '');
  }
  return verbMatches(rule, attrs.verb) && nonResourceURLMatches(rule, attrs.path ?? '');
}

/** Whether any of rules allows the request (rbac.go RulesAllow). */
export function rulesAllow(attrs: RequestAttributes, rules: readonly PolicyRule[]): boolean {
  return rules.some((r) => ruleAllows(attrs, r));
}

// ---- who a binding applies to (rule.go appliesTo) ----

function appliesToUser(user: User, subject: Subject, bindingNamespace: string): boolean {
  switch (subject.kind) {
    case 'User':
      return user.name === subject.name;
    case 'Group':
      return user.groups.includes(subject.name);
    case 'ServiceAccount': {
      // A RoleBinding may name a service account of its own namespace without a namespace.
      const ns = subject.namespace || bindingNamespace;
      if (!ns) return false;
      return user.name === `${SERVICE_ACCOUNT_PREFIX}${ns}:${subject.name}`;
    }
    default:
      return false;
  }
}

/** The first subject of a binding that names user (its name, a group, or its service account). */
function applyingSubject(user: User, subjects: readonly Subject[] | undefined, bindingNamespace: string): Subject | undefined {
  return (subjects ?? []).find((s) => appliesToUser(user, s, bindingNamespace));
}

/**
 * Whether any subject names user: a User by name, a Group the user is in, or a
 * ServiceAccount whose user is "system:serviceaccount:<ns>:<name>", where an empty
 * namespace means the binding's own (bindingNamespace is "" for ClusterRoleBindings).
 */
export function appliesTo(user: User, subjects: readonly Subject[] | undefined, bindingNamespace: string): boolean {
  return applyingSubject(user, subjects, bindingNamespace) !== undefined;
}

// ---- which rules reach a user (rule.go DefaultRuleResolver) ----

/**
 * Looks up roles by name, as the authorizer's listers do; undefined when there is none.
 * The lead backs it with the Role and ClusterRole watch caches.
 */
export interface RoleGetter {
  role(namespace: string, name: string): Role | undefined;
  clusterRole(name: string): ClusterRole | undefined;
}

/**
 * The RBAC objects rules are resolved from. roleBindings are those of the namespace
 * asked about (bindings of other namespaces are skipped, so passing all is harmless).
 */
export interface RuleSources {
  clusterRoleBindings: readonly ClusterRoleBinding[];
  roleBindings: readonly RoleBinding[];
  roles: RoleGetter;
}

/**
 * Called with each rule reaching a user and the binding it came from (source, worded as
 * the authorizer's reason words it), or with an error resolving a binding's role (rule
 * and source undefined). Returning false stops the walk.
 */
export type RuleVisitor = (source: string | undefined, rule: PolicyRule | undefined, error: string | undefined) => boolean;

/** The rules of the role a binding refers to, or the error Kubernetes' listers give when it is missing. */
function roleRefRules(ref: RoleRef, bindingNamespace: string, roles: RoleGetter): { rules: readonly PolicyRule[] } | { error: string } {
  switch (ref.kind) {
    case 'Role': {
      const role = roles.role(bindingNamespace, ref.name);
      return role ? { rules: role.rules ?? [] } : { error: `role.rbac.authorization.k8s.io ${goQuote(ref.name)} not found` };
    }
    case 'ClusterRole': {
      const role = roles.clusterRole(ref.name);
      return role ? { rules: role.rules ?? [] } : { error: `clusterrole.rbac.authorization.k8s.io ${goQuote(ref.name)} not found` };
    }
    default:
      return { error: `unsupported role reference kind: ${goQuote(ref.kind)}` };
  }
}

function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === 'ServiceAccount') return `${s.kind} ${goQuote(`${s.name}/${s.namespace || bindingNamespace}`)}`;
  return `${s.kind} ${goQuote(s.name)}`;
}

/**
 * Walks the rules that apply to user in namespace, as VisitRulesFor: first those of every
 * ClusterRoleBinding naming the user, then (when namespace is not "") those of the
 * namespace's RoleBindings naming the user, each with its source.
 */
export function visitRules(user: User, namespace: string, sources: RuleSources, visit: RuleVisitor): void {
  for (const binding of sources.clusterRoleBindings) {
    const subject = applyingSubject(user, binding.subjects, '');
    if (!subject) continue;
    const resolved = roleRefRules(binding.roleRef, '', sources.roles);
    if ('error' in resolved) {
      if (!visit(undefined, undefined, resolved.error)) return;
      continue;
    }
    const source = `ClusterRoleBinding ${goQuote(binding.metadata.name ?? '')} of ${binding.roleRef.kind} ${goQuote(binding.roleRef.name)} to ${describeSubject(subject, '')}`;
    for (const rule of resolved.rules) if (!visit(source, rule, undefined)) return;
  }
  if (!namespace) return;
  for (const binding of sources.roleBindings) {
    if (binding.metadata.namespace && binding.metadata.namespace !== namespace) continue;
    const subject = applyingSubject(user, binding.subjects, namespace);
    if (!subject) continue;
    const resolved = roleRefRules(binding.roleRef, namespace, sources.roles);
    if ('error' in resolved) {
      if (!visit(undefined, undefined, resolved.error)) return;
      continue;
    }
    const bindingNamespace = binding.metadata.namespace ?? namespace;
    const source = `RoleBinding ${goQuote(`${binding.metadata.name ?? ''}/${bindingNamespace}`)} of ${binding.roleRef.kind} ${goQuote(binding.roleRef.name)} to ${describeSubject(subject, bindingNamespace)}`;
    for (const rule of resolved.rules) if (!visit(source, rule, undefined)) return;
  }
}

/**
 * Every rule that applies to user in namespace ("" for cluster scope) and the errors met
 * resolving them (RulesFor). The rules are valid even when errors is not empty: rules
 * only add, so a missing role makes the answer incomplete, never wrong. SelfSubjectRulesReview
 * reports them; the escalation check compares them with the rules being granted.
 */
export function visibleRules(user: User, namespace: string, sources: RuleSources): { rules: PolicyRule[]; errors: string[] } {
  const rules: PolicyRule[] = [];
  const errors: string[] = [];
  visitRules(user, namespace, sources, (_source, rule, error) => {
    if (rule) rules.push(rule);
    if (error) errors.push(error);
    return true;
  });
  return { rules, errors };
}

/**
 * The text of utilerrors.NewAggregate(errors).Error(): "" for none, the one message for
 * one (or for several identical ones), else "[a, b]" without duplicates.
 */
export function aggregateErrors(errors: readonly string[]): string {
  if (errors.length === 0) return '';
  if (errors.length === 1) return errors[0];
  const unique = [...new Set(errors)];
  return unique.length === 1 ? unique[0] : `[${unique.join(', ')}]`;
}

/**
 * The RBAC authorizer's decision: allowed by the first applying rule, with the reason
 * `RBAC: allowed by ClusterRoleBinding "b" of ClusterRole "r" to User "u"`; otherwise not
 * allowed (no opinion), with reason "" or `RBAC: <errors resolving roles>`.
 */
export function authorize(attrs: RequestAttributes, sources: RuleSources): { allowed: boolean; reason: string } {
  let reason = '';
  const errors: string[] = [];
  visitRules(attrs.user, attrs.namespace ?? '', sources, (source, rule, error) => {
    if (rule && ruleAllows(attrs, rule)) {
      reason = `RBAC: allowed by ${source}`;
      return false;
    }
    if (error) errors.push(error);
    return true;
  });
  if (reason) return { allowed: true, reason };
  return { allowed: false, reason: errors.length ? `RBAC: ${aggregateErrors(errors)}` : '' };
}

// ---- do some rules cover others (component-helpers validation/policy_comparator.go) ----

/**
 * Splits a rule into rules of one apiGroup, one resource, one verb and at most one
 * resourceName, and of one nonResourceURL and one verb (BreakdownRule). Each piece is
 * then either wholly covered by one owner rule or not at all.
 */
export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const group of rule.apiGroups ?? []) {
    for (const resource of rule.resources ?? []) {
      for (const verb of rule.verbs) {
        const names = rule.resourceNames ?? [];
        if (names.length > 0) {
          for (const name of names) out.push({ verbs: [verb], apiGroups: [group], resources: [resource], resourceNames: [name] });
        } else {
          out.push({ verbs: [verb], apiGroups: [group], resources: [resource] });
        }
      }
    }
  }
  for (const url of rule.nonResourceURLs ?? []) {
    for (const verb of rule.verbs) out.push({ verbs: [verb], nonResourceURLs: [url] });
  }
  return out;
}

const hasAll = (set: readonly string[], wanted: readonly string[]): boolean => wanted.every((w) => set.includes(w));

function resourceCoversAll(owner: readonly string[], wanted: readonly string[]): boolean {
  if (owner.includes(ALL) || hasAll(owner, wanted)) return true;
  for (const path of wanted) {
    if (owner.includes(path)) continue;
    // "pods/log" is covered by "*/log"; a plain resource only by itself or "*".
    const slash = path.indexOf('/');
    if (slash < 0) return false;
    if (!owner.includes(`*/${path.slice(slash + 1)}`)) return false;
  }
  return true;
}

function nonResourceURLCovers(owner: string, path: string): boolean {
  if (owner === path) return true;
  return owner.endsWith('*') && path.startsWith(owner.replace(/\*+$/, ''));
}

/** Whether ownerRule covers subRule, which has at most one verb, group, resource and name (ruleCovers). */
function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const verbs = owner.verbs.includes(ALL) || hasAll(owner.verbs, sub.verbs);
  const groups = (owner.apiGroups ?? []).includes(ALL) || hasAll(owner.apiGroups ?? [], sub.apiGroups ?? []);
  const resources = resourceCoversAll(owner.resources ?? [], sub.resources ?? []);
  const urls = (sub.nonResourceURLs ?? []).every((p) => (owner.nonResourceURLs ?? []).some((o) => nonResourceURLCovers(o, p)));
  const ownerNames = owner.resourceNames ?? [];
  const subNames = sub.resourceNames ?? [];
  // An owner limited to names covers only requests for those names.
  const names = subNames.length === 0 ? ownerNames.length === 0 : ownerNames.length === 0 || hasAll(ownerNames, subNames);
  return verbs && groups && resources && names && urls;
}

/**
 * Whether ownerRules allow everything servantRules allow (validation.Covers), and the
 * broken-down pieces of servantRules they do not. A user may grant a role only when its
 * own rules cover the role's.
 */
export function coveringRules(ownerRules: readonly PolicyRule[], servantRules: readonly PolicyRule[]): { covers: boolean; uncovered: PolicyRule[] } {
  const uncovered: PolicyRule[] = [];
  for (const servant of servantRules) {
    for (const sub of breakdownRule(servant)) {
      if (!ownerRules.some((owner) => ruleCovers(owner, sub))) uncovered.push(sub);
    }
  }
  return { covers: uncovered.length === 0, uncovered };
}

// ---- the escalation error (pkg/registry/rbac/validation rule.go, policy_compact.go) ----

const nonEmpty = (a: readonly string[] | undefined): a is readonly string[] => a !== undefined && a.length > 0;

/**
 * Merges rules of one apiGroup, one resource and at most one resourceName that differ
 * only in verbs (CompactRules), as the broken-down output of coveringRules is; other rules
 * pass unchanged. Merged rules come after the others.
 */
export function compactRules(rules: readonly PolicyRule[]): PolicyRule[] {
  const compacted: PolicyRule[] = [];
  const simple = new Map<string, PolicyRule>();
  for (const rule of rules) {
    const isSimple = (rule.resourceNames ?? []).length <= 1 && !nonEmpty(rule.nonResourceURLs)
      && (rule.apiGroups ?? []).length === 1 && (rule.resources ?? []).length === 1;
    if (!isSimple) {
      compacted.push(rule);
      continue;
    }
    const name = rule.resourceNames?.[0];
    const key = JSON.stringify([rule.apiGroups?.[0], rule.resources?.[0], name !== undefined, name ?? '']);
    const existing = simple.get(key);
    if (existing) existing.verbs.push(...rule.verbs);
    else simple.set(key, structuredClone(rule));
  }
  return [...compacted, ...simple.values()];
}

/** Go's %q of a []string: ["a" "b"]. */
const goQuoteList = (items: readonly string[] | undefined): string => `[${(items ?? []).map(goQuote).join(' ')}]`;

/**
 * A rule as escalation errors print it (rbacv1helpers.CompactString):
 * {APIGroups:["apps"], Resources:["deployments"], Verbs:["create"]}, empty fields left out.
 */
export function compactString(rule: PolicyRule): string {
  const parts: string[] = [];
  if (nonEmpty(rule.apiGroups)) parts.push(`APIGroups:${goQuoteList(rule.apiGroups)}`);
  if (nonEmpty(rule.resources)) parts.push(`Resources:${goQuoteList(rule.resources)}`);
  if (nonEmpty(rule.nonResourceURLs)) parts.push(`NonResourceURLs:${goQuoteList(rule.nonResourceURLs)}`);
  if (nonEmpty(rule.resourceNames)) parts.push(`ResourceNames:${goQuoteList(rule.resourceNames)}`);
  if (nonEmpty(rule.verbs)) parts.push(`Verbs:${goQuoteList(rule.verbs)}`);
  return `{${parts.join(', ')}}`;
}

const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * ConfirmNoEscalation's error text for a user granting rules it does not hold:
 *
 *   user "x" (groups=["a" "b"]) is attempting to grant RBAC permissions not currently held:
 *   {APIGroups:["apps"], Resources:["deployments"], Verbs:["create"]}
 *
 * uncovered is coveringRules' output; it is compacted, printed one rule a line, sorted and
 * deduplicated. resolutionErrors (visibleRules' errors) are appended as Kubernetes does.
 */
export function escalationMessage(user: Pick<User, 'name' | 'groups'>, uncovered: readonly PolicyRule[], resolutionErrors: readonly string[] = []): string {
  const lines = [...new Set(compactRules(uncovered).map(compactString))].sort(compareStrings);
  let msg = `user ${goQuote(user.name)} (groups=${goQuoteList(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${lines.join('\n')}`;
  // Kubernetes prints a []error holding the one aggregate of RulesFor's errors: "[...]".
  if (resolutionErrors.length > 0) msg += `; resolution errors: [${aggregateErrors(resolutionErrors)}]`;
  return msg;
}

/**
 * The escalation check of Role, ClusterRole and binding writes (ConfirmNoEscalation):
 * undefined when the rules user holds in namespace cover rules, else the error message.
 */
export function confirmNoEscalation(user: User, namespace: string, sources: RuleSources, rules: readonly PolicyRule[]): string | undefined {
  const owner = visibleRules(user, namespace, sources);
  const { covers, uncovered } = coveringRules(owner.rules, rules);
  return covers ? undefined : escalationMessage(user, uncovered, owner.errors);
}

// ---- aggregation (pkg/controller/clusterroleaggregation) ----

/** Semantic equality of arrays: nil and empty are equal, order counts. */
function sameStrings(a: readonly string[] | null | undefined, b: readonly string[] | null | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** Whether two rules are equal as equality.Semantic.DeepEqual sees them (missing and empty lists alike). */
export function ruleEqual(a: PolicyRule, b: PolicyRule): boolean {
  return sameStrings(a.verbs, b.verbs) && sameStrings(a.apiGroups, b.apiGroups) && sameStrings(a.resources, b.resources)
    && sameStrings(a.resourceNames, b.resourceNames) && sameStrings(a.nonResourceURLs, b.nonResourceURLs);
}

/** Whether two rule lists are equal in order (the controller skips the write when they are). */
export function rulesEqual(a: readonly PolicyRule[] | null | undefined, b: readonly PolicyRule[] | null | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((r, i) => ruleEqual(r, y[i]));
}

/**
 * The rules an aggregated ClusterRole must hold (syncClusterRole): for each selector of
 * its aggregationRule in turn, the rules of every other ClusterRole it selects, taken in
 * name order, each rule once. A role without an aggregationRule keeps its own rules.
 * Throws a 400 StatusError for an invalid selector, as the controller fails the sync.
 */
export function aggregate(target: ClusterRole, all: readonly ClusterRole[]): PolicyRule[] {
  if (!target.aggregationRule) return [...(target.rules ?? [])];
  const rules: PolicyRule[] = [];
  const byName = [...all].sort((a, b) => compareStrings(a.metadata.name ?? '', b.metadata.name ?? ''));
  for (const selector of target.aggregationRule.clusterRoleSelectors ?? []) {
    const matcher = selectorFromLabelSelector(selector);
    for (const role of byName) {
      if (role.metadata.name === target.metadata.name || !matcher.matches(role.metadata.labels)) continue;
      for (const rule of role.rules ?? []) {
        if (!rules.some((r) => ruleEqual(r, rule))) rules.push(rule);
      }
    }
  }
  return rules;
}
