// apps/v1 StatefulSets (apps' ValidateStatefulSet, ValidateStatefulSetUpdate and
// ValidateStatefulSetStatusUpdate).
import type {
  RollingUpdateStatefulSetStrategy, StatefulSet, StatefulSetPersistentVolumeClaimRetentionPolicy, StatefulSetSpec,
  StatefulSetUpdateStrategy,
} from '../types/apps.js';
import { selectorFromLabelSelector } from '../labels.js';
import { collisionCountNotDecremented, notMoreThan100Percent } from './daemonset.js';
import { intOrPercentValue, shown, validatePositiveIntOrPercent } from './deployment.js';
import { child, type FieldCause, forbidden, invalid, jsonEqual, list, nonNegative, notSupported, Raw, record, required, str } from './field.js';
import { validateAnnotations, validateLabels, validateLabelSelector, validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { nameIsDNSLabel } from './names.js';
import { goLabelSelector, goStringMap } from './workload.js';

const specOf = (sts: StatefulSet): StatefulSetSpec => record<unknown>(sts.spec) as unknown as StatefulSetSpec;

/** The message of a StatefulSet update that changes a field it may not. */
export const STATEFULSET_SPEC_FORBIDDEN =
  "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";

/** Go's %#v of an apps.RollingUpdateStatefulSetStrategy (dereferenced, as field errors print pointers). */
function goRollingUpdate(ru: RollingUpdateStatefulSetStrategy): Raw {
  const mu = ru.maxUnavailable === undefined || ru.maxUnavailable === null ? '(*intstr.IntOrString)(nil)' : '(*intstr.IntOrString)(0xc000000000)';
  return new Raw(`apps.RollingUpdateStatefulSetStrategy{Partition:${typeof ru.partition === 'number' ? ru.partition : 0}, MaxUnavailable:${mu}}`);
}

/** Go's %#v of an apps.StatefulSetUpdateStrategy. */
function goStrategy(s: StatefulSetUpdateStrategy): Raw {
  const ru = s.rollingUpdate ? '(*apps.RollingUpdateStatefulSetStrategy)(0xc000000000)' : '(*apps.RollingUpdateStatefulSetStrategy)(nil)';
  return new Raw(`apps.StatefulSetUpdateStrategy{Type:${JSON.stringify(String(s.type ?? ''))}, RollingUpdate:${ru}}`);
}

function validateRollingUpdate(ru: RollingUpdateStatefulSetStrategy, path: string): FieldCause[] {
  const errs = nonNegative(ru.partition, child(path, 'partition'));
  const mu = ru.maxUnavailable;
  if (mu !== undefined && mu !== null) {
    const muPath = child(path, 'maxUnavailable');
    errs.push(...validatePositiveIntOrPercent(mu, muPath));
    if (intOrPercentValue(mu) === 0) errs.push(invalid(muPath, shown(mu), 'cannot be 0'));
    errs.push(...notMoreThan100Percent(mu, muPath));
  }
  return errs;
}

function validateUpdateStrategy(strategy: StatefulSetUpdateStrategy | undefined, path: string): FieldCause[] {
  const s = record<unknown>(strategy) as StatefulSetUpdateStrategy;
  switch (s.type ?? '') {
    case '': return [required(path)];
    case 'OnDelete':
      return s.rollingUpdate ? [invalid(child(path, 'rollingUpdate'), goRollingUpdate(record<unknown>(s.rollingUpdate) as RollingUpdateStatefulSetStrategy), "only allowed for updateStrategy 'RollingUpdate'")] : [];
    case 'RollingUpdate':
      return s.rollingUpdate ? validateRollingUpdate(record<unknown>(s.rollingUpdate) as RollingUpdateStatefulSetStrategy, child(path, 'rollingUpdate')) : [];
    default:
      return [invalid(path, goStrategy(s), "must be 'RollingUpdate' or 'OnDelete'")];
  }
}

function validateRetentionPolicy(policy: StatefulSetPersistentVolumeClaimRetentionPolicy | undefined, path: string): FieldCause[] {
  if (policy === undefined || policy === null) return [];
  const p = record<unknown>(policy);
  const errs: FieldCause[] = [];
  for (const f of ['whenDeleted', 'whenScaled']) {
    if (p[f] !== 'Retain' && p[f] !== 'Delete') errs.push(notSupported(child(path, f), str(p[f]), ['Retain', 'Delete']));
  }
  return errs;
}

function validateStatefulSetSpec(spec: StatefulSetSpec): FieldCause[] {
  const errs: FieldCause[] = [];
  const policy = spec.podManagementPolicy ?? '';
  if (policy === '') errs.push(required('spec.podManagementPolicy'));
  else if (policy !== 'OrderedReady' && policy !== 'Parallel') errs.push(invalid('spec.podManagementPolicy', str(policy), "must be 'OrderedReady' or 'Parallel'"));
  errs.push(...validateUpdateStrategy(spec.updateStrategy, 'spec.updateStrategy'));
  errs.push(...validateRetentionPolicy(spec.persistentVolumeClaimRetentionPolicy, 'spec.persistentVolumeClaimRetentionPolicy'));
  errs.push(...nonNegative(spec.replicas, 'spec.replicas'));
  errs.push(...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'));
  if (spec.ordinals !== undefined && spec.ordinals !== null) errs.push(...nonNegative(record<unknown>(spec.ordinals).start, 'spec.ordinals.start'));

  const selector = spec.selector === null ? undefined : spec.selector;
  if (selector === undefined) {
    errs.push(required('spec.selector'));
  } else {
    errs.push(...validateLabelSelector(selector, 'spec.selector'));
    if (Object.keys(record(selector.matchLabels)).length + list(selector.matchExpressions).length === 0) {
      errs.push(invalid('spec.selector', goLabelSelector(selector), 'empty selector is invalid for statefulset'));
    }
  }
  const template = record<unknown>(spec.template);
  const meta = record<unknown>(template.metadata);
  let matcher;
  try {
    matcher = selectorFromLabelSelector(selector);
  } catch {
    errs.push(invalid('spec.selector', goLabelSelector(selector), ''));
  }
  if (matcher) {
    // ValidatePodTemplateSpecForStatefulSet: the labels must match; the pod spec itself is
    // not validated here (Kubernetes leaves it to pod creation), and the template's
    // labels and annotations are reported under spec.template.labels/annotations.
    const labels = meta.labels as Record<string, string> | undefined;
    if (!matcher.empty() && !matcher.matches(labels ?? {})) {
      errs.push(invalid('spec.template.metadata.labels', goStringMap(labels), '`selector` does not match template `labels`'));
    }
    errs.push(...validateLabels(meta.labels, 'spec.template.labels'));
    errs.push(...validateAnnotations(meta.annotations, 'spec.template.annotations'));
  }
  const podSpec = record<unknown>(template.spec);
  if (podSpec.restartPolicy !== 'Always') errs.push(notSupported('spec.template.spec.restartPolicy', str(podSpec.restartPolicy), ['Always']));
  if (podSpec.activeDeadlineSeconds !== undefined && podSpec.activeDeadlineSeconds !== null) {
    errs.push(forbidden('spec.template.spec.activeDeadlineSeconds', 'activeDeadlineSeconds in StatefulSet is not Supported'));
  }
  return errs;
}

/** A StatefulSet being created: a DNS label name (it prefixes its pods' hostnames) and a valid spec. */
export function validateStatefulSetCreate(sts: StatefulSet): FieldCause[] {
  return [...validateObjectMeta(sts.metadata, { namespaced: true, nameFn: nameIsDNSLabel }), ...validateStatefulSetSpec(specOf(sts))];
}

/**
 * A StatefulSet being updated: metadata rules, the spec rules, and no change outside
 * replicas, ordinals, template, updateStrategy, persistentVolumeClaimRetentionPolicy and
 * minReadySeconds.
 */
export function validateStatefulSetUpdate(sts: StatefulSet, old: StatefulSet): FieldCause[] {
  const errs = [...validateObjectMetaUpdate(sts.metadata, old.metadata), ...validateStatefulSetSpec(specOf(sts))];
  const mutable = ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];
  const rest = (spec: StatefulSetSpec): Record<string, unknown> => Object.fromEntries(Object.entries(record<unknown>(spec)).filter(([k]) => !mutable.includes(k)));
  if (!jsonEqual(rest(specOf(sts)), rest(specOf(old)))) errs.push(forbidden('spec', STATEFULSET_SPEC_FORBIDDEN));
  return errs;
}

/** ValidateStatefulSetStatusUpdate: counts never negative nor above status.replicas, collisionCount never goes down. */
export function validateStatefulSetStatus(sts: StatefulSet, old: StatefulSet): FieldCause[] {
  const status = record<unknown>(sts.status);
  const errs: FieldCause[] = [];
  for (const f of ['replicas', 'readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas', 'observedGeneration', 'collisionCount']) {
    errs.push(...nonNegative(status[f], `status.${f}`));
  }
  const n = (f: string): number => (typeof status[f] === 'number' ? status[f] as number : 0);
  for (const f of ['readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas']) {
    if (n(f) > n('replicas')) errs.push(invalid(`status.${f}`, n(f), 'cannot be greater than status.replicas'));
  }
  if (n('availableReplicas') > n('readyReplicas')) errs.push(invalid('status.availableReplicas', n('availableReplicas'), 'cannot be greater than status.readyReplicas'));
  errs.push(...collisionCountNotDecremented(status.collisionCount, record<unknown>(old.status).collisionCount));
  return errs;
}
