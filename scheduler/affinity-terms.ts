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
 * parse is left out and reported in `parseError` (PreFilter rejects such an incoming pod;
 * an existing pod just has fewer terms).
 */
export function podAffinityInfoOf(pod: Pod): PodAffinityInfo | undefined {
  const a = pod.spec?.affinity;
  if (!a || (!a.podAffinity && !a.podAntiAffinity)) return undefined;
  const errors: string[] = [];
  const required = (terms: PodAffinityTerm[] | undefined): AffinityTerm[] => {
    const out: AffinityTerm[] = [];
    for (const t of terms ?? []) {
      try {
        out.push(compileTerm(pod, t));
      } catch (err) {
        errors.push(err instanceof Error ? err.message : String(err));
      }
    }
    return out;
  };
  const preferred = (terms: WeightedPodAffinityTerm[] | undefined): WeightedAffinityTerm[] => {
    const out: WeightedAffinityTerm[] = [];
    for (const t of terms ?? []) {
      try {
        out.push({ ...compileTerm(pod, t.podAffinityTerm), weight: t.weight });
      } catch (err) {
        errors.push(err instanceof Error ? err.message : String(err));
      }
    }
    return out;
  };
  const info: PodAffinityInfo = {
    requiredAffinityTerms: required(a.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution),
    requiredAntiAffinityTerms: required(a.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution),
    preferredAffinityTerms: preferred(a.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution),
    preferredAntiAffinityTerms: preferred(a.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution),
  };
  return errors.length > 0 ? { ...info, parseError: errors.join(', ') } : info;
}
