// The replica count a resource metric asks for (pkg/controller/podautoscaler/
// replica_calculator.go): pure functions over the target's pods, their metrics and
// their requests.
//
// Worked example: 3 ready pods requesting 200m cpu each use 300m, 250m and 350m, with
// a 50% target: utilization = 900m / 600m = 150%, usage ratio 150/50 = 3.0, outside
// the 0.1 tolerance, so ceil(3.0 * 3) = 9 replicas.
//
// Pods are grouped first: deleted and Failed pods are ignored; Pending pods, and for
// cpu pods not yet ready (or ready for less than one metric window inside the cpu
// initialization period), count as unready; pods without a sample are missing. When
// unready or missing pods could change the answer, the ratio is computed again with
// the missing ones at 100% of their request (the target, if higher) on a scale-down
// and at 0 on a scale-up, and the unready ones at 0 on a scale-up; a scale that would
// then go the other way, or stay within the tolerance, keeps the current count.
import { podCondition } from '../../api/helpers/pod.js';
import { parseTime } from '../../api/helpers/time.js';
import { milliValue } from '../../api/quantity.js';
import type { Container, Pod } from '../../api/types/core.js';
import type { PodMetricsInfo } from './metrics-client.js';

export interface CalculatorOptions {
  /** --horizontal-pod-autoscaler-tolerance (0.1). */
  tolerance: number;
  /** --horizontal-pod-autoscaler-cpu-initialization-period (5 min), ms. */
  cpuInitializationPeriodMs: number;
  /** --horizontal-pod-autoscaler-initial-readiness-delay (30 s), ms. */
  delayOfInitialReadinessStatusMs: number;
}

export interface PodGroups {
  readyPodCount: number;
  unreadyPods: Set<string>;
  missingPods: Set<string>;
  ignoredPods: Set<string>;
}

/** groupPods: which pods count, which are unready, missing a sample, or ignored. */
export function groupPods(pods: readonly Pod[], metrics: PodMetricsInfo, resource: string, o: CalculatorOptions, now: number): PodGroups {
  const g: PodGroups = { readyPodCount: 0, unreadyPods: new Set(), missingPods: new Set(), ignoredPods: new Set() };
  for (const pod of pods) {
    const name = pod.metadata.name ?? '';
    const phase = pod.status?.phase;
    if (pod.metadata.deletionTimestamp || phase === 'Failed') {
      g.ignoredPods.add(name);
      continue;
    }
    if (phase === 'Pending') {
      g.unreadyPods.add(name);
      continue;
    }
    const metric = metrics.get(name);
    if (!metric) {
      g.missingPods.add(name);
      continue;
    }
    if (resource === 'cpu') {
      const ready = podCondition(pod, 'Ready');
      const start = pod.status?.startTime ? parseTime(pod.status.startTime) : NaN;
      let unready: boolean;
      if (!ready || Number.isNaN(start)) {
        unready = true;
      } else {
        const transition = parseTime(ready.lastTransitionTime);
        if (start + o.cpuInitializationPeriodMs > now) {
          // Still initializing: a sample counts once the pod is ready and one window
          // was measured after it became so.
          unready = ready.status === 'False' || metric.timestamp < transition + metric.windowMs;
        } else {
          // Unready and never ready since it started: its cpu is not representative.
          unready = ready.status === 'False' && start + o.delayOfInitialReadinessStatusMs > transition;
        }
      }
      if (unready) {
        g.unreadyPods.add(name);
        continue;
      }
    }
    g.readyPodCount++;
  }
  return g;
}

/** Containers whose requests count: the regular ones and restartable (sidecar) init containers. */
function requestingContainers(pod: Pod): Container[] {
  return [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always')];
}

/**
 * calculateRequests: each pod's request of `resource` in milli-units, over all its
 * containers or the one named. Throws when a counted container requests none.
 */
export function calculatePodRequests(pods: readonly Pod[], resource: string, container?: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const pod of pods) {
    let sum = 0;
    for (const c of requestingContainers(pod)) {
      if (container !== undefined && container !== '' && c.name !== container) continue;
      const q = c.resources?.requests?.[resource];
      const milli = q === undefined ? 0 : milliValue(q);
      if (milli === 0) throw new Error(`missing request for ${resource} in container ${c.name} of Pod ${pod.metadata.name ?? ''}`);
      sum += milli;
    }
    out.set(pod.metadata.name ?? '', sum);
  }
  return out;
}

export interface UtilizationRatio {
  usageRatio: number;
  /** Percent of the requests, truncated as Go's integer division does. */
  utilization: number;
  /** Mean usage per pod, milli-units. */
  rawAverage: number;
}

/** GetResourceUtilizationRatio: usage over requests of the pods that have both. */
export function resourceUtilizationRatio(metrics: PodMetricsInfo, requests: Map<string, number>, targetUtilization: number): UtilizationRatio {
  let metricsTotal = 0;
  let requestsTotal = 0;
  let n = 0;
  for (const [pod, m] of metrics) {
    const request = requests.get(pod);
    if (request === undefined) continue; // a metric of a pod not selected: extraneous
    metricsTotal += m.value;
    requestsTotal += request;
    n++;
  }
  if (requestsTotal === 0) throw new Error('no metrics returned matched known pods');
  const utilization = Math.trunc((metricsTotal * 100) / requestsTotal);
  return { usageRatio: utilization / targetUtilization, utilization, rawAverage: Math.trunc(metricsTotal / n) };
}

