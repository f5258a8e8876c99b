// The scheduler's I/O half: informers feed the Snapshot (nodes, assigned pods) and the
// SchedulingQueue (pending pods of our schedulerName); the loop pops a pod, decides with
// ScheduleAlgorithm, assumes the node in the Snapshot and binds asynchronously
// (kube-scheduler scheduleOne / bindingCycle / handleSchedulingFailure).
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Logger } from 'pino';
import { isConflict, isNotFound } from '../api/errors.js';
import { selectorFromLabelSelector } from '../api/labels.js';
import { isPodActive, isPodTerminal, podCondition } from '../api/helpers/pod.js';
import { rfc3339Now } from '../api/helpers/time.js';
import type { KubeObject } from '../api/types/meta.js';
import type { PodDisruptionBudget } from '../api/types/policy.js';
import type { ReplicaSet, StatefulSet } from '../api/types/apps.js';
import type { Binding, Namespace, Node, PersistentVolume, PersistentVolumeClaim, Pod, PodCondition, ReplicationController, Service } from '../api/types/core.js';
import type { StorageClass } from '../api/types/storage.js';
import type { EventRecorder } from '../client/event-recorder.js';
import { type Informer, informerFor, stripManagedFields } from '../client/informer.js';
import { resourceClient, type ResourceClient } from '../client/resource-client.js';
import type { RestClient } from '../client/rest-client.js';
import { buildFramework, DEFAULT_SCHEDULER_NAME, type ProfileConfig } from './config.js';
import { type AnyPlugin, type ClusterChange, runPreEnqueue } from './framework.js';
import { podKey, type PodInfo, Snapshot } from './node-info.js';
import { NAME as DEFAULT_PREEMPTION, defaultPreemptionPlugin, type DisruptionBudgetView } from './plugins/default-preemption.js';
import {
  ASSIGNED_POD_DELETE, assignedPodAdded, assignedPodDeleted, assignedPodUpdateEvent, nodeAdded, nodeDeleted, nodeUpdateEvent,
  type QueuedPodInfo, SchedulingQueue, type SchedulingQueueOptions,
} from './queue.js';
import { IN_TREE_PLUGINS, newRegistry, type Registry } from './registry.js';
import { NAME as VOLUME_BINDING, volumeBindingPlugin, type VolumeView } from './plugins/volume-binding.js';
import { VolumeBinder } from './volume-binder.js';
import { NAME as POD_TOPOLOGY_SPREAD, podTopologySpreadPlugin, type SelectorListers } from './plugins/pod-topology-spread.js';
import { NAME as INTER_POD_AFFINITY, interPodAffinityPlugin } from './plugins/inter-pod-affinity.js';
import { NAME as NODE_RESOURCES_FIT, nodeResourcesFitPlugin } from './plugins/node-resources-fit.js';
import type { PluginArgs } from './plugin-args.js';
import { ScheduleAlgorithm } from './schedule-one.js';
import { Nominator } from './nominator.js';

/**
 * The pods the scheduler watches: every pod not finished (kube-scheduler's pod informer
 * selector). Bound ones are accounted in the Snapshot, unbound ones of our schedulerName
 * are queued; a binding is one MODIFIED event moving a pod from one side to the other.
 */
export const NON_TERMINAL_PODS_SELECTOR = 'status.phase!=Succeeded,status.phase!=Failed';

export interface SchedulerOptions {
  rest: RestClient;
  /** Events of a profile are reported by its scheduler name (kube-scheduler's per-profile recorders). */
  recorder: EventRecorder | ((schedulerName: string) => EventRecorder);
  log: Logger;
  /** With one profile: pods whose spec.schedulerName is this (or empty, defaulted to default-scheduler) are ours. */
  schedulerName?: string;
  profile?: ProfileConfig;
  /** Several profiles (KubeSchedulerConfiguration.profiles), each placing the pods naming it; overrides schedulerName/profile. */
  profiles?: readonly ProfileConfig[];
  registry?: Registry;
  queue?: SchedulingQueueOptions;
  /** Decisions made before yielding to the event loop, so informer events keep flowing (16). */
  batch?: number;
  /** How long PreBind waits for a pod's claims to be bound (VolumeBinding's bindTimeoutSeconds: 600 s). */
  volumeBindTimeoutMs?: number;
}

/** The profile a pod names (an empty spec.schedulerName means default-scheduler). */
const profileName = (pod: Pod): string => pod.spec?.schedulerName || DEFAULT_SCHEDULER_NAME;

