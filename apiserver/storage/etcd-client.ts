// The one module that imports etcd3. It runs inside the storage worker thread
// (etcd-worker.ts) so gRPC's per-call cost does not compete with HTTP serving on the
// main thread. It speaks strings, not objects: JSON is encoded and decoded by the
// Store on the main thread, and everything here crosses threads by structured clone.
import { Etcd3, GRPCUnavailableError, type IKeyValue, type Watcher, type IOptions } from 'etcd3';
import { noop, type IPolicy } from 'cockatiel';
import { expired, serviceUnavailable, timeout, StatusError } from '../../api/errors.js';
import type { Status } from '../../api/types/meta.js';
import { PLAIN_CODEC, type ValueCodec } from './value-codec.js';

/** A stored value; error says why it could not be decoded (a wrong encryption key), value is then empty. */
export interface RawKV { key: string; value: string; rev: number; error?: string; stale?: boolean }
export type RawWrite = { ok: true; rev: number } | { ok: false; current?: RawKV };
export interface RawList { kvs: RawKV[]; revision: number; remaining: number }
/** A watch event; a delete's value is the previous value, absent when etcd no longer has it. */
export interface RawEvent { type: 'put' | 'delete'; key: string; value?: string; rev: number }

export interface EtcdClientOptions {
  endpoints: string[];
  requestTimeoutMs: number;
  /** How values are stored (encrypted for some resources); plain UTF-8 by default. */
  codec?: ValueCodec;
  /** TLS to etcd: the CA to trust and the client certificate (--etcd-cafile, --etcd-certfile, --etcd-keyfile). */
  credentials?: IOptions['credentials'];
}

