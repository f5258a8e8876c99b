// What the Deployment controller knows about Deployments and their ReplicaSets, as
// Kubernetes' pkg/controller/deployment/util/deployment_util.go: the annotations it
// keeps on ReplicaSets (revision, desired and max replicas, revision history), which
// ReplicaSet is "new" and which are "old", the surge/unavailable arithmetic of a
// rolling update, the proportional split of a scale during a rollout, and the
// conditions it reports. Everything here is pure: no I/O, no clock but the time given.
import { rfc3339, parseTime } from '../../api/helpers/time.js';
import { selectorFromLabelSelector } from '../../api/labels.js';
import type { Deployment, DeploymentCondition, DeploymentStatus, ReplicaSet, ReplicaSetCondition } from '../../api/types/apps.js';
import type { IntOrString, PodTemplateSpec } from '../../api/types/core.js';
import type { KubeObject, LabelSelector } from '../../api/types/meta.js';
import { semanticTemplateRepr } from './hash.js';

// ---------------------------------------------------------------- names

/** The revision of a ReplicaSet, and of the Deployment it last rolled out. */
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
/** The revisions a ReplicaSet had before a rollback made it new again, comma-separated. */
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
/** spec.replicas of the Deployment when the ReplicaSet was last scaled by it. */
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
/** spec.replicas + maxSurge of the Deployment then: the base of proportional scaling. */
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
/** extensions/v1beta1's spec.rollbackTo, as it survives conversion to apps/v1. */
export const DEPRECATED_ROLLBACK_TO = 'deprecated.deployment.rollback.to';
/** The label (and selector term) that tells the ReplicaSets of one Deployment apart. */
export const DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY = 'pod-template-hash';
const LAST_APPLIED_CONFIG = 'kubectl.kubernetes.io/last-applied-configuration';

/** Annotations never copied between a Deployment and its ReplicaSets. */
const ANNOTATIONS_TO_SKIP = new Set([
  LAST_APPLIED_CONFIG, REVISION_ANNOTATION, REVISION_HISTORY_ANNOTATION, DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION, DEPRECATED_ROLLBACK_TO,
]);

// Condition and event reasons, as deployment_util.go names them.
export const REPLICA_SET_UPDATED_REASON = 'ReplicaSetUpdated';
export const FAILED_RS_CREATE_REASON = 'ReplicaSetCreateError';
export const NEW_REPLICA_SET_REASON = 'NewReplicaSetCreated';
export const FOUND_NEW_RS_REASON = 'FoundNewReplicaSet';
export const NEW_RS_AVAILABLE_REASON = 'NewReplicaSetAvailable';
export const TIMED_OUT_REASON = 'ProgressDeadlineExceeded';
export const PAUSED_DEPLOY_REASON = 'DeploymentPaused';
export const RESUMED_DEPLOY_REASON = 'DeploymentResumed';
export const MINIMUM_REPLICAS_AVAILABLE = 'MinimumReplicasAvailable';
export const MINIMUM_REPLICAS_UNAVAILABLE = 'MinimumReplicasUnavailable';
export const ROLLBACK_REVISION_NOT_FOUND = 'DeploymentRollbackRevisionNotFound';
export const ROLLBACK_TEMPLATE_UNCHANGED = 'DeploymentRollbackTemplateUnchanged';
export const ROLLBACK_DONE = 'DeploymentRollback';

/** Go's math.MaxInt32: progressDeadlineSeconds and revisionHistoryLimit set to it mean "none". */
const MAX_INT32 = 2147483647;

// ---------------------------------------------------------------- small accessors

/** spec.replicas (the apiserver defaults it to 1). */
export const replicasOf = (o: Deployment | ReplicaSet): number => o.spec?.replicas ?? 1;
/** spec.replicas of a ReplicaSet, as the deployment controller counts it. */
export const rsReplicas = (rs: ReplicaSet): number => rs.spec?.replicas ?? 1;
const availableOf = (rs: ReplicaSet): number => rs.status?.availableReplicas ?? 0;

