// The HPA controller's resource metrics client (pkg/controller/podautoscaler/metrics:
// resourceMetricsClient over the metrics.k8s.io/v1beta1 API that metrics-server, or
// here the apiserver, serves): per pod, the sum of its containers' usage of one
// resource in milli-units, with the sample's timestamp and window.
import { parseGoDuration } from '../../api/duration.js';
import { parseTime } from '../../api/helpers/time.js';
import { milliValue } from '../../api/quantity.js';
import type { PodMetrics, PodMetricsList } from '../../api/types/autoscaling.js';
import type { RestClient } from '../../client/rest-client.js';

/** One pod's usage of a resource (PodMetric): milli-units, and when and over how long it was measured. */
export interface PodMetric {
  /** Milli-units: millicores for cpu, milli-bytes for memory (Quantity.MilliValue). */
  value: number;
  /** Epoch ms of the end of the sample. */
  timestamp: number;
  /** The sample's window in ms. */
  windowMs: number;
}

/** PodMetricsInfo: pod name to its metric. */
export type PodMetricsInfo = Map<string, PodMetric>;

export interface ResourceMetrics {
  metrics: PodMetricsInfo;
  /** The timestamp of the first sample (Kubernetes reports that one). */
  timestamp: number;
}

/**
 * Where the HPA controller reads resource metrics. Called once per resource metric per
 * sync; rejects when the metrics API cannot be read or has no sample for the pods
 * (the controller turns that into ScalingActive=False FailedGetResourceMetric).
 */
export interface MetricsClient {
  /**
   * Usage of `resource` by the pods of `namespace` matching `selector` (string form),
   * summed over their containers, or over the one container named `container`.
   */
  getResourceMetric(resource: string, namespace: string, selector: string, container?: string): Promise<ResourceMetrics>;
}

/**
 * getPodMetrics: the pods' usage as Kubernetes sums it. A pod missing a container's
 * sample of the resource (or the named container) is left out, as if it had no metrics.
 */
export function podMetricsInfo(items: readonly PodMetrics[], resource: string, container?: string): PodMetricsInfo {
  const out: PodMetricsInfo = new Map();
  for (const m of items) {
    let sum = 0;
    let missing = false;
    let found = container === undefined;
    for (const c of m.containers ?? []) {
      if (container !== undefined && c.name !== container) continue;
      found = true;
      const q = c.usage?.[resource];
      if (q === undefined) {
        missing = true;
        break;
      }
      try {
        sum += milliValue(q);
      } catch {
        missing = true;
        break;
      }
    }
    if (missing || !found) continue;
    let windowMs = 0;
    try {
      windowMs = parseGoDuration(m.window ?? '0');
    } catch {
      windowMs = 0;
    }
    out.set(m.metadata?.name ?? '', { value: sum, timestamp: parseTime(m.timestamp), windowMs });
  }
  return out;
}

/**
 * The client over the resource metrics API. `rest` talks to the apiserver (which serves
 * metrics.k8s.io) or, with --horizontal-pod-autoscaler-metrics-api-server, to another
 * server that serves the same API.
 */
export class RestMetricsClient implements MetricsClient {
  constructor(private readonly rest: RestClient) {}

  async getResourceMetric(resource: string, namespace: string, selector: string, container?: string): Promise<ResourceMetrics> {
    let list: PodMetricsList;
    try {
      list = await this.rest.request<PodMetricsList>({
        path: `/apis/metrics.k8s.io/v1beta1/namespaces/${encodeURIComponent(namespace)}/pods`,
        query: { labelSelector: selector },
      });
    } catch (err) {
      throw new Error(`unable to fetch metrics from resource metrics API: ${(err as Error).message}`, { cause: err });
    }
    const items = list?.items ?? [];
    if (items.length === 0) throw new Error('no metrics returned from resource metrics API');
    const metrics = podMetricsInfo(items, resource, container);
    if (metrics.size === 0) {
      throw new Error(container === undefined
        ? `failed to get ${resource} usage`
        : `failed to get container metrics: container ${container} not present in metrics for some pods`);
    }
    return { metrics, timestamp: parseTime(items[0].timestamp) };
  }
}
