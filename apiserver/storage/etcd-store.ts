// The etcd boundary: the one module that imports etcd3. Values are JSON objects
// stored without metadata.resourceVersion; the resourceVersion a caller sees is the
// key's etcd mod_revision. Creates and updates are compare-and-swap transactions
// (kine's "create = version == 0", "update = mod_revision == rv").
import { Etcd3, type IKeyValue, type Watcher, type IOptions } from 'etcd3';
import { noop } from 'cockatiel';
import { expired, serviceUnavailable, timeout, StatusError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types/meta.js';

export interface StoredObject {
  key: string;
  obj: KubeObject;
  /** mod_revision of the key: the object's resourceVersion. */
  rev: number;
}

export interface ListResult {
  items: StoredObject[];
  /** The etcd revision the list was read at. */
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
  /** For a put the new object, for a delete the object as it was before. */
  obj: KubeObject;
  prev?: KubeObject;
  rev: number;
}

export interface StoreOptions {
  endpoints: string[];
  /** Deadline of each unary etcd call; past it a request fails with a Status instead of hanging. */
  requestTimeoutMs?: number;
}

/**
 * Store is what the apiserver's registries call. Every method either answers or
 * throws a StatusError (503 when etcd is unreachable, 504 on a deadline, 410 when a
 * revision was compacted). A failed precondition is a result, not an error, so the
 * caller can name the resource in its own 409.
 */
export class Store {
  private readonly client: Etcd3;
  private readonly timeoutMs: number;

  constructor(opts: StoreOptions) {
    this.timeoutMs = opts.requestTimeoutMs ?? 5000;
    const options: IOptions = {
      hosts: opts.endpoints,
      dialTimeout: 2000,
      // A resource's whole range (the watch cache fill, a full LIST) can be far over
      // gRPC's default 4 MiB; kube-apiserver lifts the limit the same way.
      grpcOptions: { 'grpc.max_receive_message_length': -1, 'grpc.max_send_message_length': -1 },
      // No circuit breaker or retries: the apiserver answers each request itself and a
      // restarted etcd must be usable at once.
      faultHandling: { host: () => noop, global: noop },
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + this.timeoutMs }),
    };
    this.client = new Etcd3(options);
  }

  async get(key: string): Promise<StoredObject | undefined> {
    const res = await this.call(() => this.client.kv.range({ key: Buffer.from(key) }));
    const kv = res.kvs[0];
    return kv ? decode(kv) : undefined;
  }

  /**
   * Lists keys under prefix (in key order) starting at startKey, at a fixed revision
   * when given (continuation pages read the same snapshot as the first page).
   */
  async list(prefix: string, opts: { startKey?: string; limit?: number; revision?: number } = {}): Promise<ListResult> {
    const res = await this.call(() => this.client.kv.range({
      key: Buffer.from(opts.startKey ?? prefix),
      range_end: prefixEnd(prefix),
      limit: opts.limit ?? 0,
      revision: opts.revision ?? 0,
    }));
    const items = res.kvs.map(decode);
    const count = Number(res.count);
    return { items, revision: Number(res.header.revision), remaining: res.more ? Math.max(count - items.length, 1) : 0 };
  }

  /** Counts keys under prefix without reading values. */
  async count(prefix: string): Promise<number> {
    const res = await this.call(() => this.client.kv.range({ key: Buffer.from(prefix), range_end: prefixEnd(prefix), count_only: true }));
    return Number(res.count);
  }

  /** Creates key only if it does not exist; on failure returns the current value. */
  async create(key: string, obj: KubeObject, leaseId?: string): Promise<WriteResult> {
    const k = Buffer.from(key);
    const res = await this.call(() => this.client.kv.txn({
      compare: [{ key: k, target: 'Version', result: 'Equal', version: 0 }],
      success: [{ request_put: { key: k, value: encode(obj), lease: leaseId ?? 0 } }],
      failure: [{ request_range: { key: k } }],
    }));
    if (res.succeeded) return { ok: true, rev: Number(res.header.revision) };
    const kv = res.responses[0]?.response_range?.kvs[0];
    return { ok: false, current: kv ? decode(kv) : undefined };
  }

  /** Replaces key only if its mod_revision is still rev; on failure returns the current value (undefined: gone). */
  async update(key: string, obj: KubeObject, rev: number, leaseId?: string): Promise<WriteResult> {
    const k = Buffer.from(key);
    const res = await this.call(() => this.client.kv.txn({
      compare: [{ key: k, target: 'Mod', result: 'Equal', mod_revision: rev }],
      success: [{ request_put: { key: k, value: encode(obj), lease: leaseId ?? 0 } }],
      failure: [{ request_range: { key: k } }],
    }));
    if (res.succeeded) return { ok: true, rev: Number(res.header.revision) };
    const kv = res.responses[0]?.response_range?.kvs[0];
    return { ok: false, current: kv ? decode(kv) : undefined };
  }

  /** Deletes key only if its mod_revision is still rev. */
  async delete(key: string, rev: number): Promise<WriteResult> {
    const k = Buffer.from(key);
    const res = await this.call(() => this.client.kv.txn({
      compare: [{ key: k, target: 'Mod', result: 'Equal', mod_revision: rev }],
      success: [{ request_delete_range: { key: k } }],
      failure: [{ request_range: { key: k } }],
    }));
    if (res.succeeded) return { ok: true, rev: Number(res.header.revision) };
    const kv = res.responses[0]?.response_range?.kvs[0];
    return { ok: false, current: kv ? decode(kv) : undefined };
  }

  /** Creates a raw key (allocator bookkeeping) if absent; true when this call created it. */
  async createRaw(key: string, value: string): Promise<boolean> {
    const k = Buffer.from(key);
    const res = await this.call(() => this.client.kv.txn({
      compare: [{ key: k, target: 'Version', result: 'Equal', version: 0 }],
      success: [{ request_put: { key: k, value: Buffer.from(value) } }],
      failure: [],
    }));
    return res.succeeded;
  }

  async deleteRaw(key: string): Promise<void> {
    await this.call(() => this.client.kv.deleteRange({ key: Buffer.from(key) }));
  }

  async listRawKeys(prefix: string): Promise<string[]> {
    const res = await this.call(() => this.client.kv.range({ key: Buffer.from(prefix), range_end: prefixEnd(prefix), keys_only: true }));
    return res.kvs.map((kv) => kv.key.toString());
  }

  /** The current etcd revision. */
  async revision(): Promise<number> {
    const res = await this.call(() => this.client.kv.range({ key: Buffer.from('/registry/health'), limit: 1 }));
    return Number(res.header.revision);
  }

  async compact(revision: number): Promise<void> {
    await this.call(() => this.client.kv.compact({ revision }));
  }

  /** Grants a lease of ttl seconds (for objects that expire, such as events). */
  async grantLease(ttlSeconds: number): Promise<string> {
    const res = await this.call(() => this.client.leaseClient.leaseGrant({ TTL: ttlSeconds }));
    return String(res.ID);
  }

  /** Answers true when etcd serves a read before a short deadline. */
  async healthy(deadlineMs = 2000): Promise<boolean> {
    try {
      await this.client.kv.range({ key: Buffer.from('/registry/health'), limit: 1 }, { deadline: Date.now() + deadlineMs });
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Watches every key under prefix from revision fromRev (inclusive). onEvent gets
   * events in revision order; onError gets a StatusError when the watch cannot go on
   * (410 when fromRev was compacted). Returns a function that cancels the watch.
   */
  async watch(prefix: string, fromRev: number, onEvent: (events: StoreEvent[]) => void, onError: (err: StatusError) => void): Promise<() => Promise<void>> {
    const watcher: Watcher = await this.client.watch().prefix(prefix).startRevision(String(fromRev)).withPreviousKV().create();
    watcher.on('data', (res) => {
      if (Number(res.compact_revision) > 0) {
        onError(expired(`too old resource version: ${fromRev} (${res.compact_revision})`));
        return;
      }
      const batch: StoreEvent[] = [];
      for (const ev of res.events) {
        try {
          if (ev.type === 'Delete') {
            if (!ev.prev_kv) continue;
            const prev = decode(ev.prev_kv).obj;
            batch.push({ type: 'delete', key: ev.kv.key.toString(), obj: prev, rev: Number(ev.kv.mod_revision) });
          } else {
            const cur = decode(ev.kv);
            batch.push({ type: 'put', key: cur.key, obj: cur.obj, prev: ev.prev_kv ? decode(ev.prev_kv).obj : undefined, rev: cur.rev });
          }
        } catch (err) {
          onError(serviceUnavailable(`cannot decode stored object: ${(err as Error).message}`));
        }
      }
      if (batch.length) onEvent(batch);
    });
    watcher.on('error', (err) => onError(serviceUnavailable(`etcd watch failed: ${err.message}`)));
    return () => watcher.cancel();
  }

  async close(): Promise<void> {
    this.client.close();
  }

  /** Runs one etcd call, turning etcd's failures into StatusErrors. */
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw mapEtcdError(err);
    }
  }
}

function mapEtcdError(err: unknown): StatusError {
  if (err instanceof StatusError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (/compacted/i.test(message)) return expired('The resourceVersion for the provided list is too old.');
  if (/deadline/i.test(message)) return timeout('etcd did not answer in time');
  return serviceUnavailable(`etcd is unavailable: ${message.split('\n')[0]}`);
}

function encode(obj: KubeObject): Buffer {
  const rv = obj.metadata.resourceVersion;
  if (rv === undefined) return Buffer.from(JSON.stringify(obj));
  delete obj.metadata.resourceVersion;
  try {
    return Buffer.from(JSON.stringify(obj));
  } finally {
    obj.metadata.resourceVersion = rv;
  }
}

function decode(kv: IKeyValue): StoredObject {
  const obj = JSON.parse(kv.value.toString()) as KubeObject;
  const rev = Number(kv.mod_revision);
  obj.metadata.resourceVersion = String(rev);
  return { key: kv.key.toString(), obj, rev };
}

/** The range end covering every key that starts with prefix. */
function prefixEnd(prefix: string): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] < 0xff) {
      end[i]++;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}
