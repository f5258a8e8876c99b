// WorkQueue: what controllers feed from informer handlers and drain with workers
// (client-go's rate-limited work queue). A key is never handed to two workers at
// once; adding a key already waiting does nothing; adding a key being processed
// makes it come back once done() is called.
import { defaultControllerRateLimiter, type RateLimiter } from './rate-limiter.js';

export class WorkQueue {
  private readonly queue: string[] = [];
  /** Keys waiting to be processed (queued, or re-added while processing). */
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private shuttingDown = false;
  private drained?: () => void;

  constructor(readonly rateLimiter: RateLimiter = defaultControllerRateLimiter()) {}

  /** Marks key as needing processing. */
  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.push(key);
  }

  /** Adds key after ms (0: at once). */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.add(key);
    }, ms);
    this.timers.add(t);
  }

  /** Adds key after the rate limiter's delay for it (a retry after a failure). */
  addRateLimited(key: string): void {
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
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.queue.length = 0;
    this.dirty.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => { this.drained = resolve; });
  }

  private push(key: string): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter(this.take(key));
    else this.queue.push(key);
  }

  private take(key = this.queue.shift() as string): string {
    this.dirty.delete(key);
    this.processing.add(key);
    return key;
  }
}
