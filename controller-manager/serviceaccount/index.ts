// The service accounts controller as kube-controller-manager registers it (no flags;
// one worker, as Kubernetes runs it).
import type { Namespace, ServiceAccount } from '../../api/types/core.js';
import { resourceClient } from '../../client/resource-client.js';
import type { ControllerDescriptor } from '../controllers.js';
import { NAME, ServiceAccountsController } from './controller.js';

export const serviceAccountsControllerDescriptor: ControllerDescriptor = {
  name: NAME,
  aliases: ['serviceaccount'],
  serviceAccountName: 'service-account-controller',
  flags: [],
  create(ctx) {
    return new ServiceAccountsController({
      namespaces: ctx.informers.informer<Namespace>('namespaces'),
      serviceAccounts: ctx.informers.informer<ServiceAccount>('serviceaccounts'),
      client: resourceClient<ServiceAccount>(ctx.rest, 'serviceaccounts'),
      clock: ctx.clock,
      log: ctx.log.child({ controller: NAME }),
      metrics: ctx.metrics,
    });
  },
};
