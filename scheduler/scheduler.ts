// The scheduler's I/O half: informers feed the Snapshot (nodes, assigned pods) and the
// SchedulingQueue (pending pods of our schedulerName); the loop pops a pod, decides with
// ScheduleAlgorithm, assumes the node in the Snapshot and binds asynchronously
// (kube-scheduler scheduleOne / bindingCycle / handleSchedulingFailure).
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Logger } from 'pino';
import { isNotFound } from '../api/errors.js';
import { isPodActive, isPodTerminal, podCondition } from '../api/helpers/pod.js';
import { rfc3339Now } from '../api/helpers/time.js';
import type { KubeObject } from '../api/types/meta.js';
import type { Binding, Namespace, Node, PersistentVolume, PersistentVolumeClaim, Pod, PodCondition } from '../api/types/core.js';
import type { StorageClass } from '../api/types/storage.js';
import type { EventRecorder } from '../client/event-recorder.js';
import { type Informer, informerFor } from '../client/informer.js';
import { resourceClient, type ResourceClient } from '../client/resource-client.js';
import type { RestClient } from '../client/rest-client.js';
import { buildFramework, DEFAULT_SCHEDULER_NAME, type ProfileConfig } from './config.js';
import { podKey, Snapshot } from './node-info.js';
import {
  ASSIGNED_POD_ADD, ASSIGNED_POD_DELETE, assignedPodUpdateEvent, NODE_ADD, nodeUpdateEvent, type QueuedPodInfo, SchedulingQueue, type SchedulingQueueOptions,
} from './queue.js';
import { IN_TREE_PLUGINS, newRegistry, type Registry } from './registry.js';
import { NAME as VOLUME_BINDING, volumeBindingPlugin, type VolumeView } from './plugins/volume-binding.js';
import { VolumeBinder } from './volume-binder.js';
import { ScheduleAlgorithm } from './schedule-one.js';

/**
 * The pods the scheduler watches: every pod not finished (kube-scheduler's pod informer
 * selector). Bound ones are accounted in the Snapshot, unbound ones of our schedulerName
 * are queued; a binding is one MODIFIED event moving a pod from one side to the other.
 */
export const NON_TERMINAL_PODS_SELECTOR = 'status.phase!=Succeeded,status.phase!=Failed';

export interface SchedulerOptions {
  rest: RestClient;
  recorder: EventRecorder;
  log: Logger;
  /** Pods whose spec.schedulerName is this (or empty, defaulted to default-scheduler) are ours. */
  schedulerName?: string;
  profile?: ProfileConfig;
  registry?: Registry;
  queue?: SchedulingQueueOptions;
  /** Decisions made before yielding to the event loop, so informer events keep flowing (16). */
  batch?: number;
  /** How long PreBind waits for a pod's claims to be bound (VolumeBinding's bindTimeoutSeconds: 600 s). */
  volumeBindTimeoutMs?: number;
}

/** A claim, volume or class appeared or changed: pods VolumeBinding rejected may fit now. */
const VOLUME_CHANGE = { label: 'PersistentVolumeClaimOrVolumeChange', plugins: new Set([VOLUME_BINDING]) };

/**
 * Owns the informers and the Snapshot for the process's lifetime (start), and schedules
 * only while runLoop runs (the leader). A standby keeps warm caches, so taking over costs
 * no relist.
 */
export class Scheduler {
  readonly snapshot = new Snapshot();
  private readonly rest: RestClient;
  private readonly pods: ResourceClient<Pod>;
  private readonly recorder: EventRecorder;
  private readonly log: Logger;
  private readonly schedulerName: string;
  private readonly algorithm: ScheduleAlgorithm;
  private readonly batch: number;
  private readonly podInformer: Informer<Pod>;
  private readonly nodeInformer: Informer<Node>;
  private readonly claimInformer: Informer<PersistentVolumeClaim>;
  private readonly volumeInformer: Informer<PersistentVolume>;
  private readonly classInformer: Informer<StorageClass>;
  /** Namespace labels, for namespaceSelector in pod affinity terms. */
  private readonly namespaceInformer: Informer<Namespace>;
  private readonly volumeBinder: VolumeBinder;
  private loopSignal?: AbortSignal;
  /** The leader's queue; undefined while not leading. */
  private queue?: SchedulingQueue;
  private readonly binds = new Set<Promise<void>>();

