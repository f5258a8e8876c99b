// An in-memory Storage with etcd's semantics (one revision counter, mod revisions,
// compare-and-swap writes, history for reads at a revision and watches from one,
// compaction), for fast unit tests of the registry rules, as kine's memory driver.
// Real etcd stays in the integration tests.
//
// holdWatch() / releaseWatch() let a test hold back watch delivery, so a watch cache
// lags behind the store exactly when the test wants it to.
import { expired, tooLarge } from '../../api/errors.js';
import type { KubeObject } from '../../api/types/meta.js';
import type { ListResult, Storage, StoredObject, StoreEvent, WatchEvents, WriteResult } from './store.js';
import type { StatusError } from '../../api/errors.js';

/** Largest value stored, as etcd-store's limit. */
const MAX_VALUE_BYTES = 1.5 * 1024 * 1024;

interface Version {
  rev: number;
  /** JSON (objects) or a raw string; undefined: deleted at rev. */
  value?: string;
}

interface Watch {
  prefix: string;
  onEvent: WatchEvents;
  /** Events not yet delivered (held, or waiting for the next turn). */
  pending: StoreEvent[];
}

export class MemoryStore implements Storage {
  private rev = 1;
  private compactedRev = 0;
  /** Every version of every key, oldest first. */
  private readonly history = new Map<string, Version[]>();
  private readonly watches = new Set<Watch>();
  private held = false;
  private nextLease = 1;
  /** Deletes reach watchers without their previous value, as etcd's do once it is compacted. */
  forgetPreviousValues = false;

  async get(key: string): Promise<StoredObject | undefined> {
    const v = this.at(key, this.rev);
    return v?.value === undefined ? undefined : decode(key, v);
  }

  async list(prefix: string, opts: { startKey?: string; limit?: number; revision?: number } = {}): Promise<ListResult> {
    const revision = opts.revision || this.rev;
    if (revision < this.compactedRev) throw expired('The resourceVersion for the provided list is too old.');
    const keys = [...this.history.keys()].filter((k) => k.startsWith(prefix) && k >= (opts.startKey ?? prefix)).sort();
    const items: StoredObject[] = [];
    let remaining = 0;
    for (const key of keys) {
      const v = this.at(key, revision);
      if (v?.value === undefined) continue;
      if (opts.limit && items.length >= opts.limit) { remaining++; continue; }
      items.push(decode(key, v));
    }
    return { items, revision, remaining };
  }

  async count(prefix: string): Promise<number> {
    return (await this.list(prefix)).items.length;
  }

  async create(key: string, obj: KubeObject): Promise<WriteResult> {
    const cur = await this.get(key);
    if (cur) return { ok: false, current: cur };
    return { ok: true, rev: this.put(key, encode(obj)) };
  }

  async update(key: string, obj: KubeObject, rev: number): Promise<WriteResult> {
    const cur = await this.get(key);
    if (!cur || cur.rev !== rev) return { ok: false, current: cur };
    return { ok: true, rev: this.put(key, encode(obj)) };
  }

  async delete(key: string, rev: number): Promise<WriteResult> {
    const cur = await this.get(key);
    if (!cur || cur.rev !== rev) return { ok: false, current: cur };
    return { ok: true, rev: this.put(key, undefined, cur.obj) };
  }

  async watch(prefix: string, fromRev: number, onEvent: WatchEvents, onError: (err: StatusError) => void): Promise<() => Promise<void>> {
    if (fromRev <= this.compactedRev) {
      setImmediate(() => onError(expired(`too old resource version: ${fromRev - 1} (${this.compactedRev})`)));
      return async () => undefined;
    }
    const w: Watch = { prefix, onEvent, pending: this.eventsSince(prefix, fromRev) };
    this.watches.add(w);
    this.flushSoon(w);
    return async () => { this.watches.delete(w); };
  }

  async revision(): Promise<number> {
    return this.rev;
  }

