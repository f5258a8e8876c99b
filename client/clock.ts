// Time as controllers see it (k8s.io/utils/clock): the real clock in processes, a
// FakeClock in tests so they step time forward instead of sleeping. WorkQueue delays,
// rate limiters, expectations' TTL and grace periods all read one injected Clock.

export type TimerHandle = { readonly id: number };

/** Wall-clock milliseconds and timers. Callers never call Date.now() or setTimeout directly. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls fn once ms have passed on this clock; clear with clearTimeout. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

let nextId = 1;

/** The process's clock: Date.now and Node timers (unref'd: a pending delay never keeps a process alive). */
export const realClock: Clock = (() => {
  const timers = new Map<number, NodeJS.Timeout>();
  return {
    now: () => Date.now(),
    setTimeout(fn: () => void, ms: number): TimerHandle {
      const id = nextId++;
      const t = setTimeout(() => {
        timers.delete(id);
        fn();
      }, Math.max(0, ms));
      t.unref();
      timers.set(id, t);
      return { id };
    },
    clearTimeout(handle: TimerHandle): void {
      const t = timers.get(handle.id);
      if (t) clearTimeout(t);
      timers.delete(handle.id);
    },
  };
})();

interface FakeTimer { id: number; at: number; fn: () => void }

/**
 * A clock that moves only when told (client-go's FakeClock). step(ms) advances time
 * and runs, in time order, every timer that came due, including timers those timers
 * set within the step.
 */
export class FakeClock implements Clock {
  private time: number;
  private readonly timers: FakeTimer[] = [];

  constructor(start: number | Date = Date.UTC(2026, 0, 1)) {
    this.time = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer = { id: nextId++, at: this.time + Math.max(0, ms), fn };
    this.timers.push(timer);
    return { id: timer.id };
  }

  clearTimeout(handle: TimerHandle): void {
    const i = this.timers.findIndex((t) => t.id === handle.id);
    if (i >= 0) this.timers.splice(i, 1);
  }

  /** Advances time by ms, firing due timers in order. */
  step(ms: number): void {
    this.setTime(this.time + ms);
  }

  /** Moves time to t (never backwards), firing due timers in order. */
  setTime(t: number): void {
    for (;;) {
      let due: FakeTimer | undefined;
      for (const timer of this.timers) if (timer.at <= t && (!due || timer.at < due.at)) due = timer;
      if (!due) break;
      this.timers.splice(this.timers.indexOf(due), 1);
      this.time = Math.max(this.time, due.at);
      due.fn();
    }
    this.time = Math.max(this.time, t);
  }

  /** Timers waiting to fire (tests wait until a controller has scheduled its requeue). */
  pending(): number {
    return this.timers.length;
  }
}
