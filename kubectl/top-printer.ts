// What `top nodes` and `top pods` print, pure, as kubectl's metricsutil TopCmdPrinter
// (1.32) prints it: CPU as whole millicores ("12m", MilliValue: rounded up), memory as
// whole mebibytes ("34Mi", bytes rounded up then divided down), nodes' percentages of
// allocatable (or capacity) cut to an integer, every cell followed by a tab (so the
// last column is padded too), through kubectl's tabwriter. Sorting by cpu or memory is
// highest first; otherwise by name (pods: namespace then name with -A).
import { milliValue, parseQuantityExact, quantityValue } from '../api/quantity.js';
import { tabulate } from './printers/tabwriter.js';

export interface Usage { cpu?: string; memory?: string }
export interface NodeMetricsItem { metadata: { name?: string }; usage: Usage }
export interface PodMetricsItem { metadata: { name?: string; namespace?: string }; containers: { name: string; usage: Usage }[] }

export type SortBy = '' | 'cpu' | 'memory';
const RESOURCES = ['cpu', 'memory'] as const;

/** --sort-by's check, with kubectl's message. */
export function checkSortBy(s: string | undefined): SortBy {
  if (!s) return '';
  if (s !== 'cpu' && s !== 'memory') throw new Error('--sort-by accepts only cpu or memory');
  return s;
}

/** A pod's usage: millicores and bytes of its containers' quantities summed exactly, then rounded up (Quantity.Add, MilliValue, Value). */
interface Totals { cpuNanos: bigint; memoryNanos: bigint }

const nanos = (q: string | undefined): bigint => (q ? parseQuantityExact(q).nanos : 0n);
const milli = (q: string | undefined): number => (q ? milliValue(q) : 0);
const bytes = (q: string | undefined): number => (q ? quantityValue(q) : 0);
const ceilDiv = (n: bigint, d: bigint): number => Number((n + d - 1n) / d);
const totalMilli = (t: Totals): number => ceilDiv(t.cpuNanos, 1_000_000n);
const totalBytes = (t: Totals): number => ceilDiv(t.memoryNanos, 1_000_000_000n);

/** "12m": a CPU quantity's millicores, rounded up. */
export const cpuCell = (cpuMilli: number): string => `${cpuMilli}m`;
/** "34Mi": whole mebibytes, cut. */
export const memoryCell = (memoryBytes: number): string => `${Math.trunc(memoryBytes / (1024 * 1024))}Mi`;
/** "12%": usage over available, cut to an integer (0 when nothing is available). */
export function percentCell(used: number, available: number): string {
  const fraction = available === 0 ? 0 : (used / available) * 100;
  return `${Math.trunc(fraction)}%`;
}

/** A pod's usage: its containers' summed (kubectl's getPodMetrics). */
export function podTotals(p: PodMetricsItem): { cpuMilli: number; memoryBytes: number } {
  const t = sumContainers([p]);
  return { cpuMilli: totalMilli(t), memoryBytes: totalBytes(t) };
}

function sumContainers(pods: PodMetricsItem[]): Totals {
  const t: Totals = { cpuNanos: 0n, memoryNanos: 0n };
  for (const p of pods) {
    for (const c of p.containers) {
      t.cpuNanos += nanos(c.usage.cpu);
      t.memoryNanos += nanos(c.usage.memory);
    }
  }
  return t;
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Node lines: sorted, then nodes with no metrics as <unknown>. available: allocatable (or capacity) by node name. */
export function nodeTopRows(metrics: NodeMetricsItem[], available: Map<string, Usage>, sortBy: SortBy): string[][] {
  const sorted = [...metrics].sort((a, b) => {
    if (sortBy === 'cpu') return milli(b.usage.cpu) - milli(a.usage.cpu);
    if (sortBy === 'memory') return bytes(b.usage.memory) - bytes(a.usage.memory);
    return byName(a.metadata.name ?? '', b.metadata.name ?? '');
  });
  const rows: string[][] = [];
  const left = new Map(available);
  for (const m of sorted) {
    const name = m.metadata.name ?? '';
    const avail = left.get(name);
    const row = [name, cpuCell(milli(m.usage.cpu))];
    if (avail) row.push(percentCell(milli(m.usage.cpu), milli(avail.cpu)));
    row.push(memoryCell(bytes(m.usage.memory)));
    // kubectl compares milli-values for memory too.
    if (avail) row.push(percentCell(bytes(m.usage.memory) * 1000, bytes(avail.memory) * 1000));
    rows.push(row);
    left.delete(name);
  }
  for (const name of left.keys()) rows.push([name, ...RESOURCES.flatMap(() => ['<unknown>', '<unknown>'])]);
  return rows;
}

export interface PodTopOptions { containers: boolean; withNamespace: boolean; sortBy: SortBy; sum: boolean; headers: boolean }

/** Pod (or container) lines, sorted as kubectl sorts them, with the --sum lines. */
export function podTopRows(metrics: PodMetricsItem[], o: PodTopOptions): string[][] {
  const totals = new Map(metrics.map((m) => [m, podTotals(m)]));
  const sorted = [...metrics].sort((a, b) => {
    const ta = totals.get(a)!;
    const tb = totals.get(b)!;
    if (o.sortBy === 'cpu') return tb.cpuMilli - ta.cpuMilli;
    if (o.sortBy === 'memory') return tb.memoryBytes - ta.memoryBytes;
    if (o.withNamespace && a.metadata.namespace !== b.metadata.namespace) return byName(a.metadata.namespace ?? '', b.metadata.namespace ?? '');
    return byName(a.metadata.name ?? '', b.metadata.name ?? '');
  });
  const rows: string[][] = [];
  for (const m of sorted) {
    const ns = o.withNamespace ? [m.metadata.namespace ?? ''] : [];
    if (o.containers) {
      const cs = [...m.containers].sort((a, b) => {
        if (o.sortBy === 'cpu') return milli(b.usage.cpu) - milli(a.usage.cpu);
        if (o.sortBy === 'memory') return bytes(b.usage.memory) - bytes(a.usage.memory);
        return byName(a.name, b.name);
      });
      for (const c of cs) rows.push([...ns, m.metadata.name ?? '', c.name, cpuCell(milli(c.usage.cpu)), memoryCell(bytes(c.usage.memory))]);
    } else {
      const t = totals.get(m)!;
      rows.push([...ns, m.metadata.name ?? '', cpuCell(t.cpuMilli), memoryCell(t.memoryBytes)]);
    }
  }
  if (o.sum) {
    // kubectl counts the namespace and container columns only when it printed headers.
    const width = 3 + (o.headers ? (o.withNamespace ? 1 : 0) + (o.containers ? 1 : 0) : 0);
    const t = sumContainers(metrics);
    rows.push([...Array<string>(Math.max(0, width - 2)).fill(''), '________', '________']);
    rows.push([...Array<string>(Math.max(0, width - 3)).fill(''), '', cpuCell(totalMilli(t)), memoryCell(totalBytes(t))]);
  }
  return rows;
}

export const NODE_HEADERS = ['NAME', 'CPU(cores)', 'CPU(%)', 'MEMORY(bytes)', 'MEMORY(%)'];
export const POD_HEADERS = ['NAME', 'CPU(cores)', 'MEMORY(bytes)'];

/** The table text: each cell followed by a tab, as kubectl's printValue writes it (so the last column is padded too). */
export function topTable(headers: string[] | undefined, rows: string[][]): string {
  const all = headers ? [headers, ...rows] : rows;
  if (!rows.length) return '';
  return tabulate(all.map((r) => [...r, '']));
}
