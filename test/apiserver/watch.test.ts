// The watch cache: resume from a resourceVersion, 410 after compaction, bookmarks,
// selectors, and Table watches.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { http } from '../harness/http.js';
import { openWatch } from '../harness/watch-reader.js';
import { waitFor } from '../harness/processes.js';

let cp: ControlPlane;
const api = (method: string, path: string, body?: unknown, ct?: string) => http(cp.url, method, path, body, ct);
const CM = '/api/v1/namespaces/default/configmaps';

before(async () => { cp = await startControlPlane({ args: ['--watch-bookmark-interval', '1', '--etcd-compaction-interval', '2'] }); });
after(async () => { await cp?.stop(); });

test('a watch from resourceVersion R delivers exactly the events after R, in order', async () => {
  const first = await api('POST', CM, { metadata: { name: 'w-0' } });
  const r = first.json.metadata.resourceVersion;
  const expected: [string, string, string][] = [];
  const a = await api('POST', CM, { metadata: { name: 'w-1' } });
  expected.push(['ADDED', 'w-1', a.json.metadata.resourceVersion]);
  const b = await api('PATCH', `${CM}/w-0`, { data: { x: '1' } }, 'application/merge-patch+json');
  expected.push(['MODIFIED', 'w-0', b.json.metadata.resourceVersion]);
  const c = await api('DELETE', `${CM}/w-1`);
  expected.push(['DELETED', 'w-1', '']);
  const w = await openWatch(cp.url, `${CM}?watch=true&resourceVersion=${r}`);
  assert.equal(w.status, 200);
  const d = await api('POST', CM, { metadata: { name: 'w-2' } });
  expected.push(['ADDED', 'w-2', d.json.metadata.resourceVersion]);
  const events = (await w.waitForCount(4)).slice(0, 4);
  w.close();
  assert.deepEqual(events.map((e) => [e.type, e.object.metadata.name]), expected.map(([t, n]) => [t, n]));
  assert.equal(events[0].object.metadata.resourceVersion, expected[0][2]);
  assert.equal(events[1].object.metadata.resourceVersion, expected[1][2]);
  assert.ok(Number(events[2].object.metadata.resourceVersion) > Number(expected[1][2]), 'a DELETED event carries the deletion revision');
  assert.equal(events[3].object.metadata.resourceVersion, expected[3][2]);
  for (let i = 1; i < events.length; i++) {
    assert.ok(Number(events[i].object.metadata.resourceVersion) > Number(events[i - 1].object.metadata.resourceVersion));
  }
  assert.equal(c.status, 200);
});

test('a watch without resourceVersion starts with ADDED for what exists', async () => {
  await api('POST', '/api/v1/namespaces', { metadata: { name: 'initial' } });
  await api('POST', '/api/v1/namespaces/initial/configmaps', { metadata: { name: 'i-1' } });
  await api('POST', '/api/v1/namespaces/initial/configmaps', { metadata: { name: 'i-2' } });
  const w = await openWatch(cp.url, '/api/v1/namespaces/initial/configmaps?watch=1');
  const ev = await w.waitForCount(2);
  w.close();
  assert.deepEqual(ev.map((e) => `${e.type} ${e.object.metadata.name}`).sort(), ['ADDED i-1', 'ADDED i-2']);
});

test('label selectors in watch: an object leaving the selection is DELETED', async () => {
  const w = await openWatch(cp.url, `${CM}?watch=true&labelSelector=watched%3Dyes&resourceVersion=${(await api('GET', CM)).json.metadata.resourceVersion}`);
  await api('POST', CM, { metadata: { name: 'ls-1', labels: { watched: 'yes' } } });
  await api('POST', CM, { metadata: { name: 'ls-other', labels: { watched: 'no' } } });
  await api('PATCH', `${CM}/ls-1`, { metadata: { labels: { watched: 'no' } } }, 'application/merge-patch+json');
  await api('PATCH', `${CM}/ls-other`, { metadata: { labels: { watched: 'yes' } } }, 'application/merge-patch+json');
  const ev = await w.waitForCount(3);
  w.close();
  assert.deepEqual(ev.slice(0, 3).map((e) => `${e.type} ${e.object.metadata.name}`), ['ADDED ls-1', 'DELETED ls-1', 'ADDED ls-other']);
});

test('field selectors in watch (spec.nodeName)', async () => {
  const w = await openWatch(cp.url, '/api/v1/pods?watch=true&fieldSelector=spec.nodeName%3Dnode-x');
  const mk = (name: string, nodeName?: string) => api('POST', '/api/v1/namespaces/default/pods', {
    metadata: { name }, spec: { nodeName, containers: [{ name: 'c', image: 'busybox' }] },
  });
  await mk('fs-other', 'node-y');
  await mk('fs-mine', 'node-x');
  const ev = await w.waitForCount(1);
  w.close();
  assert.equal(ev[0].object.metadata.name, 'fs-mine');
});

