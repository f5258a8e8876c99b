// The watch cache: one etcd watch per resource feeding an in-memory copy of every
// object plus a ring buffer of recent events, fanned out to every HTTP watcher.
// A watcher resumes from any resourceVersion still in the buffer; older ones get 410.
import type { Logger } from 'pino';
import { expired, type StatusError } from '../api/errors.js';
import type { KubeObject } from '../api/types/meta.js';
import type { Store, StoreEvent } from './storage/etcd-store.js';

export interface CacheEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  obj: KubeObject;
  /** The object before this event (MODIFIED and DELETED). */
  prev?: KubeObject;
  rev: number;
}

/** What a watcher sees: already filtered and translated for its selectors. */
export interface WatcherSink {
  /** Called with each event in revision order. */
  event(type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: KubeObject): void;
  /** The cache cannot go on (etcd lost, compaction): the watcher must end with this Status. */
  fail(err: StatusError): void;
}

export interface WatchFilter {
  /** Key prefix the watcher is interested in (a namespace), or '' for all. */
  keyPrefix: string;
  /** True when the object is selected by the watcher's label and field selectors. */
  matches(obj: KubeObject): boolean;
}

interface Watcher {
  sink: WatcherSink;
  filter: WatchFilter;
}

export interface WatchCacheOptions {
  /** Events kept for resuming watchers. */
  capacity?: number;
}

/**
 * WatchCache is started once per resource by the apiserver. watch() registers a
 * watcher and replays what it missed; list() answers resourceVersion=0 lists from
 * memory. revision is the newest revision the cache has seen for this resource.
 */
export class WatchCache {
  revision = 0;
  /** Oldest revision a watcher may resume from (exclusive): events after it are buffered. */
  private oldest = 0;
  private readonly objects = new Map<string, KubeObject>();
  private readonly ring: (CacheEvent & { key: string })[] = [];
  private ringStart = 0;
  private readonly watchers = new Set<Watcher>();
  private readonly capacity: number;
  private cancel?: () => Promise<void>;
  private ready!: Promise<void>;
  private stopped = false;

  constructor(private readonly store: Store, readonly prefix: string, private readonly log: Logger, opts: WatchCacheOptions = {}) {
    this.capacity = opts.capacity ?? 10_000;
  }

  /** Lists the prefix and starts the etcd watch; resolves when the cache is filled. */
  start(): Promise<void> {
    this.ready = this.fill();
    return this.ready;
  }

  private async fill(): Promise<void> {
    const res = await this.store.list(this.prefix);
    this.objects.clear();
    for (const item of res.items) this.objects.set(item.key, item.obj);
    this.revision = res.revision;
    this.oldest = res.revision;
    this.ring.length = 0;
    this.ringStart = 0;
    this.cancel = await this.store.watch(this.prefix, res.revision + 1, (evs, progressRev) => this.apply(evs, progressRev), (err) => this.broken(err));
  }

  async waitReady(): Promise<void> {
    await this.ready;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.cancel?.();
  }

  /** Called by the compactor: events at or before rev can no longer be resumed from. */
  compacted(rev: number): void {
    if (rev <= this.oldest) return;
    this.oldest = rev;
    while (this.ringStart < this.ring.length && this.ring[this.ringStart].rev <= rev) this.ringStart++;
    this.trim();
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
   * one older than the buffer throws 410 Expired. Returns the unregister function.
   */
  watch(fromRev: number | undefined, filter: WatchFilter, sink: WatcherSink): () => void {
    const w: Watcher = { sink, filter };
    if (fromRev === undefined) {
      for (const [key, obj] of this.objects) {
        if (key.startsWith(filter.keyPrefix) && filter.matches(obj)) sink.event('ADDED', obj);
      }
    } else {
      if (fromRev < this.oldest) throw expired(`too old resource version: ${fromRev} (${this.oldest})`);
      for (let i = this.ringStart; i < this.ring.length; i++) {
        const ev = this.ring[i];
        if (ev.rev > fromRev) deliver(w, ev.key, ev);
      }
    }
    this.watchers.add(w);
    return () => { this.watchers.delete(w); };
  }

  get watcherCount(): number {
    return this.watchers.size;
  }

  private apply(events: StoreEvent[], progressRev?: number): void {
    // etcd's progress notification: nothing under this prefix changed up to progressRev.
    if (progressRev !== undefined && progressRev > this.revision) this.revision = progressRev;
    for (const se of events) {
      const prev = this.objects.get(se.key);
      let ev: CacheEvent & { key: string };
      if (se.type === 'delete') {
        this.objects.delete(se.key);
        // A deleted object carries the revision of its deletion, as in Kubernetes.
        const obj = { ...se.obj, metadata: { ...se.obj.metadata, resourceVersion: String(se.rev) } };
        ev = { type: 'DELETED', obj, prev: prev ?? se.obj, rev: se.rev, key: se.key };
      } else {
        this.objects.set(se.key, se.obj);
        ev = { type: prev ? 'MODIFIED' : 'ADDED', obj: se.obj, prev, rev: se.rev, key: se.key };
      }
      this.revision = se.rev;
      this.ring.push(ev);
      for (const w of this.watchers) deliver(w, se.key, ev);
    }
    if (this.ring.length - this.ringStart > this.capacity) {
      this.ringStart = this.ring.length - this.capacity;
      this.oldest = this.ring[this.ringStart - 1].rev;
    }
    this.trim();
  }

  private trim(): void {
    // Drop the consumed head in batches so the ring stays O(1) amortised.
    if (this.ringStart > 1024 && this.ringStart > this.ring.length / 2) {
      this.ring.splice(0, this.ringStart);
      this.ringStart = 0;
    }
  }

  /** The etcd watch ended: fail every watcher and refill from a fresh list. */
  private broken(err: StatusError): void {
    if (this.stopped) return;
    this.log.warn({ prefix: this.prefix, err: err.message }, 'etcd watch broken; refilling watch cache');
    for (const w of this.watchers) w.sink.fail(err);
    this.watchers.clear();
    void this.cancel?.().catch(() => undefined);
    const retry = async (): Promise<void> => {
      while (!this.stopped) {
        try {
          await this.fill();
          return;
        } catch {
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
    };
    this.ready = retry();
  }
}

/** Translates one event for one watcher: an object leaving its selection is DELETED. */
function deliver(w: Watcher, key: string, ev: CacheEvent): void {
  if (!key.startsWith(w.filter.keyPrefix)) return;
  const now = w.filter.matches(ev.obj);
  if (ev.type === 'ADDED') {
    if (now) w.sink.event('ADDED', ev.obj);
    return;
  }
  const before = ev.prev ? w.filter.matches(ev.prev) : false;
  if (ev.type === 'DELETED') {
    if (before || now) w.sink.event('DELETED', ev.obj);
    return;
  }
  if (before && now) w.sink.event('MODIFIED', ev.obj);
  else if (now) w.sink.event('ADDED', ev.obj);
  else if (before) w.sink.event('DELETED', ev.obj);
}

function keyCompare(a: KubeObject, b: KubeObject): number {
  const ka = `${a.metadata.namespace ?? ''}/${a.metadata.name ?? ''}`;
  const kb = `${b.metadata.namespace ?? ''}/${b.metadata.name ?? ''}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
