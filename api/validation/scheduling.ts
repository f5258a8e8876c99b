// Scheduling constraints: node and pod affinity, tolerations, taints, topology
// spread (core's validateAffinity, ValidateTolerations, validateNodeTaints).
import type {
  Affinity, NodeSelector, NodeSelectorRequirement, NodeSelectorTerm, PodAffinityTerm, PreferredSchedulingTerm, Taint,
  Toleration, TopologySpreadConstraint, WeightedPodAffinityTerm,
} from '../types/core.js';
import type { LabelSelector } from '../types/meta.js';
import {
  child, duplicate, type FieldCause, forbidden, index, invalid, list, notSupported, record, required, str,
} from './field.js';
import { validateLabelName, validateLabelSelector } from './meta.js';
import { isValidLabelValue, nameIsDNSLabel, nameIsDNSSubdomain } from './names.js';

const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** A taint or toleration effect; empty is allowed only for tolerations (any effect). */
export function validateTaintEffect(effect: unknown, allowEmpty: boolean, path: string): FieldCause[] {
  const e = str(effect);
  if (!allowEmpty && !e) return [required(path)];
  return TAINT_EFFECTS.includes(e) ? [] : [notSupported(path, effect ?? '', TAINT_EFFECTS)];
}

function validateNodeSelectorRequirement(rq: NodeSelectorRequirement, checkValues: boolean, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const values = list<string>(rq?.values);
  switch (rq?.operator) {
    case 'In': case 'NotIn':
      if (values.length === 0) errs.push(required(child(path, 'values'), "must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case 'Exists': case 'DoesNotExist':
      if (values.length > 0) errs.push(forbidden(child(path, 'values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      break;
    case 'Gt': case 'Lt':
      if (values.length !== 1) errs.push(required(child(path, 'values'), "must be specified single value when `operator` is 'Lt' or 'Gt'"));
      break;
    default:
      errs.push(invalid(child(path, 'operator'), rq?.operator ?? '', 'not a valid selector operator'));
  }
  errs.push(...validateLabelName(str(rq?.key), child(path, 'key')));
  if (checkValues) {
    values.forEach((v, i) => {
      for (const msg of isValidLabelValue(str(v))) errs.push(invalid(index(child(path, 'values'), i), v, msg));
    });
  }
  return errs;
}

function validateNodeFieldSelectorRequirement(rq: NodeSelectorRequirement, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const values = list<string>(rq?.values);
  if (rq?.operator === 'In' || rq?.operator === 'NotIn') {
    if (values.length !== 1) errs.push(required(child(path, 'values'), "must be only one value when `operator` is 'In' or 'NotIn' for node field selector"));
  } else {
    errs.push(invalid(child(path, 'operator'), rq?.operator ?? '', 'not a valid selector operator'));
  }
  if (rq?.key !== 'metadata.name') {
    errs.push(invalid(child(path, 'key'), rq?.key ?? '', 'not a valid field selector key'));
  } else {
    values.forEach((v, i) => {
      for (const msg of nameIsDNSSubdomain(str(v), false)) errs.push(invalid(index(child(path, 'values'), i), v, msg));
    });
  }
  return errs;
}

function validateNodeSelectorTerm(term: NodeSelectorTerm, checkValues: boolean, path: string): FieldCause[] {
  return [
    ...list<NodeSelectorRequirement>(term?.matchExpressions).flatMap((rq, j) =>
      validateNodeSelectorRequirement(rq, checkValues, index(child(path, 'matchExpressions'), j))),
    ...list<NodeSelectorRequirement>(term?.matchFields).flatMap((rq, j) =>
      validateNodeFieldSelectorRequirement(rq, index(child(path, 'matchFields'), j))),
  ];
}

export function validateNodeSelector(sel: NodeSelector, path: string): FieldCause[] {
  const termPath = child(path, 'nodeSelectorTerms');
  const terms = list<NodeSelectorTerm>(sel?.nodeSelectorTerms);
  if (terms.length === 0) return [required(termPath, 'must have at least one node selector term')];
  return terms.flatMap((t, i) => validateNodeSelectorTerm(t, true, index(termPath, i)));
}

function validatePodAffinityTerm(term: PodAffinityTerm, path: string): FieldCause[] {
  const errs = validateLabelSelector(term?.labelSelector as LabelSelector | undefined, child(path, 'labelSelector'));
  errs.push(...validateLabelSelector(term?.namespaceSelector as LabelSelector | undefined, child(path, 'namespaceSelector')));
  for (const ns of list<string>(term?.namespaces)) {
    for (const msg of nameIsDNSLabel(str(ns), false)) errs.push(invalid(child(path, 'namespace'), ns, msg));
  }
  errs.push(...validateMatchLabelKeysAndMismatchLabelKeys(path, list<string>(term?.matchLabelKeys), list<string>(term?.mismatchLabelKeys), term?.labelSelector));
  const topologyKey = str(term?.topologyKey);
  if (!topologyKey) errs.push(required(child(path, 'topologyKey'), 'can not be empty'));
  errs.push(...validateLabelName(topologyKey, child(path, 'topologyKey')));
  return errs;
}

/** Label names, and none without a labelSelector (Kubernetes' validateLabelKeys). */
function validateLabelKeys(path: string, keys: unknown[], selector: LabelSelector | undefined): FieldCause[] {
  if (keys.length === 0) return [];
  if (!selector) return [forbidden(path, 'must not be specified when labelSelector is not set')];
  return keys.flatMap((k, i) => validateLabelName(str(k), index(path, i)));
}

/**
 * Kubernetes' validateMatchLabelKeysAndMismatchLabelKeys (1.31+, after the merge at create):
 * valid label names; a matchLabelKeys key that already had a requirement in labelSelector
 * before the merge (a matchExpressions key seen earlier in the selector) is refused, at
 * `<term>[i]` as Kubernetes words the path; no key in both lists.
 */
function validateMatchLabelKeysAndMismatchLabelKeys(path: string, matchKeys: unknown[], mismatchKeys: unknown[], selector: LabelSelector | undefined): FieldCause[] {
  const errs = [
    ...validateLabelKeys(child(path, 'matchLabelKeys'), matchKeys, selector),
    ...validateLabelKeys(child(path, 'mismatchLabelKeys'), mismatchKeys, selector),
  ];
  if (selector && typeof selector === 'object') {
    const positions = new Map<string, number>();
    matchKeys.forEach((k, i) => positions.set(str(k), i));
    const seen = new Set(Object.keys(record(selector.matchLabels)));
    for (const e of list<{ key?: unknown }>(selector.matchExpressions)) {
      const key = str(e?.key);
      const i = positions.get(key);
      if (i !== undefined && seen.has(key)) errs.push(invalid(index(path, i), key, 'exists in both matchLabelKeys and labelSelector'));
      seen.add(key);
    }
  }
  const mismatch = new Set(mismatchKeys.map(str));
  matchKeys.forEach((k, i) => {
    if (mismatch.has(str(k))) errs.push(invalid(index(child(path, 'matchLabelKeys'), i), str(k), 'exists in both matchLabelKeys and mismatchLabelKeys'));
  });
  return errs;
}

function validateWeighted(terms: unknown, path: string): FieldCause[] {
  return list<WeightedPodAffinityTerm>(terms).flatMap((t, j) => {
    const errs: FieldCause[] = [];
    const w = t?.weight;
    if (typeof w !== 'number' || w <= 0 || w > 100) errs.push(invalid(child(index(path, j), 'weight'), w ?? 0, 'must be in the range 1-100'));
    errs.push(...validatePodAffinityTerm(t?.podAffinityTerm, child(index(path, j), 'podAffinityTerm')));
    return errs;
  });
}

/** spec.affinity: node affinity terms, pod (anti-)affinity terms and weights. */
export function validateAffinity(affinity: Affinity | undefined, path: string): FieldCause[] {
  if (!affinity || typeof affinity !== 'object') return [];
  const errs: FieldCause[] = [];
  const na = affinity.nodeAffinity;
  if (na) {
    const p = child(path, 'nodeAffinity');
    if (na.requiredDuringSchedulingIgnoredDuringExecution) {
      errs.push(...validateNodeSelector(na.requiredDuringSchedulingIgnoredDuringExecution, child(p, 'requiredDuringSchedulingIgnoredDuringExecution')));
    }
    list<PreferredSchedulingTerm>(na.preferredDuringSchedulingIgnoredDuringExecution).forEach((t, i) => {
      const tp = index(child(p, 'preferredDuringSchedulingIgnoredDuringExecution'), i);
      const w = t?.weight;
      if (typeof w !== 'number' || w <= 0 || w > 100) errs.push(invalid(child(tp, 'weight'), w ?? 0, 'must be in the range 1-100'));
      // Preferred terms tolerate invalid label values (they may still match on one node).
      errs.push(...validateNodeSelectorTerm(t?.preference, false, child(tp, 'preference')));
    });
  }
  for (const kind of ['podAffinity', 'podAntiAffinity'] as const) {
    const pa = affinity[kind];
    if (!pa) continue;
    const p = child(path, kind);
    list<PodAffinityTerm>(pa.requiredDuringSchedulingIgnoredDuringExecution).forEach((t, i) => {
      errs.push(...validatePodAffinityTerm(t, index(child(p, 'requiredDuringSchedulingIgnoredDuringExecution'), i)));
    });
    errs.push(...validateWeighted(pa.preferredDuringSchedulingIgnoredDuringExecution, child(p, 'preferredDuringSchedulingIgnoredDuringExecution')));
  }
  return errs;
}

/** spec.tolerations: keys, operators (Equal or Exists), values and effects. */
export function validateTolerations(tolerations: unknown, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  list<Toleration>(tolerations).forEach((raw, i) => {
    const t = record<unknown>(raw) as Toleration;
    const p = index(path, i);
    const k = str(t.key);
    if (k) errs.push(...validateLabelName(k, child(p, 'key')));
    if (!k && t.operator !== 'Exists') {
      errs.push(invalid(child(p, 'operator'), t.operator ?? '', 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null && t.effect !== 'NoExecute') {
      errs.push(invalid(child(p, 'effect'), t.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    switch (t.operator ?? '') {
      case 'Equal': case '': {
        const msgs = isValidLabelValue(str(t.value));
        if (msgs.length) errs.push(invalid(child(p, 'operator'), str(t.value), msgs.join(';')));
        break;
      }
      case 'Exists':
        if (str(t.value)) errs.push(invalid(child(p, 'operator'), t.value, "value must be empty when `operator` is 'Exists'"));
        break;
      default:
        errs.push(notSupported(child(p, 'operator'), t.operator, ['Equal', 'Exists']));
    }
    if (str(t.effect)) errs.push(...validateTaintEffect(t.effect, true, child(p, 'effect')));
  });
  return errs;
}

/**
 * Node taints: key, value, effect, unique by key and effect. path is where
 * Kubernetes reports them, which is "metadata.taints" (sic).
 */
export function validateTaints(taints: unknown, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const seen = new Map<string, Set<string>>();
  list<Taint>(taints).forEach((raw, i) => {
    const t = record<unknown>(raw) as unknown as Taint;
    const p = index(path, i);
    errs.push(...validateLabelName(str(t.key), child(p, 'key')));
    const msgs = isValidLabelValue(str(t.value));
    if (msgs.length) errs.push(invalid(child(p, 'value'), str(t.value), msgs.join(';')));
    errs.push(...validateTaintEffect(t.effect, false, child(p, 'effect')));
    const effect = str(t.effect);
    const keys = seen.get(effect) ?? new Set<string>();
    if (keys.has(str(t.key))) {
      errs.push(duplicate(p, t, 'taints must be unique by key and effect pair'));
      return;
    }
    keys.add(str(t.key));
    seen.set(effect, keys);
  });
  return errs;
}

/** spec.topologySpreadConstraints: maxSkew > 0, a topology key, a known action, no repeats. */
export function validateTopologySpreadConstraints(constraints: unknown, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const all = list<TopologySpreadConstraint>(constraints);
  all.forEach((c, i) => {
    const p = index(path, i);
    if (typeof c?.maxSkew !== 'number' || c.maxSkew <= 0) errs.push(invalid(child(p, 'maxSkew'), c?.maxSkew ?? 0, 'must be greater than zero'));
    if (!str(c?.topologyKey)) errs.push(required(child(p, 'topologyKey'), 'can not be empty'));
    if (c?.whenUnsatisfiable !== 'DoNotSchedule' && c?.whenUnsatisfiable !== 'ScheduleAnyway') {
      errs.push(notSupported(child(p, 'whenUnsatisfiable'), c?.whenUnsatisfiable ?? '', ['DoNotSchedule', 'ScheduleAnyway']));
    }
    if (all.slice(i + 1).some((o) => o?.topologyKey === c?.topologyKey && o?.whenUnsatisfiable === c?.whenUnsatisfiable)) {
      errs.push(duplicate(child(p, '{topologyKey, whenUnsatisfiable}'), `{${str(c?.topologyKey)}, ${str(c?.whenUnsatisfiable)}}`));
    }
    errs.push(...validateLabelSelector(c?.labelSelector, child(p, 'labelSelector')));
  });
  return errs;
}
