// The manage loop and status of DaemonSets (Kubernetes' pkg/controller/daemon
// daemon_controller.go: podsShouldBeOnNode, manage, syncNodes, updateDaemonSetStatus,
// storeDaemonSetStatus). One daemon pod per node that should run it: missing pods are
// created (pinned to their node by node affinity, placed by the scheduler), failed ones
// deleted (with backoff) so the next pass replaces them, duplicates pruned, and pods on
// nodes that may no longer run them deleted.
import { isNotFound } from '../../api/errors.js';
import { newControllerRef } from '../../api/helpers/owner-refs.js';
import { isPodAvailable, isPodReady } from '../../api/helpers/pod.js';
import type { DaemonSet, DaemonSetStatus } from '../../api/types/apps.js';
import type { Node, Pod } from '../../api/types/core.js';
import type { KubeObject } from '../../api/types/meta.js';
import { AggregateErrors } from '../controller-ref-manager.js';
import type { ControllerExpectations } from '../expectations.js';
import { isNamespaceTerminating, type PodControl } from '../pod-control.js';
import { CONTROLLER_KIND } from './history.js';
import {
  allowsSurge, comparePodsByCreation, daemonPodTemplate, failedPodsBackoffKey, type FailedPodsBackoff, isPodUpdated,
  nodeShouldRunDaemonPod, replaceNodeNameAffinity, templateGeneration,
} from './util.js';

/** The Warning event on a DaemonSet whose failed pod is deleted to be replaced. */
export const FAILED_DAEMON_POD_REASON = 'FailedDaemonPod';
/** Most pods created or deleted per sync (BurstReplicas). */
export const BURST_REPLICAS = 250;
/** Creates start with one and double while they succeed (SlowStartInitialBatchSize). */
const SLOW_START_INITIAL_BATCH_SIZE = 1;
/** Status writes retried against a fresh copy (StatusUpdateRetries). */
const STATUS_UPDATE_RETRIES = 1;