export function isRollingUpdate(d: Deployment): boolean {
  return d.spec?.strategy?.type === 'RollingUpdate';
}

export function hasProgressDeadline(d: Deployment): boolean {
  const s = d.spec?.progressDeadlineSeconds;
  return s !== undefined && s !== null && s !== MAX_INT32;
}

export function hasRevisionHistoryLimit(d: Deployment): boolean {
  const l = d.spec?.revisionHistoryLimit;
  return l !== undefined && l !== null && l !== MAX_INT32;
}

// ---------------------------------------------------------------- surge and unavailable

/**
 * intstr.GetScaledValueFromIntOrPercent: an int as it is, "N%" of total rounded up or
 * down. Throws for any other string, with apimachinery's message.
 *
 *   ("25%", 10, roundUp)   -> ceil(2.5)  = 3
 *   ("25%", 10, roundDown) -> floor(2.5) = 2
 */
export function scaledValueFromIntOrPercent(v: IntOrString | undefined | null, total: number, roundUp: boolean): number {
  if (v === undefined || v === null) throw new Error('nil value for IntOrString');
  if (typeof v === 'number') return Math.trunc(v);
  if (!v.endsWith('%')) throw new Error('invalid value for IntOrString: invalid type: string is not a percentage');
  const digits = v.slice(0, -1);
  // strconv.Atoi: an optional sign and decimal digits, nothing else.
  if (!/^[+-]?\d+$/.test(digits)) throw new Error(`invalid value for IntOrString: invalid value ${JSON.stringify(v)}: strconv.Atoi: parsing ${JSON.stringify(digits)}: invalid syntax`);
  const pct = Number(digits);
  const exact = (pct * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/**
 * ResolveFenceposts: maxSurge rounded up and maxUnavailable rounded down against the
 * desired replicas; when both come to zero, maxUnavailable is 1 (a rollout must be
 * able to make progress, and surge may be impossible under a quota).
 *
 *   desired 10, maxSurge 25%, maxUnavailable 25% -> surge ceil(2.5)=3, unavailable floor(2.5)=2
 *   desired 1,  maxSurge 25%, maxUnavailable 25% -> surge 1, unavailable 0
 *   desired 3,  maxSurge 0,   maxUnavailable 10% -> surge 0, unavailable floor(0.3)=0 -> 1
 */
export function resolveFenceposts(maxSurge: IntOrString | undefined, maxUnavailable: IntOrString | undefined, desired: number): [surge: number, unavailable: number] {
  const surge = scaledValueFromIntOrPercent(maxSurge ?? 0, desired, true);
  let unavailable = scaledValueFromIntOrPercent(maxUnavailable ?? 0, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return [surge, unavailable];
}

/** Fenceposts of a Deployment; an invalid value (validation rejects them) counts as 0, as Kubernetes ignores the error. */
function fenceposts(d: Deployment): [number, number] {
  const ru = d.spec?.strategy?.rollingUpdate;
  try {
    return resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, replicasOf(d));
  } catch {
    return [0, 0];
  }
}

/**
 * MaxUnavailable: how many of spec.replicas may be unavailable during a rolling update,
 * never more than spec.replicas; 0 for Recreate and for zero replicas.
 *
 *   replicas 4, maxUnavailable 25% -> 1;  replicas 2, maxUnavailable 5 -> 2
 */
export function maxUnavailable(d: Deployment): number {
  const replicas = replicasOf(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  const [, unavailable] = fenceposts(d);
  return Math.min(unavailable, replicas);
}

/** MaxSurge: how many pods above spec.replicas a rolling update may run; 0 for Recreate. */
export function maxSurge(d: Deployment): number {
  if (!isRollingUpdate(d)) return 0;
  return fenceposts(d)[0];
}

/**
 * NewRSNewReplicas: the size the new ReplicaSet may grow to now. Rolling: as much as
 * keeps all ReplicaSets together within replicas + maxSurge, never past replicas.
 * Recreate: replicas at once (old pods are gone by then).
 *
 *   replicas 10, maxSurge 3, old RS 10, new RS 0  -> total 10 < 13: 0 + min(3, 10) = 3
 *   replicas 10, maxSurge 3, old RS 8,  new RS 5  -> total 13: cannot grow, stays 5
 *   replicas 10, maxSurge 3, old RS 0,  new RS 8  -> total 8: 8 + min(5, 2) = 10
 */
export function newRSNewReplicas(d: Deployment, allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet): number {
  const replicas = replicasOf(d);
  switch (d.spec?.strategy?.type) {
    case 'RollingUpdate': {
      const surge = scaledValueFromIntOrPercent(d.spec.strategy.rollingUpdate?.maxSurge, replicas, true);
      const current = replicaCount(allRSs);
      const maxTotal = replicas + surge;
      if (current >= maxTotal) return rsReplicas(newRS);
      const scaleUp = Math.min(maxTotal - current, replicas - rsReplicas(newRS));
      return rsReplicas(newRS) + scaleUp;
    }
    case 'Recreate':
      return replicas;
    default:
      throw new Error(`deployment type ${String(d.spec?.strategy?.type)} isn't supported`);
  }
}

/**
 * How far old ReplicaSets may be scaled down in one step of a rolling update
 * (reconcileOldReplicaSets' maxScaledDown): all pods, less the minimum that must stay
 * available, less the new ReplicaSet's pods that are not available yet (so that a new
 * ReplicaSet that never becomes available cannot drain the old ones).
 *
 *   replicas 10, maxUnavailable 2, maxSurge 3; old 8 + new 5 (none available) -> 13 - 8 - 5 = 0
 *   after a rollback to the good ReplicaSet (new 1 unavailable)                -> 13 - 8 - 1 = 4
 */
export function maxScaledDown(d: Deployment, allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet): number {
  const minAvailable = replicasOf(d) - maxUnavailable(d);
  const newRSUnavailable = rsReplicas(newRS) - availableOf(newRS);
  return replicaCount(allRSs) - minAvailable - newRSUnavailable;
}

// ---------------------------------------------------------------- proportional scaling

/** RoundToInt32: half away from zero, as Go's integer.RoundToInt32. */
export function roundToInt32(a: number): number {
  return a < 0 ? Math.trunc(a - 0.5) : Math.trunc(a + 0.5);
}

function intAnnotation(rs: ReplicaSet, key: string): number | undefined {
  const v = rs.metadata.annotations?.[key];
  if (v === undefined || !/^[+-]?\d+$/.test(v)) return undefined;
  return Number(v);
}

/** The desired-replicas annotation, when it is an integer. */
export const desiredReplicasAnnotation = (rs: ReplicaSet): number | undefined => intAnnotation(rs, DESIRED_REPLICAS_ANNOTATION);
/** The max-replicas annotation, when it is an integer. */
export const maxReplicasAnnotation = (rs: ReplicaSet): number | undefined => intAnnotation(rs, MAX_REPLICAS_ANNOTATION);

/**
 * getReplicaSetFraction: how many replicas rs gains (or loses, negative) when the
 * Deployment's size changes, in proportion to its share of the size it was last
 * scaled for (its max-replicas annotation; status.replicas without one).
 *
 *   rs 6 of max-replicas 12 (10 + surge 2); now replicas 20, surge 5 -> round(6*25/12) - 6 = 13 - 6 = 7
 *   scaling to 0 -> -rs.spec.replicas
 */
export function replicaSetFraction(rs: ReplicaSet, d: Deployment): number {
  if (replicasOf(d) === 0) return -rsReplicas(rs);
  const deploymentReplicas = replicasOf(d) + maxSurge(d);
  const annotated = maxReplicasAnnotation(rs) ?? d.status?.replicas ?? 0;
  // annotated is never zero here for a ReplicaSet that has replicas; guard anyway so a
  // hand-edited annotation cannot produce Infinity.
  if (annotated === 0) return 0;
  return roundToInt32((rsReplicas(rs) * deploymentReplicas) / annotated) - rsReplicas(rs);
}

/**
 * GetProportion: rs's share of toAdd, bounded by what is left to add (or remove) after
 * `added` went to the ReplicaSets before it.
 */
export function replicaSetProportion(rs: ReplicaSet | undefined, d: Deployment, toAdd: number, added: number): number {
  if (!rs || rsReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  // Scaling up: never more than allowed; scaling down: never more than allowed away.
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

export interface ProportionalScale {
  /** 'up', 'down', or '' when the total is already right (sizes are then unchanged). */
  operation: 'up' | 'down' | '';
  /** Every active ReplicaSet in the order they are to be scaled, with its new size. */
  sizes: { rs: ReplicaSet; size: number }[];
}

/**
 * The proportional part of scale(): a Deployment scaled while a rolling update is in
 * progress spreads the change over its active ReplicaSets in proportion to their sizes,
 * so a bad new template does not suddenly get more of the pods. The total aimed at is
 * replicas + maxSurge (0 when scaling to 0). Larger ReplicaSets come first (newer first
 * when scaling up, older first when scaling down); rounding leftovers go to the first.
 *
 * Worked example: replicas 10 -> 20, maxSurge 25% (3 -> 5), a rollout in progress with
 * old 8 and new 5 (both annotated max-replicas 13): total 13, allowed 25, toAdd 12.
 *   old: round(8 * 25 / 13) - 8 = round(15.38) - 8 = 7   -> 15
 *   new: round(5 * 25 / 13) - 5 = round(9.62) - 5 = 5, min(5, 12 - 7) = 5 -> 10
 * 15 + 10 = 25, nothing left over.
 */
export function proportionalScale(d: Deployment, activeRSs: readonly ReplicaSet[]): ProportionalScale {
  const all = [...activeRSs];
  const total = replicaCount(all);
  const allowedSize = replicasOf(d) > 0 ? replicasOf(d) + maxSurge(d) : 0;
  const toAdd = allowedSize - total;
  let operation: ProportionalScale['operation'] = '';
  if (toAdd > 0) {
    all.sort(bySizeNewer);
    operation = 'up';
  } else if (toAdd < 0) {
    all.sort(bySizeOlder);
    operation = 'down';
  }
  let added = 0;
  const sizes = all.map((rs) => {
    if (toAdd === 0) return { rs, size: rsReplicas(rs) };
    const proportion = replicaSetProportion(rs, d, toAdd, added);
    added += proportion;
    return { rs, size: rsReplicas(rs) + proportion };
  });
  if (toAdd !== 0 && sizes.length > 0) {
    sizes[0].size = Math.max(0, sizes[0].size + toAdd - added);
  }
  return { operation, sizes };
}

// ---------------------------------------------------------------- counting

const sum = (rss: readonly (ReplicaSet | undefined)[], f: (rs: ReplicaSet) => number): number =>
  rss.reduce((n, rs) => (rs ? n + f(rs) : n), 0);

/** GetReplicaCountForReplicaSets: the sum of spec.replicas. */
export const replicaCount = (rss: readonly (ReplicaSet | undefined)[]): number => sum(rss, rsReplicas);
/** GetActualReplicaCountForReplicaSets: the sum of status.replicas. */
export const actualReplicaCount = (rss: readonly (ReplicaSet | undefined)[]): number => sum(rss, (rs) => rs.status?.replicas ?? 0);
/** GetReadyReplicaCountForReplicaSets. */
export const readyReplicaCount = (rss: readonly (ReplicaSet | undefined)[]): number => sum(rss, (rs) => rs.status?.readyReplicas ?? 0);
/** GetAvailableReplicaCountForReplicaSets. */
export const availableReplicaCount = (rss: readonly (ReplicaSet | undefined)[]): number => sum(rss, availableOf);

/** FilterActiveReplicaSets: those with spec.replicas > 0. */
export const filterActive = (rss: readonly (ReplicaSet | undefined)[]): ReplicaSet[] =>
  rss.filter((rs): rs is ReplicaSet => !!rs && rsReplicas(rs) > 0);

// ---------------------------------------------------------------- ordering

const created = (o: KubeObject): number => {
  const t = parseTime(o.metadata.creationTimestamp);
  return Number.isNaN(t) ? 0 : Math.floor(t / 1000);
};

/** ReplicaSetsByCreationTimestamp: oldest first, then by name. */
export function byCreationTimestamp(a: ReplicaSet, b: ReplicaSet): number {
  const ta = created(a);
  const tb = created(b);
  if (ta !== tb) return ta - tb;
  const na = a.metadata.name ?? '';
  const nb = b.metadata.name ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/** ReplicaSetsBySizeNewer: larger first; equal sizes newer first. */
export function bySizeNewer(a: ReplicaSet, b: ReplicaSet): number {
  if (rsReplicas(a) === rsReplicas(b)) return byCreationTimestamp(b, a);
  return rsReplicas(b) - rsReplicas(a);
}

/** ReplicaSetsBySizeOlder: larger first; equal sizes older first. */
export function bySizeOlder(a: ReplicaSet, b: ReplicaSet): number {
  if (rsReplicas(a) === rsReplicas(b)) return byCreationTimestamp(a, b);
  return rsReplicas(b) - rsReplicas(a);
}

/** ReplicaSetsByRevision: lowest revision first; unparsable or equal ones by creation. */
export function byRevision(a: ReplicaSet, b: ReplicaSet): number {
  const ra = revision(a);
  const rb = revision(b);
  if (ra === undefined || rb === undefined || ra === rb) return byCreationTimestamp(a, b);
  return ra < rb ? -1 : 1;
}

// ---------------------------------------------------------------- revisions

/**
 * The revision annotation as a number: 0 without one, undefined when it is not an
 * integer (strconv.ParseInt fails; callers skip such ReplicaSets).
 */
export function revision(obj: KubeObject): number | undefined {
  const v = obj.metadata.annotations?.[REVISION_ANNOTATION];
  if (v === undefined) return 0;
  return /^[+-]?\d+$/.test(v) ? Number(v) : undefined;
}

/** MaxRevision: the highest revision among the ReplicaSets (0 for none). */
export function maxRevision(rss: readonly (ReplicaSet | undefined)[]): number {
  let max = 0;
  for (const rs of rss) {
    const v = rs ? revision(rs) : undefined;
    if (v !== undefined && v > max) max = v;
  }
  return max;
}

/** LastRevision: the second highest revision (the one a plain rollback goes to). */
export function lastRevision(rss: readonly (ReplicaSet | undefined)[]): number {
  let max = 0;
  let secMax = 0;
  for (const rs of rss) {
    const v = rs ? revision(rs) : undefined;
    if (v === undefined) continue;
    if (v >= max) {
      secMax = max;
      max = v;
    } else if (v > secMax) {
      secMax = v;
    }
  }
  return secMax;
}

/** SetDeploymentRevision: true when it changed the annotation. */
export function setDeploymentRevision(d: Deployment, rev: string): boolean {
  d.metadata.annotations ??= {};
  if (d.metadata.annotations[REVISION_ANNOTATION] === rev) return false;
  d.metadata.annotations[REVISION_ANNOTATION] = rev;
  return true;
}

const skipCopyAnnotation = (key: string): boolean => ANNOTATIONS_TO_SKIP.has(key);

/** copyDeploymentAnnotationsToReplicaSet: the Deployment's annotations (but the skipped ones) onto rs. */
function copyDeploymentAnnotationsToReplicaSet(d: Deployment, rs: ReplicaSet): boolean {
  let changed = false;
  rs.metadata.annotations ??= {};
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    // The revision is copied the other way: from the new ReplicaSet to the Deployment.
    if (skipCopyAnnotation(k) || rs.metadata.annotations[k] === v) continue;
    rs.metadata.annotations[k] = v;
    changed = true;
  }
  return changed;
}

/** SetReplicasAnnotations: desired-replicas and max-replicas; true when either changed. */
export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  let updated = false;
  rs.metadata.annotations ??= {};
  if (rs.metadata.annotations[DESIRED_REPLICAS_ANNOTATION] !== String(desired)) {
    rs.metadata.annotations[DESIRED_REPLICAS_ANNOTATION] = String(desired);
    updated = true;
  }
  if (rs.metadata.annotations[MAX_REPLICAS_ANNOTATION] !== String(max)) {
    rs.metadata.annotations[MAX_REPLICAS_ANNOTATION] = String(max);
    updated = true;
  }
  return updated;
}

/** ReplicasAnnotationsNeedUpdate. */
export function replicasAnnotationsNeedUpdate(rs: ReplicaSet, desired: number, max: number): boolean {
  const a = rs.metadata.annotations;
  return !a || a[DESIRED_REPLICAS_ANNOTATION] !== String(desired) || a[MAX_REPLICAS_ANNOTATION] !== String(max);
}

/**
 * SetNewReplicaSetAnnotations: copies the Deployment's annotations onto its new
 * ReplicaSet and raises the ReplicaSet's revision to newRevision when it is lower. A
 * ReplicaSet that had a revision already is being rolled back to: its old revision goes
 * into revision-history (kept under revHistoryLimitInChars). A ReplicaSet about to be
 * created (exists false) also gets the replicas annotations. True when anything changed.
 */
export function setNewReplicaSetAnnotations(d: Deployment, rs: ReplicaSet, newRevision: string, exists: boolean, revHistoryLimitInChars: number): boolean {
  let changed = copyDeploymentAnnotationsToReplicaSet(d, rs);
  const annotations = (rs.metadata.annotations ??= {});
  const hadRevision = Object.prototype.hasOwnProperty.call(annotations, REVISION_ANNOTATION);
  const oldRevision = annotations[REVISION_ANNOTATION] ?? '';
  let oldRevisionInt = 0;
  if (oldRevision !== '') {
    if (!/^[+-]?\d+$/.test(oldRevision)) return false;
    oldRevisionInt = Number(oldRevision);
  }
  if (!/^[+-]?\d+$/.test(newRevision)) return false;
  const newRevisionInt = Number(newRevision);
  if (oldRevisionInt < newRevisionInt) {
    annotations[REVISION_ANNOTATION] = newRevision;
    changed = true;
  }
  if (hadRevision && oldRevisionInt < newRevisionInt) {
    const history = annotations[REVISION_HISTORY_ANNOTATION] ?? '';
    const oldRevisions = history.split(',');
    if (oldRevisions[0].length === 0) {
      annotations[REVISION_HISTORY_ANNOTATION] = oldRevision;
    } else {
      let totalLen = history.length + oldRevision.length + 1;
      let start = 0;
      while (totalLen > revHistoryLimitInChars && start < oldRevisions.length) {
        totalLen = totalLen - oldRevisions[start].length - 1;
        start++;
      }
      if (totalLen <= revHistoryLimitInChars) {
        annotations[REVISION_HISTORY_ANNOTATION] = [...oldRevisions.slice(start), oldRevision].join(',');
      }
    }
  }
  if (!exists && setReplicasAnnotations(rs, replicasOf(d), replicasOf(d) + maxSurge(d))) changed = true;
  return changed;
}

/** getSkippedAnnotations: only the annotations that are never copied. */
function skippedAnnotations(annotations: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(annotations ?? {})) if (skipCopyAnnotation(k)) out[k] = v;
  return out;
}

/** SetDeploymentAnnotationsTo: the Deployment's annotations become those of the ReplicaSet rolled back to (plus its skipped ones). */
export function setDeploymentAnnotationsTo(d: Deployment, rollbackToRS: ReplicaSet): void {
  const annotations = skippedAnnotations(d.metadata.annotations);
  for (const [k, v] of Object.entries(rollbackToRS.metadata.annotations ?? {})) if (!skipCopyAnnotation(k)) annotations[k] = v;
  d.metadata.annotations = annotations;
}

// ---------------------------------------------------------------- new and old ReplicaSets

/** Without the pod-template-hash label, a template's labels (undefined when none are left). */
function labelsWithoutHash(labels: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!labels) return undefined;
  const out = { ...labels };
  delete out[DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY];
  return out;
}

/**
 * EqualIgnoreHash: the templates are semantically equal (apimachinery's Semantic
 * DeepEqual of the Go values: absent, null and empty lists and maps alike) once the
 * pod-template-hash label is left out of both.
 */
export function equalIgnoreHash(t1: PodTemplateSpec | undefined, t2: PodTemplateSpec | undefined): boolean {
  return hashFreeRepr(t1) === hashFreeRepr(t2);
}

/**
 * Forms already computed, by template object: informer caches share their objects and
 * never change them, so each ReplicaSet's template is printed once, not on every sync.
 */
const reprCache = new WeakMap<PodTemplateSpec, string>();

function hashFreeRepr(t: PodTemplateSpec | undefined): string {
  const cached = t && reprCache.get(t);
  if (cached !== undefined) return cached;
  const r = semanticTemplateRepr({ ...t, metadata: { ...t?.metadata, labels: labelsWithoutHash(t?.metadata?.labels) } });
  if (t) reprCache.set(t, r);
  return r;
}

/** FindNewReplicaSet: the oldest ReplicaSet whose template is the Deployment's. */
export function findNewReplicaSet(d: Deployment, rsList: readonly ReplicaSet[]): ReplicaSet | undefined {
  const sorted = [...rsList].sort(byCreationTimestamp);
  return sorted.find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template));
}

