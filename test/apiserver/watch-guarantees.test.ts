// What a watch promises (DESIGN section 4, "Watch guarantees"): a watch from
// resourceVersion R never delivers an event at or below R, whatever the watch cache
// has seen when the watch starts; a resourceVersion the cache cannot reach in 3 s is a
// 504 with Retry-After; bookmarks never go backwards.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { http } from '../harness/http.js';
import { openWatch } from '../harness/watch-reader.js';
import { Etcd3 } from 'etcd3';

let cp: ControlPlane;
const api = (method: string, path: string, body?: unknown, ct?: string) => http(cp.url, method, path, body, ct);
const CM = '/api/v1/namespaces/default/configmaps';
const SECRETS = '/api/v1/namespaces/default/secrets';

before(async () => { cp = await startControlPlane({ args: ['--watch-bookmark-interval', '1'] }); });
after(async () => { await cp?.stop(); });

test('a watch from the resourceVersion a write just returned never replays that write', async () => {
  // The write's answer can reach the client before the watch cache has applied the
  // write's event: a watch started at once from its resourceVersion must not get it.
  // A large object makes the watch event (which carries it) slower than the write's answer.
  const big = 'x'.repeat(900_000);
  for (let i = 0; i < 60; i++) {
    const created = await api('POST', CM, { metadata: { name: `fresh-${i}` }, data: { big } });
    assert.equal(created.status, 201);
    const rv = Number(created.json.metadata.resourceVersion);
    const w = await openWatch(cp.url, `${CM}?watch=true&resourceVersion=${rv}`);
    const next = await api('POST', CM, { metadata: { name: `fresh-${i}-next` } });
    const events = await w.waitForCount(1);
    w.close();
    assert.equal(events[0].object.metadata.name, `fresh-${i}-next`, `round ${i}: the first event after ${rv} is the next write, not an older one`);
    assert.equal(events[0].object.metadata.resourceVersion, next.json.metadata.resourceVersion);
    for (const e of events) assert.ok(Number(e.object.metadata.resourceVersion) > rv, `round ${i}: event at ${e.object.metadata.resourceVersion} <= ${rv}`);
  }
});

test('a watch of one resource from a resourceVersion another resource returned starts at once', async () => {
  const cm = await api('POST', CM, { metadata: { name: 'cross' } });
  const started = Date.now();
  const w = await openWatch(cp.url, `/api/v1/namespaces/default/secrets?watch=true&resourceVersion=${cm.json.metadata.resourceVersion}`);
  assert.equal(w.status, 200);
  const s = await api('POST', '/api/v1/namespaces/default/secrets', { metadata: { name: 'cross' } });
  const events = await w.waitForCount(1);
  w.close();
  assert.equal(events[0].object.metadata.resourceVersion, s.json.metadata.resourceVersion);
  assert.ok(Date.now() - started < 2500, 'no wait for a revision the apiserver has already seen');
});

test('a resourceVersion from the future is a 504 Too large resource version with Retry-After, after about 3 s', async () => {
  const list = await api('GET', CM);
  const future = Number(list.json.metadata.resourceVersion) + 1_000_000;
  const started = Date.now();
  const r = await http(cp.url, 'GET', `${CM}?watch=true&resourceVersion=${future}`);
  const waited = Date.now() - started;
  assert.ok(waited >= 2900 && waited < 6000, `waited ${waited} ms`);
  assert.equal(r.status, 504, r.text);
  assert.equal(r.headers['retry-after'], '1');
  assert.equal(r.json.kind, 'Status');
  assert.equal(r.json.reason, 'Timeout');
  assert.match(r.json.message, new RegExp(`^Timeout: Too large resource version: ${future}, current: \\d+$`));
  assert.deepEqual(r.json.details.causes, [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }]);
  assert.equal(r.json.details.retryAfterSeconds, 1);
});

test('bookmarks never go backwards and never fall below the watch start', async () => {
  const cm = await api('POST', CM, { metadata: { name: 'bm-start' } });
  const start = Number(cm.json.metadata.resourceVersion);
  const w = await openWatch(cp.url, `${CM}?watch=true&allowWatchBookmarks=true&resourceVersion=${start}`);
  for (let i = 0; i < 5; i++) await api('POST', CM, { metadata: { name: `bm-${i}` } });
  // Writes elsewhere move the revision on while this watch sees nothing new.
  for (let i = 0; i < 5; i++) await api('POST', '/api/v1/namespaces/default/secrets', { metadata: { name: `bm-${i}` } });
  await w.waitForCount(8, 15_000);
  w.close();
  let last = start;
  for (const e of w.events) {
    const rv = Number(e.object.metadata.resourceVersion);
    if (e.type === 'BOOKMARK') assert.ok(rv >= last, `bookmark ${rv} after ${last}`);
    else assert.ok(rv > last, `${e.type} ${rv} after ${last}`);
    last = rv;
  }
  assert.ok(w.events.some((e) => e.type === 'BOOKMARK'));
});

