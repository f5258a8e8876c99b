// WorkQueue: what controllers feed from informer handlers and drain with workers
// (client-go's rate-limited work queue). A key is never handed to two workers at
// once; adding a key already waiting does nothing; adding a key being processed
// makes it come back once done() is called.
import { realClock, type Clock, type TimerHandle } from './clock.js';
import { defaultControllerRateLimiter, type RateLimiter } from './rate-limiter.js';

/**
 * What a WorkQueue reports, for client-go's workqueue metrics (workqueue_depth,
 * workqueue_adds_total, workqueue_retries_total, workqueue_queue_duration_seconds,
 * workqueue_work_duration_seconds). Called synchronously; must not throw.
 */
export interface WorkQueueMetrics {
  /** A key was added (counted even when it was already waiting, as client-go does). */
  added(): void;
  /** The number of keys waiting changed. */
  depth(n: number): void;
  /** A key was re-added by the rate limiter after a failure. */
  retried(): void;
  /** A key waited ms between being queued and being handed to a worker. */
  waited(ms: number): void;
  /** A worker held a key for ms (get() to done()). */
  worked(ms: number): void;
}

export interface WorkQueueOptions {
  rateLimiter?: RateLimiter;
  /** Time for addAfter delays and the metrics (realClock). */
  clock?: Clock;
  metrics?: WorkQueueMetrics;
}

export class WorkQueue {
  private readonly queue: string[] = [];
  /** Keys waiting to be processed (queued, or re-added while processing). */
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  private readonly timers = new Set<TimerHandle>();
  /** When each waiting key was queued, and when each processing key was handed out. */
  private readonly since = new Map<string, number>();
  private shuttingDown = false;
  private drained?: () => void;
  readonly rateLimiter: RateLimiter;
  private readonly clock: Clock;
  private readonly metrics?: WorkQueueMetrics;

  constructor(opts: WorkQueueOptions | RateLimiter = {}) {
    const o: WorkQueueOptions = 'when' in opts ? { rateLimiter: opts } : opts;
    this.rateLimiter = o.rateLimiter ?? defaultControllerRateLimiter(o.clock);
    this.clock = o.clock ?? realClock;
    this.metrics = o.metrics;
  }

  /** Marks key as needing processing. */
  add(key: string): void {
    if (this.shuttingDown) return;
    this.metrics?.added();
    if (this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.push(key);
  }

  /** Adds key after ms (0: at once). */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const t = this.clock.setTimeout(() => {
      this.timers.delete(t);
      this.add(key);
    }, ms);
    this.timers.add(t);
  }

  /** Adds key after the rate limiter's delay for it (a retry after a failure). */
  addRateLimited(key: string): void {
    this.metrics?.retried();
    this.addAfter(key, this.rateLimiter.when(key));
  }

  /** Clears key's retry history (after it was processed successfully). */
  forget(key: string): void {
    this.rateLimiter.forget(key);
  }

  numRequeues(key: string): number {
    return this.rateLimiter.retries(key);
  }

  /**
   * The next key to process, waiting for one; undefined once the queue is shut down.
   * The caller must call done(key) when it has finished with it.
   */
  get(): Promise<string | undefined> {
    if (this.queue.length) return Promise.resolve(this.take());
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Ends processing of key; if it was added meanwhile it is queued again. */
  done(key: string): void {
    const start = this.since.get(key);
    if (start !== undefined && this.processing.has(key)) {
      this.metrics?.worked(this.clock.now() - start);
      this.since.delete(key);
    }
    this.processing.delete(key);
    if (this.dirty.has(key)) this.push(key);
    if (this.shuttingDown && this.processing.size === 0) this.drained?.();
  }

  get length(): number {
    return this.queue.length;
  }

  /** Stops taking keys; waiting get() calls return undefined. Resolves once no key is being processed. */
  shutDown(): Promise<void> {
    this.shuttingDown = true;
    for (const t of this.timers) this.clock.clearTimeout(t);
    this.timers.clear();
    this.queue.length = 0;
    this.dirty.clear();
    this.metrics?.depth(0);
    for (const w of this.waiters.splice(0)) w(undefined);
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => { this.drained = resolve; });
  }

  private push(key: string): void {
    this.since.set(key, this.clock.now());
    const waiter = this.waiters.shift();
    if (waiter) waiter(this.take(key));
    else {
      this.queue.push(key);
      this.metrics?.depth(this.queue.length);
    }
  }

  private take(key = this.queue.shift() as string): string {
    this.dirty.delete(key);
    this.processing.add(key);
    const now = this.clock.now();
    this.metrics?.waited(now - (this.since.get(key) ?? now));
    this.metrics?.depth(this.queue.length);
    this.since.set(key, now);
    return key;
  }
}
