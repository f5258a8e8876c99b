// The kinds one ReplicaSetController runs for, as Kubernetes runs its ReplicaSet
// controller for apps/v1 ReplicaSets and, through an adapter, for core/v1
// ReplicationControllers (replication-controller.ts): the controller reads every
// object as a ReplicaSet and writes its status back through the kind.
import { selectorFromLabelSelector, nothing, type LabelSelectorMatcher } from '../../api/labels.js';
import type { ReplicaSet, ReplicaSetStatus } from '../../api/types/apps.js';
import type { KubeObject } from '../../api/types/meta.js';

/**
 * What the controller needs to know of the kind it runs for. toReplicaSet must not
 * change obj (a cached object) and may share its parts; withStatus returns a copy of
 * obj carrying status, to write through the status subresource.
 */
export interface ReplicaSetKind<T extends KubeObject = KubeObject> {
  /** As ownerReferences name it: 'ReplicaSet' / 'ReplicationController'. */
  readonly kind: string;
  readonly apiVersion: string;
  /** The resource informers and clients are built for. */
  readonly resource: string;
  /** kube-controller-manager's name of the controller (--controllers), also its queue's in the workqueue_* metrics. */
  readonly controllerName: string;
  /** Source component of its Events. */
  readonly eventSource: string;
  toReplicaSet(obj: T): ReplicaSet;
  withStatus(obj: T, status: ReplicaSetStatus): T;
}

export const replicaSetKind: ReplicaSetKind<ReplicaSet> = {
  kind: 'ReplicaSet',
  apiVersion: 'apps/v1',
  resource: 'replicasets',
  controllerName: 'replicaset-controller',
  eventSource: 'replicaset-controller',
  toReplicaSet: (rs) => rs,
  withStatus: (rs, status) => ({ ...structuredClone(rs), status: structuredClone(status) }),
};

/** spec.replicas, defaulted to 1 as the apiserver defaults it. */
export function desiredReplicas(rs: ReplicaSet): number {
  const n = rs.spec?.replicas;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? Math.floor(n) : 1;
}

/**
 * The pods a ReplicaSet selects (LabelSelectorAsSelector); throws a BadRequest for an
 * invalid selector. An empty selector selects nothing here, not everything:
 * validation never lets one in, and a controller owning every pod of its namespace
 * would be the worst way to find out one slipped through.
 */
export function podSelector(rs: ReplicaSet): LabelSelectorMatcher {
  const sel = rs.spec?.selector;
  if (!sel || (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0)) return nothing();
  return selectorFromLabelSelector(sel);
}
