// The namespace controller as kube-controller-manager registers it
// (startNamespaceController): its names, flags and construction.
import type { Namespace } from '../../api/types/core.js';
import type { ControllerDescriptor } from '../controllers.js';
import { NamespaceController, NAME } from './controller.js';
import { NamespacedResourcesDeleter, restDeleterClient } from './deleter.js';

export const namespaceControllerDescriptor: ControllerDescriptor = {
  name: NAME,
  aliases: ['namespace'],
  serviceAccountName: 'namespace-controller',
  flags: [
    { name: 'concurrent-namespace-syncs', kind: 'int', default: '10', description: 'The number of namespace objects that are allowed to sync concurrently. Larger number = more responsive namespace termination, but more CPU (and network) load' },
    { name: 'namespace-sync-period', kind: 'duration', default: '5m0s', description: 'The period for syncing namespace life-cycle updates' },
    // Ours: a constant in kube-controller-manager (namespaceDeletionGracePeriod).
    { name: 'namespace-deletion-delay', kind: 'duration', default: '5s', description: 'How long after a namespace is marked for deletion its content is deleted (lets caches of other controllers catch up)' },
  ],
  create(ctx) {
    const log = ctx.log.child({ controller: NAME });
    return new NamespaceController({
      namespaces: ctx.informers.informer<Namespace>('namespaces'),
      deleter: new NamespacedResourcesDeleter(restDeleterClient(ctx.rest), ctx.clock, log),
      clock: ctx.clock,
      log,
      metrics: ctx.metrics,
      workers: ctx.options.int('concurrent-namespace-syncs'),
      resyncPeriodMs: ctx.options.duration('namespace-sync-period'),
      deletionGracePeriodMs: ctx.options.duration('namespace-deletion-delay'),
    });
  },
};
