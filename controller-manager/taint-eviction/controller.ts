// The taint eviction controller (pkg/controller/tainteviction): evicts pods from nodes
// with NoExecute taints they do not tolerate. A pod that does not tolerate one of its
// node's NoExecute taints is deleted at once; one that tolerates them all, some for
// a limited tolerationSeconds, is deleted when the shortest of those has passed since
// its taint was added (the taint's timeAdded; the time this controller first saw the
// taint when it has none). The deletion is scheduled on the clock and cancelled when
// the taints go, the pod tolerates them for good, or the pod is gone. Before deleting,
// the DisruptionTarget condition is written into the pod's status.
//
// Level-triggered: handlers enqueue pod keys (all the pods of a node whose NoExecute
// taints changed); reconcile(key) works out when the pod must go from the caches and
// keeps at most one timer per pod, which re-enqueues the key when it fires.
import type { Logger } from 'pino';
import { isConflict, isNotFound } from '../../api/errors.js';
import { updatePodCondition } from '../../api/helpers/pod-conditions.js';
import { parseTime } from '../../api/helpers/time.js';
import type { Node, Pod, PodCondition, Taint, Toleration } from '../../api/types/core.js';
import type { Clock, TimerHandle } from '../../client/clock.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import { keyOf, splitKey, type Informer } from '../../client/informer.js';
import type { WorkQueue } from '../../client/work-queue.js';
import { toleratesTaint } from '../../api/helpers/taints.js';
import { controllerQueue, runQueue, type Controller } from '../controller.js';
import type { ControllerMetrics } from '../metrics.js';
import { addPodNodeNameIndex, podsOnNode } from '../pods-by-node.js';
import { podRef } from '../refs.js';

export const NAME = 'taint-eviction-controller';
/** Kubernetes records the taint eviction controller's Events under its controller name. */
export const EVENT_SOURCE = 'taint-eviction-controller';

/** UpdateWorkerSize. */
const WORKERS = 8;

export const DISRUPTION_TARGET: Omit<PodCondition, 'lastTransitionTime'> = {
  type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint',
};

/** The writes of an eviction, behind an interface so unit tests record them. */
export interface TaintEvictionClient {
  /** Uncached GET of a pod (its status is patched from a fresh read). */
  getPod(namespace: string, name: string): Promise<Pod>;
  /** Strategic merge patch of one condition into pods/status. */
  patchPodCondition(pod: Pod, condition: PodCondition): Promise<Pod>;
  /** Deletes the pod (its default grace period) if it still has uid. */
  deletePod(namespace: string, name: string, uid: string | undefined): Promise<void>;
}

export interface TaintEvictionDeps {
  nodes: Pick<Informer<Node>, 'getByKey' | 'addEventHandler'>;
  pods: Pick<Informer<Pod>, 'getByKey' | 'byIndex' | 'addIndexers' | 'addEventHandler'>;
  client: TaintEvictionClient;
  recorder: Pick<EventRecorder, 'event'>;
  clock: Clock;
  log: Logger;
  metrics?: ControllerMetrics;
}

/** What a pod's tolerations make of its node's NoExecute taints. */
export type EvictionPlan =
  | { kind: 'none' }
  /** At this time (ms); 0 for at once. */
  | { kind: 'at'; at: number };

/**
 * When a pod must be evicted from a node with these NoExecute taints (pure; the
 * decision of processPodOnNode). firstSeen(taint) is when a taint without timeAdded
 * was first seen. Each taint is matched by the first toleration that tolerates it
 * (GetMatchingTolerations): none matching means at once; a matching toleration with
 * tolerationSeconds <= 0 means at once; with a positive one, that long after the
 * taint was added; without one, never. The earliest time wins.
 */
export function evictionPlan(taints: readonly Taint[], tolerations: readonly Toleration[] | undefined, firstSeen: (t: Taint) => number): EvictionPlan {
  if (!taints.length) return { kind: 'none' };
  let at = Infinity;
  for (const taint of taints) {
    const toleration = (tolerations ?? []).find((t) => toleratesTaint(t, taint));
    if (!toleration) return { kind: 'at', at: 0 };
    const seconds = toleration.tolerationSeconds;
    if (seconds === undefined || seconds === null) continue;
    if (typeof seconds !== 'number' || Number.isNaN(seconds) || seconds <= 0) return { kind: 'at', at: 0 };
    const added = parseTime(taint.timeAdded);
    const since = Number.isNaN(added) ? firstSeen(taint) : added;
    at = Math.min(at, since + seconds * 1000);
  }
  return at === Infinity ? { kind: 'none' } : { kind: 'at', at };
}

