// The pod garbage collector (pkg/controller/podgc): every --pod-gc-period it deletes,
// with grace period 0 (nothing is left to stop them gracefully),
//   - terminated pods (Succeeded or Failed) beyond --terminated-pod-gc-threshold, the
//     evicted ones first, then oldest first by creationTimestamp (then by name);
//   - terminating pods on a node that is not Ready and carries the
//     node.kubernetes.io/out-of-service taint (non-graceful node shutdown);
//   - pods bound to a node that no longer exists: a node missing from the cache is
//     quarantined for --pod-gc-quarantine-time, then confirmed gone by an uncached GET,
//     so a node the cache has not seen yet does not lose its pods;
//   - terminating pods that were never scheduled.
// Before deleting a pod that has not finished it marks it Failed (with the
// DisruptionTarget condition, reason DeletionByPodGC, for orphans), since no kubelet
// will ever do so.
import type { Logger } from 'pino';
import { isNotFound } from '../../api/errors.js';
import { isPodTerminal } from '../../api/helpers/pod.js';
import { updatePodCondition } from '../../api/helpers/pod-conditions.js';
import { parseTime } from '../../api/helpers/time.js';
import type { Node, Pod, PodCondition, PodStatus } from '../../api/types/core.js';
import type { Clock } from '../../client/clock.js';
import { keyOf, type Informer } from '../../client/informer.js';
import type { Controller } from '../controller.js';
import { runEvery } from '../periodic.js';

export const NAME = 'pod-garbage-collector-controller';

export const TAINT_NODE_OUT_OF_SERVICE = 'node.kubernetes.io/out-of-service';

export const ORPHAN_CONDITION: Omit<PodCondition, 'lastTransitionTime'> = {
  type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists',
};

/** Deletions in flight at once within one kind of collection. */
const CONCURRENCY = 8;

/** The pod GC's writes, behind an interface so unit tests record them. */
export interface PodGCClient {
  /** Uncached GET: does the node exist? (404 → false; other errors thrown). */
  nodeExists(name: string): Promise<boolean>;
  /** Strategic merge patch of pods/status. */
  patchPodStatus(pod: Pod, status: PodStatus): Promise<Pod>;
  /** Delete with gracePeriodSeconds 0. */
  forceDeletePod(namespace: string, name: string): Promise<void>;
}

export interface PodGCOptions {
  /** --terminated-pod-gc-threshold; <= 0 keeps terminated pods. */
  terminatedPodThreshold: number;
  /** --pod-gc-period (ms). */
  periodMs: number;
  /** --pod-gc-quarantine-time (ms). */
  quarantineMs: number;
}

export interface PodGCDeps {
  pods: Pick<Informer<Pod>, 'list'>;
  nodes: Pick<Informer<Node>, 'list' | 'getByKey'>;
  client: PodGCClient;
  clock: Clock;
  log: Logger;
  options: PodGCOptions;
}

/** Evicted by the kubelet (eviction.PodIsEvicted): Failed with reason Evicted. */
const isEvicted = (pod: Pod): boolean => pod.status?.phase === 'Failed' && pod.status.reason === 'Evicted';

/** byEvictionAndCreationTimestamp: evicted pods first, then oldest first, then by name. */
export function byEvictionAndCreation(a: Pod, b: Pod): number {
  const ea = isEvicted(a);
  const eb = isEvicted(b);
  if (ea !== eb) return ea ? -1 : 1;
  const ta = parseTime(a.metadata.creationTimestamp);
  const tb = parseTime(b.metadata.creationTimestamp);
  // Malformed or missing timestamps sort first, consistently.
  const na = Number.isNaN(ta) ? -Infinity : ta;
  const nb = Number.isNaN(tb) ? -Infinity : tb;
  if (na !== nb) return na < nb ? -1 : 1;
  const an = a.metadata.name ?? '';
  const bn = b.metadata.name ?? '';
  return an < bn ? -1 : an > bn ? 1 : 0;
}

const isNodeReady = (node: Node): boolean => node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

export class PodGCController implements Controller {
  readonly name = NAME;
  /** Nodes missing from the cache, and when their quarantine ends (the delaying nodeQueue). */
  private readonly quarantine = new Map<string, number>();

  constructor(private readonly d: PodGCDeps) {
  }

  async run(signal: AbortSignal): Promise<void> {
    this.d.log.info({ periodMs: this.d.options.periodMs, threshold: this.d.options.terminatedPodThreshold }, 'starting pod garbage collector');
    await runEvery(this.d.clock, this.d.options.periodMs, signal, () => this.gc(), this.d.log, 'pod garbage collection');
  }

