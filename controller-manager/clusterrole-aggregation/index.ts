// The ClusterRole aggregation controller as kube-controller-manager registers it (no flags).
import type { ClusterRole } from '../../api/types/rbac.js';
import { resourceClient } from '../../client/resource-client.js';
import type { ControllerDescriptor } from '../controllers.js';
import { ClusterRoleAggregationController, NAME } from './controller.js';

export const clusterRoleAggregationDescriptor: ControllerDescriptor = {
  name: NAME,
  aliases: ['clusterrole-aggregation'],
  serviceAccountName: 'clusterrole-aggregation-controller',
  flags: [],
  create(ctx) {
    return new ClusterRoleAggregationController({
      clusterRoles: ctx.informers.informer<ClusterRole>('clusterroles.rbac.authorization.k8s.io'),
      client: resourceClient<ClusterRole>(ctx.rest, 'clusterroles.rbac.authorization.k8s.io'),
      clock: ctx.clock,
      log: ctx.log.child({ controller: NAME }),
      metrics: ctx.metrics,
    });
  },
};
