// The one place that decides what happens to a key after reconcile (client-go's
// processNextWorkItem): success forgets its retries, a transient error retries it
// with backoff, a permanent error (a request the server will never accept) is logged
// and dropped.
import type { Logger } from 'pino';
import { StatusError } from '../api/errors.js';
import type { WorkQueue } from './work-queue.js';

const PERMANENT_CODES = new Set([400, 403, 405, 406, 413, 415, 422]);

/** True for errors retrying cannot fix: the server refused the request itself. */
export function isPermanent(err: unknown): boolean {
  return err instanceof StatusError && PERMANENT_CODES.has(err.code);
}

export interface WorkerOptions {
  workers: number;
  log?: Pick<Logger, 'error' | 'warn'>;
}

/**
 * Runs `workers` loops taking keys from queue and calling reconcile(key), until the
 * queue is shut down. Resolves when every loop has ended.
 */
export async function runWorkers(queue: WorkQueue, reconcile: (key: string) => Promise<void>, opts: WorkerOptions): Promise<void> {
  const loop = async (): Promise<void> => {
    for (let key = await queue.get(); key !== undefined; key = await queue.get()) {
      try {
        await reconcile(key);
        queue.forget(key);
      } catch (err) {
        if (isPermanent(err)) {
          opts.log?.error({ key, err }, 'dropping key after a permanent error');
          queue.forget(key);
        } else {
          opts.log?.warn({ key, err, retries: queue.numRequeues(key) }, 'reconcile failed; retrying with backoff');
          queue.addRateLimited(key);
        }
      } finally {
        queue.done(key);
      }
    }
  };
  await Promise.all(Array.from({ length: opts.workers }, loop));
}
