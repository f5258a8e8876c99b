// autoscaling/v2 HorizontalPodAutoscalers (pkg/apis/autoscaling/validation:
// ValidateHorizontalPodAutoscaler, ...Update, ...StatusUpdate), with Kubernetes'
// messages. minReplicas must be at least 1 (0 needs the HPAScaleToZero feature gate,
// off by default).
import type {
  ContainerResourceMetricSource, CrossVersionObjectReference, ExternalMetricSource, HorizontalPodAutoscaler,
  HorizontalPodAutoscalerBehavior, HorizontalPodAutoscalerSpec, HPAScalingPolicy, HPAScalingRules, MetricIdentifier,
  MetricSpec, MetricTarget, ObjectMetricSource, PodsMetricSource, ResourceMetricSource,
} from '../types/autoscaling.js';
import { ERR_FORMAT_WRONG, parseQuantityExact } from '../quantity.js';
import {
  child, type FieldCause, forbidden, index, invalid, list, nonNegative, notSupported, Raw, record, required, str,
} from './field.js';
import { validateLabelSelector, validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { isDNS1123Label, isValidPathSegmentName, nameIsDNSSubdomain } from './names.js';

/** MaxPeriodSeconds and MaxStabilizationWindowSeconds of the scaling rules. */
export const MAX_PERIOD_SECONDS = 1800;
export const MAX_STABILIZATION_WINDOW_SECONDS = 3600;

const METRIC_SOURCE_TYPES = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];
const SELECT_POLICIES = ['Disabled', 'Max', 'Min'];
const POLICY_TYPES = ['Percent', 'Pods'];

const specOf = (hpa: HorizontalPodAutoscaler): HorizontalPodAutoscalerSpec =>
  record<unknown>(hpa.spec) as unknown as HorizontalPodAutoscalerSpec;

/** ValidateCrossVersionObjectReference: kind and name set, each a valid path segment. */
export function validateCrossVersionObjectReference(ref: CrossVersionObjectReference | undefined, path: string): FieldCause[] {
  const r = record<unknown>(ref);
  const errs: FieldCause[] = [];
  for (const f of ['kind', 'name'] as const) {
    const v = str(r[f]);
    if (!v) errs.push(required(child(path, f)));
    else for (const msg of isValidPathSegmentName(v)) errs.push(invalid(child(path, f), v, msg));
  }
  return errs;
}

/** A quantity the target names: well formed and above zero ("must be positive"). */
function positiveQuantity(value: unknown, path: string): FieldCause[] {
  if (value === undefined || value === null) return [];
  const text = String(value);
  let nanos: bigint;
  try {
    nanos = parseQuantityExact(text).nanos;
  } catch {
    return [invalid(path, text, ERR_FORMAT_WRONG)];
  }
  return nanos > 0n ? [] : [invalid(path, new Raw(text), 'must be positive')];
}

function validateMetricTarget(mt: MetricTarget, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const type = str(mt.type);
  if (!type) errs.push(required(child(path, 'type'), 'must specify a metric target type'));
  if (type !== 'Utilization' && type !== 'Value' && type !== 'AverageValue') {
    errs.push(invalid(child(path, 'type'), type, 'must be either Utilization, Value, or AverageValue'));
  }
  errs.push(...positiveQuantity(mt.value, child(path, 'value')));
  errs.push(...positiveQuantity(mt.averageValue, child(path, 'averageValue')));
  if (typeof mt.averageUtilization === 'number' && mt.averageUtilization < 1) {
    errs.push(invalid(child(path, 'averageUtilization'), mt.averageUtilization, 'must be greater than 0'));
  }
  return errs;
}

function validateMetricIdentifier(id: MetricIdentifier, path: string): FieldCause[] {
  const name = str(id.name);
  const errs: FieldCause[] = [];
  if (!name) errs.push(required(child(path, 'name'), 'must specify a metric name'));
  else for (const msg of isValidPathSegmentName(name)) errs.push(invalid(child(path, 'name'), name, msg));
  if (id.selector !== undefined && id.selector !== null) errs.push(...validateLabelSelector(id.selector, child(path, 'selector')));
  return errs;
}

function validateObjectSource(src: ObjectMetricSource, path: string): FieldCause[] {
  const target = record<unknown>(src.target) as unknown as MetricTarget;
  const errs = [
    ...validateCrossVersionObjectReference(src.describedObject, child(path, 'describedObject')),
    ...validateMetricIdentifier(record<unknown>(src.metric) as unknown as MetricIdentifier, child(path, 'metric')),
    ...validateMetricTarget(target, child(path, 'target')),
  ];
  if (target.value === undefined && target.averageValue === undefined) {
    errs.push(required(child(path, 'target', 'averageValue'), 'must set either a target value or averageValue'));
  }
  return errs;
}

