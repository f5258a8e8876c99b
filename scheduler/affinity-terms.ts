// A pod's inter-pod (anti-)affinity terms compiled once: label selectors parsed into
// matchers, namespaces resolved (kube-scheduler framework/types.go AffinityTerm,
// WeightedAffinityTerm, getPodAffinityTerms/getPodAntiAffinityTerms, newAffinityTerm).
// Computed when a PodInfo is made, so the pods already placed on nodes are never parsed
// again by InterPodAffinity's PreFilter and PreScore. Pods without podAffinity or
// podAntiAffinity get no object at all.
import { nothing, selectorFromLabelSelector, type LabelSelectorMatcher } from '../api/labels.js';
import type { Pod, PodAffinityTerm, WeightedPodAffinityTerm } from '../api/types/core.js';

/**
 * One PodAffinityTerm, compiled. A pod matches when it is in `namespaces` or its
 * namespace's labels match `namespaceSelector`, and its labels match `selector`.
 */
export interface AffinityTerm {
  readonly namespaces: ReadonlySet<string>;
  readonly selector: LabelSelectorMatcher;
  readonly topologyKey: string;
  readonly namespaceSelector: LabelSelectorMatcher;
}

export interface WeightedAffinityTerm extends AffinityTerm {
  readonly weight: number;
}

/** A pod's four lists of terms; `parseError` is set when a selector could not be parsed. */
export interface PodAffinityInfo {
  readonly requiredAffinityTerms: readonly AffinityTerm[];
  readonly requiredAntiAffinityTerms: readonly AffinityTerm[];
  readonly preferredAffinityTerms: readonly WeightedAffinityTerm[];
  readonly preferredAntiAffinityTerms: readonly WeightedAffinityTerm[];
  readonly parseError?: string;
}

/**
 * kube-scheduler AffinityTerm.Matches: `pod` (with `nsLabels`, its namespace's labels)
 * is selected by `term`.
 */
export function termMatches(term: AffinityTerm, pod: Pod, nsLabels: Readonly<Record<string, string>> | undefined): boolean {
  if (term.namespaces.has(pod.metadata.namespace ?? '') || term.namespaceSelector.matches(nsLabels)) {
    return term.selector.matches(pod.metadata.labels);
  }
  return false;
}

/** kube-scheduler podMatchesAllAffinityTerms: false for no terms. Incoming pods' terms only (namespace selectors already merged). */
export function podMatchesAllAffinityTerms(terms: readonly AffinityTerm[], pod: Pod): boolean {
  if (terms.length === 0) return false;
  for (const t of terms) if (!termMatches(t, pod, undefined)) return false;
  return true;
}

/**
 * kube-scheduler newAffinityTerm: no `namespaces` and no `namespaceSelector` means the
 * pod's own namespace; a missing namespaceSelector selects no namespace, `{}` every one.
 */
function compileTerm(pod: Pod, term: PodAffinityTerm): AffinityTerm {
  const namespaces = new Set<string>(term.namespaces?.length || term.namespaceSelector ? term.namespaces ?? [] : [pod.metadata.namespace ?? '']);
  return {
    namespaces,
    selector: selectorFromLabelSelector(term.labelSelector),
    topologyKey: term.topologyKey ?? '',
    namespaceSelector: term.namespaceSelector ? selectorFromLabelSelector(term.namespaceSelector) : nothing(),
  };
}

/**
 * The pod's compiled terms, or undefined when it has neither podAffinity nor
 * podAntiAffinity (kube-scheduler's podWithAffinity). A term whose selector does not
 * parse ends its list and is reported in `parseError` (PreFilter rejects such an incoming
 * pod; an existing pod just has fewer terms). The apiserver's validation keeps such pods out.
 */
export function podAffinityInfoOf(pod: Pod): PodAffinityInfo | undefined {
  const a = pod.spec?.affinity;
  if (!a || (!a.podAffinity && !a.podAntiAffinity)) return undefined;
  const errors: string[] = [];
  // As NewPodInfo: the first bad term of each list is reported, prefixed with the list's name.
  const compileAll = <T, R>(list: string, terms: T[] | undefined, compile: (t: T) => R): R[] => {
    const out: R[] = [];
    for (const t of terms ?? []) {
      try {
        out.push(compile(t));
      } catch (err) {
        errors.push(`${list}: ${err instanceof Error ? err.message : String(err)}`);
        return out;
      }
    }
    return out;
  };
  const weighted = (t: WeightedPodAffinityTerm): WeightedAffinityTerm => ({ ...compileTerm(pod, t.podAffinityTerm), weight: t.weight });
  const info: PodAffinityInfo = {
    requiredAffinityTerms: compileAll('requiredAffinityTerms', a.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution, (t) => compileTerm(pod, t)),
    requiredAntiAffinityTerms: compileAll('requiredAntiAffinityTerms', a.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution, (t) => compileTerm(pod, t)),
    preferredAffinityTerms: compileAll('preferredAffinityTerms', a.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution, weighted),
    preferredAntiAffinityTerms: compileAll('preferredAntiAffinityTerms', a.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution, weighted),
  };
  // utilerrors.Aggregate's wording: one error alone, several in brackets.
  if (errors.length === 0) return info;
  return { ...info, parseError: errors.length === 1 ? errors[0] : `[${errors.join(', ')}]` };
}
