// The kubelet's service-account token cache: one request per (service account,
// audiences, lifetime, bound pod), a refresh at 80% of the lifetime or after 24 h, the
// cached token kept while a refresh fails, expired tokens dropped by the periodic
// cleanup, and a removed pod's tokens dropped at once. Time is a FakeClock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { TokenRequest } from '../../api/types/authentication.js';
import { FakeClock } from '../../client/clock.js';
import { MAX_TOKEN_AGE_MS, TokenManager, tokenRefreshDue, type RequestToken } from '../../kubelet/token-manager.js';

const S = 1000;

/** A fake apiserver: issues token-1, token-2, ... expiring expirationSeconds from the clock's now; fails while `failing` is set. */
function fakeServer(clock: FakeClock) {
  const calls: { namespace: string; name: string; tr: TokenRequest }[] = [];
  const state = { failing: undefined as Error | undefined };
  const requestToken: RequestToken = async (namespace, name, tr) => {
    calls.push({ namespace, name, tr: structuredClone(tr) });
    if (state.failing) throw state.failing;
    const seconds = tr.spec.expirationSeconds ?? 3600;
    return {
      apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: { name, namespace },
      spec: { ...tr.spec, audiences: tr.spec.audiences ?? ['https://kubernetes.default.svc'], expirationSeconds: seconds },
      status: { token: `token-${calls.length}`, expirationTimestamp: new Date(clock.now() + seconds * S).toISOString() },
    };
  };
  return { calls, state, requestToken };
}

function capturingLog() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({ write(chunk, _enc, cb) { lines.push(JSON.parse(String(chunk))); cb(); } });
  return { lines, log: pino({ level: 'info' }, sink) };
}

const request = (podUID: string, opts: { audiences?: string[]; expirationSeconds?: number; pod?: string } = {}): TokenRequest => ({
  metadata: {},
  spec: {
    ...(opts.audiences ? { audiences: opts.audiences } : {}),
    expirationSeconds: opts.expirationSeconds ?? 3600,
    boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: opts.pod ?? 'web', uid: podUID },
  },
});

function setup() {
  const clock = new FakeClock();
  const server = fakeServer(clock);
  const { lines, log } = capturingLog();
  const tokens = new TokenManager({ requestToken: server.requestToken, clock, random: () => 0, log });
  return { clock, server, lines, tokens };
}

test('a cached token is answered until its refresh is due; other audiences, lifetimes or pods are other tokens', async () => {
  const { clock, server, tokens } = setup();
  const first = await tokens.getServiceAccountToken('ns1', 'default', request('uid-a'));
  assert.equal(first.status?.token, 'token-1');
  assert.deepEqual(server.calls[0], { namespace: 'ns1', name: 'default', tr: request('uid-a') });
  clock.step(60 * S);
  assert.equal((await tokens.getServiceAccountToken('ns1', 'default', request('uid-a'))).status?.token, 'token-1');
  assert.equal(server.calls.length, 1, 'a cache hit asks nothing');
  assert.equal((await tokens.getServiceAccountToken('ns1', 'default', request('uid-a', { audiences: ['vault'] }))).status?.token, 'token-2');
  assert.equal((await tokens.getServiceAccountToken('ns1', 'default', request('uid-a', { expirationSeconds: 7200 }))).status?.token, 'token-3');
  assert.equal((await tokens.getServiceAccountToken('ns1', 'default', request('uid-b', { pod: 'web-2' }))).status?.token, 'token-4');
  assert.equal((await tokens.getServiceAccountToken('ns1', 'builder', request('uid-a'))).status?.token, 'token-5');
  assert.equal((await tokens.getServiceAccountToken('ns2', 'default', request('uid-a'))).status?.token, 'token-6');
  assert.equal(tokens.size(), 6);
  // Two asks at once share one request.
  const [x, y] = await Promise.all([
    tokens.getServiceAccountToken('ns1', 'default', request('uid-c')),
    tokens.getServiceAccountToken('ns1', 'default', request('uid-c')),
  ]);
  assert.equal(x.status?.token, 'token-7');
  assert.equal(y.status?.token, 'token-7');
  assert.equal(server.calls.length, 7);
});

test('refresh at 80% of the lifetime (the last fifth, in whole seconds)', async () => {
  const { clock, server, tokens } = setup();
  const start = clock.now();
  const tr = request('uid-a', { expirationSeconds: 3607 });
  const first = await tokens.getServiceAccountToken('ns1', 'default', tr);
  // 3607 s: the last fifth is 721 s, so the refresh is due 2886 s after issue.
  assert.equal(tokenRefreshDue(first), start + 2886 * S);
  clock.setTime(start + 2885 * S);
  assert.equal((await tokens.getServiceAccountToken('ns1', 'default', tr)).status?.token, 'token-1');
  clock.setTime(start + 2886 * S);
  const second = await tokens.getServiceAccountToken('ns1', 'default', tr);
  assert.equal(second.status?.token, 'token-2');
  assert.equal(tokenRefreshDue(second), start + 2 * 2886 * S);
  assert.equal(server.calls.length, 2);
});

