// The binding decisions of Kubernetes' PV controller (pkg/controller/volume/
// persistentvolume/pv_controller.go: syncClaim, syncUnboundClaim, syncBoundClaim,
// syncVolume), as pure functions from a claim or a volume and what the caches hold to
// the one next action. The controller (controller.ts) performs the action; each write
// brings a new event and so the next decision, level-triggered.
import {
  ANN_BIND_COMPLETED, ANN_BOUND_BY_CONTROLLER, ANN_DYNAMICALLY_PROVISIONED, ANN_SELECTED_NODE, claimClass, findMatchingVolume,
  isVolumeBoundToClaim, type NodeLike,
} from '../../../api/helpers/storage.js';
import type { PersistentVolume, PersistentVolumeClaim } from '../../../api/types/core.js';
import type { StorageClass } from '../../../api/types/storage.js';

/** What the decisions read: the informer caches. */
export interface BinderView {
  volume(name: string): PersistentVolume | undefined;
  volumes(): Iterable<PersistentVolume>;
  claim(namespace: string, name: string): PersistentVolumeClaim | undefined;
  storageClass(name: string): StorageClass | undefined;
  node(name: string): NodeLike | undefined;
}

export type ClaimAction =
  | { type: 'none' }
  /** Leave the claim Pending (phase written when it differs) with an event. */
  | { type: 'pending'; eventType?: 'Normal' | 'Warning'; reason?: string; message?: string }
  | { type: 'bind'; volume: PersistentVolume }
  /** Ask the class' provisioner for a volume (annotate the claim). */
  | { type: 'provision'; provisioner: string }
  | { type: 'bound'; volume: PersistentVolume }
  | { type: 'lost'; message: string };

export type VolumeAction =
  | { type: 'none' }
  | { type: 'phase'; phase: 'Available' | 'Bound' | 'Released' | 'Failed'; reason?: string; message?: string }
  /** Clear the claimRef of a volume the controller bound to a claim that went elsewhere. */
  | { type: 'unbind' }
  | { type: 'enqueueClaim'; namespace: string; name: string }
  /** Reclaim a released volume by its policy. */
  | { type: 'reclaim'; policy: string };

const annotated = (o: { metadata: { annotations?: Record<string, string> } }, key: string): boolean =>
  o.metadata.annotations?.[key] !== undefined;

/**
 * Whether binding waits for the scheduler (shouldDelayBinding): the claim's class is
 * WaitForFirstConsumer and the scheduler has not yet picked a node for it.
 */
export function shouldDelayBinding(pvc: PersistentVolumeClaim, view: Pick<BinderView, 'storageClass'>): boolean {
  if (annotated(pvc, ANN_SELECTED_NODE)) return false;
  const cls = claimClass(pvc);
  if (!cls) return false;
  return view.storageClass(cls)?.volumeBindingMode === 'WaitForFirstConsumer';
}

/** The next step for a claim (syncClaim). */
export function decideClaim(pvc: PersistentVolumeClaim, view: BinderView): ClaimAction {
  return annotated(pvc, ANN_BIND_COMPLETED) ? decideBoundClaim(pvc, view) : decideUnboundClaim(pvc, view);
}

function decideUnboundClaim(pvc: PersistentVolumeClaim, view: BinderView): ClaimAction {
  const volumeName = pvc.spec?.volumeName ?? '';
  if (!volumeName) {
    const delay = shouldDelayBinding(pvc, view);
    const selected = pvc.metadata.annotations?.[ANN_SELECTED_NODE];
    // With a node picked, only volumes that node can reach will do.
    const node = selected ? view.node(selected) ?? { metadata: { name: selected, labels: { 'kubernetes.io/hostname': selected } } } : undefined;
    const volume = findMatchingVolume(pvc, view.volumes(), node, delay);
    if (volume) return { type: 'bind', volume };
    if (delay) {
      return { type: 'pending', eventType: 'Normal', reason: 'WaitForFirstConsumer', message: 'waiting for first consumer to be created before binding' };
    }
    const cls = claimClass(pvc);
    const sc = cls ? view.storageClass(cls) : undefined;
    if (sc) {
      if (sc.provisioner === 'kubernetes.io/no-provisioner') {
        return { type: 'pending', eventType: 'Normal', reason: 'FailedBinding', message: 'no persistent volumes available for this claim and no storage class is set' };
      }
      return { type: 'provision', provisioner: sc.provisioner };
    }
    if (cls) return { type: 'pending', eventType: 'Warning', reason: 'ProvisioningFailed', message: `storageclass.storage.k8s.io "${cls}" not found` };
    return { type: 'pending', eventType: 'Normal', reason: 'FailedBinding', message: 'no persistent volumes available for this claim and no storage class is set' };
  }
  // The user (or a provisioner) named the volume.
  const volume = view.volume(volumeName);
  if (!volume) return { type: 'pending' };
  if (!volume.spec?.claimRef || isVolumeBoundToClaim(volume, pvc)) return { type: 'bind', volume };
  return { type: 'pending', eventType: 'Warning', reason: 'FailedBinding', message: 'volume already bound to a different claim.' };
}