  async compact(revision: number): Promise<void> {
    if (revision <= this.compactedRev) throw expired('mvcc: required revision has been compacted');
    this.compactedRev = revision;
  }

  async grantLease(): Promise<string> {
    return String(this.nextLease++);
  }

  async createRaw(key: string, value: string): Promise<boolean> {
    if (this.at(key, this.rev)?.value !== undefined) return false;
    this.put(key, value);
    return true;
  }

  async deleteRaw(key: string): Promise<void> {
    if (this.at(key, this.rev)?.value !== undefined) this.put(key, undefined);
  }

  async listRawKeys(prefix: string): Promise<string[]> {
    return [...this.history.keys()].filter((k) => k.startsWith(prefix) && this.at(k, this.rev)?.value !== undefined).sort();
  }

  async healthy(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {
    this.watches.clear();
  }

  /** Holds back every watch's events until releaseWatch(): watch caches fall behind. */
  holdWatch(): void {
    this.held = true;
  }

  /** Delivers what was held, then delivers as usual. */
  releaseWatch(): void {
    this.held = false;
    for (const w of this.watches) this.flushSoon(w);
  }

  private put(key: string, value: string | undefined, prevObj?: KubeObject): number {
    const rev = ++this.rev;
    let versions = this.history.get(key);
    if (!versions) this.history.set(key, (versions = []));
    versions.push({ rev, value });
    const ev: StoreEvent = value === undefined
      ? { type: 'delete', key, obj: this.forgetPreviousValues ? undefined : prevObj, rev }
      : { type: 'put', key, obj: tryParse(value, rev), rev };
    for (const w of this.watches) {
      if (!key.startsWith(w.prefix)) continue;
      w.pending.push(ev);
      this.flushSoon(w);
    }
    return rev;
  }

  /** The version of key current at revision rev. */
  private at(key: string, rev: number): Version | undefined {
    const versions = this.history.get(key);
    if (!versions) return undefined;
    for (let i = versions.length - 1; i >= 0; i--) if (versions[i].rev <= rev) return versions[i];
    return undefined;
  }

  private eventsSince(prefix: string, fromRev: number): StoreEvent[] {
    const events: StoreEvent[] = [];
    for (const [key, versions] of this.history) {
      if (!key.startsWith(prefix)) continue;
      versions.forEach((v, i) => {
        if (v.rev < fromRev) return;
        if (v.value !== undefined) events.push({ type: 'put', key, obj: tryParse(v.value, v.rev), rev: v.rev });
        else {
          const before = versions[i - 1];
          events.push({ type: 'delete', key, obj: before?.value === undefined ? undefined : tryParse(before.value, before.rev), rev: v.rev });
        }
      });
    }
    return events.sort((a, b) => a.rev - b.rev);
  }

  private flushSoon(w: Watch): void {
    // Asynchronous, as etcd's: an event reaches watchers after the write has answered.
    setImmediate(() => {
      if (this.held || !this.watches.has(w) || w.pending.length === 0) return;
      const events = w.pending.splice(0);
      w.onEvent(events);
    });
  }
}

function encode(obj: KubeObject): string {
  const { resourceVersion: _rv, ...metadata } = obj.metadata;
  const out = JSON.stringify({ ...obj, metadata });
  if (Buffer.byteLength(out) > MAX_VALUE_BYTES) throw tooLarge(`Request entity too large: the object is ${Buffer.byteLength(out)} bytes, over the limit of ${MAX_VALUE_BYTES} bytes`);
  return out;
}

function decode(key: string, v: Version): StoredObject {
  return { key, obj: tryParse(v.value as string, v.rev) as KubeObject, rev: v.rev };
}

/** Objects are JSON; raw allocator values are not, and are never read as objects. */
function tryParse(value: string, rev: number): KubeObject | undefined {
  try {
    const obj = JSON.parse(value) as KubeObject;
    if (obj && typeof obj === 'object' && obj.metadata) obj.metadata.resourceVersion = String(rev);
    return obj;
  } catch {
    return undefined;
  }
}
