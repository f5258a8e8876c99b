// StatefulPodControl (Kubernetes' pkg/controller/statefulset/stateful_pod_control.go):
// how the StatefulSet controller creates a pod (its claims first), brings a pod's
// identity and storage back in line, deletes it, and keeps its claims' owner
// references as persistentVolumeClaimRetentionPolicy asks; each with the Events
// kubectl describe shows on the set ("create Pod web-0 in StatefulSet web successful",
// "create Claim www-web-0 Pod web-0 in StatefulSet web success").
import { isAlreadyExists, isConflict, isNotFound } from '../../api/errors.js';
import type { StatefulSet } from '../../api/types/apps.js';
import type { PersistentVolumeClaim, Pod } from '../../api/types/core.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import { AggregateErrors } from '../controller-ref-manager.js';
import {
  claimName, getOrdinal, hasStaleOwnerRef, hasUnexpectedController, identityMatches, isClaimOwnerUpToDate,
  persistentVolumeClaims, podKind, retentionPolicy, storageMatches, updateClaimOwnerRefs, updateIdentity, updateStorage,
} from './utils.js';

/**
 * StatefulPodControlObjectManager: the reads and writes StatefulPodControl makes. Reads
 * of claims come from the informer cache (a missing claim rejects with NotFound); the
 * rest are API calls whose rejections are the apiserver's StatusErrors.
 */
export interface StatefulObjectManager {
  createPod(pod: Pod): Promise<Pod>;
  getPod(namespace: string, name: string): Promise<Pod>;
  updatePod(pod: Pod): Promise<Pod>;
  deletePod(pod: Pod): Promise<void>;
  createClaim(claim: PersistentVolumeClaim): Promise<PersistentVolumeClaim>;
  getClaim(namespace: string, name: string): Promise<PersistentVolumeClaim>;
  updateClaim(claim: PersistentVolumeClaim): Promise<PersistentVolumeClaim>;
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));
const title = (verb: string): string => verb.charAt(0).toUpperCase() + verb.slice(1);
/** The set as an Event's involvedObject (cached objects may lack apiVersion and kind). */
const asObject = (set: StatefulSet): StatefulSet => ({ ...set, apiVersion: 'apps/v1', kind: 'StatefulSet' });

/** The conflict retries of client-go's retry.DefaultBackoff (4 steps). */
const CONFLICT_TRIES = 4;

export class StatefulPodControl {
  constructor(
    private readonly objects: StatefulObjectManager,
    private readonly recorder: Pick<EventRecorder, 'event'>,
  ) {}

  /** CreateStatefulPod: the pod's claims, then the pod, then the claims' owner references. AlreadyExists rejects (without an Event). */
  async createStatefulPod(set: StatefulSet, pod: Pod): Promise<void> {
    try {
      await this.createPersistentVolumeClaims(set, pod);
    } catch (err) {
      this.recordPodEvent('create', set, pod, err);
      throw err;
    }
    let created: Pod;
    try {
      created = await this.objects.createPod(pod);
    } catch (err) {
      if (!isAlreadyExists(err)) this.recordPodEvent('create', set, pod, err);
      throw err;
    }
    try {
      // The claims' references to the pod need its uid, known only now.
      await this.updatePodClaimForRetentionPolicy(set, created);
    } catch (err) {
      this.recordPodEvent('update', set, pod, err);
      throw err;
    }
    this.recordPodEvent('create', set, pod);
  }

  /**
   * UpdateStatefulPod: restores the pod's identity and storage (creating missing claims)
   * and its claims' references, then writes the pod if it changed, retrying conflicts on
   * a fresh copy. pod must be a copy the caller owns.
   */
  async updateStatefulPod(set: StatefulSet, pod: Pod): Promise<void> {
    let attempted = false;
    let current = pod;
    let lastErr: unknown;
    for (let attempt = 0; attempt < CONFLICT_TRIES; attempt++) {
      let consistent = true;
      try {
        if (!identityMatches(set, current)) {
          updateIdentity(set, current);
          consistent = false;
        }
        if (!storageMatches(set, current)) {
          updateStorage(set, current);
          consistent = false;
          await this.createPersistentVolumeClaims(set, current);
        }
        if (!(await this.claimsMatchRetentionPolicy(set, current))) {
          await this.updatePodClaimForRetentionPolicy(set, current);
          consistent = false;
        }
      } catch (err) {
        this.recordPodEvent('update', set, current, err);
        throw err;
      }
      if (consistent) return;
      attempted = true;
      try {
        await this.objects.updatePod(current);
        lastErr = undefined;
        break;
      } catch (err) {
        lastErr = err;
        if (!isConflict(err)) break;
        try {
          current = structuredClone(await this.objects.getPod(set.metadata.namespace ?? '', current.metadata.name ?? ''));
        } catch {
          break;
        }
      }
    }
    if (attempted) this.recordPodEvent('update', set, current, lastErr);
    if (lastErr !== undefined) throw lastErr;
  }

  /** DeleteStatefulPod, with its Event. */
  async deleteStatefulPod(set: StatefulSet, pod: Pod): Promise<void> {
    try {
      await this.objects.deletePod(pod);
    } catch (err) {
      this.recordPodEvent('delete', set, pod, err);
      throw err;
    }
    this.recordPodEvent('delete', set, pod);
  }

  /** ClaimsMatchRetentionPolicy: every existing claim of the pod has the references its policy asks (missing claims are picked up later). */
  async claimsMatchRetentionPolicy(set: StatefulSet, pod: Pod): Promise<boolean> {
    const ordinal = getOrdinal(pod);
    for (const t of set.spec?.volumeClaimTemplates ?? []) {
      const name = claimName(set, t, ordinal);
      let claim: PersistentVolumeClaim;
      try {
        claim = await this.objects.getClaim(set.metadata.namespace ?? '', name);
      } catch (err) {
        if (isNotFound(err)) continue;
        throw new Error(`Could not retrieve claim ${name} for ${pod.metadata.name ?? ''} when checking PVC deletion policy`, { cause: err });
      }
      if (!isClaimOwnerUpToDate(claim, set, pod)) return false;
    }
    return true;
  }

