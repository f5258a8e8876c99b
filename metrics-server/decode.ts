// A kubelet's /metrics/resource (Prometheus text) read into a MetricsBatch, as
// metrics-server's decodeBatch reads it: node and container CPU (seconds, kept as
// nanoseconds) and working set, container start times; sample timestamps in ms (the
// scrape's time for a line without one). Incomplete points are dropped as it drops
// them: a node missing CPU or memory, a pod any of whose containers is.
import type { MetricsBatch, MetricsPoint } from './types.js';

const SERIES = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(?:\s+(-?\d+))?\s*$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function parseLabels(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!text) return out;
  for (const m of text.matchAll(LABEL)) out[m[1]] = m[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  return out;
}

const emptyPoint = (): MetricsPoint => ({ startTime: 0, timestamp: 0, cumulativeCpuUsed: 0, memoryUsage: 0 });

/** Throws on a line that is not a comment, blank, or a sample. */
export function decodeBatch(text: string, defaultTime: number, nodeName: string): MetricsBatch {
  const node = emptyPoint();
  const pods = new Map<string, Map<string, MetricsPoint>>();
  const container = (l: Record<string, string>): MetricsPoint => {
    const key = `${l.namespace ?? ''}/${l.pod ?? ''}`;
    let cs = pods.get(key);
    if (!cs) pods.set(key, cs = new Map());
    let p = cs.get(l.container ?? '');
    if (!p) cs.set(l.container ?? '', p = emptyPoint());
    return p;
  };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = SERIES.exec(line);
    if (!m) throw new Error(`failed parsing metrics: unexpected line ${JSON.stringify(line.slice(0, 100))}`);
    const [, name, , labelText, valueText, tsText] = m;
    const value = Number(valueText);
    const ts = tsText === undefined ? defaultTime : Number(tsText);
    switch (name) {
      case 'node_cpu_usage_seconds_total': node.cumulativeCpuUsed = Math.round(value * 1e9); node.timestamp = ts; break;
      case 'node_memory_working_set_bytes': node.memoryUsage = value; node.timestamp = ts; break;
      case 'container_cpu_usage_seconds_total': { const p = container(parseLabels(labelText)); p.cumulativeCpuUsed = Math.round(value * 1e9); p.timestamp = ts; break; }
      case 'container_memory_working_set_bytes': { const p = container(parseLabels(labelText)); p.memoryUsage = value; p.timestamp = ts; break; }
      case 'container_start_time_seconds': container(parseLabels(labelText)).startTime = Math.round(value * 1000); break;
      default:
    }
  }
  const batch: MetricsBatch = { nodes: new Map(), pods: new Map() };
  if (node.timestamp && node.cumulativeCpuUsed && node.memoryUsage) batch.nodes.set(nodeName, node);
  for (const [key, cs] of pods) {
    const complete = [...cs.values()].every((p) => p.cumulativeCpuUsed !== 0 && p.memoryUsage !== 0);
    if (complete && cs.size) batch.pods.set(key, cs);
  }
  return batch;
}

/** Several nodes' batches as one (a scrape of all kubelets). */
export function mergeBatches(batches: MetricsBatch[]): MetricsBatch {
  const out: MetricsBatch = { nodes: new Map(), pods: new Map() };
  for (const b of batches) {
    for (const [k, v] of b.nodes) out.nodes.set(k, v);
    for (const [k, v] of b.pods) if (!out.pods.has(k)) out.pods.set(k, v);
  }
  return out;
}
