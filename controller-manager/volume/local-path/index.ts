// The local-path provisioner as this controller manager registers it (not a
// kube-controller-manager controller: k3s runs it as a Deployment of its own).
import { isNotFound } from '../../../api/errors.js';
import type { PersistentVolume, Pod } from '../../../api/types/core.js';
import type { StorageClass } from '../../../api/types/storage.js';
import { resourceClient } from '../../../client/resource-client.js';
import type { ControllerDescriptor } from '../../controllers.js';
import { DEFAULT_CLASS_NAME, DEFAULT_HELPER_IMAGE, DEFAULT_ROOT, LocalPathProvisioner, NAME } from './provisioner.js';

export const localPathProvisionerDescriptor: ControllerDescriptor = {
  name: NAME,
  aliases: ['local-path'],
  serviceAccountName: 'local-path-provisioner',
  flags: [
    { name: 'local-path-root', kind: 'string', default: DEFAULT_ROOT, description: 'Directory on every node under which the local-path provisioner creates volumes (<root>/<pv>_<namespace>_<claim>).' },
    { name: 'local-path-helper-image', kind: 'string', default: DEFAULT_HELPER_IMAGE, description: 'Image of the helper pods that create and remove volume directories on nodes (needs /bin/sh, mkdir, rm; k3s uses rancher/mirrored-library-busybox).' },
    { name: 'local-path-helper-namespace', kind: 'string', default: 'kube-system', description: 'Namespace of the local-path helper pods.' },
    { name: 'local-path-storage-class', kind: 'string', default: DEFAULT_CLASS_NAME, description: 'The default StorageClass the local-path provisioner creates at start when missing ("" for none).' },
  ],
  create(ctx) {
    const o = ctx.options;
    const pvs = resourceClient<PersistentVolume>(ctx.rest, 'persistentvolumes');
    const pods = resourceClient<Pod>(ctx.rest, 'pods');
    const classes = resourceClient<StorageClass>(ctx.rest, 'storageclasses');
    return new LocalPathProvisioner({
      claims: ctx.informers.informer('persistentvolumeclaims'),
      volumes: ctx.informers.informer('persistentvolumes'),
      classes: ctx.informers.informer('storageclasses'),
      pods: ctx.informers.informer('pods'),
      client: {
        createVolume: (pv) => pvs.create('', pv),
        deleteVolume: async (name) => { await pvs.delete('', name); },
        createPod: (pod) => pods.create(pod.metadata.namespace ?? '', pod),
        deletePod: async (ns, name) => { await pods.delete(ns, name); },
        getStorageClass: (name) => classes.get('', name).catch((err: unknown) => {
          if (isNotFound(err)) return undefined;
          throw err;
        }),
        createStorageClass: (sc) => classes.create('', sc),
      },
      recorder: ctx.recorder(NAME),
      clock: ctx.clock,
      log: ctx.log.child({ controller: NAME }),
      metrics: ctx.metrics,
      options: {
        root: o.string('local-path-root'),
        helperImage: o.string('local-path-helper-image'),
        helperNamespace: o.string('local-path-helper-namespace'),
        className: o.string('local-path-storage-class'),
      },
    });
  },
};
