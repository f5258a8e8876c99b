// apps/v1 Deployments (apps' ValidateDeployment and ValidateDeploymentUpdate).
import type { Deployment, DeploymentSpec, DeploymentStrategy, RollingUpdateDeployment } from '../types/apps.js';
import type { IntOrString } from '../types/core.js';
import { child, type FieldCause, forbidden, invalid, nonNegative, notSupported, Raw, record, required } from './field.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { isValidPercent, nameIsDNSSubdomain } from './names.js';
import { validateSelectorAndTemplate, validateSelectorImmutable } from './workload.js';

const specOf = (d: Deployment): DeploymentSpec => record<unknown>(d.spec) as unknown as DeploymentSpec;

/** IntOrString printed as Kubernetes prints it (its String(): no quotes). */
export const shown = (v: IntOrString | undefined): Raw => new Raw(v === undefined ? '0' : String(v));

/** ValidatePositiveIntOrPercent: a valid percentage, or an integer >= 0. */
export function validatePositiveIntOrPercent(v: IntOrString | undefined, path: string): FieldCause[] {
  if (typeof v === 'string') return isValidPercent(v).map((msg) => invalid(path, shown(v), msg));
  if (typeof v === 'number') return nonNegative(v, path);
  return [];
}

/** Kubernetes' getIntOrPercentValue: "25%" -> 25, 3 -> 3, anything unparsable -> 0. */
export function intOrPercentValue(v: IntOrString | undefined): number {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return 0;
  const m = /^([0-9]+)%$/.exec(v) ?? /^(-?[0-9]+)$/.exec(v);
  return m ? Number(m[1]) : 0;
}

function validateRollingUpdate(ru: RollingUpdateDeployment, path: string): FieldCause[] {
  const unavailablePath = child(path, 'maxUnavailable');
  const errs = [
    ...validatePositiveIntOrPercent(ru.maxUnavailable, unavailablePath),
    ...validatePositiveIntOrPercent(ru.maxSurge, child(path, 'maxSurge')),
  ];
  if (intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge) === 0) {
    errs.push(invalid(unavailablePath, shown(ru.maxUnavailable), 'may not be 0 when `maxSurge` is 0'));
  }
  if (typeof ru.maxUnavailable === 'string' && /^[0-9]+%$/.test(ru.maxUnavailable) && intOrPercentValue(ru.maxUnavailable) > 100) {
    errs.push(invalid(unavailablePath, shown(ru.maxUnavailable), 'must not be greater than 100%'));
  }
  return errs;
}

/** Go's %#v of an apps.DeploymentStrategy, as Kubernetes prints an unsupported one. */
function goStrategy(s: DeploymentStrategy): Raw {
  const ru = s.rollingUpdate ? '(*apps.RollingUpdateDeployment)(0xc000000000)' : '(*apps.RollingUpdateDeployment)(nil)';
  return new Raw(`apps.DeploymentStrategy{Type:${JSON.stringify(String(s.type ?? ''))}, RollingUpdate:${ru}}`);
}

function validateStrategy(strategy: DeploymentStrategy | undefined, path: string): FieldCause[] {
  const s = record<unknown>(strategy) as DeploymentStrategy;
  switch (s.type) {
    case 'Recreate':
      return s.rollingUpdate ? [forbidden(child(path, 'rollingUpdate'), "may not be specified when strategy `type` is 'Recreate'")] : [];
    case 'RollingUpdate':
      if (!s.rollingUpdate) return [required(child(path, 'rollingUpdate'), 'this should be defaulted and never be nil')];
      return validateRollingUpdate(record<unknown>(s.rollingUpdate) as RollingUpdateDeployment, child(path, 'rollingUpdate'));
    default:
      return [notSupported(path, goStrategy(s), ['Recreate', 'RollingUpdate'])];
  }
}

function validateDeploymentSpec(spec: DeploymentSpec): FieldCause[] {
  const errs = [
    ...nonNegative(spec.replicas, 'spec.replicas'),
    ...validateSelectorAndTemplate(spec.selector, spec.template, 'Deployment', 'spec'),
    ...validateStrategy(spec.strategy, 'spec.strategy'),
    ...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'),
    ...nonNegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit'),
  ];
  const pds = spec.progressDeadlineSeconds;
  if (typeof pds === 'number') {
    errs.push(...nonNegative(pds, 'spec.progressDeadlineSeconds'));
    if (pds <= (spec.minReadySeconds ?? 0)) errs.push(invalid('spec.progressDeadlineSeconds', pds, 'must be greater than minReadySeconds'));
  }
  return errs;
}

/**
 * A Deployment being created: name, replicas >= 0, selector matching a valid
 * always-restarting template, a known strategy (maxSurge and maxUnavailable not
 * both 0), progressDeadlineSeconds above minReadySeconds.
 */
export function validateDeploymentCreate(d: Deployment): FieldCause[] {
  return [...validateObjectMeta(d.metadata, { namespaced: true, nameFn: nameIsDNSSubdomain }), ...validateDeploymentSpec(specOf(d))];
}

/** A Deployment being updated: metadata rules, the spec rules, and an unchanged selector (apps/v1). */
export function validateDeploymentUpdate(d: Deployment, old: Deployment): FieldCause[] {
  return [
    ...validateObjectMetaUpdate(d.metadata, old.metadata),
    ...validateDeploymentSpec(specOf(d)),
    ...validateSelectorImmutable(specOf(d).selector, specOf(old).selector),
  ];
}
