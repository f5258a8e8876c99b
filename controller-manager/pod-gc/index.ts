// The pod garbage collector as kube-controller-manager registers it. Its period and
// quarantine are constants in Kubernetes (gcCheckPeriod 20s, quarantineTime 40s);
// here they are flags too, so tests can shorten them.
import { isNotFound } from '../../api/errors.js';
import type { Node, Pod } from '../../api/types/core.js';
import { resourceClient } from '../../client/resource-client.js';
import type { RestClient } from '../../client/rest-client.js';
import type { ControllerDescriptor } from '../controllers.js';
import { patchPodStatus } from '../pod-status.js';
import { NAME, PodGCController, type PodGCClient } from './controller.js';

export function restPodGCClient(rest: RestClient): PodGCClient {
  const pods = resourceClient<Pod>(rest, 'pods');
  const nodes = resourceClient<Node>(rest, 'nodes');
  return {
    nodeExists: (name) => nodes.get('', name).then(() => true, (err: unknown) => {
      if (isNotFound(err)) return false;
      throw err;
    }),
    patchPodStatus: (pod, status) => patchPodStatus(pods, pod, status),
    forceDeletePod: async (namespace, name) => {
      await pods.delete(namespace, name, { gracePeriodSeconds: 0 });
    },
  };
}

export const podGCControllerDescriptor: ControllerDescriptor = {
  name: NAME,
  aliases: ['podgc'],
  serviceAccountName: 'pod-garbage-collector',
  flags: [
    { name: 'terminated-pod-gc-threshold', kind: 'int', default: '12500', description: 'Number of terminated pods that can exist before the terminated pod garbage collector starts deleting terminated pods. If <= 0, the terminated pod garbage collector is disabled.' },
    { name: 'pod-gc-period', kind: 'duration', default: '20s', description: 'How often the pod garbage collector runs (Kubernetes\' gcCheckPeriod; a flag here so tests can shorten it).' },
    { name: 'pod-gc-quarantine-time', kind: 'duration', default: '40s', description: 'How long a node missing from the cache is quarantined before an uncached GET confirms it gone and its pods are deleted (Kubernetes\' quarantineTime).' },
  ],
  create(ctx) {
    const o = ctx.options;
    return new PodGCController({
      pods: ctx.informers.informer<Pod>('pods'),
      nodes: ctx.informers.informer<Node>('nodes'),
      client: restPodGCClient(ctx.rest),
      clock: ctx.clock,
      log: ctx.log.child({ controller: NAME }),
      options: {
        terminatedPodThreshold: o.int('terminated-pod-gc-threshold'),
        periodMs: o.duration('pod-gc-period'),
        quarantineMs: o.duration('pod-gc-quarantine-time'),
      },
    });
  },
};
