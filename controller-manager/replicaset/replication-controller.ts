// The ReplicationController controller: the ReplicaSet controller run for core/v1
// ReplicationControllers through an adapter, as Kubernetes'
// pkg/controller/replication does (replicationcontroller-controller, alias
// replicationcontroller; --concurrent-rc-syncs; Events from replication-controller).
// An RC is read as a ReplicaSet (its selector map becomes matchLabels) and the new
// status is written back into the RC.
import type { ReplicaSet, ReplicaSetStatus } from '../../api/types/apps.js';
import type { ReplicationController } from '../../api/types/core.js';
import type { LabelSelector } from '../../api/types/meta.js';
import type { ControllerDescriptor } from '../controllers.js';
import { newReplicaSetController } from './descriptor.js';
import type { ReplicaSetKind } from './kinds.js';

/**
 * Convert_v1_ReplicationController_To_apps_ReplicaSet. An RC always has a non-empty
 * selector and a template once validated; should one lack them, the view has no
 * selector (it selects no pods) and no template (creates fail with "no labels").
 */
function rcToReplicaSet(rc: ReplicationController): ReplicaSet {
  const selector = rc.spec?.selector;
  const hasSelector = selector !== null && typeof selector === 'object' && Object.keys(selector).length > 0;
  return {
    apiVersion: rc.apiVersion, kind: rc.kind, metadata: rc.metadata,
    spec: {
      replicas: rc.spec?.replicas,
      minReadySeconds: rc.spec?.minReadySeconds,
      selector: (hasSelector ? { matchLabels: selector } : undefined) as LabelSelector,
      template: rc.spec?.template,
    },
    status: rc.status as ReplicaSetStatus | undefined,
  };
}

export const replicationControllerKind: ReplicaSetKind<ReplicationController> = {
  kind: 'ReplicationController',
  apiVersion: 'v1',
  resource: 'replicationcontrollers',
  controllerName: 'replicationcontroller-controller',
  eventSource: 'replication-controller',
  toReplicaSet: rcToReplicaSet,
  withStatus: (rc, status) => {
    // An RC's status has no terminatingReplicas.
    const { terminatingReplicas: _, ...rcStatus } = structuredClone(status);
    return { ...structuredClone(rc), status: rcStatus };
  },
};

export const replicationControllerDescriptor: ControllerDescriptor = {
  name: 'replicationcontroller-controller',
  aliases: ['replicationcontroller'],
  serviceAccountName: 'replication-controller',
  flags: [{
    name: 'concurrent-rc-syncs', kind: 'int', default: '5',
    description: 'The number of replication controllers that are allowed to sync concurrently. Larger number = more responsive replica management, but more CPU (and network) load',
  }],
  create: (ctx) => newReplicaSetController<ReplicationController>(ctx, replicationControllerKind, ctx.options.int('concurrent-rc-syncs')),
};
