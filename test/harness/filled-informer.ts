// An Informer whose cache holds given objects, for unit tests of controllers
// (sample-controller's controller_test.go fills its informers' indexers the same way):
// a ListerWatcher that lists the objects and then waits without events until signal
// aborts, so the Informer syncs, fires its add handlers and stays quiet.
import { once } from 'node:events';
import { pino } from 'pino';
import type { KubeObject, List } from '../../api/types/meta.js';
import { Informer, type ListerWatcher } from '../../client/informer.js';

/** A synced Informer holding copies of items; it stops when signal aborts. */
export async function filledInformer<T extends KubeObject>(items: readonly T[], signal: AbortSignal): Promise<Informer<T>> {
  const lw: ListerWatcher<T> = {
    listAll: async () => ({ apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '10' }, items: structuredClone([...items]) }) as List<T>,
    watch: (_ns, _o, watchSignal) => ({
      async *[Symbol.asyncIterator]() {
        if (watchSignal && !watchSignal.aborted) await once(watchSignal, 'abort');
      },
    }),
  };
  const inf = new Informer<T>(lw, { log: pino({ level: 'silent' }) });
  void inf.run(signal);
  await inf.waitForSync(signal);
  return inf;
}
