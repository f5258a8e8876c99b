// Informer: keeps a local, indexed copy of one resource in step with the apiserver and
// tells handlers what changed (client-go's SharedIndexInformer and Reflector, written
// our own way). It lists, then watches from the list's resourceVersion; a watch that
// ends is resumed from the last resourceVersion seen, a 410 (history compacted, or an
// apiserver that restarted with a fresh watch cache) makes it relist and diff the new
// list against the cache, and failures reconnect with capped exponential backoff.
import type { Logger } from 'pino';
import { setTimeout as sleep } from 'node:timers/promises';
import { isGone } from '../api/errors.js';
import type { ResourceInfo } from '../api/registry.js';
import type { KubeObject, List, WatchEvent } from '../api/types/meta.js';
import { Indexer, keyOf, type IndexFunc, type Indexers } from './indexer.js';
import { resourceClient, type ListOptions, type WatchOptions } from './resource-client.js';
import type { RestClient } from './rest-client.js';

export { keyOf, splitKey, NAMESPACE_INDEX, type IndexFunc, type Indexers } from './indexer.js';

/**
 * What the Informer needs from the server: ResourceClient satisfies it; unit tests
 * pass a scripted fake. watch() ends when the server closes the stream and throws on
 * an ERROR event (StatusError) or a broken connection.
 */
export interface ListerWatcher<T extends KubeObject> {
  readonly info?: Pick<ResourceInfo, 'plural'>;
  listAll(namespace: string, opts: ListOptions, signal?: AbortSignal): Promise<List<T>>;
  watch(namespace: string, opts: WatchOptions, signal?: AbortSignal): AsyncIterable<WatchEvent<T>>;
}

/**
 * Callbacks for changes to the cache, called synchronously after the cache has been
 * updated, in the order the changes happened. They are meant to enqueue keys
 * (`queue.add(keyOf(obj))`) and return: they must not block, and must not change the
 * objects they are given (those are the cached objects). A handler that throws is
 * logged and the Informer goes on.
 *
 * - add: an object appeared (from the first list, a watch, a relist, or, for a handler
 *   added after sync, once for every object already cached).
 * - update: an object's resourceVersion changed; old is what the cache held before.
 * - delete: an object is gone; it is the last state known (the DELETED event's object,
 *   or the cached one when a relist found it missing).
 */
export interface EventHandler<T extends KubeObject> {
  add?(obj: T): void;
  update?(oldObj: T, newObj: T): void;
  delete?(obj: T): void;
}

export type InformerLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

export interface BackoffOptions {
  /** First delay (800 ms, as client-go's reflector). */
  initialMs?: number;
  /** Most the delay grows to (30 s). */
  maxMs?: number;
  /** Growth per failure (2). */
  factor?: number;
  /** Each delay is shortened by up to this fraction at random (0.2), so clients spread out. */
  jitter?: number;
  random?: () => number;
}

/** Capped exponential backoff: next() grows the delay, reset() starts over after a success. */
export class Backoff {
  private failures = 0;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly factor: number;
  private readonly jitter: number;
  private readonly random: () => number;

  constructor(o: BackoffOptions = {}) {
    this.initialMs = o.initialMs ?? 800;
    this.maxMs = o.maxMs ?? 30_000;
    this.factor = o.factor ?? 2;
    this.jitter = o.jitter ?? 0.2;
    this.random = o.random ?? Math.random;
  }

  next(): number {
    const base = Math.min(this.maxMs, this.initialMs * this.factor ** this.failures);
    // Stop counting once at the cap so factor ** failures never overflows.
    if (base < this.maxMs) this.failures++;
    return Math.round(base * (1 - this.jitter * this.random()));
  }

  reset(): void {
    this.failures = 0;
  }
}

export interface InformerOptions<T extends KubeObject> {
  /** Namespace to watch; '' (the default) watches all namespaces. */
  namespace?: string;
  labelSelector?: string;
  /** e.g. `spec.nodeName=node-1` for a kubelet's pods. */
  fieldSelector?: string;
  /** Custom indices for byIndex, e.g. `{ byNode: (pod) => [pod.spec?.nodeName] }`. */
  indexers?: Indexers<T>;
  /** pino or anything with its methods; warnings and errors go to stderr when absent. */
  log?: InformerLogger;
  backoff?: BackoffOptions;
  /** Page size of lists (500). */
  pageSize?: number;
  /**
   * Applied to every object listed or watched before it is cached and handed to handlers
   * (client-go's SetTransform), e.g. stripManagedFields to keep less in memory.
   */
  transform?: (obj: T) => T;
  /**
   * Watches ask the server to end them after this many seconds times a random factor
   * in [1, 2), so a fleet of clients does not reconnect at once (client-go: 5 min).
   */
  minWatchTimeoutSeconds?: number;
  /**
   * A watch that ends sooner than this without any event counts as a failure (backoff)
   * rather than a normal end (immediate re-watch), so a server that closes every watch
   * at once is not hammered (client-go's "very short watch"). 1000 ms.
   */
  minWatchMs?: number;
}

