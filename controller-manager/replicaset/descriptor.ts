// The ReplicaSet controller as kube-controller-manager registers it
// (replicaset-controller, alias replicaset; --concurrent-replicaset-syncs), and the
// one way both it and the ReplicationController controller are built from a
// ControllerContext.
import type { ReplicaSet } from '../../api/types/apps.js';
import type { Pod } from '../../api/types/core.js';
import type { KubeObject } from '../../api/types/meta.js';
import { resourceClient } from '../../client/resource-client.js';
import type { ControllerContext } from '../context.js';
import type { ControllerDescriptor } from '../controllers.js';
import { RealPodControl } from '../pod-control.js';
import { ReplicaSetController } from './controller.js';
import { replicaSetKind, type ReplicaSetKind } from './kinds.js';

/** A ReplicaSetController for kind on the context's shared informers, clients and recorder. */
export function newReplicaSetController<T extends KubeObject>(ctx: ControllerContext, kind: ReplicaSetKind<T>, workers: number): ReplicaSetController<T> {
  const log = ctx.log.child({ controller: kind.controllerName });
  return new ReplicaSetController<T>({
    kind,
    rsInformer: ctx.informers.informer<T>(kind.resource),
    podInformer: ctx.informers.informer<Pod>('pods'),
    client: resourceClient<T>(ctx.rest, kind.resource),
    podControl: new RealPodControl(resourceClient<Pod>(ctx.rest, 'pods'), ctx.recorder(kind.eventSource), log),
    clock: ctx.clock, log, metrics: ctx.metrics, workers,
  });
}

export const replicaSetControllerDescriptor: ControllerDescriptor = {
  name: 'replicaset-controller',
  aliases: ['replicaset'],
  serviceAccountName: 'replicaset-controller',
  flags: [{
    name: 'concurrent-replicaset-syncs', kind: 'int', default: '5',
    description: 'The number of replica sets that are allowed to sync concurrently. Larger number = more responsive replica management, but more CPU (and network) load',
  }],
  create: (ctx) => newReplicaSetController<ReplicaSet>(ctx, replicaSetKind, ctx.options.int('concurrent-replicaset-syncs')),
};
