// A Deployment's revision history, read from the ReplicaSets it controls (kubectl's
// deploymentutil.GetAllReplicaSets, polymorphichelpers/history.go and rollback.go):
// each ReplicaSet carries its revision in deployment.kubernetes.io/revision and the
// pod template of that revision (plus the pod-template-hash label). Pure functions; the
// rollout command fetches the objects.
import { isControlledBy } from '../api/helpers/owner-refs.js';
import type { Deployment, ReplicaSet } from '../api/types/apps.js';
import type { PodTemplateSpec } from '../api/types/core.js';
import type { KubeObject } from '../api/types/meta.js';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const CHANGE_CAUSE_ANNOTATION = 'kubernetes.io/change-cause';
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';

/** Annotations a rollback keeps from the Deployment instead of copying them from the ReplicaSet. */
const ANNOTATIONS_TO_SKIP = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION_ANNOTATION,
  'deployment.kubernetes.io/revision-history',
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'deprecated.deployment.rollback.to',
]);

/** The revision annotation as a number; 0 when absent (deploymentutil.Revision). */
export function revisionOf(obj: KubeObject): number {
  const v = obj.metadata.annotations?.[REVISION_ANNOTATION];
  if (v === undefined) return 0;
  if (!/^-?\d+$/.test(v)) throw new Error(`strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v);
}

export interface DeploymentReplicaSets {
  /** The ReplicaSet whose template is the Deployment's, if one exists yet. */
  newRS?: ReplicaSet;
  /** Every other ReplicaSet the Deployment controls, oldest first. */
  oldRSs: ReplicaSet[];
}

/**
 * Splits the ReplicaSets of the Deployment's namespace into the new one and the old ones,
 * keeping only those the Deployment controls (controller ownerReference with its uid).
 */
export function deploymentReplicaSets(d: Deployment, replicaSets: ReplicaSet[]): DeploymentReplicaSets {
  const owned = replicaSets
    .filter((rs) => isControlledBy(rs, d))
    .sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  const newRS = owned.find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template));
  return { newRS, oldRSs: owned.filter((rs) => rs !== newRS) };
}

/** Old ReplicaSets then the new one: the order kubectl visits them in. */
export function allReplicaSets(r: DeploymentReplicaSets): ReplicaSet[] {
  return r.newRS ? [...r.oldRSs, r.newRS] : [...r.oldRSs];
}

/**
 * Two pod templates are the same revision when they are equal apart from the
 * pod-template-hash label. Compared as apimachinery's semantic equality treats Go
 * structs: absent, null, empty maps and lists, "" and false all mean "not set".
 */
export function equalIgnoreHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  return JSON.stringify(canonical(withoutHash(a))) === JSON.stringify(canonical(withoutHash(b)));
}

function withoutHash(t: PodTemplateSpec | undefined): PodTemplateSpec {
  const c = structuredClone(t ?? {});
  if (c.metadata?.labels) delete c.metadata.labels[POD_TEMPLATE_HASH_LABEL];
  return c;
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) {
    const items = v.map(canonical);
    return items.length === 0 ? undefined : items.map((i) => i ?? null);
  }
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const c = canonical((v as Record<string, unknown>)[k]);
      if (c !== undefined) out[k] = c;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  if (v === null || v === '' || v === false) return undefined;
  return v;
}

/** revision → pod template (with the ReplicaSet's change-cause), as history.go collects them. */
export function revisionTemplates(rss: ReplicaSet[]): Map<number, PodTemplateSpec> {
  const out = new Map<number, PodTemplateSpec>();
  for (const rs of rss) {
    let rev: number;
    try {
      rev = revisionOf(rs);
    } catch {
      continue; // kubectl logs a warning and skips a ReplicaSet with a malformed revision
    }
    const template = structuredClone(rs.spec?.template ?? {});
    template.metadata ??= {};
    template.metadata.annotations ??= {};
    const cause = rs.metadata.annotations?.[CHANGE_CAUSE_ANNOTATION];
    if (cause) template.metadata.annotations[CHANGE_CAUSE_ANNOTATION] = cause;
    out.set(rev, template);
  }
  return out;
}

/** The REVISION / CHANGE-CAUSE table of `rollout history` (Go tabwriter, padding 2). */
export function historyTable(history: Map<number, PodTemplateSpec>): string {
  if (history.size === 0) return 'No rollout history found.';
  const revisions = [...history.keys()].sort((a, b) => a - b);
  const rows: [string, string][] = [['REVISION', 'CHANGE-CAUSE']];
  for (const r of revisions) rows.push([String(r), history.get(r)!.metadata?.annotations?.[CHANGE_CAUSE_ANNOTATION] || '<none>']);
  const width = Math.max(...rows.map(([a]) => a.length)) + 2;
  return rows.map(([a, b]) => `${a.padEnd(width)}${b}\n`).join('');
}

/**
 * The ReplicaSet `rollout undo` goes back to: the one of toRevision, or with 0 the one
 * before the latest revision. Throws kubectl's errors when there is none.
 */
export function rollbackTarget(d: Deployment, rss: ReplicaSet[], toRevision: number): ReplicaSet {
  let latest: ReplicaSet | undefined;
  let latestRev = -1;
  let previous: ReplicaSet | undefined;
  let previousRev = -1;
  for (const rs of rss) {
    let v: number;
    try {
      v = revisionOf(rs);
    } catch {
      continue;
    }
    if (toRevision === 0) {
      if (latestRev < v) {
        previousRev = latestRev;
        previous = latest;
        latestRev = v;
        latest = rs;
      } else if (previousRev < v) {
        previousRev = v;
        previous = rs;
      }
    } else if (toRevision === v) {
      return rs;
    }
  }
  if (toRevision > 0) throw new Error(`unable to find specified revision ${toRevision} in history`);
  if (!previous) throw new Error(`no rollout history found for deployment ${JSON.stringify(d.metadata.name)}`);
  return previous;
}

/**
 * The JSON patch that restores rs's template into the Deployment: spec.template is
 * replaced by the ReplicaSet's (without the hash label), metadata.annotations by the
 * ReplicaSet's, except the ones that belong to the Deployment itself (revision,
 * last-applied-configuration...), which are kept.
 */
export function rollbackPatch(d: Deployment, rs: ReplicaSet): unknown[] {
  const template = structuredClone(rs.spec?.template ?? {});
  if (template.metadata?.labels) delete template.metadata.labels[POD_TEMPLATE_HASH_LABEL];
  const annotations: Record<string, string> = {};
  for (const k of ANNOTATIONS_TO_SKIP) {
    const v = d.metadata.annotations?.[k];
    if (v !== undefined) annotations[k] = v;
  }
  for (const [k, v] of Object.entries(rs.metadata.annotations ?? {})) {
    if (!ANNOTATIONS_TO_SKIP.has(k)) annotations[k] = v;
  }
  return [
    { op: 'replace', path: '/spec/template', value: template },
    { op: 'replace', path: '/metadata/annotations', value: annotations },
  ];
}
