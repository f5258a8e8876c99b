// The kubelet's resource metrics, pure: what the stats collector (stats-collector.ts)
// sampled, turned into the two answers the kubelet serves about usage:
// - `/metrics/resource` (Prometheus text, pkg/kubelet/metrics/collectors/resource_metrics.go):
//   cumulative CPU seconds and working-set bytes of the node, each pod and each
//   container, each line stamped with the time of its sample (milliseconds), which is
//   what metrics-server scrapes;
// - `/stats/summary` (the Summary API, pkg/kubelet/apis/stats/v1alpha1): the same
//   figures plus `usageNanoCores`, the CPU rate over the last two samples, as cAdvisor
//   computes it between housekeeping passes.
import { rfc3339 } from '../api/helpers/time.js';

/** One reading of a CPU counter and memory, at `timestamp` (ms since the epoch). */
export interface UsageSample {
  timestamp: number;
  /** Cumulative CPU time since start, in nanoseconds of one core. */
  cpuUsageNanos: number;
  memoryWorkingSetBytes: number;
  memoryUsageBytes?: number;
}

/** A sample with the rate computed against the one before it (undefined before the second sample). */
export interface RatedSample extends UsageSample {
  usageNanoCores?: number;
}

export interface ContainerUsage extends RatedSample {
  name: string;
  /** When the container started (ms since the epoch). */
  startTime: number;
}

export interface PodUsage {
  namespace: string;
  name: string;
  uid: string;
  containers: ContainerUsage[];
}

/** Everything one housekeeping pass knows: the node (its root cgroup) and its pods' containers. */
export interface UsageSnapshot {
  nodeName: string;
  /** When the node was booted (ms since the epoch): the start of the node's counters. */
  nodeStartTime: number;
  node?: RatedSample;
  pods: PodUsage[];
  /** True when some container's stats could not be read on the last pass. */
  scrapeError: boolean;
}

/**
 * CPU usage in nanocores between two samples of a cumulative counter, as cAdvisor's
 * and metrics-server's rate: (usage delta) / (time delta). Undefined when the samples
 * cannot make a rate: no time passed, time went back, or the counter went back (a
 * restarted container).
 * Worked example: 1.5e9 ns used over 10 s (10,000 ms) is 1.5e8 nanocores, "150m".
 */
export function cpuRate(prev: Pick<UsageSample, 'timestamp' | 'cpuUsageNanos'>, last: Pick<UsageSample, 'timestamp' | 'cpuUsageNanos'>): number | undefined {
  const ms = last.timestamp - prev.timestamp;
  const used = last.cpuUsageNanos - prev.cpuUsageNanos;
  if (ms <= 0 || used < 0) return undefined;
  return Math.round(used / (ms / 1000));
}

/**
 * A float as Go's strconv.FormatFloat(v, 'g', -1, 64) writes it (Prometheus' text
 * format): the shortest digits, in exponent form when the exponent is below -4 or at
 * least 6 (1.4393344e+07, 2.495597, 123456, 1e-05).
 */
export function goFloat(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf';
  if (v === 0) return '0';
  const [mantissa, e] = v.toExponential().split('e');
  const exp = Number(e);
  if (exp < -4 || exp >= 6) return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return String(v);
}

const escapeLabel = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const labels = (l: Record<string, string>): string => {
  const keys = Object.keys(l).sort();
  return keys.length ? `{${keys.map((k) => `${k}="${escapeLabel(l[k])}"`).join(',')}}` : '';
};

interface Family { name: string; help: string; type: 'counter' | 'gauge'; lines: string[] }

/**
 * The Prometheus text of `/metrics/resource`, as the kubelet's resource metrics
 * collector prints it: families in name order, each with HELP and TYPE, series labelled
 * container/namespace/pod, values as Go floats, timestamps in milliseconds.
 */
export function renderResourceMetrics(s: UsageSnapshot): string {
  const fam = (name: string, type: Family['type'], help: string): Family => ({ name, type, help: `[STABLE] ${help}`, lines: [] });
  const containerCpu = fam('container_cpu_usage_seconds_total', 'counter', 'Cumulative cpu time consumed by the container in core-seconds');
  const containerMem = fam('container_memory_working_set_bytes', 'gauge', 'Current working set of the container in bytes');
  const containerStart = fam('container_start_time_seconds', 'gauge', 'Start time of the container since unix epoch in seconds');
  const nodeCpu = fam('node_cpu_usage_seconds_total', 'counter', 'Cumulative cpu time consumed by the node in core-seconds');
  const nodeMem = fam('node_memory_working_set_bytes', 'gauge', 'Current working set of the node in bytes');
  const podCpu = fam('pod_cpu_usage_seconds_total', 'counter', 'Cumulative cpu time consumed by the pod in core-seconds');
  const podMem = fam('pod_memory_working_set_bytes', 'gauge', 'Current working set of the pod in bytes');
  const scrapeError = fam('resource_scrape_error', 'gauge', '1 if there was an error while getting container metrics, 0 otherwise');
  const line = (f: Family, l: Record<string, string>, value: number, ts?: number): void => {
    f.lines.push(`${f.name}${labels(l)} ${goFloat(value)}${ts === undefined ? '' : ` ${Math.round(ts)}`}`);
  };
  for (const pod of [...s.pods].sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name))) {
    const p = { namespace: pod.namespace, pod: pod.name };
    const total = podTotal(pod);
    for (const c of [...pod.containers].sort((a, b) => a.name.localeCompare(b.name))) {
      const l = { container: c.name, ...p };
      line(containerCpu, l, c.cpuUsageNanos / 1e9, c.timestamp);
      line(containerMem, l, c.memoryWorkingSetBytes, c.timestamp);
      line(containerStart, l, c.startTime / 1000, c.startTime);
    }
    if (total) {
      line(podCpu, p, total.cpuUsageNanos / 1e9, total.timestamp);
      line(podMem, p, total.memoryWorkingSetBytes, total.timestamp);
    }
  }
  if (s.node) {
    line(nodeCpu, {}, s.node.cpuUsageNanos / 1e9, s.node.timestamp);
    line(nodeMem, {}, s.node.memoryWorkingSetBytes, s.node.timestamp);
  }
  line(scrapeError, {}, s.scrapeError ? 1 : 0);
  return [containerCpu, containerMem, containerStart, nodeCpu, nodeMem, podCpu, podMem, scrapeError]
    .map((f) => `# HELP ${f.name} ${f.help}\n# TYPE ${f.name} ${f.type}\n${f.lines.map((l) => `${l}\n`).join('')}`)
    .join('');
}