  constructor(private readonly opts: SchedulerOptions) {
    this.rest = opts.rest;
    this.pods = resourceClient<Pod>(opts.rest, 'pods');
    this.recorder = opts.recorder;
    this.log = opts.log;
    this.schedulerName = opts.schedulerName ?? opts.profile?.schedulerName ?? DEFAULT_SCHEDULER_NAME;
    this.podInformer = informerFor<Pod>(this.rest, 'pods', { fieldSelector: NON_TERMINAL_PODS_SELECTOR, log: this.log.child({ informer: 'pods' }) });
    this.nodeInformer = informerFor<Node>(this.rest, 'nodes', { log: this.log.child({ informer: 'nodes' }) });
    this.claimInformer = informerFor<PersistentVolumeClaim>(this.rest, 'persistentvolumeclaims', { log: this.log.child({ informer: 'persistentvolumeclaims' }) });
    this.volumeInformer = informerFor<PersistentVolume>(this.rest, 'persistentvolumes', { log: this.log.child({ informer: 'persistentvolumes' }) });
    this.classInformer = informerFor<StorageClass>(this.rest, 'storageclasses', { log: this.log.child({ informer: 'storageclasses' }) });
    this.namespaceInformer = informerFor<Namespace>(this.rest, 'namespaces', { log: this.log.child({ informer: 'namespaces' }) });
    const view: VolumeView = {
      claim: (ns, name) => this.claimInformer.get(ns, name),
      volume: (name) => this.volumeInformer.getByKey(name),
      volumes: () => this.volumeInformer.list(),
      storageClass: (name) => this.classInformer.getByKey(name),
    };
    // VolumeBinding reads this scheduler's caches (the registry's own sees no volumes).
    const registry = opts.registry ?? newRegistry([...IN_TREE_PLUGINS.filter((p) => p.name !== VOLUME_BINDING), volumeBindingPlugin(view)]);
    this.algorithm = new ScheduleAlgorithm(buildFramework({ ...opts.profile, schedulerName: this.schedulerName }, registry));
    this.volumeBinder = new VolumeBinder({
      view, claims: resourceClient<PersistentVolumeClaim>(opts.rest, 'persistentvolumeclaims'),
      volumes: resourceClient<PersistentVolume>(opts.rest, 'persistentvolumes'), log: this.log.child({ plugin: VOLUME_BINDING }),
      timeoutMs: opts.volumeBindTimeoutMs,
    });
    this.batch = opts.batch ?? 16;
    this.wireHandlers();
  }

  /** Whether this scheduler places `pod` (kube-scheduler's responsibleForPod). */
  responsibleFor(pod: Pod): boolean {
    const name = pod.spec?.schedulerName || DEFAULT_SCHEDULER_NAME;
    return name === this.schedulerName;
  }

  /** Runs the informers until `signal` aborts; resolves once they have synced, with `done` settling when they stop. */
  async start(signal: AbortSignal): Promise<{ done: Promise<unknown> }> {
    const informers = [this.nodeInformer, this.podInformer, this.claimInformer, this.volumeInformer, this.classInformer, this.namespaceInformer] as Informer<KubeObject>[];
    const runs = Promise.allSettled(informers.map((i) => i.run(signal)));
    await Promise.all(informers.map((i) => i.waitForSync(signal)));
    this.log.info({ nodes: this.snapshot.numNodes, pods: this.snapshot.numPods }, 'caches synced');
    return { done: runs };
  }

  /** Schedules until `signal` aborts (leadership lost or shutdown), then waits for binds in flight. */
  async runLoop(signal: AbortSignal): Promise<void> {
    const queue = new SchedulingQueue(this.opts.queue);
    this.queue = queue;
    this.loopSignal = signal;
    const timers = queue.run(signal);
    for (const pod of this.podInformer.list()) if (this.wants(pod)) queue.add(pod);
    this.log.info({ pending: queue.stats().active }, 'scheduling started');
    let n = 0;
    try {
      for (;;) {
        const pInfo = await queue.pop(signal);
        if (!pInfo) break;
        this.scheduleOne(queue, pInfo);
        if (++n % this.batch === 0) await yieldToEventLoop();
      }
    } finally {
      this.queue = undefined;
      queue.close();
      await timers;
      // Every assumption is settled (confirmed by the informer, or forgotten) before a new
      // term starts with a fresh queue.
      await Promise.allSettled([...this.binds]);
      this.log.info('scheduling stopped');
    }
  }

