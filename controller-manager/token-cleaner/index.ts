// The bootstrap token cleaner as kube-controller-manager registers it (no flags).
// Kubernetes leaves it off unless --controllers names it (kubeadm passes
// `*,bootstrapsigner,tokencleaner`); here it is on by default, as in a kubeadm cluster.
import type { Secret } from '../../api/types/core.js';
import { resourceClient } from '../../client/resource-client.js';
import type { RestClient } from '../../client/rest-client.js';
import type { ControllerDescriptor } from '../controllers.js';
import { NAME, TokenCleaner, type TokenCleanerClient } from './controller.js';

export function restTokenCleanerClient(rest: RestClient): TokenCleanerClient {
  const secrets = resourceClient<Secret>(rest, 'secrets');
  return {
    deleteSecret: async (namespace, name, preconditions) => {
      await secrets.delete(namespace, name, { preconditions });
    },
  };
}

export const tokenCleanerDescriptor: ControllerDescriptor = {
  name: NAME,
  aliases: ['tokencleaner'],
  serviceAccountName: 'token-cleaner',
  flags: [],
  create(ctx) {
    return new TokenCleaner({
      secrets: ctx.informers.informer<Secret>('secrets'),
      client: restTokenCleanerClient(ctx.rest),
      clock: ctx.clock,
      log: ctx.log.child({ controller: NAME }),
      metrics: ctx.metrics,
    });
  },
};