/** A pod's usage: the sum of its containers' (the pod cgroup's), at its latest container sample. */
export function podTotal(pod: PodUsage): RatedSample | undefined {
  if (!pod.containers.length) return undefined;
  const rates = pod.containers.map((c) => c.usageNanoCores);
  return {
    timestamp: Math.max(...pod.containers.map((c) => c.timestamp)),
    cpuUsageNanos: pod.containers.reduce((n, c) => n + c.cpuUsageNanos, 0),
    memoryWorkingSetBytes: pod.containers.reduce((n, c) => n + c.memoryWorkingSetBytes, 0),
    memoryUsageBytes: pod.containers.reduce((n, c) => n + (c.memoryUsageBytes ?? 0), 0),
    usageNanoCores: rates.every((r) => r !== undefined) ? rates.reduce((n: number, r) => n + (r as number), 0) : undefined,
  };
}

interface CPUStats { time: string; usageNanoCores?: number; usageCoreNanoSeconds: number }
interface MemoryStats { time: string; usageBytes?: number; workingSetBytes: number }

const cpuStats = (u: RatedSample): CPUStats => ({
  time: rfc3339(new Date(u.timestamp)),
  ...(u.usageNanoCores !== undefined ? { usageNanoCores: u.usageNanoCores } : {}),
  usageCoreNanoSeconds: u.cpuUsageNanos,
});
const memoryStats = (u: RatedSample): MemoryStats => ({
  time: rfc3339(new Date(u.timestamp)),
  ...(u.memoryUsageBytes !== undefined ? { usageBytes: u.memoryUsageBytes } : {}),
  workingSetBytes: u.memoryWorkingSetBytes,
});

/** The Summary API (stats/v1alpha1 Summary) of `/stats/summary`: the node and its pods, CPU and memory. */
export function summaryOf(s: UsageSnapshot): unknown {
  return {
    node: {
      nodeName: s.nodeName,
      startTime: rfc3339(new Date(s.nodeStartTime)),
      ...(s.node ? { cpu: cpuStats(s.node), memory: memoryStats(s.node) } : {}),
    },
    pods: s.pods.map((pod) => {
      const total = podTotal(pod);
      const start = pod.containers.length ? Math.min(...pod.containers.map((c) => c.startTime)) : Date.now();
      return {
        podRef: { name: pod.name, namespace: pod.namespace, uid: pod.uid },
        startTime: rfc3339(new Date(start)),
        containers: pod.containers.map((c) => ({
          name: c.name, startTime: rfc3339(new Date(c.startTime)), cpu: cpuStats(c), memory: memoryStats(c),
        })),
        ...(total ? { cpu: cpuStats(total), memory: memoryStats(total) } : {}),
      };
    }),
  };
}

/**
 * The node's cumulative CPU from /proc/stat's first line, as the root cgroup's
 * cpuacct.usage counts it: every jiffy not idle or waiting on I/O (user, nice, system,
 * irq, softirq, steal; guest time is already in user), 1 jiffy = 10 ms (USER_HZ 100).
 */
export function nodeCpuNanosFromProcStat(text: string): number | undefined {
  const line = text.split('\n').find((l) => /^cpu\s/.test(l));
  if (!line) return undefined;
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  if (f.length < 4 || f.some((n) => Number.isNaN(n))) return undefined;
  const [user, nice, system, , , irq = 0, softirq = 0, steal = 0] = f;
  return (user + nice + system + irq + softirq + steal) * 10_000_000;
}

/**
 * The node's memory from /proc/meminfo, as cAdvisor reports the root cgroup: usage is
 * MemTotal - MemFree, the working set that minus the inactive file pages.
 */
export function nodeMemoryFromMeminfo(text: string): { usageBytes: number; workingSetBytes: number } | undefined {
  const kb = (key: string): number | undefined => {
    const m = new RegExp(`^${key.replace(/[()]/g, '\\$&')}:\\s+(\\d+)\\s*kB`, 'm').exec(text);
    return m ? Number(m[1]) * 1024 : undefined;
  };
  const total = kb('MemTotal');
  const free = kb('MemFree');
  if (total === undefined || free === undefined) return undefined;
  const usage = total - free;
  return { usageBytes: usage, workingSetBytes: Math.max(0, usage - (kb('Inactive(file)') ?? 0)) };
}
