// The Metrics API's pure parts, as metrics-server's: reading a kubelet's
// /metrics/resource, keeping the last two points, usage as a rate with its window and
// timestamp, and Kubernetes' quantity formats for it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { goDurationString } from '../../api/duration.js';
import { decodeBatch } from '../../metrics-server/decode.js';
import { MetricsStorage, cpuQuantity, memoryQuantity, resourceUsage } from '../../metrics-server/storage.js';
import type { MetricsBatch, MetricsPoint } from '../../metrics-server/types.js';
import type { KubeObject } from '../../api/types/meta.js';
import { renderResourceMetrics } from '../../kubelet/resource-metrics.js';
import { parseRuntimeConfig } from '../../apiserver/runtime-config.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

describe('quantities as metrics-server writes them', () => {
  it('CPU in nanocores, canonical', () => {
    assert.equal(cpuQuantity(1234567), '1234567n');
    assert.equal(cpuQuantity(12_000_000), '12m');
    assert.equal(cpuQuantity(250_000_000), '250m');
    assert.equal(cpuQuantity(2_000_000_000), '2');
    assert.equal(cpuQuantity(1_500), '1500n');
    assert.equal(cpuQuantity(123_456.7), '123456n');
    assert.equal(cpuQuantity(0), '0');
  });
  it('memory in bytes, binary-canonical', () => {
    assert.equal(memoryQuantity(12_644_352), '12348Ki');
    assert.equal(memoryQuantity(33_554_432), '32Mi');
    assert.equal(memoryQuantity(12_345), '12345');
    assert.equal(memoryQuantity(2 ** 30), '1Gi');
  });
  it('windows as Go durations', () => {
    assert.equal(goDurationString(10_012), '10.012s');
    assert.equal(goDurationString(15_000), '15s');
    assert.equal(goDurationString(500), '500ms');
    assert.equal(goDurationString(90_000), '1m30s');
    assert.equal(goDurationString(3_723_500), '1h2m3.5s');
    assert.equal(goDurationString(0), '0s');
  });
});

describe('resourceUsage', () => {
  const p = (timestamp: number, cpu: number, memory = 4096, startTime = 0): MetricsPoint => ({ startTime, timestamp, cumulativeCpuUsed: cpu, memoryUsage: memory });
  it('CPU is the rate between the points, memory the later working set; window and timestamp from the points', () => {
    // 3 s of CPU over 10 s: 300m.
    assert.deepEqual(resourceUsage(p(T0 + 10_000, 5e9, 8192), p(T0, 2e9)), { usage: { cpu: '300m', memory: '8Ki' }, timestamp: T0 + 10_000, windowMs: 10_000 });
    assert.deepEqual(resourceUsage(p(T0 + 15_012, 1_000_012_345), p(T0, 1e9))?.usage.cpu, '822n');
  });
  it('no usage when the start time or the counter went back, or no time passed', () => {
    assert.equal(resourceUsage(p(T0 + 10_000, 5e9, 1, 100), p(T0, 2e9, 1, 200)), undefined);
    assert.equal(resourceUsage(p(T0 + 10_000, 1e9), p(T0, 2e9)), undefined);
    assert.equal(resourceUsage(p(T0, 3e9), p(T0, 2e9)), undefined);
  });
});

describe('decodeBatch', () => {
  it('reads what the kubelet serves: node, containers with their start times', () => {
    const text = renderResourceMetrics({
      nodeName: 'n1', nodeStartTime: 0, scrapeError: false,
      node: { timestamp: T0, cpuUsageNanos: 1_234_500_000_000, memoryWorkingSetBytes: 1.2e9 },
      pods: [{ namespace: 'default', name: 'web', uid: 'u', containers: [{ name: 'app', startTime: T0 - 60_000, timestamp: T0 + 5, cpuUsageNanos: 2_495_597_000, memoryWorkingSetBytes: 14_393_344 }] }],
    });
    const b = decodeBatch(text, T0 + 999, 'n1');
    assert.deepEqual(b.nodes.get('n1'), { startTime: 0, timestamp: T0, cumulativeCpuUsed: 1_234_500_000_000, memoryUsage: 1.2e9 });
    assert.deepEqual(b.pods.get('default/web')?.get('app'), { startTime: T0 - 60_000, timestamp: T0 + 5, cumulativeCpuUsed: 2_495_597_000, memoryUsage: 14_393_344 });
  });
  it('a line without a timestamp takes the scrape\'s; incomplete node and pods are dropped', () => {
    const b = decodeBatch([
      'node_cpu_usage_seconds_total 12.5',
      'container_cpu_usage_seconds_total{container="a",namespace="ns",pod="p"} 1 1000',
      'container_memory_working_set_bytes{container="a",namespace="ns",pod="p"} 100 1000',
      'container_cpu_usage_seconds_total{container="b",namespace="ns",pod="p"} 1 1000',
      'container_cpu_usage_seconds_total{container="c",namespace="ns",pod="q"} 2 1000',
      'container_memory_working_set_bytes{container="c",namespace="ns",pod="q"} 200 1000',
    ].join('\n'), 777, 'n');
    assert.equal(b.nodes.size, 0, 'no node memory');
    assert.equal(b.pods.has('ns/p'), false, 'container b has no memory');
    assert.equal(b.pods.get('ns/q')?.get('c')?.timestamp, 1000);
    assert.equal(decodeBatch('node_cpu_usage_seconds_total 1\nnode_memory_working_set_bytes 2\n', 777, 'n').nodes.get('n')?.timestamp, 777);
    assert.throws(() => decodeBatch('this is not prometheus text{', 0, 'n'), /failed parsing metrics/);
  });
});