test('the jitter makes a refresh up to 10 s early, never late', async () => {
  const clock = new FakeClock();
  const server = fakeServer(clock);
  const tokens = new TokenManager({ requestToken: server.requestToken, clock, random: () => 0.99, log: pino({ level: 'silent' }) });
  const start = clock.now();
  await tokens.getServiceAccountToken('ns1', 'default', request('uid-a'));
  clock.setTime(start + 2880 * S - 10 * S);
  assert.equal((await tokens.getServiceAccountToken('ns1', 'default', request('uid-a'))).status?.token, 'token-1');
  clock.setTime(start + 2880 * S - 9 * S);
  assert.equal((await tokens.getServiceAccountToken('ns1', 'default', request('uid-a'))).status?.token, 'token-2');
});

test('a long-lived token is refreshed after 24 h', async () => {
  const { clock, server, tokens } = setup();
  const start = clock.now();
  const tr = request('uid-a', { expirationSeconds: 7 * 24 * 3600 });
  const first = await tokens.getServiceAccountToken('ns1', 'default', tr);
  assert.equal(tokenRefreshDue(first), start + MAX_TOKEN_AGE_MS, '24 h comes before 80% of a week');
  clock.setTime(start + MAX_TOKEN_AGE_MS - S);
  assert.equal((await tokens.getServiceAccountToken('ns1', 'default', tr)).status?.token, 'token-1');
  clock.setTime(start + MAX_TOKEN_AGE_MS);
  assert.equal((await tokens.getServiceAccountToken('ns1', 'default', tr)).status?.token, 'token-2');
  assert.equal(server.calls.length, 2);
});

test('a failed refresh keeps the valid token (and logs the error); an expired one is an error', async () => {
  const { clock, server, lines, tokens } = setup();
  const start = clock.now();
  await tokens.getServiceAccountToken('ns1', 'default', request('uid-a'));
  server.state.failing = new Error('connect ECONNREFUSED 10.96.0.1:443');
  clock.setTime(start + 3000 * S);
  assert.equal((await tokens.getServiceAccountToken('ns1', 'default', request('uid-a'))).status?.token, 'token-1');
  assert.equal(server.calls.length, 2, 'the refresh was tried');
  const logged = lines.find((l) => /couldn't update token/.test(String(l.msg)));
  assert.ok(logged, 'the failure is logged');
  assert.equal(logged.level, 50);
  assert.match(String((logged.err as { message: string }).message), /ECONNREFUSED/);
  assert.equal(logged.serviceAccount, 'ns1/default');
  // Each later ask tries again; the token still serves until it expires.
  clock.setTime(start + 3599 * S);
  assert.equal((await tokens.getServiceAccountToken('ns1', 'default', request('uid-a'))).status?.token, 'token-1');
  assert.equal(server.calls.length, 3);
  clock.setTime(start + 3600 * S);
  await assert.rejects(tokens.getServiceAccountToken('ns1', 'default', request('uid-a')),
    /^Error: token for serviceaccount ns1\/default bound to Pod web expired and refresh failed: connect ECONNREFUSED/);
  // Nothing cached: the request's error, in the kubelet's words.
  await assert.rejects(tokens.getServiceAccountToken('ns1', 'default', request('uid-new')), /^Error: failed to fetch token: connect ECONNREFUSED/);
  // Once the server answers again, the token is replaced.
  server.state.failing = undefined;
  assert.match((await tokens.getServiceAccountToken('ns1', 'default', request('uid-a'))).status?.token ?? '', /^token-\d+$/);
});

test('an answer without a token is a failed request, not a cached empty token', async () => {
  const clock = new FakeClock();
  const tokens = new TokenManager({
    requestToken: async (_ns, _name, tr) => ({ metadata: {}, spec: tr.spec, status: { token: '', expirationTimestamp: '' } }),
    clock, log: pino({ level: 'silent' }),
  });
  await assert.rejects(tokens.getServiceAccountToken('ns1', 'default', request('uid-a')), /failed to fetch token: .*without a token/);
  assert.equal(tokens.size(), 0);
});

test('the periodic cleanup drops expired tokens only', async () => {
  const { clock, tokens } = setup();
  const abort = new AbortController();
  tokens.start(abort.signal);
  await tokens.getServiceAccountToken('ns1', 'default', request('uid-a', { expirationSeconds: 600 }));
  await tokens.getServiceAccountToken('ns1', 'default', request('uid-b', { expirationSeconds: 3600, pod: 'web-2' }));
  assert.equal(tokens.size(), 2);
  clock.step(540 * S);
  assert.equal(tokens.size(), 2, 'nothing expired yet');
  clock.step(60 * S);
  assert.equal(tokens.size(), 1, 'the 600 s token expired and the cleanup of that minute dropped it');
  abort.abort();
  clock.step(3600 * S);
  assert.equal(tokens.size(), 1, 'no cleanup after the signal aborted');
  assert.equal(clock.pending(), 0);
});

test('deleteServiceAccountToken drops the removed pod\'s tokens, not the others\'', async () => {
  const { server, tokens } = setup();
  await tokens.getServiceAccountToken('ns1', 'default', request('uid-a'));
  await tokens.getServiceAccountToken('ns1', 'default', request('uid-a', { audiences: ['vault'] }));
  await tokens.getServiceAccountToken('ns1', 'default', request('uid-b', { pod: 'web-2' }));
  tokens.deleteServiceAccountToken('uid-a');
  assert.equal(tokens.size(), 1);
  assert.equal((await tokens.getServiceAccountToken('ns1', 'default', request('uid-b', { pod: 'web-2' }))).status?.token, 'token-3');
  assert.equal((await tokens.getServiceAccountToken('ns1', 'default', request('uid-a'))).status?.token, 'token-4', 'asked again after the delete');
  assert.equal(server.calls.length, 4);
});
