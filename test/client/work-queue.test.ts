// WorkQueue semantics (client-go's): dedup, one worker per key, re-queue after done,
// backoff growth, the overall rate limit, shutdown; and the worker error policy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkQueue } from '../../client/work-queue.js';
import { ExponentialBackoff, MaxOf, TokenBucket } from '../../client/rate-limiter.js';
import { runWorkers } from '../../client/workers.js';
import { badRequest, conflict } from '../../api/errors.js';

test('adding a waiting key again does nothing', async () => {
  const q = new WorkQueue();
  q.add('a'); q.add('b'); q.add('a');
  assert.equal(q.length, 2);
  assert.equal(await q.get(), 'a');
  assert.equal(await q.get(), 'b');
  q.done('a');
  q.done('b');
  await q.shutDown();
});

test('a key being processed is not handed out again until done, then comes back once', async () => {
  const q = new WorkQueue();
  q.add('a');
  const k = await q.get();
  q.add('a'); q.add('a');
  assert.equal(q.length, 0, 'not queued while processing');
  q.done(k as string);
  assert.equal(q.length, 1);
  assert.equal(await q.get(), 'a');
  q.done('a');
  assert.equal(q.length, 0);
});

test('no key is processed by two workers at once', async () => {
  const q = new WorkQueue();
  const active = new Set<string>();
  let overlaps = 0;
  let processed = 0;
  const run = runWorkers(q, async (key) => {
    if (active.has(key)) overlaps++;
    active.add(key);
    await sleep(1);
    active.delete(key);
    processed++;
  }, { workers: 8 });
  for (let i = 0; i < 500; i++) q.add(`k${i % 5}`);
  for (let round = 0; round < 20; round++) {
    for (let i = 0; i < 5; i++) q.add(`k${i}`);
    await sleep(2);
  }
  await sleep(20);
  await q.shutDown();
  await run;
  assert.equal(overlaps, 0);
  assert.ok(processed >= 5);
});

test('get waits for a key; shutdown releases waiters and drains', async () => {
  const q = new WorkQueue();
  const pending = q.get();
  setTimeout(() => q.add('late'), 5);
  assert.equal(await pending, 'late');
  const waiting = q.get();
  let drained = false;
  const down = q.shutDown().then(() => { drained = true; });
  assert.equal(await waiting, undefined);
  await sleep(5);
  assert.equal(drained, false, 'still processing "late"');
  q.done('late');
  await down;
  assert.equal(drained, true);
  q.add('after');
  assert.equal(await q.get(), undefined);
});

test('per-key exponential backoff: 5 ms doubling, capped, reset by forget', () => {
  const b = new ExponentialBackoff(5, 1000_000);
  assert.deepEqual([b.when('x'), b.when('x'), b.when('x'), b.when('x')], [5, 10, 20, 40]);
  assert.equal(b.when('y'), 5, 'keys back off independently');
  for (let i = 0; i < 40; i++) b.when('x');
  assert.equal(b.when('x'), 1000_000);
  assert.equal(b.retries('x'), 45);
  b.forget('x');
  assert.equal(b.when('x'), 5);
});

test('the overall token bucket allows a burst, then qps', () => {
  let now = 0;
  const bucket = new TokenBucket(10, 100, () => now);
  const delays = Array.from({ length: 100 }, () => bucket.when());
  assert.ok(delays.every((d) => d === 0), 'the burst passes at once');
  assert.equal(bucket.when(), 100, 'the 101st waits for one token at 10/s');
  assert.equal(bucket.when(), 200);
  now += 1000;
  // 10 tokens earned in a second, 2 of them were owed: 8 pass at once, the 9th waits.
  assert.deepEqual(Array.from({ length: 9 }, () => bucket.when()), [0, 0, 0, 0, 0, 0, 0, 0, 100]);
  const both = new MaxOf(new ExponentialBackoff(5, 1000_000), new TokenBucket(10, 100, () => now));
  assert.equal(both.when('k'), 5);
  assert.equal(both.retries('k'), 1);
});

test('addRateLimited retries after the backoff; a permanent error is dropped', async () => {
  const q = new WorkQueue(new ExponentialBackoff(5, 50));
  const seen: string[] = [];
  let failures = 0;
  const run = runWorkers(q, async (key) => {
    seen.push(key);
    if (key === 'flaky' && failures++ < 3) throw conflict({ group: '', resource: 'pods' }, key, 'try again');
    if (key === 'broken') throw badRequest('never valid');
  }, { workers: 2 });
  q.add('flaky');
  q.add('broken');
  const deadline = Date.now() + 2000;
  while (seen.filter((k) => k === 'flaky').length < 4 && Date.now() < deadline) await sleep(5);
  await sleep(30);
  await q.shutDown();
  await run;
  assert.equal(seen.filter((k) => k === 'flaky').length, 4, 'three retries, then success');
  assert.equal(seen.filter((k) => k === 'broken').length, 1, 'a permanent error is not retried');
  assert.equal(q.numRequeues('flaky'), 0, 'success forgets the retries');
});
