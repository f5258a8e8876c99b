// What ReplicaSets and Deployments share (apps' ValidatePodTemplateSpecForReplicaSet
// and the selector rules around it).
import type { PodTemplateSpec } from '../types/core.js';
import type { LabelSelector, LabelSelectorRequirement } from '../types/meta.js';
import { selectorFromLabelSelector } from '../labels.js';
import { child, FIELD_IMMUTABLE, type FieldCause, forbidden, invalid, jsonEqual, list, notSupported, Raw, record, required, str } from './field.js';
import { validateLabelSelector } from './meta.js';
import { validatePodTemplateSpec } from './pod-spec.js';

/** Go's %#v of a map[string]string that may be nil. */
export function goStringMap(m: Record<string, string> | undefined): Raw | Record<string, string> {
  return m === undefined || m === null ? new Raw('map[string]string(nil)') : m;
}

/** Go's %#v of a metav1.LabelSelector, as Kubernetes prints it in "field is immutable". */
export function goLabelSelector(sel: LabelSelector | undefined): Raw {
  if (!sel) return new Raw('(*v1.LabelSelector)(nil)');
  const labels = sel.matchLabels
    ? `map[string]string{${Object.entries(sel.matchLabels).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(', ')}}`
    : 'map[string]string(nil)';
  const exprs = sel.matchExpressions
    ? `[]v1.LabelSelectorRequirement{${list<LabelSelectorRequirement>(sel.matchExpressions).map((e) => {
      const values = e?.values ? `[]string{${list<string>(e.values).map((v) => JSON.stringify(v)).join(', ')}}` : '[]string(nil)';
      return `v1.LabelSelectorRequirement{Key:${JSON.stringify(str(e?.key))}, Operator:${JSON.stringify(str(e?.operator))}, Values:${values}}`;
    }).join(', ')}}`
    : '[]v1.LabelSelectorRequirement(nil)';
  return new Raw(`v1.LabelSelector{MatchLabels:${labels}, MatchExpressions:${exprs}}`);
}

/**
 * spec.selector and spec.template of a ReplicaSet or Deployment: a selector is
 * required and may not be empty, the template's labels must match it, the template
 * must be a valid pod template that always restarts and has no activeDeadlineSeconds.
 */
export function validateSelectorAndTemplate(selector: LabelSelector | undefined, template: PodTemplateSpec | undefined, kind: string, specPath: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const selPath = child(specPath, 'selector');
  if (selector === undefined || selector === null) {
    errs.push(required(selPath));
  } else {
    errs.push(...validateLabelSelector(selector, selPath));
    if (Object.keys(record(selector.matchLabels)).length + list(selector.matchExpressions).length === 0) {
      errs.push(invalid(selPath, goLabelSelector(selector), 'empty selector is invalid for deployment'));
    }
  }
  let matcher;
  try {
    matcher = selectorFromLabelSelector(selector);
  } catch {
    errs.push(invalid(selPath, goLabelSelector(selector), 'invalid label selector'));
    return errs;
  }
  const tPath = child(specPath, 'template');
  const t = record<unknown>(template) as PodTemplateSpec;
  const labels = record<unknown>(t.metadata).labels as Record<string, string> | undefined;
  if (!matcher.empty() && !matcher.matchesNothing && !matcher.matches(labels ?? {})) {
    errs.push(invalid(child(tPath, 'metadata', 'labels'), goStringMap(labels), '`selector` does not match template `labels`'));
  }
  errs.push(...validatePodTemplateSpec(t, tPath));
  const spec = record<unknown>(t.spec);
  if (spec.restartPolicy !== 'Always') errs.push(notSupported(child(tPath, 'spec', 'restartPolicy'), str(spec.restartPolicy), ['Always']));
  if (spec.activeDeadlineSeconds !== undefined && spec.activeDeadlineSeconds !== null) {
    errs.push(forbidden(child(tPath, 'spec', 'activeDeadlineSeconds'), `activeDeadlineSeconds in ${kind} is not Supported`));
  }
  return errs;
}

/** apps/v1 forbids changing spec.selector after creation. */
export function validateSelectorImmutable(selector: LabelSelector | undefined, old: LabelSelector | undefined): FieldCause[] {
  return jsonEqual(selector ?? null, old ?? null) ? [] : [invalid('spec.selector', goLabelSelector(selector), FIELD_IMMUTABLE)];
}
