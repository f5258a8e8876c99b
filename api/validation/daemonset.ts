// apps/v1 DaemonSets (apps' ValidateDaemonSet, ValidateDaemonSetUpdate and
// ValidateDaemonSetStatusUpdate).
import type { DaemonSet, DaemonSetSpec, DaemonSetUpdateStrategy, RollingUpdateDaemonSet } from '../types/apps.js';
import { selectorFromLabelSelector } from '../labels.js';
import { intOrPercentValue, shown, validatePositiveIntOrPercent } from './deployment.js';
import { child, type FieldCause, forbidden, invalid, list, nonNegative, notSupported, Raw, record, required, str } from './field.js';
import { validateLabelSelector, validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { nameIsDNSSubdomain } from './names.js';
import { validatePodTemplateSpec } from './pod-spec.js';
import { goLabelSelector, goStringMap, validateSelectorImmutable } from './workload.js';

const specOf = (ds: DaemonSet): DaemonSetSpec => record<unknown>(ds.spec) as unknown as DaemonSetSpec;

/** IsNotMoreThan100Percent: a percentage above 100% is invalid. */
export function notMoreThan100Percent(v: unknown, path: string): FieldCause[] {
  if (typeof v !== 'string' || !/^[0-9]+%$/.test(v)) return [];
  return intOrPercentValue(v) > 100 ? [invalid(path, shown(v), 'must not be greater than 100%')] : [];
}

function validateRollingUpdate(ru: RollingUpdateDaemonSet, path: string): FieldCause[] {
  const unavailablePath = child(path, 'maxUnavailable');
  const surgePath = child(path, 'maxSurge');
  const errs = [
    ...validatePositiveIntOrPercent(ru.maxUnavailable, unavailablePath),
    ...validatePositiveIntOrPercent(ru.maxSurge, surgePath),
    ...notMoreThan100Percent(ru.maxUnavailable, unavailablePath),
    ...notMoreThan100Percent(ru.maxSurge, surgePath),
  ];
  // Exactly one of the two is non-zero.
  const hasUnavailable = intOrPercentValue(ru.maxUnavailable) !== 0;
  const hasSurge = intOrPercentValue(ru.maxSurge) !== 0;
  if (hasUnavailable && hasSurge) errs.push(invalid(surgePath, shown(ru.maxSurge), 'may not be set when maxUnavailable is non-zero'));
  if (!hasUnavailable && !hasSurge) errs.push(required(unavailablePath, 'cannot be 0 when maxSurge is 0'));
  return errs;
}

/** Go's %#v of an apps.DaemonSetUpdateStrategy, as Kubernetes prints an unsupported one. */
function goStrategy(s: DaemonSetUpdateStrategy): Raw {
  const ru = s.rollingUpdate ? '(*apps.RollingUpdateDaemonSet)(0xc000000000)' : '(*apps.RollingUpdateDaemonSet)(nil)';
  return new Raw(`apps.DaemonSetUpdateStrategy{Type:${JSON.stringify(String(s.type ?? ''))}, RollingUpdate:${ru}}`);
}

function validateUpdateStrategy(strategy: DaemonSetUpdateStrategy | undefined, path: string): FieldCause[] {
  const s = record<unknown>(strategy) as DaemonSetUpdateStrategy;
  switch (s.type) {
    case 'OnDelete': return [];
    case 'RollingUpdate':
      if (!s.rollingUpdate) return [required(child(path, 'rollingUpdate'))];
      return validateRollingUpdate(record<unknown>(s.rollingUpdate) as RollingUpdateDaemonSet, child(path, 'rollingUpdate'));
    default:
      return [notSupported(path, goStrategy(s), ['RollingUpdate', 'OnDelete'])];
  }
}

function validateDaemonSetSpec(spec: DaemonSetSpec): FieldCause[] {
  const errs: FieldCause[] = [];
  const selPath = 'spec.selector';
  const selector = spec.selector === null ? undefined : spec.selector;
  if (selector !== undefined) errs.push(...validateLabelSelector(selector, selPath));
  const template = record<unknown>(spec.template);
  const labels = record<unknown>(template.metadata).labels as Record<string, string> | undefined;
  try {
    // A missing selector selects nothing (LabelSelectorAsSelector(nil)), so no template matches it.
    if (!selectorFromLabelSelector(selector).matches(labels ?? {})) {
      errs.push(invalid('spec.template.metadata.labels', goStringMap(labels), '`selector` does not match template `labels`'));
    }
  } catch {
    // An unparsable selector was reported by validateLabelSelector.
  }
  if (selector && Object.keys(record(selector.matchLabels)).length + list(selector.matchExpressions).length === 0) {
    errs.push(invalid(selPath, goLabelSelector(selector), 'empty selector is invalid for daemonset'));
  }
  errs.push(...validatePodTemplateSpec(spec.template, 'spec.template'));
  const podSpec = record<unknown>(template.spec);
  if (podSpec.restartPolicy !== 'Always') errs.push(notSupported('spec.template.spec.restartPolicy', str(podSpec.restartPolicy), ['Always']));
  if (podSpec.activeDeadlineSeconds !== undefined && podSpec.activeDeadlineSeconds !== null) {
    errs.push(forbidden('spec.template.spec.activeDeadlineSeconds', 'activeDeadlineSeconds in DaemonSet is not Supported'));
  }
  errs.push(...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'));
  errs.push(...validateUpdateStrategy(spec.updateStrategy, 'spec.updateStrategy'));
  errs.push(...nonNegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  return errs;
}

/** A DaemonSet being created: name, a selector matching a valid always-restarting template, its update strategy. */
export function validateDaemonSetCreate(ds: DaemonSet): FieldCause[] {
  return [...validateObjectMeta(ds.metadata, { namespaced: true, nameFn: nameIsDNSSubdomain }), ...validateDaemonSetSpec(specOf(ds))];
}

/** A DaemonSet being updated: metadata rules, the spec rules, and an unchanged selector (apps/v1). */
export function validateDaemonSetUpdate(ds: DaemonSet, old: DaemonSet): FieldCause[] {
  return [
    ...validateObjectMetaUpdate(ds.metadata, old.metadata),
    ...validateDaemonSetSpec(specOf(ds)),
    ...validateSelectorImmutable(specOf(ds).selector, specOf(old).selector),
  ];
}

/** The counts of a DaemonSet's status are never negative; collisionCount never goes down. */
export function validateDaemonSetStatus(ds: DaemonSet, old: DaemonSet): FieldCause[] {
  const status = record<unknown>(ds.status);
  const errs: FieldCause[] = [];
  for (const f of ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady', 'observedGeneration',
    'updatedNumberScheduled', 'numberAvailable', 'numberUnavailable', 'collisionCount']) {
    errs.push(...nonNegative(status[f], `status.${f}`));
  }
  errs.push(...collisionCountNotDecremented(status.collisionCount, record<unknown>(old.status).collisionCount));
  return errs;
}

/** IsDecremented on status.collisionCount. */
export function collisionCountNotDecremented(now: unknown, before: unknown): FieldCause[] {
  if (typeof before !== 'number') return [];
  // A count removed is decremented too (IsDecremented: nil update, non-nil current).
  const decremented = typeof now !== 'number' || now < before;
  return decremented ? [invalid('status.collisionCount', typeof now === 'number' ? now : 0, 'cannot be decremented')] : [];
}