  /** One pass over the caches. */
  async gc(): Promise<void> {
    const pods = this.d.pods.list();
    const nodes = this.d.nodes.list();
    if (this.d.options.terminatedPodThreshold > 0) await this.gcTerminated(pods);
    await this.gcTerminating(pods);
    await this.gcOrphaned(pods, nodes);
    await this.gcUnscheduledTerminating(pods);
  }

  private async gcTerminated(pods: Pod[]): Promise<void> {
    const terminated = pods.filter(isPodTerminal);
    const deleteCount = terminated.length - this.d.options.terminatedPodThreshold;
    if (deleteCount <= 0) return;
    this.d.log.info({ numPods: deleteCount }, 'garbage collecting terminated pods');
    terminated.sort(byEvictionAndCreation);
    await this.deleteAll(terminated.slice(0, deleteCount), 'terminated');
  }

  private async gcTerminating(pods: Pod[]): Promise<void> {
    const doomed = pods.filter((pod) => {
      if (!pod.metadata.deletionTimestamp || !pod.spec?.nodeName) return false;
      const node = this.d.nodes.getByKey(pod.spec.nodeName);
      return !!node && !isNodeReady(node) && (node.spec?.taints ?? []).some((t) => t.key === TAINT_NODE_OUT_OF_SERVICE);
    });
    if (!doomed.length) return;
    this.d.log.info({ numPods: doomed.length }, 'garbage collecting pods that are terminating on nodes tainted out-of-service');
    doomed.sort(byEvictionAndCreation);
    await this.deleteAll(doomed, 'terminating on an out-of-service node');
  }

  private async gcOrphaned(pods: Pod[], nodes: Node[]): Promise<void> {
    const existing = new Set(nodes.map((n) => n.metadata.name));
    const now = this.d.clock.now();
    for (const pod of pods) {
      const node = pod.spec?.nodeName;
      if (node && !existing.has(node) && !this.quarantine.has(node)) this.quarantine.set(node, now + this.d.options.quarantineMs);
    }
    const deleted = new Set<string>();
    for (const [node, until] of [...this.quarantine]) {
      if (until > now) continue;
      // Out of quarantine: checked once, then forgotten; a node still missing is quarantined afresh next pass.
      this.quarantine.delete(node);
      if (existing.has(node)) continue;
      try {
        if (!(await this.d.client.nodeExists(node))) deleted.add(node);
      } catch (err) {
        this.d.log.error({ err, node }, 'error while getting node');
      }
    }
    for (const pod of pods) {
      if (!pod.spec?.nodeName || !deleted.has(pod.spec.nodeName)) continue;
      this.d.log.info({ pod: keyOf(pod), node: pod.spec.nodeName }, 'found orphaned Pod assigned to the Node, deleting');
      if (await this.markFailedAndDelete(pod, ORPHAN_CONDITION)) this.d.log.info({ pod: keyOf(pod) }, 'forced deletion of orphaned Pod succeeded');
    }
  }

  private async gcUnscheduledTerminating(pods: Pod[]): Promise<void> {
    for (const pod of pods) {
      if (!pod.metadata.deletionTimestamp || pod.spec?.nodeName) continue;
      this.d.log.info({ pod: keyOf(pod) }, 'found unscheduled terminating Pod not assigned to any Node, deleting');
      if (await this.markFailedAndDelete(pod)) this.d.log.info({ pod: keyOf(pod) }, 'forced deletion of unscheduled terminating Pod succeeded');
    }
  }

  private async deleteAll(pods: Pod[], why: string): Promise<void> {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < pods.length) {
        const pod = pods[next++];
        if (await this.markFailedAndDelete(pod)) this.d.log.debug({ pod: keyOf(pod), why }, 'deleted pod');
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, pods.length) }, worker));
  }

  /**
   * markFailedAndDeletePodWithCondition: a pod that has not finished is patched Failed
   * (with condition, if given) first, then force-deleted. Errors are logged, never
   * thrown (the next pass tries again); true when the pod is gone.
   */
  private async markFailedAndDelete(pod: Pod, condition?: Omit<PodCondition, 'lastTransitionTime'>): Promise<boolean> {
    const key = keyOf(pod);
    this.d.log.info({ pod: key }, 'PodGC is force deleting Pod');
    try {
      if (!isPodTerminal(pod)) {
        const status: PodStatus = structuredClone(pod.status ?? {});
        status.phase = 'Failed';
        const patch: PodStatus = { phase: 'Failed' };
        if (condition && updatePodCondition(status, { ...condition }, this.d.clock.now())) {
          patch.conditions = status.conditions?.filter((c) => c.type === condition.type);
        }
        await this.d.client.patchPodStatus(pod, patch);
      }
      await this.d.client.forceDeletePod(pod.metadata.namespace as string, pod.metadata.name as string);
      return true;
    } catch (err) {
      if (isNotFound(err)) return true;
      this.d.log.error({ err, pod: key }, 'failed to delete pod');
      return false;
    }
  }
}