test('BOOKMARK events when allowWatchBookmarks=true', async () => {
  const w = await openWatch(cp.url, `${CM}?watch=true&allowWatchBookmarks=true&resourceVersion=${(await api('GET', CM)).json.metadata.resourceVersion}`);
  await waitFor(() => w.events.some((e) => e.type === 'BOOKMARK'), { timeoutMs: 5000, what: 'a bookmark' });
  w.close();
  const bm = w.events.find((e) => e.type === 'BOOKMARK');
  assert.equal(bm?.object.kind, 'ConfigMap');
  assert.match(bm?.object.metadata.resourceVersion, /^\d+$/);
});

test('bookmarks of a quiet resource keep up with etcd (progress notifications)', async () => {
  const LEASES = '/apis/coordination.k8s.io/v1/namespaces/default/leases';
  const w = await openWatch(cp.url, `${LEASES}?watch=true&allowWatchBookmarks=true&resourceVersion=${(await api('GET', LEASES)).json.metadata.resourceVersion}`);
  // Writes to another resource move etcd's revision; no lease changes.
  const later = Number((await api('POST', CM, { metadata: { name: 'progress-marker' } })).json.metadata.resourceVersion);
  await waitFor(() => w.events.some((e) => e.type === 'BOOKMARK' && Number(e.object.metadata.resourceVersion) >= later),
    { timeoutMs: 10_000, what: `a lease bookmark at or after ${later}` });
  w.close();
  assert.ok(w.events.every((e) => e.type === 'BOOKMARK'));
});

test('410 Expired for a resourceVersion older than the compacted history', async () => {
  const old = (await api('POST', CM, { metadata: { name: 'compact-me' } })).json.metadata.resourceVersion;
  // Compaction runs every 2 s and compacts to what it saw one tick earlier.
  await api('PATCH', `${CM}/compact-me`, { data: { a: '1' } }, 'application/merge-patch+json');
  await waitFor(async () => {
    const w = await openWatch(cp.url, `${CM}?watch=true&resourceVersion=${old}`);
    await new Promise((r) => setTimeout(r, 100));
    w.close();
    return w.events[0]?.type === 'ERROR';
  }, { timeoutMs: 15_000, intervalMs: 500, what: 'the old resourceVersion to expire' });
  const w = await openWatch(cp.url, `${CM}?watch=true&resourceVersion=${old}`);
  const [ev] = await w.waitForCount(1);
  w.close();
  assert.equal(ev.type, 'ERROR');
  assert.equal(ev.object.kind, 'Status');
  assert.equal(ev.object.code, 410);
  assert.equal(ev.object.reason, 'Expired');
  // A continue token from before the compaction is refused the same way.
  const page = await api('GET', `${CM}?limit=1`);
  assert.ok(page.json.metadata.continue);
  // History moves on past the page's revision, then compaction catches up with it.
  await api('PATCH', `${CM}/compact-me`, { data: { a: '2' } }, 'application/merge-patch+json');
  await waitFor(async () => (await api('GET', `${CM}?limit=1&continue=${encodeURIComponent(page.json.metadata.continue)}`)).status === 410,
    { timeoutMs: 15_000, intervalMs: 500, what: 'the continue token to expire' });
});

test('watch with Accept Table streams Table rows (kubectl get -w)', async () => {
  const w = await openWatch(cp.url, `/api/v1/namespaces/default/pods?watch=true&resourceVersion=${(await api('GET', '/api/v1/namespaces/default/pods')).json.metadata.resourceVersion}`,
    { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
  await api('POST', '/api/v1/namespaces/default/pods', { metadata: { name: 'tbl' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
  const [ev] = await w.waitForCount(1);
  w.close();
  assert.equal(ev.object.kind, 'Table');
  assert.equal(ev.object.rows[0].cells[0], 'tbl');
  assert.deepEqual(ev.object.columnDefinitions.slice(0, 5).map((c: { name: string }) => c.name), ['Name', 'Ready', 'Status', 'Restarts', 'Age']);
});

test('watch fan-out uses one etcd watch per resource', async () => {
  const readers = await Promise.all(Array.from({ length: 50 }, () => openWatch(cp.url, `${CM}?watch=true&resourceVersion=${'0'}`)));
  await api('POST', CM, { metadata: { name: 'fanout' } });
  await Promise.all(readers.map((r) => waitFor(() => r.events.some((e) => e.object.metadata?.name === 'fanout'), { what: 'fan-out' })));
  // etcd itself sees one watch per resource, however many HTTP watchers there are.
  const etcdMetrics = await http(cp.etcd.endpoint, 'GET', '/metrics');
  const watchers = Number(/^etcd_debugging_mvcc_watcher_total (\d+)/m.exec(etcdMetrics.text)?.[1]);
  assert.ok(watchers > 0 && watchers <= 11, `etcd watchers: ${watchers}`);
  const metrics = await api('GET', '/metrics');
  assert.match(metrics.text, /apiserver_registered_watchers\{resource="configmaps"\} ([5-9]\d|\d{3,})/);
  for (const r of readers) r.close();
});
