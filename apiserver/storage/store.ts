// The storage interface the apiserver's registries, watch caches, allocators and
// compactor use: a narrow key/value store with compare-and-swap writes and a watch
// from a revision (kine's Backend). etcd-store.ts implements it on etcd;
// memory-store.ts implements it in memory for fast unit tests of registry rules.
import type { StatusError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types/meta.js';

export interface StoredObject {
  key: string;
  obj: KubeObject;
  /** mod_revision of the key: the object's resourceVersion. */
  rev: number;
  /** Not stored as it would be written now (an old encryption key): an update writes even when nothing changed. */
  stale?: boolean;
}

export interface ListResult {
  items: StoredObject[];
  /** The revision the list was read at. */
  revision: number;
  /** Keys after the last returned one, when a limit cut the list short. */
  remaining: number;
}

export type WriteResult =
  | { ok: true; rev: number }
  | { ok: false; current?: StoredObject };

export interface StoreEvent {
  type: 'put' | 'delete';
  key: string;
  /**
   * For a put the new object; for a delete the object as it was before, when the
   * store still has it (etcd may not, once that revision is compacted).
   */
  obj?: KubeObject;
  rev: number;
}

export type WatchEvents = (events: StoreEvent[], progressRev?: number) => void;

/**
 * Storage: every method answers or throws a StatusError (503 when the store is
 * unreachable, 504 on a deadline, 410 when a revision was compacted, 413 for an
 * object too large to store). A failed precondition is a result, not an error, so
 * the caller can name the resource in its own 409.
 */
export interface Storage {
  get(key: string): Promise<StoredObject | undefined>;
  /**
   * Lists keys under prefix (in key order) from startKey, at a fixed revision when
   * given (continuation pages and watch-cache fills read one snapshot).
   */
  list(prefix: string, opts?: { startKey?: string; limit?: number; revision?: number; skipUndecodable?: boolean }): Promise<ListResult>;
  /** Counts keys under prefix. */
  count(prefix: string): Promise<number>;
  /** Creates key only if it does not exist; on failure returns the current value. */
  create(key: string, obj: KubeObject, leaseId?: string): Promise<WriteResult>;
  /** Replaces key only if its mod_revision is still rev; on failure the current value (undefined: gone). */
  update(key: string, obj: KubeObject, rev: number, leaseId?: string): Promise<WriteResult>;
  /** Deletes key only if its mod_revision is still rev. */
  delete(key: string, rev: number): Promise<WriteResult>;
  /**
   * Watches every key under prefix from revision fromRev (inclusive). onEvent gets
   * events in revision order, each revision once, across reconnects; an empty batch
   * with progressRev means nothing changed up to that revision. onError is called
   * once when the watch cannot go on (410 when fromRev's history was compacted).
   * Resolves with a function that cancels the watch.
   */
  watch(prefix: string, fromRev: number, onEvent: WatchEvents, onError: (err: StatusError) => void): Promise<() => Promise<void>>;
  /** The store's current revision. */
  revision(): Promise<number>;
  /** Drops history at and before revision. */
  compact(revision: number): Promise<void>;
  /** Grants a lease of ttl seconds (for objects that expire, such as events). */
  grantLease(ttlSeconds: number): Promise<string>;
  /** Raw keys for allocator bookkeeping: created if absent (true when this call created it). */
  createRaw(key: string, value: string): Promise<boolean>;
  deleteRaw(key: string): Promise<void>;
  listRawKeys(prefix: string): Promise<string[]>;
  /** True when the store serves a read before the deadline. */
  healthy(deadlineMs?: number): Promise<boolean>;
  close(): Promise<void>;
}

/** What the watch caches need of the storage. */
export type WatchableStore = Pick<Storage, 'list' | 'watch' | 'revision'>;
