// Closed-loop load: `concurrency` workers each issue one operation at a time until
// `total` operations have been issued, recording each operation's latency.
import { performance } from 'node:perf_hooks';

export interface LoadResult {
  /** Wall time from the first operation's start to the last one's end. */
  elapsedMs: number;
  /** Latency of each successful operation, in issue order (length = ok). */
  latencies: Float64Array;
  ok: number;
  failed: number;
  /** The first few failures, for the report. */
  errors: string[];
  /** Successful operations per second over elapsedMs. */
  perSecond: number;
}

const KEPT_ERRORS = 5;

/** Runs op(0..total-1) with at most `concurrency` in flight. op rejects on failure. */
export async function runLoad(total: number, concurrency: number, op: (i: number) => Promise<void>): Promise<LoadResult> {
  const latencies = new Float64Array(total);
  const errors: string[] = [];
  let next = 0;
  let ok = 0;
  let failed = 0;
  const worker = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      const t0 = performance.now();
      try {
        await op(i);
        latencies[ok++] = performance.now() - t0;
      } catch (err) {
        failed++;
        if (errors.length < KEPT_ERRORS) errors.push(err instanceof Error ? err.message : String(err));
      }
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  const elapsedMs = performance.now() - start;
  return { elapsedMs, latencies: latencies.subarray(0, ok), ok, failed, errors, perSecond: ok / (elapsedMs / 1000) };
}
