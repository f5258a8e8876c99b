// The Store: what the apiserver's registries call to read and write objects in etcd.
// Values are JSON objects stored without metadata.resourceVersion; the
// resourceVersion a caller sees is the key's etcd mod_revision. Creates and updates
// are compare-and-swap transactions (kine's "create = version == 0", "update =
// mod_revision == rv"). The etcd3 client itself runs in a worker thread
// (etcd-worker.ts, etcd-client.ts); JSON is encoded and decoded here.
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { internalError, serviceUnavailable, tooLarge, StatusError } from '../../api/errors.js';
import type { KubeObject, Status } from '../../api/types/meta.js';
import type { EtcdTlsFiles, RawEvent, RawKV, RawList, RawWrite } from './etcd-client.js';
import type { ListResult, Storage, StoredObject, StoreEvent, WatchEvents, WriteResult } from './store.js';

/** Largest object stored (etcd's own request limit is 1.5 MiB); larger writes get a 413. */
export const MAX_OBJECT_BYTES = 1.5 * 1024 * 1024;

export interface StoreOptions {
  endpoints: string[];
  /** Deadline of each unary etcd call; past it a request fails with a Status instead of hanging. */
  requestTimeoutMs?: number;
  /** --encryption-provider-config: values of the resources it names are stored encrypted. */
  encryptionConfigFile?: string;
  /** --etcd-cafile, --etcd-certfile, --etcd-keyfile: TLS to etcd. */
  tls?: EtcdTlsFiles;
  /** Called once if the etcd client thread dies: the process cannot serve without storage. */
  onFatal?: (why: string) => void;
  log?: Logger;
}

type Reply = { id: number; result?: unknown; error?: Status } | { watch: number; events?: RawEvent[]; progress?: number; error?: Status };
interface WatchHandlers { onEvent: WatchEvents; onError: (err: StatusError) => void }

/**
 * Store is what the apiserver's registries call. Every method either answers or
 * throws a StatusError (503 when etcd is unreachable, 504 on a deadline, 410 when a
 * revision was compacted, 413 for an object over MAX_OBJECT_BYTES). A failed
 * precondition is a result, not an error, so the caller can name the resource in
 * its own 409.
 */
