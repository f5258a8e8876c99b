// The reporter npm test uses (scripts/test-reporter.ts): TAP, then the failed tests again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import reporter from '../../scripts/test-reporter.js';

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
