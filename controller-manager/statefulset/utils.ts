// The pure rules of a StatefulSet's pods and claims (Kubernetes'
// pkg/controller/statefulset/stateful_set_utils.go): a pod's identity is its ordinal
// in "<set>-<ordinal>", its hostname and subdomain, and the labels naming it; its
// storage is one persistentVolumeClaim volume per volumeClaimTemplate, the claim named
// "<template>-<set>-<ordinal>"; which claims carry owner references follows
// persistentVolumeClaimRetentionPolicy; a revision is the template as a strategic merge
// patch that replaces it.
import { daemonSetRevisionPatch, goJSON } from '../../api/helpers/controller-revision.js';
import { isPodAvailable, isPodReady } from '../../api/helpers/pod.js';
import { newControllerRef } from '../../api/helpers/owner-refs.js';
import type { ControllerRevision, DaemonSet, StatefulSet, StatefulSetPersistentVolumeClaimRetentionPolicy } from '../../api/types/apps.js';
import type { PersistentVolumeClaim, Pod, PodTemplateSpec, Volume } from '../../api/types/core.js';
import type { KubeObject, OwnerReference } from '../../api/types/meta.js';
import type { ControllerKind } from '../controller-ref-manager.js';
import { CONTROLLER_REVISION_HASH_LABEL, newControllerRevision } from '../history/index.js';
import { podFromTemplate } from '../pod-control.js';

export const statefulSetKind: ControllerKind = { apiVersion: 'apps/v1', kind: 'StatefulSet' };
export const podKind: ControllerKind = { apiVersion: 'v1', kind: 'Pod' };

/** apps.StatefulSetPodNameLabel: the pod's own name, so a Service can select one pod. */
export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
/** apps.PodIndexLabel: the pod's ordinal (PodIndexLabel, on by default since 1.28). */
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';
/** apps.StatefulSetRevisionLabel: the name of the revision a pod was made from. */
export const REVISION_LABEL = CONTROLLER_REVISION_HASH_LABEL;

const RETAIN = 'Retain';
const DELETE = 'Delete';

/** statefulPodRegex: a name ending in "-<digits>". */
const STATEFUL_POD_RE = /^(.*)-([0-9]+)$/;

/**
 * getParentNameAndOrdinal: "web-2" is ("web", 2); a name without a numeric suffix (or
 * one beyond int32) has ordinal -1 and parent "".
 */
export function parentNameAndOrdinal(pod: Pick<Pod, 'metadata'>): { parent: string; ordinal: number } {
  const m = STATEFUL_POD_RE.exec(pod.metadata.name ?? '');
  if (!m) return { parent: '', ordinal: -1 };
  const n = Number(m[2]);
  return { parent: m[1], ordinal: Number.isSafeInteger(n) && n <= 0x7fffffff ? n : -1 };
}

export const getOrdinal = (pod: Pick<Pod, 'metadata'>): number => parentNameAndOrdinal(pod).ordinal;
export const getParentName = (pod: Pick<Pod, 'metadata'>): string => parentNameAndOrdinal(pod).parent;

/** getPodName: "<set>-<ordinal>". */
export const getPodName = (set: StatefulSet, ordinal: number): string => `${set.metadata.name ?? ''}-${ordinal}`;

/** getStartOrdinal: spec.ordinals.start, 0 without it. */
export const startOrdinal = (set: StatefulSet): number => set.spec?.ordinals?.start ?? 0;
/** The replicas asked for (the apiserver defaults 1). */
export const replicasOf = (set: StatefulSet): number => set.spec?.replicas ?? 1;
/** getEndOrdinal: the last ordinal wanted, start + replicas - 1. */
export const endOrdinal = (set: StatefulSet): number => startOrdinal(set) + replicasOf(set) - 1;

/** podInOrdinalRange: the pod's ordinal is one the set wants now (not scaled away). */
export function podInOrdinalRange(pod: Pod, set: StatefulSet): boolean {
  const o = getOrdinal(pod);
  return o >= startOrdinal(set) && o <= endOrdinal(set);
}

/** getPersistentVolumeClaimName: "<template>-<set>-<ordinal>". */
export const claimName = (set: StatefulSet, template: Pick<PersistentVolumeClaim, 'metadata'>, ordinal: number): string =>
  `${template.metadata.name ?? ''}-${set.metadata.name ?? ''}-${ordinal}`;

/** isMemberOf: the pod's name says it belongs to this set (selector aside). */
export const isMemberOf = (set: StatefulSet, pod: Pod): boolean => getParentName(pod) === set.metadata.name;

