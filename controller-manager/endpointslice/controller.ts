// The EndpointSlice controller (pkg/controller/endpointslice): for every service with a
// selector, discovery.k8s.io/v1 EndpointSlices labelled with its name and managed by
// this controller, reconciled by reconciler.ts. Slices of a deleted service are left
// to the garbage collector through their ownerReference, as Kubernetes does.
import type { Logger } from 'pino';
import { isNotFound, StatusError } from '../../api/errors.js';
import type { Node, Pod, Service } from '../../api/types/core.js';
import { LABEL_SERVICE_NAME, type EndpointSlice } from '../../api/types/discovery.js';
import type { Clock } from '../../client/clock.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import { keyOf, splitKey, type Informer } from '../../client/informer.js';
import { ExponentialBackoff, MaxOf, TokenBucket } from '../../client/rate-limiter.js';
import { resourceClient, type ResourceClient } from '../../client/resource-client.js';
import { WorkQueue } from '../../client/work-queue.js';
import { runQueue, type Controller } from '../controller.js';
import type { ControllerDescriptor } from '../controllers.js';
import type { ControllerMetrics } from '../metrics.js';
import { CONTROLLER_QUALIFIED_NAME, LABEL_MANAGED_BY, reconcile, type ReconcilePlan } from './reconciler.js';
import { EndpointSliceTracker } from './tracker.js';
import { managesEndpointsOf, podEventHandler, podsForService, TriggerTimeTracker } from './util.js';

export const NAME = 'endpointslice-controller';
/** The event source Kubernetes' EndpointSlice controller records as. */
export const EVENT_SOURCE = 'endpoint-slice-controller';
/** Index of the slice cache: "namespace/service" from the service-name label. */
export const SLICES_BY_SERVICE = 'endpointslices-by-service';
/**
 * endpointSliceChangeMinSyncDelay: a slice change queues its service no sooner than
 * this (or the batch period, if longer), so changes to several slices join one sync.
 */
const SLICE_CHANGE_MIN_SYNC_DELAY_MS = 1000;

const sliceService = (s: EndpointSlice): (string | undefined)[] => {
  const svc = s.metadata.labels?.[LABEL_SERVICE_NAME];
  return svc ? [`${s.metadata.namespace ?? ''}/${svc}`] : [];
};

/** The writes the controller makes (ResourceClient; tests pass a recording fake). */
export type EndpointSliceWriter = Pick<ResourceClient<EndpointSlice>, 'create' | 'update' | 'delete'>;

export interface EndpointSliceControllerOptions {
  services: Informer<Service>;
  pods: Informer<Pod>;
  nodes: Informer<Node>;
  slices: Informer<EndpointSlice>;
  client: EndpointSliceWriter;
  recorder: Pick<EventRecorder, 'eventf'>;
  clock: Clock;
  log: Logger;
  /** --concurrent-service-endpoint-syncs. */
  workers: number;
  /** --max-endpoints-per-slice. */
  maxEndpointsPerSlice: number;
  /** --endpointslice-updates-batch-period. */
  batchPeriodMs: number;
  metrics?: ControllerMetrics;
}

/**
 * The retry policy of this controller's queue: as the default, but failures back off
 * from 1 s rather than 5 ms (a failed sync may have many slices to write).
 */
function sliceRateLimiter(clock: Clock): MaxOf {
  return new MaxOf(new ExponentialBackoff(1000, 1000_000), new TokenBucket(10, 100, () => clock.now()));
}

export class EndpointSliceController implements Controller {
  readonly name = NAME;
  readonly queue: WorkQueue;
  readonly tracker = new EndpointSliceTracker();
  private readonly triggerTimes = new TriggerTimeTracker();
  private readonly log: Logger;
  /**
   * Services whose last sync found the slice cache behind this controller's writes:
   * the slice event that catches up queues them at once, rather than after their
   * growing backoff (events of our own writes queue nothing otherwise).
   */
  private readonly waitingForCache = new Set<string>();