/** Counters for logs, metrics and tests. */
export interface InformerStats {
  /** Successful lists, the first included. */
  lists: number;
  /** Successful lists after the first: after a 410 or a failed list. */
  relists: number;
  /** Watches opened. */
  watches: number;
  /** 410 Gone/Expired answers, each followed by a relist. */
  expired: number;
  /** Failed lists and watches other than 410 (connection lost, server errors). */
  failures: number;
  /** Handler calls that threw. */
  handlerErrors: number;
}

const stderrLogger: InformerLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (obj: unknown, msg?: string) => writeStderr('warn', obj, msg),
  error: (obj: unknown, msg?: string) => writeStderr('error', obj, msg),
} as unknown as InformerLogger;

function writeStderr(level: string, obj: unknown, msg?: string): void {
  // Errors keep their message and stack, as pino's err serializer does.
  const errors = (_key: string, v: unknown): unknown => (v instanceof Error ? { type: v.name, message: v.message, stack: v.stack } : v);
  process.stderr.write(`${JSON.stringify({ level, time: Date.now(), ...(typeof obj === 'object' ? obj : { msg: obj }), ...(msg ? { msg } : {}) }, errors)}\n`);
}

/** How long after its timeoutSeconds a watch the server has not ended is given up on. */
const WATCH_DEADLINE_SLACK_SECONDS = 30;

const errMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * An Informer for one resource, namespace and selector. Components build one per
 * resource in main.ts, add handlers that enqueue keys, call run(signal) (not awaited),
 * wait for waitForSync() and then start their workers, which read only from the cache.
 *
 * The cache holds the parsed objects themselves, shared by every reader: a caller that
 * wants to change one must structuredClone it first.
 */
export class Informer<T extends KubeObject = KubeObject> {
  readonly namespace: string;
  private readonly cache: Indexer<T>;
  private readonly indexFns = new Map<string, IndexFunc<T>>();
  private readonly handlers = new Set<EventHandler<T>>();
  private readonly log: InformerLogger;
  private readonly backoff: Backoff;
  private readonly pageSize: number;
  private readonly minWatchTimeoutSeconds: number;
  private readonly minWatchMs: number;
  private readonly syncWaiters = new Set<(synced: boolean) => void>();
  private readonly counters: InformerStats = { lists: 0, relists: 0, watches: 0, expired: 0, failures: 0, handlerErrors: 0 };
  private resourceVersion = '';
  private synced = false;
  private running = false;

  constructor(private readonly lw: ListerWatcher<T>, private readonly opts: InformerOptions<T> = {}) {
    this.namespace = opts.namespace ?? '';
    this.log = opts.log ?? stderrLogger;
    this.backoff = new Backoff(opts.backoff);
    this.pageSize = opts.pageSize ?? 500;
    this.minWatchTimeoutSeconds = opts.minWatchTimeoutSeconds ?? 300;
    this.minWatchMs = opts.minWatchMs ?? 1000;
    for (const [name, fn] of Object.entries(opts.indexers ?? {})) this.indexFns.set(name, fn);
    this.cache = new Indexer<T>(opts.indexers, (index, key, err) =>
      this.log.warn({ resource: this.resource, index, key, err }, 'index function failed; object left out of the index'));
  }

  private get resource(): string | undefined {
    return this.lw.info?.plural;
  }

  /**
   * Lists, watches and keeps the cache current until signal aborts; resolves once the
   * open request and any backoff timer are gone. Failures are logged and retried, never
   * thrown; it rejects only when this Informer is already running.
   */
  async run(signal: AbortSignal): Promise<void> {
    if (this.running) throw new Error('Informer.run: already running');
    this.running = true;
    try {
      await this.loop(signal);
    } finally {
      this.running = false;
      if (!this.synced) for (const w of [...this.syncWaiters]) w(false);
    }
  }

