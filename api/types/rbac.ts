// rbac.authorization.k8s.io/v1: roles (what may be done) and bindings (who may do it).
import type { KubeObject, LabelSelector } from './meta.js';

/**
 * One rule of a role. Resource rules name apiGroups, resources ("pods",
 * "pods/log", "*") and optionally resourceNames; non-resource rules name URL paths
 * ("/healthz", "/api/*") and only make sense in ClusterRoles.
 */
export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface AggregationRule {
  /** ClusterRoles whose labels match any selector lend their rules to this one. */
  clusterRoleSelectors?: LabelSelector[];
}

export interface Role extends KubeObject {
  rules?: PolicyRule[] | null;
}

export interface ClusterRole extends KubeObject {
  rules?: PolicyRule[] | null;
  aggregationRule?: AggregationRule;
}

/** kind User or Group (apiGroup rbac.authorization.k8s.io) or ServiceAccount (apiGroup ""). */
export interface Subject {
  kind: 'User' | 'Group' | 'ServiceAccount' | string;
  apiGroup?: string;
  name: string;
  /** ServiceAccount subjects only. */
  namespace?: string;
}

export interface RoleRef {
  apiGroup: string;
  kind: 'Role' | 'ClusterRole' | string;
  name: string;
}

export interface RoleBinding extends KubeObject {
  subjects?: Subject[];
  roleRef: RoleRef;
}

export interface ClusterRoleBinding extends KubeObject {
  subjects?: Subject[];
  roleRef: RoleRef;
}

export const RBAC_GROUP = 'rbac.authorization.k8s.io';
