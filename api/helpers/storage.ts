// PersistentVolume and PersistentVolumeClaim helpers shared by the apiserver's tables,
// describe, the PV controller, the scheduler and the kubelet (Kubernetes keeps them in
// pkg/apis/core/v1/helper and component-helpers/storage/volume).
import { selectorFromLabelSelector } from '../labels.js';
import { compareQuantities } from '../quantity.js';
import type { Node, PersistentVolume, PersistentVolumeAccessMode, PersistentVolumeClaim } from '../types/core.js';
// The node-selector matcher lives with the scheduler's NodeAffinity plugin; volumes use
// the same rule (component-helpers' nodeaffinity serves both in Kubernetes).
import { compileTerm, termMatches } from '../../scheduler/plugins/node-affinity.js';

/** The beta annotation naming a class, honoured before spec.storageClassName. */
export const BETA_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

/** Access modes as kubectl abbreviates them, in Kubernetes' order: "RWO,ROX,RWX,RWOP". */
export function accessModesString(modes: readonly PersistentVolumeAccessMode[] | undefined): string {
  const all = modes ?? [];
  const out: string[] = [];
  if (all.includes('ReadWriteOnce')) out.push('RWO');
  if (all.includes('ReadOnlyMany')) out.push('ROX');
  if (all.includes('ReadWriteMany')) out.push('RWX');
  if (all.includes('ReadWriteOncePod')) out.push('RWOP');
  return out.join(',');
}

/** The class of a volume: the beta annotation, else spec.storageClassName, else "" (GetPersistentVolumeClass). */
export function volumeClass(pv: PersistentVolume): string {
  return pv.metadata.annotations?.[BETA_STORAGE_CLASS_ANNOTATION] ?? pv.spec?.storageClassName ?? '';
}

/** The class a claim asks for; "" for none (GetPersistentVolumeClaimClass). */
export function claimClass(pvc: PersistentVolumeClaim): string {
  return pvc.metadata.annotations?.[BETA_STORAGE_CLASS_ANNOTATION] ?? pvc.spec?.storageClassName ?? '';
}

// ---------------------------------------------------------------- annotations and finalizers

/** Set on a claim and a volume once the controller bound them (AnnBindCompleted). */
export const ANN_BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
/** The binding was made by the controller, not pre-bound by a user (AnnBoundByController). */
export const ANN_BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';
/** On a claim: the external provisioner asked to create its volume (AnnStorageProvisioner). */
export const ANN_STORAGE_PROVISIONER = 'volume.kubernetes.io/storage-provisioner';
export const ANN_BETA_STORAGE_PROVISIONER = 'volume.beta.kubernetes.io/storage-provisioner';
/** On a volume: the provisioner that created it, which also deletes it (AnnDynamicallyProvisioned). */
export const ANN_DYNAMICALLY_PROVISIONED = 'pv.kubernetes.io/provisioned-by';
/** On a claim of a WaitForFirstConsumer class: the node the scheduler picked for its first pod. */
export const ANN_SELECTED_NODE = 'volume.kubernetes.io/selected-node';
export const PVC_PROTECTION_FINALIZER = 'kubernetes.io/pvc-protection';
export const PV_PROTECTION_FINALIZER = 'kubernetes.io/pv-protection';

// ---------------------------------------------------------------- matching

/** What a claim needs of a node-bound volume's node: its name and labels. */
export type NodeLike = Pick<Node, 'metadata'>;

/** The volume names this claim in its claimRef (uid empty for a volume pre-bound by name) (IsVolumeBoundToClaim). */
export function isVolumeBoundToClaim(pv: PersistentVolume, pvc: PersistentVolumeClaim): boolean {
  const ref = pv.spec?.claimRef;
  if (!ref) return false;
  if (ref.name !== pvc.metadata.name || ref.namespace !== pvc.metadata.namespace) return false;
  return !ref.uid || ref.uid === pvc.metadata.uid;
}

/** The volume's required node affinity admits the node (no affinity admits every node) (CheckNodeAffinity). */
export function volumeNodeAffinityMatches(pv: PersistentVolume, node: NodeLike): boolean {
  const terms = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms;
  if (!pv.spec?.nodeAffinity?.required) return true;
  return (terms ?? []).some((t) => {
    const c = compileTerm(t);
    return c !== undefined && termMatches(c, node as Node);
  });
}

/** Every access mode the claim asks for is one the volume offers (CheckAccessModes). */
export function volumeHasAccessModes(pv: PersistentVolume, pvc: PersistentVolumeClaim): boolean {
  const offered = new Set(pv.spec?.accessModes ?? []);
  return (pvc.spec?.accessModes ?? []).every((m) => offered.has(m));
}

const storageOf = (list: Record<string, string> | undefined): string => list?.storage ?? '0';

/**
 * The best volume for a claim among `volumes` (FindMatchingVolume): one pre-bound to
 * the claim if any, else the smallest Available volume with enough capacity, the same
 * class and volume mode, every requested access mode, labels matching the claim's
 * selector and, when a node is given, node affinity admitting it. With delayBinding
 * (a WaitForFirstConsumer class and no node yet) only pre-bound volumes match.
 */
export function findMatchingVolume(pvc: PersistentVolumeClaim, volumes: Iterable<PersistentVolume>, node: NodeLike | undefined, delayBinding: boolean): PersistentVolume | undefined {
  const requested = storageOf(pvc.spec?.resources?.requests);
  const wantClass = claimClass(pvc);
  const wantMode = pvc.spec?.volumeMode ?? 'Filesystem';
  const selector = pvc.spec?.selector ? selectorFromLabelSelector(pvc.spec.selector) : undefined;
  let best: PersistentVolume | undefined;
  for (const pv of volumes) {
    const capacity = storageOf(pv.spec?.capacity);
    if (compareQuantities(capacity, requested) < 0) continue;
    if ((pv.spec?.volumeMode ?? 'Filesystem') !== wantMode) continue;
    if (isVolumeBoundToClaim(pv, pvc)) {
      if (node && !volumeNodeAffinityMatches(pv, node)) continue;
      if (pv.metadata.deletionTimestamp) continue;
      return pv;
    }
    if (!node && delayBinding) continue;
    if (pv.spec?.claimRef || pv.metadata.deletionTimestamp) continue;
    if (pv.status?.phase !== 'Available') continue;
    if (selector && !selector.matches(pv.metadata.labels ?? {})) continue;
    if (volumeClass(pv) !== wantClass) continue;
    if (node && !volumeNodeAffinityMatches(pv, node)) continue;
    if (!volumeHasAccessModes(pv, pvc)) continue;
    if (!best || compareQuantities(capacity, storageOf(best.spec?.capacity)) < 0) best = pv;
  }
  return best;
}
