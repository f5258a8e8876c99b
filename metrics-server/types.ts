// metrics.k8s.io/v1beta1 as metrics-server serves it (k8s.io/metrics/pkg/apis/metrics/v1beta1),
// and the points it is computed from.
import type { ObjectMeta } from '../api/types/meta.js';

export const METRICS_GROUP = 'metrics.k8s.io';
export const METRICS_VERSION = 'v1beta1';
export const METRICS_API_VERSION = `${METRICS_GROUP}/${METRICS_VERSION}`;

/** cpu (a nanocores quantity, "1234567n") and memory (bytes, "12345Ki"). */
export interface Usage { cpu: string; memory: string }

export interface NodeMetrics {
  kind?: 'NodeMetrics';
  apiVersion?: string;
  metadata: ObjectMeta;
  /** The end of the window (RFC 3339): when the later sample was taken. */
  timestamp: string;
  /** The time between the two samples the rate was computed over (a Go duration, "10.012s"). */
  window: string;
  usage: Usage;
}

export interface ContainerMetrics { name: string; usage: Usage }

export interface PodMetrics {
  kind?: 'PodMetrics';
  apiVersion?: string;
  metadata: ObjectMeta;
  timestamp: string;
  window: string;
  containers: ContainerMetrics[];
}

export interface MetricsList<T extends NodeMetrics | PodMetrics> {
  kind: 'NodeMetricsList' | 'PodMetricsList';
  apiVersion: string;
  metadata: Record<string, never>;
  /** Items carry no kind or apiVersion, as in any Kubernetes list. */
  items: T[];
}

/** One sample of a node or container (metrics-server's MetricsPoint); times in ms since the epoch. */
export interface MetricsPoint {
  /** When the container started (0 when unknown, as for nodes). */
  startTime: number;
  timestamp: number;
  /** Cumulative CPU in nanocore-seconds (nanoseconds of one core). */
  cumulativeCpuUsed: number;
  /** Working set, bytes. */
  memoryUsage: number;
}

/** What one scrape of the kubelets gave: nodes by name, pods by "namespace/name" with their containers by name. */
export interface MetricsBatch {
  nodes: Map<string, MetricsPoint>;
  pods: Map<string, Map<string, MetricsPoint>>;
}
