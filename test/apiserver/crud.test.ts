// CRUD and the write semantics of the real apiserver on a real etcd.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { http } from '../harness/http.js';

let cp: ControlPlane;
const api = (method: string, path: string, body?: unknown, ct?: string) => http(cp.url, method, path, body, ct);

before(async () => { cp = await startControlPlane(); });
after(async () => { await cp?.stop(); });

const pod = (name: string, labels: Record<string, string> = {}) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] },
});

describe('every resource', () => {
  const cases: [string, string, object][] = [
    ['/api/v1/namespaces/default/pods', 'Pod', pod('crud-pod')],
    ['/api/v1/namespaces/default/configmaps', 'ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm1' }, data: { a: '1' } }],
    ['/api/v1/namespaces/default/secrets', 'Secret', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's1' }, data: { a: 'MQ==' } }],
    ['/api/v1/namespaces/default/services', 'Service', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc1' }, spec: { selector: { app: 'x' }, ports: [{ port: 80 }] } }],
    ['/api/v1/namespaces/default/endpoints', 'Endpoints', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'svc1' }, subsets: [] }],
    ['/api/v1/namespaces/default/events', 'Event', { apiVersion: 'v1', kind: 'Event', metadata: { name: 'ev1' }, involvedObject: { kind: 'Pod', name: 'p', namespace: 'default' }, reason: 'Test', message: 'hello', type: 'Normal' }],
    ['/api/v1/nodes', 'Node', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a' } }],
    ['/api/v1/namespaces', 'Namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'crud-ns' } }],
    ['/apis/apps/v1/namespaces/default/replicasets', 'ReplicaSet', { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs1' }, spec: { selector: { matchLabels: { app: 'rs1' } }, template: { metadata: { labels: { app: 'rs1' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } } }],
    ['/apis/apps/v1/namespaces/default/deployments', 'Deployment', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd1' }, spec: { selector: { matchLabels: { app: 'd1' } }, template: { metadata: { labels: { app: 'd1' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } } }],
    ['/apis/coordination.k8s.io/v1/namespaces/default/leases', 'Lease', { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l1' }, spec: { holderIdentity: 'a', leaseDurationSeconds: 15 } }],
  ];
  for (const [path, kind, body] of cases) {
    test(`${kind}: create, get, list, update, patch, delete`, async () => {
      const name = (body as { metadata: { name: string } }).metadata.name;
      const created = await api('POST', path, body);
      assert.equal(created.status, 201, created.text);
      assert.equal(created.json.kind, kind);
      assert.match(created.json.metadata.uid, /^[0-9a-f-]{36}$/);
      assert.match(created.json.metadata.resourceVersion, /^\d+$/);
      assert.ok(created.json.metadata.creationTimestamp);

      const got = await api('GET', `${path}/${name}`);
      assert.equal(got.status, 200);
      assert.deepEqual(got.json, created.json);
      // Written as Kubernetes writes objects (Go's struct order), whatever order the client sent.
      const typeMetaFirst = new RegExp(`^\\{"kind":"${kind}","apiVersion":"[^"]+","metadata":\\{`);
      assert.match(created.text, typeMetaFirst);
      assert.match(got.text, typeMetaFirst);

      const list = await api('GET', path);
      assert.equal(list.json.kind, `${kind}List`);
      assert.ok(list.json.items.some((i: { metadata: { name: string } }) => i.metadata.name === name));
      assert.ok(Number(list.json.metadata.resourceVersion) >= Number(created.json.metadata.resourceVersion));

      const { kind: _kind, metadata: _metadata, ...fields } = structuredClone(got.json);
      const upd = { ...fields, metadata: _metadata, kind: _kind };
      upd.metadata.labels = { updated: 'yes' };
      const put = await api('PUT', `${path}/${name}`, upd);
      assert.equal(put.status, 200, put.text);
      assert.match(put.text, typeMetaFirst);
      assert.equal(put.json.metadata.labels.updated, 'yes');
      assert.ok(Number(put.json.metadata.resourceVersion) > Number(got.json.metadata.resourceVersion));

      const patched = await api('PATCH', `${path}/${name}`, { metadata: { annotations: { note: 'x' } } }, 'application/merge-patch+json');
      assert.equal(patched.status, 200, patched.text);
      assert.equal(patched.json.metadata.annotations.note, 'x');
      assert.equal(patched.json.metadata.labels.updated, 'yes');

      const del = await api('DELETE', `${path}/${name}`);
      assert.ok(del.status === 200 || del.status === 202, del.text);
      if (kind !== 'Namespace') {
        const gone = await api('GET', `${path}/${name}`);
        assert.equal(gone.status, 404);
        assert.equal(gone.json.kind, 'Status');
        assert.equal(gone.json.reason, 'NotFound');
      }
    });
  }
});

test('409 Conflict on a stale update, 409 AlreadyExists on a duplicate create', async () => {
  const a = await api('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'stale' }, data: { v: '1' } });
  assert.equal(a.status, 201);
  const dup = await api('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'stale' } });
  assert.equal(dup.status, 409);
  assert.equal(dup.json.reason, 'AlreadyExists');
  assert.equal(dup.json.message, 'configmaps "stale" already exists');
  const first = { ...a.json, data: { v: '2' } };
  assert.equal((await api('PUT', '/api/v1/namespaces/default/configmaps/stale', first)).status, 200);
  const stale = await api('PUT', '/api/v1/namespaces/default/configmaps/stale', { ...a.json, data: { v: '3' } });
  assert.equal(stale.status, 409);
  assert.equal(stale.json.reason, 'Conflict');
  assert.match(stale.json.message, /the object has been modified/);
});

test('generateName gives unique names', async () => {
  const names = new Set<string>();
  for (let i = 0; i < 5; i++) {
    const r = await api('POST', '/api/v1/namespaces/default/configmaps', { metadata: { generateName: 'gen-' } });
    assert.equal(r.status, 201, r.text);
    assert.match(r.json.metadata.name, /^gen-[a-z0-9]{5}$/);
    names.add(r.json.metadata.name);
  }
  assert.equal(names.size, 5);
});

test('defaults are applied and generation follows spec changes only', async () => {
  const r = await api('POST', '/apis/apps/v1/namespaces/default/deployments', {
    metadata: { name: 'gen' },
    spec: { selector: { matchLabels: { app: 'g' } }, template: { metadata: { labels: { app: 'g' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.spec.replicas, 1);
  assert.equal(r.json.spec.revisionHistoryLimit, 10);
  assert.equal(r.json.spec.progressDeadlineSeconds, 600);
  assert.deepEqual(r.json.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } });
  assert.equal(r.json.spec.template.spec.restartPolicy, 'Always');
  assert.equal(r.json.spec.template.spec.containers[0].imagePullPolicy, 'Always');
  assert.equal(r.json.metadata.generation, 1);
  const l = await api('PATCH', '/apis/apps/v1/namespaces/default/deployments/gen', { metadata: { labels: { a: 'b' } } }, 'application/merge-patch+json');
  assert.equal(l.json.metadata.generation, 1);
  const s = await api('PATCH', '/apis/apps/v1/namespaces/default/deployments/gen', { spec: { replicas: 3 } }, 'application/merge-patch+json');
  assert.equal(s.json.metadata.generation, 2);
});

test('status subresource: main updates keep status, status updates keep spec', async () => {
  const r = await api('POST', '/apis/apps/v1/namespaces/default/replicasets', {
    metadata: { name: 'st' }, spec: { replicas: 2, selector: { matchLabels: { app: 'st' } }, template: { metadata: { labels: { app: 'st' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    status: { replicas: 99 },
  });
  assert.equal(r.json.status, undefined);
  const st = await api('PUT', '/apis/apps/v1/namespaces/default/replicasets/st/status', { ...r.json, spec: { ...r.json.spec, replicas: 7 }, status: { replicas: 2, readyReplicas: 1 } });
  assert.equal(st.status, 200, st.text);
  assert.equal(st.json.status.replicas, 2);
  assert.equal(st.json.spec.replicas, 2);
  const main = await api('PUT', '/apis/apps/v1/namespaces/default/replicasets/st', { ...st.json, status: { replicas: 50 } });
  assert.equal(main.json.status.replicas, 2);
});

test('scale subresource: get, put, patch', async () => {
  await api('POST', '/apis/apps/v1/namespaces/default/deployments', {
    metadata: { name: 'sc' }, spec: { selector: { matchLabels: { app: 'sc' } }, template: { metadata: { labels: { app: 'sc' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  });
  const g = await api('GET', '/apis/apps/v1/namespaces/default/deployments/sc/scale');
  assert.equal(g.json.kind, 'Scale');
  assert.equal(g.json.apiVersion, 'autoscaling/v1');
  assert.equal(g.json.spec.replicas, 1);
  assert.equal(g.json.status.selector, 'app=sc');
  const p = await api('PUT', '/apis/apps/v1/namespaces/default/deployments/sc/scale', { ...g.json, spec: { replicas: 4 } });
  assert.equal(p.json.spec.replicas, 4);
  const m = await api('PATCH', '/apis/apps/v1/namespaces/default/deployments/sc/scale', { spec: { replicas: 5 } }, 'application/merge-patch+json');
  assert.equal(m.json.spec.replicas, 5);
  assert.equal((await api('GET', '/apis/apps/v1/namespaces/default/deployments/sc')).json.spec.replicas, 5);
  const bad = await api('PATCH', '/apis/apps/v1/namespaces/default/deployments/sc/scale', { spec: { replicas: -1 } }, 'application/merge-patch+json');
  assert.equal(bad.status, 422);
});

test('binding sets nodeName once, the second binding is a 409', async () => {
  await api('POST', '/api/v1/namespaces/default/pods', pod('bindme'));
  const b = await api('POST', '/api/v1/namespaces/default/pods/bindme/binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bindme' }, target: { kind: 'Node', name: 'n1' } });
  assert.equal(b.status, 201, b.text);
  const p = await api('GET', '/api/v1/namespaces/default/pods/bindme');
  assert.equal(p.json.spec.nodeName, 'n1');
  assert.ok(p.json.status.conditions.some((c: { type: string; status: string }) => c.type === 'PodScheduled' && c.status === 'True'));
  const again = await api('POST', '/api/v1/namespaces/default/pods/bindme/binding', { metadata: { name: 'bindme' }, target: { kind: 'Node', name: 'n2' } });
  assert.equal(again.status, 409);
  assert.match(again.json.message, /already assigned to node "n1"/);
});

test('graceful delete of a scheduled pod, then the kubelet deletes it with grace 0', async () => {
  const spec = pod('graceful');
  (spec.spec as Record<string, unknown>).nodeName = 'n1';
  await api('POST', '/api/v1/namespaces/default/pods', spec);
  const d = await api('DELETE', '/api/v1/namespaces/default/pods/graceful');
  assert.equal(d.status, 202, d.text);
  assert.ok(d.json.metadata.deletionTimestamp);
  assert.equal(d.json.metadata.deletionGracePeriodSeconds, 30);
  assert.equal((await api('GET', '/api/v1/namespaces/default/pods/graceful')).status, 200);
  const now = await api('DELETE', '/api/v1/namespaces/default/pods/graceful', { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0 });
  assert.equal(now.status, 200, now.text);
  assert.equal((await api('GET', '/api/v1/namespaces/default/pods/graceful')).status, 404);
});

test('an unscheduled pod is deleted at once', async () => {
  await api('POST', '/api/v1/namespaces/default/pods', pod('unscheduled'));
  const d = await api('DELETE', '/api/v1/namespaces/default/pods/unscheduled');
  assert.equal(d.status, 200);
  assert.equal((await api('GET', '/api/v1/namespaces/default/pods/unscheduled')).status, 404);
});

test('finalizers hold deletion until removed', async () => {
  await api('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'fin', finalizers: ['example.com/hold'] } });
  const d = await api('DELETE', '/api/v1/namespaces/default/configmaps/fin');
  assert.equal(d.status, 202);
  const held = await api('GET', '/api/v1/namespaces/default/configmaps/fin');
  assert.ok(held.json.metadata.deletionTimestamp);
  const rm = await api('PATCH', '/api/v1/namespaces/default/configmaps/fin', { metadata: { finalizers: null } }, 'application/merge-patch+json');
  assert.equal(rm.status, 200, rm.text);
  assert.equal((await api('GET', '/api/v1/namespaces/default/configmaps/fin')).status, 404);
});

test('foreground deletion adds the foregroundDeletion finalizer', async () => {
  await api('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'fg' } });
  const d = await api('DELETE', '/api/v1/namespaces/default/configmaps/fg', { propagationPolicy: 'Foreground' });
  assert.equal(d.status, 202);
  assert.deepEqual(d.json.metadata.finalizers, ['foregroundDeletion']);
});

test('creating in a missing namespace is a 404', async () => {
  const r = await api('POST', '/api/v1/namespaces/nope/configmaps', { metadata: { name: 'x' } });
  assert.equal(r.status, 404);
  assert.equal(r.json.message, 'namespaces "nope" not found');
});

test('validation failures are 422 with causes naming the field', async () => {
  const r = await api('POST', '/api/v1/namespaces/default/pods', { metadata: { name: 'Bad_Name' }, spec: { containers: [{ name: 'c' }] } });
  assert.equal(r.status, 422);
  assert.equal(r.json.reason, 'Invalid');
  const fields = r.json.details.causes.map((c: { field: string }) => c.field);
  assert.ok(fields.includes('metadata.name'), fields.join());
  assert.ok(fields.includes('spec.containers[0].image'), fields.join());
});

test('label and field selectors in list', async () => {
  for (const [n, tier] of [['sel-a', 'web'], ['sel-b', 'db'], ['sel-c', 'web']]) {
    await api('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: n, labels: { tier, sel: 'yes' } } });
  }
  const web = await api('GET', '/api/v1/namespaces/default/configmaps?labelSelector=' + encodeURIComponent('sel=yes,tier in (web)'));
  assert.deepEqual(web.json.items.map((i: { metadata: { name: string } }) => i.metadata.name), ['sel-a', 'sel-c']);
  const notWeb = await api('GET', '/api/v1/namespaces/default/configmaps?labelSelector=' + encodeURIComponent('sel,tier!=web'));
  assert.deepEqual(notWeb.json.items.map((i: { metadata: { name: string } }) => i.metadata.name), ['sel-b']);
  const byName = await api('GET', '/api/v1/configmaps?fieldSelector=metadata.name%3Dsel-b');
  assert.deepEqual(byName.json.items.map((i: { metadata: { name: string } }) => i.metadata.name), ['sel-b']);
  const bad = await api('GET', '/api/v1/configmaps?fieldSelector=spec.nope%3Dx');
  assert.equal(bad.status, 400);
  const badLabel = await api('GET', '/api/v1/configmaps?labelSelector=' + encodeURIComponent('a in (b'));
  assert.equal(badLabel.status, 400);
});

test('pagination over 1,000 objects with limit and continue', async () => {
  await api('POST', '/api/v1/namespaces', { metadata: { name: 'pages' } });
  const names: string[] = [];
  for (let i = 0; i < 1000; i++) names.push(`cm-${String(i).padStart(4, '0')}`);
  for (let i = 0; i < names.length; i += 50) {
    await Promise.all(names.slice(i, i + 50).map((n) => api('POST', '/api/v1/namespaces/pages/configmaps', { metadata: { name: n } })));
  }
  const seen: string[] = [];
  let cont = '';
  let pages = 0;
  let rv = '';
  do {
    const r = await api('GET', `/api/v1/namespaces/pages/configmaps?limit=170${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
    assert.equal(r.status, 200, r.text);
    if (!rv) rv = r.json.metadata.resourceVersion;
    assert.equal(r.json.metadata.resourceVersion, rv, 'every page reads the same snapshot');
    seen.push(...r.json.items.map((i: { metadata: { name: string } }) => i.metadata.name));
    cont = r.json.metadata.continue ?? '';
    if (cont) assert.equal(r.json.metadata.remainingItemCount, 1000 - seen.length);
    pages++;
    // Writes between pages must not show up in later pages.
    if (pages === 1) await api('POST', '/api/v1/namespaces/pages/configmaps', { metadata: { name: 'cm-9999-late' } });
  } while (cont);
  assert.equal(pages, 6);
  assert.deepEqual(seen, names);
  const bad = await api('GET', '/api/v1/namespaces/pages/configmaps?limit=10&continue=garbage');
  assert.equal(bad.status, 400);
});

test('200 services created in parallel get 200 distinct ClusterIPs, freed on delete', async () => {
  await api('POST', '/api/v1/namespaces', { metadata: { name: 'ips' } });
  const results = await Promise.all(Array.from({ length: 200 }, (_, i) =>
    api('POST', '/api/v1/namespaces/ips/services', { metadata: { name: `s${i}` }, spec: { type: i % 10 === 0 ? 'NodePort' : 'ClusterIP', selector: { a: 'b' }, ports: [{ port: 80 }] } })));
  for (const r of results) assert.equal(r.status, 201, r.text);
  const ips = new Set(results.map((r) => r.json.spec.clusterIP));
  assert.equal(ips.size, 200);
  for (const ip of ips) assert.match(ip, /^10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+$/);
  const nodePorts = results.filter((r) => r.json.spec.type === 'NodePort').map((r) => r.json.spec.ports[0].nodePort);
  assert.equal(new Set(nodePorts).size, 20);
  for (const p of nodePorts) assert.ok(p >= 30000 && p <= 32767);
  // A requested IP that is taken is refused; once freed it can be had.
  const taken = results[1].json.spec.clusterIP;
  const dup = await api('POST', '/api/v1/namespaces/ips/services', { metadata: { name: 'dup' }, spec: { clusterIP: taken, ports: [{ port: 80 }] } });
  assert.equal(dup.status, 422);
  assert.match(dup.json.message, /provided IP is already allocated/);
  assert.equal((await api('DELETE', '/api/v1/namespaces/ips/services/s1')).status, 200);
  const reuse = await api('POST', '/api/v1/namespaces/ips/services', { metadata: { name: 'dup' }, spec: { clusterIP: taken, ports: [{ port: 80 }] } });
  assert.equal(reuse.status, 201, reuse.text);
});

test('built-in namespaces and the kubernetes service exist', async () => {
  const ns = await api('GET', '/api/v1/namespaces');
  const names = ns.json.items.map((i: { metadata: { name: string } }) => i.metadata.name);
  for (const n of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) assert.ok(names.includes(n), n);
  const svc = await api('GET', '/api/v1/namespaces/default/services/kubernetes');
  assert.equal(svc.json.spec.clusterIP, '10.96.0.1');
  const ep = await api('GET', '/api/v1/namespaces/default/endpoints/kubernetes');
  assert.equal(ep.json.subsets[0].ports[0].port, cp.securePort);
});

test('deletecollection with a label selector', async () => {
  for (const n of ['dc-1', 'dc-2', 'dc-keep']) {
    await api('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: n, labels: { dc: n === 'dc-keep' ? 'keep' : 'go' } } });
  }
  const r = await api('DELETE', '/api/v1/namespaces/default/configmaps?labelSelector=dc%3Dgo');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.items.length, 2);
  const left = await api('GET', '/api/v1/namespaces/default/configmaps?labelSelector=dc');
  assert.deepEqual(left.json.items.map((i: { metadata: { name: string } }) => i.metadata.name), ['dc-keep']);
});

test('events expire after --event-ttl (etcd lease)', async () => {
  const short = await startControlPlane({ args: ['--event-ttl', '2'] });
  try {
    const ev = await http(short.url, 'POST', '/api/v1/namespaces/default/events', {
      metadata: { name: 'short-lived' }, involvedObject: { kind: 'Pod', name: 'p', namespace: 'default' }, reason: 'Test', message: 'bye', type: 'Normal',
    });
    assert.equal(ev.status, 201, ev.text);
    const cm = await http(short.url, 'POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'long-lived' } });
    assert.equal(cm.status, 201);
    const { waitFor } = await import('../harness/processes.js');
    await waitFor(async () => (await http(short.url, 'GET', '/api/v1/namespaces/default/events/short-lived')).status === 404,
      { timeoutMs: 15_000, intervalMs: 250, what: 'the event to expire' });
    assert.equal((await http(short.url, 'GET', '/api/v1/namespaces/default/configmaps/long-lived')).status, 200);
  } finally {
    await short.stop();
  }
});
