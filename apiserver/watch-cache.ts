// The watch caches: one etcd watch on the whole /registry/ prefix feeds, in revision
// order, an in-memory copy of every object and a ring buffer of recent events per
// resource, fanned out to every HTTP watcher of that resource.
//
// One etcd watch for all resources (kine does the same) gives every cache the same
// revision: once the watch has delivered revision R, every cache is fresh up to R,
// whichever resource R was written to. So a watch or list "not older than R" waits
// only until the stream reaches R (kube-apiserver's waitUntilFreshAndBlock, 3 s, then
// 504 Too large resource version), and never replays an event at or below R.
import type { Logger } from 'pino';
import { expired, isGone, type StatusError, tooLargeResourceVersion } from '../api/errors.js';
import type { KubeObject } from '../api/types/meta.js';
import type { StoreEvent, WatchableStore } from './storage/store.js';

export interface CacheEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  obj: KubeObject;
  /** The object before this event (MODIFIED and DELETED). */
  prev?: KubeObject;
  rev: number;
}

/** What a watcher sees: already filtered and translated for its selectors. */
export interface WatcherSink {
  /** Called with each event in revision order; rev is the event's revision. */
  event(type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: KubeObject, rev: number): void;
  /** The cache cannot go on (etcd history compacted under it): end with this Status. */
  fail(err: StatusError): void;
}

export interface WatchFilter {
  /** Key prefix the watcher is interested in (a namespace), or the resource prefix for all. */
  keyPrefix: string;
  /** True when the object is selected by the watcher's label and field selectors. */
  matches(obj: KubeObject): boolean;
}

interface Watcher {
  sink: WatcherSink;
  filter: WatchFilter;
  /** Events at or below this revision are never delivered (the watch's start). */
  startRev: number;
}

export interface WatchCacheOptions {
  /** Events kept per resource for resuming watchers. */
  capacity?: number;
  /** How long a request for a revision the caches have not reached waits (3 s). */
  freshnessTimeoutMs?: number;
}

/** kube-apiserver's blockTimeout and resourceVersionTooHighRetrySeconds. */
const FRESHNESS_TIMEOUT_MS = 3000;
const TOO_LARGE_RETRY_SECONDS = 1;
const REFILL_RETRY_MS = 1000;

/**
 * WatchCaches owns the one etcd watch and the caches of every resource. The server
 * creates it, asks for one cache per resource prefix with cache(), then start()s it.
 * revision is the newest revision the stream has delivered (events or etcd progress
 * notifications), the same for every cache.
 */
export class WatchCaches {
  revision = 0;
  private readonly caches = new Map<string, WatchCache>();
  private readonly waiters = new Set<{ rev: number; resolve: () => void }>();
  private cancel?: () => Promise<void>;
  private ready: Promise<void> = new Promise(() => undefined);
  private stopped = false;
  private readonly capacity: number;
  readonly freshnessTimeoutMs: number;

  constructor(private readonly store: WatchableStore, private readonly log: Logger, opts: WatchCacheOptions = {}) {
    this.capacity = opts.capacity ?? 10_000;
    this.freshnessTimeoutMs = opts.freshnessTimeoutMs ?? FRESHNESS_TIMEOUT_MS;
  }

  /** The cache of the resource stored under prefix ("/registry/pods/"). */
  cache(prefix: string): WatchCache {
    let c = this.caches.get(prefix);
    if (!c) {
      c = new WatchCache(this, prefix, this.capacity);
      this.caches.set(prefix, c);
    }
    return c;
  }

  /** Lists every resource at one revision and starts the etcd watch after it. */
  start(): Promise<void> {
    this.ready = this.fill();
    return this.ready;
  }

