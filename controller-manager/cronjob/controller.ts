// The CronJob controller (Kubernetes' pkg/controller/cronjob/cronjob_controllerv2.go):
// wiring and event handlers. CronJobs are synced by key on a delaying queue: each sync
// answers when the next schedule time comes and the key is added again then (plus
// 100 ms), so nothing polls. A Job event wakes the CronJob that controls it; a changed
// schedule or time zone requeues the CronJob at its new next time, any other change at
// once. sync.ts decides; utils.ts holds the pure rules.
import type { Logger } from 'pino';
import { CronParseError } from '../../api/cron.js';
import { controllerRef } from '../../api/helpers/owner-refs.js';
import type { CronJob, Job } from '../../api/types/batch.js';
import type { OwnerReference } from '../../api/types/meta.js';
import type { Clock, TimerHandle } from '../../client/clock.js';
import { keyOf, splitKey, type Informer } from '../../client/informer.js';
import { resourceClient } from '../../client/resource-client.js';
import type { RestClient } from '../../client/rest-client.js';
import type { WorkQueue } from '../../client/work-queue.js';
import { controllerQueue, runQueue, type Controller } from '../controller.js';
import type { ControllerDescriptor } from '../controllers.js';
import type { ControllerMetrics } from '../metrics.js';
import { syncCronJobKey, type CronJobClient, type EventSink } from './sync.js';
import { CRONJOB_KIND, nextScheduleTimeDuration, parseSchedule } from './utils.js';

export const NAME = 'cronjob-controller';
/** The Events' source component, as kube-controller-manager's cronjob controller records them. */
export const EVENT_SOURCE = 'cronjob-controller';

type Cache<T extends CronJob | Job> = Pick<Informer<T>, 'addEventHandler' | 'get' | 'listByNamespace'>;

export interface CronJobControllerOptions {
  cronJobs: Cache<CronJob>;
  jobs: Cache<Job>;
  client: CronJobClient;
  recorder: EventSink;
  clock: Clock;
  log: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
  metrics?: ControllerMetrics;
  /** --concurrent-cron-job-syncs. */
  workers: number;
  /** Zone of schedules without one (default: the process's, as Go's time.Local). */
  defaultZone?: string;
}

/**
 * NewControllerV2: handlers on the shared CronJob and Job informers that only enqueue
 * CronJob keys; run() works the queue with `workers` loops of reconcile.
 */
export class CronJobController implements Controller {
  readonly name = NAME;
  readonly queue: WorkQueue;

  constructor(private readonly o: CronJobControllerOptions) {
    this.queue = controllerQueue({ name: 'cronjob', clock: o.clock, metrics: o.metrics });
    o.cronJobs.addEventHandler({
      add: (cj) => this.queue.add(keyOf(cj)),
      update: (old, cj) => this.updateCronJob(old, cj),
      delete: (cj) => this.queue.add(keyOf(cj)),
    });
    o.jobs.addEventHandler({
      add: (job) => this.enqueueOwner(job),
      update: (old, job) => this.updateJob(old, job),
      delete: (job) => this.enqueueOwner(job),
    });
  }

  run(signal: AbortSignal): Promise<void> {
    return runQueue(this.queue, (key) => this.reconcile(key), signal, {
      name: NAME, workers: this.o.workers, log: this.o.log as Logger, clock: this.o.clock, metrics: this.o.metrics,
    });
  }

