// Assertion helper for unit tests of code that throws StatusErrors.
import assert from 'node:assert/strict';
import { StatusError } from '../../api/errors.js';

/** Runs fn, which must throw a 400 BadRequest StatusError; returns its message. */
export function badRequestMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof StatusError, `expected StatusError, got ${String(err)}`);
    assert.equal(err.code, 400);
    assert.equal(err.reason, 'BadRequest');
    return err.message;
  }
  assert.fail('expected a BadRequest');
}
