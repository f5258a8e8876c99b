// Strategies of the resources that need no code of their own beyond a few flags.
import type { KubeObject } from '../../api/types/meta.js';
import { deepEqual } from './deep-equal.js';
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

/** The annotation apps/v1 carries a DaemonSet's templateGeneration in (bumped on each template change). */
export const DAEMONSET_TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

interface TemplateOwner extends KubeObject { spec?: { template?: unknown } }

/**
 * DaemonSets: status written by their controller (a new one starts with the zero
 * counts Go shows); templateGeneration, in its annotation, starts at 1 and is bumped by
 * the server whenever the template changes, whatever the client sent.
 */
export const daemonSetStrategy: Strategy = {
  ...defaultStrategy,
  hasStatus: true,
  returnDeletedObject: true,
  prepareForCreate(obj) {
    obj.status = { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 };
    obj.metadata.annotations = { ...(obj.metadata.annotations ?? {}), [DAEMONSET_TEMPLATE_GENERATION_ANNOTATION]: '1' };
  },
  prepareForUpdate(obj, old) {
    const before = Number(old.metadata.annotations?.[DAEMONSET_TEMPLATE_GENERATION_ANNOTATION] ?? '1') || 1;
    const changed = !deepEqual((obj as TemplateOwner).spec?.template, (old as TemplateOwner).spec?.template);
    obj.metadata.annotations = { ...(obj.metadata.annotations ?? {}), [DAEMONSET_TEMPLATE_GENERATION_ANNOTATION]: String(changed ? before + 1 : before) };
  },
};

/** StatefulSets: status written by their controller (a new one starts at replicas 0, as Go shows an empty status). */
export const statefulSetStrategy: Strategy = {
  ...defaultStrategy,
  hasStatus: true,
  returnDeletedObject: true,
  prepareForCreate(obj) { obj.status = { replicas: 0, availableReplicas: 0 }; },
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

/** APIServices: status written by the availability controller; a new one starts with an empty status (kube-aggregator's strategy). */
export const apiServiceStrategy: Strategy = {
  ...defaultStrategy,
  hasStatus: true,
  prepareForCreate(obj) { obj.status = {}; },
};

/**
 * PodDisruptionBudgets: status written by the disruption controller and the eviction
 * subresource; a new one starts with an empty status (the four counts, always
 * serialized, at 0), as the PDB strategy's PrepareForCreate leaves it.
 */
export const podDisruptionBudgetStrategy: Strategy = {
  ...defaultStrategy,
  hasStatus: true,
  returnDeletedObject: true,
  prepareForCreate(obj) { obj.status = { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 }; },
};
