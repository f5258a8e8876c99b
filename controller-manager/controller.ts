// What every controller is to the controller manager, and the one loop that runs a
// controller's reconcile over its WorkQueue (client-go's processNextWorkItem via
// client/workers.ts, plus the reconcile latency metric).
import type { Logger } from 'pino';
import type { Clock } from '../client/clock.js';
import { WorkQueue } from '../client/work-queue.js';
import { runWorkers } from '../client/workers.js';
import type { ControllerMetrics } from './metrics.js';

/**
 * A controller as main.ts runs it: constructed from a ControllerContext (it asks the
 * shared factory for its informers and adds its handlers then), run once the
 * informers have synced and only while this process leads. run resolves after signal
 * aborts and its workers have finished their current keys.
 */
export interface Controller {
  readonly name: string;
  run(signal: AbortSignal): Promise<void>;
}

export interface QueueOptions {
  name: string;
  clock: Clock;
  metrics?: ControllerMetrics;
}

/** A controller's WorkQueue, reporting to the workqueue_* metrics under its name. */
export function controllerQueue(o: QueueOptions): WorkQueue {
  return new WorkQueue({ clock: o.clock, metrics: o.metrics?.queue(o.name) });
}

export interface RunOptions {
  name: string;
  workers: number;
  log: Logger;
  clock: Clock;
  metrics?: ControllerMetrics;
}

/**
 * Runs `workers` loops of reconcile over queue until signal aborts, then shuts the
 * queue down and waits for the keys in hand. Failures are retried or dropped by
 * runWorkers' one policy; each reconcile's duration is recorded.
 */
export async function runQueue(queue: WorkQueue, reconcile: (key: string) => Promise<void>, signal: AbortSignal, o: RunOptions): Promise<void> {
  if (signal.aborted) return;
  const timed = async (key: string): Promise<void> => {
    const t0 = performance.now();
    let ok = false;
    try {
      await reconcile(key);
      ok = true;
    } finally {
      o.metrics?.reconciled(o.name, performance.now() - t0, ok);
    }
  };
  const stopped = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  const workers = runWorkers(queue, timed, { workers: o.workers, log: o.log });
  await stopped;
  await queue.shutDown();
  await workers;
}