  /**
   * sync(key): a deleted CronJob is done; otherwise one sync of it and its Jobs, and the
   * key comes back at the next schedule time. Throws to be retried with backoff.
   */
  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const cj = this.o.cronJobs.get(namespace, name);
    if (!cj) {
      this.o.log.debug({ cronjob: key }, 'CronJob not found, may be it is deleted');
      return;
    }
    const after = await syncCronJobKey({
      client: this.o.client, recorder: this.o.recorder, clock: this.o.clock, log: this.o.log, defaultZone: this.o.defaultZone,
    }, cj, this.jobsToBeReconciled(cj));
    if (after !== undefined) {
      this.o.log.debug({ cronjob: key, requeueAfter: after }, 'Re-queuing cronjob');
      this.queue.addAfter(key, after);
    }
  }

  /** getJobsToBeReconciled: every Job of the namespace whose controller is this CronJob (by name, labels aside). */
  private jobsToBeReconciled(cj: CronJob): Job[] {
    return this.o.jobs.listByNamespace(cj.metadata.namespace ?? '').filter((job) => {
      const ref = controllerRef(job);
      return ref !== undefined && ref.kind === CRONJOB_KIND.kind && ref.name === cj.metadata.name;
    });
  }

  /** resolveControllerRef: the CronJob a controllerRef names, if it is still that one (uid). */
  private resolve(namespace: string | undefined, ref: OwnerReference | undefined): CronJob | undefined {
    if (!ref || ref.kind !== CRONJOB_KIND.kind) return undefined;
    const cj = this.o.cronJobs.get(namespace ?? '', ref.name);
    return cj?.metadata.uid === ref.uid ? cj : undefined;
  }

  private enqueueOwner(job: Job): void {
    const cj = this.resolve(job.metadata.namespace, controllerRef(job));
    if (cj) this.queue.add(keyOf(cj));
  }

  private updateJob(old: Job, job: Job): void {
    if (old.metadata.resourceVersion === job.metadata.resourceVersion) return;
    const oldRef = controllerRef(old);
    const curRef = controllerRef(job);
    if (oldRef && JSON.stringify(oldRef) !== JSON.stringify(curRef)) this.enqueueOwner(old);
    this.enqueueOwner(job);
  }

  /**
   * updateCronJob: a new schedule or time zone requeues at its next time (a sooner one
   * wins in the queue; a later one makes the already queued sync a no-op); anything
   * else syncs at once.
   */
  private updateCronJob(old: CronJob, cj: CronJob): void {
    if (old.spec?.schedule !== cj.spec?.schedule || (old.spec?.timeZone ?? null) !== (cj.spec?.timeZone ?? null)) {
      let delay: number;
      try {
        delay = nextScheduleTimeDuration(cj, this.o.clock.now(), parseSchedule(cj, this.o.defaultZone));
      } catch (err) {
        if (!(err instanceof CronParseError)) throw err;
        this.o.log.info({ cronjob: keyOf(cj), schedule: cj.spec?.schedule, err }, 'Unparseable schedule for cronjob');
        this.o.recorder.event(cj, 'Warning', 'UnParseableCronJobSchedule', `unparseable schedule for cronjob: ${cj.spec?.schedule}`);
        return;
      }
      this.queue.addAfter(keyOf(cj), delay);
      return;
    }
    this.queue.add(keyOf(cj));
  }
}

/** The CronJob controller's writes through the API (realJobControl and realCJControl). */
export function restCronJobClient(rest: RestClient): CronJobClient {
  const cronJobs = resourceClient<CronJob>(rest, 'cronjobs');
  const jobs = resourceClient<Job>(rest, 'jobs');
  return {
    getCronJob: (namespace, name) => cronJobs.get(namespace, name),
    updateCronJobStatus: (cj) => cronJobs.updateStatus(cj.metadata.namespace ?? '', cj),
    getJob: (namespace, name) => jobs.get(namespace, name),
    createJob: (namespace, job) => jobs.create(namespace, job),
    deleteJob: async (namespace, name) => {
      await jobs.delete(namespace, name, { propagationPolicy: 'Background' });
    },
  };
}

/**
 * A clock running `scale` times faster than `base` from the moment it is made (the
 * hidden test flag --cronjob-controller-time-scale: a minute of schedule in a second).
 */
export function scaledClock(base: Clock, scale: number): Clock {
  if (scale === 1) return base;
  const origin = base.now();
  return {
    now: () => origin + (base.now() - origin) * scale,
    setTimeout: (fn: () => void, ms: number): TimerHandle => base.setTimeout(fn, ms / scale),
    clearTimeout: (h: TimerHandle) => base.clearTimeout(h),
  };
}

export const cronJobControllerDescriptor: ControllerDescriptor = {
  name: NAME,
  aliases: ['cronjob'],
  serviceAccountName: 'cronjob-controller',
  flags: [{
    name: 'concurrent-cron-job-syncs', kind: 'int', default: '5',
    description: 'The number of cron job objects that are allowed to sync concurrently. Larger number = more responsive jobs, but more CPU (and network) load',
  }, {
    name: 'cronjob-controller-time-scale', kind: 'float', default: '1', hidden: true,
    description: 'For tests only: the CronJob controller\'s clock runs this many times faster than real time from the start of each leadership term',
  }],
  validate(options) {
    if (!(options.float('cronjob-controller-time-scale') > 0)) throw new Error('--cronjob-controller-time-scale must be greater than 0');
  },
  create(ctx) {
    return new CronJobController({
      cronJobs: ctx.informers.informer<CronJob>('cronjobs'),
      jobs: ctx.informers.informer<Job>('jobs'),
      client: restCronJobClient(ctx.rest),
      recorder: ctx.recorder(EVENT_SOURCE),
      clock: scaledClock(ctx.clock, ctx.options.float('cronjob-controller-time-scale')),
      log: ctx.log.child({ controller: NAME }),
      metrics: ctx.metrics,
      workers: ctx.options.int('concurrent-cron-job-syncs'),
    });
  },
};
