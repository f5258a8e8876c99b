// A real Informer whose cache holds given objects, for unit tests of controllers
// (sample-controller's controller_test.go fills its informers' indexers the same way):
// a ListerWatcher that lists the objects, then streams only what the test sends with
// sendEvent(), until signal aborts.
import assert from 'node:assert/strict';
import { pino } from 'pino';
import type { KubeObject, List, WatchEvent } from '../../api/types/meta.js';
import { Informer, type ListerWatcher } from '../../client/informer.js';

const feeds = new WeakMap<Informer<KubeObject>, (ev: WatchEvent<KubeObject>) => void>();

/** A synced Informer holding copies of items; it stops when signal aborts. */
export async function filledInformer<T extends KubeObject>(items: readonly T[], signal: AbortSignal): Promise<Informer<T>> {
  const queued: WatchEvent<T>[] = [];
  let wake = (): void => undefined;
  const lw: ListerWatcher<T> = {
    listAll: async () => ({ apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '10' }, items: structuredClone([...items]) }) as List<T>,
    watch: (_ns, _o, watchSignal) => ({
      async *[Symbol.asyncIterator]() {
        while (!watchSignal?.aborted) {
          const ev = queued.shift();
          if (ev) yield ev;
          else await new Promise<void>((resolve) => { wake = resolve; watchSignal?.addEventListener('abort', () => resolve(), { once: true }); });
        }
      },
    }),
  };
  const inf = new Informer<T>(lw, { log: pino({ level: 'silent' }) });
  void inf.run(signal);
  await inf.waitForSync(signal);
  feeds.set(inf as unknown as Informer<KubeObject>, (ev) => { queued.push(ev as WatchEvent<T>); wake(); });
  return inf;
}

/** Sends a watch event to a filled informer and waits until its handlers have run. */
export async function sendEvent<T extends KubeObject>(inf: Informer<T>, type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: T): Promise<void> {
  const feed = feeds.get(inf as unknown as Informer<KubeObject>);
  assert.ok(feed, 'sendEvent: not an informer from filledInformer');
  feed(structuredClone({ type, object: obj }) as WatchEvent<KubeObject>);
  const rv = obj.metadata.resourceVersion;
  for (let i = 0; i < 100 && inf.lastSyncResourceVersion() !== rv; i++) await new Promise((r) => setImmediate(r));
  assert.equal(inf.lastSyncResourceVersion(), rv, 'the informer applied the event');
}