  constructor(private readonly o: EndpointSliceControllerOptions) {
    this.log = o.log;
    this.queue = new WorkQueue({ clock: o.clock, metrics: o.metrics?.queue(NAME), rateLimiter: sliceRateLimiter(o.clock) });
    o.slices.addIndexers({ [SLICES_BY_SERVICE]: sliceService });
    const enqueue = (svc: Service): void => this.queue.add(keyOf(svc));
    o.services.addEventHandler({ add: enqueue, update: (_, svc) => enqueue(svc), delete: enqueue });
    o.pods.addEventHandler(podEventHandler(o.services, (key) => this.queue.addAfter(key, o.batchPeriodMs)));
    o.slices.addEventHandler({ add: (s) => this.caughtUp(s), update: (_, s) => this.caughtUp(s), delete: (s) => this.caughtUp(s) });
    o.slices.addEventHandler({
      // Only changes this controller did not make itself bring the service back.
      add: (s) => {
        if (this.managed(s) && this.tracker.shouldSync(s)) this.queueForSlice(s);
      },
      update: (old, s) => {
        if (old.metadata.labels?.[LABEL_SERVICE_NAME] !== s.metadata.labels?.[LABEL_SERVICE_NAME]) {
          this.queueForSlice(s);
          this.queueForSlice(old);
          return;
        }
        if (this.managed(old) !== this.managed(s) || (this.managed(s) && this.tracker.shouldSync(s))) this.queueForSlice(s);
      },
      delete: (s) => {
        if (this.managed(s) && this.tracker.has(s) && !this.tracker.handleDeletion(s)) this.queueForSlice(s);
      },
    });
  }

  private caughtUp(s: EndpointSlice): void {
    const [key] = sliceService(s);
    if (key && this.waitingForCache.delete(key)) this.queue.add(key);
  }

  private managed(s: EndpointSlice): boolean {
    return s.metadata.labels?.[LABEL_MANAGED_BY] === CONTROLLER_QUALIFIED_NAME;
  }

  private queueForSlice(s: EndpointSlice): void {
    const [key] = sliceService(s);
    if (!key) {
      this.log.warn({ endpointslice: keyOf(s) }, `EndpointSlice missing ${LABEL_SERVICE_NAME} label`);
      return;
    }
    this.queue.addAfter(key, Math.max(SLICE_CHANGE_MIN_SYNC_DELAY_MS, this.o.batchPeriodMs));
  }

  async run(signal: AbortSignal): Promise<void> {
    this.log.info({ controller: NAME }, 'starting controller');
    await runQueue(this.queue, (key) => this.syncService(key), signal, {
      name: NAME, workers: this.o.workers, log: this.log, clock: this.o.clock, metrics: this.o.metrics,
    });
    this.log.info({ controller: NAME }, 'shutting down controller');
  }

