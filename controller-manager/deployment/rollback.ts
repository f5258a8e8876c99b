// Rollback (Kubernetes' pkg/controller/deployment/rollback.go).
//
// apps/v1 has no spec.rollbackTo: `kubectl rollout undo` rolls back on the client side,
// copying the chosen ReplicaSet's template (without its pod-template-hash label) into
// the Deployment. Nothing here is needed for that: the next sync's FindNewReplicaSet
// finds that old ReplicaSet by template (EqualIgnoreHash), getNewReplicaSet gives it the
// next revision (its old one going into deployment.kubernetes.io/revision-history),
// and the rollout scales it back up: the old ReplicaSet is reused, never recreated.
//
// What remains server side, as in Kubernetes, is the deprecated.deployment.rollback.to
// annotation, the form extensions/v1beta1's spec.rollbackTo takes in apps/v1: a
// Deployment carrying it is rolled back to that revision (0: the previous one) and
// the annotation removed, with the DeploymentRollback events.
import type { Deployment, ReplicaSet } from '../../api/types/apps.js';
import { eventObject, getAllReplicaSetsAndSyncRevision, updateDeployment, type SyncContext } from './sync.js';
import {
  DEPRECATED_ROLLBACK_TO, ROLLBACK_DONE, ROLLBACK_REVISION_NOT_FOUND, ROLLBACK_TEMPLATE_UNCHANGED, equalIgnoreHash,
  lastRevision, revision, setDeploymentAnnotationsTo, setFromReplicaSetTemplate,
} from './util.js';

/** getRollbackTo: the revision the annotation asks for; undefined without one or when it is not a number. */
export function getRollbackTo(d: Deployment): number | undefined {
  const v = d.metadata.annotations?.[DEPRECATED_ROLLBACK_TO];
  if (!v || !/^[+-]?\d+$/.test(v)) return undefined;
  return Number(v);
}

/** rollback: rolls d back to the annotation's revision, or gives up with a Warning. */
export async function rollback(dc: SyncContext, d: Deployment, rsList: ReplicaSet[]): Promise<void> {
  const [newRS, allOldRSs] = await getAllReplicaSetsAndSyncRevision(dc, d, rsList, true);
  const allRSs = [...allOldRSs, ...(newRS ? [newRS] : [])];
  let to = getRollbackTo(d) ?? 0;
  // Revision 0 means the one before the current one.
  if (to === 0) {
    to = lastRevision(allRSs);
    if (to === 0) {
      dc.recorder.event(eventObject(d), 'Warning', ROLLBACK_REVISION_NOT_FOUND, 'Unable to find last revision.');
      await updateDeploymentAndClearRollbackTo(dc, d);
      return;
    }
  }
  for (const rs of allRSs) {
    const v = revision(rs);
    if (v === undefined || v !== to) continue;
    // The template is copied here; the revision is bumped by the next sync's
    // getAllReplicaSetsAndSyncRevision.
    const performed = await rollbackToTemplate(dc, d, rs);
    if (performed) dc.recorder.event(eventObject(d), 'Normal', ROLLBACK_DONE, `Rolled back deployment "${d.metadata.name}" to revision ${to}`);
    return;
  }
  dc.recorder.event(eventObject(d), 'Warning', ROLLBACK_REVISION_NOT_FOUND, 'Unable to find the revision to rollback to.');
  await updateDeploymentAndClearRollbackTo(dc, d);
}

/** rollbackToTemplate: d takes rs's template and annotations, unless the templates are already equal. */
async function rollbackToTemplate(dc: SyncContext, d: Deployment, rs: ReplicaSet): Promise<boolean> {
  let performed = false;
  if (!equalIgnoreHash(d.spec?.template, rs.spec?.template)) {
    setFromReplicaSetTemplate(d, rs.spec?.template);
    // Annotations such as kubernetes.io/change-cause follow the template they belong to.
    setDeploymentAnnotationsTo(d, rs);
    performed = true;
  } else {
    dc.recorder.event(eventObject(d), 'Warning', ROLLBACK_TEMPLATE_UNCHANGED, `The rollback revision contains the same template as current deployment "${d.metadata.name}"`);
  }
  await updateDeploymentAndClearRollbackTo(dc, d);
  return performed;
}

/** updateDeploymentAndClearRollbackTo: removes the annotation (the rollback is done or abandoned). */
async function updateDeploymentAndClearRollbackTo(dc: SyncContext, d: Deployment): Promise<void> {
  if (d.metadata.annotations) delete d.metadata.annotations[DEPRECATED_ROLLBACK_TO];
  await updateDeployment(dc, d);
}
