// The root CA certificate publisher (pkg/controller/certificates/rootcacertpublisher):
// every active namespace holds the ConfigMap kube-root-ca.crt with the CA bundle pods
// use to verify the apiserver (the ServiceAccount admission plugin projects it into
// every pod's kube-api-access volume). It is created when a namespace appears, and
// written back when someone deletes it or changes its data or drops its description.
import type { Logger } from 'pino';
import { isNotFound } from '../../api/errors.js';
import type { ConfigMap, Namespace } from '../../api/types/core.js';
import type { Clock } from '../../client/clock.js';
import type { Informer } from '../../client/informer.js';
import type { ResourceClient } from '../../client/resource-client.js';
import type { WorkQueue } from '../../client/work-queue.js';
import { ROOT_CA_CONFIGMAP } from '../../apiserver/admission/service-account.js';
import { controllerQueue, runQueue, type Controller } from '../controller.js';
import type { ControllerMetrics } from '../metrics.js';
import { isNamespaceTerminating } from '../pod-control.js';

export const NAME = 'root-ca-certificate-publisher-controller';
export { ROOT_CA_CONFIGMAP };
export const CA_KEY = 'ca.crt';
export const DESCRIPTION_ANNOTATION = 'kubernetes.io/description';
export const DESCRIPTION = 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. '
  + 'No other usage is guaranteed across distributions of Kubernetes clusters.';

/** The publisher's writes (ResourceClient; tests pass a recording fake). */
export type ConfigMapWriter = Pick<ResourceClient<ConfigMap>, 'create' | 'update'>;

export interface RootCACertPublisherOptions {
  namespaces: Pick<Informer<Namespace>, 'getByKey' | 'addEventHandler'>;
  configMaps: Pick<Informer<ConfigMap>, 'get' | 'addEventHandler'>;
  client: ConfigMapWriter;
  /** The PEM bundle to publish. */
  rootCA: string;
  clock: Clock;
  log: Logger;
  metrics?: ControllerMetrics;
}

export type ConfigMapWrite = { verb: 'create' | 'update'; configMap: ConfigMap };

/**
 * What syncNamespace writes for one namespace given its cached kube-root-ca.crt: a new
 * ConfigMap when there is none; an update (a copy with data and the description put
 * back, other labels and annotations kept) when data is not exactly {"ca.crt": rootCA}
 * or the description annotation is empty; nothing otherwise. A namespace gone or not
 * Active gets nothing.
 */
export function configMapToWrite(ns: Namespace | undefined, current: ConfigMap | undefined, rootCA: string): ConfigMapWrite | undefined {
  if (!ns || ns.status?.phase !== 'Active') return undefined;
  const namespace = ns.metadata.name ?? '';
  if (!current) {
    return {
      verb: 'create',
      configMap: {
        apiVersion: 'v1', kind: 'ConfigMap',
        metadata: { name: ROOT_CA_CONFIGMAP, namespace, annotations: { [DESCRIPTION_ANNOTATION]: DESCRIPTION } },
        data: { [CA_KEY]: rootCA },
      },
    };
  }
  const data = current.data ?? {};
  const keys = Object.keys(data);
  if (keys.length === 1 && data[CA_KEY] === rootCA && (current.metadata.annotations?.[DESCRIPTION_ANNOTATION] ?? '') !== '') return undefined;
  const configMap = structuredClone(current);
  configMap.data = { [CA_KEY]: rootCA };
  configMap.metadata.annotations = { ...configMap.metadata.annotations, [DESCRIPTION_ANNOTATION]: DESCRIPTION };
  return { verb: 'update', configMap };
}

export class RootCACertPublisher implements Controller {
  readonly name = NAME;
  readonly queue: WorkQueue;

  constructor(private readonly o: RootCACertPublisherOptions) {
    this.queue = controllerQueue({ name: NAME, clock: o.clock, metrics: o.metrics });
    // Keys are namespace names.
    const ours = (cm: ConfigMap): void => { if (cm.metadata.name === ROOT_CA_CONFIGMAP) this.queue.add(cm.metadata.namespace ?? ''); };
    o.configMaps.addEventHandler({ update: (_, cm) => ours(cm), delete: ours });
    o.namespaces.addEventHandler({
      add: (ns) => this.queue.add(ns.metadata.name ?? ''),
      update: (_, ns) => { if (ns.status?.phase === 'Active') this.queue.add(ns.metadata.name ?? ''); },
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    this.o.log.info('starting root CA cert publisher controller');
    // Kubernetes runs this controller with one worker.
    await runQueue(this.queue, (key) => this.syncNamespace(key), signal, {
      name: NAME, workers: 1, log: this.o.log, clock: this.o.clock, metrics: this.o.metrics,
    });
    this.o.log.info('shutting down root CA cert publisher controller');
  }

  /** syncNamespace: kube-root-ca.crt made what configMapToWrite says. */
  async syncNamespace(namespace: string): Promise<void> {
    const write = configMapToWrite(this.o.namespaces.getByKey(namespace), this.o.configMaps.get(namespace, ROOT_CA_CONFIGMAP), this.o.rootCA);
    if (!write) return;
    if (write.verb === 'update') {
      await this.o.client.update(namespace, write.configMap);
      this.o.log.debug({ namespace }, 'updated kube-root-ca.crt');
      return;
    }
    try {
      await this.o.client.create(namespace, write.configMap);
      this.o.log.debug({ namespace }, 'created kube-root-ca.crt');
    } catch (err) {
      // The namespace went or began terminating: no create will ever succeed. (An
      // AlreadyExists is retried: the cache catches up and the next sync compares.)
      if (isNotFound(err) || isNamespaceTerminating(err)) return;
      throw err;
    }
  }
}