  private async loop(signal: AbortSignal): Promise<void> {
    let needList = true;
    while (!signal.aborted) {
      const listed = needList;
      let progressed = false;
      try {
        if (needList) {
          await this.relist(signal);
          needList = false;
        }
        progressed = await this.watch(signal);
        if (progressed) {
          this.backoff.reset();
          continue; // the server ended the watch (its timeout): resume at once
        }
        this.counters.failures++;
        this.log.warn({ resource: this.resource, resourceVersion: this.resourceVersion }, 'watch closed at once without events; backing off');
      } catch (err) {
        if (signal.aborted) break;
        progressed = err instanceof WatchFailure && err.progressed;
        const cause = err instanceof WatchFailure ? err.cause : err;
        if (progressed) this.backoff.reset();
        if (isGone(cause)) {
          this.counters.expired++;
          needList = true;
          this.log.info({ resource: this.resource, resourceVersion: this.resourceVersion, err: cause }, 'resourceVersion too old; relisting');
          // Relist at once, unless the resourceVersion that is too old came from a list
          // made moments ago: then something is wrong and looping would only spin.
          if (!listed) continue;
        } else {
          this.counters.failures++;
          this.log.warn({ resource: this.resource, resourceVersion: this.resourceVersion, err: cause },
            needList ? 'list failed; retrying with backoff' : 'watch failed; reconnecting with backoff');
        }
      }
      try {
        await sleep(this.backoff.next(), undefined, { signal });
      } catch {
        break; // aborted
      }
    }
  }

