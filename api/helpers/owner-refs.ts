// Controller ownerReferences, as apimachinery's metav1.GetControllerOf /
// NewControllerRef / IsControlledBy: the one owner with controller=true.
import type { KubeObject, OwnerReference } from '../types/meta.js';

/** The owner reference marked controller=true, if any. */
export function controllerRef(obj: Pick<KubeObject, 'metadata'>): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}

/** True when owner is obj's controller (matched by uid). */
export function isControlledBy(obj: Pick<KubeObject, 'metadata'>, owner: Pick<KubeObject, 'metadata'>): boolean {
  const ref = controllerRef(obj);
  return ref !== undefined && ref.uid === owner.metadata.uid;
}

/**
 * The reference a controller puts on what it creates: controller=true and
 * blockOwnerDeletion=true, so foreground deletion of the owner waits for it.
 */
export function newControllerRef(owner: Pick<KubeObject, 'metadata'>, apiVersion: string, kind: string): OwnerReference {
  return { apiVersion, kind, name: owner.metadata.name as string, uid: owner.metadata.uid as string, controller: true, blockOwnerDeletion: true };
}
