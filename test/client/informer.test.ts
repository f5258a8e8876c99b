// Informer: relist diffs, bookmarks, handler errors and backoff against a scripted
// ListerWatcher (no I/O); then the real apiserver and etcd: the cache equals a fresh
// list after 1,000 random writes across an apiserver restart and a 410 from
// compaction, custom indices, a fieldSelector informer, and a clean stop.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { expired } from '../../api/errors.js';
import type { ConfigMap, Pod } from '../../api/types/core.js';
import type { KubeObject, List, WatchEvent } from '../../api/types/meta.js';
import { Backoff, Informer, informerFor, keyOf, stripManagedFields, type EventHandler, type InformerLogger, type ListerWatcher } from '../../client/informer.js';
import { loadClientConfig } from '../../client/kubeconfig.js';
import type { ListOptions, WatchOptions } from '../../client/resource-client.js';
import { resourceClient } from '../../client/resource-client.js';
import { RestClient } from '../../client/rest-client.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { waitFor } from '../harness/processes.js';
import { prng } from '../harness/prng.js';

// ---------------------------------------------------------------- helpers

/** A watch stream the test drives: push events, then end() or fail(err). */
class Channel<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private wake?: () => void;
  private ended = false;
  private error: unknown;
  private readonly onAbort = (): void => this.fail(this.signal?.reason);

  constructor(private readonly signal?: AbortSignal) {
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  push(item: T): void { this.items.push(item); this.wake?.(); }
  end(): void { this.ended = true; this.signal?.removeEventListener('abort', this.onAbort); this.wake?.(); }
  fail(err: unknown): void { this.error = err; this.end(); }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      if (this.items.length) { yield this.items.shift() as T; continue; }
      if (this.error !== undefined) throw this.error;
      if (this.ended) return;
      await new Promise<void>((r) => { this.wake = r; });
      this.wake = undefined;
    }
  }
}

type Script<T> = (signal?: AbortSignal) => Promise<List<T>> | List<T>;

/** Answers lists and watches from queues the test fills; records what it was asked. */
class FakeLW<T extends KubeObject> implements ListerWatcher<T> {
  readonly lists: Script<T>[] = [];
  readonly watches: ((ch: Channel<WatchEvent<T>>) => void)[] = [];
  readonly listCalls: ListOptions[] = [];
  readonly watchCalls: WatchOptions[] = [];
  current?: Channel<WatchEvent<T>>;

  async listAll(_ns: string, opts: ListOptions, signal?: AbortSignal): Promise<List<T>> {
    this.listCalls.push(opts);
    const next = this.lists.shift();
    if (!next) {
      // Nothing scripted: wait to be stopped.
      if (signal && !signal.aborted) await once(signal, 'abort');
      throw signal?.reason ?? new Error('no list scripted');
    }
    return structuredClone(await next(signal));
  }

  watch(_ns: string, opts: WatchOptions, signal?: AbortSignal): AsyncIterable<WatchEvent<T>> {
    this.watchCalls.push(opts);
    const ch = new Channel<WatchEvent<T>>(signal);
    this.current = ch;
    // Each scripted watch decides how this stream goes; unscripted ones stay open until abort.
    this.watches.shift()?.(ch);
    return ch;
  }
}

const cm = (name: string, rv: number, data: Record<string, string> = {}): ConfigMap =>
  ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns', resourceVersion: String(rv) }, data });
const list = <T>(rv: number, items: T[]): List<T> => ({ kind: 'ConfigMapList', apiVersion: 'v1', metadata: { resourceVersion: String(rv) }, items });

/** Handler that writes what it sees as short strings: "add ns/a@1", "update ns/a@1->11". */
function recorder<T extends KubeObject>(seen: string[]): EventHandler<T> {
  const at = (o: T): string => `${keyOf(o)}@${o.metadata.resourceVersion}`;
  return {
    add: (o) => seen.push(`add ${at(o)}`),
    update: (o, n) => seen.push(`update ${at(o)}->${n.metadata.resourceVersion}`),
    delete: (o) => seen.push(`delete ${at(o)}`),
  };
}