/** identityMatches: name, namespace and pod-name label are the ones the set gives this ordinal. */
export function identityMatches(set: StatefulSet, pod: Pod): boolean {
  const { parent, ordinal } = parentNameAndOrdinal(pod);
  return ordinal >= 0 && set.metadata.name === parent && pod.metadata.name === getPodName(set, ordinal)
    && pod.metadata.namespace === set.metadata.namespace && pod.metadata.labels?.[POD_NAME_LABEL] === pod.metadata.name;
}

/** storageMatches: every volumeClaimTemplate is a volume of the pod naming this ordinal's claim. */
export function storageMatches(set: StatefulSet, pod: Pod): boolean {
  const ordinal = getOrdinal(pod);
  if (ordinal < 0) return false;
  const volumes = new Map((pod.spec?.volumes ?? []).map((v) => [v.name, v]));
  return (set.spec?.volumeClaimTemplates ?? []).every((t) => {
    const v = volumes.get(t.metadata.name ?? '');
    return v?.persistentVolumeClaim?.claimName === claimName(set, t, ordinal);
  });
}

/**
 * getPersistentVolumeClaims: the claims the pod's ordinal needs, by template name: the
 * template with its claim name, the set's namespace and the selector's matchLabels
 * added to its labels.
 */
export function persistentVolumeClaims(set: StatefulSet, pod: Pod): Map<string, PersistentVolumeClaim> {
  const ordinal = getOrdinal(pod);
  const claims = new Map<string, PersistentVolumeClaim>();
  for (const t of set.spec?.volumeClaimTemplates ?? []) {
    const claim = structuredClone(t);
    claim.apiVersion = 'v1';
    claim.kind = 'PersistentVolumeClaim';
    claim.metadata = { ...claim.metadata, name: claimName(set, t, ordinal), namespace: set.metadata.namespace };
    claim.metadata.labels = { ...(claim.metadata.labels ?? {}), ...(set.spec?.selector?.matchLabels ?? {}) };
    delete claim.status;
    claims.set(t.metadata.name ?? '', claim);
  }
  return claims;
}

/**
 * updateStorage: the pod's volumes with one persistentVolumeClaim volume per template
 * (replacing any volume of that name), then its other volumes.
 */
export function updateStorage(set: StatefulSet, pod: Pod): void {
  const claims = persistentVolumeClaims(set, pod);
  const volumes: Volume[] = [];
  for (const [name, claim] of claims) volumes.push({ name, persistentVolumeClaim: { claimName: claim.metadata.name ?? '' } });
  for (const v of pod.spec?.volumes ?? []) if (!claims.has(v.name)) volumes.push(v);
  if (pod.spec) pod.spec.volumes = volumes;
}

/** updateIdentity: the name, namespace, pod-name and pod-index labels of the pod's ordinal. */
export function updateIdentity(set: StatefulSet, pod: Pod): void {
  const ordinal = getOrdinal(pod);
  pod.metadata.name = getPodName(set, ordinal);
  pod.metadata.namespace = set.metadata.namespace;
  pod.metadata.labels = { ...(pod.metadata.labels ?? {}), [POD_NAME_LABEL]: pod.metadata.name, [POD_INDEX_LABEL]: String(ordinal) };
}

/** initIdentity: updateIdentity plus hostname = pod name and subdomain = serviceName, set once at creation. */
export function initIdentity(set: StatefulSet, pod: Pod): void {
  updateIdentity(set, pod);
  if (pod.spec) {
    pod.spec.hostname = pod.metadata.name;
    if (set.spec?.serviceName) pod.spec.subdomain = set.spec.serviceName;
  }
}

export const isCreated = (pod: Pod): boolean => !!pod.status?.phase;
export const isPending = (pod: Pod): boolean => pod.status?.phase === 'Pending';
export const isFailed = (pod: Pod): boolean => pod.status?.phase === 'Failed';
export const isSucceeded = (pod: Pod): boolean => pod.status?.phase === 'Succeeded';
export const isTerminating = (pod: Pod): boolean => !!pod.metadata.deletionTimestamp;
/** isRunningAndReady: phase Running and the Ready condition True. */
export const isRunningAndReady = (pod: Pod): boolean => pod.status?.phase === 'Running' && isPodReady(pod);
/** isRunningAndAvailable: Ready for minReadySeconds at now. */
export const isRunningAndAvailable = (pod: Pod, minReadySeconds: number, now: number): boolean => isPodAvailable(pod, minReadySeconds, now);
/** isHealthy: running, ready and not being deleted. */
export const isHealthy = (pod: Pod): boolean => isRunningAndReady(pod) && !isTerminating(pod);
/** allowsBurst: podManagementPolicy Parallel (OrderedReady otherwise). */
export const allowsBurst = (set: StatefulSet): boolean => set.spec?.podManagementPolicy === 'Parallel';

