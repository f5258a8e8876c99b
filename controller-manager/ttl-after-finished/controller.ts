// The TTL-after-finished controller (Kubernetes' pkg/controller/ttlafterfinished):
// deletes a finished Job (Complete or Failed) ttlSecondsAfterFinished after it
// finished, with its pods (propagation Foreground), after an uncached read confirms
// the Job is still finished and still expired.
import type { Logger } from 'pino';
import { isNotFound } from '../../api/errors.js';
import { parseTime } from '../../api/helpers/time.js';
import type { Job } from '../../api/types/batch.js';
import type { Clock } from '../../client/clock.js';
import { keyOf, splitKey } from '../../client/informer.js';
import { resourceClient, type ResourceClient } from '../../client/resource-client.js';
import type { WorkQueue } from '../../client/work-queue.js';
import { controllerQueue, runQueue, type Controller } from '../controller.js';
import type { ControllerDescriptor } from '../controllers.js';
import type { ControllerMetrics } from '../metrics.js';
import type { ObjectCache } from '../replicaset/controller.js';
import { finishedCondition } from '../../api/helpers/job.js';

export const NAME = 'ttl-after-finished-controller';

export interface TTLAfterFinishedOptions {
  jobInformer: ObjectCache<Job>;
  client: Pick<ResourceClient<Job>, 'get' | 'delete'>;
  clock: Clock;
  log: Logger;
  metrics?: ControllerMetrics;
  workers?: number;
}

/**
 * When a finished Job with a TTL expires (ms since the epoch), or undefined when it
 * has no TTL or has not finished. Example: Complete at 12:00:00 with TTL 100 → 12:01:40.
 */
export function jobExpiresAt(job: Job): number | undefined {
  const ttl = job.spec?.ttlSecondsAfterFinished;
  if (ttl === undefined || ttl === null) return undefined;
  const cond = finishedCondition(job);
  if (!cond) return undefined;
  const finishedAt = parseTime(cond.lastTransitionTime);
  if (Number.isNaN(finishedAt)) return undefined;
  return finishedAt + ttl * 1000;
}

export class TTLAfterFinishedController implements Controller {
  readonly name = NAME;
  readonly queue: WorkQueue;

  constructor(private readonly o: TTLAfterFinishedOptions) {
    this.queue = controllerQueue({ name: NAME, clock: o.clock, metrics: o.metrics });
    const enqueue = (job: Job): void => {
      if (jobExpiresAt(job) !== undefined) this.queue.add(keyOf(job));
    };
    o.jobInformer.addEventHandler({ add: enqueue, update: (_old, cur) => enqueue(cur) });
  }

  run(signal: AbortSignal): Promise<void> {
    this.o.log.info({ controller: NAME }, 'starting controller');
    return runQueue(this.queue, (key) => this.reconcile(key), signal, {
      name: NAME, workers: this.o.workers ?? 5, log: this.o.log, clock: this.o.clock, metrics: this.o.metrics,
    });
  }

  /** processJob: deletes the Job once expired, or asks to be called again when it will be. */
  async reconcile(key: string): Promise<void> {
    const cached = this.o.jobInformer.getByKey(key);
    if (!cached || cached.metadata.deletionTimestamp) return;
    if (!this.checkExpired(key, cached)) return;
    const { namespace, name } = splitKey(key);
    let fresh: Job;
    try {
      fresh = await this.o.client.get(namespace, name);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    // The TTL may have been changed since the cache saw the Job.
    if (fresh.metadata.deletionTimestamp || !this.checkExpired(key, fresh)) return;
    this.o.log.info({ job: key }, 'cleaning up Job');
    try {
      await this.o.client.delete(namespace, name, { propagationPolicy: 'Foreground', preconditions: { uid: fresh.metadata.uid } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** True when expired; otherwise queues the key for the moment it will be. */
  private checkExpired(key: string, job: Job): boolean {
    const at = jobExpiresAt(job);
    if (at === undefined) return false;
    const left = at - this.o.clock.now();
    if (left <= 0) return true;
    this.queue.addAfter(key, left);
    return false;
  }
}

export const ttlAfterFinishedControllerDescriptor: ControllerDescriptor = {
  name: NAME,
  aliases: ['ttl-after-finished'],
  serviceAccountName: 'ttl-after-finished-controller',
  flags: [{
    name: 'concurrent-ttl-after-finished-syncs', kind: 'int', default: '5',
    description: 'The number of ttl-after-finished-controller workers that are allowed to sync concurrently.',
  }],
  create(ctx) {
    return new TTLAfterFinishedController({
      jobInformer: ctx.informers.informer<Job>('jobs'),
      client: resourceClient<Job>(ctx.rest, 'jobs'),
      clock: ctx.clock, log: ctx.log.child({ controller: NAME }), metrics: ctx.metrics,
      workers: ctx.options.int('concurrent-ttl-after-finished-syncs'),
    });
  },
};
