// The Endpoints controller (pkg/controller/endpoint): for every service with a
// selector, an Endpoints object of the same name listing the pods it selects; deleted
// with the service. Services without a selector (the `kubernetes` service among them)
// and ExternalName services are left alone: their Endpoints are written by others.
import type { Logger } from 'pino';
import { isAlreadyExists, isNotFound, StatusError } from '../../api/errors.js';
import type { Endpoints, Pod, Service } from '../../api/types/core.js';
import type { Clock } from '../../client/clock.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import { keyOf, splitKey, type Informer } from '../../client/informer.js';
import { resourceClient, type ResourceClient } from '../../client/resource-client.js';
import type { WorkQueue } from '../../client/work-queue.js';
import { controllerQueue, runQueue, type Controller } from '../controller.js';
import type { ControllerDescriptor } from '../controllers.js';
import type { ControllerMetrics } from '../metrics.js';
import { managesEndpointsOf, podEventHandler, podsForService, TriggerTimeTracker } from '../endpointslice/util.js';
import { computeSubsets, endpointsToWrite } from './subsets.js';

export const NAME = 'endpoints-controller';
/** The event source Kubernetes' Endpoints controller records as. */
export const EVENT_SOURCE = 'endpoint-controller';
/** resourcelock.LeaderElectionRecordAnnotationKey: Endpoints used as a leader lock, never cleaned up. */
const LEADER_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';

/** The writes the controller makes (ResourceClient; tests pass a recording fake). */
export type EndpointsWriter = Pick<ResourceClient<Endpoints>, 'create' | 'update' | 'delete'>;

export interface EndpointsControllerOptions {
  services: Informer<Service>;
  pods: Informer<Pod>;
  endpoints: Informer<Endpoints>;
  client: EndpointsWriter;
  recorder: Pick<EventRecorder, 'eventf'>;
  clock: Clock;
  log: Logger;
  /** --concurrent-endpoint-syncs. */
  workers: number;
  /** --endpoint-updates-batch-period: pod changes are synced this much later, so several join one write. */
  batchPeriodMs: number;
  metrics?: ControllerMetrics;
}

/**
 * staleEndpointsTracker: the resourceVersion an Endpoints had before this controller
 * updated it; finding it again in the cache means the cache has not caught up, and the
 * sync is retried rather than writing over our own write with a stale view.
 */
class StaleEndpointsTracker {
  private readonly stale = new Map<string, string>();
  markStale(ep: Endpoints): void { this.stale.set(keyOf(ep), ep.metadata.resourceVersion ?? ''); }
  isStale(ep: Endpoints): boolean { return this.stale.get(keyOf(ep)) === ep.metadata.resourceVersion; }
  delete(key: string): void { this.stale.delete(key); }
}

export class EndpointsController implements Controller {
  readonly name = NAME;
  readonly queue: WorkQueue;
  private readonly log: Logger;
  private readonly triggerTimes = new TriggerTimeTracker();
  private readonly staleEndpoints = new StaleEndpointsTracker();
  /**
   * Services whose last sync failed because the Endpoints cache lagged behind a write
   * (stale, or a create that found the object already there): the cache event that
   * catches up queues them at once, rather than after their growing backoff.
   */
  private readonly waitingForCache = new Set<string>();

  constructor(private readonly o: EndpointsControllerOptions) {
    this.log = o.log;
    this.queue = controllerQueue({ name: NAME, clock: o.clock, metrics: o.metrics });
    const enqueue = (obj: { metadata: { namespace?: string; name?: string } }): void => this.queue.add(keyOf(obj as Service));
    o.services.addEventHandler({ add: enqueue, update: (_, svc) => enqueue(svc), delete: enqueue });
    // Pod changes wait the batch period, so several join one write.
    o.pods.addEventHandler(podEventHandler(o.services, (key) => this.queue.addAfter(key, o.batchPeriodMs)));
    const caughtUp = (ep: Endpoints): void => {
      if (this.waitingForCache.delete(keyOf(ep))) this.queue.add(keyOf(ep));
    };
    // Someone deleted an Endpoints we keep: write it again.
    o.endpoints.addEventHandler({ add: caughtUp, update: (_, ep) => caughtUp(ep), delete: enqueue });
  }

  async run(signal: AbortSignal): Promise<void> {
    this.log.info({ controller: NAME }, 'starting controller');
    this.checkLeftoverEndpoints();
    await runQueue(this.queue, (key) => this.syncService(key), signal, {
      name: NAME, workers: this.o.workers, log: this.log, clock: this.o.clock, metrics: this.o.metrics,
    });
    this.log.info({ controller: NAME }, 'shutting down controller');
  }

