// Two storage admission plugins of kube-apiserver:
// - DefaultStorageClass (plugin/pkg/admission/storageclass/setdefault): a claim created
//   without spec.storageClassName gets the default StorageClass (the one annotated
//   storageclass.kubernetes.io/is-default-class=true; the newest when several are).
//   An explicit "" asks for a volume without class and is left alone.
// - StorageObjectInUseProtection (plugin/pkg/admission/storage/storageobjectinuseprotection):
//   new claims get the kubernetes.io/pvc-protection finalizer and new volumes the
//   kubernetes.io/pv-protection finalizer; the protection controllers remove them once
//   nothing uses the object.
import { PV_PROTECTION_FINALIZER, PVC_PROTECTION_FINALIZER } from '../../api/helpers/storage.js';
import type { PersistentVolumeClaim } from '../../api/types/core.js';
import type { KubeObject } from '../../api/types/meta.js';
import { isDefaultClass, type StorageClass } from '../../api/types/storage.js';
import type { AdmissionPlugin } from './chain.js';


/** The default class among classes: the newest default-annotated one, then by name (GetDefaultClass). */
export function defaultClass(classes: Iterable<StorageClass>): StorageClass | undefined {
  let best: StorageClass | undefined;
  for (const sc of classes) {
    if (!isDefaultClass(sc)) continue;
    if (!best) { best = sc; continue; }
    const a = Date.parse(sc.metadata.creationTimestamp ?? '') || 0;
    const b = Date.parse(best.metadata.creationTimestamp ?? '') || 0;
    if (a > b || (a === b && (sc.metadata.name ?? '') < (best.metadata.name ?? ''))) best = sc;
  }
  return best;
}

/** DefaultStorageClass; storageClasses lists the cluster's classes (the watch cache). */
export function defaultStorageClassAdmission(storageClasses: () => Iterable<KubeObject>): AdmissionPlugin {
  return {
    name: 'DefaultStorageClass',
    admit(a) {
      if (a.operation !== 'CREATE' || a.subresource || a.resource.group !== '' || a.resource.plural !== 'persistentvolumeclaims') return;
      const pvc = a.object as PersistentVolumeClaim;
      if (!pvc.spec || typeof pvc.spec !== 'object') return;
      // The beta annotation names a class too (even an empty one).
      if (pvc.spec.storageClassName !== undefined || pvc.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'] !== undefined) return;
      const sc = defaultClass(storageClasses() as Iterable<StorageClass>);
      if (sc?.metadata.name) pvc.spec.storageClassName = sc.metadata.name;
    },
  };
}

export const storageObjectInUseProtection: AdmissionPlugin = {
  name: 'StorageObjectInUseProtection',
  admit(a) {
    if (a.operation !== 'CREATE' || a.subresource || a.resource.group !== '' || !a.object) return;
    let finalizer: string;
    if (a.resource.plural === 'persistentvolumeclaims') finalizer = PVC_PROTECTION_FINALIZER;
    else if (a.resource.plural === 'persistentvolumes') finalizer = PV_PROTECTION_FINALIZER;
    else return;
    const meta = a.object.metadata;
    const finalizers = Array.isArray(meta.finalizers) ? meta.finalizers : [];
    if (!finalizers.includes(finalizer)) meta.finalizers = [...finalizers, finalizer];
  },
};
