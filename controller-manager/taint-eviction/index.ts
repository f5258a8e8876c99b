// The taint eviction controller as kube-controller-manager registers it (it has no flags).
import type { Node, Pod } from '../../api/types/core.js';
import { resourceClient } from '../../client/resource-client.js';
import type { RestClient } from '../../client/rest-client.js';
import type { ControllerDescriptor } from '../controllers.js';
import { patchPodStatus } from '../pod-status.js';
import { EVENT_SOURCE, NAME, TaintEvictionController, type TaintEvictionClient } from './controller.js';

export function restTaintEvictionClient(rest: RestClient): TaintEvictionClient {
  const pods = resourceClient<Pod>(rest, 'pods');
  return {
    getPod: (namespace, name) => pods.get(namespace, name),
    patchPodCondition: (pod, condition) => patchPodStatus(pods, pod, { conditions: [condition] }),
    deletePod: async (namespace, name, uid) => {
      await pods.delete(namespace, name, uid ? { preconditions: { uid } } : {});
    },
  };
}

export const taintEvictionControllerDescriptor: ControllerDescriptor = {
  name: NAME,
  aliases: [],
  // As in Kubernetes: the taint eviction controller acts with the node controller's role.
  serviceAccountName: 'node-controller',
  flags: [],
  create(ctx) {
    return new TaintEvictionController({
      nodes: ctx.informers.informer<Node>('nodes'),
      pods: ctx.informers.informer<Pod>('pods'),
      client: restTaintEvictionClient(ctx.rest),
      recorder: ctx.recorder(EVENT_SOURCE),
      clock: ctx.clock,
      log: ctx.log.child({ controller: NAME }),
      metrics: ctx.metrics,
    });
  },
};