  /** Counts for tests and logs. */
  stats(): { queue?: ReturnType<SchedulingQueue['stats']>; nodes: number; pods: number; bindsInFlight: number } {
    return { queue: this.queue?.stats(), nodes: this.snapshot.numNodes, pods: this.snapshot.numPods, bindsInFlight: this.binds.size };
  }

  private wants(pod: Pod): boolean {
    return !pod.spec?.nodeName && isPodActive(pod) && this.responsibleFor(pod);
  }

  private wireHandlers(): void {
    const volumesChanged = (): void => {
      this.volumeBinder.notify();
      this.queue?.moveAllToActiveOrBackoffQueue(VOLUME_CHANGE);
    };
    for (const inf of [this.claimInformer, this.volumeInformer, this.classInformer] as Informer<KubeObject>[]) {
      inf.addEventHandler({ add: volumesChanged, update: volumesChanged, delete: () => this.volumeBinder.notify() });
    }
    this.namespaceInformer.addEventHandler({
      add: (ns) => this.snapshot.setNamespace(ns),
      update: (_old, ns) => this.snapshot.setNamespace(ns),
      delete: (ns) => this.snapshot.removeNamespace(ns.metadata.name ?? ''),
    });
    this.nodeInformer.addEventHandler({
      add: (node) => {
        this.snapshot.setNode(node);
        this.queue?.moveAllToActiveOrBackoffQueue(NODE_ADD);
      },
      update: (oldNode, node) => {
        this.snapshot.setNode(node);
        const ev = nodeUpdateEvent(oldNode, node);
        if (ev) this.queue?.moveAllToActiveOrBackoffQueue(ev);
      },
      delete: (node) => this.snapshot.removeNode(node.metadata.name ?? ''),
    });
    // One informer, two views (kube-scheduler's assigned / unassigned filtering handlers).
    this.podInformer.addEventHandler({
      add: (pod) => {
        if (pod.spec?.nodeName) {
          if (!isPodTerminal(pod)) this.addAssigned(pod);
        } else if (this.wants(pod)) {
          this.queue?.add(pod);
        }
      },
      update: (oldPod, pod) => {
        if (!pod.spec?.nodeName) {
          if (this.wants(pod)) this.queue?.update(oldPod, pod);
          else this.queue?.delete(pod);
          return;
        }
        // Bound now (its binding, or a later change): no longer the queue's.
        if (!oldPod.spec?.nodeName) this.queue?.delete(pod);
        if (!isPodTerminal(pod)) {
          if (!oldPod.spec?.nodeName) this.addAssigned(pod);
          else {
            this.snapshot.addPod(pod);
            const ev = assignedPodUpdateEvent(oldPod, pod);
            if (ev) this.queue?.moveAllToActiveOrBackoffQueue(ev);
          }
          return;
        }
        // A finished pod frees its node's resources and ports: like a deletion. (It also
        // leaves the selector, so this only runs if the DELETED event is not seen first.)
        this.removeAssigned(pod);
      },
      // Deleted, or finished (it left the selector).
      delete: (pod) => {
        if (pod.spec?.nodeName) this.removeAssigned(pod);
        else this.queue?.delete(pod);
      },
    });
  }

  /** A pod bound (its binding seen): pods waiting for peers (pod affinity) may fit now. */
  private addAssigned(pod: Pod): void {
    this.snapshot.addPod(pod);
    this.queue?.moveAllToActiveOrBackoffQueue(ASSIGNED_POD_ADD);
  }

  private removeAssigned(pod: Pod): void {
    if (this.snapshot.nodeOf(pod) === undefined) return;
    this.snapshot.removePod(pod);
    this.queue?.moveAllToActiveOrBackoffQueue(ASSIGNED_POD_DELETE);
  }

