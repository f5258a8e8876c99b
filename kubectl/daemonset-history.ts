// A DaemonSet's rollout history as kubectl reads it (polymorphichelpers history.go and
// rollback.go: daemonSetHistory, applyDaemonSetHistory, findHistory, daemonSetMatch),
// and what `rollout status` says about one (DaemonSetStatusViewer).
import { daemonSetRevisionPatch, goJSON } from '../api/helpers/controller-revision.js';
import { isControlledBy } from '../api/helpers/owner-refs.js';
import { applyStrategicMergePatch } from '../api/patch/strategic.js';
import type { ControllerRevision, DaemonSet } from '../api/types/apps.js';
import type { PodTemplateSpec } from '../api/types/core.js';
import { CHANGE_CAUSE_ANNOTATION } from './deployment-history.js';
import type { RolloutStatus } from './rollout-status.js';

/** The revisions ds controls, of those its selector listed. */
export function daemonSetRevisions(ds: DaemonSet, revisions: readonly ControllerRevision[]): ControllerRevision[] {
  return revisions.filter((r) => isControlledBy(r, ds));
}

/** applyDaemonSetHistory: ds with the revision's patch applied (client side), i.e. as it was at that revision. */
export function applyRevision(ds: DaemonSet, revision: ControllerRevision): DaemonSet {
  return applyStrategicMergePatch(structuredClone(ds), revision.data ?? {}, 'DaemonSet') as unknown as DaemonSet;
}

/**
 * The templates of each revision, with the revision's change-cause annotation, for
 * historyTable and `--revision=N` (printHistory; the last revision of a number wins).
 */
export function daemonSetRevisionTemplates(ds: DaemonSet, revisions: readonly ControllerRevision[]): Map<number, PodTemplateSpec> {
  const out = new Map<number, PodTemplateSpec>();
  for (const r of revisions) {
    const template = structuredClone(applyRevision(ds, r).spec?.template ?? {});
    template.metadata ??= {};
    const cause = r.metadata.annotations?.[CHANGE_CAUSE_ANNOTATION];
    if (cause) template.metadata.annotations = { ...(template.metadata.annotations ?? {}), [CHANGE_CAUSE_ANNOTATION]: cause };
    else if (template.metadata.annotations) delete template.metadata.annotations[CHANGE_CAUSE_ANNOTATION];
    out.set(r.revision, template);
  }
  return out;
}

/**
 * findHistory: the revision `rollout undo` goes back to: toRevision's, or with 0 the
 * second highest. Undefined when there is none.
 */
export function findRevision(toRevision: number, revisions: readonly ControllerRevision[]): ControllerRevision | undefined {
  if (toRevision === 0) {
    if (revisions.length <= 1) return undefined;
    const sorted = [...revisions].sort((a, b) => a.revision - b.revision);
    return sorted[sorted.length - 2];
  }
  return revisions.find((r) => r.revision === toRevision);
}

/** daemonSetMatch: the revision's data restores exactly ds's current template. */
export function daemonSetMatches(ds: DaemonSet, revision: ControllerRevision): boolean {
  return goJSON(daemonSetRevisionPatch(ds)) === goJSON(revision.data ?? null);
}

/** DaemonSetStatusViewer: kubectl's words; throws for OnDelete (no rollout to follow). */
export function daemonSetRolloutStatus(ds: DaemonSet): RolloutStatus {
  if (ds.spec?.updateStrategy?.type !== 'RollingUpdate') throw new Error('rollout status is only available for RollingUpdate strategy type');
  const name = JSON.stringify(ds.metadata.name ?? '');
  const st = ds.status;
  if ((ds.metadata.generation ?? 0) > (st?.observedGeneration ?? 0)) return { message: 'Waiting for daemon set spec update to be observed...\n', done: false };
  const desired = st?.desiredNumberScheduled ?? 0;
  const updated = st?.updatedNumberScheduled ?? 0;
  const available = st?.numberAvailable ?? 0;
  if (updated < desired) return { message: `Waiting for daemon set ${name} rollout to finish: ${updated} out of ${desired} new pods have been updated...\n`, done: false };
  if (available < desired) return { message: `Waiting for daemon set ${name} rollout to finish: ${available} of ${desired} updated pods are available...\n`, done: false };
  return { message: `daemon set ${name} successfully rolled out\n`, done: true };
}
