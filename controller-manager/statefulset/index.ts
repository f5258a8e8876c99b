// The StatefulSet controller as kube-controller-manager registers it
// (statefulset-controller, alias statefulset; --concurrent-statefulset-syncs), built
// on the context's shared informers, clients and recorder.
import { notFound } from '../../api/errors.js';
import type { ControllerRevision, StatefulSet } from '../../api/types/apps.js';
import type { PersistentVolumeClaim, Pod } from '../../api/types/core.js';
import { resourceClient } from '../../client/resource-client.js';
import type { ControllerDescriptor } from '../controllers.js';
import type { ControllerContext } from '../context.js';
import { RealPodControl } from '../pod-control.js';
import { CONTROLLER_NAME, StatefulSetController } from './controller.js';
import type { StatefulObjectManager } from './pod-control.js';

export { StatefulSetController } from './controller.js';

export function newStatefulSetController(ctx: ControllerContext, workers: number): StatefulSetController {
  const log = ctx.log.child({ controller: CONTROLLER_NAME });
  const pods = resourceClient<Pod>(ctx.rest, 'pods');
  const claims = resourceClient<PersistentVolumeClaim>(ctx.rest, 'persistentvolumeclaims');
  const sets = resourceClient<StatefulSet>(ctx.rest, 'statefulsets');
  const revisions = resourceClient<ControllerRevision>(ctx.rest, 'controllerrevisions');
  const claimInformer = ctx.informers.informer<PersistentVolumeClaim>('persistentvolumeclaims');
  const recorder = ctx.recorder(CONTROLLER_NAME);
  const objects: StatefulObjectManager = {
    createPod: (pod) => pods.create(pod.metadata.namespace ?? '', pod),
    getPod: (namespace, name) => pods.get(namespace, name),
    updatePod: (pod) => pods.update(pod.metadata.namespace ?? '', pod),
    deletePod: async (pod) => {
      await pods.delete(pod.metadata.namespace ?? '', pod.metadata.name ?? '');
    },
    createClaim: (claim) => claims.create(claim.metadata.namespace ?? '', claim),
    getClaim: async (namespace, name) => {
      const claim = claimInformer.get(namespace, name);
      if (!claim) throw notFound({ group: '', resource: 'persistentvolumeclaims' }, name);
      return claim;
    },
    updateClaim: (claim) => claims.update(claim.metadata.namespace ?? '', claim),
  };
  return new StatefulSetController({
    setInformer: ctx.informers.informer<StatefulSet>('statefulsets'),
    podInformer: ctx.informers.informer<Pod>('pods'),
    revisionInformer: ctx.informers.informer<ControllerRevision>('controllerrevisions'),
    claimInformer,
    client: { get: (ns, name) => sets.get(ns, name), updateStatus: (ns, set) => sets.updateStatus(ns, set) },
    revisions: {
      create: (ns, r) => revisions.create(ns, r),
      get: (ns, name) => revisions.get(ns, name),
      update: (ns, r) => revisions.update(ns, r),
      delete: async (ns, name) => {
        await revisions.delete(ns, name);
      },
      patch: (ns, name, patch) => revisions.patch(ns, name, 'strategic', patch),
    },
    objects,
    podControl: new RealPodControl(pods, recorder, log),
    recorder,
    clock: ctx.clock, log, metrics: ctx.metrics, workers,
  });
}

export const statefulSetControllerDescriptor: ControllerDescriptor = {
  name: 'statefulset-controller',
  aliases: ['statefulset'],
  serviceAccountName: 'statefulset-controller',
  flags: [{
    name: 'concurrent-statefulset-syncs', kind: 'int', default: '5',
    description: 'The number of statefulset objects that are allowed to sync concurrently. Larger number = more responsive statefulsets, but more CPU (and network) load',
  }],
  create: (ctx) => newStatefulSetController(ctx, ctx.options.int('concurrent-statefulset-syncs')),
};
