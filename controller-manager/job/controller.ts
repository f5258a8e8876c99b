// The Job controller (Kubernetes' pkg/controller/job): runs each Job's pods to
// completion (sync.ts), as kube-controller-manager registers it (job-controller, alias
// job; --concurrent-job-syncs).
//
// Data flow: Job events enqueue the Job at once; pod events enqueue the pod's Job
// (by its controllerRef) after a 1 s batching period (syncJobBatchPeriod), and record
// the creations, deletions and finalizer removals the expectations wait for. An orphan
// pod still holding the tracking finalizer (its Job gone or finished) is queued for
// the finalizer's removal. One reconcile per key: claim the pods (adopting adds the
// finalizer), then syncJob.
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import { isNotFound } from '../../api/errors.js';
import { controllerRef } from '../../api/helpers/owner-refs.js';
import { selectorFromLabelSelector, type LabelSelectorMatcher } from '../../api/labels.js';
import { JOB_TRACKING_FINALIZER, type Job } from '../../api/types/batch.js';
import type { Pod } from '../../api/types/core.js';
import type { OwnerReference } from '../../api/types/meta.js';
import type { Clock } from '../../client/clock.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import { keyOf } from '../../client/informer.js';
import { resourceClient, type ResourceClient } from '../../client/resource-client.js';
import type { WorkQueue } from '../../client/work-queue.js';
import type { ControllerContext } from '../context.js';
import { controllerQueue, runQueue, type Controller } from '../controller.js';
import type { ControllerDescriptor } from '../controllers.js';
import { PodControllerRefManager, recheckDeletionTimestamp } from '../controller-ref-manager.js';
import { ControllerExpectations } from '../expectations.js';
import type { ControllerMetrics } from '../metrics.js';
import { RealPodControl, type PodControl } from '../pod-control.js';
import type { ObjectCache } from '../replicaset/controller.js';
import { DEFAULT_POD_FAILURE_BACKOFF_MS, MAX_POD_FAILURE_BACKOFF_MS, type BackoffRecord } from './backoff.js';
import { isJobFinished } from '../../api/helpers/job.js';
import { JOB_KIND, syncJob } from './sync.js';
import { FinalizerExpectations, hasTrackingFinalizer, removeTrackingFinalizerPatch } from './tracking.js';

export const NAME = 'job-controller';
/** syncJobBatchPeriod: pod events for one Job within this time make one sync. */
export const SYNC_JOB_BATCH_PERIOD_MS = 1000;
const ORPHAN_PREFIX = 'orphan-pod:';

export interface JobControllerOptions {
  jobInformer: ObjectCache<Job>;
  podInformer: ObjectCache<Pod>;
  /** Uncached re-read before adopting, and status writes. */
  client: Pick<ResourceClient<Job>, 'get' | 'updateStatus'>;
  podControl: PodControl;
  recorder: Pick<EventRecorder, 'event'>;
  clock: Clock;
  log: Logger;
  metrics?: ControllerMetrics;
  workers?: number;
  /** Pod-failure backoff base and cap (10 s, 6 min). */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  batchPeriodMs?: number;
}

/** Runs Jobs. Handlers are added in the constructor; reconcile(key) is public for tests. */
export class JobController implements Controller {
  readonly name = NAME;
  readonly queue: WorkQueue;
  readonly expectations: ControllerExpectations;
  readonly finalizerExpectations = new FinalizerExpectations();
  private readonly backoff = new Map<string, BackoffRecord>();
  private readonly selectors = new WeakMap<Job, LabelSelectorMatcher | Error>();
  private readonly batchMs: number;

  constructor(private readonly o: JobControllerOptions) {
    this.expectations = new ControllerExpectations(o.clock, o.log);
    this.queue = controllerQueue({ name: NAME, clock: o.clock, metrics: o.metrics });
    this.batchMs = o.batchPeriodMs ?? SYNC_JOB_BATCH_PERIOD_MS;
    o.jobInformer.addEventHandler({
      add: (job) => this.queue.add(keyOf(job)),
      update: (old, cur) => this.updateJob(old, cur),
      delete: (job) => this.queue.add(keyOf(job)),
    });
    o.podInformer.addEventHandler({
      add: (pod) => this.addPod(pod),
      update: (old, cur) => this.updatePod(old, cur),
      delete: (pod) => this.deletePod(pod, true),
    });
  }

