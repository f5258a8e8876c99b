// Serves one HTTP watch: newline-delimited JSON WatchEvents from the watch cache,
// BOOKMARKs when asked for, a Status ERROR event when the watch cannot go on.
import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { expired, internalError, StatusError } from '../../api/errors.js';
import type { KubeObject, Status } from '../../api/types/meta.js';
import { groupVersion } from '../../api/registry.js';
import type { GenericRegistry } from '../registry/generic.js';
import type { ListQuery } from './list-options.js';

/** Most one slow watcher may have unsent before it is closed (it resumes or relists). */
const MAX_BUFFERED_BYTES = 32 * 1024 * 1024;
/** Most all watchers together may have unsent; past it the writer with the most goes first. */
const MAX_TOTAL_BUFFERED_BYTES = 256 * 1024 * 1024;
/** A watcher is closed for the total cap only when it holds at least this much itself. */
const MIN_BUFFERED_TO_CLOSE = 1024 * 1024;
/** kube-apiserver's default --min-request-timeout: watches last 30 to 60 minutes. */
const DEFAULT_TIMEOUT_SECONDS = 1800;

export interface WatchServeOptions {
  namespace?: string;
  query: ListQuery;
  bookmarkIntervalMs: number;
  /** Turns each object into what the client asked for (a Table for kubectl get -w). */
  transform?: (obj: KubeObject) => unknown;
  signal: AbortSignal;
  log: Logger;
  onEnd: () => void;
  /** Limits (defaults MAX_BUFFERED_BYTES, MAX_TOTAL_BUFFERED_BYTES, MIN_BUFFERED_TO_CLOSE); tests lower them. */
  limits?: { maxBufferedBytes: number; maxTotalBufferedBytes: number; minBufferedToClose: number };
}

// Every watcher of an event gets the same bytes: serialize each object once, whatever
// the event type each watcher sees it as (a binding is MODIFIED for some, ADDED for others).
const jsonCache = new WeakMap<KubeObject, string>();
function eventLine(type: string, obj: KubeObject): string {
  let json = jsonCache.get(obj);
  if (json === undefined) {
    json = JSON.stringify(obj);
    jsonCache.set(obj, json);
  }
  return `{"type":"${type}","object":${json}}\n`;
}

/** Bytes all watch streams hold unsent, kept up to date by each stream. */
let totalBuffered = 0;
/** Every open stream, to find the one holding the most when the total is too high. */
const streams = new Map<ServerResponse, (err: StatusError) => void>();

/** Closes the stream holding the most unsent bytes (at least minBytes), with err. */
function closeLargest(minBytes: number, err: StatusError): ServerResponse | undefined {
  let largest: ServerResponse | undefined;
  for (const res of streams.keys()) if (!largest || res.writableLength > largest.writableLength) largest = res;
  if (!largest || largest.writableLength < minBytes) return undefined;
  streams.get(largest)?.(err);
  return largest;
}

const tooSlow = (): StatusError => expired('the watch was closed because its client did not keep up with the events: list again and watch from the list\'s resourceVersion');

/** The revision a watch starts after, or undefined for "current state first". */
export function watchStart(q: ListQuery): number | undefined {
  const rv = q.resourceVersion;
  return rv === undefined || rv === '0' || q.sendInitialEvents ? undefined : Number(rv);
}

/**
 * Streams events to res until the client goes, the timeout passes or the cache fails.
 * The caller has waited for the cache to reach the start revision (waitFresh), so
 * every failure from here on is an ERROR event in the stream.
 */
