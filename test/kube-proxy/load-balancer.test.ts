// LoadBalancer (Kubernetes' userspace roundrobin.go): round robin, ClientIP affinity
// with its idle timeout, skipping endpoints that failed, and endpoint replacement.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoadBalancer } from '../../kube-proxy/load-balancer.js';
import type { Endpoint, SessionAffinity } from '../../kube-proxy/types.js';

function ep(ip: string, port = 80): Endpoint {
  return { ip, port, key: `${ip}:${port}`, ready: true, serving: true, terminating: false, isLocal: false };
}

const A = ep('10.0.0.1');
const B = ep('10.0.0.2');
const C = ep('10.0.0.3');
const D = ep('10.0.0.4');
const none: SessionAffinity = { type: 'None' };
const sticky = (timeoutSeconds: number): SessionAffinity => ({ type: 'ClientIP', timeoutSeconds });

/** A balancer on a clock the test moves. */
function setup(): { lb: LoadBalancer; clock: { t: number } } {
  const clock = { t: 1_000_000 };
  return { lb: new LoadBalancer({ now: () => clock.t }), clock };
}

const picks = (lb: LoadBalancer, key: string, client: string, n: number): string[] =>
  Array.from({ length: n }, () => lb.next(key, client)?.ip ?? 'none');

test('unknown or empty service ports have no endpoint', () => {
  const { lb } = setup();
  assert.equal(lb.hasEndpoints('svc'), false);
  assert.equal(lb.next('svc', '1.1.1.1'), undefined);
  lb.setEndpoints('svc', [], none);
  assert.equal(lb.hasEndpoints('svc'), false);
  assert.equal(lb.next('svc', '1.1.1.1'), undefined);
  lb.setEndpoints('svc', [A], none);
  assert.equal(lb.hasEndpoints('svc'), true);
  lb.delete('svc');
  assert.equal(lb.hasEndpoints('svc'), false);
  assert.equal(lb.next('svc', '1.1.1.1'), undefined);
});

