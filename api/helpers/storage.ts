// PersistentVolume and PersistentVolumeClaim helpers shared by the apiserver's tables,
// describe, the PV controller, the scheduler and the kubelet (Kubernetes keeps them in
// pkg/apis/core/v1/helper and component-helpers/storage/volume).
import type { PersistentVolume, PersistentVolumeAccessMode, PersistentVolumeClaim } from '../types/core.js';

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
