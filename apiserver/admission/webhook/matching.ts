// Which webhooks a request goes to, as kube-apiserver's generic webhook plugin decides
// (admission/plugin/webhook/predicates: rules, namespace and object selectors): pure
// functions of the request's attributes, the webhook and the namespace's labels.
import { everything, selectorFromLabelSelector, type LabelSelectorMatcher } from '../../../api/labels.js';
import type { RuleWithOperations, WebhookCommon } from '../../../api/types/admissionregistration.js';
import type { KubeObject } from '../../../api/types/meta.js';
import type { Operation } from '../chain.js';

/** What matching looks at of a request. */
export interface MatchAttributes {
  operation: Operation;
  group: string;
  version: string;
  resource: string;
  subresource: string;
  /** For a request on a namespace itself, its name (as Kubernetes' attributes carry it); '' for other cluster-scoped objects. */
  namespace: string;
  object?: KubeObject;
  oldObject?: KubeObject;
}

/** The admissionregistration resources webhooks are never called for, so a broken webhook can always be removed. */
const EXEMPT = new Set(['validatingwebhookconfigurations', 'mutatingwebhookconfigurations', 'validatingadmissionpolicies', 'validatingadmissionpolicybindings', 'mutatingadmissionpolicies', 'mutatingadmissionpolicybindings']);

/** rules.IsExemptAdmissionConfigurationResource. */
export function isExemptResource(group: string, resource: string): boolean {
  return group === 'admissionregistration.k8s.io' && EXEMPT.has(resource);
}

const exactOrWildcard = (items: readonly string[] | undefined, requested: string): boolean =>
  (items ?? []).some((i) => i === '*' || i === requested);

const isNamespaceResource = (a: MatchAttributes): boolean => a.group === '' && a.version === 'v1' && a.resource === 'namespaces';

/** rules.Matcher.Matches: scope, operation, group, version and resource (with subresource). */
export function ruleMatches(rule: RuleWithOperations, a: MatchAttributes): boolean {
  return scopeMatches(rule, a) && operationMatches(rule, a) && exactOrWildcard(rule.apiGroups, a.group)
    && exactOrWildcard(rule.apiVersions, a.version) && resourceMatches(rule, a);
}

function scopeMatches(rule: RuleWithOperations, a: MatchAttributes): boolean {
  switch (rule.scope ?? '*') {
    case '*': return true;
    // A namespace object is cluster-scoped, though its attributes carry its name as namespace.
    case 'Namespaced': return !isNamespaceResource(a) && a.namespace !== '';
    case 'Cluster': return isNamespaceResource(a) || a.namespace === '';
    default: return false;
  }
}

function operationMatches(rule: RuleWithOperations, a: MatchAttributes): boolean {
  return (rule.operations ?? []).some((op) => op === '*' || op === a.operation);
}

function resourceMatches(rule: RuleWithOperations, a: MatchAttributes): boolean {
  for (const resSub of rule.resources ?? []) {
    const slash = resSub.indexOf('/');
    const res = slash < 0 ? resSub : resSub.slice(0, slash);
    const sub = slash < 0 ? '' : resSub.slice(slash + 1);
    if ((res === '*' || res === a.resource) && (sub === '*' || sub === a.subresource)) return true;
  }
  return false;
}

/** Parsed selectors, kept per webhook object (configurations are replaced, never changed, in the cache). */
const parsed = new WeakMap<object, { ns: LabelSelectorMatcher; obj: LabelSelectorMatcher }>();

function selectorsOf(hook: WebhookCommon): { ns: LabelSelectorMatcher; obj: LabelSelectorMatcher } {
  let s = parsed.get(hook);
  if (!s) {
    // Stored configurations passed validation; a selector that still does not parse selects everything it would have.
    const parse = (sel: WebhookCommon['namespaceSelector']): LabelSelectorMatcher => {
      if (!sel) return everything();
      try { return selectorFromLabelSelector(sel); } catch { return everything(); }
    };
    s = { ns: parse(hook.namespaceSelector), obj: parse(hook.objectSelector) };
    parsed.set(hook, s);
  }
  return s;
}

/**
 * namespace.Matcher.MatchNamespaceSelector: requests on cluster-scoped objects other than
 * namespaces always match; a namespace's own create and update are matched on the
 * namespace's new labels; everything else on the labels of the namespace it is in.
 * namespaceLabels is called only when the selector is not empty; it throws NotFound
 * when the namespace does not exist.
 */
export async function namespaceMatches(hook: WebhookCommon, a: MatchAttributes,
  namespaceLabels: (name: string) => Promise<Record<string, string> | undefined>): Promise<boolean> {
  if (a.namespace === '' && !isNamespaceResource(a)) return true;
  const { ns } = selectorsOf(hook);
  if (ns.empty()) return true;
  let labels: Record<string, string> | undefined;
  if (isNamespaceResource(a) && a.subresource === '' && (a.operation === 'CREATE' || a.operation === 'UPDATE')) labels = a.object?.metadata.labels;
  else labels = await namespaceLabels(a.namespace);
  return ns.matches(labels ?? {});
}

/** object.Matcher.MatchObjectSelector: the new or the old object's labels match. */
export function objectMatches(hook: WebhookCommon, a: MatchAttributes): boolean {
  const { obj } = selectorsOf(hook);
  if (obj.empty()) return true;
  const matches = (o: KubeObject | undefined): boolean => !!o && typeof o.metadata === 'object' && o.metadata !== null && obj.matches(o.metadata.labels ?? {});
  return matches(a.object) || matches(a.oldObject);
}

/** True when one of the webhook's rules matches the request. */
export function rulesMatch(hook: WebhookCommon, a: MatchAttributes): boolean {
  return (hook.rules ?? []).some((r) => ruleMatches(r, a));
}