  /**
   * checkLeftoverEndpoints: once at start, every Endpoints' service is synced, so one
   * whose service went while no controller ran is deleted. Leader-election locks are
   * skipped.
   */
  checkLeftoverEndpoints(): void {
    for (const ep of this.o.endpoints.list()) {
      if (ep.metadata.annotations?.[LEADER_ANNOTATION] !== undefined) continue;
      this.queue.add(keyOf(ep));
    }
  }

  /** syncService: one service's Endpoints made what its pods say, or deleted with it. */
  async syncService(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const svc = this.o.services.get(namespace, name);
    if (!svc) {
      // The service is gone: so is its Endpoints. (Missed while down: checkLeftoverEndpoints.)
      try {
        await this.o.client.delete(namespace, name);
        this.log.info({ endpoints: key }, 'deleted endpoints of a deleted service');
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      this.triggerTimes.deleteService(namespace, name);
      this.staleEndpoints.delete(key);
      this.waitingForCache.delete(key);
      return;
    }
    if (!managesEndpointsOf(svc)) return;
    const pods = podsForService(svc, this.o.pods.listByNamespace(namespace));
    const trigger = this.triggerTimes.compute(svc, pods);
    const { subsets, ready, notReady } = computeSubsets(svc, pods);
    const current = this.o.endpoints.get(namespace, name);
    if (current && this.staleEndpoints.isStale(current)) {
      this.waitingForCache.add(key);
      throw new Error(`endpoints informer cache is out of date, resource version ${current.metadata.resourceVersion} already processed for endpoints ${key}`);
    }
    const write = endpointsToWrite(svc, subsets, current, trigger.time);
    if (!write) {
      trigger.commit();
      return;
    }
    this.log.debug({ service: key, readyEndpoints: ready, notreadyEndpoints: notReady }, 'update endpoints');
    try {
      if (write.verb === 'create') {
        await this.o.client.create(namespace, write.endpoints);
      } else {
        const updated = await this.o.client.update(namespace, write.endpoints);
        if (current && updated.metadata.resourceVersion !== current.metadata.resourceVersion) this.staleEndpoints.markStale(current);
      }
      trigger.commit();
    } catch (err) {
      // A namespace being deleted refuses new content for good: nothing to retry.
      if (write.verb === 'create' && err instanceof StatusError && err.code === 403
        && err.status.details?.causes?.some((c) => c.reason === 'NamespaceTerminating')) return;
      // Created by an earlier sync the cache has not shown yet: retry once it does.
      if (write.verb === 'create' && isAlreadyExists(err)) {
        if (this.o.endpoints.get(namespace, name)) this.queue.add(key);
        else this.waitingForCache.add(key);
      }
      const msg = err instanceof Error ? err.message : String(err);
      if (write.verb === 'create') {
        this.o.recorder.eventf(write.endpoints, 'Warning', 'FailedToCreateEndpoint', 'Failed to create endpoint for service %s/%s: %s', namespace, name, msg);
      } else {
        this.o.recorder.eventf(write.endpoints, 'Warning', 'FailedToUpdateEndpoint', 'Failed to update endpoint %s/%s: %s', namespace, name, msg);
      }
      throw err;
    }
  }
}

export const endpointsControllerDescriptor: ControllerDescriptor = {
  name: NAME,
  aliases: ['endpoint'],
  serviceAccountName: 'endpoint-controller',
  flags: [
    {
      name: 'concurrent-endpoint-syncs', kind: 'int', default: '5',
      description: 'The number of endpoint syncing operations that will be done concurrently. Larger number = faster endpoint updating, but more CPU (and network) load',
    },
    {
      name: 'endpoint-updates-batch-period', kind: 'duration', default: '0s',
      description: 'The length of endpoint updates batching period. Processing of pod changes will be delayed by this duration to join them with potential upcoming updates and reduce the overall number of endpoints updates. Larger number = higher endpoint programming latency, but lower number of endpoints revision generated',
    },
  ],
  create(ctx) {
    return new EndpointsController({
      services: ctx.informers.informer<Service>('services'),
      pods: ctx.informers.informer<Pod>('pods'),
      endpoints: ctx.informers.informer<Endpoints>('endpoints'),
      client: resourceClient<Endpoints>(ctx.rest, 'endpoints'),
      recorder: ctx.recorder(EVENT_SOURCE),
      clock: ctx.clock,
      log: ctx.log.child({ controller: NAME }),
      workers: ctx.options.int('concurrent-endpoint-syncs'),
      batchPeriodMs: ctx.options.duration('endpoint-updates-batch-period'),
      metrics: ctx.metrics,
    });
  },
};