/** getPodRevision: the revision name in the controller-revision-hash label, "" without one. */
export const getPodRevision = (pod: Pod): string => pod.metadata.labels?.[REVISION_LABEL] ?? '';
export function setPodRevision(pod: Pod, revision: string): void {
  pod.metadata.labels = { ...(pod.metadata.labels ?? {}), [REVISION_LABEL]: revision };
}

/** newStatefulSetPod: the set's template for ordinal, with its identity and storage, owned by the set. */
export function newStatefulSetPod(set: StatefulSet, ordinal: number): Pod {
  const pod = podFromTemplate(set.spec?.template, set, newControllerRef(set, statefulSetKind.apiVersion, statefulSetKind.kind));
  delete pod.metadata.generateName;
  pod.metadata.name = getPodName(set, ordinal);
  initIdentity(set, pod);
  updateStorage(set, pod);
  return pod;
}

/**
 * newVersionedStatefulSetPod: a new pod for ordinal at the current revision when a
 * rolling update holds it back (below the partition, or below currentReplicas without
 * a rollingUpdate), else at the update revision. Go's `a && b || c` precedence kept.
 */
export function newVersionedStatefulSetPod(currentSet: StatefulSet, updateSet: StatefulSet, currentRevision: string, updateRevision: string, ordinal: number): Pod {
  const strategy = currentSet.spec?.updateStrategy;
  const start = startOrdinal(currentSet);
  if ((strategy?.type === 'RollingUpdate' && !strategy.rollingUpdate && ordinal < start + (currentSet.status?.currentReplicas ?? 0))
    || (strategy?.rollingUpdate && ordinal < start + (strategy.rollingUpdate.partition ?? 0))) {
    const pod = newStatefulSetPod(currentSet, ordinal);
    setPodRevision(pod, currentRevision);
    return pod;
  }
  const pod = newStatefulSetPod(updateSet, ordinal);
  setPodRevision(pod, updateRevision);
  return pod;
}

/** Ascending by ordinal (ascendingOrdinal). */
export const byOrdinal = (a: Pod, b: Pod): number => getOrdinal(a) - getOrdinal(b);

// ---------------------------------------------------------------- revisions

/**
 * getPatch: the revision's data, a strategic merge patch that replaces the set's
 * template: {"spec":{"template":{..., "$patch":"replace"}}}, shaped as Go writes it
 * (the typed template, keys sorted), so kubectl, which computes the same patch from the
 * set it reads and compares bytes, finds the revision of the current template equal.
 * The rule is the DaemonSet's (one copy, in api/helpers/controller-revision.ts): both
 * read only spec.template.
 */
export function templatePatch(set: StatefulSet): unknown {
  return JSON.parse(goJSON(daemonSetRevisionPatch({ spec: { template: set.spec?.template } } as unknown as DaemonSet)));
}

/** newRevision: a ControllerRevision of the set's template numbered revision, carrying the set's annotations. */
export function newRevision(set: StatefulSet, revision: number, collisionCount: number): ControllerRevision {
  const cr = newControllerRevision(set, statefulSetKind, set.spec?.template?.metadata?.labels, templatePatch(set), revision, collisionCount);
  cr.metadata.annotations = { ...(cr.metadata.annotations ?? {}), ...(set.metadata.annotations ?? {}) };
  return cr;
}

/** ApplyRevision: a copy of the set with the revision's template (the only field a revision holds). */
export function applyRevision(set: StatefulSet, revision: ControllerRevision): StatefulSet {
  const clone = structuredClone(set);
  const data = revision.data as { spec?: { template?: Record<string, unknown> } } | undefined;
  const template = data?.spec?.template;
  if (template && clone.spec) {
    const { $patch: _directive, ...rest } = template;
    clone.spec.template = structuredClone(rest) as PodTemplateSpec;
  }
  return clone;
}

// ---------------------------------------------------------------- claim retention

/** getPersistentVolumeClaimRetentionPolicy: Retain for both when unset. */
export function retentionPolicy(set: StatefulSet): Required<StatefulSetPersistentVolumeClaimRetentionPolicy> {
  const p = set.spec?.persistentVolumeClaimRetentionPolicy;
  return { whenDeleted: p?.whenDeleted ?? RETAIN, whenScaled: p?.whenScaled ?? RETAIN };
}

/** matchesRef: the reference names owner by kind and name (whatever its uid). */
const matchesRef = (ref: OwnerReference, owner: KubeObject, kind: ControllerKind): boolean =>
  ref.apiVersion === kind.apiVersion && ref.kind === kind.kind && ref.name === owner.metadata.name;

