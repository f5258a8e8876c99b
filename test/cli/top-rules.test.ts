// tskubectl top's printing rules, as kubectl's metricsutil: cells, percentages of
// allocatable, sorting, --containers, -A, --sum, the tab after every cell.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  NODE_HEADERS, POD_HEADERS, checkSortBy, cpuCell, memoryCell, nodeTopRows, percentCell, podTopRows, podTotals, topTable, type PodMetricsItem,
} from '../../kubectl/top-printer.js';

const pod = (namespace: string, name: string, ...containers: [string, string, string][]): PodMetricsItem =>
  ({ metadata: { namespace, name }, containers: containers.map(([n, cpu, memory]) => ({ name: n, usage: { cpu, memory } })) });

describe('cells', () => {
  it('CPU in whole millicores rounded up, memory in whole Mi cut, percentages cut', () => {
    assert.equal(cpuCell(12), '12m');
    assert.equal(memoryCell(35_651_584), '34Mi');
    assert.equal(memoryCell(1_048_575), '0Mi');
    assert.equal(percentCell(250, 2000), '12%');
    assert.equal(percentCell(1999, 2000), '99%');
    assert.equal(percentCell(5, 0), '0%');
  });
  it('a pod sums its containers exactly before rounding', () => {
    // 1234567n + 1n = 1.234568m -> 2m; 12345Ki + 1Ki.
    assert.deepEqual(podTotals(pod('a', 'p', ['x', '1234567n', '12345Ki'], ['y', '1n', '1Ki'])), { cpuMilli: 2, memoryBytes: 12346 * 1024 });
    assert.deepEqual(podTotals(pod('a', 'p', ['x', '0', '0'])), { cpuMilli: 0, memoryBytes: 0 });
  });
  it('--sort-by accepts only cpu or memory', () => {
    assert.equal(checkSortBy(undefined), '');
    assert.equal(checkSortBy('memory'), 'memory');
    assert.throws(() => checkSortBy('name'), /^Error: --sort-by accepts only cpu or memory$/);
  });
});

describe('top nodes', () => {
  const metrics = [
    { metadata: { name: 'b' }, usage: { cpu: '250m', memory: '1Gi' } },
    { metadata: { name: 'a' }, usage: { cpu: '1500m', memory: '512Mi' } },
  ];
  const available = new Map([['a', { cpu: '2', memory: '4Gi' }], ['b', { cpu: '2', memory: '2Gi' }], ['c', { cpu: '2', memory: '2Gi' }]]);
  it('prints usage and share of allocatable by name, then nodes without metrics as <unknown>', () => {
    assert.equal(topTable(NODE_HEADERS, nodeTopRows(metrics, available, '')), [
      'NAME   CPU(cores)   CPU(%)      MEMORY(bytes)   MEMORY(%)   ',
      'a      1500m        75%         512Mi           12%         ',
      'b      250m         12%         1024Mi          50%         ',
      'c      <unknown>    <unknown>   <unknown>       <unknown>   ',
      '',
    ].join('\n'));
  });
  it('sorts by cpu or memory, highest first; no headers', () => {
    assert.deepEqual(nodeTopRows(metrics, new Map(), 'cpu').map((r) => r[0]), ['a', 'b']);
    assert.deepEqual(nodeTopRows(metrics, new Map(), 'memory').map((r) => r[0]), ['b', 'a']);
    assert.equal(topTable(undefined, nodeTopRows(metrics.slice(0, 1), new Map([['b', { cpu: '1', memory: '1Gi' }]]), '')), 'b     250m   25%   1024Mi   100%   \n');
  });
});

describe('top pods', () => {
  const metrics = [
    pod('kube-system', 'dns', ['coredns', '3m', '12Mi']),
    pod('default', 'web', ['app', '401234567n', '20Mi'], ['side', '1m', '1Mi']),
    pod('default', 'idle', ['sleep', '0', '256Ki']),
  ];
  const opts = { containers: false, withNamespace: false, sortBy: '' as const, sum: false, headers: true };
  it('prints pods by name with their containers summed', () => {
    assert.equal(topTable(POD_HEADERS, podTopRows(metrics.slice(1), opts)), [
      'NAME   CPU(cores)   MEMORY(bytes)   ',
      'idle   0m           0Mi             ',
      'web    403m         21Mi            ',
      '',
    ].join('\n'));
  });
  it('-A: by namespace then name; --sort-by cpu and memory', () => {
    assert.deepEqual(podTopRows(metrics, { ...opts, withNamespace: true }).map((r) => r.slice(0, 2).join('/')), ['default/idle', 'default/web', 'kube-system/dns']);
    assert.deepEqual(podTopRows(metrics, { ...opts, sortBy: 'cpu' }).map((r) => r[0]), ['web', 'dns', 'idle']);
    assert.deepEqual(podTopRows(metrics, { ...opts, sortBy: 'memory' }).map((r) => r[0]), ['web', 'dns', 'idle']);
  });
  it('--containers: one line per container, POD first', () => {
    assert.deepEqual(podTopRows(metrics.slice(1, 2), { ...opts, containers: true }), [['web', 'app', '402m', '20Mi'], ['web', 'side', '1m', '1Mi']]);
    assert.deepEqual(podTopRows(metrics.slice(1, 2), { ...opts, containers: true, sortBy: 'memory' }).map((r) => r[1]), ['app', 'side']);
  });
  it('--sum: a rule, then the totals under the usage columns', () => {
    assert.equal(topTable(POD_HEADERS, podTopRows(metrics.slice(1), { ...opts, sum: true })), [
      'NAME   CPU(cores)   MEMORY(bytes)   ',
      'idle   0m           0Mi             ',
      'web    403m         21Mi            ',
      '       ________     ________        ',
      '       403m         21Mi            ',
      '',
    ].join('\n'));
  });
  it('nothing to print is nothing', () => {
    assert.equal(topTable(POD_HEADERS, []), '');
  });
});
