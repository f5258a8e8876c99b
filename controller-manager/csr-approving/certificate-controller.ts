// The loop both certificate controllers share (pkg/controller/certificates/
// certificate_controller.go): every CertificateSigningRequest event queues its name; a
// sync reads the request from the informer cache, skips one that is gone or already
// holds a certificate, and hands a copy to the controller's handler. The approver and
// the signer differ only in their handler.
import type { Logger } from 'pino';
import type { CertificateSigningRequest } from '../../api/types/certificates.js';
import type { Clock } from '../../client/clock.js';
import type { Informer } from '../../client/informer.js';
import type { WorkQueue } from '../../client/work-queue.js';
import { controllerQueue, runQueue, type Controller } from '../controller.js';
import type { ControllerMetrics } from '../metrics.js';

/** What a certificate controller does with a request that has no certificate yet; a throw is retried with backoff. */
export type CSRHandler = (csr: CertificateSigningRequest) => Promise<void>;

export interface CertificateControllerOptions {
  csrs: Pick<Informer<CertificateSigningRequest>, 'get' | 'addEventHandler'>;
  handler: CSRHandler;
  /** Kubernetes runs 5 workers for each. */
  workers: number;
  clock: Clock;
  log: Logger;
  metrics?: ControllerMetrics;
}

export class CertificateController implements Controller {
  readonly queue: WorkQueue;

  constructor(readonly name: string, private readonly o: CertificateControllerOptions) {
    this.queue = controllerQueue({ name, clock: o.clock, metrics: o.metrics });
    // Keys are request names (cluster-scoped).
    const enqueue = (csr: CertificateSigningRequest): void => this.queue.add(csr.metadata.name ?? '');
    o.csrs.addEventHandler({ add: enqueue, update: (_, csr) => enqueue(csr), delete: enqueue });
  }

  async run(signal: AbortSignal): Promise<void> {
    this.o.log.info({ controller: this.name }, 'starting controller');
    await runQueue(this.queue, (key) => this.sync(key), signal, {
      name: this.name, workers: this.o.workers, log: this.o.log, clock: this.o.clock, metrics: this.o.metrics,
    });
    this.o.log.info({ controller: this.name }, 'shutting down controller');
  }

  /** syncFunc: a request that is gone or already issued needs nothing. */
  async sync(key: string): Promise<void> {
    const csr = this.o.csrs.get('', key);
    if (!csr || csr.status?.certificate) return;
    await this.o.handler(structuredClone(csr));
  }
}
