// Rate limiters for the WorkQueue, as client-go's DefaultControllerRateLimiter: the
// larger of a per-key exponential backoff (5 ms doubling to 1000 s) and an overall
// token bucket (10 per second, burst 100).
import { realClock, type Clock } from './clock.js';

/** Says how long to wait before a key may be processed again. */
export interface RateLimiter {
  /** Delay in ms before key's next try; each call counts one more failure for key. */
  when(key: string): number;
  /** Clears key's failures (call after a success). */
  forget(key: string): void;
  /** How many failures key has had since its last forget. */
  retries(key: string): number;
}

/** Per-key exponential backoff: base * 2^failures, capped at max. */
export class ExponentialBackoff implements RateLimiter {
  private readonly failures = new Map<string, number>();

  constructor(private readonly baseMs = 5, private readonly maxMs = 1000_000) {}

  when(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    return Math.min(this.baseMs * 2 ** n, this.maxMs);
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }
}

/** An overall token bucket: qps tokens a second, at most burst saved up. */
export class TokenBucket implements RateLimiter {
  private tokens: number;
  private last: number;

  constructor(private readonly qps = 10, private readonly burst = 100, private readonly now: () => number = Date.now) {
    this.tokens = burst;
    this.last = now();
  }

  when(): number {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.qps);
    this.last = t;
    // Reserve a token now; when none is left the caller waits until it has been earned.
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.qps) * 1000);
  }

  forget(): void {}

  retries(): number {
    return 0;
  }
}

/** The largest delay any of its limiters asks for. */
export class MaxOf implements RateLimiter {
  private readonly limiters: RateLimiter[];

  constructor(...limiters: RateLimiter[]) {
    this.limiters = limiters;
  }

  when(key: string): number {
    return Math.max(...this.limiters.map((l) => l.when(key)));
  }

  forget(key: string): void {
    for (const l of this.limiters) l.forget(key);
  }

  retries(key: string): number {
    return Math.max(...this.limiters.map((l) => l.retries(key)));
  }
}

/** client-go's default for controllers; the token bucket reads clock (realClock). */
export function defaultControllerRateLimiter(clock: Pick<Clock, 'now'> = realClock): RateLimiter {
  return new MaxOf(new ExponentialBackoff(5, 1000_000), new TokenBucket(10, 100, () => clock.now()));
}
