// kubectl describe for PersistentVolumes, PersistentVolumeClaims and StorageClasses
// (k8s.io/kubectl describe.go: PersistentVolumeDescriber, PersistentVolumeClaimDescriber,
// StorageClassDescriber), line for line.
import { accessModesString, claimClass, volumeClass } from '../../../api/helpers/storage.js';
import type { Event, NodeSelectorRequirement, PersistentVolume, PersistentVolumeClaim, Pod } from '../../../api/types/core.js';
import { isDefaultClass, type StorageClass } from '../../../api/types/storage.js';
import { formatLabels } from '../table.js';
import {
  LEVEL_0, LEVEL_1, LEVEL_2, type PrefixWriter, describeEvents, printAnnotationsMultiline, printLabelsMultiline, since, tabbedString,
} from './writer.js';

/** Go's %v of a []string: "[a b]". */
const goList = (xs: string[] | undefined): string => `[${(xs ?? []).join(' ')}]`;

function status(obj: PersistentVolume | PersistentVolumeClaim, w: PrefixWriter, now: Date): void {
  if (obj.metadata.deletionTimestamp) {
    w.write(LEVEL_0, `Status:\tTerminating (lasts ${since(obj.metadata.deletionTimestamp, now)})\n`);
    if (obj.metadata.deletionGracePeriodSeconds !== undefined) w.write(LEVEL_0, `Termination Grace Period:\t${obj.metadata.deletionGracePeriodSeconds}s\n`);
  } else {
    w.write(LEVEL_0, `Status:\t${obj.status?.phase ?? ''}\n`);
  }
}

function nodeSelectorTerm(w: PrefixWriter, level: number, title: string, reqs: NodeSelectorRequirement[] | undefined): void {
  w.write(level, `${title}:\t`);
  if (!reqs?.length) {
    w.writeLine('<none>');
    return;
  }
  reqs.forEach((r, i) => {
    if (i !== 0) w.write(level, '\t');
    let expr = `${r.key} ${r.operator.toLowerCase()}`;
    if (r.values?.length) expr += ` [${r.values.join(', ')}]`;
    w.write(LEVEL_0, `${expr}\n`);
  });
}

