// storage.k8s.io/v1 types.
import type { PersistentVolumeReclaimPolicy, TopologySelectorTerm } from './core.js';
import type { KubeObject } from './meta.js';

export type VolumeBindingMode = 'Immediate' | 'WaitForFirstConsumer';

/** Marks the StorageClass new claims without storageClassName get (DefaultStorageClass admission). */
export const IS_DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
/** The beta spelling Kubernetes still honours. */
export const BETA_IS_DEFAULT_CLASS_ANNOTATION = 'storageclass.beta.kubernetes.io/is-default-class';

/** A class of storage: which provisioner creates its volumes, with what parameters. */
export interface StorageClass extends KubeObject {
  provisioner: string;
  parameters?: Record<string, string>;
  /** Defaults to Delete. */
  reclaimPolicy?: PersistentVolumeReclaimPolicy;
  mountOptions?: string[];
  allowVolumeExpansion?: boolean;
  /** Defaults to Immediate. */
  volumeBindingMode?: VolumeBindingMode;
  allowedTopologies?: TopologySelectorTerm[];
}

/** True when the class carries the default-class annotation set to "true" (IsDefaultAnnotation). */
export function isDefaultClass(sc: Pick<StorageClass, 'metadata'>): boolean {
  const a = sc.metadata?.annotations ?? {};
  return a[IS_DEFAULT_CLASS_ANNOTATION] === 'true' || a[BETA_IS_DEFAULT_CLASS_ANNOTATION] === 'true';
}