  /** syncService: the service's slices made what its pods say. */
  async syncService(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const svc = this.o.services.get(namespace, name);
    if (!svc) {
      // Its slices carry an ownerReference to it: the garbage collector deletes them.
      this.triggerTimes.deleteService(namespace, name);
      this.tracker.deleteService(namespace, name);
      this.waitingForCache.delete(key);
      return;
    }
    if (!managesEndpointsOf(svc)) return;
    const pods = podsForService(svc, this.o.pods.listByNamespace(namespace));
    // Slices being deleted are left out, so the controller never waits on them.
    const slices = this.o.slices.byIndex(SLICES_BY_SERVICE, key)
      .filter((s) => this.managed(s) && !s.metadata.deletionTimestamp)
      .sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
    if (this.tracker.staleSlices(svc, slices)) {
      this.waitingForCache.add(key);
      throw new Error('EndpointSlice informer cache is out of date');
    }
    const trigger = this.triggerTimes.compute(svc, pods);
    const plan = reconcile({
      service: svc, pods, existingSlices: slices, nodes: (n) => this.o.nodes.get('', n),
      maxEndpointsPerSlice: this.o.maxEndpointsPerSlice, controllerName: CONTROLLER_QUALIFIED_NAME, triggerTime: trigger.time,
    });
    const errors = [...plan.errors];
    try {
      await this.apply(svc, plan);
    } catch (err) {
      errors.push(err instanceof Error ? err.message : String(err));
    }
    if (plan.create.length + plan.update.length + plan.delete.length > 0) {
      this.log.debug({ service: key, created: plan.create.length, updated: plan.update.length, deleted: plan.delete.length, added: plan.added, removed: plan.removed }, 'reconciled endpoint slices');
    }
    if (!errors.length) trigger.commit();
    if (errors.length) {
      const msg = errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`;
      this.o.recorder.eventf(svc, 'Warning', 'FailedToUpdateEndpointSlices', 'Error updating Endpoint Slices for Service %s/%s: %s', namespace, name, msg);
      throw new Error(msg);
    }
  }

  /** finalize: creates, then updates, then deletes, each recorded in the tracker. */
  private async apply(svc: Service, plan: ReconcilePlan): Promise<void> {
    const ns = svc.metadata.namespace ?? '';
    const id = `${ns}/${svc.metadata.name ?? ''}`;
    for (const slice of plan.create) {
      try {
        this.tracker.update(await this.o.client.create(ns, slice));
      } catch (err) {
        // A namespace being deleted refuses new content for good: nothing to retry.
        if (err instanceof StatusError && err.status.details?.causes?.some((c) => c.reason === 'NamespaceTerminating')) return;
        throw new Error(`failed to create EndpointSlice for Service ${id}: ${messageOf(err)}`, { cause: err });
      }
    }
    for (const slice of plan.update) {
      try {
        this.tracker.update(await this.o.client.update(ns, slice));
      } catch (err) {
        throw new Error(`failed to update ${slice.metadata.name} EndpointSlice for Service ${id}: ${messageOf(err)}`, { cause: err });
      }
    }
    for (const slice of plan.delete) {
      try {
        await this.o.client.delete(ns, slice.metadata.name as string);
      } catch (err) {
        if (!isNotFound(err)) throw new Error(`failed to delete ${slice.metadata.name} EndpointSlice for Service ${id}: ${messageOf(err)}`, { cause: err });
      }
      this.tracker.expectDeletion(slice);
    }
  }
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Kubernetes' bounds of --max-endpoints-per-slice. */
const MIN_MAX_ENDPOINTS = 1;
const MAX_MAX_ENDPOINTS = 1000;

export const endpointSliceControllerDescriptor: ControllerDescriptor = {
  name: NAME,
  aliases: ['endpointslice'],
  serviceAccountName: 'endpointslice-controller',
  flags: [
    {
      name: 'concurrent-service-endpoint-syncs', kind: 'int', default: '5',
      description: 'The number of service endpoint syncing operations that will be done concurrently. Larger number = faster endpoint slice updating, but more CPU (and network) load. Defaults to 5.',
    },
    {
      name: 'max-endpoints-per-slice', kind: 'int', default: '100',
      description: 'The maximum number of endpoints that will be added to an EndpointSlice. More endpoints per slice will result in less endpoint slices, but larger resources. Defaults to 100.',
    },
    {
      name: 'endpointslice-updates-batch-period', kind: 'duration', default: '0s',
      description: 'The length of endpoint slice updates batching period. Processing of pod changes will be delayed by this duration to join them with potential upcoming updates and reduce the overall number of endpoints updates. Larger number = higher endpoint programming latency, but lower number of endpoints revision generated',
    },
  ],
  create(ctx) {
    const max = ctx.options.int('max-endpoints-per-slice');
    if (max < MIN_MAX_ENDPOINTS) throw new Error(`endpoint-slice-max-endpoints must not be less than ${MIN_MAX_ENDPOINTS}, but got ${max}`);
    if (max > MAX_MAX_ENDPOINTS) throw new Error(`endpoint-slice-max-endpoints must not be more than ${MAX_MAX_ENDPOINTS}, but got ${max}`);
    return new EndpointSliceController({
      services: ctx.informers.informer<Service>('services'),
      pods: ctx.informers.informer<Pod>('pods'),
      nodes: ctx.informers.informer<Node>('nodes'),
      slices: ctx.informers.informer<EndpointSlice>('endpointslices.discovery.k8s.io'),
      client: resourceClient<EndpointSlice>(ctx.rest, 'endpointslices.discovery.k8s.io'),
      recorder: ctx.recorder(EVENT_SOURCE),
      clock: ctx.clock,
      log: ctx.log.child({ controller: NAME }),
      workers: ctx.options.int('concurrent-service-endpoint-syncs'),
      maxEndpointsPerSlice: max,
      batchPeriodMs: ctx.options.duration('endpointslice-updates-batch-period'),
      metrics: ctx.metrics,
    });
  },
};