/** A logger that keeps what it was told. */
function memoryLogger(): InformerLogger & { lines: { level: string; obj: unknown; msg?: string }[] } {
  const lines: { level: string; obj: unknown; msg?: string }[] = [];
  const at = (level: string) => (obj: unknown, msg?: string) => { lines.push({ level, obj, msg }); };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } as unknown as InformerLogger & { lines: typeof lines };
}

const fastBackoff = { initialMs: 5, maxMs: 20 };

// ---------------------------------------------------------------- unit

describe('Informer (scripted list and watch)', () => {
  it('computes backoff doubling from 800 ms to a 30 s cap, jittered downward, and resets', () => {
    const b = new Backoff({ jitter: 0 });
    const seq = Array.from({ length: 9 }, () => b.next());
    assert.deepEqual(seq, [800, 1600, 3200, 6400, 12800, 25600, 30000, 30000, 30000]);
    b.reset();
    assert.equal(b.next(), 800);
    const j = new Backoff({ random: () => 1 });
    assert.equal(j.next(), 640);
  });

  it('fires add/update/delete for exactly what a relist after 410 finds changed; bookmarks only move the resourceVersion', async () => {
    const lw = new FakeLW<ConfigMap>();
    lw.lists.push(() => list(10, [cm('a', 1), cm('b', 2), cm('c', 3)]));
    lw.lists.push(() => list(20, [cm('a', 11), cm('b', 13, { x: 'y' }), cm('d', 14)]));
    const seen: string[] = [];
    const log = memoryLogger();
    const inf = new Informer(lw, { backoff: fastBackoff, log, minWatchTimeoutSeconds: 300 });
    inf.addEventHandler(recorder(seen));
    const ac = new AbortController();
    const running = inf.run(ac.signal);
    assert.equal(await inf.waitForSync(), true);
    assert.deepEqual(seen, ['add ns/a@1', 'add ns/b@2', 'add ns/c@3']);
    assert.equal(inf.lastSyncResourceVersion(), '10');
    await waitFor(() => lw.current !== undefined, { what: 'the first watch' });
    const w = lw.watchCalls[0];
    assert.equal(w.resourceVersion, '10');
    assert.equal(w.allowWatchBookmarks, true);
    assert.equal(lw.listCalls[0].limit, 500);
    assert.ok(w.timeoutSeconds! >= 300 && w.timeoutSeconds! < 600, `timeoutSeconds ${w.timeoutSeconds}`);

    const ch = lw.current!;
    ch.push({ type: 'MODIFIED', object: cm('a', 11) });
    ch.push({ type: 'BOOKMARK', object: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { resourceVersion: '12' } } as ConfigMap });
    await waitFor(() => inf.lastSyncResourceVersion() === '12', { what: 'the bookmark to be applied' });
    assert.deepEqual(seen.slice(3), ['update ns/a@1->11']);
    // b changed, c went and d came while the informer was not watching.
    ch.fail(expired('too old resource version: 12 (15)'));
    await waitFor(() => inf.lastSyncResourceVersion() === '20', { what: 'the relist' });
    assert.deepEqual(seen.slice(4), ['delete ns/c@3', 'update ns/b@2->13', 'add ns/d@14']);
    assert.deepEqual(inf.keys().sort(), ['ns/a', 'ns/b', 'ns/d']);
    assert.deepEqual(inf.get('ns', 'b')?.data, { x: 'y' });
    await waitFor(() => lw.watchCalls.length === 2, { what: 'the second watch' });
    assert.equal(lw.watchCalls[1].resourceVersion, '20');
    const st = inf.stats();
    assert.equal(st.relists, 1);
    assert.equal(st.expired, 1);
    assert.ok(log.lines.some((l) => l.msg === 'resourceVersion too old; relisting'));
    ac.abort();
    await running;
  });

  it('resumes a watch that ended from the last resourceVersion without relisting', async () => {
    const lw = new FakeLW<ConfigMap>();
    lw.lists.push(() => list(5, [cm('a', 5)]));
    lw.watches.push((ch) => { ch.push({ type: 'ADDED', object: cm('b', 6) }); ch.end(); });
    const inf = new Informer(lw, { backoff: fastBackoff, log: memoryLogger() });
    const ac = new AbortController();
    const running = inf.run(ac.signal);
    await waitFor(() => lw.watchCalls.length === 2, { what: 'a second watch' });
    assert.equal(lw.watchCalls[1].resourceVersion, '6');
    assert.equal(lw.listCalls.length, 1);
    assert.deepEqual(inf.keys().sort(), ['ns/a', 'ns/b']);
    ac.abort();
    await running;
  });

  it('caches and hands out listed and watched objects as its transform made them (stripManagedFields)', async () => {
    const withFields = (o: ConfigMap): ConfigMap => ({ ...o, metadata: { ...o.metadata, managedFields: [{ manager: 'kubectl', operation: 'Apply' }] } });
    const lw = new FakeLW<ConfigMap>();
    lw.lists.push(() => list(5, [withFields(cm('a', 5))]));
    lw.watches.push((ch) => {
      ch.push({ type: 'ADDED', object: withFields(cm('b', 6)) });
      ch.push({ type: 'MODIFIED', object: withFields(cm('a', 7)) });
    });
    const inf = new Informer(lw, { backoff: fastBackoff, log: memoryLogger(), transform: stripManagedFields });
    const handed: ConfigMap[] = [];
    inf.addEventHandler({ add: (o) => handed.push(o), update: (_o, n) => handed.push(n) });
    const ac = new AbortController();
    const running = inf.run(ac.signal);
    await waitFor(() => handed.length === 3, { what: 'three objects handed out' });
    assert.deepEqual(handed.map((o) => `${o.metadata.name}@${o.metadata.resourceVersion}`), ['a@5', 'b@6', 'a@7']);
    for (const o of [...handed, ...inf.list()]) assert.equal(o.metadata.managedFields, undefined, `${o.metadata.name} keeps its managedFields`);
    assert.equal(inf.list().length, 2);
    ac.abort();
    await running;
  });

  it('logs a throwing handler and goes on; a handler added after sync gets every cached object', async () => {
    const lw = new FakeLW<ConfigMap>();
    lw.lists.push(() => list(3, [cm('a', 1), cm('b', 2)]));
    const log = memoryLogger();
    const inf = new Informer(lw, { backoff: fastBackoff, log });
    const seen: string[] = [];
    inf.addEventHandler({ add: () => { throw new Error('boom'); } });
    inf.addEventHandler(recorder(seen));
    const ac = new AbortController();
    const running = inf.run(ac.signal);
    await inf.waitForSync();
    await waitFor(() => lw.current !== undefined, { what: 'the watch' });
    lw.current!.push({ type: 'DELETED', object: cm('a', 4) });
    await waitFor(() => seen.length === 3, { what: 'the delete' });
    assert.deepEqual(seen, ['add ns/a@1', 'add ns/b@2', 'delete ns/a@4']);
    assert.equal(inf.stats().handlerErrors, 2);
    assert.equal(log.lines.filter((l) => l.level === 'error' && l.msg === 'event handler threw').length, 2);

    const late: string[] = [];
    const remove = inf.addEventHandler(recorder(late));
    assert.deepEqual(late, ['add ns/b@2']);
    remove();
    lw.current!.push({ type: 'ADDED', object: cm('c', 5) });
    await waitFor(() => seen.length === 4, { what: 'the add' });
    assert.deepEqual(late, ['add ns/b@2']);
    ac.abort();
    await running;
  });

  it('backs off on failed lists and on watches that close at once, never spinning', async () => {
    const lw = new FakeLW<ConfigMap>();
    const refused = (): never => { throw new Error('connect ECONNREFUSED'); };
    lw.lists.push(refused, refused, refused, () => list(1, []));
    // Every watch closes at once without an event.
    for (let i = 0; i < 100; i++) lw.watches.push((ch) => ch.end());
    const inf = new Informer(lw, { backoff: { initialMs: 20, maxMs: 80, jitter: 0 }, log: memoryLogger() });
    const ac = new AbortController();
    const started = Date.now();
    const running = inf.run(ac.signal);
    await waitFor(() => lw.watchCalls.length >= 4, { what: 'four watches' });
    // 20 + 40 + 80 after the failed lists, then 80 after each of the first three watches.
    assert.ok(Date.now() - started >= 20 + 40 + 80 + 3 * 80 - 5, `took only ${Date.now() - started} ms`);
    // The fourth watch may already have closed too.
    assert.ok(inf.stats().failures >= 3 + 3 && inf.stats().failures <= 3 + lw.watchCalls.length, `failures ${inf.stats().failures}`);
    ac.abort();
    await running;
    assert.ok(lw.watchCalls.length <= 5);
  });

  it('backs off between relists when a watch from a fresh list is answered 410', async () => {
    const lw = new FakeLW<ConfigMap>();
    for (let i = 0; i < 4; i++) lw.lists.push(() => list(1, []));
    for (let i = 0; i < 4; i++) lw.watches.push((ch) => ch.fail(expired('too old resource version: 1 (2)')));
    const inf = new Informer(lw, { backoff: { initialMs: 20, maxMs: 80, jitter: 0 }, log: memoryLogger() });
    const ac = new AbortController();
    const started = Date.now();
    const running = inf.run(ac.signal);
    await waitFor(() => lw.listCalls.length === 4, { what: 'four lists' });
    assert.ok(Date.now() - started >= 20 + 40 + 80 - 5, `took only ${Date.now() - started} ms`);
    assert.equal(inf.stats().expired >= 3, true);
    ac.abort();
    await running;
  });

  it('waitForSync answers false when its signal aborts or the informer stops first', async () => {
    const lw = new FakeLW<ConfigMap>();
    const inf = new Informer(lw, { backoff: fastBackoff, log: memoryLogger() });
    const mine = new AbortController();
    const waiting = inf.waitForSync(mine.signal);
    mine.abort();
    assert.equal(await waiting, false);
    const ac = new AbortController();
    const running = inf.run(ac.signal);
    const waiting2 = inf.waitForSync();
    ac.abort();
    await running;
    assert.equal(await waiting2, false);
    assert.equal(inf.hasSynced(), false);
  });

  it('keeps custom indices in step with updates and deletes', async () => {
    const pod = (name: string, rv: number, nodeName?: string): Pod =>
      ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns', resourceVersion: String(rv) }, spec: { containers: [], nodeName } });
    const lw = new FakeLW<Pod>();
    lw.lists.push(() => ({ kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '4' }, items: [pod('p1', 1, 'n1'), pod('p2', 2, 'n1'), pod('p3', 3)] }));
    const log = memoryLogger();
    const inf = new Informer<Pod>(lw, {
      backoff: fastBackoff, log,
      indexers: { byNode: (p) => [p.spec?.nodeName], broken: (p) => { if (p.metadata.name === 'p2') throw new Error('no'); return ['x']; } },
    });
    const ac = new AbortController();
    const running = inf.run(ac.signal);
    await inf.waitForSync();
    const names = (ps: Pod[]): string[] => ps.map((p) => p.metadata.name!).sort();
    assert.deepEqual(names(inf.byIndex('byNode', 'n1')), ['p1', 'p2']);
    assert.deepEqual(names(inf.byIndex('broken', 'x')), ['p1', 'p3']);
    assert.ok(log.lines.some((l) => l.msg === 'index function failed; object left out of the index'));
    await waitFor(() => lw.current !== undefined, { what: 'the watch' });
    lw.current!.push({ type: 'MODIFIED', object: pod('p3', 5, 'n2') });
    lw.current!.push({ type: 'DELETED', object: pod('p1', 6, 'n1') });
    await waitFor(() => inf.lastSyncResourceVersion() === '6', { what: 'the events' });
    assert.deepEqual(names(inf.byIndex('byNode', 'n1')), ['p2']);
    assert.deepEqual(names(inf.byIndex('byNode', 'n2')), ['p3']);
    assert.deepEqual(names(inf.listByNamespace('ns')), ['p2', 'p3']);
    assert.deepEqual(inf.listByNamespace('other'), []);
    assert.throws(() => inf.byIndex('nope', 'x'), /index "nope" does not exist/);
    assert.equal(inf.list()[0].kind, 'Pod');
    ac.abort();
    await running;
  });
});