/** What preemption reads of a budget; a selector that does not parse matches nothing. */
function disruptionBudgetView(pdb: PodDisruptionBudget): DisruptionBudgetView {
  let selector;
  try {
    selector = selectorFromLabelSelector(pdb.spec?.selector);
  } catch {
    selector = selectorFromLabelSelector(null);
  }
  return {
    namespace: pdb.metadata.namespace ?? '',
    selector,
    disruptionsAllowed: pdb.status?.disruptionsAllowed ?? 0,
    disruptedPods: new Set(Object.keys(pdb.status?.disruptedPods ?? {})),
  };
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
  /** Pending pods nominated to nodes by preemption, holding room there (shared by the profiles). */
  readonly nominator = new Nominator();
  private readonly rest: RestClient;
  private readonly pods: ResourceClient<Pod>;
  private readonly recorders = new Map<string, EventRecorder>();
  private readonly log: Logger;
  /** One decision maker per profile, by scheduler name. */
  private readonly algorithms = new Map<string, ScheduleAlgorithm>();
  private readonly batch: number;
  private readonly podInformer: Informer<Pod>;
  private readonly nodeInformer: Informer<Node>;
  private readonly claimInformer: Informer<PersistentVolumeClaim>;
  private readonly volumeInformer: Informer<PersistentVolume>;
  private readonly classInformer: Informer<StorageClass>;
  private readonly pdbInformer: Informer<PodDisruptionBudget>;
  /** What selects pods, for PodTopologySpread's default constraints (helper.DefaultSelector). */
  private readonly selectorInformers: Informer<KubeObject>[];
  /** Namespace labels, for namespaceSelector in pod affinity terms. */
  private readonly namespaceInformer: Informer<Namespace>;
  private readonly volumeBinder: VolumeBinder;
  private loopSignal?: AbortSignal;
  /** The leader's queue; undefined while not leading. */
  private queue?: SchedulingQueue;
  private readonly binds = new Set<Promise<void>>();
  /** Each profile's plugins by name, for their QueueingHints. */
  private readonly registries = new Map<string, Registry>();
  /** Profiles whose VolumeBindingArgs set bindTimeoutSeconds. */
  private readonly volumeBindTimeoutsMs = new Map<string, number>();

  constructor(private readonly opts: SchedulerOptions) {
    this.rest = opts.rest;
    this.pods = resourceClient<Pod>(opts.rest, 'pods');
    this.log = opts.log;
    // Pods without their managedFields, as kube-scheduler keeps them: it never reads them.
    this.podInformer = informerFor<Pod>(this.rest, 'pods', {
      fieldSelector: NON_TERMINAL_PODS_SELECTOR, transform: stripManagedFields, log: this.log.child({ informer: 'pods' }),
    });
    this.nodeInformer = informerFor<Node>(this.rest, 'nodes', { log: this.log.child({ informer: 'nodes' }) });
    this.claimInformer = informerFor<PersistentVolumeClaim>(this.rest, 'persistentvolumeclaims', { log: this.log.child({ informer: 'persistentvolumeclaims' }) });
    this.volumeInformer = informerFor<PersistentVolume>(this.rest, 'persistentvolumes', { log: this.log.child({ informer: 'persistentvolumes' }) });
    this.classInformer = informerFor<StorageClass>(this.rest, 'storageclasses', { log: this.log.child({ informer: 'storageclasses' }) });
    this.pdbInformer = informerFor<PodDisruptionBudget>(this.rest, 'poddisruptionbudgets', { log: this.log.child({ informer: 'poddisruptionbudgets' }) });
    this.namespaceInformer = informerFor<Namespace>(this.rest, 'namespaces', { log: this.log.child({ informer: 'namespaces' }) });
    const view: VolumeView = {
      claim: (ns, name) => this.claimInformer.get(ns, name),
      volume: (name) => this.volumeInformer.getByKey(name),
      volumes: () => this.volumeInformer.list(),
      storageClass: (name) => this.classInformer.getByKey(name),
    };
    const services = informerFor<Service>(this.rest, 'services', { log: this.log.child({ informer: 'services' }) });
    const rcs = informerFor<ReplicationController>(this.rest, 'replicationcontrollers', { log: this.log.child({ informer: 'replicationcontrollers' }) });
    const rss = informerFor<ReplicaSet>(this.rest, 'replicasets', { log: this.log.child({ informer: 'replicasets' }) });
    const sss = informerFor<StatefulSet>(this.rest, 'statefulsets', { log: this.log.child({ informer: 'statefulsets' }) });
    this.selectorInformers = [services, rcs, rss, sss] as Informer<KubeObject>[];
    const listers: SelectorListers = {
      services: (ns) => services.listByNamespace(ns),
      replicationController: (ns, name) => rcs.get(ns, name),
      replicaSet: (ns, name) => rss.get(ns, name),
      statefulSet: (ns, name) => sss.get(ns, name),
    };
    // VolumeBinding, PodTopologySpread and DefaultPreemption read this scheduler's caches (the
    // registry's own see none); they and the plugins taking arguments are built per profile.
    const pdbs = (): DisruptionBudgetView[] => this.pdbInformer.list().map(disruptionBudgetView);
    const mine = new Set([VOLUME_BINDING, POD_TOPOLOGY_SPREAD, DEFAULT_PREEMPTION, INTER_POD_AFFINITY, NODE_RESOURCES_FIT]);
    const registryFor = (args: PluginArgs = {}): Registry => opts.registry ?? newRegistry([
      ...IN_TREE_PLUGINS.filter((p) => !mine.has(p.name)),
      volumeBindingPlugin(view),
      podTopologySpreadPlugin(listers, args.PodTopologySpread),
      defaultPreemptionPlugin({ pdbs, ...args.DefaultPreemption }),
      interPodAffinityPlugin(args.InterPodAffinity),
      nodeResourcesFitPlugin(args.NodeResourcesFit),
    ]);
    const profiles = opts.profiles ?? [{ ...opts.profile, schedulerName: opts.schedulerName ?? opts.profile?.schedulerName ?? DEFAULT_SCHEDULER_NAME }];
    for (const profile of profiles) {
      const registry = registryFor(profile.pluginArgs);
      const fw = buildFramework(profile, registry, { nominator: this.nominator });
      if (this.algorithms.has(fw.schedulerName)) throw new Error(`duplicate profile with scheduler name "${fw.schedulerName}"`);
      this.registries.set(fw.schedulerName, registry);
      const timeout = profile.pluginArgs?.VolumeBinding?.bindTimeoutSeconds;
      if (timeout !== undefined) this.volumeBindTimeoutsMs.set(fw.schedulerName, timeout * 1000);
      this.algorithms.set(fw.schedulerName, new ScheduleAlgorithm(fw));
      this.recorders.set(fw.schedulerName, typeof opts.recorder === 'function' ? opts.recorder(fw.schedulerName) : opts.recorder);
    }
    this.volumeBinder = new VolumeBinder({
      view, claims: resourceClient<PersistentVolumeClaim>(opts.rest, 'persistentvolumeclaims'),
      volumes: resourceClient<PersistentVolume>(opts.rest, 'persistentvolumes'), log: this.log.child({ plugin: VOLUME_BINDING }),
      timeoutMs: opts.volumeBindTimeoutMs,
    });
    this.batch = opts.batch ?? 16;
    this.wireHandlers();
  }

  /** Whether this scheduler places `pod`: one of its profiles is named by it (kube-scheduler's responsibleForPod). */
  responsibleFor(pod: Pod): boolean {
    return this.algorithms.has(profileName(pod));
  }

  private algorithmFor(pod: Pod): ScheduleAlgorithm {
    return this.algorithms.get(profileName(pod)) as ScheduleAlgorithm;
  }

  private recorderFor(pod: Pod): EventRecorder {
    return this.recorders.get(profileName(pod)) ?? (this.recorders.values().next().value as EventRecorder);
  }

  /** Runs the informers until `signal` aborts; resolves once they have synced, with `done` settling when they stop. */
  async start(signal: AbortSignal): Promise<{ done: Promise<unknown> }> {
    const informers = [this.nodeInformer, this.podInformer, this.claimInformer, this.volumeInformer, this.classInformer, this.pdbInformer, this.namespaceInformer, ...this.selectorInformers] as Informer<KubeObject>[];
    const runs = Promise.allSettled(informers.map((i) => i.run(signal)));
    await Promise.all(informers.map((i) => i.waitForSync(signal)));
    this.log.info({ nodes: this.snapshot.numNodes, pods: this.snapshot.numPods }, 'caches synced');
    return { done: runs };
  }

  /** Schedules until `signal` aborts (leadership lost or shutdown), then waits for binds in flight. */
  async runLoop(signal: AbortSignal): Promise<void> {
    const queue = new SchedulingQueue({
      ...this.opts.queue,
      preEnqueue: (pod) => runPreEnqueue(this.algorithmFor(pod).fw, pod),
      queueingHint: (pod, plugin, change) => this.queueingHint(pod, plugin, change),
    });
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

  /** The plugin's QueueingHint for `change`, or true (Queue) for a plugin without one. */
  private queueingHint(pod: Pod, plugin: string, change: ClusterChange): boolean {
    const p = this.registries.get(profileName(pod))?.get(plugin) as AnyPlugin | undefined;
    return p?.isSchedulableAfter ? p.isSchedulableAfter(pod, change, this.snapshot) : true;
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
        this.queue?.moveAllToActiveOrBackoffQueue(nodeAdded(node));
      },
      update: (oldNode, node) => {
        this.snapshot.setNode(node);
        const ev = nodeUpdateEvent(oldNode, node);
        if (ev) this.queue?.moveAllToActiveOrBackoffQueue(ev);
      },
      delete: (node) => {
        this.snapshot.removeNode(node.metadata.name ?? '');
        this.queue?.moveAllToActiveOrBackoffQueue(nodeDeleted(node));
      },
    });
    // One informer, two views (kube-scheduler's assigned / unassigned filtering handlers).
    this.podInformer.addEventHandler({
      add: (pod) => {
        if (pod.spec?.nodeName) {
          if (!isPodTerminal(pod)) this.addAssigned(pod);
        } else if (this.wants(pod)) {
          this.nominator.add(pod);
          this.queue?.add(pod);
        }
      },
      update: (oldPod, pod) => {
        if (!pod.spec?.nodeName) {
          if (this.wants(pod)) {
            this.nominator.update(oldPod, pod);
            this.queue?.update(oldPod, pod);
          } else {
            this.nominator.delete(pod);
            this.queue?.delete(pod);
          }
          return;
        }
        // Bound now (its binding, or a later change): no longer the queue's.
        if (!oldPod.spec?.nodeName) {
          this.nominator.delete(pod);
          this.queue?.delete(pod);
        }
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
        else {
          this.nominator.delete(pod);
          this.queue?.delete(pod);
        }
      },
    });
  }

  /** A pod bound (its binding seen): pods waiting for peers (pod affinity) may fit now. */
  private addAssigned(pod: Pod): void {
    this.snapshot.addPod(pod);
    this.queue?.moveAllToActiveOrBackoffQueue(assignedPodAdded(pod));
  }

  private removeAssigned(pod: Pod): void {
    if (this.snapshot.nodeOf(pod) === undefined) return;
    this.snapshot.removePod(pod);
    this.queue?.moveAllToActiveOrBackoffQueue(assignedPodDeleted(pod));
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
    const result = this.algorithmFor(pod).schedule(pod, this.snapshot);
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    switch (result.kind) {
      case 'Scheduled': {
        this.snapshot.assumePod(pod, result.nodeName, result.podInfo);
        // Assumed: it holds its room as a pod of the node now, no longer as a nomination.
        this.nominator.delete(pod);
        this.log.debug({ pod: key, node: result.nodeName, ms: performance.now() - started, feasible: result.feasibleNodes }, 'assumed pod');
        const bind = this.bind(queue, pInfo, pod, result.nodeName).finally(() => this.binds.delete(bind));
        this.binds.add(bind);
        return;
      }
      case 'Unschedulable': {
        this.log.info({ pod: key, message: result.message, nominatedNode: result.nominatedNodeName }, 'unschedulable pod');
        if (result.nominatedNodeName) this.preempt(pod, result.nominatedNodeName, result.victims ?? []);
        else if (result.nominatedNodeName === '') this.nominator.delete(pod);
        this.recordFailure(pod, 'Unschedulable', result.message, result.nominatedNodeName);
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
        await this.volumeBinder.bindPodVolumes(pod, node, this.loopSignal, this.volumeBindTimeoutsMs.get(profileName(pod)));
      } catch (err) {
        this.forget(pod);
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
      this.recorderFor(pod).event(pod, 'Normal', 'Scheduled', `Successfully assigned ${ns}/${name} to ${nodeName}`);
      this.log.debug({ pod: `${ns}/${name}`, node: nodeName }, 'bound pod');
    } catch (err) {
      this.forget(pod);
      if (isNotFound(err)) {
        // The pod was deleted meanwhile: nothing left to schedule.
        queue.done(pInfo.key);
        return;
      }
      const message = `Binding rejected: ${err instanceof Error ? err.message : String(err)}`;
      this.log.warn({ pod: `${ns}/${name}`, node: nodeName, err }, 'binding failed');
      this.recorderFor(pod).event(pod, 'Warning', 'FailedScheduling', message);
      queue.addBackoff(pInfo);
      // The freed capacity may let a waiting pod fit.
      queue.moveAllToActiveOrBackoffQueue(ASSIGNED_POD_DELETE);
    }
  }

  /** An assumed pod that did not bind: off its node again, and nominated again if its status says so. */
  private forget(pod: Pod): void {
    this.snapshot.forgetPod(pod);
    const latest = this.podInformer.getByKey(`${pod.metadata.namespace}/${pod.metadata.name}`);
    if (latest && podKey(latest) === podKey(pod) && this.wants(latest)) this.nominator.add(latest);
  }

  /**
   * DefaultPreemption's decision carried out (kube-scheduler prepareCandidate): each victim
   * gets DisruptionTarget=True (PreemptionByScheduler) and is deleted gracefully, with a
   * Preempted event; lower-priority pods nominated to the node lose the nomination. The
   * preemptor waits among the unschedulable pods; the victims' deletions move it.
   */
  private preempt(pod: Pod, nodeName: string, victims: readonly PodInfo[]): void {
    const schedulerName = profileName(pod);
    const condition: PodCondition = {
      type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler',
      message: `${schedulerName}: preempting to accommodate a higher priority pod`, lastProbeTime: null, lastTransitionTime: rfc3339Now(),
    };
    const priority = pod.spec?.priority ?? 0;
    this.nominator.add(pod, nodeName);
    for (const v of victims) {
      const ns = v.pod.metadata.namespace ?? 'default';
      const name = v.pod.metadata.name ?? '';
      this.log.info({ pod: `${pod.metadata.namespace}/${pod.metadata.name}`, victim: `${ns}/${name}`, node: nodeName }, 'preempting');
      void (async () => {
        if (podCondition(v.pod, 'DisruptionTarget')?.status !== 'True') {
          await this.pods.patch(ns, name, 'strategic', { status: { conditions: [condition] } }, { subresource: 'status' });
        }
        await this.pods.delete(ns, name, { preconditions: { uid: v.pod.metadata.uid } });
        this.recorderFor(pod).event(v.pod, 'Normal', 'Preempted', `Preempted by pod ${pod.metadata.uid ?? ''} on node ${nodeName}`);
      })().catch((err: unknown) => {
        if (!isNotFound(err) && !isConflict(err)) this.log.warn({ victim: `${ns}/${name}`, err }, 'preempting a victim failed');
      });
    }
    for (const other of this.podInformer.list()) {
      if (other.status?.nominatedNodeName !== nodeName || other.spec?.nodeName || (other.spec?.priority ?? 0) >= priority) continue;
      const ns = other.metadata.namespace ?? 'default';
      this.pods.patch(ns, other.metadata.name ?? '', 'merge', { status: { nominatedNodeName: null } }, { subresource: 'status' }).catch((err: unknown) => {
        if (!isNotFound(err)) this.log.warn({ pod: `${ns}/${other.metadata.name}`, err }, 'clearing a nomination failed');
      });
    }
  }

  /**
   * FailedScheduling event, and PodScheduled=False with the reason and message (and the
   * node preemption nominated) unless the pod already says so.
   */
  private recordFailure(pod: Pod, reason: string, message: string, nominatedNodeName?: string): void {
    this.recorderFor(pod).event(pod, 'Warning', 'FailedScheduling', message);
    const cur = podCondition(pod, 'PodScheduled');
    // '' clears a nomination (preemption found no candidate).
    const nominationChanges = nominatedNodeName !== undefined && (pod.status?.nominatedNodeName ?? '') !== nominatedNodeName;
    if (!nominationChanges && cur && cur.status === 'False' && cur.reason === reason && cur.message === message) return;
    const condition: PodCondition = {
      type: 'PodScheduled', status: 'False', reason, message, lastProbeTime: null,
      lastTransitionTime: cur?.status === 'False' && cur.lastTransitionTime ? cur.lastTransitionTime : rfc3339Now(),
    };
    const ns = pod.metadata.namespace ?? 'default';
    const name = pod.metadata.name ?? '';
    const status = nominationChanges ? { conditions: [condition], nominatedNodeName: nominatedNodeName || null } : { conditions: [condition] };
    this.pods.patch(ns, name, 'strategic', { status }, { subresource: 'status' }).catch((err: unknown) => {
      if (!isNotFound(err)) this.log.warn({ pod: `${ns}/${name}`, err }, 'updating PodScheduled condition failed');
    });
  }
}