  run(signal: AbortSignal): Promise<void> {
    this.o.log.info({ controller: NAME }, 'starting controller');
    return runQueue(this.queue, (key) => this.reconcile(key), signal, {
      name: NAME, workers: this.o.workers ?? 5, log: this.o.log, clock: this.o.clock, metrics: this.o.metrics,
    });
  }

  // ---------------------------------------------------------------- handlers

  private updateJob(old: Job, cur: Job): void {
    if (old.metadata.uid !== cur.metadata.uid) {
      this.expectations.deleteExpectations(keyOf(old));
      this.finalizerExpectations.delete(keyOf(old));
    }
    const key = keyOf(cur);
    // A status write (ours) is batched; a spec change acts at once.
    if (isDeepStrictEqual(old.spec, cur.spec) && old.metadata.generation === cur.metadata.generation) this.queue.addAfter(key, this.batchMs);
    else this.queue.add(key);
    // A new or changed activeDeadlineSeconds: check it when it passes.
    const deadline = cur.spec?.activeDeadlineSeconds;
    const started = Date.parse(cur.status?.startTime ?? '');
    if (deadline !== undefined && deadline !== null && !Number.isNaN(started) && old.spec?.activeDeadlineSeconds !== deadline) {
      this.queue.addAfter(key, Math.max(0, deadline * 1000 - (this.o.clock.now() - started)));
    }
  }

  private enqueueBatched(job: Job): void {
    this.queue.addAfter(keyOf(job), this.batchMs);
  }

  private addPod(pod: Pod): void {
    if (pod.metadata.deletionTimestamp) {
      this.deletePod(pod, false);
      return;
    }
    const ref = controllerRef(pod);
    if (ref) {
      const job = this.resolveControllerRef(pod.metadata.namespace ?? '', ref);
      if (!job) {
        if (hasTrackingFinalizer(pod)) this.queue.add(ORPHAN_PREFIX + keyOf(pod));
        return;
      }
      this.expectations.creationObserved(keyOf(job));
      this.enqueueBatched(job);
      return;
    }
    if (hasTrackingFinalizer(pod)) this.queue.add(ORPHAN_PREFIX + keyOf(pod));
    for (const job of this.podJobs(pod)) this.enqueueBatched(job);
  }

  private updatePod(old: Pod, cur: Pod): void {
    if (cur.metadata.resourceVersion === old.metadata.resourceVersion) return;
    if (cur.metadata.deletionTimestamp) {
      this.deletePod(cur, false);
      return;
    }
    const finalizerRemoved = !hasTrackingFinalizer(cur);
    const curRef = controllerRef(cur);
    const oldRef = controllerRef(old);
    const refChanged = !isDeepStrictEqual(curRef, oldRef);
    if (refChanged && oldRef) {
      const job = this.resolveControllerRef(old.metadata.namespace ?? '', oldRef);
      if (job) {
        if (finalizerRemoved) this.finalizerExpectations.removalObserved(keyOf(job), cur.metadata.uid ?? '');
        this.enqueueBatched(job);
      }
    }
    if (curRef) {
      const job = this.resolveControllerRef(cur.metadata.namespace ?? '', curRef);
      if (!job) return;
      if (finalizerRemoved) this.finalizerExpectations.removalObserved(keyOf(job), cur.metadata.uid ?? '');
      this.enqueueBatched(job);
      return;
    }
    if (hasTrackingFinalizer(cur)) this.queue.add(ORPHAN_PREFIX + keyOf(cur));
    if (refChanged || !isDeepStrictEqual(cur.metadata.labels ?? {}, old.metadata.labels ?? {})) {
      for (const job of this.podJobs(cur)) this.enqueueBatched(job);
    }
  }

