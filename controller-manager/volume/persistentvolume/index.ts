// The PV binder as kube-controller-manager registers it (persistentvolume-binder-controller).
import type { PersistentVolume, PersistentVolumeClaim } from '../../../api/types/core.js';
import { resourceClient } from '../../../client/resource-client.js';
import type { RestClient } from '../../../client/rest-client.js';
import type { ControllerDescriptor } from '../../controllers.js';
import { NAME, PersistentVolumeController, type PVControllerClient } from './controller.js';

export function restPVControllerClient(rest: RestClient): PVControllerClient {
  const pvs = resourceClient<PersistentVolume>(rest, 'persistentvolumes');
  const pvcs = resourceClient<PersistentVolumeClaim>(rest, 'persistentvolumeclaims');
  return {
    updateVolume: (pv) => pvs.update('', pv),
    updateVolumeStatus: (pv) => pvs.updateStatus('', pv),
    updateClaim: (pvc) => pvcs.update(pvc.metadata.namespace ?? '', pvc),
    updateClaimStatus: (pvc) => pvcs.updateStatus(pvc.metadata.namespace ?? '', pvc),
  };
}

export const persistentVolumeBinderDescriptor: ControllerDescriptor = {
  name: NAME,
  aliases: ['persistentvolume-binder'],
  serviceAccountName: 'persistent-volume-binder',
  flags: [],
  create(ctx) {
    return new PersistentVolumeController({
      volumes: ctx.informers.informer('persistentvolumes'),
      claims: ctx.informers.informer('persistentvolumeclaims'),
      classes: ctx.informers.informer('storageclasses'),
      nodes: ctx.informers.informer('nodes'),
      client: restPVControllerClient(ctx.rest),
      recorder: ctx.recorder('persistentvolume-controller'),
      clock: ctx.clock,
      log: ctx.log.child({ controller: NAME }),
      metrics: ctx.metrics,
    });
  },
};