export interface EventSink {
  event(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

/** What the manage loop uses of the controller. */
export interface ManageContext {
  key: string;
  podControl: PodControl;
  expectations: ControllerExpectations;
  backoff: FailedPodsBackoff;
  recorder: EventSink;
  now: number;
  /** Sync the DaemonSet again after ms (a failed pod in backoff). */
  enqueueAfter(ms: number): void;
  burstReplicas: number;
  log: { debug(obj: object, msg: string): void };
}

/** The pods each node runs for a DaemonSet (getNodesToDaemonPods): by target node, pods with none aside. */
export function nodesToDaemonPods(pods: readonly Pod[], target: (pod: Pod) => string | undefined): Map<string, Pod[]> {
  const map = new Map<string, Pod[]>();
  for (const pod of pods) {
    const node = target(pod);
    if (node === undefined) continue;
    let list = map.get(node);
    if (!list) map.set(node, (list = []));
    list.push(pod);
  }
  return map;
}

/**
 * podsShouldBeOnNode: what one node needs: a pod created (it should run one and has
 * none), pods deleted (failed ones, after their backoff; succeeded ones; all but the
 * oldest running one, or with surge all but one old and one new; every one when the node
 * may no longer run it).
 */
export function podsShouldBeOnNode(ctx: ManageContext, node: Node, nodeToPods: Map<string, Pod[]>, ds: DaemonSet, hash: string): { create: string[]; remove: string[] } {
  const nodeName = node.metadata.name ?? '';
  const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds);
  const daemonPods = nodeToPods.get(nodeName);
  const create: string[] = [];
  const remove: string[] = [];
  if (shouldRun && !daemonPods) {
    create.push(nodeName);
  } else if (shouldContinueRunning) {
    const running: Pod[] = [];
    for (const pod of daemonPods ?? []) {
      if (pod.metadata.deletionTimestamp) continue;
      const phase = pod.status?.phase;
      if (phase === 'Failed') {
        // Kubelets that reject the pod would otherwise fight the controller in a hot loop.
        const key = failedPodsBackoffKey(ds, nodeName);
        if (ctx.backoff.isInBackOffSinceUpdate(key, ctx.now)) {
          ctx.log.debug({ pod: pod.metadata.name, node: nodeName, delayMs: ctx.backoff.get(key) }, 'deleting failed pod on node has been limited by backoff');
          ctx.enqueueAfter(ctx.backoff.get(key));
          continue;
        }
        ctx.backoff.next(key, ctx.now);
        ctx.recorder.event(ds, 'Warning', FAILED_DAEMON_POD_REASON, `Found failed daemon pod ${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''} on node ${nodeName}, will try to kill it`);
        remove.push(pod.metadata.name ?? '');
      } else if (phase === 'Succeeded') {
        // A daemon pod restarts always; one that ended is deleted and replaced.
        remove.push(pod.metadata.name ?? '');
      } else {
        running.push(pod);
      }
    }
    running.sort(comparePodsByCreation);
    if (!allowsSurge(ds)) {
      for (const pod of running.slice(1)) remove.push(pod.metadata.name ?? '');
    } else if (running.length <= 1) {
      // Surging needs at least one live pod on the node.
      if (running.length === 0 && shouldRun) create.push(nodeName);
    } else {
      // Two pods only while the oldest new one is not ready yet and the oldest old one is.
      let oldestNew: Pod | undefined;
      let oldestOld: Pod | undefined;
      for (const pod of running) {
        if (pod.metadata.labels?.['controller-revision-hash'] === hash) {
          if (!oldestNew) {
            oldestNew = pod;
            continue;
          }
        } else if (!oldestOld) {
          oldestOld = pod;
          continue;
        }
        remove.push(pod.metadata.name ?? '');
      }
      if (oldestNew && oldestOld) {
        if (!isPodReady(oldestOld) || isPodAvailable(oldestNew, ds.spec?.minReadySeconds ?? 0, ctx.now)) remove.push(oldestOld.metadata.name ?? '');
      }
    }
  } else if (daemonPods) {
    for (const pod of daemonPods) if (!pod.metadata.deletionTimestamp) remove.push(pod.metadata.name ?? '');
  }
  return { create, remove };
}

/**
 * manage: podsShouldBeOnNode over every node, plus the unscheduled pods pinned to nodes
 * that no longer exist (the pod GC only removes bound pods), then syncNodes.
 */
export async function manage(ctx: ManageContext, ds: DaemonSet, nodes: readonly Node[], nodeToPods: Map<string, Pod[]>, hash: string): Promise<void> {
  const create: string[] = [];
  const remove: string[] = [];
  for (const node of nodes) {
    const r = podsShouldBeOnNode(ctx, node, nodeToPods, ds, hash);
    create.push(...r.create);
    remove.push(...r.remove);
  }
  const existing = new Set(nodes.map((n) => n.metadata.name ?? ''));
  for (const [nodeName, pods] of nodeToPods) {
    if (existing.has(nodeName)) continue;
    for (const pod of pods) if (!pod.spec?.nodeName && !pod.metadata.deletionTimestamp) remove.push(pod.metadata.name ?? '');
  }
  await syncNodes(ctx, ds, remove, create, hash);
}

/**
 * syncNodes: expectations first, then creates in slow-start batches (1, 2, 4...: a
 * quota or a webhook refusing every pod stops after the first failing batch), then
 * deletes. Each pod is pinned to its node by node affinity and left to the scheduler.
 * Failures lower the expectations and are thrown together.
 */
export async function syncNodes(ctx: ManageContext, ds: DaemonSet, podsToDelete: string[], nodesNeedingPods: string[], hash: string): Promise<void> {
  const createDiff = Math.min(nodesNeedingPods.length, ctx.burstReplicas);
  const deleteDiff = Math.min(podsToDelete.length, ctx.burstReplicas);
  ctx.expectations.setExpectations(ctx.key, createDiff, deleteDiff);
  const errors: unknown[] = [];
  const namespace = ds.metadata.namespace ?? '';
  const template = daemonPodTemplate(ds.spec?.template, templateGeneration(ds), hash);
  const ref = newControllerRef(ds, CONTROLLER_KIND.apiVersion, CONTROLLER_KIND.kind);
  let batch = Math.min(createDiff, SLOW_START_INITIAL_BATCH_SIZE);
  for (let pos = 0; pos < createDiff; pos += batch, batch = Math.min(2 * batch, createDiff - pos)) {
    const before = errors.length;
    await Promise.all(nodesNeedingPods.slice(pos, pos + batch).map(async (nodeName) => {
      const podTemplate = structuredClone(template);
      podTemplate.spec = { ...(podTemplate.spec ?? { containers: [] }), affinity: replaceNodeNameAffinity(podTemplate.spec?.affinity, nodeName) };
      try {
        await ctx.podControl.createPods(namespace, podTemplate, ds, ref);
      } catch (err) {
        // In a namespace being deleted every create fails; nothing to retry or count.
        if (isNamespaceTerminating(err)) return;
        ctx.expectations.creationObserved(ctx.key);
        errors.push(err);
      }
    }));
    const skipped = createDiff - (pos + batch);
    if (errors.length > before && skipped > 0) {
      // The skipped creates are retried by a later sync.
      ctx.expectations.lowerExpectations(ctx.key, skipped, 0);
      break;
    }
  }
  await Promise.all(podsToDelete.slice(0, deleteDiff).map(async (name) => {
    try {
      await ctx.podControl.deletePod(namespace, name, ds);
    } catch (err) {
      ctx.expectations.deletionObserved(ctx.key);
      if (!isNotFound(err)) errors.push(err);
    }
  }));
  if (errors.length) throw new AggregateErrors(errors);
}

/** The counts of a DaemonSet's status, computed from the nodes and the pods on them. */
export type DaemonSetCounts = Required<Pick<DaemonSetStatus,
  'desiredNumberScheduled' | 'currentNumberScheduled' | 'numberMisscheduled' | 'numberReady' | 'updatedNumberScheduled' | 'numberAvailable' | 'numberUnavailable'>>;

/**
 * updateDaemonSetStatus' counting: per node that should run the pod, whether it has one
 * (current), whether its oldest is ready, available and of the current template; per
 * node that should not, whether it has one anyway (misscheduled).
 */
export function calculateCounts(ds: DaemonSet, nodes: readonly Node[], nodeToPods: Map<string, Pod[]>, hash: string, now: number): DaemonSetCounts {
  const c: DaemonSetCounts = {
    desiredNumberScheduled: 0, currentNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0,
    updatedNumberScheduled: 0, numberAvailable: 0, numberUnavailable: 0,
  };
  const generation = templateGeneration(ds);
  for (const node of nodes) {
    const pods = nodeToPods.get(node.metadata.name ?? '') ?? [];
    const scheduled = pods.length > 0;
    if (!nodeShouldRunDaemonPod(node, ds).shouldRun) {
      if (scheduled) c.numberMisscheduled++;
      continue;
    }
    c.desiredNumberScheduled++;
    if (!scheduled) continue;
    c.currentNumberScheduled++;
    const pod = [...pods].sort(comparePodsByCreation)[0];
    if (isPodReady(pod)) {
      c.numberReady++;
      if (isPodAvailable(pod, ds.spec?.minReadySeconds ?? 0, now)) c.numberAvailable++;
    }
    if (isPodUpdated(pod, hash, generation)) c.updatedNumberScheduled++;
  }
  c.numberUnavailable = c.desiredNumberScheduled - c.numberAvailable;
  return c;
}

export interface StatusClient {
  getDaemonSet(namespace: string, name: string): Promise<DaemonSet>;
  updateDaemonSetStatus(namespace: string, ds: DaemonSet): Promise<DaemonSet>;
}

/**
 * storeDaemonSetStatus: writes the counts (and observedGeneration when this sync acted
 * on the spec) unless the status already says them; a conflict is retried once against
 * a fresh copy.
 */
export async function storeStatus(client: StatusClient, ds: DaemonSet, counts: DaemonSetCounts, updateObservedGen: boolean): Promise<void> {
  const s = ds.status;
  const same = (Object.keys(counts) as (keyof DaemonSetCounts)[]).every((k) => (s?.[k] ?? 0) === counts[k]);
  if (same && (s?.observedGeneration ?? 0) >= (ds.metadata.generation ?? 0)) return;
  let toUpdate = structuredClone(ds);
  for (let i = 0; ; i++) {
    const status: DaemonSetStatus = { ...(toUpdate.status ?? { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 }), ...counts };
    if (updateObservedGen) status.observedGeneration = ds.metadata.generation;
    toUpdate.status = status;
    try {
      await client.updateDaemonSetStatus(ds.metadata.namespace ?? '', toUpdate);
      return;
    } catch (err) {
      if (i >= STATUS_UPDATE_RETRIES) throw err;
      toUpdate = await client.getDaemonSet(ds.metadata.namespace ?? '', ds.metadata.name ?? '');
    }
  }
}