  /**
   * A pod being deleted (final: gone from the store). Its Job observed a deletion; a
   * pod gone, or without the finalizer, observed its finalizer removal too. The
   * finalizer of a pod whose Job is gone or finished is removed by the orphan path.
   */
  private deletePod(pod: Pod, final: boolean): void {
    const ref = controllerRef(pod);
    const withFinalizer = hasTrackingFinalizer(pod);
    const job = ref ? this.resolveControllerRef(pod.metadata.namespace ?? '', ref) : undefined;
    if (!job || isJobFinished(job)) {
      if (withFinalizer && !final) this.queue.add(ORPHAN_PREFIX + keyOf(pod));
      return;
    }
    const key = keyOf(job);
    this.expectations.deletionObserved(key);
    if (final || !withFinalizer) this.finalizerExpectations.removalObserved(key, pod.metadata.uid ?? '');
    this.enqueueBatched(job);
  }

  private resolveControllerRef(namespace: string, ref: OwnerReference): Job | undefined {
    if (ref.kind !== JOB_KIND.kind) return undefined;
    const job = this.o.jobInformer.get(namespace, ref.name);
    return job && job.metadata.uid === ref.uid ? job : undefined;
  }

  private selector(job: Job): LabelSelectorMatcher | Error {
    let sel = this.selectors.get(job);
    if (!sel) {
      try {
        sel = selectorFromLabelSelector(job.spec?.selector);
      } catch (err) {
        sel = err instanceof Error ? err : new Error(String(err));
      }
      this.selectors.set(job, sel);
    }
    return sel;
  }

  /** getPodJobs: the Jobs of the pod's namespace whose selector matches it. */
  private podJobs(pod: Pod): Job[] {
    const labels = pod.metadata.labels;
    if (!labels || Object.keys(labels).length === 0) return [];
    return this.o.jobInformer.listByNamespace(pod.metadata.namespace ?? '').filter((job) => {
      const sel = this.selector(job);
      return !(sel instanceof Error) && !sel.empty() && sel.matches(labels);
    });
  }

  // ---------------------------------------------------------------- reconcile

  async reconcile(key: string): Promise<void> {
    if (key.startsWith(ORPHAN_PREFIX)) return this.syncOrphanPod(key.slice(ORPHAN_PREFIX.length));
    const started = this.o.clock.now();
    try {
      await this.sync(key);
    } finally {
      this.o.log.debug({ job: key, ms: this.o.clock.now() - started }, 'finished syncing job');
    }
  }

