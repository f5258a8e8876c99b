// Periodic passes on the injected clock (apimachinery's wait.UntilWithContext): the node
// lifecycle monitor, the NoExecute tainting pass and pod GC run this way rather than
// from a work queue, as their Kubernetes counterparts do.
import type { Logger } from 'pino';
import type { Clock } from '../client/clock.js';

/**
 * Calls pass() at once, then periodMs after each pass ends, until signal aborts;
 * resolves once the pass in flight has finished. A pass that throws is logged and the
 * next one runs on time.
 */
export async function runEvery(clock: Clock, periodMs: number, signal: AbortSignal, pass: () => Promise<void> | void, log: Pick<Logger, 'error'>, what: string): Promise<void> {
  while (!signal.aborted) {
    try {
      await pass();
    } catch (err) {
      log.error({ err }, `${what} failed`);
    }
    if (signal.aborted) break;
    await sleep(clock, periodMs, signal);
  }
}

/** Resolves once ms have passed on clock, or at once when signal aborts. */
export function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const onAbort = (): void => {
      clock.clearTimeout(timer);
      resolve();
    };
    const timer = clock.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