  /** Lists everything and makes the cache equal to it, telling handlers what changed. */
  private async relist(signal: AbortSignal): Promise<void> {
    const list = await this.lw.listAll(this.namespace, {
      labelSelector: this.opts.labelSelector, fieldSelector: this.opts.fieldSelector, limit: this.pageSize,
    }, signal);
    if (signal.aborted) return;
    this.counters.lists++;
    if (this.synced) this.counters.relists++;
    // List items carry no kind; give them the one watch events have, so cached objects look alike.
    const kind = list.kind?.endsWith('List') ? list.kind.slice(0, -4) : undefined;
    const fresh = new Map<string, T>();
    const transform = this.opts.transform;
    for (const listed of list.items) {
      if (!listed.kind && kind) listed.kind = kind;
      if (!listed.apiVersion && list.apiVersion) listed.apiVersion = list.apiVersion;
      const item = transform ? transform(listed) : listed;
      fresh.set(keyOf(item), item);
    }
    const changes = { added: 0, updated: 0, deleted: 0 };
    for (const key of this.cache.keys()) {
      if (fresh.has(key)) continue;
      const old = this.cache.delete(key) as T;
      changes.deleted++;
      this.notify('delete', (h) => h.delete?.(old), key);
    }
    for (const [key, obj] of fresh) {
      const old = this.cache.get(key);
      if (!old) {
        this.cache.set(key, obj);
        changes.added++;
        this.notify('add', (h) => h.add?.(obj), key);
      } else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) {
        this.cache.set(key, obj);
        changes.updated++;
        this.notify('update', (h) => h.update?.(old, obj), key);
      }
    }
    this.resourceVersion = list.metadata?.resourceVersion ?? '';
    this.log.debug({ resource: this.resource, items: list.items.length, ...changes, resourceVersion: this.resourceVersion }, 'listed');
    if (!this.synced) {
      this.synced = true;
      for (const w of [...this.syncWaiters]) w(true);
    }
  }

  /**
   * One watch from the current resourceVersion until the server ends it. Resolves
   * whether it made progress (saw an event or lasted minWatchMs); throws WatchFailure.
   */
  private async watch(signal: AbortSignal): Promise<boolean> {
    const started = Date.now();
    let events = 0;
    const timeoutSeconds = Math.floor(this.minWatchTimeoutSeconds * (1 + Math.random()));
    this.counters.watches++;
    // The server ends the watch after timeoutSeconds; should it never (a half-open
    // connection to a host that vanished), the client ends it a little later itself.
    const watchAbort = new AbortController();
    const stop = (): void => watchAbort.abort(signal.reason);
    signal.addEventListener('abort', stop, { once: true });
    let overdue = false;
    const deadline = setTimeout(() => { overdue = true; watchAbort.abort(); }, (timeoutSeconds + WATCH_DEADLINE_SLACK_SECONDS) * 1000);
    const progressed = (): boolean => events > 0 || Date.now() - started >= this.minWatchMs;
    try {
      const stream = this.lw.watch(this.namespace, {
        resourceVersion: this.resourceVersion, allowWatchBookmarks: true, timeoutSeconds,
        labelSelector: this.opts.labelSelector, fieldSelector: this.opts.fieldSelector,
      }, watchAbort.signal);
      for await (const ev of stream) {
        events++;
        this.apply(ev);
      }
    } catch (err) {
      if (overdue && !signal.aborted) {
        this.log.warn({ resource: this.resource, timeoutSeconds }, 'watch outlived its timeout; reconnecting');
        return true;
      }
      throw new WatchFailure(err, progressed());
    } finally {
      clearTimeout(deadline);
      signal.removeEventListener('abort', stop);
    }
    return progressed();
  }

  private apply(ev: WatchEvent<T>): void {
    const transform = ev.type !== 'BOOKMARK' ? this.opts.transform : undefined;
    const obj = transform ? transform(ev.object) : ev.object;
    const rv = obj?.metadata?.resourceVersion;
    switch (ev.type) {
      case 'BOOKMARK':
        break;
      case 'ADDED':
      case 'MODIFIED': {
        const key = keyOf(obj);
        const old = this.cache.set(key, obj);
        if (!old) this.notify('add', (h) => h.add?.(obj), key);
        else if (old.metadata.resourceVersion !== rv) this.notify('update', (h) => h.update?.(old, obj), key);
        break;
      }
      case 'DELETED': {
        const key = keyOf(obj);
        if (this.cache.delete(key)) this.notify('delete', (h) => h.delete?.(obj), key);
        break;
      }
      default:
        this.log.warn({ resource: this.resource, type: ev.type }, 'ignoring a watch event of unknown type');
        return;
    }
    if (rv) this.resourceVersion = rv;
  }

  private notify(what: string, call: (h: EventHandler<T>) => void, key: string): void {
    for (const h of this.handlers) {
      try {
        call(h);
      } catch (err) {
        this.counters.handlerErrors++;
        this.log.error({ resource: this.resource, key, handler: what, err }, 'event handler threw');
      }
    }
  }

  /**
   * Adds handlers; may be called before or after run(). Added after the first list,
   * the handler gets add for every object already cached, at once. Returns a function
   * that removes it.
   */
  addEventHandler(handler: EventHandler<T>): () => void {
    this.handlers.add(handler);
    if (this.synced) {
      for (const obj of this.cache.list()) {
        try {
          handler.add?.(obj);
        } catch (err) {
          this.counters.handlerErrors++;
          this.log.error({ resource: this.resource, key: keyOf(obj), handler: 'add', err }, 'event handler threw');
        }
      }
    }
    return () => { this.handlers.delete(handler); };
  }

  /** True once the first list is in the cache. */
  hasSynced(): boolean {
    return this.synced;
  }

  /**
   * Resolves true once the first list is in the cache; false if signal aborts first or
   * run() ends before that.
   */
  waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (synced: boolean): void => {
        this.syncWaiters.delete(done);
        signal?.removeEventListener('abort', onAbort);
        resolve(synced);
      };
      const onAbort = (): void => done(false);
      this.syncWaiters.add(done);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** The resourceVersion of the last list, event or bookmark applied ('' before the first list). */
  lastSyncResourceVersion(): string {
    return this.resourceVersion;
  }

  stats(): InformerStats {
    return { ...this.counters };
  }

  // ---- cache reads: the stored objects; clone before changing them.

  get(namespace: string, name: string): T | undefined {
    return this.cache.get(namespace ? `${namespace}/${name}` : name);
  }

  /** By cache key: "namespace/name", or "name" for cluster-scoped objects (what queues hold). */
  getByKey(key: string): T | undefined {
    return this.cache.get(key);
  }

  list(): T[] {
    return this.cache.list();
  }

  listByNamespace(namespace: string): T[] {
    return this.cache.listByNamespace(namespace);
  }

  /** Objects a custom index files under value; throws for an index not given in `indexers`. */
  byIndex(indexName: string, value: string): T[] {
    return this.cache.byIndex(indexName, value);
  }

  /**
   * Adds indices to the cache, filing what it already holds (client-go's
   * AddIndexers). A shared informer's users each add the indices they read; adding a
   * name twice is an error unless it is the same function.
   */
  addIndexers(indexers: Indexers<T>): void {
    const fresh: Indexers<T> = {};
    for (const [name, fn] of Object.entries(indexers)) {
      if (this.indexFns.get(name) === fn) continue;
      fresh[name] = fn;
      this.indexFns.set(name, fn);
    }
    this.cache.addIndexers(fresh);
  }

  hasIndex(name: string): boolean {
    return this.cache.hasIndex(name);
  }

  keys(): string[] {
    return this.cache.keys();
  }
}

/** A watch that failed, and whether it had made progress before (which resets the backoff). */
class WatchFailure extends Error {
  constructor(override readonly cause: unknown, readonly progressed: boolean) {
    super(errMessage(cause));
  }
}

/** An Informer for a resource by name: `informerFor<Pod>(rest, 'pods', { fieldSelector })`. */
export function informerFor<T extends KubeObject = KubeObject>(rest: RestClient, resource: string | ResourceInfo, opts: InformerOptions<T> = {}): Informer<T> {
  return new Informer<T>(resourceClient<T>(rest, resource), opts);
}

/**
 * A transform that drops metadata.managedFields (kube-scheduler's pod informer does so): a
 * component that never reads them keeps about a third less of each object in memory.
 */
export function stripManagedFields<T extends KubeObject>(obj: T): T {
  if (obj.metadata?.managedFields !== undefined) delete obj.metadata.managedFields;
  return obj;
}
