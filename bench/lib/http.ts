// The benchmarks' own HTTP calls to the apiserver (undici, no client library in between).
import type { Dispatcher } from 'undici';

export class HttpError extends Error {}

/** One request through pool; the body is always read; a status not in `expect` rejects. */
export async function call(pool: Dispatcher, method: Dispatcher.HttpMethod, path: string, body?: string, expect: number[] = [200], headers: Record<string, string> = {}): Promise<string> {
  const res = await pool.request({ method, path, body, headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers } });
  const text = await res.body.text();
  if (!expect.includes(res.statusCode)) throw new HttpError(`${method} ${path}: HTTP ${res.statusCode} ${text.slice(0, 300)}`);
  return text;
}

/** BENCH_SCALE (default 1) multiplies every count, for a quick smoke run: BENCH_SCALE=0.1. */
export const SCALE = Number(process.env.BENCH_SCALE ?? '1') > 0 ? Number(process.env.BENCH_SCALE ?? '1') : 1;

/** n times BENCH_SCALE, at least 1. */
export const scaled = (n: number): number => Math.max(1, Math.round(n * SCALE));
