// RBAC rules as kubectl shows them (`auth can-i --list`, the Role describer): each rule
// broken down to one verb, resource and name, the simple ones put back together by
// resource (kubectl/pkg/util/rbac: BreakdownRule, CompactRules), sorted by the rule's Go
// String() form, and printed as `Resources  Non-Resource URLs  Resource Names  Verbs`.
import type { PolicyRule } from '../api/types/rbac.js';

/** One rule per verb × group × resource × name, and per verb × non-resource URL. */
export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const group of rule.apiGroups ?? []) {
    for (const resource of rule.resources ?? []) {
      for (const verb of rule.verbs ?? []) {
        if (rule.resourceNames?.length) {
          for (const name of rule.resourceNames) out.push({ apiGroups: [group], resources: [resource], verbs: [verb], resourceNames: [name] });
        } else out.push({ apiGroups: [group], resources: [resource], verbs: [verb] });
      }
    }
  }
  for (const url of rule.nonResourceURLs ?? []) {
    for (const verb of rule.verbs ?? []) out.push({ nonResourceURLs: [url], verbs: [verb] });
  }
  return out;
}

/** The key of a rule with one group, one resource and at most one name (isSimpleResourceRule), else undefined. */
function simpleKey(rule: PolicyRule): string | undefined {
  if ((rule.resourceNames?.length ?? 0) > 1 || (rule.nonResourceURLs?.length ?? 0) > 0) return undefined;
  if (rule.apiGroups?.length !== 1 || rule.resources?.length !== 1) return undefined;
  return JSON.stringify([rule.apiGroups[0], rule.resources[0], rule.resourceNames?.length ? rule.resourceNames[0] : null]);
}

/** Simple rules that differ only by verb become one rule with all their verbs, after the others. */
export function compactRules(rules: readonly PolicyRule[]): PolicyRule[] {
  const compacted: PolicyRule[] = [];
  const simple = new Map<string, PolicyRule>();
  for (const rule of rules) {
    const key = simpleKey(rule);
    const existing = key === undefined ? undefined : simple.get(key);
    if (key === undefined) compacted.push(rule);
    else if (existing) existing.verbs = [...existing.verbs, ...rule.verbs];
    else simple.set(key, structuredClone(rule));
  }
  return [...compacted, ...simple.values()];
}

const goList = (xs: readonly string[] | undefined): string => `[${(xs ?? []).join(' ')}]`;

/** The generated Go String() of rbacv1.PolicyRule, kubectl's sort key (SortableRuleSlice). */
export function ruleString(r: PolicyRule): string {
  return `&PolicyRule{Verbs:${goList(r.verbs)},APIGroups:${goList(r.apiGroups)},Resources:${goList(r.resources)},ResourceNames:${goList(r.resourceNames)},NonResourceURLs:${goList(r.nonResourceURLs)},}`;
}

/** describe.CombineResourceGroup: `resource.group[/subresource]` of the rule's first resource and group. */
export function combineResourceGroup(resources: readonly string[] | undefined, groups: readonly string[] | undefined): string {
  if (!resources?.length) return '';
  const [base, sub] = splitOnce(resources[0]!, '/');
  let s = base;
  if (groups?.length && groups[0] !== '') s += `.${groups[0]}`;
  if (sub !== undefined) s += `/${sub}`;
  return s;
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

/** Rules broken down, compacted and sorted as kubectl prints them. */
export function displayRules(rules: readonly PolicyRule[]): PolicyRule[] {
  const keyed = compactRules(rules.flatMap(breakdownRule)).map((r) => ({ r, k: ruleString(r) }));
  // A stable sort by byte order of the Go string (all ASCII: code unit order is byte order).
  keyed.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  return keyed.map((x) => x.r);
}

/** The tab-separated cells of one printed rule: resources, non-resource URLs, names, verbs. */
export function ruleCells(r: PolicyRule): string[] {
  return [combineResourceGroup(r.resources, r.apiGroups), goList(r.nonResourceURLs), goList(r.resourceNames), goList(r.verbs)];
}