/** GetMetricUsageRatio: mean usage per pod over the target mean. */
export function metricUsageRatio(metrics: PodMetricsInfo, targetUsage: number): { usageRatio: number; usage: number } {
  let total = 0;
  for (const m of metrics.values()) total += m.value;
  const usage = Math.trunc(total / metrics.size);
  return { usageRatio: usage / targetUsage, usage };
}

export interface ResourceReplicas {
  replicas: number;
  /** Percent of the requests (utilization targets). */
  utilization: number;
  /** Mean usage per pod, milli-units. */
  rawAverage: number;
}

const withoutPods = (metrics: PodMetricsInfo, pods: Set<string>): void => {
  for (const p of pods) metrics.delete(p);
};

/**
 * GetResourceReplicas: the replicas a target utilization (percent of requests) asks
 * for. `metrics` is consumed (samples are dropped and filled in). Throws Kubernetes'
 * messages when nothing can be computed.
 */
export function resourceReplicas(
  currentReplicas: number, targetUtilization: number, resource: string, pods: readonly Pod[], metrics: PodMetricsInfo,
  o: CalculatorOptions, now: number, container?: string,
): ResourceReplicas {
  if (pods.length === 0) throw new Error('no pods returned by selector while calculating replica count');
  const g = groupPods(pods, metrics, resource, o, now);
  withoutPods(metrics, g.ignoredPods);
  withoutPods(metrics, g.unreadyPods);
  const requests = calculatePodRequests(pods, resource, container);
  if (metrics.size === 0) throw new Error('did not receive metrics for targeted pods (pods might be unready)');

  const { usageRatio, utilization, rawAverage } = resourceUtilizationRatio(metrics, requests, targetUtilization);
  const scaleUpWithUnready = g.unreadyPods.size > 0 && usageRatio > 1.0;
  if (!scaleUpWithUnready && g.missingPods.size === 0) {
    if (Math.abs(1.0 - usageRatio) <= o.tolerance) return { replicas: currentReplicas, utilization, rawAverage };
    return { replicas: Math.ceil(usageRatio * g.readyPodCount), utilization, rawAverage };
  }

  if (g.missingPods.size > 0) {
    if (usageRatio < 1.0) {
      // On a scale-down a missing pod counts as using its request (or the target, if higher).
      const fallback = Math.max(100, targetUtilization);
      for (const p of g.missingPods) metrics.set(p, { value: Math.trunc(((requests.get(p) ?? 0) * fallback) / 100), timestamp: 0, windowMs: 0 });
    } else if (usageRatio > 1.0) {
      for (const p of g.missingPods) metrics.set(p, { value: 0, timestamp: 0, windowMs: 0 });
    }
  }
  if (scaleUpWithUnready) for (const p of g.unreadyPods) metrics.set(p, { value: 0, timestamp: 0, windowMs: 0 });

  const newUsageRatio = resourceUtilizationRatio(metrics, requests, targetUtilization).usageRatio;
  if (Math.abs(1.0 - newUsageRatio) <= o.tolerance || (usageRatio < 1.0 && newUsageRatio > 1.0) || (usageRatio > 1.0 && newUsageRatio < 1.0)) {
    return { replicas: currentReplicas, utilization, rawAverage };
  }
  const newReplicas = Math.ceil(newUsageRatio * metrics.size);
  if ((newUsageRatio < 1.0 && newReplicas > currentReplicas) || (newUsageRatio > 1.0 && newReplicas < currentReplicas)) {
    return { replicas: currentReplicas, utilization, rawAverage };
  }
  return { replicas: newReplicas, utilization, rawAverage };
}

/**
 * GetRawResourceReplicas (calcPlainMetricReplicas): the replicas a target mean usage
 * per pod (milli-units) asks for; missing pods count at the target on a scale-down.
 */
export function rawResourceReplicas(
  currentReplicas: number, targetUsage: number, resource: string, pods: readonly Pod[], metrics: PodMetricsInfo,
  o: CalculatorOptions, now: number,
): { replicas: number; usage: number } {
  if (pods.length === 0) throw new Error('no pods returned by selector while calculating replica count');
  const g = groupPods(pods, metrics, resource, o, now);
  withoutPods(metrics, g.ignoredPods);
  withoutPods(metrics, g.unreadyPods);
  if (metrics.size === 0) throw new Error('did not receive metrics for targeted pods (pods might be unready)');

  const { usageRatio, usage } = metricUsageRatio(metrics, targetUsage);
  const scaleUpWithUnready = g.unreadyPods.size > 0 && usageRatio > 1.0;
  if (!scaleUpWithUnready && g.missingPods.size === 0) {
    if (Math.abs(1.0 - usageRatio) <= o.tolerance) return { replicas: currentReplicas, usage };
    return { replicas: Math.ceil(usageRatio * g.readyPodCount), usage };
  }
  if (g.missingPods.size > 0) {
    const fill = usageRatio < 1.0 ? targetUsage : 0;
    for (const p of g.missingPods) metrics.set(p, { value: fill, timestamp: 0, windowMs: 0 });
  }
  if (scaleUpWithUnready) for (const p of g.unreadyPods) metrics.set(p, { value: 0, timestamp: 0, windowMs: 0 });

  const newUsageRatio = metricUsageRatio(metrics, targetUsage).usageRatio;
  if (Math.abs(1.0 - newUsageRatio) <= o.tolerance || (usageRatio < 1.0 && newUsageRatio > 1.0) || (usageRatio > 1.0 && newUsageRatio < 1.0)) {
    return { replicas: currentReplicas, usage };
  }
  return { replicas: Math.ceil(newUsageRatio * metrics.size), usage };
}
