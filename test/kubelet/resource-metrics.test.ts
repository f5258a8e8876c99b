// The kubelet's resource metrics, pure: CPU rates from two samples, Go's float format,
// the Prometheus text of /metrics/resource, the Summary API, the node's /proc figures,
// Docker's stats read as cAdvisor reads cgroups, and the collector over a fake runtime.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { LABEL_CONTAINER_NAME, LABEL_NODE, LABEL_POD_NAME, LABEL_POD_NAMESPACE, LABEL_POD_UID, LABEL_TYPE, TYPE_CONTAINER } from '../../kubelet/pod-worker.js';
import {
  cpuRate, goFloat, nodeCpuNanosFromProcStat, nodeMemoryFromMeminfo, podTotal, renderResourceMetrics, summaryOf, type UsageSnapshot,
} from '../../kubelet/resource-metrics.js';
import { containerStatsOf } from '../../kubelet/runtime/docker.js';
import type { ContainerStats, ContainerSummary } from '../../kubelet/runtime/types.js';
import { StatsCollector } from '../../kubelet/stats-collector.js';

describe('cpuRate', () => {
  it('is the counter\'s growth over the time between the samples, in nanocores', () => {
    // 1.5 s of CPU over 10 s: 150m.
    assert.equal(cpuRate({ timestamp: 1_000, cpuUsageNanos: 2e9 }, { timestamp: 11_000, cpuUsageNanos: 3.5e9 }), 1.5e8);
    // A busy loop on one core: 1 s per second.
    assert.equal(cpuRate({ timestamp: 0, cpuUsageNanos: 0 }, { timestamp: 2_500, cpuUsageNanos: 2.5e9 }), 1e9);
    assert.equal(cpuRate({ timestamp: 5_000, cpuUsageNanos: 7 }, { timestamp: 6_000, cpuUsageNanos: 7 }), 0);
  });
  it('has no rate when no time passed, time went back, or the counter went back (a restart)', () => {
    assert.equal(cpuRate({ timestamp: 5_000, cpuUsageNanos: 1 }, { timestamp: 5_000, cpuUsageNanos: 9 }), undefined);
    assert.equal(cpuRate({ timestamp: 6_000, cpuUsageNanos: 1 }, { timestamp: 5_000, cpuUsageNanos: 9 }), undefined);
    assert.equal(cpuRate({ timestamp: 5_000, cpuUsageNanos: 9e9 }, { timestamp: 6_000, cpuUsageNanos: 1e6 }), undefined);
  });
});

describe('goFloat', () => {
  it('writes floats as Go\'s FormatFloat(v, \'g\', -1, 64)', () => {
    for (const [v, text] of [
      [0, '0'], [1, '1'], [2.495597, '2.495597'], [123456, '123456'], [1234567, '1.234567e+06'], [14393344, '1.4393344e+07'],
      [1.796587697635e9, '1.796587697635e+09'], [0.0001, '0.0001'], [0.00001, '1e-05'], [1e21, '1e+21'], [-3.5, '-3.5'], [1361.18, '1361.18'],
    ] as const) assert.equal(goFloat(v), text, String(v));
  });
});

const snapshot: UsageSnapshot = {
  nodeName: 'n1',
  nodeStartTime: Date.UTC(2024, 0, 1),
  node: { timestamp: 1_702_380_903_409, cpuUsageNanos: 1_234_500_000_000, memoryWorkingSetBytes: 1_200_000_000, memoryUsageBytes: 1_500_000_000, usageNanoCores: 250_000_000 },
  pods: [
    {
      namespace: 'kube-system', name: 'coredns', uid: 'u2',
      containers: [{ name: 'coredns', startTime: 1_702_368_400_000, timestamp: 1_702_380_905_021, cpuUsageNanos: 2_495_597_000, memoryWorkingSetBytes: 14_393_344, usageNanoCores: 1_000_000 }],
    },
    {
      namespace: 'default', name: 'web', uid: 'u1',
      containers: [
        { name: 'sidecar', startTime: 1_702_368_000_000, timestamp: 1_702_380_905_000, cpuUsageNanos: 500_000_000, memoryWorkingSetBytes: 4096, usageNanoCores: 2_000_000 },
        { name: 'app', startTime: 1_702_368_000_000, timestamp: 1_702_380_905_100, cpuUsageNanos: 1_500_000_000, memoryWorkingSetBytes: 8192, usageNanoCores: 3_000_000 },
      ],
    },
  ],
  scrapeError: false,
};

