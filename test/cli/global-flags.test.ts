// Global flags anywhere on the command line, and kubectl's error texts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDurationFlag as parseDuration } from '../../api/duration.js';
import { extractGlobalFlags } from '../../kubectl/global-flags.js';
import { formatError } from '../../kubectl/errors.js';
import { alreadyExists, invalid, notFound } from '../../api/errors.js';
import { ConnectionError } from '../../client/rest-client.js';
import { KubeconfigError } from '../../client/kubeconfig.js';

test('global flags are taken from anywhere before --, in every spelling', () => {
  const { flags, rest } = extractGlobalFlags(['-n', 'a', 'get', 'po', '--kubeconfig=/k', '--context', 'c', '-sfoo:1', '--insecure-skip-tls-verify', '-l', 'x=y']);
  assert.deepEqual(flags, { namespace: 'a', kubeconfig: '/k', context: 'c', server: 'foo:1', insecureSkipTLSVerify: true });
  assert.deepEqual(rest, ['get', 'po', '-l', 'x=y']);
  const r2 = extractGlobalFlags(['run', 'x', '--image', 'busybox', '--namespace=b', '--', 'sh', '-n', '3']);
  assert.equal(r2.flags.namespace, 'b');
  assert.deepEqual(r2.rest, ['run', 'x', '--image', 'busybox', '--', 'sh', '-n', '3']);
  assert.equal(extractGlobalFlags(['--request-timeout', '5s']).flags.requestTimeoutMs, 5000);
  assert.throws(() => extractGlobalFlags(['get', '-n']), /flag needs an argument: -n/);
});

test('durations', () => {
  assert.equal(parseDuration('30'), 30_000);
  assert.equal(parseDuration('2m'), 120_000);
  assert.equal(parseDuration('150ms'), 150);
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.throws(() => parseDuration('soon'), /time: invalid duration "soon"/);
});

test('errors print as kubectl prints them', () => {
  assert.equal(formatError(notFound({ group: '', resource: 'pods' }, 'x')), 'Error from server (NotFound): pods "x" not found');
  assert.equal(formatError(alreadyExists({ group: 'apps', resource: 'deployments' }, 'web')), 'Error from server (AlreadyExists): deployments.apps "web" already exists');
  assert.equal(formatError(invalid('Pod', '', 'p', [{ field: 'spec.containers', message: 'Required value', reason: 'FieldValueRequired' }])),
    'The Pod "p" is invalid: spec.containers: Required value');
  assert.equal(formatError(invalid('Pod', '', 'p', [
    { field: 'metadata.name', message: 'Invalid value: "P"', reason: 'FieldValueInvalid' },
    { field: 'spec.containers', message: 'Required value', reason: 'FieldValueRequired' },
  ])), 'The Pod "p" is invalid: \n* metadata.name: Invalid value: "P"\n* spec.containers: Required value');
  assert.equal(formatError(new ConnectionError('127.0.0.1:1', 'ECONNREFUSED', 'The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?')),
    'The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?');
  assert.equal(formatError(new KubeconfigError('context "x" does not exist')), 'error: context "x" does not exist');
  assert.equal(formatError(new Error('boom')), 'error: boom');
});