describe('MetricsStorage', () => {
  const node = (name: string, labels?: Record<string, string>): KubeObject => ({ metadata: { name, labels } });
  const pod = (namespace: string, name: string): KubeObject => ({ metadata: { namespace, name, labels: { app: name } } });
  const batch = (t: number, nodeCpu: number, containers: Record<string, [number, number, number?]>): MetricsBatch => {
    const pods = new Map<string, Map<string, MetricsPoint>>();
    for (const [key, [cpu, mem, start = T0 - 3_600_000]] of Object.entries(containers)) {
      const [podKey, c] = key.split(':');
      if (!pods.has(podKey)) pods.set(podKey, new Map());
      pods.get(podKey)!.set(c, { startTime: start, timestamp: t, cumulativeCpuUsed: cpu, memoryUsage: mem });
    }
    return { nodes: new Map([['n1', { startTime: 0, timestamp: t, cumulativeCpuUsed: nodeCpu, memoryUsage: 2 ** 30 }]]), pods };
  };

  it('needs two points; then usage over the window between them, with the objects\' labels', () => {
    const s = new MetricsStorage(15_000);
    s.store(batch(T0, 100e9, { 'default/web:app': [10e9, 2 ** 20], 'default/web:side': [1e9, 4096] }));
    assert.equal(s.ready(), false);
    assert.deepEqual(s.nodeMetrics([node('n1')], T0), []);
    s.store(batch(T0 + 15_000, 115e9, { 'default/web:app': [16e9, 2 ** 21], 'default/web:side': [1e9, 4096] }));
    assert.equal(s.ready(), true);
    assert.deepEqual(s.nodeMetrics([node('n1', { zone: 'a' }), node('n2')], T0 + 20_000), [{
      metadata: { name: 'n1', creationTimestamp: '2026-01-01T12:00:20Z', labels: { zone: 'a' } },
      timestamp: '2026-01-01T12:00:15Z', window: '15s', usage: { cpu: '1', memory: '1Gi' },
    }]);
    const [web] = s.podMetrics([pod('default', 'web')], T0 + 20_000);
    assert.deepEqual(web.metadata, { name: 'web', namespace: 'default', creationTimestamp: '2026-01-01T12:00:20Z', labels: { app: 'web' } });
    assert.equal(web.window, '15s');
    assert.deepEqual(web.containers.sort((a, b) => a.name.localeCompare(b.name)), [
      { name: 'app', usage: { cpu: '400m', memory: '2Mi' } },
      { name: 'side', usage: { cpu: '0', memory: '4Ki' } },
    ]);
  });

  it('a scrape with the same timestamps keeps the previous point; a restarted container waits for its next point', () => {
    const s = new MetricsStorage(15_000);
    s.store(batch(T0, 1e9, { 'a/p:c': [1e9, 1] }));
    s.store(batch(T0 + 10_000, 2e9, { 'a/p:c': [2e9, 1] }));
    s.store(batch(T0 + 10_000, 2e9, { 'a/p:c': [2e9, 1] }));
    assert.equal(s.podMetrics([pod('a', 'p')])[0].containers[0].usage.cpu, '100m');
    // Restarted at T0+15s: its counter starts again.
    s.store(batch(T0 + 20_000, 3e9, { 'a/p:c': [0.5e9, 1, T0 + 15_000] }));
    assert.deepEqual(s.podMetrics([pod('a', 'p')]), []);
    s.store(batch(T0 + 30_000, 4e9, { 'a/p:c': [1.5e9, 1, T0 + 15_000] }));
    assert.equal(s.podMetrics([pod('a', 'p')])[0].containers[0].usage.cpu, '100m');
  });

  it('a container started within one resolution, at least 10 s ago, is rated from its start', () => {
    const s = new MetricsStorage(60_000);
    s.store(batch(T0, 1e9, { 'a/p:c': [3e9, 1, T0 - 30_000] }));
    const [m] = s.podMetrics([pod('a', 'p')]);
    assert.equal(m.containers[0].usage.cpu, '100m');
    assert.equal(m.window, '30s');
  });

  it('pods in namespace then name order; a pod missing a container\'s previous point is left out', () => {
    const s = new MetricsStorage(15_000);
    s.store(batch(T0, 1e9, { 'b/x:c': [1e9, 1], 'a/y:c': [1e9, 1], 'a/z:c': [1e9, 1] }));
    s.store(batch(T0 + 10_000, 2e9, { 'b/x:c': [2e9, 1], 'a/y:c': [2e9, 1], 'a/z:c': [2e9, 1], 'a/z:new': [1e9, 1] }));
    assert.deepEqual(s.podMetrics([pod('b', 'x'), pod('a', 'z'), pod('a', 'y')]).map((m) => `${m.metadata.namespace}/${m.metadata.name}`), ['a/y', 'b/x']);
  });
});

describe('--runtime-config', () => {
  it('switches the Metrics API; refuses what it cannot switch', () => {
    assert.equal(parseRuntimeConfig(undefined).get('metrics.k8s.io/v1beta1'), true);
    assert.equal(parseRuntimeConfig('metrics.k8s.io/v1beta1=false').get('metrics.k8s.io/v1beta1'), false);
    assert.equal(parseRuntimeConfig('metrics.k8s.io/v1beta1').get('metrics.k8s.io/v1beta1'), true);
    assert.throws(() => parseRuntimeConfig('batch/v1=false'), /batch\/v1 cannot be switched here/);
    assert.throws(() => parseRuntimeConfig('metrics.k8s.io/v1beta1=maybe'), /invalid value "maybe"/);
  });
});
