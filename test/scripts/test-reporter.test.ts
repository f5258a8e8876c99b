// The reporter npm test uses (scripts/test-reporter.ts): TAP, then the slowest files and the failed tests again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import reporter, { slowestFileLines } from '../../scripts/test-reporter.js';

async function* events(): AsyncGenerator<never> {
  const base = { nesting: 0, testNumber: 1, details: { duration_ms: 1 } };
  yield { type: 'test:pass', data: { ...base, name: 'fine', file: 'a.test.js' } } as never;
  yield {
    type: 'test:fail',
    data: { ...base, name: 'broken', file: 'a.test.js', details: { duration_ms: 1, error: Object.assign(new Error('wrapped'), { failureType: 'testCodeFailure', cause: new Error('expected 1\ngot 2') }) } },
  } as never;
  yield {
    type: 'test:fail',
    data: { ...base, name: 'its suite', file: 'a.test.js', details: { duration_ms: 1, type: 'suite', error: Object.assign(new Error('1 subtest failed'), { failureType: 'subtestsFailed' }) } },
  } as never;
}

test('after the TAP output it lists each failed test once, with its file and error, and not the suites around it', async () => {
  let out = '';
  for await (const chunk of reporter(events())) out += chunk;
  const tail = out.slice(out.indexOf('# failed tests'));
  assert.ok(out.includes('not ok 1 - broken'), out);
  assert.equal(tail, '# failed tests (1):\n# ✖ a.test.js > broken\n#     expected 1\n#     got 2\n');
});

test('the slowest files by their top-level tests\' time, slowest first, after the totals', async () => {
  async function* timed(): AsyncGenerator<never> {
    const pass = (name: string, file: string, ms: number, nesting = 0) => ({ type: 'test:pass', data: { name, file, nesting, testNumber: 1, details: { duration_ms: ms } } }) as never;
    yield pass('inner', 'slow.test.js', 9000, 1);
    yield pass('one', 'slow.test.js', 2500);
    yield pass('two', 'slow.test.js', 1500);
    yield pass('only', 'quick.test.js', 250);
  }
  let out = '';
  for await (const chunk of reporter(timed())) out += chunk;
  assert.equal(out.slice(out.indexOf('# slowest files')), '# slowest files (time of their top-level tests; 2 files):\n#     4.0 s  slow.test.js\n#     0.3 s  quick.test.js\n');
  assert.deepEqual(slowestFileLines(new Map([['a', 1], ['b', 3], ['c', 2]]), 2), ['# slowest files (time of their top-level tests; 3 files):', '#     3.0 s  b', '#     2.0 s  c']);
  assert.deepEqual(slowestFileLines(new Map()), []);
});
