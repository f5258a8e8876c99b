// Serves one HTTP watch: newline-delimited JSON WatchEvents from the watch cache,
// BOOKMARKs when asked for, a Status ERROR event when the watch cannot go on.
import type { ServerResponse } from 'node:http';
import { StatusError } from '../../api/errors.js';
import type { KubeObject, Status } from '../../api/types/meta.js';
import { groupVersion } from '../../api/registry.js';
import type { GenericRegistry } from '../registry/generic.js';
import type { ListQuery } from './list-options.js';

/** Most a slow watcher may have unsent before it is dropped (it relists on reconnect). */
const MAX_BUFFERED_BYTES = 32 * 1024 * 1024;

export interface WatchServeOptions {
  namespace?: string;
  query: ListQuery;
  bookmarkIntervalMs: number;
  /** Turns each object into what the client asked for (a Table for kubectl get -w). */
  transform?: (obj: KubeObject) => unknown;
  signal: AbortSignal;
  onEnd: () => void;
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

/** Streams events to res until the client goes, the timeout passes or the cache fails. */
export function serveWatch(reg: GenericRegistry, res: ServerResponse, opts: WatchServeOptions): void {
  const q = opts.query;
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  let ended = false;
  let unregister: (() => void) | undefined;
  const timers: NodeJS.Timeout[] = [];
  const end = (): void => {
    if (ended) return;
    ended = true;
    unregister?.();
    for (const t of timers) clearTimeout(t); // clearTimeout clears intervals too
    res.end();
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
  const write = (line: string): void => {
    if (ended) return;
    if (!corked) {
      corked = true;
      res.cork();
      setImmediate(uncork);
    }
    res.write(line);
    if (res.writableLength > MAX_BUFFERED_BYTES) end();
  };
  const sendError = (err: StatusError): void => {
    const status: Status = err.status;
    write(JSON.stringify({ type: 'ERROR', object: status }) + '\n');
    end();
  };
  const transform = opts.transform;
  const send = (type: string, obj: KubeObject): void => {
    write(transform ? JSON.stringify({ type, object: transform(obj) }) + '\n' : eventLine(type, reg.withType(obj)));
  };
  const bookmark = (annotations?: Record<string, string>): void => {
    const metadata: Record<string, unknown> = { resourceVersion: String(reg.cache.revision) };
    if (annotations) metadata.annotations = annotations;
    write(JSON.stringify({ type: 'BOOKMARK', object: { kind: reg.ri.kind, apiVersion: groupVersion(reg.ri), metadata } }) + '\n');
  };

  res.on('close', end);
  opts.signal.addEventListener('abort', end, { once: true });
  const timeoutMs = (q.timeoutSeconds ?? 1800 + Math.floor(Math.random() * 1800)) * 1000;
  timers.push(setTimeout(end, timeoutMs));

  void reg.cache.waitReady().then(() => {
    if (ended) return;
    const rv = q.resourceVersion;
    // No resourceVersion (or "0") means "current state first", as does sendInitialEvents.
    const fromRev = rv === undefined || rv === '0' || q.sendInitialEvents ? undefined : Number(rv);
    try {
      unregister = reg.cache.watch(fromRev, {
        keyPrefix: reg.prefix(opts.namespace),
        matches: q.matches ?? (() => true),
      }, {
        event: send,
        fail: sendError,
      });
    } catch (err) {
      if (err instanceof StatusError) return sendError(err);
      throw err;
    }
    if (q.allowWatchBookmarks) {
      if (q.sendInitialEvents) bookmark({ 'k8s.io/initial-events-end': 'true' });
      timers.push(setInterval(() => bookmark(), opts.bookmarkIntervalMs));
    }
  }, (err: unknown) => {
    if (err instanceof StatusError) sendError(err);
    else end();
  });
}
