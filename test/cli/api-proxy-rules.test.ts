// proxy's pure rules: kubectl's request filter with its default expressions, the Host
// header's host, the API prefix stripped as stripLeaveSlash does, and Go's ServeMux
// routing between the API and the static files.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  accepts, DEFAULT_HOST_ACCEPT_RE, DEFAULT_METHOD_REJECT_RE, DEFAULT_PATH_ACCEPT_RE, DEFAULT_PATH_REJECT_RE, extractHost, makeRegexpArray, route,
  stripLeaveSlash, type RequestFilter,
} from '../../kubectl/api-proxy.js';

const defaults: RequestFilter = {
  acceptPaths: makeRegexpArray(DEFAULT_PATH_ACCEPT_RE), rejectPaths: makeRegexpArray(DEFAULT_PATH_REJECT_RE),
  acceptHosts: makeRegexpArray(DEFAULT_HOST_ACCEPT_RE), rejectMethods: makeRegexpArray(DEFAULT_METHOD_REJECT_RE),
};

test('the default filter: API paths from local hosts pass; exec, attach and other hosts do not', () => {
  assert.equal(accepts(defaults, 'GET', '/api/v1/namespaces', 'localhost'), true);
  assert.equal(accepts(defaults, 'POST', '/api/v1/namespaces/default/pods', '127.0.0.1'), true);
  assert.equal(accepts(defaults, 'GET', '/api/v1/namespaces/default/pods/web/portforward', '127.0.0.1'), true);
  assert.equal(accepts(defaults, 'GET', '/api/v1/namespaces/default/pods/web/exec', '127.0.0.1'), false);
  assert.equal(accepts(defaults, 'POST', '/api/v1/namespaces/default/pods/web/attach', 'localhost'), false);
  assert.equal(accepts(defaults, 'GET', '/api/v1/namespaces', 'evil.example.com'), false);
  assert.equal(accepts(defaults, 'GET', '/api/v1/namespaces', '[::1]'), true);
  assert.equal(accepts({ ...defaults, rejectMethods: makeRegexpArray('POST,PUT') }, 'POST', '/api/v1/pods', 'localhost'), false);
  assert.equal(accepts({ ...defaults, acceptPaths: makeRegexpArray('^/apis') }, 'GET', '/api/v1/pods', 'localhost'), false);
  assert.deepEqual(makeRegexpArray(''), []);
  assert.throws(() => makeRegexpArray('(unclosed'), /^Error: Error compiling re: error parsing regexp: /);
});

test('the host of a Host header, as kubectl takes it', () => {
  assert.equal(extractHost('localhost:8001'), 'localhost');
  assert.equal(extractHost('localhost'), 'localhost');
  assert.equal(extractHost('[::1]:8001'), '::1');
  assert.equal(extractHost('[::1]'), '[::1]');
});

test('the API prefix is stripped leaving a slash; Go\'s ServeMux picks the longest prefix', () => {
  assert.equal(stripLeaveSlash('/', '/api/v1'), '/api/v1');
  assert.equal(stripLeaveSlash('/custom/', '/custom/api/v1'), '/api/v1');
  assert.equal(stripLeaveSlash('/custom/', '/other'), undefined);
  assert.deepEqual(route('/api/v1', '/'), { to: 'api' });
  assert.deepEqual(route('/static/app.js', '/', '/static/'), { to: 'static' });
  assert.deepEqual(route('/static', '/', '/static/'), { to: 'redirect', location: '/static/' });
  assert.deepEqual(route('/custom', '/custom/'), { to: 'redirect', location: '/custom/' });
  assert.deepEqual(route('/api/v1', '/custom/', '/static/'), { to: 'none' });
});
