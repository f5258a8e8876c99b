// The service load-balancer controller (k8s.io/cloud-provider's service controller with
// a load balancer like k3s' ServiceLB): a Service of type LoadBalancer without
// spec.loadBalancerClass gets status.loadBalancer.ingress listing its nodes' addresses
// (status.ts), so it is never left <pending>; kube-proxy on each node serves those
// addresses. The list follows nodes as they come, go, change readiness or addresses,
// and, for externalTrafficPolicy Local, the nodes with ready endpoints. A service that
// stops being a LoadBalancer (or is deleted) has its ingress cleared and the
// load-balancer-cleanup finalizer removed.
//
// One reconcile(key) takes one of the service controller's two paths:
//   - ensure (the service is new to this controller, or needsUpdate says its load
//     balancer must be ensured again): EnsuringLoadBalancer, the finalizer, the status,
//     EnsuredLoadBalancer (syncLoadBalancerIfNeeded);
//   - hosts (only nodes or endpoints changed): the status, and when it changed
//     UpdatedLoadBalancer or UnAvailableLoadBalancer (lockedUpdateLoadBalancerHosts).
// Which one is decided against `ensured`, the service as last ensured (the service
// controller's serviceCache). Status is only written through services/status, and only
// when it differs; the spec is never written.
import type { Logger } from 'pino';
import { isNotFound } from '../../api/errors.js';
import type { LoadBalancerStatus, Node, Service } from '../../api/types/core.js';
import { LABEL_SERVICE_NAME, type EndpointSlice } from '../../api/types/discovery.js';
import type { Clock } from '../../client/clock.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import { keyOf, splitKey, type Informer } from '../../client/informer.js';
import type { WorkQueue } from '../../client/work-queue.js';
import { controllerQueue, runQueue, type Controller } from '../controller.js';
import type { ControllerMetrics } from '../metrics.js';
import { hasLoadBalancerFinalizer, needsCleanup, needsUpdate, wantsLoadBalancer } from './service-changes.js';
import {
  loadBalancerStatus, loadBalancerStatusEqual, nodeLoadBalancerAddresses, nodesWithReadyEndpoints, requestsOnlyLocalTraffic,
} from './status.js';

export const NAME = 'service-lb-controller';
/** The event source Kubernetes' service controller records as. */
export const EVENT_SOURCE = 'service-controller';

/**
 * The controller's writes (index.ts makes them REST calls; tests record them). Each
 * resolves once the apiserver accepted it; a NotFound is thrown as the StatusError.
 */
export interface ServiceLBClient {
  /** Adds the load-balancer-cleanup finalizer (a strategic merge patch of metadata.finalizers). */
  addFinalizer(svc: Service): Promise<void>;
  /** Removes it ($deleteFromPrimitiveList). */
  removeFinalizer(svc: Service): Promise<void>;
  /** Writes status.loadBalancer through services/status (merge patch; no ingress: null). */
  patchStatus(svc: Service, status: LoadBalancerStatus): Promise<void>;
}

export interface ServiceLBControllerOptions {
  services: Informer<Service>;
  nodes: Informer<Node>;
  slices: Informer<EndpointSlice>;
  client: ServiceLBClient;
  recorder: Pick<EventRecorder, 'event'>;
  clock: Clock;
  log: Logger;
  /** --concurrent-service-syncs. */
  workers: number;
  metrics?: ControllerMetrics;
}

export class ServiceLBController implements Controller {
  readonly name = NAME;
  readonly queue: WorkQueue;
  private readonly log: Logger;
  /** Services as last ensured, by key: a service missing here or differing (needsUpdate) takes the ensure path. */
  private readonly ensured = new Map<string, Service>();
  /**
   * The last status written per service and the resourceVersion it was written over:
   * while the cache still shows that version, the write is in flight to it, and the
   * same status is not written (nor its Event recorded) again.
   */
  private readonly written = new Map<string, { over: string; status: LoadBalancerStatus }>();

