// BoundedFrequencyRunner (Kubernetes' async.BoundedFrequencyRunner) on a FakeClock:
// coalescing, the minimum interval and its burst, the periodic run, retries, one run
// at a time, and stopping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as flush } from 'node:timers/promises';
import { pino } from 'pino';
import { FakeClock } from '../../client/clock.js';
import { BoundedFrequencyRunner } from '../../kube-proxy/sync-runner.js';

interface Harness {
  clock: FakeClock;
  runner: BoundedFrequencyRunner;
  /** Clock times at which runs started. */
  runs: number[];
  logs: string[];
  /** Steps the clock by ms, then lets the loop react. */
  tick(ms: number): Promise<void>;
  stop(): Promise<void>;
}

function start(o: { min: number; max: number; burst: number }, fn?: (h: Harness) => Promise<void>): Harness {
  const clock = new FakeClock(0);
  const logs: string[] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void logs.push(s) });
  const runs: number[] = [];
  const h = { clock, runs, logs } as Harness;
  h.runner = new BoundedFrequencyRunner('test', async () => {
    runs.push(clock.now());
    await fn?.(h);
  }, { minIntervalMs: o.min, maxIntervalMs: o.max, burstRuns: o.burst, clock, log });
  const ac = new AbortController();
  const loop = h.runner.loop(ac.signal);
  h.tick = async (ms) => {
    clock.step(ms);
    await flush();
  };
  h.stop = async () => {
    ac.abort();
    await loop;
  };
  return h;
}

test('requests made before a run starts coalesce into one run', async () => {
  const h = start({ min: 1000, max: 60_000, burst: 2 });
  try {
    for (let i = 0; i < 5; i++) h.runner.run();
    await flush();
    assert.deepEqual(h.runs, [0]);
    await h.tick(5000);
    assert.deepEqual(h.runs, [0], 'no further run without a request');
  } finally {
    await h.stop();
  }
});

test('runs are at least minInterval apart, a request in between is deferred, not dropped', async () => {
  const h = start({ min: 1000, max: 60_000, burst: 1 });
  try {
    h.runner.run();
    await flush();
    await h.tick(100);
    h.runner.run();
    h.runner.run();
    await flush();
    assert.deepEqual(h.runs, [0]);
    await h.tick(899);
    assert.deepEqual(h.runs, [0]);
    await h.tick(1);
    assert.deepEqual(h.runs, [0, 1000], 'one deferred run as soon as allowed');
    await h.tick(500);
    h.runner.run();
    await flush();
    await h.tick(499);
    assert.deepEqual(h.runs, [0, 1000]);
    await h.tick(1);
    assert.deepEqual(h.runs, [0, 1000, 2000]);
    await h.tick(3000);
    h.runner.run();
    await flush();
    assert.deepEqual(h.runs, [0, 1000, 2000, 5000], 'long after the last run: at once');
  } finally {
    await h.stop();
  }
});

test('burstRuns runs may follow each other at once; more wait for tokens earned one per minInterval', async () => {
  const h = start({ min: 1000, max: 60_000, burst: 3 });
  try {
    for (let i = 0; i < 4; i++) {
      h.runner.run();
      await flush();
    }
    assert.deepEqual(h.runs, [0, 0, 0]);
    await h.tick(1000);
    assert.deepEqual(h.runs, [0, 0, 0, 1000]);
    // Idle long enough to earn the whole burst back, but never more than burstRuns.
    await h.tick(10_000);
    for (let i = 0; i < 4; i++) {
      h.runner.run();
      await flush();
    }
    assert.deepEqual(h.runs, [0, 0, 0, 1000, 11_000, 11_000, 11_000]);
    await h.tick(1000);
    assert.deepEqual(h.runs.length, 8);
  } finally {
    await h.stop();
  }
});

test('fn runs every maxInterval without requests, counted from the last run', async () => {
  const h = start({ min: 1000, max: 10_000, burst: 1 });
  try {
    await h.tick(9_999);
    assert.deepEqual(h.runs, []);
    await h.tick(1);
    assert.deepEqual(h.runs, [10_000]);
    await h.tick(3_000);
    h.runner.run();
    await flush();
    assert.deepEqual(h.runs, [10_000, 13_000]);
    await h.tick(9_999);
    assert.deepEqual(h.runs, [10_000, 13_000], 'the periodic timer restarted at the requested run');
    await h.tick(1);
    assert.deepEqual(h.runs, [10_000, 13_000, 23_000]);
  } finally {
    await h.stop();
  }
});

