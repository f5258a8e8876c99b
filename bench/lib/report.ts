// Progress lines while a benchmark runs, and the aligned result table at the end.
import { performance } from 'node:perf_hooks';

const started = performance.now();

/** Prints one progress line prefixed with the seconds since the benchmark process started. */
export function progress(message: string): void {
  const s = ((performance.now() - started) / 1000).toFixed(1).padStart(6);
  console.log(`[${s}s] ${message}`);
}

export interface Row {
  figure: string;
  ours: string;
  baseline: string;
  ratio: string;
  target: string;
  /** true met, false missed, undefined when the row has no target. */
  met?: boolean;
}

/** Prints rows as an aligned table under a title line. */
export function printTable(title: string, rows: Row[]): void {
  const header: Row = { figure: title, ours: 'ours', baseline: 'baseline', ratio: 'ratio', target: 'target' };
  const cells = (r: Row): string[] => [r.figure, r.ours, r.baseline, r.ratio, r.target, r === header ? 'met' : r.met === undefined ? '' : r.met ? 'yes' : 'NO'];
  const table = [header, ...rows].map(cells);
  const widths = table[0].map((_, c) => Math.max(...table.map((row) => row[c].length)));
  const line = (row: string[]): string => row.map((cell, c) => cell.padEnd(widths[c])).join('   ').trimEnd();
  console.log('');
  console.log(line(table[0]));
  console.log(widths.map((w) => '-'.repeat(w)).join('   '));
  for (const row of table.slice(1)) console.log(line(row));
  console.log('');
}

/** "1234/s" */
export function rate(perSecond: number): string {
  return Number.isFinite(perSecond) ? `${Math.round(perSecond)}/s` : 'n/a';
}

/** Milliseconds with a precision that suits the magnitude: "0.42 ms", "3.1 ms", "420 ms". */
export function ms(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (value < 1) return `${value.toFixed(2)} ms`;
  if (value < 10) return `${value.toFixed(1)} ms`;
  return `${Math.round(value)} ms`;
}

/** Ratio of throughputs (higher is better): "0.89". */
export function throughputRatio(ours: number, baseline: number): string {
  return baseline > 0 && Number.isFinite(ours) ? (ours / baseline).toFixed(2) : 'n/a';
}

/** Ratio of durations (lower is better): "2.0x" means ours takes twice as long. */
export function slowdown(ours: number, baseline: number): string {
  if (!(baseline > 0) || !Number.isFinite(ours)) return 'n/a';
  const r = ours / baseline;
  return `${r < 10 ? r.toFixed(1) : Math.round(r)}x`;
}

/** 10000 -> "10,000" */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/**
 * Runs a benchmark's phases in order. A phase that throws is reported (a progress line
 * and a note under the table) and the next one runs, except after 'setup', which the
 * others need.
 */
export async function runPhases<C extends { notes: string[] }>(ctx: C, phases: [string, (c: C) => Promise<void>][]): Promise<void> {
  for (const [name, phase] of phases) {
    try {
      await phase(ctx);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      progress(`${name} phase FAILED: ${message}`);
      ctx.notes.push(`${name} phase FAILED: ${message}`);
      if (name === 'setup') break;
    }
  }
}

/**
 * Ends the process if the benchmark still runs after `ms` (its exit hooks then stop the
 * children it started: `what`). Returns the function that disarms it.
 */
export function startWatchdog(name: string, ms: number, what = 'child processes are killed on exit'): () => void {
  const timer = setTimeout(() => {
    console.error(`${name} benchmark: still running after ${ms / 1000} s; giving up (${what})`);
    process.exit(1);
  }, ms);
  timer.unref();
  return () => clearTimeout(timer);
}

/** Runs cleanups newest first; one that fails is reported and the others still run. */
export async function runCleanups(cleanups: (() => Promise<void>)[]): Promise<void> {
  for (const close of [...cleanups].reverse()) {
    await close().catch((err: unknown) => progress(`cleanup step failed: ${err instanceof Error ? err.message : String(err)}`));
  }
}
