// ClusterIP and nodePort allocation. Each allocated value is one etcd key
// (<prefix><value>) created with a "version == 0" transaction, so two apiservers or
// two concurrent requests can never hand out the same value; deleting the key frees
// it. The key's value is a record naming the Service that holds it, in the shape of
// Kubernetes' IPAddress objects (metadata.name is the value, spec.parentRef the
// Service): a release frees only its own Service's key, and the repair loop
// (allocation-repair.ts) reads what is allocated at the same etcd revision as the
// Services and frees what leaked.
import { randomInt } from 'node:crypto';
import { StatusError } from '../api/errors.js';
import { rfc3339Now } from '../api/helpers/time.js';
import type { KubeObject } from '../api/types/meta.js';
import type { Storage, StoredObject } from './storage/store.js';

/** What an Allocator needs of the storage. */
export type AllocatorStore = Pick<Storage, 'get' | 'list' | 'create' | 'update' | 'delete' | 'deleteRaw' | 'listRawKeys'>;

export interface Range {
  /** First and last allocatable value (inclusive). */
  first: number;
  last: number;
}

export function parsePortRange(spec: string): Range {
  const m = /^(\d+)-(\d+)$/.exec(spec);
  if (!m || Number(m[1]) > Number(m[2]) || Number(m[2]) > 65535) throw new Error(`invalid port range ${JSON.stringify(spec)}: want FIRST-LAST`);
  return { first: Number(m[1]), last: Number(m[2]) };
}

export function portToNumber(s: string): number | undefined {
  return /^\d{1,5}$/.test(s) && Number(s) <= 65535 ? Number(s) : undefined;
}

/** The Service an allocation belongs to. */
export interface Holder { namespace: string; name: string; uid?: string }

/** The value stored under an allocation key. */
export interface AllocationRecord extends KubeObject {
  metadata: { name: string; creationTimestamp: string; resourceVersion?: string };
  spec: { parentRef?: { group: ''; resource: 'services'; namespace: string; name: string; uid?: string } };
}

/** One allocation key as read from etcd. */
export interface Allocation {
  key: string;
  /** The allocated value; undefined when the key does not name one of this allocator's values. */
  value?: number;
  /** mod_revision of the key: a repair frees it only if it is still this. */
  rev: number;
  /** Undefined for a record that names no Service (migrated from plain values). */
  holder?: Holder;
}

export type AllocateResult = { ok: true; value: number } | { ok: false; reason: 'full' | 'taken' | 'out-of-range' };

/** released: the key is gone; absent: it was not there; held-by-other: another Service holds it, left alone. */
export type ReleaseResult = 'released' | 'absent' | 'held-by-other';

export const holderName = (h: Holder | undefined): string => (h ? `${h.namespace}/${h.name}` : '(none)');

function sameHolder(a: Holder, b: Holder): boolean {
  if (a.uid && b.uid) return a.uid === b.uid;
  return a.namespace === b.namespace && a.name === b.name;
}

function holderOf(obj: KubeObject): Holder | undefined {
  const ref = (obj as Partial<AllocationRecord>).spec?.parentRef;
  return ref?.namespace && ref.name ? { namespace: ref.namespace, name: ref.name, uid: ref.uid } : undefined;
}

/** A stored value that cannot be decoded throws something other than a StatusError (a storage failure). */
const isDecodeError = (err: unknown): boolean => !(err instanceof StatusError);

/** list() found values from before allocations were records: migratePlainValues() rewrites them. */
export class PlainValuesError extends Error {
  constructor(readonly prefix: string, cause: unknown) {
    super(`allocations under ${prefix} include plain values, not records`, { cause });
  }
}

/**
 * Allocator hands out values of one range. allocate() picks a free value;
 * allocateSpecific() claims a requested one; release() frees one its holder holds.
 */
export class Allocator {
  /** Values this process saw taken: a hint to skip, never trusted for correctness. */
  private readonly seenTaken = new Set<number>();

  constructor(
    private readonly store: AllocatorStore,
    readonly prefix: string,
    readonly range: Range,
    readonly format: (n: number) => string,
    readonly parse: (s: string) => number | undefined,
  ) {}

  key(value: number): string {
    return this.prefix + this.format(value);
  }