  constructor(private readonly o: ServiceLBControllerOptions) {
    this.log = o.log;
    this.queue = controllerQueue({ name: NAME, clock: o.clock, metrics: o.metrics });
    o.services.addEventHandler({
      // Cleanup on add covers changes made while no controller ran.
      add: (svc) => {
        if (wantsLoadBalancer(svc) || needsCleanup(svc)) this.queue.add(keyOf(svc));
      },
      update: (old, cur) => {
        const change = needsUpdate(old, cur);
        if (change?.event) o.recorder.event(cur, 'Normal', change.event.reason, change.event.message);
        if (change || needsCleanup(cur)) this.queue.add(keyOf(cur));
      },
      // A deleted service held the finalizer until its cleanup ran; only the memory goes.
      delete: (svc) => this.queue.add(keyOf(svc)),
    });
    o.nodes.addEventHandler({
      add: (node) => {
        if (nodeLoadBalancerAddresses(node)) this.enqueueAll();
      },
      update: (old, cur) => {
        const before = nodeLoadBalancerAddresses(old);
        const after = nodeLoadBalancerAddresses(cur);
        if (before?.join(',') !== after?.join(',')) this.enqueueAll();
      },
      delete: (node) => {
        if (nodeLoadBalancerAddresses(node)) this.enqueueAll();
      },
    });
    const sliceChanged = (slice: EndpointSlice): void => {
      const name = slice.metadata.labels?.[LABEL_SERVICE_NAME];
      const svc = name ? o.services.get(slice.metadata.namespace ?? '', name) : undefined;
      if (svc && wantsLoadBalancer(svc) && requestsOnlyLocalTraffic(svc)) this.queue.add(keyOf(svc));
    };
    o.slices.addEventHandler({ add: sliceChanged, update: (_, s) => sliceChanged(s), delete: sliceChanged });
  }

  async run(signal: AbortSignal): Promise<void> {
    this.log.info('starting service load balancer controller');
    await runQueue(this.queue, (key) => this.reconcile(key), signal, {
      name: NAME, workers: this.o.workers, log: this.log, clock: this.o.clock, metrics: this.o.metrics,
    });
    this.log.info('shutting down service load balancer controller');
  }

  /** Every service that wants a load balancer: the node set changed. */
  private enqueueAll(): void {
    for (const svc of this.o.services.list()) if (wantsLoadBalancer(svc)) this.queue.add(keyOf(svc));
  }

