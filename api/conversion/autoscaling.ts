// autoscaling/v1 <-> autoscaling/v2 HorizontalPodAutoscalers, as Kubernetes converts
// them (pkg/apis/autoscaling/v1/conversion.go). v1 holds a cpu utilization target and
// its current value; everything else round-trips through annotations:
//   autoscaling.alpha.kubernetes.io/metrics          the other metric specs (v1 MetricSpec JSON)
//   autoscaling.alpha.kubernetes.io/current-metrics  every current metric (v1 MetricStatus JSON)
//   autoscaling.alpha.kubernetes.io/conditions       the conditions
//   autoscaling.alpha.kubernetes.io/behavior         the behavior (v2 JSON)
// A v1 HPA without a cpu target and without other metrics gets the implicit 80% target.
// JSON keys are written in Go's field order, so annotations match Kubernetes' bytes.
import type {
  HorizontalPodAutoscaler, HorizontalPodAutoscalerCondition, HorizontalPodAutoscalerV1, MetricSpec, MetricStatus,
} from '../types/autoscaling.js';
import type { LabelSelector } from '../types/meta.js';
import { DEFAULT_CPU_UTILIZATION } from '../defaults.js';

export const METRIC_SPECS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/metrics';
export const METRIC_STATUSES_ANNOTATION = 'autoscaling.alpha.kubernetes.io/current-metrics';
export const CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';
export const BEHAVIOR_ANNOTATION = 'autoscaling.alpha.kubernetes.io/behavior';
const ROUND_TRIP = [METRIC_SPECS_ANNOTATION, METRIC_STATUSES_ANNOTATION, CONDITIONS_ANNOTATION, BEHAVIOR_ANNOTATION];

type Json = Record<string, unknown>;

/** Drops undefined values, keeping key order (Go's omitempty for pointers). */
function compact(o: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out;
}

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** DropRoundTripHorizontalPodAutoscalerAnnotations. */
function withoutRoundTrip(annotations: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!annotations) return undefined;
  const out = { ...annotations };
  for (const k of ROUND_TRIP) delete out[k];
  return Object.keys(out).length ? out : undefined;
}

function parseJson<T>(text: string | undefined): T | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined; // Kubernetes ignores an annotation it cannot decode
  }
}

// ---------------------------------------------------------------- metric specs

function specToV1(m: MetricSpec): Json {
  const out: Json = { type: m.type };
  if (m.object) {
    out.object = compact({
      target: m.object.describedObject, metricName: m.object.metric?.name, targetValue: m.object.target?.value ?? '0',
      selector: m.object.metric?.selector, averageValue: m.object.target?.averageValue,
    });
  }
  if (m.pods) out.pods = compact({ metricName: m.pods.metric?.name, targetAverageValue: m.pods.target?.averageValue ?? '0', selector: m.pods.metric?.selector });
  if (m.resource) out.resource = compact({ name: m.resource.name, targetAverageUtilization: m.resource.target?.averageUtilization, targetAverageValue: m.resource.target?.averageValue });
  if (m.containerResource) {
    out.containerResource = compact({
      name: m.containerResource.name, targetAverageUtilization: m.containerResource.target?.averageUtilization,
      targetAverageValue: m.containerResource.target?.averageValue, container: m.containerResource.container,
    });
  }
  if (m.external) {
    out.external = compact({
      metricName: m.external.metric?.name, metricSelector: m.external.metric?.selector,
      targetValue: m.external.target?.value, targetAverageValue: m.external.target?.averageValue,
    });
  }
  return out;
}

function specFromV1(m: Json): MetricSpec {
  const out: MetricSpec = { type: String(m.type ?? '') };
  const o = m.object;
  if (isObj(o)) {
    out.object = {
      describedObject: o.target as { kind: string; name: string },
      metric: compact({ name: o.metricName, selector: o.selector }) as { name: string; selector?: LabelSelector },
      target: compact({ type: o.averageValue === undefined ? 'Value' : 'AverageValue', value: o.targetValue, averageValue: o.averageValue }) as { type: string },
    };
  }
  const p = m.pods;
  if (isObj(p)) {
    out.pods = {
      metric: compact({ name: p.metricName, selector: p.selector }) as { name: string },
      target: compact({ type: 'AverageValue', averageValue: p.targetAverageValue }) as { type: string },
    };
  }
  for (const key of ['resource', 'containerResource'] as const) {
    const r = m[key];
    if (!isObj(r)) continue;
    const target = compact({
      type: r.targetAverageUtilization === undefined ? 'AverageValue' : 'Utilization',
      averageValue: r.targetAverageValue, averageUtilization: r.targetAverageUtilization,
    }) as { type: string };
    if (key === 'resource') out.resource = { name: String(r.name ?? ''), target };
    else out.containerResource = { name: String(r.name ?? ''), target, container: String(r.container ?? '') };
  }
  const e = m.external;
  if (isObj(e)) {
    out.external = {
      metric: compact({ name: e.metricName, selector: e.metricSelector }) as { name: string },
      target: compact({ type: e.targetValue !== undefined ? 'Value' : 'AverageValue', value: e.targetValue, averageValue: e.targetAverageValue }) as { type: string },
    };
  }
  return out;
}

