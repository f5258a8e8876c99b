// The garbage collector as kube-controller-manager registers it
// (startGarbageCollectorController): its names, flags and construction. With
// --enable-garbage-collector=false it is not started at all.
import { discover } from '../../client/discovery.js';
import type { Controller } from '../controller.js';
import { controllerQueue } from '../controller.js';
import type { ControllerDescriptor } from '../controllers.js';
import { GarbageCollector, NAME } from './garbage-collector.js';
import { GraphBuilder } from './graph-builder.js';
import { RestMapper, restGcClient } from './operations.js';

export const garbageCollectorDescriptor: ControllerDescriptor = {
  name: NAME,
  aliases: ['garbagecollector'],
  serviceAccountName: 'generic-garbage-collector',
  flags: [
    { name: 'concurrent-gc-syncs', kind: 'int', default: '20', description: 'The number of garbage collector workers that are allowed to sync concurrently.' },
    { name: 'enable-garbage-collector', kind: 'bool', default: 'true', description: 'Enables the generic garbage collector. MUST be synced with the corresponding flag of the kube-apiserver.' },
    // Ours: a constant in kube-controller-manager (the 30 s garbageCollector.Sync period).
    { name: 'gc-discovery-sync-period', kind: 'duration', default: '30s', description: 'How often the garbage collector re-reads discovery to watch resource kinds added or removed since' },
  ],
  create(ctx): Controller {
    const log = ctx.log.child({ controller: NAME });
    if (!ctx.options.bool('enable-garbage-collector')) {
      return {
        name: NAME,
        async run() { log.info('garbage collector disabled (--enable-garbage-collector=false)'); },
      };
    }
    const attemptToDelete = controllerQueue({ name: 'garbage_collector_attempt_to_delete', clock: ctx.clock, metrics: ctx.metrics });
    const attemptToOrphan = controllerQueue({ name: 'garbage_collector_attempt_to_orphan', clock: ctx.clock, metrics: ctx.metrics });
    const builder = new GraphBuilder({ attemptToDelete, attemptToOrphan, recorder: ctx.recorder(NAME), log: log.child({ component: 'GraphBuilder' }) });
    return new GarbageCollector({
      builder, attemptToDelete, attemptToOrphan,
      client: restGcClient(ctx.rest),
      mapper: new RestMapper(),
      discover: () => discover(ctx.rest),
      informerFor: (ri) => ctx.informers.informer(ri),
      clock: ctx.clock, log, metrics: ctx.metrics,
      workers: ctx.options.int('concurrent-gc-syncs'),
      syncPeriodMs: ctx.options.duration('gc-discovery-sync-period'),
    });
  },
};
