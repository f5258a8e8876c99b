// The namespace controller (pkg/controller/namespace/namespace_controller.go): a
// namespace with a deletionTimestamp is handed to the NamespacedResourcesDeleter until
// it is empty and finalized. Keys are enqueued a few seconds after the namespace event
// so every apiserver has seen the deletion (and refuses new content) and last-moment
// creations are visible before the content is listed.
import type { Logger } from 'pino';
import type { Namespace } from '../../api/types/core.js';
import type { Clock, TimerHandle } from '../../client/clock.js';
import { keyOf, type Informer } from '../../client/informer.js';
import { ExponentialBackoff, MaxOf, TokenBucket } from '../../client/rate-limiter.js';
import { WorkQueue } from '../../client/work-queue.js';
import { runQueue, type Controller } from '../controller.js';
import type { ControllerMetrics } from '../metrics.js';
import { ResourcesRemainingError, type NamespacedResourcesDeleter } from './deleter.js';

/** namespaceDeletionGracePeriod: the pause between a namespace event and its processing. */
export const NAMESPACE_DELETION_GRACE_PERIOD_MS = 5000;

export interface NamespaceControllerOptions {
  namespaces: Informer<Namespace>;
  deleter: Pick<NamespacedResourcesDeleter, 'delete'>;
  clock: Clock;
  log: Logger;
  metrics?: ControllerMetrics;
  workers: number;
  /** --namespace-sync-period: every namespace is looked at again this often. */
  resyncPeriodMs: number;
  /** Delay after a namespace event (NAMESPACE_DELETION_GRACE_PERIOD_MS). */
  deletionGracePeriodMs?: number;
}

export const NAME = 'namespace-controller';

export class NamespaceController implements Controller {
  readonly name = NAME;
  readonly queue: WorkQueue;
  private readonly graceMs: number;

  constructor(private readonly o: NamespaceControllerOptions) {
    this.graceMs = o.deletionGracePeriodMs ?? NAMESPACE_DELETION_GRACE_PERIOD_MS;
    // nsControllerRateLimiter: failures retried at least every minute, 10/s overall.
    this.queue = new WorkQueue({
      clock: o.clock, metrics: o.metrics?.queue('namespace'),
      rateLimiter: new MaxOf(new ExponentialBackoff(5, 60_000), new TokenBucket(10, 100, () => o.clock.now())),
    });
    o.namespaces.addEventHandler({
      add: (ns) => this.enqueue(ns),
      update: (_old, ns) => this.enqueue(ns),
    });
  }

  /** Only namespaces being deleted are queued, after the grace period. */
  enqueue(ns: Namespace): void {
    if (!ns.metadata?.deletionTimestamp) return;
    this.queue.addAfter(keyOf(ns), this.graceMs);
  }

  /** syncNamespaceFromKey: hands a cached namespace to the deleter; content still leaving comes back after about half its estimate. */
  async reconcile(key: string): Promise<void> {
    const ns = this.o.namespaces.getByKey(key);
    if (!ns) return;
    try {
      await this.o.deleter.delete(ns.metadata.name as string);
    } catch (err) {
      if (!(err instanceof ResourcesRemainingError)) throw err;
      const seconds = Math.floor(err.estimate / 2) + 1;
      this.o.log.debug({ namespace: key, waitSeconds: seconds }, 'content remaining in namespace');
      this.queue.addAfter(key, seconds * 1000);
    }
  }

  async run(signal: AbortSignal): Promise<void> {
    const log = this.o.log;
    log.info('starting controller');
    let timer: TimerHandle | undefined;
    // The informer's resync (AddEventHandlerWithResyncPeriod): every namespace again.
    const resync = (): void => {
      for (const ns of this.o.namespaces.list()) this.enqueue(ns);
      timer = this.o.clock.setTimeout(resync, this.o.resyncPeriodMs);
    };
    if (this.o.resyncPeriodMs > 0) timer = this.o.clock.setTimeout(resync, this.o.resyncPeriodMs);
    try {
      await runQueue(this.queue, (key) => this.reconcile(key), signal, {
        name: this.name, workers: this.o.workers, log, clock: this.o.clock, metrics: this.o.metrics,
      });
    } finally {
      if (timer) this.o.clock.clearTimeout(timer);
      log.info('shutting down controller');
    }
  }
}