function validateExternalSource(src: ExternalMetricSource, path: string): FieldCause[] {
  const target = record<unknown>(src.target) as unknown as MetricTarget;
  const errs = [
    ...validateMetricIdentifier(record<unknown>(src.metric) as unknown as MetricIdentifier, child(path, 'metric')),
    ...validateMetricTarget(target, child(path, 'target')),
  ];
  if (target.value === undefined && target.averageValue === undefined) {
    errs.push(required(child(path, 'target', 'averageValue'), 'must set either a target value for metric or a per-pod target'));
  }
  if (target.value !== undefined && target.averageValue !== undefined) {
    errs.push(forbidden(child(path, 'target', 'value'), 'may not set both a target value for metric and a per-pod target'));
  }
  return errs;
}

function validatePodsSource(src: PodsMetricSource, path: string): FieldCause[] {
  const target = record<unknown>(src.target) as unknown as MetricTarget;
  const errs = [
    ...validateMetricIdentifier(record<unknown>(src.metric) as unknown as MetricIdentifier, child(path, 'metric')),
    ...validateMetricTarget(target, child(path, 'target')),
  ];
  if (target.averageValue === undefined) errs.push(required(child(path, 'target', 'averageValue'), 'must specify a positive target averageValue'));
  return errs;
}

function validateResourceTargets(target: MetricTarget, path: string): FieldCause[] {
  const errs = validateMetricTarget(target, child(path, 'target'));
  if (target.averageUtilization === undefined && target.averageValue === undefined) {
    errs.push(required(child(path, 'target', 'averageUtilization'), 'must set either a target raw value or a target utilization'));
  }
  if (target.averageUtilization !== undefined && target.averageValue !== undefined) {
    errs.push(forbidden(child(path, 'target', 'averageValue'), 'may not set both a target raw value and a target utilization'));
  }
  return errs;
}

function validateResourceSource(src: ResourceMetricSource, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  if (!str(src.name)) errs.push(required(child(path, 'name'), 'must specify a resource name'));
  errs.push(...validateResourceTargets(record<unknown>(src.target) as unknown as MetricTarget, path));
  return errs;
}

function validateContainerResourceSource(src: ContainerResourceMetricSource, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  if (!str(src.name)) errs.push(required(child(path, 'name'), 'must specify a resource name'));
  const container = str(src.container);
  if (!container) errs.push(required(child(path, 'container'), 'must specify a container'));
  else for (const msg of isDNS1123Label(container)) errs.push(invalid(child(path, 'container'), container, msg));
  errs.push(...validateResourceTargets(record<unknown>(src.target) as unknown as MetricTarget, path));
  return errs;
}

/** validateMetricSpec: a known type, its source set, and no other source. */
function validateMetricSpec(spec: MetricSpec, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const type = str(spec.type);
  if (!type) errs.push(required(child(path, 'type'), 'must specify a metric source type'));
  if (!METRIC_SOURCE_TYPES.includes(type)) errs.push(notSupported(child(path, 'type'), type, METRIC_SOURCE_TYPES));

  const sources: [string, unknown, (src: never, path: string) => FieldCause[]][] = [
    ['object', spec.object, validateObjectSource],
    ['external', spec.external, validateExternalSource],
    ['pods', spec.pods, validatePodsSource],
    ['resource', spec.resource, validateResourceSource],
    ['containerResource', spec.containerResource, validateContainerResourceSource],
  ];
  const present: string[] = [];
  for (const [name, src, fn] of sources) {
    if (src === undefined || src === null) continue;
    present.push(name);
    // Only the first source present is validated, as Kubernetes does.
    if (present.length === 1) errs.push(...fn(record<unknown>(src) as never, child(path, name)));
  }

  const expected = { Object: 'object', Pods: 'pods', Resource: 'resource', External: 'external', ContainerResource: 'containerResource' }[type];
  if (expected) {
    const src = (spec as unknown as Record<string, unknown>)[expected];
    if (src === undefined || src === null) errs.push(required(child(path, expected), 'must populate information for the given metric source'));
  }
  if (present.length !== 1) {
    for (const name of present.filter((n) => n !== expected)) errs.push(forbidden(child(path, name), 'must populate the given metric source only'));
  }
  return errs;
}