/** FindOldReplicaSets: [old ones with replicas, all old ones]. */
export function findOldReplicaSets(d: Deployment, rsList: readonly ReplicaSet[]): [required: ReplicaSet[], all: ReplicaSet[]] {
  const newRS = findNewReplicaSet(d, rsList);
  // Oldest first, as FindNewReplicaSet leaves the list Kubernetes iterates.
  const all = [...rsList].sort(byCreationTimestamp).filter((rs) => !newRS || rs.metadata.uid !== newRS.metadata.uid);
  return [all.filter((rs) => rsReplicas(rs) !== 0), all];
}

/**
 * FindActiveOrLatest: the one ReplicaSet with replicas, or, when none has any, the new
 * one or else the newest old one; undefined when several have replicas.
 */
export function findActiveOrLatest(newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): ReplicaSet | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const newestFirst = [...oldRSs].sort((a, b) => byCreationTimestamp(b, a));
  const active = filterActive([...newestFirst, newRS]);
  if (active.length === 0) return newRS ?? newestFirst[0];
  if (active.length === 1) return active[0];
  return undefined;
}

/** IsSaturated: the new ReplicaSet has all the replicas, was scaled for them, and all are available. */
export function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (!rs) return false;
  const desired = desiredReplicasAnnotation(rs);
  if (desired === undefined) return false;
  const replicas = replicasOf(d);
  return rsReplicas(rs) === replicas && desired === replicas && availableOf(rs) === replicas;
}

