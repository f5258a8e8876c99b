// The last two scrapes of every node and container, and the usage computed from them,
// as metrics-server's pkg/storage keeps them: a point moves to "previous" when a newer
// one arrives; CPU is the rate between the two (nanocores), memory the later working
// set; a container restarted between them (a later start time) has no rate until its
// next scrape. Pure: the scraper stores batches, the API reads metrics.
import { goDurationString } from '../api/duration.js';
import { rfc3339 } from '../api/helpers/time.js';
import { formatQuantity } from '../api/quantity.js';
import type { KubeObject } from '../api/types/meta.js';
import type { ContainerMetrics, MetricsBatch, MetricsPoint, NodeMetrics, PodMetrics, Usage } from './types.js';

/** A container younger than this has too little history for its start to stand in for a previous point. */
const FRESH_CONTAINER_MIN_RESOLUTION_MS = 10_000;

/** CPU as metrics-server writes it: a nanocores quantity, canonical (1234567 -> "1234567n", 12000000 -> "12m", 2e9 -> "2"). */
export const cpuQuantity = (nanocores: number): string => formatQuantity({ nanos: BigInt(Math.max(0, Math.trunc(nanocores))), format: 'DecimalSI' });
/** Memory as metrics-server writes it: bytes, binary-canonical (12644352 -> "12348Ki", 12345 -> "12345"). */
export const memoryQuantity = (bytes: number): string => formatQuantity({ nanos: BigInt(Math.max(0, Math.trunc(bytes))) * 1_000_000_000n, format: 'BinarySI' });

/**
 * Usage between two points of one node or container (metrics-server's resourceUsage);
 * undefined when the points cannot make one (start time or counter went back, no time passed).
 * Worked example: 3e9 ns of CPU more over a 10 s window is 3e8 nanocores, "300m".
 */
export function resourceUsage(last: MetricsPoint, prev: MetricsPoint): { usage: Usage; timestamp: number; windowMs: number } | undefined {
  if (last.startTime < prev.startTime) return undefined;
  if (last.cumulativeCpuUsed < prev.cumulativeCpuUsed) return undefined;
  const windowMs = last.timestamp - prev.timestamp;
  if (windowMs <= 0) return undefined;
  const nanocores = (last.cumulativeCpuUsed - prev.cumulativeCpuUsed) / (windowMs / 1000);
  return { usage: { cpu: cpuQuantity(nanocores), memory: memoryQuantity(last.memoryUsage) }, timestamp: last.timestamp, windowMs };
}

export class MetricsStorage {
  private lastNodes = new Map<string, MetricsPoint>();
  private prevNodes = new Map<string, MetricsPoint>();
  private lastPods = new Map<string, Map<string, MetricsPoint>>();
  private prevPods = new Map<string, Map<string, MetricsPoint>>();

  /** resolutionMs: the scrape period (--metric-resolution), for the fresh-container rule. */
  constructor(private readonly resolutionMs: number) {}

  /** True once some node has two points (metrics-server's readiness). */
  ready(): boolean {
    return this.prevNodes.size > 0;
  }

  store(batch: MetricsBatch): void {
    const lastNodes = new Map<string, MetricsPoint>();
    const prevNodes = new Map<string, MetricsPoint>();
    for (const [name, point] of batch.nodes) {
      lastNodes.set(name, point);
      const last = this.lastNodes.get(name);
      if (!last) continue;
      if (point.timestamp > last.timestamp) prevNodes.set(name, last);
      else {
        const prev = this.prevNodes.get(name);
        if (prev && prev.timestamp < point.timestamp) prevNodes.set(name, prev);
      }
    }
    this.lastNodes = lastNodes;
    this.prevNodes = prevNodes;

    const lastPods = new Map<string, Map<string, MetricsPoint>>();
    const prevPods = new Map<string, Map<string, MetricsPoint>>();
    for (const [key, containers] of batch.pods) {
      const newLast = new Map<string, MetricsPoint>();
      const newPrev = new Map<string, MetricsPoint>();
      for (const [name, point] of containers) {
        newLast.set(name, point);
        const age = point.timestamp - point.startTime;
        if (point.startTime > 0 && point.startTime < point.timestamp && age < this.resolutionMs && age >= FRESH_CONTAINER_MIN_RESOLUTION_MS) {
          // A container started within one resolution: its start (no CPU used yet) is the previous point.
          newPrev.set(name, { ...point, timestamp: point.startTime, cumulativeCpuUsed: 0 });
          continue;
        }
        const last = this.lastPods.get(key)?.get(name);
        // Not restarted since the stored point (started before it was taken).
        if (!last || !(point.startTime < last.timestamp)) continue;
        if (point.timestamp > last.timestamp) newPrev.set(name, last);
        else {
          const prev = this.prevPods.get(key)?.get(name);
          if (prev && prev.timestamp < point.timestamp) newPrev.set(name, prev);
        }
      }
      if (newPrev.size) prevPods.set(key, newPrev);
      lastPods.set(key, newLast);
    }
    this.lastPods = lastPods;
    this.prevPods = prevPods;
  }

  /** NodeMetrics of those nodes that have two points, in name order. */
  nodeMetrics(nodes: KubeObject[], now = Date.now()): NodeMetrics[] {
    const out: NodeMetrics[] = [];
    for (const node of nodes) {
      const name = node.metadata.name as string;
      const last = this.lastNodes.get(name);
      const prev = this.prevNodes.get(name);
      if (!last || !prev) continue;
      const u = resourceUsage(last, prev);
      if (!u) continue;
      out.push({
        metadata: { name, creationTimestamp: rfc3339(now), ...(node.metadata.labels ? { labels: node.metadata.labels } : {}) },
        timestamp: rfc3339(u.timestamp), window: goDurationString(u.windowMs), usage: u.usage,
      });
    }
    return out.sort((a, b) => (a.metadata.name as string).localeCompare(b.metadata.name as string));
  }

  /** PodMetrics of those pods all of whose containers have two points, in namespace and name order. */
  podMetrics(pods: KubeObject[], now = Date.now()): PodMetrics[] {
    const out: PodMetrics[] = [];
    for (const pod of pods) {
      const key = `${pod.metadata.namespace as string}/${pod.metadata.name as string}`;
      const last = this.lastPods.get(key);
      const prev = this.prevPods.get(key);
      if (!last || !prev) continue;
      const containers: ContainerMetrics[] = [];
      let earliest: { timestamp: number; windowMs: number } | undefined;
      let allPresent = true;
      for (const [name, point] of last) {
        const before = prev.get(name);
        if (!before) { allPresent = false; break; }
        const u = resourceUsage(point, before);
        if (!u) continue;
        containers.push({ name, usage: u.usage });
        if (!earliest || earliest.timestamp > u.timestamp) earliest = u;
      }
      if (!allPresent) continue;
      out.push({
        metadata: {
          name: pod.metadata.name, namespace: pod.metadata.namespace, creationTimestamp: rfc3339(now),
          ...(pod.metadata.labels ? { labels: pod.metadata.labels } : {}),
        },
        timestamp: rfc3339(earliest?.timestamp ?? 0), window: goDurationString(earliest?.windowMs ?? 0), containers,
      });
    }
    return out.sort((a, b) => (a.metadata.namespace as string).localeCompare(b.metadata.namespace as string)
      || (a.metadata.name as string).localeCompare(b.metadata.name as string));
  }
}