test('round robin hands out endpoints in order, whatever the client, and wraps', () => {
  const { lb } = setup();
  lb.setEndpoints('svc', [A, B, C], none);
  const got = [lb.next('svc', 'c1'), lb.next('svc', 'c2'), lb.next('svc', 'c1'), lb.next('svc', 'c3'), lb.next('svc', 'c1')];
  assert.deepEqual(got.map((e) => e?.ip), ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.1', '10.0.0.2']);
});

test('service ports are balanced independently', () => {
  const { lb } = setup();
  lb.setEndpoints('x', [A, B], none);
  lb.setEndpoints('y', [C, D], none);
  assert.deepEqual([lb.next('x', 'c')?.ip, lb.next('y', 'c')?.ip, lb.next('x', 'c')?.ip, lb.next('y', 'c')?.ip],
    ['10.0.0.1', '10.0.0.3', '10.0.0.2', '10.0.0.4']);
});

test('ClientIP affinity pins each client to the endpoint it first got', () => {
  const { lb } = setup();
  lb.setEndpoints('svc', [A, B, C], sticky(60));
  assert.deepEqual(picks(lb, 'svc', 'c1', 3), ['10.0.0.1', '10.0.0.1', '10.0.0.1']);
  assert.deepEqual(picks(lb, 'svc', 'c2', 2), ['10.0.0.2', '10.0.0.2']);
  assert.deepEqual(picks(lb, 'svc', 'c3', 2), ['10.0.0.3', '10.0.0.3']);
  assert.equal(lb.next('svc', 'c1')?.ip, '10.0.0.1');
});

test('a pin expires once it has been idle for the whole timeout', () => {
  const { lb, clock } = setup();
  lb.setEndpoints('svc', [A, B], sticky(10));
  assert.equal(lb.next('svc', 'c1')?.ip, '10.0.0.1');
  clock.t += 9_999;
  assert.equal(lb.next('svc', 'c1')?.ip, '10.0.0.1', 'still pinned just before the timeout');
  clock.t += 10_000;
  assert.equal(lb.next('svc', 'c1')?.ip, '10.0.0.2', 'expired: next in round robin');
  assert.equal(lb.next('svc', 'c1')?.ip, '10.0.0.2', 'and pinned to that one now');
});

test('each use refreshes the pin', () => {
  const { lb, clock } = setup();
  lb.setEndpoints('svc', [A, B], sticky(10));
  assert.equal(lb.next('svc', 'c1')?.ip, '10.0.0.1');
  for (let i = 0; i < 5; i++) {
    clock.t += 8_000;
    assert.equal(lb.next('svc', 'c1')?.ip, '10.0.0.1', `use ${i} after 8 s`);
  }
});

test('a zero timeout means the default of 10800 seconds', () => {
  const { lb, clock } = setup();
  lb.setEndpoints('svc', [A, B], sticky(0));
  assert.equal(lb.next('svc', 'c1')?.ip, '10.0.0.1');
  clock.t += 10_799_000;
  assert.equal(lb.next('svc', 'c1')?.ip, '10.0.0.1');
  clock.t += 10_800_000;
  assert.equal(lb.next('svc', 'c1')?.ip, '10.0.0.2');
});

test('tried endpoints are skipped, in round robin and over a pin', () => {
  const { lb } = setup();
  lb.setEndpoints('rr', [A, B, C], none);
  assert.equal(lb.next('rr', 'c', new Set([A.key]))?.ip, '10.0.0.2');
  assert.equal(lb.next('rr', 'c', new Set([C.key, A.key]))?.ip, '10.0.0.2');
  assert.equal(lb.next('rr', 'c', new Set([A.key, B.key, C.key])), undefined, 'all tried');

  lb.setEndpoints('st', [A, B, C], sticky(60));
  assert.equal(lb.next('st', 'c')?.ip, '10.0.0.1');
  assert.equal(lb.next('st', 'c', new Set([A.key]))?.ip, '10.0.0.2', 'pinned endpoint failed: another one');
  assert.equal(lb.next('st', 'c')?.ip, '10.0.0.2', 'the new choice is the new pin');
});

test('failed() drops the client pin to that endpoint only', () => {
  const { lb } = setup();
  lb.setEndpoints('svc', [A, B, C], sticky(60));
  assert.equal(lb.next('svc', 'c1')?.ip, '10.0.0.1');
  assert.equal(lb.next('svc', 'c2')?.ip, '10.0.0.2');
  lb.failed('svc', 'c1', B.key);
  assert.equal(lb.next('svc', 'c1')?.ip, '10.0.0.1', 'a failure of another endpoint leaves the pin');
  lb.failed('svc', 'c1', A.key);
  assert.equal(lb.next('svc', 'c1')?.ip, '10.0.0.3', 'pin dropped: next in round robin');
  assert.equal(lb.next('svc', 'c2')?.ip, '10.0.0.2', 'other clients keep theirs');
  lb.failed('nope', 'c1', A.key); // unknown keys are fine
});

test('replacing endpoints keeps pins to endpoints still present and drops the others', () => {
  const { lb } = setup();
  lb.setEndpoints('svc', [A, B, C], sticky(60));
  assert.equal(lb.next('svc', 'c1')?.ip, '10.0.0.1');
  assert.equal(lb.next('svc', 'c2')?.ip, '10.0.0.2');
  assert.equal(lb.next('svc', 'c3')?.ip, '10.0.0.3');
  lb.setEndpoints('svc', [A, C, D], sticky(60));
  assert.equal(lb.pinCount('svc'), 2);
  assert.equal(lb.next('svc', 'c1')?.ip, '10.0.0.1');
  assert.equal(lb.next('svc', 'c3')?.ip, '10.0.0.3');
  assert.notEqual(lb.next('svc', 'c2')?.ip, '10.0.0.2', 'B is gone');
});

test('turning affinity off drops every pin', () => {
  const { lb } = setup();
  lb.setEndpoints('svc', [A, B], sticky(60));
  lb.next('svc', 'c1');
  lb.setEndpoints('svc', [A, B], none);
  assert.equal(lb.pinCount('svc'), 0);
  assert.deepEqual(picks(lb, 'svc', 'c1', 2), ['10.0.0.2', '10.0.0.1']);
});

test('replacing endpoints keeps the round-robin position', () => {
  const { lb } = setup();
  lb.setEndpoints('svc', [A, B, C], none);
  assert.equal(lb.next('svc', 'c')?.ip, '10.0.0.1');
  lb.setEndpoints('svc', [A, B, C], none);
  assert.equal(lb.next('svc', 'c')?.ip, '10.0.0.2', 'same endpoints: goes on');
  lb.setEndpoints('svc', [C, D], none);
  assert.equal(lb.next('svc', 'c')?.ip, '10.0.0.3', 'the endpoint that was next is still there: it comes next');
  lb.setEndpoints('svc', [A, B, C], none);
  assert.equal(lb.next('svc', 'c')?.ip, '10.0.0.2', 'D (next, position 1) is gone: position 1 again');
  lb.setEndpoints('svc', [], none);
  assert.equal(lb.next('svc', 'c'), undefined);
  lb.setEndpoints('svc', [B], none);
  assert.equal(lb.next('svc', 'c')?.ip, '10.0.0.2');
});

test('cleanupStaleSessions drops only idle pins', () => {
  const { lb, clock } = setup();
  lb.setEndpoints('svc', [A, B], sticky(10));
  lb.next('svc', 'old');
  clock.t += 6_000;
  lb.next('svc', 'new');
  clock.t += 5_000;
  lb.cleanupStaleSessions();
  assert.equal(lb.pinCount('svc'), 1);
  assert.equal(lb.next('svc', 'new')?.ip, '10.0.0.2');
});