/**
 * GetDeploymentsForReplicaSet: the Deployments in rs's namespace whose (non-empty)
 * selector matches rs's labels; empty for a ReplicaSet without labels.
 */
export function deploymentsForReplicaSet(deployments: readonly Deployment[], rs: ReplicaSet): Deployment[] {
  if (!rs.metadata.labels || Object.keys(rs.metadata.labels).length === 0) return [];
  return deployments.filter((d) => {
    if (d.metadata.namespace !== rs.metadata.namespace) return false;
    try {
      const sel = selectorFromLabelSelector(d.spec?.selector);
      return !sel.empty() && sel.matches(rs.metadata.labels);
    } catch {
      return false;
    }
  });
}

// ---------------------------------------------------------------- templates and labels

/** CloneAndAddLabel. */
export function cloneAndAddLabel(labels: Record<string, string> | undefined, key: string, value: string): Record<string, string> {
  return { ...labels, [key]: value };
}

/** CloneSelectorAndAddLabel: matchLabels gains key=value; matchExpressions are copied. */
export function cloneSelectorAndAddLabel(selector: LabelSelector | undefined, key: string, value: string): LabelSelector {
  const out: LabelSelector = { matchLabels: { ...selector?.matchLabels, [key]: value } };
  if (selector?.matchExpressions) {
    out.matchExpressions = selector.matchExpressions.map((e) => ({ key: e.key, operator: e.operator, ...(e.values ? { values: [...e.values] } : {}) }));
  }
  return out;
}

