// The order npm test starts test files in (scripts/test-files.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runOrder } from '../../scripts/test-files.js';

test('every file runs once; files holding the host lock are spread apart, none in the last fifth', () => {
  const files = Array.from({ length: 100 }, (_, i) => `f${String(i).padStart(3, '0')}`);
  const locked = new Set(['f040', 'f041', 'f042', 'f043', 'f099']);
  const order = runOrder([...files].reverse(), (f) => locked.has(f));
  assert.deepEqual([...order].sort(), files);
  const at = order.map((f, i) => (locked.has(f) ? i : -1)).filter((i) => i >= 0);
  assert.equal(at.length, 5);
  for (let i = 1; i < at.length; i++) assert.ok(at[i] - at[i - 1] >= 10, `locked files at ${at.join(', ')}`);
  assert.ok(at[at.length - 1] < 80, `last locked file at ${at[at.length - 1]}`);
  assert.deepEqual(order.filter((f) => !locked.has(f)), files.filter((f) => !locked.has(f)), 'the others keep name order');
});

test('with no file holding the lock the order is by name', () => {
  assert.deepEqual(runOrder(['b', 'a', 'c'], () => false), ['a', 'b', 'c']);
});
