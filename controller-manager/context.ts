// What a controller is built from (kube-controller-manager's ControllerContext): the
// shared informers, its clients, an event recorder per component, the clock, metrics
// and the parsed flags. One context per controller and leadership term; everything in
// it stops with the term's signal.
import type { Logger } from 'pino';
import type { Clock } from '../client/clock.js';
import type { EventRecorder } from '../client/event-recorder.js';
import type { SharedInformerFactory } from '../client/informer-factory.js';
import type { RestClient } from '../client/rest-client.js';
import type { ControllerMetrics } from './metrics.js';
import type { ControllerOptions } from './options.js';

export interface ControllerContext {
  /**
   * The controller's own client (kube-controller-manager's ClientBuilder.ClientOrDie(
   * <its service account>)): with --use-service-account-credentials it acts as the
   * ServiceAccount kube-system/<descriptor's serviceAccountName>, else as the manager.
   */
  rest: RestClient;
  /**
   * The term's shared informers. The runner records which ones each controller asks
   * for (in create() or later) and starts the controller once those have synced, so a
   * resource that cannot be listed holds back only the controllers that read it.
   */
  informers: Pick<SharedInformerFactory, 'informer'>;
  /**
   * The recorder for events from `component` (Kubernetes' source components:
   * 'replicaset-controller', 'deployment-controller', 'node-controller'...), writing
   * with the controller's identity; one per component and identity, shared.
   */
  recorder(component: string): EventRecorder;
  /** The process logger; controllers take child({ controller: name }). */
  log: Logger;
  clock: Clock;
  metrics?: ControllerMetrics;
  options: ControllerOptions;
}