/** SetFromReplicaSetTemplate: the Deployment's template becomes rs's, without the hash label. */
export function setFromReplicaSetTemplate(d: Deployment, template: PodTemplateSpec | undefined): void {
  const t = structuredClone(template ?? {});
  const labels = labelsWithoutHash(t.metadata?.labels);
  t.metadata = { ...t.metadata };
  if (labels) t.metadata.labels = labels;
  if (d.spec) d.spec.template = t;
}

// ---------------------------------------------------------------- conditions

/** NewDeploymentCondition: both times now, with metav1.Time's second precision. */
export function newDeploymentCondition(type: string, status: string, reason: string, message: string, now: number): DeploymentCondition {
  const t = rfc3339(now);
  return { type, status, lastUpdateTime: t, lastTransitionTime: t, reason, message };
}

export function getDeploymentCondition(status: DeploymentStatus | undefined, type: string): DeploymentCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/**
 * SetDeploymentCondition: replaces the condition of its type, unless status and reason
 * are unchanged (then nothing happens); an unchanged status keeps its transition time.
 */
export function setDeploymentCondition(status: DeploymentStatus, condition: DeploymentCondition): void {
  const current = getDeploymentCondition(status, condition.type);
  if (current && current.status === condition.status && current.reason === condition.reason) return;
  const c = { ...condition };
  if (current && current.status === c.status) c.lastTransitionTime = current.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((x) => x.type !== c.type), c];
}

