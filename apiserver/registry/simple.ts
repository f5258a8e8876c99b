// Strategies of the resources that need no code of their own beyond a few flags.
import type { KubeObject } from '../../api/types/meta.js';
import { defaultStrategy, type Strategy } from './strategy.js';

/** Nodes: status written by the kubelet through the status subresource. */
export const nodeStrategy: Strategy = { ...defaultStrategy, hasStatus: true, returnDeletedObject: true };

/** ReplicaSets and Deployments: status written by their controllers. */
export const appsStrategy: Strategy = {
  ...defaultStrategy,
  hasStatus: true,
  returnDeletedObject: true,
  prepareForCreate(obj) { delete obj.status; },
};

/**
 * ReplicationControllers: status written by their controller (a new one starts at
 * replicas 0, as Go shows an empty status struct); a DELETE without a propagation policy
 * orphans the pods, for backward compatibility of the v1 API.
 */
export const replicationControllerStrategy: Strategy = {
  ...defaultStrategy,
  hasStatus: true,
  orphanByDefault: true,
  prepareForCreate(obj) { obj.status = { replicas: 0 }; },
};

/** Endpoints, Leases and Events: a PUT of a missing object creates it. */
export const createOnUpdateStrategy: Strategy = { ...defaultStrategy, allowCreateOnUpdate: true };

interface NamespaceLike extends KubeObject {
  spec?: { finalizers?: string[] };
  status?: { phase?: string };
}

/**
 * Namespaces: DELETE marks them Terminating; spec.finalizers (["kubernetes"]) hold
 * them until the namespace controller empties them through namespaces/<n>/finalize.
 */
export const namespaceStrategy: Strategy = {
  ...defaultStrategy,
  hasStatus: true,
  returnDeletedObject: true,
  prepareForCreate(obj) { (obj as NamespaceLike).status = { phase: 'Active' }; },
  prepareForUpdate(obj, old) {
    // spec.finalizers change only through the finalize subresource.
    (obj as NamespaceLike).spec = structuredClone((old as NamespaceLike).spec);
  },
  onDelete(obj) {
    const ns = obj as NamespaceLike;
    ns.status = { ...(ns.status ?? {}), phase: 'Terminating' };
  },
  deletionHeld(obj) {
    return ((obj as NamespaceLike).spec?.finalizers?.length ?? 0) > 0;
  },
};

/**
 * HorizontalPodAutoscalers: status written by the HPA controller; a new one starts
 * with an empty status (desiredReplicas 0, always serialized), as the HPA strategy's
 * PrepareForCreate leaves it.
 */
export const horizontalPodAutoscalerStrategy: Strategy = {
  ...defaultStrategy,
  hasStatus: true,
  returnDeletedObject: true,
  prepareForCreate(obj) { obj.status = { desiredReplicas: 0 }; },
};