function decideBoundClaim(pvc: PersistentVolumeClaim, view: BinderView): ClaimAction {
  const volumeName = pvc.spec?.volumeName ?? '';
  if (!volumeName) return { type: 'lost', message: 'Bound claim has lost reference to PersistentVolume. Data on the volume is lost!' };
  const volume = view.volume(volumeName);
  if (!volume) return { type: 'lost', message: 'Bound claim has lost its PersistentVolume. Data on the volume is lost!' };
  // The volume lost its claimRef (an admin cleared it): bind it again.
  if (!volume.spec?.claimRef) return { type: 'bind', volume };
  if (volume.spec.claimRef.uid === pvc.metadata.uid) return { type: 'bound', volume };
  return { type: 'lost', message: 'Two claims are bound to the same volume, this one is bound incorrectly' };
}

/** The next step for a volume (syncVolume). */
export function decideVolume(pv: PersistentVolume, view: BinderView): VolumeAction {
  const ref = pv.spec?.claimRef;
  if (!ref) return pv.status?.phase === 'Available' ? { type: 'none' } : { type: 'phase', phase: 'Available' };
  const phase = pv.status?.phase;
  if (!ref.uid) {
    // Pre-bound by a user to a claim by name: Available until the claim takes it.
    return phase === 'Available' ? { type: 'enqueueClaim', namespace: ref.namespace ?? '', name: ref.name ?? '' } : { type: 'phase', phase: 'Available' };
  }
  let claim = view.claim(ref.namespace ?? '', ref.name ?? '');
  // A claim of the same name but another uid is a new claim: the old one is gone.
  if (claim && claim.metadata.uid !== ref.uid) claim = undefined;
  if (!claim) {
    if (phase !== 'Released' && phase !== 'Failed') return { type: 'phase', phase: 'Released' };
    if (phase === 'Released') return { type: 'reclaim', policy: pv.spec?.persistentVolumeReclaimPolicy ?? 'Retain' };
    return { type: 'none' };
  }
  const volumeName = claim.spec?.volumeName ?? '';
  if (!volumeName) {
    // The binding is not complete yet (or the claim lost its link): the claim's sync finishes it.
    return { type: 'enqueueClaim', namespace: ref.namespace ?? '', name: ref.name ?? '' };
  }
  if (volumeName === pv.metadata.name) {
    return phase === 'Bound' ? { type: 'none' } : { type: 'phase', phase: 'Bound' };
  }
  // The claim is bound to another volume.
  if (annotated(pv, ANN_DYNAMICALLY_PROVISIONED) && pv.spec?.persistentVolumeReclaimPolicy === 'Delete') {
    // Provisioned for this claim, which went elsewhere: release it for deletion.
    return phase === 'Released' ? { type: 'reclaim', policy: 'Delete' } : { type: 'phase', phase: 'Released' };
  }
  return annotated(pv, ANN_BOUND_BY_CONTROLLER) ? { type: 'unbind' } : { type: 'phase', phase: 'Available' };
}

/** The volume as bindVolumeToClaim leaves it: claimRef to the claim, bound-by-controller when the controller chose it. */
export function volumeBoundTo(pv: PersistentVolume, pvc: PersistentVolumeClaim): PersistentVolume | undefined {
  const ref = pv.spec?.claimRef;
  if (ref && ref.uid === pvc.metadata.uid && ref.name === pvc.metadata.name && ref.namespace === pvc.metadata.namespace) return undefined;
  const next = structuredClone(pv);
  next.spec ??= {};
  next.spec.claimRef = {
    kind: 'PersistentVolumeClaim', namespace: pvc.metadata.namespace, name: pvc.metadata.name, uid: pvc.metadata.uid,
    apiVersion: 'v1', resourceVersion: pvc.metadata.resourceVersion,
  };
  if (!ref) next.metadata.annotations = { ...next.metadata.annotations, [ANN_BOUND_BY_CONTROLLER]: 'yes' };
  return next;
}

/** The claim as bindClaimToVolume leaves it: volumeName set, bind-completed (and bound-by-controller when it chose). */
export function claimBoundTo(pvc: PersistentVolumeClaim, pv: PersistentVolume): PersistentVolumeClaim | undefined {
  const annotations = pvc.metadata.annotations ?? {};
  if (pvc.spec?.volumeName === pv.metadata.name && annotations[ANN_BIND_COMPLETED] !== undefined) return undefined;
  const next = structuredClone(pvc);
  next.spec ??= {};
  const chose = !next.spec.volumeName;
  next.spec.volumeName = pv.metadata.name;
  next.metadata.annotations = { ...annotations, [ANN_BIND_COMPLETED]: 'yes', ...(chose ? { [ANN_BOUND_BY_CONTROLLER]: 'yes' } : {}) };
  return next;
}

/** The claim's status once bound: Bound, the volume's access modes and capacity. */
export function boundClaimStatus(pvc: PersistentVolumeClaim, pv: PersistentVolume): PersistentVolumeClaim['status'] {
  return { ...pvc.status, phase: 'Bound', accessModes: pv.spec?.accessModes ?? [], capacity: pv.spec?.capacity ?? {} };
}