export function removeDeploymentCondition(status: DeploymentStatus, type: string): void {
  const rest = (status.conditions ?? []).filter((c) => c.type !== type);
  if (rest.length) status.conditions = rest;
  else delete status.conditions;
}

/** ReplicaSetToDeploymentCondition: a ReplicaFailure of a ReplicaSet as the Deployment reports it. */
export function replicaSetToDeploymentCondition(c: ReplicaSetCondition): DeploymentCondition {
  return {
    type: c.type, status: c.status, lastUpdateTime: c.lastTransitionTime, lastTransitionTime: c.lastTransitionTime,
    reason: c.reason, message: c.message,
  };
}

/** DeploymentComplete: every replica updated and available, and the current generation observed. */
export function deploymentComplete(d: Deployment, s: DeploymentStatus): boolean {
  const replicas = replicasOf(d);
  return (s.updatedReplicas ?? 0) === replicas && (s.replicas ?? 0) === replicas && (s.availableReplicas ?? 0) === replicas
    && (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
}

/**
 * DeploymentProgressing: newStatus shows progress over the Deployment's current status:
 * more updated, fewer old, more ready or more available replicas.
 */
export function deploymentProgressing(d: Deployment, s: DeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) || newOld < oldOld
    || (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) || (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0);
}

/**
 * DeploymentTimedOut: the Progressing condition was last updated more than
 * progressDeadlineSeconds before now. A completed rollout (NewReplicaSetAvailable)
 * never times out; one already reported ProgressDeadlineExceeded stays timed out.
 */
export function deploymentTimedOut(d: Deployment, s: DeploymentStatus, now: number): boolean {
  if (!hasProgressDeadline(d)) return false;
  const c = getDeploymentCondition(s, 'Progressing');
  if (!c) return false;
  if (c.reason === NEW_RS_AVAILABLE_REASON) return false;
  if (c.reason === TIMED_OUT_REASON) return true;
  const from = parseTime(c.lastUpdateTime);
  if (Number.isNaN(from)) return false;
  return from + (d.spec?.progressDeadlineSeconds ?? 0) * 1000 < now;
}
