// The service load-balancer controller as kube-controller-manager registers it
// (service-lb-controller, alias service; --concurrent-service-syncs), with its writes as
// the service controller makes them: finalizers by strategic merge patch (of services/status, as its role allows) of the
// service, status.loadBalancer by patch of services/status.
import type { LoadBalancerStatus, Node, Service } from '../../api/types/core.js';
import type { EndpointSlice } from '../../api/types/discovery.js';
import { resourceClient } from '../../client/resource-client.js';
import type { RestClient } from '../../client/rest-client.js';
import type { ControllerDescriptor } from '../controllers.js';
import { EVENT_SOURCE, NAME, ServiceLBController, type ServiceLBClient } from './controller.js';
import { LOAD_BALANCER_CLEANUP_FINALIZER } from './service-changes.js';

export function restServiceLBClient(rest: RestClient): ServiceLBClient {
  const services = resourceClient<Service>(rest, 'services');
  const ns = (svc: Service): string => svc.metadata.namespace ?? '';
  const name = (svc: Service): string => svc.metadata.name ?? '';
  return {
    addFinalizer: async (svc) => {
      await services.patch(ns(svc), name(svc), 'strategic', { metadata: { finalizers: [LOAD_BALANCER_CLEANUP_FINALIZER] } }, { subresource: 'status' });
    },
    removeFinalizer: async (svc) => {
      await services.patch(ns(svc), name(svc), 'strategic', { metadata: { '$deleteFromPrimitiveList/finalizers': [LOAD_BALANCER_CLEANUP_FINALIZER] } }, { subresource: 'status' });
    },
    patchStatus: async (svc, status: LoadBalancerStatus) => {
      // ingress is an atomic list: the patch replaces it whole, or removes it (null).
      const ingress = status.ingress?.length ? status.ingress : null;
      await services.patch(ns(svc), name(svc), 'merge', { status: { loadBalancer: { ingress } } }, { subresource: 'status' });
    },
  };
}

export const serviceLBControllerDescriptor: ControllerDescriptor = {
  name: NAME,
  aliases: ['service'],
  serviceAccountName: 'service-controller',
  flags: [
    {
      name: 'concurrent-service-syncs', kind: 'int', default: '1',
      description: 'The number of services that are allowed to sync concurrently. Larger number = more responsive service management, but more CPU (and network) load',
    },
  ],
  create(ctx) {
    return new ServiceLBController({
      services: ctx.informers.informer<Service>('services'),
      nodes: ctx.informers.informer<Node>('nodes'),
      slices: ctx.informers.informer<EndpointSlice>('endpointslices.discovery.k8s.io'),
      client: restServiceLBClient(ctx.rest),
      recorder: ctx.recorder(EVENT_SOURCE),
      clock: ctx.clock,
      log: ctx.log.child({ controller: NAME }),
      workers: ctx.options.int('concurrent-service-syncs'),
      metrics: ctx.metrics,
    });
  },
};