/** hasOwnerRef: target names owner by uid. */
export const hasOwnerRef = (target: KubeObject, owner: KubeObject): boolean =>
  (target.metadata.ownerReferences ?? []).some((r) => r.uid === owner.metadata.uid);

/** hasStaleOwnerRef: target names an object of owner's kind and name, but another uid (an earlier incarnation). */
export function hasStaleOwnerRef(target: KubeObject, owner: KubeObject, kind: ControllerKind): boolean {
  const ref = (target.metadata.ownerReferences ?? []).find((r) => matchesRef(r, owner, kind));
  return ref !== undefined && ref.uid !== owner.metadata.uid;
}

/**
 * hasUnexpectedController: under a policy that deletes, the claim has a controller
 * other than this set or pod (or a stale reference to either), so it is left alone.
 */
export function hasUnexpectedController(claim: PersistentVolumeClaim, set: StatefulSet, pod: Pod): boolean {
  const policy = retentionPolicy(set);
  if (policy.whenScaled === RETAIN && policy.whenDeleted === RETAIN) return false;
  for (const ref of claim.metadata.ownerReferences ?? []) {
    if (matchesRef(ref, set, statefulSetKind)) {
      if (ref.uid !== set.metadata.uid) return true;
      continue;
    }
    if (matchesRef(ref, pod, podKind)) {
      if (ref.uid !== pod.metadata.uid) return true;
      continue;
    }
    if (ref.controller === true) return true;
  }
  return false;
}

/** hasNonControllerOwner: the set or pod owns the claim without being its controller. */
const hasNonControllerOwner = (claim: PersistentVolumeClaim, set: StatefulSet, pod: Pod): boolean =>
  (claim.metadata.ownerReferences ?? []).some((r) => (r.uid === set.metadata.uid || r.uid === pod.metadata.uid) && r.controller !== true);

/**
 * isClaimOwnerUpToDate: the claim's references are what the retention policy asks:
 * Retain/Retain none; whenDeleted Delete the set; whenScaled Delete the pod once it is
 * scaled away (and the set until then, when both delete). Stale references or another
 * controller: leave the claim as it is (true).
 */
export function isClaimOwnerUpToDate(claim: PersistentVolumeClaim, set: StatefulSet, pod: Pod): boolean {
  if (hasStaleOwnerRef(claim, set, statefulSetKind) || hasStaleOwnerRef(claim, pod, podKind)) return true;
  if (hasUnexpectedController(claim, set, pod)) return !(hasOwnerRef(claim, set) || hasOwnerRef(claim, pod));
  if (hasNonControllerOwner(claim, set, pod)) return false;
  const { whenScaled, whenDeleted } = retentionPolicy(set);
  const scaledDown = !podInOrdinalRange(pod, set);
  if (whenScaled === DELETE && whenDeleted === DELETE) {
    return scaledDown !== hasOwnerRef(claim, set) && scaledDown === hasOwnerRef(claim, pod);
  }
  if (whenScaled === DELETE) return !hasOwnerRef(claim, set) && scaledDown === hasOwnerRef(claim, pod);
  if (whenDeleted === DELETE) return hasOwnerRef(claim, set) && !hasOwnerRef(claim, pod);
  return !hasOwnerRef(claim, set) && !hasOwnerRef(claim, pod);
}

/** updateClaimOwnerRefForSetAndPod: rewrites the claim's references to the set and pod as the policy asks. */
export function updateClaimOwnerRefs(claim: PersistentVolumeClaim, set: StatefulSet, pod: Pod): void {
  const unexpected = hasUnexpectedController(claim, set, pod);
  let refs = (claim.metadata.ownerReferences ?? []).filter((r) => !matchesRef(r, set, statefulSetKind) && !matchesRef(r, pod, podKind));
  if (!unexpected) {
    const add = (owner: KubeObject, kind: ControllerKind): void => {
      if (!refs.some((r) => r.uid === owner.metadata.uid)) refs = [...refs, newControllerRef(owner, kind.apiVersion, kind.kind)];
    };
    const { whenScaled, whenDeleted } = retentionPolicy(set);
    const scaledDown = !podInOrdinalRange(pod, set);
    if (whenScaled === DELETE && scaledDown) add(pod, podKind);
    if (whenDeleted === DELETE && (whenScaled !== DELETE || !scaledDown)) add(set, statefulSetKind);
  }
  if (refs.length) claim.metadata.ownerReferences = refs;
  else delete claim.metadata.ownerReferences;
}