  async waitReady(): Promise<void> {
    await this.ready;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const w of this.waiters) w.resolve();
    await this.cancel?.();
  }

  /**
   * Resolves once the stream has delivered revision rev; after freshnessTimeoutMs
   * throws a 504 "Too large resource version", as kube-apiserver's watch cache does.
   */
  async waitFresh(rev: number): Promise<void> {
    await this.ready;
    if (rev <= this.revision) return;
    let waiter!: { rev: number; resolve: () => void };
    const reached = new Promise<void>((resolve) => { waiter = { rev, resolve }; });
    this.waiters.add(waiter);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), this.freshnessTimeoutMs); });
    try {
      const res = await Promise.race([reached, timedOut]);
      if (res === 'timeout' && rev > this.revision) throw tooLargeResourceVersion(rev, this.revision, TOO_LARGE_RETRY_SECONDS);
    } finally {
      clearTimeout(timer);
      this.waiters.delete(waiter);
    }
  }

  /**
   * Whether the stream reaches revision rev within timeoutMs: for reads that can go to
   * etcd instead (a consistent list). etcd 3.4 cannot be asked for a progress
   * notification reliably, so a revision made by a write outside /registry/ is reached
   * only by the next event; the caller then reads etcd.
   */
  async reaches(rev: number, timeoutMs: number): Promise<boolean> {
    if (rev <= this.revision) return true;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), timeoutMs); });
    try {
      return await Promise.race([this.waitFresh(rev).then(() => !this.stopped, () => false), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Called by the compactor: events at or before rev can no longer be resumed from. */
  compacted(rev: number): void {
    for (const c of this.caches.values()) c.compacted(rev);
  }

  private async fill(): Promise<void> {
    // Every resource is read at one revision, so the one watch after it misses nothing.
    const rev = await this.store.revision();
    const lists = await Promise.all([...this.caches.values()].map(async (c) => ({ c, res: await this.store.list(c.prefix, { revision: rev, skipUndecodable: true }) })));
    for (const { c, res } of lists) c.reset(res.items, rev);
    this.revision = rev;
    this.cancel = await this.store.watch('/registry/', rev + 1, (evs, progressRev) => this.apply(evs, progressRev), (err) => this.broken(err));
  }

  private apply(events: StoreEvent[], progressRev?: number): void {
    const touched = new Set<WatchCache>();
    for (const se of events) {
      if (se.rev <= this.revision) {
        // etcd delivers each revision once, in order; a repeat means a resumed watch
        // overlapped. Applying it again would re-send old events: say so and skip it.
        this.log.warn({ key: se.key, rev: se.rev, revision: this.revision }, 'etcd watch delivered an event at or below the applied revision; skipped');
        continue;
      }
      this.revision = se.rev;
      const cache = this.cacheOf(se.key);
      if (!cache) continue;
      cache.applyOne(se);
      touched.add(cache);
    }
    // etcd's progress notification: nothing under /registry/ changed up to progressRev.
    if (progressRev !== undefined && progressRev > this.revision) this.revision = progressRev;
    for (const c of touched) c.trimToCapacity();
    for (const w of this.waiters) if (w.rev <= this.revision) w.resolve();
  }

  private cacheOf(key: string): WatchCache | undefined {
    // /registry/<plural>/...: the prefix is everything up to the second slash after "registry";
    // custom resources live under /registry/<group>/<plural>/ (a group has a dot, a plural none).
    let end = key.indexOf('/', '/registry/'.length);
    if (end < 0) return undefined;
    if (key.slice('/registry/'.length, end).includes('.')) {
      end = key.indexOf('/', end + 1);
      if (end < 0) return undefined;
    }
    return this.caches.get(key.slice(0, end + 1));
  }

  /**
   * Adds the cache of a resource that starts being served after start() (custom
   * resources), filled from a list at the applied revision; events the stream applies
   * while the list is read are replayed on top of it. Resolves once it is filled.
   */
  async add(prefix: string): Promise<WatchCache> {
    const existing = this.caches.get(prefix);
    if (existing) return existing;
    await this.ready;
    const c = new WatchCache(this, prefix, this.capacity);
    const rev = this.revision;
    const held: StoreEvent[] = [];
    c.hold = held;
    this.caches.set(prefix, c);
    try {
      const res = await this.store.list(prefix, { revision: rev, skipUndecodable: true });
      c.hold = undefined;
      c.reset(res.items, rev);
      for (const se of held) if (se.rev > rev) c.applyOne(se);
    } catch (err) {
      this.caches.delete(prefix);
      throw err;
    }
    return c;
  }

  /** Drops a cache added with add() (its resource is no longer served); its watchers end. */
  remove(prefix: string): void {
    const c = this.caches.get(prefix);
    if (!c) return;
    this.caches.delete(prefix);
    c.failAll(expired('the resource is no longer served'));
  }

  /**
   * The etcd watch ended. The storage resumes its watch across reconnects by itself,
   * so this is the history under it being compacted (or the storage failing): every
   * watcher gets the error (410 makes clients list again) and the caches refill.
   */
  private broken(err: StatusError): void {
    if (this.stopped) return;
    this.log.warn({ err, revision: this.revision }, 'etcd watch ended; refilling the watch caches');
    const status = isGone(err) ? err : expired(`the watch cache is being refilled: ${err.message}`);
    for (const c of this.caches.values()) c.failAll(status);
    void this.cancel?.().catch((cancelErr: unknown) => this.log.warn({ err: cancelErr }, 'cancelling the broken etcd watch failed'));
    const retry = async (): Promise<void> => {
      for (let attempt = 0; !this.stopped; attempt++) {
        try {
          await this.fill();
          this.log.info({ revision: this.revision }, 'watch caches refilled');
          return;
        } catch (fillErr) {
          if (attempt % 10 === 0) this.log.warn({ err: fillErr }, 'refilling the watch caches failed; retrying');
          await new Promise((r) => setTimeout(r, REFILL_RETRY_MS));
        }
      }
    };
    this.ready = retry();
  }
}

/**
 * WatchCache holds one resource's objects and recent events. watch() registers a
 * watcher and replays what it missed; snapshot() answers resourceVersion=0 lists from
 * memory. Its revision is the shared stream's.
 */
export class WatchCache {
  /** Oldest revision a watcher may resume from (exclusive): events after it are buffered. */
  private oldest = 0;
  private readonly objects = new Map<string, KubeObject>();
  private ring: (CacheEvent & { key: string })[] = [];
  private ringStart = 0;
  private readonly watchers = new Set<Watcher>();
  private changes = 0;
  private readonly listeners = new Set<(key: string, obj: KubeObject | undefined, prev: KubeObject | undefined) => void>();

  constructor(private readonly caches: WatchCaches, readonly prefix: string, private readonly capacity: number) {}

  /** Counts changes to the content: indexes built from snapshots rebuild when it moves. */
  get version(): number {
    return this.changes;
  }

  /**
   * Calls listener with each change (obj undefined: deleted) after it is applied, and
   * with every object (prev undefined) after a refill; for incremental indexes. Returns
   * the unsubscribe function.
   */
  subscribe(listener: (key: string, obj: KubeObject | undefined, prev: KubeObject | undefined) => void): () => void {
    this.listeners.add(listener);
    for (const [key, obj] of this.objects) listener(key, obj, undefined);
    return () => { this.listeners.delete(listener); };
  }

  /** Every cached object, in no particular order (for indexes; do not change them). */
  values(): IterableIterator<KubeObject> {
    return this.objects.values();
  }

  /** The newest revision every cache has seen. */
  get revision(): number {
    return this.caches.revision;
  }

  waitReady(): Promise<void> {
    return this.caches.waitReady();
  }

  /** Waits until this cache has seen revision rev (504 after 3 s). */
  waitFresh(rev: number): Promise<void> {
    return this.caches.waitFresh(rev);
  }

  /** Whether this cache sees revision rev within timeoutMs (WatchCaches.reaches). */
  reaches(rev: number, timeoutMs: number): Promise<boolean> {
    return this.caches.reaches(rev, timeoutMs);
  }

  /** The cached object at key, if the cache has seen it. */
  snapshotOne(key: string): KubeObject | undefined {
    return this.objects.get(key);
  }

  /** Current objects under keyPrefix, for resourceVersion=0 lists. */
  snapshot(keyPrefix: string): { items: KubeObject[]; revision: number } {
    const items: KubeObject[] = [];
    for (const [key, obj] of this.objects) if (key.startsWith(keyPrefix)) items.push(obj);
    items.sort((a, b) => keyCompare(a, b));
    return { items, revision: this.revision };
  }

  /**
   * Registers a watcher. fromRev undefined means "current state first": an ADDED for
   * every selected object, then changes. A number means "changes after fromRev";
   * one older than the buffer throws 410 Expired. Callers wait for waitFresh(fromRev)
   * first; events at or below fromRev are never delivered either way. Returns the
   * unregister function.
   */
  watch(fromRev: number | undefined, filter: WatchFilter, sink: WatcherSink): () => void {
    const w: Watcher = { sink, filter, startRev: fromRev ?? this.revision };
    if (fromRev === undefined) {
      for (const [key, obj] of this.objects) {
        if (key.startsWith(filter.keyPrefix) && filter.matches(obj)) sink.event('ADDED', obj, Number(obj.metadata.resourceVersion));
      }
    } else {
      if (fromRev < this.oldest) throw expired(`too old resource version: ${fromRev} (${this.oldest})`);
      for (let i = this.ringStart; i < this.ring.length; i++) deliver(w, this.ring[i].key, this.ring[i]);
    }
    this.watchers.add(w);
    return () => { this.watchers.delete(w); };
  }

  get watcherCount(): number {
    return this.watchers.size;
  }

  /** Called by the compactor through WatchCaches. */
  compacted(rev: number): void {
    if (rev <= this.oldest) return;
    this.oldest = rev;
    while (this.ringStart < this.ring.length && this.ring[this.ringStart].rev <= rev) this.ringStart++;
    this.trim();
  }

  /** Replaces the content with a list read at revision rev (start and refill). */
  reset(items: { key: string; obj: KubeObject }[], rev: number): void {
    this.changes++;
    for (const [key, obj] of this.objects) for (const l of this.listeners) l(key, undefined, obj);
    this.objects.clear();
    for (const item of items) this.objects.set(item.key, item.obj);
    this.oldest = rev;
    this.ring = [];
    this.ringStart = 0;
    for (const item of items) for (const l of this.listeners) l(item.key, item.obj, undefined);
  }

  /** While set, events are held here instead of applied (the cache is being filled: WatchCaches.add). */
  hold?: StoreEvent[];

  /** Applies one etcd event in revision order and hands it to every watcher. */
  applyOne(se: StoreEvent): void {
    if (this.hold) { this.hold.push(se); return; }
    this.changes++;
    const prev = this.objects.get(se.key);
    let ev: CacheEvent & { key: string };
    if (se.type === 'delete') {
      // etcd may not send the previous value of a delete (it was compacted while the
      // watch caught up): the cache's own copy is that value. Neither: never seen, nothing to tell.
      const gone = se.obj ?? prev;
      this.objects.delete(se.key);
      if (prev) for (const l of this.listeners) l(se.key, undefined, prev);
      if (!gone) return;
      // A deleted object carries the revision of its deletion, as in Kubernetes.
      const obj = { ...gone, metadata: { ...gone.metadata, resourceVersion: String(se.rev) } };
      ev = { type: 'DELETED', obj, prev: prev ?? gone, rev: se.rev, key: se.key };
    } else {
      const obj = se.obj as KubeObject;
      this.objects.set(se.key, obj);
      for (const l of this.listeners) l(se.key, obj, prev);
      ev = { type: prev ? 'MODIFIED' : 'ADDED', obj, prev, rev: se.rev, key: se.key };
    }
    this.ring.push(ev);
    for (const w of this.watchers) deliver(w, se.key, ev);
  }

  /** Drops the oldest events beyond capacity; watchers older than them get 410. */
  trimToCapacity(): void {
    if (this.ring.length - this.ringStart > this.capacity) {
      this.ringStart = this.ring.length - this.capacity;
      this.oldest = this.ring[this.ringStart - 1].rev;
    }
    this.trim();
  }

  /** Ends every watcher with err (the caches are refilling). */
  failAll(err: StatusError): void {
    for (const w of this.watchers) w.sink.fail(err);
    this.watchers.clear();
  }

  private trim(): void {
    // Drop the consumed head in batches so the ring stays O(1) amortised.
    if (this.ringStart > 1024 && this.ringStart > this.ring.length / 2) {
      this.ring.splice(0, this.ringStart);
      this.ringStart = 0;
    }
  }
}

/** Translates one event for one watcher: an object leaving its selection is DELETED. */
function deliver(w: Watcher, key: string, ev: CacheEvent): void {
  if (ev.rev <= w.startRev || !key.startsWith(w.filter.keyPrefix)) return;
  const now = w.filter.matches(ev.obj);
  if (ev.type === 'ADDED') {
    if (now) w.sink.event('ADDED', ev.obj, ev.rev);
    return;
  }
  const before = ev.prev ? w.filter.matches(ev.prev) : false;
  if (ev.type === 'DELETED') {
    if (before || now) w.sink.event('DELETED', ev.obj, ev.rev);
    return;
  }
  if (before && now) w.sink.event('MODIFIED', ev.obj, ev.rev);
  else if (now) w.sink.event('ADDED', ev.obj, ev.rev);
  else if (before) w.sink.event('DELETED', ev.obj, ev.rev);
}

function keyCompare(a: KubeObject, b: KubeObject): number {
  const ka = `${a.metadata.namespace ?? ''}/${a.metadata.name ?? ''}`;
  const kb = `${b.metadata.namespace ?? ''}/${b.metadata.name ?? ''}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