  /** UpdatePodClaimForRetentionPolicy: rewrites the references of the pod's claims that the policy disagrees with. */
  async updatePodClaimForRetentionPolicy(set: StatefulSet, pod: Pod): Promise<void> {
    const ordinal = getOrdinal(pod);
    for (const t of set.spec?.volumeClaimTemplates ?? []) {
      const name = claimName(set, t, ordinal);
      let claim: PersistentVolumeClaim;
      try {
        claim = await this.objects.getClaim(set.metadata.namespace ?? '', name);
      } catch (err) {
        if (isNotFound(err)) continue;
        throw new Error(`Could not retrieve claim ${name} not found for ${pod.metadata.name ?? ''} when checking PVC deletion policy: ${messageOf(err)}`, { cause: err });
      }
      if (hasUnexpectedController(claim, set, pod)) {
        this.recorder.event(asObject(set), 'Warning', 'ConflictingController',
          `PersistentVolumeClaim ${name} has a conflicting OwnerReference that acts as a manging controller, the retention policy is ignored for this claim`);
      }
      if (!isClaimOwnerUpToDate(claim, set, pod)) {
        const copy = structuredClone(claim);
        updateClaimOwnerRefs(copy, set, pod);
        try {
          await this.objects.updateClaim(copy);
        } catch (err) {
          throw new Error(`could not update claim ${name} for delete policy ownerRefs: ${messageOf(err)}`, { cause: err });
        }
      }
    }
  }

  /**
   * PodClaimIsStale: under whenScaled Delete, a claim that names an earlier pod of this
   * name (another uid, or the pod not created yet) blocks creating the pod until the
   * garbage collector removed it.
   */
  async podClaimIsStale(set: StatefulSet, pod: Pod): Promise<boolean> {
    if (retentionPolicy(set).whenScaled === 'Retain') return false;
    for (const claim of persistentVolumeClaims(set, pod).values()) {
      let pvc: PersistentVolumeClaim;
      try {
        pvc = await this.objects.getClaim(claim.metadata.namespace ?? '', claim.metadata.name ?? '');
      } catch (err) {
        if (isNotFound(err)) continue;
        throw err;
      }
      if (hasStaleOwnerRef(pvc, pod, podKind)) return true;
    }
    return false;
  }

  /** createMissingPersistentVolumeClaims: for a Pending pod whose claims went away. */
  async createMissingPersistentVolumeClaims(set: StatefulSet, pod: Pod): Promise<void> {
    await this.createPersistentVolumeClaims(set, pod);
    try {
      await this.updatePodClaimForRetentionPolicy(set, pod);
    } catch (err) {
      this.recordPodEvent('update', set, pod, err);
      throw err;
    }
  }

  /** createPersistentVolumeClaims: each missing claim of the pod; one being deleted is an error (the pod would lose it). */
  private async createPersistentVolumeClaims(set: StatefulSet, pod: Pod): Promise<void> {
    const errors: unknown[] = [];
    for (const claim of persistentVolumeClaims(set, pod).values()) {
      const name = claim.metadata.name ?? '';
      let existing: PersistentVolumeClaim | undefined;
      try {
        existing = await this.objects.getClaim(claim.metadata.namespace ?? '', name);
      } catch (err) {
        if (!isNotFound(err)) {
          errors.push(new Error(`failed to retrieve PVC ${name}: ${messageOf(err)}`));
          this.recordClaimEvent('create', set, pod, claim, err);
          continue;
        }
      }
      if (existing) {
        if (existing.metadata.deletionTimestamp) errors.push(new Error(`pvc ${name} is being deleted`));
        continue;
      }
      try {
        await this.objects.createClaim(claim);
        this.recordClaimEvent('create', set, pod, claim);
      } catch (err) {
        errors.push(new Error(`failed to create PVC ${name}: ${messageOf(err)}`));
        if (!isAlreadyExists(err)) this.recordClaimEvent('create', set, pod, claim, err);
      }
    }
    if (errors.length) throw new AggregateErrors(errors);
  }

  private recordPodEvent(verb: string, set: StatefulSet, pod: Pod, err?: unknown): void {
    const [podName, setName] = [pod.metadata.name ?? '', set.metadata.name ?? ''];
    if (err === undefined) {
      this.recorder.event(asObject(set), 'Normal', `Successful${title(verb)}`, `${verb} Pod ${podName} in StatefulSet ${setName} successful`);
    } else {
      this.recorder.event(asObject(set), 'Warning', `Failed${title(verb)}`, `${verb} Pod ${podName} in StatefulSet ${setName} failed error: ${messageOf(err)}`);
    }
  }

  private recordClaimEvent(verb: string, set: StatefulSet, pod: Pod, claim: PersistentVolumeClaim, err?: unknown): void {
    const [podName, setName, name] = [pod.metadata.name ?? '', set.metadata.name ?? '', claim.metadata.name ?? ''];
    if (err === undefined) {
      this.recorder.event(asObject(set), 'Normal', `Successful${title(verb)}`, `${verb} Claim ${name} Pod ${podName} in StatefulSet ${setName} success`);
    } else {
      this.recorder.event(asObject(set), 'Warning', `Failed${title(verb)}`, `${verb} Claim ${name} for Pod ${podName} in StatefulSet ${setName} failed error: ${messageOf(err)}`);
    }
  }
}