// ---------------------------------------------------------------- against the apiserver


/** What the comparison looks at: name, resourceVersion, labels and data. */
const fingerprint = (o: KubeObject): string =>
  `${o.metadata.name} ${o.metadata.resourceVersion} ${JSON.stringify(o.metadata.labels ?? {})} ${JSON.stringify((o as ConfigMap).data ?? {})}`;
const fingerprints = (objs: Iterable<KubeObject>): string[] => [...objs].map(fingerprint).sort();

/**
 * Replays handler events into a map and notes every event that does not fit what came
 * before (an add for a key it already has, an update whose old object is not the one
 * it holds, a delete of a key it does not have).
 */
function replayer(): { handler: EventHandler<ConfigMap>; objects: Map<string, ConfigMap>; anomalies: string[]; events: number } {
  const objects = new Map<string, ConfigMap>();
  const anomalies: string[] = [];
  const r = {
    objects, anomalies, events: 0,
    handler: {
      add(o: ConfigMap) {
        r.events++;
        if (objects.has(keyOf(o))) anomalies.push(`add of present ${keyOf(o)}`);
        objects.set(keyOf(o), o);
      },
      update(old: ConfigMap, o: ConfigMap) {
        r.events++;
        if (objects.get(keyOf(o))?.metadata.resourceVersion !== old.metadata.resourceVersion) anomalies.push(`update of ${keyOf(o)} from a state not seen`);
        objects.set(keyOf(o), o);
      },
      delete(o: ConfigMap) {
        r.events++;
        if (!objects.delete(keyOf(o))) anomalies.push(`delete of absent ${keyOf(o)}`);
      },
    } satisfies EventHandler<ConfigMap>,
  };
  return r;
}