export function describePersistentVolume(pv: PersistentVolume, events: Event[] | undefined, now: Date): string {
  return tabbedString((w) => {
    const spec = pv.spec ?? {};
    w.write(LEVEL_0, `Name:\t${pv.metadata.name ?? ''}\n`);
    printLabelsMultiline(w, 'Labels', pv.metadata.labels);
    printAnnotationsMultiline(w, 'Annotations', pv.metadata.annotations);
    w.write(LEVEL_0, `Finalizers:\t${goList(pv.metadata.finalizers)}\n`);
    w.write(LEVEL_0, `StorageClass:\t${volumeClass(pv)}\n`);
    if (spec.volumeAttributesClassName !== undefined) w.write(LEVEL_0, `VolumeAttributesClass:\t${spec.volumeAttributesClassName}\n`);
    status(pv, w, now);
    w.write(LEVEL_0, `Claim:\t${spec.claimRef ? `${spec.claimRef.namespace ?? ''}/${spec.claimRef.name ?? ''}` : ''}\n`);
    w.write(LEVEL_0, `Reclaim Policy:\t${spec.persistentVolumeReclaimPolicy ?? ''}\n`);
    w.write(LEVEL_0, `Access Modes:\t${accessModesString(spec.accessModes)}\n`);
    if (spec.volumeMode !== undefined) w.write(LEVEL_0, `VolumeMode:\t${spec.volumeMode}\n`);
    w.write(LEVEL_0, `Capacity:\t${spec.capacity?.storage ?? '0'}\n`);
    w.write(LEVEL_0, 'Node Affinity:\t');
    if (!spec.nodeAffinity?.required) {
      w.writeLine('<none>');
    } else {
      w.writeLine('');
      w.write(LEVEL_1, 'Required Terms:\t');
      const terms = spec.nodeAffinity.required.nodeSelectorTerms ?? [];
      if (terms.length === 0) w.writeLine('<none>');
      else {
        w.writeLine('');
        terms.forEach((t, i) => nodeSelectorTerm(w, LEVEL_2, `Term ${i}`, t.matchExpressions));
      }
    }
    w.write(LEVEL_0, `Message:\t${pv.status?.message ?? ''}\n`);
    w.write(LEVEL_0, 'Source:\n');
    if (spec.hostPath) {
      w.write(LEVEL_2, `Type:\tHostPath (bare host directory volume)\n    Path:\t${spec.hostPath.path}\n    HostPathType:\t${spec.hostPath.type ?? '<none>'}\n`);
    } else if (spec.local) {
      w.write(LEVEL_2, `Type:\tLocalVolume (a persistent volume backed by local storage on a node)\n    Path:\t${spec.local.path}\n`);
    } else if (spec.nfs) {
      w.write(LEVEL_2, `Type:\tNFS (an NFS mount that lasts the lifetime of a pod)\n    Server:\t${spec.nfs.server}\n    Path:\t${spec.nfs.path}\n    ReadOnly:\t${Boolean(spec.nfs.readOnly)}\n`);
    } else if (spec.csi) {
      w.write(LEVEL_2, `Type:\tCSI (a Container Storage Interface (CSI) volume source)\n    Driver:\t${spec.csi.driver}\n    FSType:\t${spec.csi.fsType ?? ''}\n    VolumeHandle:\t${spec.csi.volumeHandle}\n    ReadOnly:\t${Boolean(spec.csi.readOnly)}\n`);
      const attrs = spec.csi.volumeAttributes ?? {};
      w.write(LEVEL_2, '    VolumeAttributes:\t');
      const keys = Object.keys(attrs).sort();
      if (keys.length === 0) w.writeLine('<none>');
      keys.forEach((k, i) => {
        if (i > 0) w.write(LEVEL_2, '    \t');
        w.write(LEVEL_0, `${k}=${attrs[k]}\n`);
      });
    }
    describeEvents(events, w, now);
  });
}

export function describePersistentVolumeClaim(pvc: PersistentVolumeClaim, pods: Pod[], events: Event[] | undefined, now: Date): string {
  return tabbedString((w) => {
    const spec = pvc.spec ?? {};
    w.write(LEVEL_0, `Name:\t${pvc.metadata.name ?? ''}\n`);
    w.write(LEVEL_0, `Namespace:\t${pvc.metadata.namespace ?? ''}\n`);
    w.write(LEVEL_0, `StorageClass:\t${claimClass(pvc)}\n`);
    if (spec.volumeAttributesClassName !== undefined) w.write(LEVEL_0, `VolumeAttributesClass:\t${spec.volumeAttributesClassName}\n`);
    status(pvc, w, now);
    w.write(LEVEL_0, `Volume:\t${spec.volumeName ?? ''}\n`);
    printLabelsMultiline(w, 'Labels', pvc.metadata.labels);
    printAnnotationsMultiline(w, 'Annotations', pvc.metadata.annotations);
    w.write(LEVEL_0, `Finalizers:\t${goList(pvc.metadata.finalizers)}\n`);
    const bound = Boolean(spec.volumeName);
    w.write(LEVEL_0, `Capacity:\t${bound ? pvc.status?.capacity?.storage ?? '0' : ''}\n`);
    w.write(LEVEL_0, `Access Modes:\t${bound ? accessModesString(pvc.status?.accessModes) : ''}\n`);
    if (spec.volumeMode !== undefined) w.write(LEVEL_0, `VolumeMode:\t${spec.volumeMode}\n`);
    if (spec.dataSource) {
      w.write(LEVEL_0, 'DataSource:\n');
      if (spec.dataSource.apiGroup !== undefined) w.write(LEVEL_1, `APIGroup:\t${spec.dataSource.apiGroup}\n`);
      w.write(LEVEL_1, `Kind:\t${spec.dataSource.kind}\n`);
      w.write(LEVEL_1, `Name:\t${spec.dataSource.name}\n`);
    }
    w.write(LEVEL_0, 'Used By:\t');
    if (pods.length === 0) w.writeLine('<none>');
    pods.forEach((p, i) => {
      if (i > 0) w.write(LEVEL_0, '\t');
      w.write(LEVEL_0, `${p.metadata.name ?? ''}\n`);
    });
    const conditions = pvc.status?.conditions ?? [];
    if (conditions.length > 0) {
      w.write(LEVEL_0, 'Conditions:\n');
      w.write(LEVEL_1, 'Type\tStatus\tLastProbeTime\tLastTransitionTime\tReason\tMessage\n');
      w.write(LEVEL_1, '----\t------\t-----------------\t------------------\t------\t-------\n');
      for (const c of conditions) {
        w.write(LEVEL_1, `${c.type} \t${c.status} \t${goTime(c.lastProbeTime)} \t${goTime(c.lastTransitionTime)} \t${c.reason ?? ''} \t${c.message ?? ''}\n`);
      }
    }
    describeEvents(events, w, now);
  });
}