test('retryAfter brings the next run forward, never later, and still respects minInterval', async () => {
  let fail = true;
  const h = start({ min: 1000, max: 60_000, burst: 1 }, async (hh) => {
    if (fail) {
      hh.runner.retryAfter(5000);
      throw new Error('node refused');
    }
  });
  try {
    h.runner.run();
    await flush();
    assert.deepEqual(h.runs, [0]);
    assert.ok(h.logs.some((l) => l.includes('"level":50') && l.includes('node refused') && l.includes('"err"')), 'the failure is logged with err');
    await h.tick(4_999);
    assert.deepEqual(h.runs, [0]);
    fail = false;
    await h.tick(1);
    assert.deepEqual(h.runs, [0, 5000], 'retried');
    h.runner.retryAfter(120_000);
    await flush();
    await h.tick(60_000);
    assert.deepEqual(h.runs, [0, 5000, 65_000], 'a later retry does not delay the periodic run');
    h.runner.retryAfter(10);
    h.runner.retryAfter(500);
    await flush();
    await h.tick(10);
    assert.deepEqual(h.runs, [0, 5000, 65_000], 'minInterval still holds');
    await h.tick(990);
    assert.deepEqual(h.runs, [0, 5000, 65_000, 66_000]);
  } finally {
    await h.stop();
  }
});

test('a throwing fn does not stop the loop', async () => {
  const h = start({ min: 0, max: 60_000, burst: 1 }, async () => { throw new Error('boom'); });
  try {
    h.runner.run();
    await flush();
    h.runner.run();
    await flush();
    assert.deepEqual(h.runs, [0, 0]);
  } finally {
    await h.stop();
  }
});

test('never two runs at once: requests during a run make one more run after it', async () => {
  let active = 0;
  let maxActive = 0;
  let release: () => void = () => undefined;
  const h = start({ min: 100, max: 1000, burst: 5 }, async () => {
    active++;
    maxActive = Math.max(maxActive, active);
    await new Promise<void>((r) => { release = r; });
    active--;
  });
  try {
    h.runner.run();
    await flush();
    assert.equal(h.runs.length, 1);
    for (let i = 0; i < 3; i++) h.runner.run();
    await h.tick(5000); // the periodic timer comes due too
    await flush();
    assert.equal(h.runs.length, 1, 'still the first run');
    release();
    await flush();
    assert.equal(h.runs.length, 2, 'one coalesced run after it');
    release();
    await flush();
    assert.equal(h.runs.length, 2);
    assert.equal(maxActive, 1);
  } finally {
    release();
    await h.stop();
  }
});

test('a request made before loop() starts runs once it does', async () => {
  const clock = new FakeClock(0);
  let runs = 0;
  const runner = new BoundedFrequencyRunner('early', async () => { runs++; }, {
    minIntervalMs: 1000, maxIntervalMs: 5000, burstRuns: 1, clock, log: pino({ level: 'silent' }),
  });
  runner.run();
  await flush();
  assert.equal(runs, 0);
  const ac = new AbortController();
  const loop = runner.loop(ac.signal);
  await flush();
  assert.equal(runs, 1);
  ac.abort();
  await loop;
});

test('abort: loop resolves only after the run in progress ends, then nothing runs and no timer is left', async () => {
  let release: () => void = () => undefined;
  let ended = false;
  const h = start({ min: 0, max: 1000, burst: 1 }, async () => {
    await new Promise<void>((r) => { release = r; });
  });
  h.runner.run();
  await flush();
  assert.equal(h.runs.length, 1);
  const stopped = h.stop().then(() => { ended = true; });
  await flush();
  assert.equal(ended, false, 'waits for the run');
  release();
  await stopped;
  assert.equal(ended, true);
  assert.equal(h.clock.pending(), 0, 'timer cleared');
  h.runner.run();
  await h.tick(5000);
  assert.equal(h.runs.length, 1);
});

test('abort while idle resolves at once', async () => {
  const h = start({ min: 1000, max: 5000, burst: 1 });
  await flush();
  await h.stop();
  assert.equal(h.clock.pending(), 0);
});

test('invalid use is refused', async () => {
  assert.throws(() => new BoundedFrequencyRunner('bad', async () => undefined, { minIntervalMs: 10, maxIntervalMs: 5, burstRuns: 1 }), /maxInterval/);
  const h = start({ min: 10, max: 100, burst: 1 });
  try {
    await assert.rejects(h.runner.loop(new AbortController().signal), /already running/);
  } finally {
    await h.stop();
  }
});
