// Watchers that do not read: one whose unsent events pass its limit, or that holds the
// most when all watchers together pass theirs, is closed with an ERROR event after what
// it was sent (as kube-apiserver's cacher terminates blocked watchers), and the others
// go on. Served by the real HTTP watch code over a real socket, from the memory store.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, get, type IncomingMessage, type Server } from 'node:http';
import { once } from 'node:events';
import { pino } from 'pino';
import { findResource, type ResourceInfo } from '../../api/registry.js';
import type { KubeObject } from '../../api/types/meta.js';
import { GenericRegistry } from '../../apiserver/registry/generic.js';
import { defaultStrategy } from '../../apiserver/registry/strategy.js';
import { MemoryStore } from '../../apiserver/storage/memory-store.js';
import { WatchCaches } from '../../apiserver/watch-cache.js';
import { serveWatch, type WatchServeOptions } from '../../apiserver/http/watch.js';
import { parseListQuery } from '../../apiserver/http/list-options.js';
import { waitFor } from '../harness/processes.js';

const log = pino({ level: 'silent' });
let store: MemoryStore;
let caches: WatchCaches;
let reg: GenericRegistry;
let server: Server;
let limits: WatchServeOptions['limits'];
const ac = new AbortController();

before(async () => {
  store = new MemoryStore();
  caches = new WatchCaches(store, log);
  const ri = findResource('', 'v1', 'configmaps') as ResourceInfo;
  reg = new GenericRegistry(ri, store, defaultStrategy, caches.cache('/registry/configmaps/'), { namespaceState: async () => 'Active' });
  await caches.start();
  server = createServer((req, res) => {
    const rv = new URL(req.url ?? '/', 'http://x').searchParams.get('rv') ?? undefined;
    serveWatch(reg, res, { query: parseListQuery(ri, { watch: 'true', resourceVersion: rv }), bookmarkIntervalMs: 60_000, signal: ac.signal, log, onEnd: () => undefined, limits });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
});
after(async () => {
  ac.abort();
  server.closeAllConnections();
  server.close();
  await caches.stop();
});

interface Paused { res: IncomingMessage; lines(): Promise<{ type: string; object: KubeObject & { code?: number } }[]> }

/** A watch whose client does not read until lines() is called. */
async function pausedWatch(rv: string): Promise<Paused> {
  const { port } = server.address() as { port: number };
  const req = get({ host: '127.0.0.1', port, path: `/?rv=${rv}` });
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  res.pause();
  return {
    res,
    async lines() {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { text += c; });
      res.resume();
      await once(res, 'end');
      return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; object: KubeObject & { code?: number } });
    },
  };
}

const big = 'x'.repeat(500_000);

async function writeMany(prefix: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await reg.create('default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${prefix}-${i}` }, data: { big } } as KubeObject);
    // A pause, so a watcher that reads gets the time to (as over a network).
    await new Promise((r) => setTimeout(r, 10));
  }
  await caches.waitFresh(await store.revision());
}

test('a watcher whose unsent events pass its limit ends with an ERROR after the events it was sent', async () => {
  limits = { maxBufferedBytes: 2 * 1024 * 1024, maxTotalBufferedBytes: 1024 * 1024 * 1024, minBufferedToClose: 1024 };
  const w = await pausedWatch(String(await store.revision()));
  await writeMany('one', 40);
  const events = await w.lines();
  const last = events[events.length - 1];
  assert.equal(last.type, 'ERROR', 'the stream ends with an ERROR event');
  assert.equal(last.object.code, 410);
  assert.ok(events.length < 41, `it was closed before all 40 events (${events.length - 1} sent)`);
  events.slice(0, -1).forEach((e, i) => assert.equal(e.object.metadata.name, `one-${i}`, 'events before the ERROR are complete and in order'));
});

test('past the total limit the watcher holding the most is closed; a reading watcher goes on', async () => {
  limits = { maxBufferedBytes: 1024 * 1024 * 1024, maxTotalBufferedBytes: 3 * 1024 * 1024, minBufferedToClose: 256 * 1024 };
  const rv = String(await store.revision());
  const slow = await pausedWatch(rv);
  const reading = await pausedWatch(rv);
  const seen: string[] = [];
  let text = '';
  reading.res.setEncoding('utf8');
  reading.res.on('data', (c: string) => {
    text += c;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n')) {
      seen.push((JSON.parse(text.slice(0, nl)) as { type: string }).type);
      text = text.slice(nl + 1);
    }
  });
  reading.res.resume();
  await writeMany('two', 40);
  await waitFor(() => seen.length === 40, { timeoutMs: 20_000, what: `the reading watcher's 40 events (has ${seen.length})` });
  assert.ok(!seen.includes('ERROR'));
  const events = await slow.lines();
  assert.equal(events[events.length - 1].type, 'ERROR');
  reading.res.destroy();
});