describe('renderResourceMetrics', () => {
  it('prints the kubelet\'s /metrics/resource: families in name order, labels sorted, Go floats, ms timestamps', () => {
    assert.equal(renderResourceMetrics(snapshot), `# HELP container_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the container in core-seconds
# TYPE container_cpu_usage_seconds_total counter
container_cpu_usage_seconds_total{container="app",namespace="default",pod="web"} 1.5 1702380905100
container_cpu_usage_seconds_total{container="sidecar",namespace="default",pod="web"} 0.5 1702380905000
container_cpu_usage_seconds_total{container="coredns",namespace="kube-system",pod="coredns"} 2.495597 1702380905021
# HELP container_memory_working_set_bytes [STABLE] Current working set of the container in bytes
# TYPE container_memory_working_set_bytes gauge
container_memory_working_set_bytes{container="app",namespace="default",pod="web"} 8192 1702380905100
container_memory_working_set_bytes{container="sidecar",namespace="default",pod="web"} 4096 1702380905000
container_memory_working_set_bytes{container="coredns",namespace="kube-system",pod="coredns"} 1.4393344e+07 1702380905021
# HELP container_start_time_seconds [STABLE] Start time of the container since unix epoch in seconds
# TYPE container_start_time_seconds gauge
container_start_time_seconds{container="app",namespace="default",pod="web"} 1.702368e+09 1702368000000
container_start_time_seconds{container="sidecar",namespace="default",pod="web"} 1.702368e+09 1702368000000
container_start_time_seconds{container="coredns",namespace="kube-system",pod="coredns"} 1.7023684e+09 1702368400000
# HELP node_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the node in core-seconds
# TYPE node_cpu_usage_seconds_total counter
node_cpu_usage_seconds_total 1234.5 1702380903409
# HELP node_memory_working_set_bytes [STABLE] Current working set of the node in bytes
# TYPE node_memory_working_set_bytes gauge
node_memory_working_set_bytes 1.2e+09 1702380903409
# HELP pod_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the pod in core-seconds
# TYPE pod_cpu_usage_seconds_total counter
pod_cpu_usage_seconds_total{namespace="default",pod="web"} 2 1702380905100
pod_cpu_usage_seconds_total{namespace="kube-system",pod="coredns"} 2.495597 1702380905021
# HELP pod_memory_working_set_bytes [STABLE] Current working set of the pod in bytes
# TYPE pod_memory_working_set_bytes gauge
pod_memory_working_set_bytes{namespace="default",pod="web"} 12288 1702380905100
pod_memory_working_set_bytes{namespace="kube-system",pod="coredns"} 1.4393344e+07 1702380905021
# HELP resource_scrape_error [STABLE] 1 if there was an error while getting container metrics, 0 otherwise
# TYPE resource_scrape_error gauge
resource_scrape_error 0
`);
  });

  it('escapes label values and says when a container could not be read; a node not read is left out', () => {
    const text = renderResourceMetrics({
      nodeName: 'n', nodeStartTime: 0, scrapeError: true,
      pods: [{ namespace: 'ns', name: 'a"b\\c', uid: 'u', containers: [{ name: 'x', startTime: 1000, timestamp: 2000, cpuUsageNanos: 1, memoryWorkingSetBytes: 1 }] }],
    });
    assert.match(text, /\ncontainer_cpu_usage_seconds_total\{container="x",namespace="ns",pod="a\\"b\\\\c"\} 1e-09 2000\n/);
    assert.doesNotMatch(text, /\nnode_cpu_usage_seconds_total /);
    assert.match(text, /\nresource_scrape_error 1\n$/);
  });
});

describe('summaryOf', () => {
  it('is the Summary API: node and pods with usageNanoCores, usageCoreNanoSeconds, workingSetBytes and times', () => {
    const s = summaryOf(snapshot) as { node: Record<string, unknown>; pods: { podRef: unknown; cpu: Record<string, unknown>; memory: Record<string, unknown>; containers: { name: string }[] }[] };
    assert.deepEqual(s.node, {
      nodeName: 'n1', startTime: '2024-01-01T00:00:00Z',
      cpu: { time: '2023-12-12T11:35:03Z', usageNanoCores: 250_000_000, usageCoreNanoSeconds: 1_234_500_000_000 },
      memory: { time: '2023-12-12T11:35:03Z', usageBytes: 1_500_000_000, workingSetBytes: 1_200_000_000 },
    });
    const web = s.pods[1];
    assert.deepEqual(web.podRef, { name: 'web', namespace: 'default', uid: 'u1' });
    assert.deepEqual(web.cpu, { time: '2023-12-12T11:35:05Z', usageNanoCores: 5_000_000, usageCoreNanoSeconds: 2_000_000_000 });
    assert.equal(web.memory.workingSetBytes, 12288);
    assert.deepEqual(web.containers.map((c) => c.name), ['sidecar', 'app']);
  });
  it('a pod with a container not yet rated has no pod rate', () => {
    const total = podTotal({ namespace: 'a', name: 'b', uid: 'c', containers: [
      { name: 'x', startTime: 0, timestamp: 1, cpuUsageNanos: 1, memoryWorkingSetBytes: 1, usageNanoCores: 5 },
      { name: 'y', startTime: 0, timestamp: 2, cpuUsageNanos: 1, memoryWorkingSetBytes: 1 },
    ] });
    assert.equal(total?.usageNanoCores, undefined);
    assert.equal(total?.timestamp, 2);
  });
});

describe('the node\'s figures from /proc', () => {
  it('CPU: every non-idle jiffy of /proc/stat\'s cpu line, 10 ms each', () => {
    const stat = 'cpu  100 5 50 9000 30 2 3 4 7 0\ncpu0 50 2 25 4500 15 1 1 2 3 0\nbtime 1700000000\n';
    // user + nice + system + irq + softirq + steal = 100+5+50+2+3+4 = 164 jiffies.
    assert.equal(nodeCpuNanosFromProcStat(stat), 164 * 10_000_000);
    assert.equal(nodeCpuNanosFromProcStat('intr 1 2\n'), undefined);
  });
  it('memory: usage is MemTotal - MemFree, the working set that minus Inactive(file)', () => {
    const meminfo = 'MemTotal:        8000000 kB\nMemFree:         2000000 kB\nMemAvailable:    5000000 kB\nInactive(file):  1000000 kB\n';
    assert.deepEqual(nodeMemoryFromMeminfo(meminfo), { usageBytes: 6_000_000 * 1024, workingSetBytes: 5_000_000 * 1024 });
    assert.equal(nodeMemoryFromMeminfo('MemTotal: 1 kB\n'), undefined);
  });
});

describe('containerStatsOf (Docker stats as cAdvisor reads the cgroup)', () => {
  it('cgroup v1: working set is usage minus total_inactive_file', () => {
    assert.deepEqual(containerStatsOf({
      read: '2026-12-06T19:56:48.944868063Z', cpu_stats: { cpu_usage: { total_usage: 30868715 } },
      memory_stats: { usage: 1634304, stats: { inactive_file: 700000, total_inactive_file: 729088 } },
    }), { timestamp: Date.parse('2026-12-06T19:56:48.944Z'), cpuUsageNanos: 30868715, memoryUsageBytes: 1634304, memoryWorkingSetBytes: 1634304 - 729088 });
  });
  it('cgroup v2: inactive_file; a stopped container\'s empty stats are none', () => {
    assert.equal(containerStatsOf({ read: '2026-12-06T19:56:48Z', cpu_stats: { cpu_usage: { total_usage: 5 } }, memory_stats: { usage: 100, stats: { inactive_file: 400 } } })?.memoryWorkingSetBytes, 0);
    assert.equal(containerStatsOf({ read: '0001-01-01T00:00:00Z', cpu_stats: { cpu_usage: { total_usage: 0 } }, memory_stats: {} }), undefined);
  });
});

describe('StatsCollector', () => {
  it('samples the node and the running containers of its pods, and rates CPU against the previous pass', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tskube-proc-'));
    try {
      let jiffies = 1000;
      const writeProc = async (): Promise<void> => {
        await writeFile(join(dir, 'stat'), `cpu  ${jiffies} 0 0 5000 0 0 0 0 0 0\nbtime 1700000000\n`);
        await writeFile(join(dir, 'meminfo'), 'MemTotal: 4000 kB\nMemFree: 1000 kB\nInactive(file): 500 kB\n');
      };
      await writeProc();
      const labels = (pod: string, container: string): Record<string, string> => ({
        [LABEL_NODE]: 'n1', [LABEL_TYPE]: TYPE_CONTAINER, [LABEL_POD_NAMESPACE]: 'default', [LABEL_POD_NAME]: pod, [LABEL_POD_UID]: `uid-${pod}`, [LABEL_CONTAINER_NAME]: container,
      });
      const summaries: ContainerSummary[] = [
        { id: 'c1', name: 'k8s_a', image: 'i', imageId: 'i', labels: labels('web', 'app'), state: 'running', createdAt: new Date(1000) },
        { id: 'c2', name: 'k8s_b', image: 'i', imageId: 'i', labels: labels('web', 'side'), state: 'running', createdAt: new Date(1000) },
      ];
      let t = 10_000;
      const cpu: Record<string, number> = { c1: 1e9, c2: 1e8 };
      const asked: unknown[] = [];
      const runtime = {
        list: async (o?: unknown) => { asked.push(o); return summaries; },
        stats: async (id: string): Promise<ContainerStats> => ({ timestamp: t, cpuUsageNanos: cpu[id], memoryUsageBytes: 2048, memoryWorkingSetBytes: 1024 }),
        inspect: async (id: string) => ({ startedAt: new Date(id === 'c1' ? 2000 : 3000) }) as never,
      };
      const collector = new StatsCollector({ runtime, nodeName: 'n1', log: pino({ level: 'silent' }), procDir: dir });
      const first = await collector.housekeep();
      assert.deepEqual(asked[0], { all: false, labels: { [LABEL_NODE]: 'n1', [LABEL_TYPE]: TYPE_CONTAINER } });
      assert.equal(first.nodeStartTime, 1_700_000_000_000);
      assert.equal(first.node?.cpuUsageNanos, 1000 * 10_000_000);
      assert.equal(first.node?.memoryWorkingSetBytes, 2500 * 1024);
      assert.equal(first.pods.length, 1);
      assert.equal(first.pods[0].containers.find((c) => c.name === 'app')?.usageNanoCores, undefined);

      t += 2000;
      cpu.c1 += 1e9; // one core for 2 s: 500m
      jiffies += 100; // 1 s of CPU
      await writeProc();
      const second = await collector.housekeep();
      const app = second.pods[0].containers.find((c) => c.name === 'app');
      assert.equal(app?.usageNanoCores, 5e8);
      assert.equal(app?.startTime, 2000);
      assert.equal(second.pods[0].containers.find((c) => c.name === 'side')?.usageNanoCores, 0);
      assert.ok((second.node?.usageNanoCores ?? 0) > 0);
      assert.equal(await collector.usage(), second);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
