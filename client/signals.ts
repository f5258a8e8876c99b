// How every component's main.ts starts and stops (sample-controller's signals package,
// genericapiserver.SetupSignalHandler): a start that throws is logged as fatal and
// exits 1; SIGTERM or SIGINT aborts the component's signal, runs its stop once, then
// exits 0 (1 when stopping failed), with the logger flushed either way.
import type { Logger } from 'pino';

export type Stop = () => Promise<void>;

/**
 * Runs start(signal) and keeps what it resolves with as the stop function. The first
 * SIGTERM/SIGINT aborts signal at once (so a start still waiting, e.g. for caches to
 * sync, gives up), then waits for start to finish and calls stop.
 */
export async function runComponent(log: Logger, name: string, start: (signal: AbortSignal) => Promise<Stop>): Promise<void> {
  const ac = new AbortController();
  let started: Promise<Stop> | undefined;
  const exit = (code: number): never => {
    log.flush();
    process.exit(code);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (ac.signal.aborted) return;
    log.info({ signal }, 'shutting down');
    ac.abort();
    (started as Promise<Stop>)
      .then((stop) => stop())
      .then(() => exit(0), (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        exit(1);
      });
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  started = start(ac.signal);
  try {
    await started;
  } catch (err) {
    log.fatal({ err }, `${name} failed to start`);
    exit(1);
  }
}