// ---------------------------------------------------------------- metric statuses

function statusToV1(m: MetricStatus): Json {
  const out: Json = { type: m.type };
  if (m.object) {
    out.object = compact({
      target: m.object.describedObject, metricName: m.object.metric?.name, currentValue: m.object.current?.value ?? '0',
      selector: m.object.metric?.selector, averageValue: m.object.current?.averageValue,
    });
  }
  if (m.pods) out.pods = compact({ metricName: m.pods.metric?.name, currentAverageValue: m.pods.current?.averageValue ?? '0', selector: m.pods.metric?.selector });
  if (m.resource) {
    out.resource = compact({ name: m.resource.name, currentAverageUtilization: m.resource.current?.averageUtilization, currentAverageValue: m.resource.current?.averageValue ?? '0' });
  }
  if (m.containerResource) {
    out.containerResource = compact({
      name: m.containerResource.name, currentAverageUtilization: m.containerResource.current?.averageUtilization,
      currentAverageValue: m.containerResource.current?.averageValue ?? '0', container: m.containerResource.container,
    });
  }
  if (m.external) {
    out.external = compact({
      metricName: m.external.metric?.name, metricSelector: m.external.metric?.selector,
      currentValue: m.external.current?.value ?? '0', currentAverageValue: m.external.current?.averageValue,
    });
  }
  return out;
}

function statusFromV1(m: Json): MetricStatus {
  const out: MetricStatus = { type: String(m.type ?? '') };
  const o = m.object;
  if (isObj(o)) {
    out.object = {
      describedObject: o.target as { kind: string; name: string },
      metric: compact({ name: o.metricName, selector: o.selector }) as { name: string },
      current: compact({ value: o.currentValue, averageValue: o.averageValue }),
    };
  }
  const p = m.pods;
  if (isObj(p)) out.pods = { metric: compact({ name: p.metricName, selector: p.selector }) as { name: string }, current: compact({ averageValue: p.currentAverageValue }) };
  for (const key of ['resource', 'containerResource'] as const) {
    const r = m[key];
    if (!isObj(r)) continue;
    const current = compact({ averageUtilization: r.currentAverageUtilization, averageValue: r.currentAverageValue });
    if (key === 'resource') out.resource = { name: String(r.name ?? ''), current };
    else out.containerResource = { name: String(r.name ?? ''), current, container: String(r.container ?? '') };
  }
  const e = m.external;
  if (isObj(e)) {
    out.external = { metric: compact({ name: e.metricName, selector: e.metricSelector }) as { name: string }, current: compact({ value: e.currentValue, averageValue: e.currentAverageValue }) };
  }
  return out;
}

const isCpuUtilization = (m: MetricSpec): boolean =>
  m.type === 'Resource' && m.resource?.name === 'cpu' && m.resource.target?.averageUtilization !== undefined;

// ---------------------------------------------------------------- whole objects