  async allocate(holder: Holder): Promise<AllocateResult> {
    const size = this.range.last - this.range.first + 1;
    const start = randomInt(size);
    for (let i = 0; i < size; i++) {
      const value = this.range.first + ((start + i) % size);
      if (this.seenTaken.has(value)) continue;
      if (await this.create(value, holder)) return { ok: true, value };
      this.seenTaken.add(value);
    }
    // The hints may be stale (values released by others): one full pass without them.
    this.seenTaken.clear();
    for (let value = this.range.first; value <= this.range.last; value++) {
      if (await this.create(value, holder)) return { ok: true, value };
    }
    return { ok: false, reason: 'full' };
  }

  async allocateSpecific(value: number, holder: Holder): Promise<AllocateResult> {
    if (value < this.range.first || value > this.range.last) return { ok: false, reason: 'out-of-range' };
    if (await this.create(value, holder)) return { ok: true, value };
    this.seenTaken.add(value);
    return { ok: false, reason: 'taken' };
  }

  /**
   * Frees value if holder holds it (or the record names no one). A key another Service
   * holds is left alone: freeing it would let a third one share that value.
   */
  async release(value: number, holder: Holder): Promise<ReleaseResult> {
    this.seenTaken.delete(value);
    const key = this.key(value);
    for (let attempt = 0; ; attempt++) {
      let cur: StoredObject | undefined;
      try {
        cur = await this.store.get(key);
      } catch (err) {
        if (!isDecodeError(err)) throw err;
        // A plain value from before allocations were records: it names no uid.
        await this.store.deleteRaw(key);
        return 'released';
      }
      if (!cur) return 'absent';
      const other = holderOf(cur.obj);
      if (other && !sameHolder(other, holder)) return 'held-by-other';
      if ((await this.store.delete(key, cur.rev)).ok) return 'released';
      if (attempt >= 2) throw new Error(`allocation ${key} kept changing while it was being released`);
    }
  }

  /** Every allocation key, read at revision (the Services' list revision) when given. */
  async list(revision?: number): Promise<{ items: Allocation[]; revision: number }> {
    let res: Awaited<ReturnType<AllocatorStore['list']>>;
    try {
      res = await this.store.list(this.prefix, { revision });
    } catch (err) {
      if (isDecodeError(err)) throw new PlainValuesError(this.prefix, err);
      throw err;
    }
    const items = res.items.map((kv) => ({ key: kv.key, value: this.parse(kv.key.slice(this.prefix.length)), rev: kv.rev, holder: holderOf(kv.obj) }));
    return { items, revision: res.revision };
  }

  /** Frees an allocation only if its key is still at the revision the caller read. */
  async releaseIfUnchanged(a: Allocation): Promise<boolean> {
    if (a.value !== undefined) this.seenTaken.delete(a.value);
    return (await this.store.delete(a.key, a.rev)).ok;
  }

  /** Names holder in a record that names no one, if the key is still at the revision read. */
  async adopt(a: Allocation, holder: Holder): Promise<boolean> {
    if (a.value === undefined) return false;
    return (await this.store.update(a.key, this.record(a.value, holder), a.rev)).ok;
  }

  /**
   * Rewrites values from before allocations were records (plain "namespace/name"
   * strings, which the storage cannot decode) as records that name no one; the repair
   * pass then adopts them for the Service that holds them, or frees them. Returns the
   * keys rewritten. Between the delete and the create a concurrent allocation of the
   * same value could slip in; it is an upgrade step, run once, and the pass after it
   * reports any value two Services then hold.
   */
  async migratePlainValues(): Promise<string[]> {
    const rewritten: string[] = [];
    for (const key of await this.store.listRawKeys(this.prefix)) {
      try {
        await this.store.get(key);
        continue;
      } catch (err) {
        if (!isDecodeError(err)) throw err;
      }
      const value = this.parse(key.slice(this.prefix.length));
      await this.store.deleteRaw(key);
      if (value !== undefined) await this.store.create(key, this.record(value, undefined));
      rewritten.push(key);
    }
    return rewritten;
  }

  private async create(value: number, holder: Holder): Promise<boolean> {
    return (await this.store.create(this.key(value), this.record(value, holder))).ok;
  }

  private record(value: number, holder: Holder | undefined): AllocationRecord {
    const creationTimestamp = rfc3339Now();
    return {
      metadata: { name: this.format(value), creationTimestamp },
      spec: holder ? { parentRef: { group: '', resource: 'services', namespace: holder.namespace, name: holder.name, uid: holder.uid } } : {},
    };
  }
}