/** The files of --etcd-cafile, --etcd-certfile and --etcd-keyfile (read in the storage thread). */
export interface EtcdTlsFiles {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

/** Turns etcd's failures into the Status the apiserver answers with. */
export function mapEtcdError(err: unknown): StatusError {
  if (err instanceof StatusError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (/compacted/i.test(message)) return expired('The resourceVersion for the provided list is too old.');
  if (/deadline/i.test(message)) return timeout('etcd did not answer in time');
  return serviceUnavailable(`etcd is unavailable: ${message.split('\n')[0]}`);
}

/**
 * True when a failed call never reached etcd (the connection could not be made), so
 * repeating it on another member cannot apply it twice.
 */
export function neverSent(err: unknown): boolean {
  return err instanceof GRPCUnavailableError && /No connection established|ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|Failed to connect/i.test(err.message);
}

/** Thrown instead of calling a member that is being left out (the pool then tries the next). */
class MemberSkipped extends Error {}

/**
 * Which members of an etcd cluster to leave out, as clientv3's balancer does: one that
 * could not be reached (GRPCUnavailableError) is skipped for a while (1 s, doubling up
 * to 10 s while it stays unreachable; reset when it answers) as long as another member
 * is not being skipped or failed longer ago. So calls go to the members that answer,
 * a member that came back is tried again within seconds, and when every member failed
 * lately the one that failed longest ago is tried rather than none. Only unreachable
 * counts: a slow answer does not take a healthy member out.
 */
class MemberSkips {
  private readonly down = new Map<string, { at: number; until: number; backoffMs: number }>();

  constructor(private readonly hosts: string[]) {}

  /** The etcd3 host policy of one member (the pool only calls execute). */
  policy(host: string): IPolicy {
    const execute = async <T>(fn: () => Promise<T> | T): Promise<T> => {
      if (this.skip(host)) throw new MemberSkipped(`etcd member ${host} is being left out: it could not be reached`);
      try {
        const result = await fn();
        this.down.delete(host);
        return result;
      } catch (err) {
        if (err instanceof GRPCUnavailableError) {
          const backoffMs = Math.min((this.down.get(host)?.backoffMs ?? 500) * 2, 10_000);
          this.down.set(host, { at: Date.now(), until: Date.now() + backoffMs, backoffMs });
        }
        throw err;
      }
    };
    return { execute } as unknown as IPolicy;
  }

  private skip(host: string): boolean {
    const mine = this.down.get(host);
    const now = Date.now();
    if (!mine || now >= mine.until) return false;
    // Skipped only if some other member is usable, or failed before this one did.
    return this.hosts.some((h) => {
      if (h === host) return false;
      const other = this.down.get(h);
      return !other || now >= other.until || other.at < mine.at || (other.at === mine.at && h < host);
    });
  }
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

/**
 * EtcdClient: key/value operations and watches on raw strings. Every method answers
 * or throws a StatusError. Called only through the worker protocol (etcd-worker.ts).
 */
export class EtcdClient {
  private readonly client: Etcd3;
  private readonly watchers = new Map<number, Watcher>();
  /** Watches cancelled by the caller: a re-open racing the cancel closes itself. */
  private readonly cancelled = new Set<number>();

  /** More than one member: calls that fail for want of a connection go to another. */
  private readonly members: number;

  private readonly codec: ValueCodec;

  constructor(opts: EtcdClientOptions) {
    this.codec = opts.codec ?? PLAIN_CODEC;
    this.members = opts.endpoints.length;
    const skips = new MemberSkips(opts.endpoints);
    const options: IOptions = {
      hosts: opts.endpoints,
      credentials: opts.credentials,
      dialTimeout: 2000,
      // A resource's whole range (the watch cache fill, a full LIST) can be far over
      // gRPC's default 4 MiB; kube-apiserver lifts the limit the same way. Retries and
      // channelz cost CPU on every call: the apiserver retries itself where it must.
      grpcOptions: { 'grpc.max_receive_message_length': -1, 'grpc.max_send_message_length': -1, 'grpc.enable_retries': 0, 'grpc.enable_channelz': 0 },
      // One member: no circuit breaker, a restarted etcd must be usable at once. Several
      // (an etcd cluster): MemberSkips leaves out a member that could not be reached.
      faultHandling: { host: this.members > 1 ? (host) => skips.policy(host) : () => noop, global: noop },
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + opts.requestTimeoutMs }),
    };
    this.client = new Etcd3(options);
  }

  private raw(kv: IKeyValue): RawKV {
    const key = kv.key.toString();
    const rev = Number(kv.mod_revision);
    try {
      const { value, stale } = this.codec.decode(key, kv.value);
      return stale ? { key, value, rev, stale } : { key, value, rev };
    } catch (err) {
      return { key, value: '', rev, error: (err as Error).message };
    }
  }

  /** A watched value; one that cannot be decoded is passed on empty, and the Store logs and skips it. */
  private watchValue(kv: IKeyValue): string {
    try {
      return this.codec.decode(kv.key.toString(), kv.value).value;
    } catch {
      return '';
    }
  }

  async get(key: string): Promise<RawKV | undefined> {
    const res = await this.call(() => this.client.kv.range({ key: Buffer.from(key) }));
    return res.kvs[0] ? this.raw(res.kvs[0]) : undefined;
  }

  async list(prefix: string, startKey: string | undefined, limit: number, revision: number): Promise<RawList> {
    const res = await this.call(() => this.client.kv.range({ key: Buffer.from(startKey ?? prefix), range_end: prefixEnd(prefix), limit, revision }));
    const kvs = res.kvs.map((kv) => this.raw(kv));
    return { kvs, revision: Number(res.header.revision), remaining: res.more ? Math.max(Number(res.count) - kvs.length, 1) : 0 };
  }

  async count(prefix: string): Promise<number> {
    const res = await this.call(() => this.client.kv.range({ key: Buffer.from(prefix), range_end: prefixEnd(prefix), count_only: true }));
    return Number(res.count);
  }

  /** put if the key is absent (rev undefined) or still at mod_revision rev; else the current value. */
  async put(key: string, value: string, rev: number | undefined, lease: string | undefined): Promise<RawWrite> {
    const k = Buffer.from(key);
    const compare = rev === undefined
      ? { key: k, target: 'Version' as const, result: 'Equal' as const, version: 0 }
      : { key: k, target: 'Mod' as const, result: 'Equal' as const, mod_revision: rev };
    const res = await this.call(() => this.client.kv.txn({
      compare: [compare],
      success: [{ request_put: { key: k, value: this.codec.encode(key, value), lease: lease ?? 0 } }],
      failure: [{ request_range: { key: k } }],
    }), true);
    if (res.succeeded) return { ok: true, rev: Number(res.header.revision) };
    const kv = res.responses[0]?.response_range?.kvs[0];
    return { ok: false, current: kv ? this.raw(kv) : undefined };
  }

  async delete(key: string, rev: number): Promise<RawWrite> {
    const k = Buffer.from(key);
    const res = await this.call(() => this.client.kv.txn({
      compare: [{ key: k, target: 'Mod', result: 'Equal', mod_revision: rev }],
      success: [{ request_delete_range: { key: k } }],
      failure: [{ request_range: { key: k } }],
    }), true);
    if (res.succeeded) return { ok: true, rev: Number(res.header.revision) };
    const kv = res.responses[0]?.response_range?.kvs[0];
    return { ok: false, current: kv ? this.raw(kv) : undefined };
  }

  async createRaw(key: string, value: string): Promise<boolean> {
    const k = Buffer.from(key);
    const res = await this.call(() => this.client.kv.txn({
      compare: [{ key: k, target: 'Version', result: 'Equal', version: 0 }],
      success: [{ request_put: { key: k, value: Buffer.from(value) } }],
      failure: [],
    }), true);
    return res.succeeded;
  }

  async deleteRaw(key: string): Promise<void> {
    await this.call(() => this.client.kv.deleteRange({ key: Buffer.from(key) }), true);
  }

  async listRawKeys(prefix: string): Promise<string[]> {
    const res = await this.call(() => this.client.kv.range({ key: Buffer.from(prefix), range_end: prefixEnd(prefix), keys_only: true }));
    return res.kvs.map((kv) => kv.key.toString());
  }

  async revision(): Promise<number> {
    const res = await this.call(() => this.client.kv.range({ key: Buffer.from('/registry/health'), limit: 1 }));
    return Number(res.header.revision);
  }

  async compact(revision: number): Promise<void> {
    await this.call(() => this.client.kv.compact({ revision }), true);
  }

  async grantLease(ttlSeconds: number): Promise<string> {
    const res = await this.call(() => this.client.leaseClient.leaseGrant({ TTL: ttlSeconds }), true);
    return String(res.ID);
  }

  async healthy(deadlineMs: number): Promise<boolean> {
    try {
      await this.client.kv.range({ key: Buffer.from('/registry/health'), limit: 1 }, { deadline: Date.now() + deadlineMs });
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Starts watch id on prefix from fromRev (inclusive). Events go to onEvents in
   * revision order, each revision once: across reconnects the watch resumes from the
   * revision after the last one delivered (the etcd3 library would resume from the
   * revision etcd reported when it reconnected, skipping what came in between). It
   * ends, through onError, only when that revision has been compacted (410) or etcd
   * cancels it for good.
   */
  async watch(id: number, prefix: string, fromRev: number, onEvents: (events: RawEvent[], progressRev?: number) => void, onError: (status: Status) => void): Promise<void> {
    /** The next revision wanted: one past the last delivered. */
    let next = fromRev;
    let failures = 0;
    const open = async (): Promise<void> => {
      const watcher = await this.call(() => this.client.watch().prefix(prefix).startRevision(String(next)).withPreviousKV().create());
      if (this.cancelled.has(id)) {
        this.cancelled.delete(id);
        await watcher.cancel();
        return;
      }
      this.watchers.set(id, watcher);
      // The library re-sends its create request on every reconnect: from our revision.
      watcher.on('connecting', (req) => { (req as { start_revision?: string }).start_revision = String(next); });
      watcher.on('data', (res) => {
        failures = 0;
        // A response with no events is a progress notification: every event of this
        // watch up to header.revision has been sent (etcd sends them to synced
        // watchers only), so readers may treat that revision as current.
        if (res.events.length === 0) {
          const rev = Number(res.header?.revision);
          if (rev >= next) {
            next = rev + 1;
            onEvents([], rev);
          }
          return;
        }
        const batch: RawEvent[] = [];
        for (const ev of res.events) {
          const rev = Number(ev.kv.mod_revision);
          if (rev < next) continue;
          next = rev + 1;
          if (ev.type === 'Delete') {
            batch.push({ type: 'delete', key: ev.kv.key.toString(), value: ev.prev_kv ? this.watchValue(ev.prev_kv) : undefined, rev });
          } else {
            // The previous value is read for deletes only: nothing downstream wants it for a put.
            batch.push({ type: 'put', key: ev.kv.key.toString(), value: this.watchValue(ev.kv), rev });
          }
        }
        if (batch.length) onEvents(batch);
      });
      // etcd cancelled the watch. It gives no reason when the cause is compaction, so
      // ask: a read at the wanted revision fails exactly when it was compacted.
      watcher.on('error', (err: Error) => {
        this.watchers.delete(id);
        void this.afterCancel(next, err).then((status) => {
          if (this.cancelled.has(id)) return;
          if (status || ++failures > 10) return onError(status ?? mapEtcdError(err).status);
          setTimeout(() => void open().catch((openErr: unknown) => onError(mapEtcdError(openErr).status)), Math.min(100 * 2 ** failures, 5000));
        });
      });
    };
    this.cancelled.delete(id);
    await open();
  }

  /** Why a watch wanting revision next was cancelled: a 410 Status when compacted, else undefined. */
  private async afterCancel(next: number, err: Error): Promise<Status | undefined> {
    if (/compact/i.test(err.message)) return expired(`too old resource version: ${next - 1}`).status;
    try {
      await this.client.kv.range({ key: Buffer.from('/registry/health'), revision: next });
      return undefined;
    } catch (readErr) {
      if (/compacted/i.test((readErr as Error).message)) return expired(`too old resource version: ${next - 1}`).status;
      return undefined;
    }
  }

  async cancelWatch(id: number): Promise<void> {
    const w = this.watchers.get(id);
    this.watchers.delete(id);
    this.cancelled.add(id);
    await w?.cancel();
  }

  close(): void {
    this.client.close();
  }

  /**
   * Runs one etcd call. With several members, a call that failed because its member
   * was unreachable is repeated (the member is then left out): a read always, a write
   * only when it never reached etcd, so it cannot be applied twice.
   */
  private async call<T>(fn: () => Promise<T>, write = false): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        const again = attempt < this.members && err instanceof GRPCUnavailableError && (!write || neverSent(err));
        if (!again) throw mapEtcdError(err);
      }
    }
  }
}