/** Go's time.Time format "2006-01-02 15:04:05 -0700 MST" in UTC. */
function goTime(ts: string | undefined): string {
  const t = ts ? new Date(ts) : new Date(Date.UTC(1, 0, 1));
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${String(t.getUTCFullYear()).padStart(4, '0')}-${p(t.getUTCMonth() + 1)}-${p(t.getUTCDate())} ${p(t.getUTCHours())}:${p(t.getUTCMinutes())}:${p(t.getUTCSeconds())} +0000 UTC`;
}

/** Whether a pod names the claim in its volumes (kubectl's getPodsForPVC). */
export function podUsesClaim(pod: Pod, claimName: string): boolean {
  return (pod.spec?.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === claimName
    || ((v as { ephemeral?: unknown }).ephemeral !== undefined && `${pod.metadata.name}-${v.name}` === claimName));
}

export function describeStorageClass(sc: StorageClass, events: Event[] | undefined, now: Date): string {
  return tabbedString((w) => {
    w.write(LEVEL_0, `Name:\t${sc.metadata.name ?? ''}\n`);
    w.write(LEVEL_0, `IsDefaultClass:\t${isDefaultClass(sc) ? 'Yes' : 'No'}\n`);
    w.write(LEVEL_0, `Annotations:\t${formatLabels(sc.metadata.annotations)}\n`);
    w.write(LEVEL_0, `Provisioner:\t${sc.provisioner}\n`);
    w.write(LEVEL_0, `Parameters:\t${formatLabels(sc.parameters)}\n`);
    w.write(LEVEL_0, `AllowVolumeExpansion:\t${sc.allowVolumeExpansion === undefined ? '<unset>' : sc.allowVolumeExpansion ? 'True' : 'False'}\n`);
    if (!sc.mountOptions?.length) {
      w.write(LEVEL_0, 'MountOptions:\t<none>\n');
    } else {
      w.write(LEVEL_0, 'MountOptions:\n');
      for (const o of sc.mountOptions) w.write(LEVEL_1, `${o}\n`);
    }
    if (sc.reclaimPolicy !== undefined) w.write(LEVEL_0, `ReclaimPolicy:\t${sc.reclaimPolicy}\n`);
    if (sc.volumeBindingMode !== undefined) w.write(LEVEL_0, `VolumeBindingMode:\t${sc.volumeBindingMode}\n`);
    if (sc.allowedTopologies !== undefined) {
      w.write(LEVEL_0, 'AllowedTopologies:\t');
      if (sc.allowedTopologies.length === 0) w.writeLine('<none>');
      else {
        w.writeLine('');
        sc.allowedTopologies.forEach((t, i) => {
          w.write(LEVEL_1, `Term ${i}:\t`);
          const reqs = t.matchLabelExpressions ?? [];
          if (reqs.length === 0) w.writeLine('<none>');
          reqs.forEach((r, j) => {
            if (j !== 0) w.write(LEVEL_1, '\t');
            w.write(LEVEL_0, `${r.key} in [${r.values.join(', ')}]\n`);
          });
        });
      }
    }
    describeEvents(events, w, now);
  });
}
