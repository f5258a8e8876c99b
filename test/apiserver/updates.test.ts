// Updates under concurrency: nothing acknowledged is lost, a patch without a
// resourceVersion is retried against the fresh object on a conflict (only one that
// carries a resourceVersion keeps optimistic concurrency), the same for scale.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { http } from '../harness/http.js';

let cp: ControlPlane;
const api = (method: string, path: string, body?: unknown, ct?: string) => http(cp.url, method, path, body, ct);
const DEPLOY = '/apis/apps/v1/namespaces/default/deployments';
const MERGE = 'application/merge-patch+json';

function deployment(name: string, big = ''): unknown {
  return {
    metadata: { name },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'busybox', env: [{ name: 'BIG', value: big }] }] } },
    },
  };
}

before(async () => { cp = await startControlPlane(); });
after(async () => { await cp?.stop(); });

test('a scale to the value a stale watch cache still shows is written, not answered as a no-op', async () => {
  // A large object makes the watch event that updates the cache slower than the answer
  // to the write, so the scale below often starts from the cache's older copy.
  const created = await api('POST', DEPLOY, deployment('stale', 'x'.repeat(900_000)));
  assert.equal(created.status, 201, created.text);
  for (let i = 0; i < 40; i++) {
    const up = await api('PATCH', `${DEPLOY}/stale`, { spec: { replicas: 5 } }, MERGE);
    assert.equal(up.status, 200, up.text);
    const down = await api('PUT', `${DEPLOY}/stale/scale`, { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'stale', namespace: 'default' }, spec: { replicas: 3 } });
    assert.equal(down.status, 200, down.text);
    assert.equal(down.json.spec.replicas, 3);
    const now = await api('GET', `${DEPLOY}/stale`);
    assert.equal(now.json.spec.replicas, 3, `round ${i}: the scale to 3 acknowledged with 200 was lost`);
    assert.ok(Number(down.json.metadata.resourceVersion) > Number(up.json.metadata.resourceVersion), `round ${i}: the scale wrote a new revision`);
  }
});

test('50 concurrent label patches on one object all succeed and all 50 labels are present', async () => {
  await api('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'labels' } });
  const results = await Promise.all(Array.from({ length: 50 }, (_, i) =>
    api('PATCH', '/api/v1/namespaces/default/configmaps/labels', { metadata: { labels: { [`l${i}`]: String(i) } } }, MERGE)));
  for (const r of results) assert.equal(r.status, 200, r.text);
  const cm = await api('GET', '/api/v1/namespaces/default/configmaps/labels');
  assert.equal(Object.keys(cm.json.metadata.labels).length, 50);
  for (let i = 0; i < 50; i++) assert.equal(cm.json.metadata.labels[`l${i}`], String(i));
});

test('concurrent patches of scale without a resourceVersion all succeed; one with a stale resourceVersion is a 409', async () => {
  await api('POST', DEPLOY, deployment('scaled'));
  const patches = await Promise.all(Array.from({ length: 30 }, (_, i) =>
    api('PATCH', `${DEPLOY}/scaled/scale`, { spec: { replicas: i + 2 } }, MERGE)));
  for (const r of patches) assert.equal(r.status, 200, r.text);
  const puts = await Promise.all(Array.from({ length: 20 }, (_, i) =>
    api('PUT', `${DEPLOY}/scaled/scale`, { metadata: { name: 'scaled' }, spec: { replicas: i + 40 } })));
  for (const r of puts) assert.equal(r.status, 200, r.text);
  const stale = await api('PATCH', `${DEPLOY}/scaled/scale`, { metadata: { resourceVersion: '2' }, spec: { replicas: 9 } }, MERGE);
  assert.equal(stale.status, 409, stale.text);
  const stalePut = await api('PUT', `${DEPLOY}/scaled/scale`, { metadata: { name: 'scaled', resourceVersion: '2' }, spec: { replicas: 9 } });
  assert.equal(stalePut.status, 409, stalePut.text);
  const cur = await api('GET', `${DEPLOY}/scaled`);
  assert.notEqual(cur.json.spec.replicas, 9);
});

test('concurrent patches of one counter field, each read-modify-write with a JSON patch test op, lose nothing', async () => {
  // A JSON patch whose test op fails is a 422 the client retries; each success adds exactly one.
  await api('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'counter' }, data: { n: '0' } });
  let acknowledged = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    for (let done = 0; done < 10;) {
      const cur = await api('GET', '/api/v1/namespaces/default/configmaps/counter');
      const n = Number(cur.json.data.n);
      const r = await api('PATCH', '/api/v1/namespaces/default/configmaps/counter',
        [{ op: 'test', path: '/data/n', value: String(n) }, { op: 'replace', path: '/data/n', value: String(n + 1) }], 'application/json-patch+json');
      if (r.status === 200) { acknowledged++; done++; } else assert.equal(r.status, 422, r.text);
    }
  }));
  const cm = await api('GET', '/api/v1/namespaces/default/configmaps/counter');
  assert.equal(Number(cm.json.data.n), acknowledged);
  assert.equal(acknowledged, 80);
});