export class Store implements Storage {
  private readonly worker: Worker;
  private readonly log?: Logger;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: StatusError) => void }>();
  private readonly watches = new Map<number, WatchHandlers>();
  private closed = false;
  /** Why the worker is gone, once it is: every later call fails at once with this. */
  private dead?: string;

  constructor(opts: StoreOptions) {
    this.log = opts.log;
    this.worker = new Worker(new URL('./etcd-worker.js', import.meta.url), {
      workerData: { endpoints: opts.endpoints, requestTimeoutMs: opts.requestTimeoutMs ?? 5000, encryptionConfigFile: opts.encryptionConfigFile, tls: opts.tls },
    });
    this.worker.on('message', (msg: Reply) => this.onReply(msg));
    // A dead worker fails everything in flight; the apiserver cannot go on without storage.
    const fail = (why: string): void => {
      if (this.closed || this.dead) return;
      this.dead = why;
      const err = serviceUnavailable(`etcd client thread stopped: ${why}`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      for (const w of this.watches.values()) w.onError(err);
      this.watches.clear();
      opts.onFatal?.(why);
    };
    this.worker.on('error', (err) => fail(err.message));
    this.worker.on('exit', (code) => fail(`exit code ${code}`));
  }

  async get(key: string): Promise<StoredObject | undefined> {
    const kv = await this.rpc<RawKV | undefined>('get', key);
    return kv ? decode(kv) : undefined;
  }

  /**
   * Lists keys under prefix (in key order) starting at startKey, at a fixed revision
   * when given (continuation pages read the same snapshot as the first page).
   */
  async list(prefix: string, opts: { startKey?: string; limit?: number; revision?: number; skipUndecodable?: boolean } = {}): Promise<ListResult> {
    const res = await this.rpc<RawList>('list', prefix, opts.startKey, opts.limit ?? 0, opts.revision ?? 0);
    let kvs = res.kvs;
    if (opts.skipUndecodable) {
      kvs = kvs.filter((kv) => {
        if (kv.error === undefined) return true;
        this.log?.error({ key: kv.key, rev: kv.rev, why: kv.error }, 'cannot decode a stored object; it is left out');
        return false;
      });
    }
    return { items: kvs.map(decode), revision: res.revision, remaining: res.remaining };
  }

  /** Counts keys under prefix without reading values. */
  count(prefix: string): Promise<number> {
    return this.rpc<number>('count', prefix);
  }

  /** Creates key only if it does not exist; on failure returns the current value. */
  async create(key: string, obj: KubeObject, leaseId?: string): Promise<WriteResult> {
    return written(await this.rpc<RawWrite>('put', key, encode(obj), undefined, leaseId));
  }

  /** Replaces key only if its mod_revision is still rev; on failure returns the current value (undefined: gone). */
  async update(key: string, obj: KubeObject, rev: number, leaseId?: string): Promise<WriteResult> {
    return written(await this.rpc<RawWrite>('put', key, encode(obj), rev, leaseId));
  }

  /** Deletes key only if its mod_revision is still rev. */
  async delete(key: string, rev: number): Promise<WriteResult> {
    return written(await this.rpc<RawWrite>('delete', key, rev));
  }

  /** Creates a raw key (allocator bookkeeping) if absent; true when this call created it. */
  createRaw(key: string, value: string): Promise<boolean> {
    return this.rpc<boolean>('createRaw', key, value);
  }

  async deleteRaw(key: string): Promise<void> {
    await this.rpc('deleteRaw', key);
  }

  listRawKeys(prefix: string): Promise<string[]> {
    return this.rpc<string[]>('listRawKeys', prefix);
  }

  /** The current etcd revision. */
  revision(): Promise<number> {
    return this.rpc<number>('revision');
  }

  async compact(revision: number): Promise<void> {
    await this.rpc('compact', revision);
  }

  /** Grants a lease of ttl seconds (for objects that expire, such as events). */
  grantLease(ttlSeconds: number): Promise<string> {
    return this.rpc<string>('grantLease', ttlSeconds);
  }

  /** Answers true when etcd serves a read before a short deadline. */
  async healthy(deadlineMs = 2000): Promise<boolean> {
    try {
      return await this.rpc<boolean>('healthy', deadlineMs);
    } catch {
      return false;
    }
  }

  /**
   * Watches every key under prefix from revision fromRev (inclusive). onEvent gets
   * events in revision order; an empty batch with progressRev is etcd's progress
   * notification (no more events up to that revision). onError gets a StatusError
   * when the watch cannot go on (410 when fromRev was compacted). Returns a function
   * that cancels the watch.
   */
  async watch(prefix: string, fromRev: number, onEvent: WatchEvents, onError: (err: StatusError) => void): Promise<() => Promise<void>> {
    const id = this.nextId++;
    this.watches.set(id, { onEvent, onError });
    try {
      await this.rpc('watch', id, prefix, fromRev);
    } catch (err) {
      this.watches.delete(id);
      throw err;
    }
    return async () => {
      this.watches.delete(id);
      await this.rpc('cancelWatch', id).catch(() => undefined);
    };
  }

  async close(): Promise<void> {
    await this.rpc('close').catch(() => undefined);
    this.closed = true;
    await this.worker.terminate();
  }

  private rpc<T>(op: string, ...args: unknown[]): Promise<T> {
    if (this.closed) return Promise.reject(serviceUnavailable('the storage is closed'));
    if (this.dead) return Promise.reject(serviceUnavailable(`etcd client thread stopped: ${this.dead}`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, op, args });
    });
  }

  private onReply(msg: Reply): void {
    if ('watch' in msg) {
      const w = this.watches.get(msg.watch);
      if (!w) return;
      if (msg.error) {
        this.watches.delete(msg.watch);
        w.onError(new StatusError(msg.error));
        return;
      }
      const events: StoreEvent[] = [];
      let progress = msg.progress;
      for (const raw of msg.events ?? []) {
        try {
          events.push(decodeEvent(raw));
        } catch (err) {
          // A value that is not JSON cannot be served; its revision still passes, so
          // the watch goes on (kube-apiserver likewise logs and skips undecodable values).
          this.log?.error({ err, key: raw.key, rev: raw.rev }, 'cannot decode a stored object from the etcd watch; skipped');
          progress = Math.max(progress ?? 0, raw.rev);
        }
      }
      w.onEvent(events, progress);
      return;
    }
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (msg.error) p.reject(new StatusError(msg.error));
    else p.resolve(msg.result);
  }
}

function written(res: RawWrite): WriteResult {
  if (res.ok) return res;
  return { ok: false, current: res.current ? decode(res.current) : undefined };
}

/** The stored form: JSON without resourceVersion, refused when over MAX_OBJECT_BYTES. */
function encode(obj: KubeObject): string {
  const rv = obj.metadata.resourceVersion;
  if (rv !== undefined) delete obj.metadata.resourceVersion;
  let out: string;
  try {
    out = JSON.stringify(obj);
  } finally {
    if (rv !== undefined) obj.metadata.resourceVersion = rv;
  }
  // UTF-16 length bounds the byte length from below; measure bytes only near the limit.
  if (out.length * 3 > MAX_OBJECT_BYTES && Buffer.byteLength(out) > MAX_OBJECT_BYTES) {
    throw tooLarge(`Request entity too large: the ${String(obj.kind ?? 'object')} "${obj.metadata.name ?? ''}" is ${Buffer.byteLength(out)} bytes, over the limit of ${MAX_OBJECT_BYTES} bytes`);
  }
  return out;
}

function parse(value: string, rev: number): KubeObject {
  const obj = JSON.parse(value) as KubeObject;
  obj.metadata.resourceVersion = String(rev);
  return obj;
}

function decode(kv: RawKV): StoredObject {
  // As kube-apiserver: an object that cannot be decoded fails the read with a 500.
  if (kv.error !== undefined) throw internalError(kv.error.replace(/^Internal error occurred: /, ''));
  return kv.stale ? { key: kv.key, obj: parse(kv.value, kv.rev), rev: kv.rev, stale: true } : { key: kv.key, obj: parse(kv.value, kv.rev), rev: kv.rev };
}

function decodeEvent(ev: RawEvent): StoreEvent {
  if (ev.type === 'delete') return { type: 'delete', key: ev.key, obj: ev.value === undefined ? undefined : parse(ev.value, ev.rev), rev: ev.rev };
  return { type: 'put', key: ev.key, obj: parse(ev.value ?? '', ev.rev), rev: ev.rev };
}
