// The service accounts controller (pkg/controller/serviceaccount,
// serviceaccounts_controller.go): every active namespace has the service accounts it
// ensures (`default`), created when a namespace appears or changes and again when one
// of them is deleted. A namespace that is not Active (Terminating) gets nothing: its
// content is being deleted.
import type { Logger } from 'pino';
import { isAlreadyExists } from '../../api/errors.js';
import type { Namespace, ServiceAccount } from '../../api/types/core.js';
import type { Clock } from '../../client/clock.js';
import type { Informer } from '../../client/informer.js';
import type { ResourceClient } from '../../client/resource-client.js';
import type { WorkQueue } from '../../client/work-queue.js';
import { DEFAULT_SERVICE_ACCOUNT } from '../../apiserver/admission/service-account.js';
import { controllerQueue, runQueue, type Controller } from '../controller.js';
import type { ControllerMetrics } from '../metrics.js';
import { isNamespaceTerminating } from '../pod-control.js';

export const NAME = 'serviceaccount-controller';

/** DefaultServiceAccountsControllerOptions: the accounts every namespace gets. */
export const SERVICE_ACCOUNTS_TO_ENSURE: readonly string[] = [DEFAULT_SERVICE_ACCOUNT];

/** The controller's one write (ResourceClient; tests pass a recording fake). */
export type ServiceAccountWriter = Pick<ResourceClient<ServiceAccount>, 'create'>;

export interface ServiceAccountsControllerOptions {
  namespaces: Pick<Informer<Namespace>, 'getByKey' | 'addEventHandler'>;
  serviceAccounts: Pick<Informer<ServiceAccount>, 'get' | 'addEventHandler'>;
  client: ServiceAccountWriter;
  clock: Clock;
  log: Logger;
  /** Names to ensure; SERVICE_ACCOUNTS_TO_ENSURE unless a test says otherwise. */
  ensure?: readonly string[];
  metrics?: ControllerMetrics;
}

/**
 * The accounts namespace lacks, as syncNamespace decides: none for a namespace that is
 * gone or not Active, else every name to ensure that exists(name) denies.
 */
export function missingServiceAccounts(ns: Namespace | undefined, ensure: readonly string[], exists: (name: string) => boolean): string[] {
  if (!ns || ns.status?.phase !== 'Active') return [];
  return ensure.filter((name) => !exists(name));
}

export class ServiceAccountsController implements Controller {
  readonly name = NAME;
  readonly queue: WorkQueue;
  private readonly ensure: readonly string[];

  constructor(private readonly o: ServiceAccountsControllerOptions) {
    this.ensure = o.ensure ?? SERVICE_ACCOUNTS_TO_ENSURE;
    this.queue = controllerQueue({ name: NAME, clock: o.clock, metrics: o.metrics });
    // Keys are namespace names: a namespace added or changed, or one of its accounts deleted.
    o.namespaces.addEventHandler({
      add: (ns) => this.queue.add(ns.metadata.name ?? ''),
      update: (_, ns) => this.queue.add(ns.metadata.name ?? ''),
    });
    o.serviceAccounts.addEventHandler({
      delete: (sa) => { if (this.ensure.includes(sa.metadata.name ?? '')) this.queue.add(sa.metadata.namespace ?? ''); },
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    this.o.log.info({ controller: NAME }, 'starting controller');
    // Kubernetes runs this controller with one worker.
    await runQueue(this.queue, (key) => this.syncNamespace(key), signal, {
      name: NAME, workers: 1, log: this.o.log, clock: this.o.clock, metrics: this.o.metrics,
    });
    this.o.log.info({ controller: NAME }, 'shutting down controller');
  }

  /** syncNamespace: creates the accounts an active namespace lacks; an account someone else created first is fine. */
  async syncNamespace(namespace: string): Promise<void> {
    const missing = missingServiceAccounts(this.o.namespaces.getByKey(namespace), this.ensure, (name) => this.o.serviceAccounts.get(namespace, name) !== undefined);
    const failures: unknown[] = [];
    for (const name of missing) {
      try {
        await this.o.client.create(namespace, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } });
        this.o.log.debug({ namespace, serviceAccount: name }, 'created service account');
      } catch (err) {
        // Already there (our cache lags), or the namespace began terminating: nothing to do.
        if (isAlreadyExists(err) || isNamespaceTerminating(err)) continue;
        failures.push(err);
      }
    }
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) throw new AggregateError(failures, failures.map((e) => (e instanceof Error ? e.message : String(e))).join(', '));
  }
}
