// The node lifecycle controller as kube-controller-manager registers it: name, alias,
// flags (kube-controller-manager's names and defaults) and construction from the
// shared informers.
import type { Lease } from '../../api/types/coordination.js';
import type { Node, Pod } from '../../api/types/core.js';
import type { ControllerDescriptor } from '../controllers.js';
import { restNodeLifecycleClient } from './client.js';
import { EVENT_SOURCE, NAME, NodeLifecycleController } from './controller.js';

export const nodeLifecycleControllerDescriptor: ControllerDescriptor = {
  name: NAME,
  aliases: ['nodelifecycle'],
  serviceAccountName: 'node-controller',
  flags: [
    { name: 'node-monitor-period', kind: 'duration', default: '5s', description: 'The period for syncing NodeStatus in the node lifecycle controller.' },
    { name: 'node-monitor-grace-period', kind: 'duration', default: '40s', description: 'Amount of time which we allow running Node to be unresponsive before marking it unhealthy. Must be N times more than kubelet\'s nodeStatusUpdateFrequency, where N means number of retries allowed for kubelet to post node status.' },
    { name: 'node-startup-grace-period', kind: 'duration', default: '1m0s', description: 'Amount of time which we allow starting Node to be unresponsive before marking it unhealthy.' },
    { name: 'node-eviction-rate', kind: 'float', default: '0.1', description: 'Number of nodes per second on which pods are deleted in case of node failure when a zone is healthy (see --unhealthy-zone-threshold for definition of healthy/unhealthy). Zone refers to entire cluster in non-multizone clusters.' },
    { name: 'secondary-node-eviction-rate', kind: 'float', default: '0.01', description: 'Number of nodes per second on which pods are deleted in case of node failure when a zone is unhealthy (see --unhealthy-zone-threshold for definition of healthy/unhealthy). Zone refers to entire cluster in non-multizone clusters. This value is implicitly overridden to 0 if the cluster size is smaller than --large-cluster-size-threshold.' },
    { name: 'unhealthy-zone-threshold', kind: 'float', default: '0.55', description: 'Fraction of Nodes in a zone which needs to be not Ready (minimum 3) for zone to be treated as unhealthy.' },
    { name: 'large-cluster-size-threshold', kind: 'int', default: '50', description: 'Number of nodes from which node lifecycle controller treats the cluster as large for the eviction logic purposes. --secondary-node-eviction-rate is implicitly overridden to 0 for clusters this size or smaller.' },
  ],
  create(ctx) {
    const o = ctx.options;
    return new NodeLifecycleController({
      nodes: ctx.informers.informer<Node>('nodes'),
      pods: ctx.informers.informer<Pod>('pods'),
      leases: ctx.informers.informer<Lease>('leases'),
      client: restNodeLifecycleClient(ctx.rest),
      recorder: ctx.recorder(EVENT_SOURCE),
      clock: ctx.clock,
      log: ctx.log.child({ controller: NAME }),
      metrics: ctx.metrics,
      options: {
        monitorPeriodMs: o.duration('node-monitor-period'),
        monitorGracePeriodMs: o.duration('node-monitor-grace-period'),
        startupGracePeriodMs: o.duration('node-startup-grace-period'),
        evictionQps: o.float('node-eviction-rate'),
        secondaryEvictionQps: o.float('secondary-node-eviction-rate'),
        unhealthyZoneThreshold: o.float('unhealthy-zone-threshold'),
        largeClusterThreshold: o.int('large-cluster-size-threshold'),
      },
    });
  },
};