function validateScalingPolicy(policy: HPAScalingPolicy, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const type = str(policy.type);
  if (!POLICY_TYPES.includes(type)) errs.push(notSupported(child(path, 'type'), type, POLICY_TYPES));
  const value = typeof policy.value === 'number' ? policy.value : 0;
  if (value <= 0) errs.push(invalid(child(path, 'value'), value, 'must be greater than zero'));
  const period = typeof policy.periodSeconds === 'number' ? policy.periodSeconds : 0;
  if (period <= 0) errs.push(invalid(child(path, 'periodSeconds'), period, 'must be greater than zero'));
  if (period > MAX_PERIOD_SECONDS) errs.push(invalid(child(path, 'periodSeconds'), period, `must be less than or equal to ${MAX_PERIOD_SECONDS}`));
  return errs;
}

function validateScalingRules(rules: HPAScalingRules | undefined, path: string): FieldCause[] {
  if (rules === undefined || rules === null) return [];
  const r = record<unknown>(rules) as HPAScalingRules;
  const errs: FieldCause[] = [];
  const window = r.stabilizationWindowSeconds;
  if (typeof window === 'number' && window < 0) errs.push(invalid(child(path, 'stabilizationWindowSeconds'), window, 'must be greater than or equal to zero'));
  if (typeof window === 'number' && window > MAX_STABILIZATION_WINDOW_SECONDS) {
    errs.push(invalid(child(path, 'stabilizationWindowSeconds'), window, `must be less than or equal to ${MAX_STABILIZATION_WINDOW_SECONDS}`));
  }
  if (r.selectPolicy !== undefined && !SELECT_POLICIES.includes(str(r.selectPolicy))) {
    errs.push(notSupported(child(path, 'selectPolicy'), r.selectPolicy, SELECT_POLICIES));
  }
  const policies = list<HPAScalingPolicy>(r.policies);
  if (policies.length === 0) errs.push(required(child(path, 'policies'), 'must specify at least one Policy'));
  policies.forEach((p, i) => errs.push(...validateScalingPolicy(record<unknown>(p) as unknown as HPAScalingPolicy, index(child(path, 'policies'), i))));
  return errs;
}

function validateBehavior(behavior: HorizontalPodAutoscalerBehavior | undefined, path: string): FieldCause[] {
  if (behavior === undefined || behavior === null) return [];
  const b = record<unknown>(behavior) as HorizontalPodAutoscalerBehavior;
  return [...validateScalingRules(b.scaleUp, child(path, 'scaleUp')), ...validateScalingRules(b.scaleDown, child(path, 'scaleDown'))];
}

/** validateHorizontalPodAutoscalerSpec. */
function validateSpec(spec: HorizontalPodAutoscalerSpec, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const min = spec.minReplicas;
  if (typeof min === 'number' && min < 1) errs.push(invalid(child(path, 'minReplicas'), min, 'must be greater than or equal to 1'));
  const max = typeof spec.maxReplicas === 'number' ? spec.maxReplicas : 0;
  if (max < 1) errs.push(invalid(child(path, 'maxReplicas'), max, 'must be greater than 0'));
  if (typeof min === 'number' && max < min) errs.push(invalid(child(path, 'maxReplicas'), max, 'must be greater than or equal to `minReplicas`'));
  errs.push(...validateCrossVersionObjectReference(spec.scaleTargetRef, child(path, 'scaleTargetRef')));
  list<MetricSpec>(spec.metrics).forEach((m, i) => errs.push(...validateMetricSpec(record<unknown>(m) as unknown as MetricSpec, index(child(path, 'metrics'), i))));
  errs.push(...validateBehavior(spec.behavior, child(path, 'behavior')));
  return errs;
}

/** A HorizontalPodAutoscaler being created: its name (a DNS subdomain) and its spec. */
export function validateHorizontalPodAutoscalerCreate(hpa: HorizontalPodAutoscaler): FieldCause[] {
  return [...validateObjectMeta(hpa.metadata, { namespaced: true, nameFn: nameIsDNSSubdomain }), ...validateSpec(specOf(hpa), 'spec')];
}

/** A HorizontalPodAutoscaler being updated: metadata rules and the spec rules. */
export function validateHorizontalPodAutoscalerUpdate(hpa: HorizontalPodAutoscaler, old: HorizontalPodAutoscaler): FieldCause[] {
  return [...validateObjectMetaUpdate(hpa.metadata, old.metadata), ...validateSpec(specOf(hpa), 'spec')];
}

/**
 * ValidateHorizontalPodAutoscalerStatusUpdate (metadata is checked by the caller):
 * currentReplicas and desiredReplicas not negative. The second path is Kubernetes'
 * own, typo included.
 */
export function validateHorizontalPodAutoscalerStatus(hpa: HorizontalPodAutoscaler): FieldCause[] {
  const status = record<unknown>(hpa.status);
  return [...nonNegative(status.currentReplicas, 'status.currentReplicas'), ...nonNegative(status.desiredReplicas, 'status.desiredReplicasa')];
}