test('list with a resourceVersion: Exact reads that revision, not-older-than the current state, the future is a 504', async () => {
  const a = await api('POST', CM, { metadata: { name: 'exact-a' }, data: { v: '1' } });
  const rv = a.json.metadata.resourceVersion;
  await api('PATCH', `${CM}/exact-a`, { data: { v: '2' } }, 'application/merge-patch+json');
  await api('POST', CM, { metadata: { name: 'exact-b' } });
  const names = (list: { items: { metadata: { name: string } }[] }): string[] => list.items.map((i) => i.metadata.name).filter((n) => n.startsWith('exact-'));

  const exact = await api('GET', `${CM}?resourceVersion=${rv}&resourceVersionMatch=Exact`);
  assert.equal(exact.status, 200, exact.text);
  assert.equal(exact.json.metadata.resourceVersion, rv);
  assert.deepEqual(names(exact.json), ['exact-a']);
  assert.equal(exact.json.items.find((i: { metadata: { name: string } }) => i.metadata.name === 'exact-a').data.v, '1');

  // A limit without resourceVersionMatch is Exact too, for legacy reasons.
  const paged = await api('GET', `${CM}?resourceVersion=${rv}&limit=500`);
  assert.equal(paged.json.metadata.resourceVersion, rv);
  assert.deepEqual(names(paged.json), ['exact-a']);

  const newer = await api('GET', `${CM}?resourceVersion=${rv}&resourceVersionMatch=NotOlderThan`);
  assert.equal(newer.status, 200, newer.text);
  assert.ok(Number(newer.json.metadata.resourceVersion) > Number(rv));
  assert.deepEqual(names(newer.json), ['exact-a', 'exact-b']);

  const future = Number(newer.json.metadata.resourceVersion) + 1_000_000;
  const tooLarge = await api('GET', `${CM}?resourceVersion=${future}`);
  assert.equal(tooLarge.status, 504, tooLarge.text);
  assert.equal(tooLarge.headers['retry-after'], '1');
});

test('timeoutSeconds=0 means the default timeout, not "end now"', async () => {
  const rv = (await api('GET', CM)).json.metadata.resourceVersion;
  const w = await openWatch(cp.url, `${CM}?watch=true&timeoutSeconds=0&resourceVersion=${rv}`);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(w.ended, false, 'the watch is still open');
  await api('POST', CM, { metadata: { name: 'after-zero-timeout' } });
  const events = await w.waitForCount(1);
  w.close();
  assert.equal(events[0].object.metadata.name, 'after-zero-timeout');
});

test('a list without resourceVersion sees every write answered before it (served from the watch cache once it has caught up)', async () => {
  // As kube-apiserver since 1.31 (ConsistentListFromCache): the list comes from the
  // watch cache only after the cache has seen etcd's current revision. A large object
  // makes the write's watch event slower than its answer, so a cache read that did not
  // wait would miss it.
  const big = 'y'.repeat(900_000);
  for (let i = 0; i < 25; i++) {
    const created = await api('POST', CM, { metadata: { name: `consistent-${i}`, labels: { test: 'consistent' } }, data: { big } });
    assert.equal(created.status, 201);
    const list = await api('GET', `${CM}?labelSelector=test%3Dconsistent`);
    assert.equal(list.status, 200, list.text);
    assert.ok(Number(list.json.metadata.resourceVersion) >= Number(created.json.metadata.resourceVersion), `round ${i}: list at ${list.json.metadata.resourceVersion}, write at ${created.json.metadata.resourceVersion}`);
    assert.ok(list.json.items.some((o: { metadata: { name: string } }) => o.metadata.name === `consistent-${i}`), `round ${i}: the list misses the write`);
    await api('DELETE', `${CM}/consistent-${i}`);
  }
});

test('a consistent list is not held up by a write outside /registry/: it reads etcd instead', async () => {
  const etcd = new Etcd3({ hosts: cp.etcd.endpoint });
  try {
    await api('POST', SECRETS, { metadata: { name: 'outside-before' } });
    // The watch cache watches /registry/ only: this revision never reaches it.
    await etcd.put('/not-registry/marker').value('x');
    const started = Date.now();
    // Secrets, not the configmaps above: their list is small, so the time is the wait.
    const list = await api('GET', SECRETS);
    assert.equal(list.status, 200, list.text);
    assert.ok(Date.now() - started < 2500, `took ${Date.now() - started} ms`);
    assert.ok(list.json.items.some((o: { metadata: { name: string } }) => o.metadata.name === 'outside-before'));
    const rev = Number((await etcd.get('/not-registry/marker').exec()).header.revision);
    assert.ok(Number(list.json.metadata.resourceVersion) >= rev, 'read at etcd\'s current revision');
  } finally {
    await etcd.delete().key('/not-registry/marker').catch(() => undefined);
    etcd.close();
  }
});