const noExecuteTaints = (node: Node | undefined): Taint[] => (node?.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute');
const sameTaints = (a: readonly Taint[], b: readonly Taint[]): boolean => JSON.stringify(a) === JSON.stringify(b);
const taintId = (node: string, t: Taint): string => `${node}\x00${t.key}\x00${t.value ?? ''}`;

interface Scheduled {
  at: number;
  uid?: string;
  timer: TimerHandle;
}

export class TaintEvictionController implements Controller {
  readonly name = NAME;
  readonly queue: WorkQueue;
  /** Evictions waiting for their time, by pod key (taintEvictionQueue). */
  private readonly scheduled = new Map<string, Scheduled>();
  /** When each NoExecute taint without timeAdded was first seen, by node and taint. */
  private readonly firstSeen = new Map<string, number>();

  constructor(private readonly d: TaintEvictionDeps) {
    this.queue = controllerQueue({ name: NAME, clock: d.clock, metrics: d.metrics });
    addPodNodeNameIndex(this.d.pods);
    this.d.pods.addEventHandler({
      add: (pod) => this.queue.add(keyOf(pod)),
      update: (old, pod) => {
        // PodUpdated: only a new node or new tolerations change what this controller decides.
        if (old.spec?.nodeName !== pod.spec?.nodeName || JSON.stringify(old.spec?.tolerations ?? []) !== JSON.stringify(pod.spec?.tolerations ?? [])) {
          this.queue.add(keyOf(pod));
        }
      },
      delete: (pod) => this.queue.add(keyOf(pod)),
    });
    this.d.nodes.addEventHandler({
      add: (node) => this.nodeChanged(undefined, node),
      update: (old, node) => this.nodeChanged(old, node),
      delete: (node) => this.nodeChanged(node, undefined),
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    this.d.log.info('starting taint eviction controller');
    try {
      await runQueue(this.queue, (key) => this.reconcile(key), signal, { name: NAME, workers: WORKERS, log: this.d.log, clock: this.d.clock, metrics: this.d.metrics });
    } finally {
      for (const s of this.scheduled.values()) this.d.clock.clearTimeout(s.timer);
      this.scheduled.clear();
    }
  }

  /** Pod keys with an eviction scheduled, and when (tests). */
  pending(): Map<string, number> {
    return new Map([...this.scheduled].map(([k, s]) => [k, s.at]));
  }

  /** NodeUpdated: the pods of a node whose NoExecute taints changed are looked at again. */
  private nodeChanged(old: Node | undefined, node: Node | undefined): void {
    const name = (node ?? old)?.metadata.name;
    if (!name) return;
    const taints = noExecuteTaints(node);
    if (old && node && sameTaints(noExecuteTaints(old), taints)) return;
    const now = this.d.clock.now();
    const live = new Set(taints.map((t) => taintId(name, t)));
    for (const id of [...this.firstSeen.keys()]) if (id.startsWith(`${name}\x00`) && !live.has(id)) this.firstSeen.delete(id);
    for (const id of live) if (!this.firstSeen.has(id)) this.firstSeen.set(id, now);
    for (const pod of podsOnNode(this.d.pods, name)) this.queue.add(keyOf(pod));
  }

  /** Decides one pod's eviction: now, later (a timer), or not at all (cancelling one scheduled). */
  async reconcile(key: string): Promise<void> {
    const pod = this.d.pods.getByKey(key);
    const nodeName = pod?.spec?.nodeName;
    if (!pod || !nodeName) {
      this.cancel(key);
      return;
    }
    if (pod.metadata.deletionTimestamp) {
      // Already being deleted (by us or anyone): nothing left to schedule.
      this.drop(key);
      return;
    }
    const taints = noExecuteTaints(this.d.nodes.getByKey(nodeName));
    const now = this.d.clock.now();
    const plan = evictionPlan(taints, pod.spec?.tolerations, (t) => this.firstSeen.get(taintId(nodeName, t)) ?? now);
    if (plan.kind === 'none') {
      this.cancel(key);
      return;
    }
    if (plan.at <= now) {
      this.drop(key);
      await this.evict(pod);
      return;
    }
    const existing = this.scheduled.get(key);
    if (existing && existing.uid === pod.metadata.uid) {
      // An earlier eviction stands (processPodOnNode keeps the one already scheduled if it fires first).
      if (existing.at <= plan.at) return;
      this.cancel(key);
    } else if (existing) {
      this.drop(key);
    }
    const timer = this.d.clock.setTimeout(() => {
      this.scheduled.delete(key);
      this.queue.add(key);
    }, plan.at - now);
    this.scheduled.set(key, { at: plan.at, uid: pod.metadata.uid, timer });
    this.d.log.debug({ pod: key, node: nodeName, at: new Date(plan.at).toISOString() }, 'eviction scheduled');
  }

  /** Cancels a scheduled eviction with the Event Kubernetes records for it. */
  private cancel(key: string): void {
    if (!this.drop(key)) return;
    const { namespace, name } = splitKey(key);
    this.d.log.info({ pod: key }, 'cancelling scheduled eviction');
    this.d.recorder.event({ apiVersion: 'v1', kind: 'Pod', namespace, name }, 'Normal', 'TaintManagerEviction', `Cancelling deletion of Pod ${key}`);
  }

  /** Forgets a scheduled eviction silently; true if there was one. */
  private drop(key: string): boolean {
    const s = this.scheduled.get(key);
    if (!s) return false;
    this.d.clock.clearTimeout(s.timer);
    this.scheduled.delete(key);
    return true;
  }

  /** deletePodHandler: the Event, the DisruptionTarget condition from a fresh read, then the delete. */
  private async evict(cached: Pod): Promise<void> {
    const namespace = cached.metadata.namespace as string;
    const name = cached.metadata.name as string;
    const key = keyOf(cached);
    this.d.log.info({ pod: key, node: cached.spec?.nodeName }, 'deleting pod');
    this.d.recorder.event(podRef(cached), 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${key}`);
    try {
      const pod = await this.d.client.getPod(namespace, name);
      if (pod.metadata.uid !== cached.metadata.uid) return; // a new pod of that name: not the one judged
      const status = structuredClone(pod.status ?? {});
      if (updatePodCondition(status, { ...DISRUPTION_TARGET }, this.d.clock.now())) {
        const cond = status.conditions?.find((c) => c.type === 'DisruptionTarget');
        if (cond) await this.d.client.patchPodCondition(pod, cond);
      }
      await this.d.client.deletePod(namespace, name, pod.metadata.uid);
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) return; // gone, or replaced by another pod of that name
      throw err;
    }
  }
}
