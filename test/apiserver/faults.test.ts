// Fault tests with real processes: the apiserver killed -9 under concurrent writers,
// etcd restarted twice under a writer and watchers. What was acknowledged is kept,
// nothing is counted twice, and every watcher sees resourceVersions only go up.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import type { ConfigMap } from '../../api/types/core.js';
import { informerFor } from '../../client/informer.js';
import { loadClientConfig } from '../../client/kubeconfig.js';
import { RestClient } from '../../client/rest-client.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { openWatch, type WatchReader } from '../harness/watch-reader.js';
import { waitFor } from '../harness/processes.js';

let cp: ControlPlane;
before(async () => { cp = await startControlPlane(); });
after(async () => { await cp?.stop(); });

interface Answer { status: number; json: any } // eslint-disable-line @typescript-eslint/no-explicit-any -- test convenience

/** One request; a connection that fails (the apiserver was killed) is status 0. */
async function call(method: string, path: string, body?: unknown): Promise<Answer> {
  try {
    const res = await request(cp.url + path, {
      method: method as 'GET',
      body: body === undefined ? undefined : JSON.stringify(body),
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      headersTimeout: 20_000,
      bodyTimeout: 20_000,
    });
    const text = await res.body.text();
    return { status: res.statusCode, json: text ? JSON.parse(text) : undefined };
  } catch {
    return { status: 0, json: undefined };
  }
}

const CM = '/api/v1/namespaces/default/configmaps';
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('a counter incremented by 16 read-modify-write clients equals the acknowledged increments across two kill -9 of the apiserver', async () => {
  assert.equal((await call('POST', CM, { metadata: { name: 'counter' }, data: { n: '0' } })).status, 201);
  let acknowledged = 0;
  /** Writes whose answer never came: each may or may not have been applied. */
  let uncertain = 0;
  let stop = false;
  const client = async (): Promise<void> => {
    while (!stop) {
      const cur = await call('GET', `${CM}/counter`);
      if (cur.status !== 200) { await pause(50); continue; }
      const n = Number(cur.json.data.n);
      const put = await call('PUT', `${CM}/counter`, { metadata: { name: 'counter', resourceVersion: cur.json.metadata.resourceVersion }, data: { n: String(n + 1) } });
      if (put.status === 200) acknowledged++;
      else if (put.status === 409) continue;
      else { uncertain++; await pause(50); }
    }
  };
  const clients = Array.from({ length: 16 }, client);
  for (let kill = 0; kill < 2; kill++) {
    const before_ = acknowledged;
    await waitFor(() => acknowledged >= before_ + 100, { timeoutMs: 30_000, what: '100 more increments' });
    await cp.restartApiserver({ kill: true });
  }
  const after_ = acknowledged;
  await waitFor(() => acknowledged >= after_ + 100, { timeoutMs: 30_000, what: 'increments after the restarts' });
  stop = true;
  await Promise.all(clients);
  const final = Number((await call('GET', `${CM}/counter`)).json.data.n);
  assert.ok(final >= acknowledged, `counter ${final} lost acknowledged increments (${acknowledged})`);
  assert.ok(final <= acknowledged + uncertain, `counter ${final} has more than acknowledged ${acknowledged} + in flight at the kills ${uncertain}`);
});

test('2,000 concurrent creates with the apiserver killed -9 in the middle: every acknowledged create exists', async () => {
  await call('POST', '/api/v1/namespaces', { metadata: { name: 'creates' } });
  const path = '/api/v1/namespaces/creates/configmaps';
  const acknowledged = new Set<string>();
  let next = 0;
  let killed: Promise<void> | undefined;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < 2000; i = next++) {
      const name = `c-${i}`;
      for (;;) {
        const r = await call('POST', path, { metadata: { name }, data: { i: String(i) } });
        if (r.status === 201) { acknowledged.add(name); break; }
        // The first try may have been written before the kill; its retry says so.
        if (r.status === 409) break;
        await pause(50);
      }
      if (acknowledged.size === 700 && !killed) killed = cp.restartApiserver({ kill: true });
    }
  };
  await Promise.all(Array.from({ length: 64 }, worker));
  await killed;
  assert.ok(killed, 'the apiserver was killed in the middle');
  const list = await call('GET', path);
  const names = new Set<string>(list.json.items.map((i: { metadata: { name: string } }) => i.metadata.name));
  for (const name of acknowledged) assert.ok(names.has(name), `${name} was acknowledged with 201 but is gone`);
  assert.equal(names.size, 2000);
});

test('etcd restarted twice in quick succession under a writer of 5,000 objects: the informer equals a fresh list, watchers see increasing resourceVersions', async () => {
  await call('POST', '/api/v1/namespaces', { metadata: { name: 'etcdfaults' } });
  const path = '/api/v1/namespaces/etcdfaults/configmaps';
  const rest = new RestClient(loadClientConfig({ kubeconfig: cp.kubeconfig }), { userAgent: 'faults-test' });
  const informer = informerFor<ConfigMap>(rest, 'configmaps', { namespace: 'etcdfaults', log: { debug() {}, info() {}, warn() {}, error() {} } as never, backoff: { initialMs: 50, maxMs: 1000 } });
  const ac = new AbortController();
  void informer.run(ac.signal);
  const watchers: WatchReader[] = [];
  try {
    await informer.waitForSync();
    const start = (await call('GET', path)).json.metadata.resourceVersion;
    for (let i = 0; i < 3; i++) watchers.push(await openWatch(cp.url, `${path}?watch=true&allowWatchBookmarks=true&resourceVersion=${start}`));
    let written = 0;
    let next = 0;
    const writer = async (): Promise<void> => {
      for (let i = next++; i < 5000; i = next++) {
        for (;;) {
          const r = await call('POST', path, { metadata: { name: `e-${i}` } });
          if (r.status === 201 || r.status === 409) break;
          await pause(100);
        }
        written++;
      }
    };
    const writers = Promise.all(Array.from({ length: 16 }, writer));
    await waitFor(() => written >= 1500, { timeoutMs: 60_000, what: '1,500 writes' });
    await cp.etcd.restart();
    await cp.etcd.restart();
    await writers;
    const fresh = (await call('GET', path)).json;
    assert.equal(fresh.items.length, 5000);
    await waitFor(() => informer.list().length === 5000, { timeoutMs: 30_000, what: `the informer to hold 5,000 (has ${informer.list().length})` });
    const want = new Map<string, string>(fresh.items.map((i: ConfigMap) => [i.metadata.name, i.metadata.resourceVersion]));
    for (const cm of informer.list()) assert.equal(cm.metadata.resourceVersion, want.get(cm.metadata.name as string), `${cm.metadata.name} differs from a fresh list`);
    for (const [i, w] of watchers.entries()) {
      let last = Number(start);
      for (const e of w.events) {
        if (e.type === 'ERROR') break;
        const rv = Number(e.object.metadata.resourceVersion);
        assert.ok(e.type === 'BOOKMARK' ? rv >= last : rv > last, `watcher ${i}: ${e.type} at ${rv} after ${last}`);
        last = rv;
      }
    }
  } finally {
    ac.abort();
    for (const w of watchers) w.close();
    await rest.close();
  }
});
