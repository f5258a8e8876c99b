// The disruption controller as kube-controller-manager registers it
// ("disruption-controller", alias "disruption"), and its client over the API: budgets'
// status, controllers' scale subresource, pods' DisruptionTarget reset.
import { isNotFound } from '../../api/errors.js';
import type { Deployment, ReplicaSet, Scale, StatefulSet } from '../../api/types/apps.js';
import type { Pod, ReplicationController } from '../../api/types/core.js';
import type { PodDisruptionBudget } from '../../api/types/policy.js';
import { resourceClient, resourcePath } from '../../client/resource-client.js';
import type { RestClient } from '../../client/rest-client.js';
import type { ControllerDescriptor } from '../controllers.js';
import { scaleMappings } from '../podautoscaler/scale-client.js';
import { type DisruptionClient, DisruptionController, FIELD_MANAGER, NAME } from './controller.js';

/** The source component of the controller's events. */
export const EVENT_SOURCE = 'controllermanager';

export function restDisruptionClient(rest: RestClient): DisruptionClient {
  const pdbs = resourceClient<PodDisruptionBudget>(rest, 'poddisruptionbudgets');
  const pods = resourceClient<Pod>(rest, 'pods');
  return {
    updateStatus: (pdb) => pdbs.updateStatus(pdb.metadata.namespace as string, pdb),
    // getScaleController: the scale of whatever the reference names; NotFound is "no such controller"
    // only when the resource has a scale subresource at all.
    async getScale(namespace, ref) {
      const resource = scaleMappings({ apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name })[0];
      try {
        const scale = await rest.request<Scale>({ path: resourcePath(resource, { namespace, name: ref.name, subresource: 'scale' }) });
        return { uid: scale.metadata.uid as string, scale: scale.spec?.replicas ?? 0 };
      } catch (err) {
        if (!isNotFound(err)) throw err;
        if (!resource.subresources.includes('scale')) throw new Error(`${resource.group ? `${resource.plural}.${resource.group}` : resource.plural} does not implement the scale subresource`);
        return undefined;
      }
    },
    resetDisruptionTarget: (pod, lastTransitionTime) => pods.apply(pod.metadata.namespace as string, pod.metadata.name as string, {
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace, resourceVersion: pod.metadata.resourceVersion },
      status: { conditions: [{ type: 'DisruptionTarget', status: 'False', lastTransitionTime }] },
    }, { fieldManager: FIELD_MANAGER, force: true, subresource: 'status' }),
  };
}

export const disruptionControllerDescriptor: ControllerDescriptor = {
  name: NAME,
  aliases: ['disruption'],
  serviceAccountName: 'disruption-controller',
  flags: [],
  create(ctx) {
    return new DisruptionController({
      pdbs: ctx.informers.informer<PodDisruptionBudget>('poddisruptionbudgets'),
      pods: ctx.informers.informer<Pod>('pods'),
      replicaSets: ctx.informers.informer<ReplicaSet>('replicasets'),
      deployments: ctx.informers.informer<Deployment>('deployments'),
      replicationControllers: ctx.informers.informer<ReplicationController>('replicationcontrollers'),
      statefulSets: ctx.informers.informer<StatefulSet>('statefulsets'),
      client: restDisruptionClient(ctx.rest),
      recorder: ctx.recorder(EVENT_SOURCE),
      clock: ctx.clock,
      log: ctx.log.child({ controller: NAME }),
      metrics: ctx.metrics,
    });
  },
};
