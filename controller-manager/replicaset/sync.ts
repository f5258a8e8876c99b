// Creating and deleting pods until a ReplicaSet has the replicas it asks for
// (replica_set.go's manageReplicas, slowStartBatch, getPodsToDelete).
import { isNotFound } from '../../api/errors.js';
import { newControllerRef } from '../../api/helpers/owner-refs.js';
import type { ReplicaSet } from '../../api/types/apps.js';
import type { Pod } from '../../api/types/core.js';
import type { KubeObject } from '../../api/types/meta.js';
import type { ControllerKind } from '../controller-ref-manager.js';
import type { UIDTrackingControllerExpectations } from '../expectations.js';
import { isNamespaceTerminating, type PodControl } from '../pod-control.js';
import { ranksByRelatedPodsOnSameNode, sortPodsForDeletion } from '../../api/helpers/pod-ranking.js';
import { desiredReplicas } from './kinds.js';

/** Most pods created or deleted in one sync (BurstReplicas). */
export const BURST_REPLICAS = 500;

/** The first batch of a slow start (SlowStartInitialBatchSize). */
export const SLOW_START_INITIAL_BATCH_SIZE = 1;

/** The result of slowStartBatch: calls that succeeded, and the first error of the batch that failed. */
export interface SlowStartResult {
  successes: number;
  error?: unknown;
}

/**
 * slowStartBatch: calls fn count times in batches of initialBatchSize, 2x, 4x, ...
 * (the calls of a batch at once), and stops after the first batch with a failure, so
 * a quota that refuses the first pod costs one request, not hundreds. Example: count
 * 10, initial 1 → batches of 1, 2, 4, 3; a failure in the batch of 4 leaves the last
 * 3 calls unmade, and successes is 3 plus what succeeded of the 4.
 */
export async function slowStartBatch(count: number, initialBatchSize: number, fn: () => Promise<void>): Promise<SlowStartResult> {
  let remaining = count;
  let successes = 0;
  for (let batch = Math.min(remaining, initialBatchSize); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => fn()));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    successes += batch - failed.length;
    if (failed.length) return { successes, error: failed[0].reason };
    remaining -= batch;
  }
  return { successes };
}

/**
 * getPodsToDelete: the diff pods to delete, the least valuable first (pod-ranking.ts),
 * preferring pods that share a node with more of relatedPods (the pods of every
 * ReplicaSet of the same owner). now turns on the logarithmic age comparison.
 */
export function podsToDelete(filteredPods: readonly Pod[], relatedPods: readonly Pod[], diff: number, now: number): Pod[] {
  // Deleting all of them needs no order.
  if (diff >= filteredPods.length) return filteredPods.slice(0, diff);
  return sortPodsForDeletion(filteredPods, ranksByRelatedPodsOnSameNode(filteredPods, relatedPods), now).slice(0, diff);
}

/** `namespace/name`, the key expectations track pods by (PodKey). */
export const podKey = (pod: Pod): string => `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;

export interface ManageReplicasContext {
  /** The ReplicaSet's queue key. */
  key: string;
  rs: ReplicaSet;
  /** The object Events are about (the ReplicaSet, or the ReplicationController it was read from). */
  owner: KubeObject;
  kind: ControllerKind;
  expectations: UIDTrackingControllerExpectations;
  podControl: PodControl;
  burstReplicas: number;
  /** Pods of the ReplicaSets with the same controller (asked only when deleting). */
  relatedPods(): Pod[];
  now: number;
  log: { debug(obj: object, msg: string): void; info(obj: object, msg: string): void };
}

/**
 * manageReplicas: creates or deletes pods (at most burstReplicas) so the ReplicaSet
 * owns spec.replicas active pods, raising expectations first so the next syncs wait
 * for the informer to see them. Creations go in slow-start batches; creations never
 * attempted or failed are taken off the expectations at once. Rejects with the first
 * failure (a pod already gone counts as deleted).
 */
export async function manageReplicas(filteredPods: readonly Pod[], c: ManageReplicasContext): Promise<void> {
  const want = desiredReplicas(c.rs);
  let diff = filteredPods.length - want;
  const namespace = c.rs.metadata.namespace ?? '';
  if (diff < 0) {
    diff = Math.min(-diff, c.burstReplicas);
    // Creates are counted, not tracked by name: the names come from generateName.
    c.expectations.expectCreations(c.key, diff);
    c.log.info({ replicaSet: c.key, kind: c.kind.kind, need: want, creating: diff }, 'too few replicas');
    const ref = newControllerRef(c.rs, c.kind.apiVersion, c.kind.kind);
    const { successes, error } = await slowStartBatch(diff, SLOW_START_INITIAL_BATCH_SIZE, async () => {
      try {
        await c.podControl.createPods(namespace, c.rs.spec?.template, c.owner, ref);
      } catch (err) {
        // Every create fails in a namespace being deleted; nothing to report.
        if (!isNamespaceTerminating(err)) throw err;
      }
    });
    const skipped = diff - successes;
    if (skipped > 0) {
      c.log.info({ replicaSet: c.key, kind: c.kind.kind, skipped }, 'slow-start failure; skipping creation of pods, decrementing expectations');
      for (let i = 0; i < skipped; i++) c.expectations.creationObserved(c.key);
    }
    if (error !== undefined) throw error;
  } else if (diff > 0) {
    diff = Math.min(diff, c.burstReplicas);
    c.log.info({ replicaSet: c.key, kind: c.kind.kind, need: want, deleting: diff }, 'too many replicas');
    const victims = podsToDelete(filteredPods, c.relatedPods(), diff, c.now);
    // Expect exactly these, so each is counted once whether seen terminating or gone.
    c.expectations.expectDeletions(c.key, victims.map(podKey));
    const errors: unknown[] = [];
    await Promise.all(victims.map(async (pod) => {
      try {
        await c.podControl.deletePod(namespace, pod.metadata.name ?? '', c.owner);
      } catch (err) {
        // The informer will not see this deletion: stop waiting for it.
        c.expectations.deletionObserved(c.key, podKey(pod));
        if (!isNotFound(err)) {
          c.log.debug({ pod: podKey(pod), replicaSet: c.key }, 'failed to delete pod, decremented expectations');
          errors.push(err);
        }
      }
    }));
    if (errors.length) throw errors[0];
  }
}
