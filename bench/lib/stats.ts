// Order statistics for benchmark samples.

/** Sorted copy of the first n samples (all when n is omitted). */
export function sorted(samples: ArrayLike<number>, n = samples.length): Float64Array {
  const out = Float64Array.from({ length: n }, (_, i) => samples[i]);
  return out.sort();
}

/** Nearest-rank percentile (p in 0..100) of an already sorted array; NaN when empty. */
export function percentile(sortedSamples: Float64Array, p: number): number {
  const n = sortedSamples.length;
  if (n === 0) return NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * n));
  return sortedSamples[Math.min(n, rank) - 1];
}

export function median(samples: ArrayLike<number>): number {
  return percentile(sorted(samples), 50);
}

export interface Summary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export function summarize(samples: ArrayLike<number>, n = samples.length): Summary {
  const s = sorted(samples, n);
  return { count: s.length, p50: percentile(s, 50), p99: percentile(s, 99), max: s.length ? s[s.length - 1] : NaN };
}
