// What `rollout status` says about a Deployment at one moment: kubectl's
// DeploymentStatusViewer (polymorphichelpers/rollout_status.go), word for word.
import type { Deployment } from '../api/types/apps.js';
import { revisionOf } from './deployment-history.js';

export interface RolloutStatus {
  /** The line to print (ends with a newline). */
  message: string;
  /** True once the rollout is complete. */
  done: boolean;
}

/** The progress condition's reason when the rollout made no progress in time. */
export const TIMED_OUT_REASON = 'ProgressDeadlineExceeded';

/**
 * The status line for d. Throws (with kubectl's message) when the rollout exceeded its
 * progress deadline, or when `revision` (>0) is not the Deployment's current revision.
 */
export function deploymentRolloutStatus(d: Deployment, revision = 0): RolloutStatus {
  const name = JSON.stringify(d.metadata.name ?? '');
  if (revision > 0) {
    let current: number;
    try {
      current = revisionOf(d);
    } catch (err) {
      throw new Error(`cannot get the revision of deployment ${name}: ${(err as Error).message}`);
    }
    if (current !== revision) throw new Error(`desired revision (${revision}) is different from the running revision (${current})`);
  }
  const st = d.status ?? {};
  if ((d.metadata.generation ?? 0) > (st.observedGeneration ?? 0)) {
    return { message: 'Waiting for deployment spec update to be observed...\n', done: false };
  }
  const progressing = st.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === TIMED_OUT_REASON) throw new Error(`deployment ${name} exceeded its progress deadline`);
  const updated = st.updatedReplicas ?? 0;
  const replicas = st.replicas ?? 0;
  const available = st.availableReplicas ?? 0;
  const waiting = (what: string): RolloutStatus => ({ message: `Waiting for deployment ${name} rollout to finish: ${what}...\n`, done: false });
  const desired = d.spec?.replicas;
  if (desired !== undefined && updated < desired) return waiting(`${updated} out of ${desired} new replicas have been updated`);
  if (replicas > updated) return waiting(`${replicas - updated} old replicas are pending termination`);
  if (available < updated) return waiting(`${available} of ${updated} updated replicas are available`);
  return { message: `deployment ${name} successfully rolled out\n`, done: true };
}