  /** syncOrphanPod: removes the finalizer of a pod no running Job owns any more. */
  private async syncOrphanPod(key: string): Promise<void> {
    const pod = this.o.podInformer.getByKey(key);
    if (!pod || !hasTrackingFinalizer(pod)) return;
    const ref = controllerRef(pod);
    if (ref) {
      if (ref.kind !== JOB_KIND.kind || ref.apiVersion !== JOB_KIND.apiVersion) return;
      const job = this.resolveControllerRef(pod.metadata.namespace ?? '', ref);
      if (job && !isJobFinished(job)) return; // adopted: its Job counts it
    }
    try {
      await this.o.podControl.patchPod(pod.metadata.namespace ?? '', pod.metadata.name ?? '', removeTrackingFinalizerPatch(pod));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private async sync(key: string): Promise<void> {
    const job = this.o.jobInformer.getByKey(key);
    if (!job) {
      this.expectations.deleteExpectations(key);
      this.finalizerExpectations.delete(key);
      this.backoff.delete(key);
      return;
    }
    if (job.spec?.managedBy && job.spec.managedBy !== 'kubernetes.io/job-controller') return;
    if (isJobFinished(job)) {
      this.backoff.delete(key);
      return;
    }
    const mode = job.spec?.completionMode;
    if (mode && mode !== 'NonIndexed' && mode !== 'Indexed') {
      this.o.recorder.event(job, 'Warning', 'UnknownCompletionMode', 'Skipped Job sync because completion mode is unknown');
      return;
    }
    const satisfied = this.expectations.satisfiedExpectations(key);
    const pods = await this.podsForJob(job);
    await syncJob(job, pods, satisfied, {
      key,
      now: () => this.o.clock.now(),
      podControl: this.o.podControl,
      expectations: this.expectations,
      finalizerExpectations: this.finalizerExpectations,
      backoff: this.backoff,
      backoffBaseMs: this.o.backoffBaseMs ?? DEFAULT_POD_FAILURE_BACKOFF_MS,
      backoffMaxMs: this.o.backoffMaxMs ?? MAX_POD_FAILURE_BACKOFF_MS,
      updateStatus: (j) => this.o.client.updateStatus(j.metadata.namespace ?? '', j),
      event: (j, type, reason, message) => this.o.recorder.event(j, type, reason, message),
      requeueAfter: (ms) => this.queue.addAfter(key, ms),
      log: this.o.log,
    });
  }

  /**
   * getPodsForJob: every pod of the namespace the Job claims (adopting orphans that
   * match, with the tracking finalizer; releasing its pods that stopped matching).
   */
  private async podsForJob(job: Job): Promise<Pod[]> {
    const selector = this.selector(job);
    if (selector instanceof Error) throw new Error(`couldn't convert Job selector: ${selector.message}`);
    const { namespace = '', name = '', uid } = job.metadata;
    const canAdopt = recheckDeletionTimestamp(async () => {
      const fresh = await this.o.client.get(namespace, name);
      if (fresh.metadata.uid !== uid) throw new Error(`original Job ${namespace}/${name} is gone: got uid ${fresh.metadata.uid ?? ''}, wanted ${uid ?? ''}`);
      return fresh;
    });
    const manager = new PodControllerRefManager({
      podControl: this.o.podControl, controller: job, selector, kind: JOB_KIND, canAdopt, finalizers: [JOB_TRACKING_FINALIZER],
    });
    const claimed = await manager.claimPods(this.o.podInformer.listByNamespace(namespace));
    // An adopted pod carries the finalizer from now on (the patch added it).
    return claimed.map((p) => {
      const owned = (p.metadata.ownerReferences ?? []).some((r) => r.uid === uid && r.controller);
      if (owned || hasTrackingFinalizer(p)) return p;
      return { ...p, metadata: { ...p.metadata, finalizers: [...(p.metadata.finalizers ?? []), JOB_TRACKING_FINALIZER] } };
    });
  }
}

export const jobControllerDescriptor: ControllerDescriptor = {
  name: NAME,
  aliases: ['job'],
  serviceAccountName: 'job-controller',
  flags: [
    { name: 'concurrent-job-syncs', kind: 'int', default: '5', description: 'The number of job objects that are allowed to sync concurrently. Larger number = more responsive jobs, but more CPU (and network) load' },
    { name: 'job-pod-failure-backoff', kind: 'duration', default: '10s', description: 'The delay before a failed Job pod is replaced, doubled for each further consecutive failure (Kubernetes\' DefaultJobPodFailureBackOff; a flag here so tests can shorten it).' },
    { name: 'job-pod-failure-max-backoff', kind: 'duration', default: '6m', description: 'The longest delay before a failed Job pod is replaced (Kubernetes\' MaxJobPodFailureBackOff).' },
  ],
  create(ctx: ControllerContext) {
    const log = ctx.log.child({ controller: NAME });
    const recorder = ctx.recorder(NAME);
    return new JobController({
      jobInformer: ctx.informers.informer<Job>('jobs'),
      podInformer: ctx.informers.informer<Pod>('pods'),
      client: resourceClient<Job>(ctx.rest, 'jobs'),
      podControl: new RealPodControl(resourceClient<Pod>(ctx.rest, 'pods'), recorder, log),
      recorder, clock: ctx.clock, log, metrics: ctx.metrics,
      workers: ctx.options.int('concurrent-job-syncs'),
      backoffBaseMs: ctx.options.duration('job-pod-failure-backoff'),
      backoffMaxMs: ctx.options.duration('job-pod-failure-max-backoff'),
    });
  },
};