/** An autoscaling/v2 HPA as autoscaling/v1 shows it. Does not change `hpa`. */
export function hpaToV1(hpa: HorizontalPodAutoscaler): HorizontalPodAutoscalerV1 {
  const spec = hpa.spec;
  const status = hpa.status;
  const annotations: Record<string, string> = { ...(withoutRoundTrip(hpa.metadata.annotations) ?? {}) };
  const metrics = spec?.metrics ?? [];
  const others = metrics.filter((m) => !isCpuUtilization(m)).map(specToV1);
  if (others.length > 0) annotations[METRIC_SPECS_ANNOTATION] = JSON.stringify(others);
  const current = status?.currentMetrics ?? [];
  if (current.length > 0) annotations[METRIC_STATUSES_ANNOTATION] = JSON.stringify(current.map(statusToV1));
  if (spec?.behavior) annotations[BEHAVIOR_ANNOTATION] = JSON.stringify(spec.behavior);
  if (status?.conditions?.length) {
    annotations[CONDITIONS_ANNOTATION] = JSON.stringify(status.conditions.map((c) => compact({
      type: c.type, status: c.status, lastTransitionTime: c.lastTransitionTime, reason: c.reason, message: c.message,
    })));
  }
  const cpu = metrics.find(isCpuUtilization);
  const cpuNow = current.find((m) => m.type === 'Resource' && m.resource?.name === 'cpu' && m.resource.current?.averageUtilization !== undefined);
  const { apiVersion: _a, kind: _k, spec: _s, status: _st, metadata, ...rest } = hpa;
  const out: HorizontalPodAutoscalerV1 = {
    apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', ...rest,
    metadata: { ...metadata, annotations: Object.keys(annotations).length ? annotations : undefined },
  };
  if (out.metadata.annotations === undefined) delete out.metadata.annotations;
  if (spec) {
    out.spec = compact({
      scaleTargetRef: spec.scaleTargetRef, minReplicas: spec.minReplicas, maxReplicas: spec.maxReplicas,
      targetCPUUtilizationPercentage: cpu?.resource?.target.averageUtilization,
    }) as unknown as HorizontalPodAutoscalerV1['spec'];
  }
  if (status) {
    out.status = compact({
      observedGeneration: status.observedGeneration, lastScaleTime: status.lastScaleTime,
      currentReplicas: status.currentReplicas ?? 0, desiredReplicas: status.desiredReplicas ?? 0,
      currentCPUUtilizationPercentage: cpuNow?.resource?.current.averageUtilization,
    }) as unknown as HorizontalPodAutoscalerV1['status'];
  }
  return out;
}

/** An autoscaling/v1 HPA as autoscaling/v2 holds it (the annotations taken back in). Does not change `hpa`. */
export function hpaFromV1(hpa: HorizontalPodAutoscalerV1): HorizontalPodAutoscaler {
  const given = isObj(hpa.metadata?.annotations) ? hpa.metadata.annotations : {};
  const { apiVersion: _a, kind: _k, spec: _s, status: _st, metadata, ...rest } = hpa;
  const out: HorizontalPodAutoscaler = {
    apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', ...rest,
    metadata: { ...(isObj(metadata) ? metadata : {}), annotations: withoutRoundTrip(given) },
  };
  if (out.metadata.annotations === undefined) delete out.metadata.annotations;

  const spec = isObj(hpa.spec) ? hpa.spec : undefined;
  if (spec) {
    const metrics: MetricSpec[] = [];
    const others = parseJson<unknown[]>(given[METRIC_SPECS_ANNOTATION]);
    if (Array.isArray(others)) for (const m of others) if (isObj(m)) metrics.push(specFromV1(m));
    if (spec.targetCPUUtilizationPercentage !== undefined && spec.targetCPUUtilizationPercentage !== null) {
      metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: spec.targetCPUUtilizationPercentage } } });
    }
    if (metrics.length === 0) {
      metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION } } });
    }
    out.spec = compact({ scaleTargetRef: spec.scaleTargetRef, minReplicas: spec.minReplicas, maxReplicas: spec.maxReplicas, metrics }) as unknown as HorizontalPodAutoscaler['spec'];
    const behavior = parseJson<Json>(given[BEHAVIOR_ANNOTATION]);
    if (isObj(behavior) && Object.keys(behavior).length > 0) out.spec!.behavior = behavior;
  }

  const status = isObj(hpa.status) ? hpa.status : undefined;
  if (status) {
    let currentMetrics: MetricStatus[] | null = null;
    if (status.currentCPUUtilizationPercentage !== undefined && status.currentCPUUtilizationPercentage !== null) {
      currentMetrics = [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: status.currentCPUUtilizationPercentage } } }];
    }
    const annotated = parseJson<unknown[]>(given[METRIC_STATUSES_ANNOTATION]);
    if (Array.isArray(annotated)) currentMetrics = annotated.filter(isObj).map(statusFromV1);
    const conditions = parseJson<unknown[]>(given[CONDITIONS_ANNOTATION]);
    out.status = compact({
      observedGeneration: status.observedGeneration, lastScaleTime: status.lastScaleTime,
      currentReplicas: status.currentReplicas || undefined, desiredReplicas: status.desiredReplicas ?? 0, currentMetrics,
      conditions: Array.isArray(conditions) ? conditions.filter(isObj) as unknown as HorizontalPodAutoscalerCondition[] : undefined,
    }) as unknown as HorizontalPodAutoscaler['status'];
  }
  return out;
}
