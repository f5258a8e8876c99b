// Runs the proxy's sync function the way Kubernetes' async.BoundedFrequencyRunner
// (pkg/util/async/bounded_frequency_runner.go) does: requests coalesce, runs are at
// least minInterval apart apart from a burst of burstRuns, at most maxInterval apart,
// never two at once, and a failed run can ask to be retried sooner.
import { pino, type Logger } from 'pino';
import { realClock, type Clock, type TimerHandle } from '../client/clock.js';

export interface BoundedFrequencyRunnerOptions {
  /** Least time between runs (from the end of one to the start of the next), except for bursts; 0 for no limit. */
  minIntervalMs: number;
  /** Most time between runs: the function runs this often even when nobody asks. */
  maxIntervalMs: number;
  /** Runs allowed in quick succession; one more is earned per minInterval, up to this many. */
  burstRuns: number;
  clock?: Clock;
  log?: Logger;
}

/**
 * Serialized, rate-bounded runs of fn. Informer handlers call run() after recording a
 * change; the sync function calls retryAfter() when it failed; loop() drives it all
 * until its signal aborts. All three may be called from anywhere, including fn.
 */
export class BoundedFrequencyRunner {
  private readonly minIntervalMs: number;
  private readonly maxIntervalMs: number;
  private readonly burst: number;
  private readonly clock: Clock;
  private readonly log: Logger;

  /** Token bucket of client-go's flowcontrol limiter: one token per minInterval, at most burst. */
  private tokens: number;
  private tokensAt: number;
  /** When the last run ended (-Infinity before the first). */
  private lastRun = -Infinity;

  private timer: TimerHandle | undefined;
  private timerAt = Infinity;
  private runRequested = false;
  private timerFired = false;
  /** The soonest retry asked for and not yet applied to the timer. */
  private retryAt: number | undefined;
  private wake: (() => void) | undefined;
  private looping = false;

  constructor(private readonly name: string, private readonly fn: () => Promise<void>, o: BoundedFrequencyRunnerOptions) {
    if (o.maxIntervalMs < o.minIntervalMs) throw new Error(`${name}: maxInterval (${o.maxIntervalMs} ms) must be >= minInterval (${o.minIntervalMs} ms)`);
    this.minIntervalMs = o.minIntervalMs;
    this.maxIntervalMs = o.maxIntervalMs;
    this.burst = Math.max(1, o.burstRuns);
    this.clock = o.clock ?? realClock;
    this.log = o.log ?? pino({ name, level: 'warn' }, process.stderr);
    this.tokens = this.burst;
    this.tokensAt = this.clock.now();
  }

  /**
   * Requests a run as soon as the rate limit allows. Requests made while one is
   * pending or a run is in progress coalesce into one run (after the current one).
   * Before loop() starts the request waits for it.
   */
  run(): void {
    this.runRequested = true;
    this.wake?.();
  }

  /** After a failed run: run again within ms (sooner if something else asks for a run). */
  retryAfter(ms: number): void {
    const at = this.clock.now() + Math.max(0, ms);
    if (this.retryAt !== undefined && this.retryAt <= at) return;
    this.retryAt = at;
    this.wake?.();
  }

  /**
   * Runs fn when requested and at least every maxInterval until signal aborts, never
   * two runs at once. Resolves once the run in progress (if any) has ended. A throwing
   * fn is logged and the loop goes on (fn should itself call retryAfter to be retried).
   */
  async loop(signal: AbortSignal): Promise<void> {
    if (this.looping) throw new Error(`${this.name}: loop is already running`);
    this.looping = true;
    const onAbort = (): void => this.wake?.();
    signal.addEventListener('abort', onAbort, { once: true });
    this.log.debug({ runner: this.name }, 'loop running');
    this.setTimer(this.maxIntervalMs);
    try {
      while (!signal.aborted) {
        if (this.retryAt !== undefined) {
          this.applyRetry();
        } else if (this.runRequested || this.timerFired) {
          this.runRequested = false;
          this.timerFired = false;
          await this.tryRun();
        } else {
          await new Promise<void>((resolve) => { this.wake = resolve; });
          this.wake = undefined;
        }
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.clearTimer();
      this.wake = undefined;
      this.looping = false;
      this.log.debug({ runner: this.name }, 'loop stopped');
    }
  }

  /** Takes a token when one is there (flowcontrol's TryAccept). */
  private tryAccept(now: number): boolean {
    if (this.minIntervalMs <= 0) return true;
    this.tokens = Math.min(this.burst, this.tokens + (now - this.tokensAt) / this.minIntervalMs);
    this.tokensAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private async tryRun(): Promise<void> {
    const now = this.clock.now();
    if (this.tryAccept(now)) {
      try {
        await this.fn();
      } catch (err) {
        this.log.error({ err, runner: this.name }, 'run failed');
      }
      this.lastRun = this.clock.now();
      this.setTimer(this.maxIntervalMs);
      return;
    }
    // Not allowed yet: come back when it is, unless the timer is due sooner anyway.
    // (The token wait covers clocks where minInterval since the last run has passed
    // but the bucket has not quite refilled.)
    const nextPossible = Math.max(this.minIntervalMs - (now - this.lastRun), Math.ceil((1 - this.tokens) * this.minIntervalMs), 1);
    this.setTimer(Math.min(nextPossible, this.timerAt - now));
  }

  /** Brings the timer forward to the requested retry when that is sooner. */
  private applyRetry(): void {
    const at = this.retryAt as number;
    this.retryAt = undefined;
    const now = this.clock.now();
    if (at < this.timerAt) {
      this.log.debug({ runner: this.name, inMs: at - now }, 'retrying');
      this.setTimer(at - now);
    }
  }

  private setTimer(ms: number): void {
    this.clearTimer();
    const delay = Math.max(0, ms);
    this.timerAt = this.clock.now() + delay;
    const handle = this.clock.setTimeout(() => {
      if (this.timer !== handle) return;
      this.timer = undefined;
      this.timerAt = Infinity;
      this.timerFired = true;
      this.wake?.();
    }, delay);
    this.timer = handle;
  }

  private clearTimer(): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }
}