describe('Informer against the apiserver', () => {
  let cp: ControlPlane;
  let rest: RestClient;
  before(async () => {
    // Compaction every second, so a resourceVersion soon answers 410.
    cp = await startControlPlane({ args: ['--etcd-compaction-interval', '1'] });
    rest = new RestClient(loadClientConfig({ kubeconfig: cp.kubeconfig }), { userAgent: 'informer-test' });
  });
  after(async () => {
    await rest?.close();
    await cp?.stop();
  });

  it('keeps a cache equal to a fresh list through 1,000 random writes, an apiserver restart and a 410 from compaction', async (t) => {
    const ns = 'fuzz';
    await resourceClient(rest, 'namespaces').create('', { metadata: { name: ns } });
    const cms = resourceClient<ConfigMap>(rest, 'configmaps');
    const secrets = resourceClient(rest, 'secrets');
    const log = memoryLogger();
    const opts = { namespace: ns, log, backoff: { initialMs: 100, maxMs: 1000 }, minWatchTimeoutSeconds: 2, pageSize: 25 };
    const all = informerFor<ConfigMap>(rest, 'configmaps', opts);
    const groupA = informerFor<ConfigMap>(rest, 'configmaps', { ...opts, labelSelector: 'group=a' });
    const replayAll = replayer();
    const replayA = replayer();
    all.addEventHandler(replayAll.handler);
    groupA.addEventHandler(replayA.handler);
    const ac = new AbortController();
    const running = [all.run(ac.signal), groupA.run(ac.signal)];

    const seed = Number(process.env.INFORMER_SEED ?? Date.now() % 1_000_000);
    const rand = prng(seed);
    const state = new Map<string, ConfigMap>();
    let serial = 0;
    const WORKERS = 6;
    const NAMES = 60;
    let done = 0;
    // Each worker owns every WORKERS-th name, so `state` is exact without locking.
    const randomOps = async (n: number): Promise<void> => {
      const target = done + n;
      await Promise.all(Array.from({ length: WORKERS }, async (_, w) => {
        while (done < target) {
          done++;
          const name = `cm-${w + WORKERS * Math.floor(rand() * (NAMES / WORKERS))}`;
          const cur = state.get(name);
          const r = rand();
          const group = rand() < 0.5 ? 'a' : 'b';
          if (!cur) {
            state.set(name, await cms.create(ns, { metadata: { name, labels: { group } }, data: { v: String(++serial) } }));
          } else if (r < 0.45) {
            const next = structuredClone(cur);
            next.data = { ...next.data, v: String(++serial) };
            state.set(name, await cms.update(ns, next));
          } else if (r < 0.7) {
            state.set(name, await cms.patch(ns, name, 'merge', { metadata: { labels: { group } }, data: { w: String(++serial) } }));
          } else {
            await cms.delete(ns, name);
            state.delete(name);
          }
        }
      }));
    };
    const inSync = async (): Promise<boolean> => {
      const fresh = await cms.listAll(ns, { limit: 100 });
      const freshA = await cms.listAll(ns, { labelSelector: 'group=a' });
      return assertSameSync(fresh.items, freshA.items, false);
    };
    const assertSameSync = (fresh: KubeObject[], freshA: KubeObject[], strict: boolean): boolean => {
      const pairs: [string[], string[]][] = [
        [fingerprints(all.listByNamespace(ns)), fingerprints(fresh)],
        [fingerprints(replayAll.objects.values()), fingerprints(fresh)],
        [fingerprints(groupA.list()), fingerprints(freshA)],
        [fingerprints(replayA.objects.values()), fingerprints(freshA)],
      ];
      if (strict) for (const [got, want] of pairs) assert.deepEqual(got, want, `seed ${seed}`);
      return pairs.every(([got, want]) => JSON.stringify(got) === JSON.stringify(want));
    };
    const settle = async (what: string): Promise<void> => {
      await waitFor(inSync, { timeoutMs: 15_000, intervalMs: 100, what: `${what} (seed ${seed})` });
      assertSameSync((await cms.listAll(ns)).items, (await cms.listAll(ns, { labelSelector: 'group=a' })).items, true);
    };

    assert.ok(await all.waitForSync(AbortSignal.timeout(10_000)));
    assert.ok(await groupA.waitForSync(AbortSignal.timeout(10_000)));
    await randomOps(400);
    await settle('the caches to catch up with 400 writes');

    // The restarted apiserver fills its watch cache at etcd's current revision; a write
    // to another resource first makes that newer than anything the informers saw, so
    // their resumed watches get 410 and they relist. The writes right after the
    // restart land while they are still reconnecting: the relist must bring them.
    const beforeRestart = all.stats();
    await secrets.create(ns, { metadata: { name: 'bump-1' } });
    await cp.restartApiserver();
    await randomOps(300);
    await waitFor(() => all.stats().relists > beforeRestart.relists, { timeoutMs: 15_000, what: 'a relist after the restart' });
    await settle('the caches to catch up after the restart');
    assert.ok(all.stats().expired > beforeRestart.expired);
    assert.ok(all.stats().failures > beforeRestart.failures, 'the restart broke the watch');
    // How much the relist had to catch up on depends on when the informers reconnected.
    t.diagnostic(`lists so far: ${log.lines.filter((l) => l.msg === 'listed').map((l) => JSON.stringify(l.obj)).join(' ')}`);

    // Nothing writes configmaps now, so the informers' resourceVersion stays put while
    // compaction (every second) moves past it; their next watch (2-4 s timeouts) is
    // answered 410 and they relist.
    const beforeCompaction = all.stats();
    await secrets.create(ns, { metadata: { name: 'bump-2' } });
    await waitFor(() => all.stats().expired > beforeCompaction.expired && all.stats().relists > beforeCompaction.relists,
      { timeoutMs: 20_000, intervalMs: 100, what: 'a 410 from compaction and a relist' });
    assert.ok(log.lines.some((l) => l.msg === 'resourceVersion too old; relisting' && /too old resource version/.test(String((l.obj as { err?: string }).err))));

    await randomOps(300);
    assert.equal(done >= 1000, true);
    await settle('the caches to catch up with 1,000 writes');
    assert.deepEqual(replayAll.anomalies, [], `seed ${seed}`);
    assert.deepEqual(replayA.anomalies, [], `seed ${seed}`);
    assert.equal(all.stats().handlerErrors, 0);
    ac.abort();
    await Promise.all(running);
  });

  it('indexes pods by node, and a fieldSelector informer sees only its node\'s pods', async () => {
    const ns = 'bynode';
    await resourceClient(rest, 'namespaces').create('', { metadata: { name: ns } });
    const nodes = resourceClient(rest, 'nodes');
    for (const n of ['n1', 'n2']) await nodes.create('', { apiVersion: 'v1', kind: 'Node', metadata: { name: n } });
    const pods = resourceClient<Pod>(rest, 'pods');
    const mkPod = (name: string, nodeName?: string) =>
      pods.create(ns, { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { nodeName, containers: [{ name: 'c', image: 'pause' }] } });
    await mkPod('p1', 'n1');
    await mkPod('p2', 'n1');
    await mkPod('p3', 'n2');
    await mkPod('p4');

    const log = memoryLogger();
    const byNode = informerFor<Pod>(rest, 'pods', { namespace: ns, log, indexers: { byNode: (p) => [p.spec?.nodeName] } });
    const kubelet = informerFor<Pod>(rest, 'pods', { fieldSelector: 'spec.nodeName=n1', log });
    const nodeInf = informerFor(rest, 'nodes', { log });
    const ac = new AbortController();
    const running = [byNode.run(ac.signal), kubelet.run(ac.signal), nodeInf.run(ac.signal)];
    for (const inf of [byNode, kubelet, nodeInf]) assert.ok(await inf.waitForSync(AbortSignal.timeout(10_000)));
    const names = (ps: KubeObject[]): string[] => ps.map((p) => p.metadata.name!).sort();
    assert.deepEqual(names(byNode.byIndex('byNode', 'n1')), ['p1', 'p2']);
    assert.deepEqual(names(byNode.byIndex('byNode', 'n2')), ['p3']);
    assert.deepEqual(names(kubelet.list()), ['p1', 'p2']);
    assert.deepEqual(kubelet.keys().sort(), [`${ns}/p1`, `${ns}/p2`]);
    // Cluster-scoped objects are keyed by name alone.
    assert.equal(nodeInf.getByKey('n1')?.metadata.name, 'n1');
    assert.equal(nodeInf.get('', 'n2')?.metadata.name, 'n2');

    // Binding p4 to n1 brings it into the kubelet's selection; p1 goes, p5 lands on n2.
    await pods.createSubresource(ns, 'p4', 'binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'p4' }, target: { kind: 'Node', name: 'n1' } });
    await pods.delete(ns, 'p1', { gracePeriodSeconds: 0 });
    await mkPod('p5', 'n2');
    await waitFor(() => JSON.stringify(names(kubelet.list())) === '["p2","p4"]', { what: 'the kubelet informer to see p2 and p4' });
    await waitFor(() => JSON.stringify(names(byNode.byIndex('byNode', 'n2'))) === '["p3","p5"]', { what: 'p5 in the n2 index' });
    assert.deepEqual(names(byNode.byIndex('byNode', 'n1')), ['p2', 'p4']);
    assert.equal(kubelet.get(ns, 'p4')?.spec?.nodeName, 'n1');
    ac.abort();
    await Promise.all(running);
  });

  it('stops on abort with no watch left open on the server', async () => {
    const watchers = async (): Promise<number> => {
      const text = await rest.requestText({ path: '/metrics' });
      const m = /^apiserver_registered_watchers\{resource="secrets"\} (\d+)/m.exec(text);
      return m ? Number(m[1]) : 0;
    };
    const inf = informerFor(rest, 'secrets', { log: memoryLogger() });
    const ac = new AbortController();
    const running = inf.run(ac.signal);
    assert.ok(await inf.waitForSync(AbortSignal.timeout(10_000)));
    await waitFor(async () => (await watchers()) === 1, { what: 'the informer\'s watch to be registered' });
    ac.abort();
    await running;
    await waitFor(async () => (await watchers()) === 0, { what: 'the watch to be gone' });
    assert.equal(inf.hasSynced(), true);
  });
});