  /** One decision, synchronous up to the binding, which runs in the background. */
  private scheduleOne(queue: SchedulingQueue, pInfo: QueuedPodInfo): void {
    const cycle = queue.cycle;
    // Decide on the freshest object: the queued one may predate an update.
    const pod = this.podInformer.getByKey(`${pInfo.pod.metadata.namespace}/${pInfo.pod.metadata.name}`);
    if (!pod || podKey(pod) !== pInfo.key || !this.wants(pod) || this.snapshot.isAssumed(pod)) {
      queue.done(pInfo.key);
      return;
    }
    pInfo.pod = pod;
    const started = performance.now();
    const result = this.algorithm.schedule(pod, this.snapshot);
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    switch (result.kind) {
      case 'Scheduled': {
        this.snapshot.assumePod(pod, result.nodeName, result.podInfo);
        this.log.debug({ pod: key, node: result.nodeName, ms: performance.now() - started, feasible: result.feasibleNodes }, 'assumed pod');
        const bind = this.bind(queue, pInfo, pod, result.nodeName).finally(() => this.binds.delete(bind));
        this.binds.add(bind);
        return;
      }
      case 'Unschedulable': {
        this.log.info({ pod: key, message: result.message }, 'unschedulable pod');
        this.recordFailure(pod, 'Unschedulable', result.message);
        queue.addUnschedulableIfNotPresent(pInfo, result.fitError?.diagnosis.unschedulablePlugins ?? [], cycle);
        return;
      }
      case 'Error': {
        this.log.error({ pod: key, message: result.message }, 'error scheduling pod');
        this.recordFailure(pod, 'SchedulerError', result.message);
        queue.addBackoff(pInfo);
        return;
      }
    }
  }

  private async bind(queue: SchedulingQueue, pInfo: QueuedPodInfo, pod: Pod, nodeName: string): Promise<void> {
    const ns = pod.metadata.namespace ?? 'default';
    const name = pod.metadata.name ?? '';
    const binding: Binding = {
      apiVersion: 'v1', kind: 'Binding',
      metadata: { name, namespace: ns, uid: pod.metadata.uid },
      target: { kind: 'Node', name: nodeName },
    };
    // PreBind: VolumeBinding binds or provisions the pod's claims on the node first.
    if (this.volumeBinder.needsBinding(pod)) {
      const node = this.nodeInformer.getByKey(nodeName);
      try {
        if (!node) throw new Error(`node "${nodeName}" not found`);
        await this.volumeBinder.bindPodVolumes(pod, node, this.loopSignal);
      } catch (err) {
        this.snapshot.forgetPod(pod);
        const message = `running PreBind plugin "${VOLUME_BINDING}": ${err instanceof Error ? err.message : String(err)}`;
        this.log.warn({ pod: `${ns}/${name}`, node: nodeName, err }, 'binding volumes failed');
        this.recordFailure(pod, 'SchedulerError', message);
        queue.addBackoff(pInfo);
        return;
      }
    }
    try {
      await this.pods.createSubresource(ns, name, 'binding', binding);
      queue.done(pInfo.key);
      this.recorder.event(pod, 'Normal', 'Scheduled', `Successfully assigned ${ns}/${name} to ${nodeName}`);
      this.log.debug({ pod: `${ns}/${name}`, node: nodeName }, 'bound pod');
    } catch (err) {
      this.snapshot.forgetPod(pod);
      if (isNotFound(err)) {
        // The pod was deleted meanwhile: nothing left to schedule.
        queue.done(pInfo.key);
        return;
      }
      const message = `Binding rejected: ${err instanceof Error ? err.message : String(err)}`;
      this.log.warn({ pod: `${ns}/${name}`, node: nodeName, err }, 'binding failed');
      this.recorder.event(pod, 'Warning', 'FailedScheduling', message);
      queue.addBackoff(pInfo);
      // The freed capacity may let a waiting pod fit.
      queue.moveAllToActiveOrBackoffQueue(ASSIGNED_POD_DELETE);
    }
  }

  /** FailedScheduling event, and PodScheduled=False with the reason and message unless the pod already says so. */
  private recordFailure(pod: Pod, reason: string, message: string): void {
    this.recorder.event(pod, 'Warning', 'FailedScheduling', message);
    const cur = podCondition(pod, 'PodScheduled');
    if (cur && cur.status === 'False' && cur.reason === reason && cur.message === message) return;
    const condition: PodCondition = {
      type: 'PodScheduled', status: 'False', reason, message, lastProbeTime: null,
      lastTransitionTime: cur?.status === 'False' && cur.lastTransitionTime ? cur.lastTransitionTime : rfc3339Now(),
    };
    const ns = pod.metadata.namespace ?? 'default';
    const name = pod.metadata.name ?? '';
    this.pods.patch(ns, name, 'strategic', { status: { conditions: [condition] } }, { subresource: 'status' }).catch((err: unknown) => {
      if (!isNotFound(err)) this.log.warn({ pod: `${ns}/${name}`, err }, 'updating PodScheduled condition failed');
    });
  }
}