  /** One service's load balancer made what its type, the nodes and its endpoints say. */
  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const svc = this.o.services.get(namespace, name);
    if (!svc) {
      this.ensured.delete(key);
      this.written.delete(key);
      return;
    }
    if (!wantsLoadBalancer(svc) || needsCleanup(svc)) {
      await this.cleanup(key, svc);
      return;
    }
    // Terminating without our finalizer (added by nobody, or removed by someone else):
    // nothing may be added to it any more, and it is going away.
    if (svc.metadata.deletionTimestamp) return;
    const prev = this.ensured.get(key);
    if (!prev || needsUpdate(prev, svc)) await this.ensure(key, svc);
    else await this.updateHosts(key, svc);
  }

  /** The status the service should have now, from the caches. */
  private desiredStatus(svc: Service): LoadBalancerStatus {
    const local = requestsOnlyLocalTraffic(svc)
      ? nodesWithReadyEndpoints(this.o.slices.listByNamespace(svc.metadata.namespace ?? '')
        .filter((s) => s.metadata.labels?.[LABEL_SERVICE_NAME] === svc.metadata.name))
      : undefined;
    return loadBalancerStatus(svc, this.o.nodes.list(), local);
  }

  /** syncLoadBalancerIfNeeded, ensure branch. */
  private async ensure(key: string, svc: Service): Promise<void> {
    this.log.debug({ service: key }, 'ensuring load balancer');
    this.o.recorder.event(svc, 'Normal', 'EnsuringLoadBalancer', 'Ensuring load balancer');
    try {
      if (!hasLoadBalancerFinalizer(svc)) await this.o.client.addFinalizer(svc);
      const status = this.desiredStatus(svc);
      if (!status.ingress?.length) this.o.recorder.event(svc, 'Warning', 'UnAvailableLoadBalancer', 'There are no available nodes for LoadBalancer');
      this.o.recorder.event(svc, 'Normal', 'EnsuredLoadBalancer', 'Ensured load balancer');
      await this.writeStatus(key, svc, status);
      this.log.info({ service: key, ingress: ingressIPs(status) }, 'ensured load balancer');
    } catch (err) {
      if (isNotFound(err)) return;
      this.o.recorder.event(svc, 'Warning', 'SyncLoadBalancerFailed', `Error syncing load balancer: ${errorText(err)}`);
      throw err;
    }
    this.ensured.set(key, svc);
  }

  /** lockedUpdateLoadBalancerHosts: the node set changed; the status follows it. */
  private async updateHosts(key: string, svc: Service): Promise<void> {
    const status = this.desiredStatus(svc);
    try {
      if (!(await this.writeStatus(key, svc, status))) return;
    } catch (err) {
      if (isNotFound(err)) return;
      this.o.recorder.event(svc, 'Warning', 'UpdateLoadBalancerFailed', `Error updating load balancer with new hosts: ${errorText(err)}`);
      throw err;
    }
    this.log.info({ service: key, ingress: ingressIPs(status) }, 'updated load balancer with new hosts');
    if (status.ingress?.length) this.o.recorder.event(svc, 'Normal', 'UpdatedLoadBalancer', 'Updated load balancer with new hosts');
    else this.o.recorder.event(svc, 'Warning', 'UnAvailableLoadBalancer', 'There are no available nodes for LoadBalancer');
  }

  /**
   * syncLoadBalancerIfNeeded, delete branch, for a service this controller served (it
   * holds the finalizer, or was ensured by this process): the finalizer goes, then the
   * ingress. A service it never served (another class, never a LoadBalancer) is left
   * alone, Events included.
   */
  private async cleanup(key: string, svc: Service): Promise<void> {
    if (!hasLoadBalancerFinalizer(svc) && !this.ensured.has(key)) return;
    this.log.info({ service: key }, 'deleting load balancer');
    this.o.recorder.event(svc, 'Normal', 'DeletingLoadBalancer', 'Deleting load balancer');
    try {
      if (hasLoadBalancerFinalizer(svc)) await this.o.client.removeFinalizer(svc);
      this.o.recorder.event(svc, 'Normal', 'DeletedLoadBalancer', 'Deleted load balancer');
      await this.writeStatus(key, svc, {});
    } catch (err) {
      // Gone once the finalizer went: nothing left to clear.
      if (!isNotFound(err)) {
        this.o.recorder.event(svc, 'Warning', 'SyncLoadBalancerFailed', `Error syncing load balancer: ${errorText(err)}`);
        throw err;
      }
    }
    this.ensured.delete(key);
    this.written.delete(key);
  }

  /** patchStatus: writes status.loadBalancer when it differs from the cached one; true when it wrote. */
  private async writeStatus(key: string, svc: Service, status: LoadBalancerStatus): Promise<boolean> {
    if (loadBalancerStatusEqual(svc.status?.loadBalancer, status)) return false;
    const rv = svc.metadata.resourceVersion ?? '';
    const last = this.written.get(key);
    if (last && last.over === rv && loadBalancerStatusEqual(last.status, status)) return false;
    await this.o.client.patchStatus(svc, status);
    this.written.set(key, { over: rv, status });
    return true;
  }
}

const ingressIPs = (status: LoadBalancerStatus): string[] => (status.ingress ?? []).map((i) => i.ip ?? i.hostname ?? '');

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));