export function serveWatch(reg: GenericRegistry, res: ServerResponse, opts: WatchServeOptions): void {
  const q = opts.query;
  const limits = opts.limits ?? { maxBufferedBytes: MAX_BUFFERED_BYTES, maxTotalBufferedBytes: MAX_TOTAL_BUFFERED_BYTES, minBufferedToClose: MIN_BUFFERED_TO_CLOSE };
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  let ended = false;
  let unregister: (() => void) | undefined;
  const timers: NodeJS.Timeout[] = [];
  /** This stream's share of totalBuffered. */
  let counted = 0;
  const recount = (): void => {
    const now = ended ? 0 : res.writableLength;
    totalBuffered += now - counted;
    counted = now;
  };
  const end = (): void => {
    if (ended) return;
    ended = true;
    streams.delete(res);
    unregister?.();
    for (const t of timers) clearTimeout(t); // clearTimeout clears intervals too
    res.end();
    recount();
    opts.onEnd();
  };
  // The watch cache delivers each etcd batch synchronously, and several batches may come
  // in one turn of the event loop: cork the stream until the turn's I/O is done
  // (setImmediate), so they go out in one socket write instead of one per event.
  // (kube-apiserver likewise flushes a watch only when no more events are waiting.)
  let corked = false;
  const uncork = (): void => {
    corked = false;
    res.uncork();
  };
  const sendError = (err: StatusError): void => {
    if (ended) return;
    const status: Status = err.status;
    res.write(JSON.stringify({ type: 'ERROR', object: status }) + '\n');
    end();
  };
  const write = (line: string): void => {
    if (ended) return;
    if (!corked) {
      corked = true;
      res.cork();
      setImmediate(uncork);
    }
    res.write(line);
    recount();
    // A watcher that cannot keep up is closed with an ERROR after what it was sent, as
    // the cacher terminates blocked watchers; it lists again and resumes. Past the
    // total, the watcher holding the most goes, whichever is writing now.
    if (res.writableLength > limits.maxBufferedBytes) {
      opts.log.warn({ resource: reg.ri.plural, buffered: res.writableLength, totalBuffered }, 'closing a watch that does not keep up');
      sendError(tooSlow());
    } else if (totalBuffered > limits.maxTotalBufferedBytes) {
      const closed = closeLargest(limits.minBufferedToClose, tooSlow());
      if (closed) opts.log.warn({ resource: reg.ri.plural, totalBuffered }, 'closing the watch holding the most unsent events: all watches together hold too much');
    }
  };
  res.on('drain', recount);
  streams.set(res, sendError);
  const transform = opts.transform;
  /** The newest revision this watcher was told of: bookmarks never go below it. */
  let lastRev = 0;
  const send = (type: string, obj: KubeObject, rev: number): void => {
    if (rev > lastRev) lastRev = rev;
    write(transform ? JSON.stringify({ type, object: transform(obj) }) + '\n' : eventLine(type, reg.withType(obj)));
  };
  const bookmark = (annotations?: Record<string, string>): void => {
    lastRev = Math.max(lastRev, reg.cache.revision);
    const metadata: Record<string, unknown> = { resourceVersion: String(lastRev) };
    if (annotations) metadata.annotations = annotations;
    write(JSON.stringify({ type: 'BOOKMARK', object: { kind: reg.ri.kind, apiVersion: groupVersion(reg.ri), metadata } }) + '\n');
  };

  res.on('close', end);
  opts.signal.addEventListener('abort', end, { once: true });
  // timeoutSeconds unset (or 0) means the default: 30 to 60 minutes, spread out.
  const timeoutMs = (q.timeoutSeconds || DEFAULT_TIMEOUT_SECONDS + Math.floor(Math.random() * DEFAULT_TIMEOUT_SECONDS)) * 1000;
  timers.push(setTimeout(end, timeoutMs));

  const fromRev = watchStart(q);
  lastRev = fromRev ?? 0;
  void reg.cache.waitReady().then(() => {
    if (ended) return;
    unregister = reg.cache.watch(fromRev, {
      keyPrefix: reg.prefix(opts.namespace),
      matches: q.matches ?? (() => true),
    }, {
      event: send,
      fail: sendError,
    });
    if (q.allowWatchBookmarks) {
      if (q.sendInitialEvents) bookmark({ 'k8s.io/initial-events-end': 'true' });
      timers.push(setInterval(() => bookmark(), opts.bookmarkIntervalMs));
    }
  }).catch((err: unknown) => {
    // The initial state could not be sent (too old a resourceVersion, a cache that
    // failed): the client must hear why, not see the stream simply end.
    if (err instanceof StatusError) return sendError(err);
    opts.log.error({ err, resource: reg.ri.plural }, 'watch failed to start');
    sendError(internalError('the watch could not be started'));
  });
}
