// VolumeBinding (kube-scheduler plugins/volumebinding): a pod's persistentVolumeClaim
// volumes decide where it can run.
//   PreFilter: every claim must exist and not be deleting; a bound claim's volume must
//     exist; an unbound claim is only schedulable when its class is WaitForFirstConsumer
//     (an Immediate claim is the PV controller's to bind first).
//   Filter: a bound volume's node affinity must admit the node; an unbound
//     WaitForFirstConsumer claim needs an Available volume the node can reach, or a
//     class whose provisioner can make one there (and the node the claim already names
//     when provisioning started).
// The PreBind half (volume-binder.ts) does the I/O once a node is chosen. The view is the
// scheduler's informer caches; tests pass filled maps.
import { ANN_SELECTED_NODE, claimClass, findMatchingVolume, volumeNodeAffinityMatches } from '../../api/helpers/storage.js';
import type { PersistentVolume, PersistentVolumeClaim, Pod } from '../../api/types/core.js';
import type { StorageClass } from '../../api/types/storage.js';
import {
  type CycleState, type FilterPlugin, type PreFilterPlugin, type Status, SKIP, SUCCESS, unresolvable,
} from '../framework.js';
import type { NodeInfo } from '../node-info.js';

export const NAME = 'VolumeBinding';
export const ERR_REASON_NODE_CONFLICT = 'node(s) had volume node affinity conflict';
export const ERR_REASON_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind";
export const ERR_UNBOUND_IMMEDIATE = 'pod has unbound immediate PersistentVolumeClaims';
const NO_PROVISIONER = 'kubernetes.io/no-provisioner';

/** What the plugin reads of the cluster. */
export interface VolumeView {
  claim(namespace: string, name: string): PersistentVolumeClaim | undefined;
  volume(name: string): PersistentVolume | undefined;
  volumes(): Iterable<PersistentVolume>;
  storageClass(name: string): StorageClass | undefined;
}

export const EMPTY_VIEW: VolumeView = {
  claim: () => undefined, volume: () => undefined, volumes: () => [], storageClass: () => undefined,
};

/** The pod's claims, by kind of binding left to do (PreFilter's state). */
export interface PodVolumeClaims {
  bound: PersistentVolume[];
  /** Unbound claims of WaitForFirstConsumer classes: bound or provisioned at PreBind. */
  delayed: PersistentVolumeClaim[];
}

/** The claim names of the pod's persistentVolumeClaim volumes. */
export function podClaimNames(pod: Pod): string[] {
  return (pod.spec?.volumes ?? []).flatMap((v) => (v.persistentVolumeClaim?.claimName ? [v.persistentVolumeClaim.claimName] : []));
}

/** Sorts the pod's claims, or the status that makes it unschedulable everywhere. */
export function podVolumeClaims(pod: Pod, view: VolumeView): PodVolumeClaims | Status {
  const out: PodVolumeClaims = { bound: [], delayed: [] };
  const ns = pod.metadata.namespace ?? 'default';
  for (const name of podClaimNames(pod)) {
    const pvc = view.claim(ns, name);
    if (!pvc) return unresolvable(`persistentvolumeclaim "${name}" not found`);
    if (pvc.metadata.deletionTimestamp) return unresolvable(`persistentvolumeclaim "${name}" is being deleted`);
    const volumeName = pvc.spec?.volumeName;
    if (volumeName) {
      const pv = view.volume(volumeName);
      if (!pv) return unresolvable('pvc(s) bound to non-existent pv(s)');
      out.bound.push(pv);
      continue;
    }
    const cls = claimClass(pvc);
    if (cls && view.storageClass(cls)?.volumeBindingMode === 'WaitForFirstConsumer') out.delayed.push(pvc);
    else return unresolvable(ERR_UNBOUND_IMMEDIATE);
  }
  return out;
}

/** Whether the claims fit the node (FindPodVolumes). */
export function volumesFit(claims: PodVolumeClaims, nodeInfo: NodeInfo, view: VolumeView): Status {
  const node = nodeInfo.node;
  if (!node) return unresolvable('node not found');
  for (const pv of claims.bound) if (!volumeNodeAffinityMatches(pv, node)) return unresolvable(ERR_REASON_NODE_CONFLICT);
  for (const pvc of claims.delayed) {
    const selected = pvc.metadata.annotations?.[ANN_SELECTED_NODE];
    if (selected && selected !== node.metadata.name) return unresolvable(ERR_REASON_BIND_CONFLICT);
    if (findMatchingVolume(pvc, view.volumes(), node, true)) continue;
    const sc = view.storageClass(claimClass(pvc));
    if (!sc || sc.provisioner === NO_PROVISIONER) return unresolvable(ERR_REASON_BIND_CONFLICT);
  }
  return SUCCESS;
}

const STATE_KEY = NAME;

/** The plugin over a view (the scheduler passes its caches; the registry's default sees no volumes). */
export function volumeBindingPlugin(view: VolumeView): PreFilterPlugin & FilterPlugin {
  return {
    name: NAME,
    preFilter(pod: Pod, state: CycleState): Status {
      if (podClaimNames(pod).length === 0) return SKIP;
      const claims = podVolumeClaims(pod, view);
      if ('code' in claims) return claims;
      state.write(STATE_KEY, claims);
      return SUCCESS;
    },
    filter(pod: Pod, nodeInfo: NodeInfo, state: CycleState): Status {
      let claims = state.read<PodVolumeClaims>(STATE_KEY);
      if (!claims) {
        if (podClaimNames(pod).length === 0) return SUCCESS;
        const c = podVolumeClaims(pod, view);
        if ('code' in c) return c;
        claims = c;
      }
      return volumesFit(claims, nodeInfo, view);
    },
  };
}

export const plugin = volumeBindingPlugin(EMPTY_VIEW);
