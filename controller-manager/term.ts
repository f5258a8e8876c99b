// One leadership term: a fresh shared informer factory (on the manager's own client),
// the enabled controllers built on it with their own clients (client-builder.ts) and
// event recorders; each controller starts once the informers it reads have synced
// (kube-controller-manager's WaitForNamedCacheSync) and its identity is ready; all stop
// when the term's signal aborts. A term that ends (the Lease lost) leaves nothing running.
import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import type { Clock } from '../client/clock.js';
import { EventRecorder } from '../client/event-recorder.js';
import type { ResourceInfo } from '../api/registry.js';
import type { KubeObject } from '../api/types/meta.js';
import { SharedInformerFactory } from '../client/informer-factory.js';
import type { IndexFunc, Informer } from '../client/informer.js';
import type { RestClient } from '../client/rest-client.js';
import type { ControllerClientBuilder } from './client-builder.js';
import type { ControllerContext } from './context.js';
import type { ControllerDescriptor } from './controllers.js';
import type { ControllerMetrics } from './metrics.js';
import type { ControllerOptions } from './options.js';

export interface TermOptions {
  /** The manager's own client: the shared informers list and watch with it. */
  rest: RestClient;
  /** Each controller's clients, by the ServiceAccount its descriptor names. */
  clients: ControllerClientBuilder;
  controllers: readonly ControllerDescriptor[];
  options: ControllerOptions;
  metrics?: ControllerMetrics;
  clock: Clock;
  log: Logger;
  signal: AbortSignal;
}

/** Kubernetes' default client QPS/burst for a controller manager's event clients. */
const EVENT_QPS = 20;
const EVENT_BURST = 30;

export async function runTerm(t: TermOptions): Promise<void> {
  // Every informer, queue runner and timer of the term listens on its signal.
  setMaxListeners(0, t.signal);
  const informers = new SharedInformerFactory(t.rest, { log: t.log.child({ component: 'informers' }) });
  // One recorder per event client (identity) and source component.
  const recorders = new Map<RestClient, Map<string, EventRecorder>>();
  const recorder = (eventRest: RestClient, component: string): EventRecorder => {
    let byComponent = recorders.get(eventRest);
    if (!byComponent) recorders.set(eventRest, byComponent = new Map());
    let r = byComponent.get(component);
    if (!r) {
      r = new EventRecorder({ rest: eventRest, component, logger: t.log.child({ component: 'events', source: component }), qps: EVENT_QPS, burst: EVENT_BURST });
      byComponent.set(component, r);
    }
    return r;
  };
  const built = t.controllers.map((d) => {
    const used = new Set<Informer<KubeObject>>();
    const clients = t.clients.clientsFor(d.serviceAccountName);
    const ctx: ControllerContext = {
      rest: clients.rest, log: t.log, clock: t.clock, metrics: t.metrics, options: t.options,
      recorder: (component) => recorder(clients.eventRest, component),
      informers: {
        informer<T extends KubeObject>(resource: string | ResourceInfo, indexers?: Record<string, IndexFunc<T>>): Informer<T> {
          const inf = informers.informer<T>(resource, indexers);
          used.add(inf as unknown as Informer<KubeObject>);
          return inf;
        },
      },
    };
    const controller = d.create(ctx);
    if (!controller) t.log.info({ controller: d.name }, 'skipping controller');
    return { controller, used, clients };
  });
  informers.start(t.signal);
  try {
    await Promise.all(built.map(async ({ controller: c, used, clients }) => {
      if (!c) return;
      // WaitForNamedCacheSync: a controller starts once the informers it reads have
      // synced, and once it can act as itself (its ServiceAccount made, a token in hand).
      const [synced, ready] = await Promise.all([Promise.all([...used].map((i) => i.waitForSync(t.signal))), clients.ready(t.signal)]);
      if (!synced.every(Boolean) || !ready) return;
      t.log.info({ controller: c.name }, 'caches synced; starting controller');
      try {
        await c.run(t.signal);
      } catch (err) {
        t.log.error({ err, controller: c.name }, 'controller stopped with an error');
      }
    }));
  } finally {
    await informers.done();
    await Promise.all([...recorders.values()].flatMap((byComponent) => [...byComponent.values()].map((r) => r.close(2000))));
  }
}
