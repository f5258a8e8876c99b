// The protection controllers as kube-controller-manager registers them.
import type { PersistentVolume, PersistentVolumeClaim, Pod } from '../../../api/types/core.js';
import { resourceClient } from '../../../client/resource-client.js';
import type { ControllerDescriptor } from '../../controllers.js';
import { PV_PROTECTION_NAME, PVC_PROTECTION_NAME, PVCProtectionController, PVProtectionController } from './controller.js';

export const pvcProtectionDescriptor: ControllerDescriptor = {
  name: PVC_PROTECTION_NAME,
  aliases: ['pvc-protection'],
  serviceAccountName: 'pvc-protection-controller',
  flags: [],
  create(ctx) {
    const pvcs = resourceClient<PersistentVolumeClaim>(ctx.rest, 'persistentvolumeclaims');
    const pods = resourceClient<Pod>(ctx.rest, 'pods');
    return new PVCProtectionController({
      claims: ctx.informers.informer('persistentvolumeclaims'),
      pods: ctx.informers.informer('pods'),
      client: {
        updateClaim: (pvc) => pvcs.update(pvc.metadata.namespace ?? '', pvc),
        listPods: async (ns) => (await pods.list(ns)).items,
      },
      clock: ctx.clock,
      log: ctx.log.child({ controller: PVC_PROTECTION_NAME }),
      metrics: ctx.metrics,
    });
  },
};

export const pvProtectionDescriptor: ControllerDescriptor = {
  name: PV_PROTECTION_NAME,
  aliases: ['pv-protection'],
  serviceAccountName: 'pv-protection-controller',
  flags: [],
  create(ctx) {
    const pvs = resourceClient<PersistentVolume>(ctx.rest, 'persistentvolumes');
    return new PVProtectionController({
      volumes: ctx.informers.informer('persistentvolumes'),
      client: { updateVolume: (pv) => pvs.update('', pv) },
      clock: ctx.clock,
      log: ctx.log.child({ controller: PV_PROTECTION_NAME }),
      metrics: ctx.metrics,
    });
  },
};
